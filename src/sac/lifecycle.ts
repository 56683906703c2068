/**
 * Pieces shared by the operations that act on certificates already sent:
 * finding one's own certificate, writing it back in contract order, and
 * storing under a fresh protocol number.
 */
import {
  DuplicateKeyError,
  type CertificateKind,
  type CertificateRecord,
  type UserStore,
  type Person,
  type RicoveroRecord,
} from '../store/port.js';
import { diagnostic, type Diagnostic } from '../catalog/diagnostics.js';
import { GatewayError } from '../errors.js';
import type { Address, Dimissione, Malattia, Reperibilita } from '../domain/certificate.js';
import type { OutObject } from '../soap/xmlWriter.js';
import type { RequestJournal } from './services.js';

/**
 * Draws per write before giving up. A draw collides with probability f, the
 * fraction of the space already used, so a write fails with f^10: about
 * 10^-20 at f = 1%, 10^-3 only once half of the space is used.
 */
export const PROTOCOL_NUMBER_ATTEMPTS = 10;

/**
 * Every draw collided: the space of protocol numbers is (nearly) full and
 * SAC_PUC_DIGITS must grow. Nothing was stored; answered as the Server fault
 * PUC_EXHAUSTED (src/http/faultReply.ts).
 */
export class ProtocolNumbersExhaustedError extends GatewayError {
  static readonly code = 'SAC_PUC_EXHAUSTED';
  readonly name = 'ProtocolNumbersExhaustedError';
  readonly code = ProtocolNumbersExhaustedError.code;
}

/**
 * Run a write with a new protocol number from `newId` (services.newId),
 * drawing another on a collision with an existing one, at most
 * PROTOCOL_NUMBER_ATTEMPTS draws in all.
 */
export async function withNewProtocolNumber<T>(newId: () => string, write: (id: string) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write(newId());
    } catch (err) {
      if (!(err instanceof DuplicateKeyError)) throw err;
      if (attempt >= PROTOCOL_NUMBER_ATTEMPTS) {
        throw new ProtocolNumbersExhaustedError(`${PROTOCOL_NUMBER_ATTEMPTS} protocol numbers drawn, all already used`);
      }
    }
  }
}

/**
 * The certificate with this PUC, if this doctor issued it for this worker.
 * "Not found" and "not yours" are one answer: no probing of others' PUCs
 * (an existing one that is not the caller's is journaled as accesso_negato).
 */
export function ownCertificate(
  record: CertificateRecord | undefined,
  medicoCf: string,
  lavoratoreCf: string,
  kind: CertificateKind,
  journal?: RequestJournal,
): { readonly certificate: CertificateRecord } | { readonly errors: Diagnostic[] } {
  if (!record || record.kind !== kind || record.medicoCf !== medicoCf || record.lavoratoreCf !== lavoratoreCf) {
    if (record) journal?.denied('certificato', record.idCertificato);
    return { errors: [diagnostic('CERTIFICATO_NON_TROVATO')] };
  }
  return { certificate: record };
}

/**
 * The structure an admission belongs to: the one it recorded, else the one
 * its operator is registered with (an admission sent without codiceStruttura
 * is still one structure's, never every structure's of its ASL). Undefined
 * when neither is known: such an admission matches no structure.
 */
export async function admissionStructure(admission: RicoveroRecord, store: Pick<UserStore, 'findUser'>): Promise<string | undefined> {
  if (admission.codiceStruttura !== null && admission.codiceStruttura !== '') return admission.codiceStruttura;
  const operator = await store.findUser(admission.operatoreCf);
  const registered = operator?.kind === 'operatore' ? operator.codiceStruttura : null;
  return registered === null || registered === '' ? undefined : registered;
}

/** Whether an admission is of this hospital: same region, ASL and structure, all three known. */
export async function admissionAt(
  admission: RicoveroRecord,
  hospital: { readonly codiceRegione: string; readonly codiceAsl: string; readonly codiceStruttura: string },
  store: Pick<UserStore, 'findUser'>,
): Promise<boolean> {
  return (
    admission.codiceRegione === hospital.codiceRegione &&
    admission.codiceAsl === hospital.codiceAsl &&
    (await admissionStructure(admission, store)) === hospital.codiceStruttura
  );
}

/** The state checks before rectifying or cancelling. */
export function mustBeActive(record: CertificateRecord): Diagnostic[] {
  if (record.state === 'annullato') return [diagnostic('CERTIFICATO_ANNULLATO')];
  if (record.state === 'rettificato') return [diagnostic('CERTIFICATO_RETTIFICATO')];
  return [];
}

export function anagraficaOut(person: Person): OutObject {
  return {
    codiceFiscale: person.codiceFiscale,
    cognome: person.cognome,
    nome: person.nome,
    sesso: person.sesso,
    dataNascita: person.dataNascita,
    comuneNascita: person.comuneNascita,
    provinciaNascita: person.provinciaNascita,
  };
}

export function addressOut(a: Address): OutObject {
  return { via: a.via, civico: a.civico, cap: a.cap, codiceCatastale: a.codiceCatastale, comune: a.comune, provincia: a.provincia };
}

export function reperibilitaOut(r: Reperibilita | undefined): OutObject | undefined {
  return r && { cognome: r.cognome, indirizzo: r.indirizzo && addressOut(r.indirizzo) };
}

export function malattiaOut(m: Malattia): OutObject {
  return {
    ruoloMedico: m.ruoloMedico,
    dataRilascio: m.dataRilascio,
    dataInizio: m.dataInizio,
    dataFine: m.dataFine,
    visita: m.visita,
    tipoCertificato: m.tipoCertificato,
    diagnosi: { codiceDiagnosi: m.diagnosi.codiceDiagnosi, noteDiagnosi: m.diagnosi.noteDiagnosi },
    giornataLavorata: m.giornataLavorata,
    trauma: m.trauma,
    agevolazioni: m.agevolazioni,
  };
}

export function dimissioneOut(d: Dimissione): OutObject {
  return {
    ruoloMedico: d.ruoloMedico,
    dataRicovero: d.dataRicovero,
    dataDimissione: d.dataDimissione,
    dataFine: d.dataFine,
    tipoCertificato: d.tipoCertificato,
    tipoRicovero: d.tipoRicovero,
    diagnosi: { codiceDiagnosi: d.diagnosi.codiceDiagnosi, noteDiagnosi: d.diagnosi.noteDiagnosi },
    giornataLavorata: d.giornataLavorata,
    trauma: d.trauma,
    agevolazioni: d.agevolazioni,
  };
}
