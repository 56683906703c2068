/**
 * Who may get which document (disciplinare 3.5-3.7 and §6): the rule of the
 * INPS side, in one place, for every channel (the AttestatiMalattia service,
 * the export, the printed copies).
 *
 * A stored certificate has two forms: the certificato, with the diagnosis
 * (Allegato A, or C for a discharge certificate), and the attestato, without
 * it (B, or D). An admission has one: the notice (E), which holds no diagnosis.
 *
 * - the worker: every form of their own documents;
 * - the issuing doctor, and whoever sent it on the doctor's behalf (a region):
 *   both forms of the certificate;
 * - the structure: the admission notice, for the operator who sent it and the
 *   operators of the same structure (region, ASL and structure code);
 * - the employer: B, D and E, only for an absence that overlaps an employment
 *   with it (the employment registry);
 * - anyone holding the worker's codice fiscale and the protocol number: B, D, E.
 *
 * Nobody else gets anything, and a reader who gets nothing is answered as if
 * the document did not exist.
 */
import type { Allegato } from '../print/model.js';
import type { CertificateRecord, EmploymentRegistry, RicoveroRecord, UserRecord } from '../store/port.js';
import { certificateDays } from '../store/port.js';

/** A stored document of the INPS side: a certificate (sickness or discharge) or an admission. */
export type InpsDocument =
  | { readonly tipo: 'certificato'; readonly record: CertificateRecord }
  | { readonly tipo: 'ricovero'; readonly record: RicoveroRecord };

/** Who reads: a logged-in user, or someone who typed the worker's CF and the protocol number. */
export type InpsReader = { readonly by: 'utente'; readonly user: UserRecord } | { readonly by: 'codice'; readonly codiceFiscale: string };

/** The protocol number a document is known by: its PUC, or an admission's PUCIR. */
export function documentId(doc: InpsDocument): string {
  return doc.tipo === 'certificato' ? doc.record.idCertificato : doc.record.idInizioRicovero;
}

export function workerOf(doc: InpsDocument): string {
  return doc.record.lavoratoreCf;
}

/** The days of the absence a document is about (inclusive): a certificate's prognosis, an admission's first day. */
export function absenceDays(doc: InpsDocument): { readonly from: string; readonly to: string } {
  if (doc.tipo === 'ricovero') {
    const day = doc.record.document.ricovero.dataRicovero;
    return { from: day, to: day };
  }
  const days = certificateDays(doc.record.document);
  return { from: days.inizio, to: days.fine };
}

/** The forms of a document: the full one first (A, C, or E), then the attestato when there is one. */
export function formsOf(doc: InpsDocument): { readonly full: Allegato; readonly attestato: Allegato } {
  if (doc.tipo === 'ricovero') return { full: 'E', attestato: 'E' };
  return doc.record.kind === 'malattia' ? { full: 'A', attestato: 'B' } : { full: 'C', attestato: 'D' };
}

/** Whether a form carries the diagnosis. */
export function formHasDiagnosis(form: Allegato): boolean {
  return form === 'A' || form === 'C';
}

const NONE: readonly Allegato[] = [];

function both(doc: InpsDocument): readonly Allegato[] {
  const { full, attestato } = formsOf(doc);
  return full === attestato ? [full] : [full, attestato];
}

function attestatoOnly(doc: InpsDocument): readonly Allegato[] {
  return [formsOf(doc).attestato];
}

function sameStructure(user: UserRecord, record: RicoveroRecord): boolean {
  return (
    user.codiceRegione !== null &&
    user.codiceAsl !== null &&
    user.codiceStruttura !== null &&
    user.codiceRegione === record.codiceRegione &&
    user.codiceAsl === record.codiceAsl &&
    user.codiceStruttura === record.codiceStruttura
  );
}

/**
 * The forms `reader` may get of `doc`, the full one first; empty when none.
 * `employs` is the employment registry's overlap check.
 */
export async function entitledForms(reader: InpsReader, doc: InpsDocument, employs: EmploymentRegistry['employs']): Promise<readonly Allegato[]> {
  if (reader.by === 'codice') return reader.codiceFiscale === workerOf(doc) ? attestatoOnly(doc) : NONE;
  const user = reader.user;
  switch (user.kind) {
    case 'lavoratore':
      return user.username === workerOf(doc) ? both(doc) : NONE;
    case 'datore': {
      const days = absenceDays(doc);
      return (await employs(user.username, workerOf(doc), days.from, days.to)) ? attestatoOnly(doc) : NONE;
    }
    case 'medico':
    case 'regione':
      if (doc.tipo === 'certificato') {
        return doc.record.medicoCf === user.username || doc.record.sentBy === user.username ? both(doc) : NONE;
      }
      return doc.record.sentBy === user.username ? both(doc) : NONE;
    case 'operatore':
      if (doc.tipo === 'ricovero') {
        return doc.record.sentBy === user.username || doc.record.operatoreCf === user.username || sameStructure(user, doc.record) ? both(doc) : NONE;
      }
      return NONE;
  }
}
