/**
 * The five operations of AttestatiMalattia. Every read goes through
 * InpsConsultation (src/inps/consultation.ts), which decides who may see what
 * and journals it before anything is answered; these handlers only choose the
 * reader, check the request's period, and write the answer (views.ts).
 *
 * A document the reader may not see is answered exactly like one that does
 * not exist: 7020 on idCertificato, the same bytes (lookUp did the same work).
 */
import { diagnostic, type Diagnostic } from '../catalog/diagnostics.js';
import { InpsLimitError, MAX_PERIOD_DAYS, periodDays, type InpsConsultation, type ReadJournal } from '../inps/consultation.js';
import type { InpsReader } from '../inps/entitlement.js';
import { inDateOrder } from '../inps/exportRecords.js';
import type { Allegato } from '../print/model.js';
import type { Clock } from '../sac/services.js';
import type { Outcome, SoapHandler, SoapHandlerTable } from '../soap/pipeline.js';
import type { PersonRegistry, UserRecord } from '../store/port.js';
import type { XmlObject } from '../xml/toObject.js';
import type { AttestatiOperationName } from './contract.js';
import { lavoratoreOf } from '../inps/attestato.js';
import { certificatoOut, documentoOut, elencoDatoreOut, lavoratoreOut, ricoveroOut } from './views.js';
import { ricoveroOf } from '../inps/attestato.js';

/** What one call's handler is given. */
export interface AttestatiServices {
  readonly consultation: InpsConsultation;
  readonly registry: Pick<PersonRegistry, 'findPerson'>;
  /** The access journal bound to this call's user, address and operation. */
  readonly journal: ReadJournal;
  readonly clock: Clock;
  /** The client's address as the socket saw it (the look-up throttle's key). */
  readonly clientAddress: string;
}

type Handler = SoapHandler<UserRecord, AttestatiServices>;

/** A schema-valid request's text field (undefined when the optional element is absent). */
function text(request: XmlObject, name: string): string | undefined {
  const value = request[name];
  return typeof value === 'string' ? value : undefined;
}

const notFound = (): Outcome => ({ errors: [diagnostic('DOCUMENTO_NON_TROVATO', { sezione: 'idCertificato' })] });

const tooMany = (err: InpsLimitError): Outcome => ({ errors: [diagnostic('TROPPI_DOCUMENTI', { sezione: 'idCertificato', massimo: err.massimo })] });

/** A period's errors: its end before its start (4013), longer than `maxDays` (4014). */
function periodErrors(dal: string, al: string, maxDays: number | undefined): Diagnostic[] {
  if (al < dal) return [diagnostic('PERIODO_INTERVALLO', { sezione: 'al', dal, al })];
  const days = periodDays(dal, al);
  if (maxDays !== undefined && days > maxDays) return [diagnostic('PERIODO_TROPPO_LUNGO', { sezione: 'al', giorni: days, massimo: maxDays })];
  return [];
}

/** One document by protocol number for `reader`: the attestato, certificate or notice as the reader may see it. */
async function consult(reader: InpsReader, id: string, services: AttestatiServices): Promise<Outcome> {
  const found = await services.consultation.lookUp(reader, id, services.journal);
  if (found === undefined) return notFound();
  return { ok: documentoOut(found, await lavoratoreOf(services.registry, found.doc.record.lavoratoreCf)) };
}

const consultaAttestato: Handler = (request, _caller, services) =>
  consult({ by: 'codice', codiceFiscale: text(request, 'codiceFiscaleLavoratore')! }, text(request, 'idCertificato')!, services);

const consultaDocumento: Handler = (request, caller, services) => consult({ by: 'utente', user: caller }, text(request, 'idCertificato')!, services);

const elencoDocumentiDatore: Handler = async (request, caller, services) => {
  const dal = text(request, 'dal')!;
  const al = text(request, 'al')!;
  const errors = periodErrors(dal, al, MAX_PERIOD_DAYS);
  if (errors.length > 0) return { errors };
  try {
    const { header, records } = await services.consultation.employerRecords(caller.username, dal, al, services.journal);
    return { ok: elencoDatoreOut(header, inDateOrder(records)) };
  } catch (err) {
    if (err instanceof InpsLimitError) return tooMany(err);
    throw err;
  }
};

const elencoDocumentiLavoratore: Handler = async (request, caller, services) => {
  const dal = text(request, 'dal');
  const al = text(request, 'al');
  if (dal !== undefined && al !== undefined) {
    // The worker's own documents are bounded by count (MAX_DOCUMENTS_PER_WORKER), not by the period's length.
    const errors = periodErrors(dal, al, undefined);
    if (errors.length > 0) return { errors };
  }
  try {
    const { certificati, ricoveri } = await services.consultation.workerDocuments(caller.username, services.journal, { dal, al });
    return {
      ok: {
        lavoratore: lavoratoreOut(await lavoratoreOf(services.registry, caller.username)),
        dal,
        al,
        numeroCertificati: certificati.length,
        numeroRicoveri: ricoveri.length,
        certificato: certificati.map((c) => certificatoOut(c)),
        ricovero: ricoveri.map((r) => ricoveroOut(ricoveroOf(r))),
      },
    };
  } catch (err) {
    if (err instanceof InpsLimitError) return tooMany(err);
    throw err;
  }
};

/** The file name a printed copy is offered as: its form and its protocol number. */
export function printFileName(form: Allegato, id: string): string {
  return `allegato-${form}-${id}.pdf`;
}

const stampaDocumento: Handler = async (request, caller, services) => {
  const id = text(request, 'idCertificato')!;
  const asked = text(request, 'allegato') as Allegato | undefined;
  const cf = text(request, 'codiceFiscaleLavoratore');
  // With a codice fiscale, the CF+PUC rule: B, D, E only, whoever is logged in.
  const reader: InpsReader = cf !== undefined ? { by: 'codice', codiceFiscale: cf } : { by: 'utente', user: caller };
  const found = await services.consultation.lookUp(reader, id, services.journal);
  if (found === undefined) return notFound();
  const form = asked ?? found.forms[0]!;
  if (!found.forms.includes(form)) {
    return { errors: [diagnostic('ALLEGATO_NON_SPETTANTE', { sezione: 'allegato', allegato: form, ammessi: found.forms.join(', ') })] };
  }
  const pdf = await services.consultation.printEntitled(found, form);
  return { ok: { idCertificato: id, allegato: form, nomeFile: printFileName(form, id), contentType: 'application/pdf', pdf: pdf.toString('base64') } };
};

export const ATTESTATI_HANDLERS: SoapHandlerTable<UserRecord, AttestatiServices, AttestatiOperationName> = {
  ConsultaAttestato: consultaAttestato,
  ConsultaDocumento: consultaDocumento,
  ElencoDocumentiDatore: elencoDocumentiDatore,
  ElencoDocumentiLavoratore: elencoDocumentiLavoratore,
  StampaDocumento: stampaDocumento,
};
