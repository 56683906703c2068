/**
 * Printable forms from what the store holds: a certificate record gives its
 * certificato and attestato (A+B for a sickness certificate, C+D for a
 * discharge certificate), an admission record its notice (E). Names come
 * from the registry of assisted persons; a person it does not know prints
 * with the codice fiscale only.
 *
 * Every field is copied by name, never by spreading a stored object: the
 * stored clinical part holds the diagnosis, and an attestato must not carry
 * it even at run time.
 */
import type { Malattia, Dimissione } from '../domain/certificate.js';
import type { AdmissionStore, CertificateRecord, CertificateStore, PersonRegistry, RicoveroRecord, Successor } from '../store/port.js';
import { successorOf } from '../store/port.js';
import type {
  PrintableAttestato,
  PrintableCertificato,
  PrintableRicovero,
  PrintedAbsence,
  PrintedPerson,
  PrintedState,
} from './model.js';

/**
 * Where a form's names come from: the registry, and (optionally) the store's
 * admissions, for the structure of a discharge certificate. The SQLite store
 * is both.
 */
export type PrintSources = Pick<PersonRegistry, 'findPerson'> & Partial<Pick<AdmissionStore, 'getRicovero'> & Pick<CertificateStore, 'getRectificationOf'>>;

/** A registry look-up: the person's printed identity. */
export async function printedPerson(registry: Pick<PersonRegistry, 'findPerson'>, codiceFiscale: string, withBirth: boolean): Promise<PrintedPerson> {
  const p = await registry.findPerson(codiceFiscale);
  if (!p) return { codiceFiscale };
  return withBirth
    ? { codiceFiscale, cognome: p.cognome, nome: p.nome, dataNascita: p.dataNascita, luogoNascita: `${p.comuneNascita} (${p.provinciaNascita})` }
    : { codiceFiscale, cognome: p.cognome, nome: p.nome };
}

function stateOf(record: { state: string; idAnnullamento?: string | null; dataAnnullamento?: string | null }, successor?: Successor): PrintedState {
  if (record.state === 'annullato') {
    return {
      kind: 'annullato',
      ...(record.idAnnullamento ? { idAnnullamento: record.idAnnullamento } : {}),
      ...(record.dataAnnullamento ? { dataAnnullamento: record.dataAnnullamento } : {}),
    };
  }
  if (record.state !== 'rettificato') return { kind: 'attivo' };
  return successor ? { kind: 'rettificato', rettificatoDa: successor.idCertificato, dataFineAttuale: successor.dataFine } : { kind: 'rettificato' };
}

/** Optional flags, copied only when present. */
function flags(c: Malattia | Dimissione): Pick<PrintedAbsence, 'giornataLavorata' | 'trauma' | 'agevolazioni'> {
  return {
    ...(c.giornataLavorata ? { giornataLavorata: c.giornataLavorata } : {}),
    ...(c.trauma ? { trauma: c.trauma } : {}),
    ...(c.agevolazioni ? { agevolazioni: c.agevolazioni } : {}),
  };
}

/** The absence's data, field by field: the diagnosis is not among them. */
function absenceOf(record: CertificateRecord): PrintedAbsence {
  const m = record.document.malattia;
  if (m) {
    return {
      ruoloMedico: m.ruoloMedico,
      tipoCertificato: m.tipoCertificato,
      dataRilascio: m.dataRilascio,
      dataInizio: m.dataInizio,
      dataFine: m.dataFine,
      visita: m.visita,
      ...flags(m),
    };
  }
  const d = record.document.dimissione!;
  return {
    ruoloMedico: d.ruoloMedico,
    tipoCertificato: d.tipoCertificato,
    dataRilascio: d.dataDimissione,
    dataInizio: d.dataRicovero,
    dataFine: d.dataFine,
    dataRicovero: d.dataRicovero,
    dataDimissione: d.dataDimissione,
    tipoRicovero: d.tipoRicovero,
    ...flags(d),
  };
}

async function certificateBase(record: CertificateRecord, registry: PrintSources) {
  const r = record.document.reperibilita;
  const admission = record.idInizioRicovero ? await registry.getRicovero?.(record.idInizioRicovero) : undefined;
  return {
    id: record.idCertificato,
    dataRicezione: record.dataRicezione,
    state: stateOf(record, registry.getRectificationOf && (await successorOf(record, (id) => registry.getRectificationOf!(id)))),
    lavoratore: await printedPerson(registry, record.lavoratoreCf, true),
    residenza: record.document.residenza,
    ...(record.paperWindow ? { paperWindow: record.paperWindow } : {}),
    medico: await printedPerson(registry, record.medicoCf, false),
    ...(r ? { reperibilita: r } : {}),
    absence: absenceOf(record),
    ...(record.rettificaDi ? { rettificaDi: record.rettificaDi } : {}),
    ...(record.idInizioRicovero ? { idInizioRicovero: record.idInizioRicovero } : {}),
    ...(admission
      ? { struttura: { codiceRegione: admission.codiceRegione, codiceAsl: admission.codiceAsl, codiceStruttura: admission.codiceStruttura } }
      : {}),
  };
}

/** Allegato A (sickness) or C (discharge): the certificato, with the diagnosis. */
export async function certificatoFrom(record: CertificateRecord, registry: PrintSources): Promise<PrintableCertificato> {
  const diagnosi = (record.document.malattia ?? record.document.dimissione).diagnosi;
  return {
    allegato: record.kind === 'malattia' ? 'A' : 'C',
    ...(await certificateBase(record, registry)),
    diagnosi: {
      ...(diagnosi.codiceDiagnosi ? { codiceDiagnosi: diagnosi.codiceDiagnosi } : {}),
      ...(diagnosi.noteDiagnosi ? { noteDiagnosi: diagnosi.noteDiagnosi } : {}),
    },
  };
}

/** Allegato B (sickness) or D (discharge): the attestato, without the diagnosis. */
export async function attestatoFrom(record: CertificateRecord, registry: PrintSources): Promise<PrintableAttestato> {
  return { allegato: record.kind === 'malattia' ? 'B' : 'D', ...(await certificateBase(record, registry)) };
}

/** Allegato E: the admission notice. */
export async function ricoveroFrom(record: RicoveroRecord, registry: Pick<PersonRegistry, 'findPerson'>): Promise<PrintableRicovero> {
  const r = record.document.ricovero;
  return {
    allegato: 'E',
    id: record.idInizioRicovero,
    dataRicezione: record.dataRicezione,
    state: stateOf(record),
    lavoratore: await printedPerson(registry, record.lavoratoreCf, true),
    residenza: record.document.residenza,
    operatore: await printedPerson(registry, record.operatoreCf, false),
    struttura: { codiceRegione: record.codiceRegione, codiceAsl: record.codiceAsl, codiceStruttura: record.codiceStruttura },
    dataRicovero: r.dataRicovero,
    ...(r.giornataLavorata ? { giornataLavorata: r.giornataLavorata } : {}),
    ...(r.trauma ? { trauma: r.trauma } : {}),
  };
}
