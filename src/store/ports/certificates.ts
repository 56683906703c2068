/**
 * Certificates (malattia and dimissione): created, rectified and cancelled,
 * each change decided in one transaction with its journal entries and its
 * idempotency claim.
 */
import type { Address, Dimissione, Malattia, Reperibilita } from '../../domain/certificate.js';
import type { ClaimConflict, IdempotencyClaim } from './idempotency.js';
import type { JournalStamp } from './journal.js';

export type CertificateKind = 'malattia' | 'dimissione';
export type CertificateState = 'attivo' | 'annullato' | 'rettificato';

/**
 * What a doctor certified, as received (after decryption of the worker's CF):
 * a sickness certificate has `malattia`, a discharge certificate `dimissione`.
 */
export type CertificateDocument =
  | { readonly residenza: Address; readonly reperibilita?: Reperibilita; readonly malattia: Malattia; readonly dimissione?: undefined }
  | { readonly residenza: Address; readonly reperibilita?: Reperibilita; readonly dimissione: Dimissione; readonly malattia?: undefined };

/** The days a certificate covers, whatever its kind: issued, prognosis start, prognosis end. */
export function certificateDays(document: CertificateDocument): { rilascio: string; inizio: string; fine: string } {
  if (document.malattia) {
    const m = document.malattia;
    return { rilascio: m.dataRilascio, inizio: m.dataInizio, fine: m.dataFine };
  }
  const d = document.dimissione;
  return { rilascio: d.dataDimissione, inizio: d.dataRicovero, fine: d.dataFine };
}

/** The certificate that now holds a rectified one's dates: the last of its chain of rectifications. */
export interface Successor {
  /** The PUC of the current rectification. */
  readonly idCertificato: string;
  /** Its end of prognosis: the absence's current end. */
  readonly dataFine: string;
}

/** Rectifications followed at most (a chain longer than this is not one the gateway makes). */
const MAX_RECTIFICATION_CHAIN = 16;

/**
 * Where a rectified certificate's dates now live: its rectification, or that
 * one's rectification, and so on (a rectification may be rectified in turn).
 * Undefined for a certificate that is not rectified.
 */
export async function successorOf(
  record: CertificateRecord,
  getRectificationOf: (id: string) => Promise<CertificateRecord | undefined>,
): Promise<Successor | undefined> {
  if (record.state !== 'rettificato') return undefined;
  let current: CertificateRecord | undefined;
  let id = record.idCertificato;
  for (let i = 0; i < MAX_RECTIFICATION_CHAIN; i++) {
    const next = await getRectificationOf(id);
    if (next === undefined) break;
    current = next;
    if (next.state !== 'rettificato') break;
    id = next.idCertificato;
  }
  return current && { idCertificato: current.idCertificato, dataFine: certificateDays(current.document).fine };
}

export interface CertificateRecord {
  /** The PUC. */
  readonly idCertificato: string;
  readonly kind: CertificateKind;
  readonly medicoCf: string;
  readonly lavoratoreCf: string;
  /** xs:dateTime with the Europe/Rome offset, as answered to the sender. */
  readonly dataRicezione: string;
  /** The user who sent it (a doctor, or a region on the doctor's behalf). */
  readonly sentBy: string;
  readonly state: CertificateState;
  readonly document: CertificateDocument;
  /** For a rectification: the PUC of the certificate it rectifies. */
  readonly rettificaDi?: string | null;
  /** For a discharge certificate: the admission (PUCIR) it closes. */
  readonly idInizioRicovero?: string | null;
  readonly idAnnullamento?: string | null;
  readonly dataAnnullamento?: string | null;
  /**
   * Issued on paper while the service was stopped for maintenance and entered
   * after the window, within its grace period: the window as configured (ISO
   * 8601 start/end). Null for a certificate sent in the normal way. Fixed at
   * creation (migration 6).
   */
  readonly paperWindow?: string | null;
}

export interface CertificateQuery {
  readonly medicoCf: string;
  readonly lavoratoreCf: string;
  readonly kind: CertificateKind;
  /** Inclusive range of release days (YYYY-MM-DD). */
  readonly fromDay: string;
  readonly toDay: string;
}

/**
 * Outcomes of the state-changing writes. Each is decided inside one write
 * transaction, so two racing requests cannot both win, whichever process
 * they run in.
 */
export type CancelOutcome = 'ok' | 'not_active';
export type RectifyOutcome = 'ok' | 'not_active';
export type CancelRicoveroOutcome = 'ok' | 'not_active' | 'has_discharge';
export type DischargeOutcome = 'ok' | 'ricovero_not_active' | 'discharge_exists';

export interface CertificateStore {
  /**
   * Every write below settles only when its transaction is committed and
   * durable: an acknowledgement sent after it cannot be lost. Rejects with
   * DuplicateKeyError on a reused protocol number.
   *
   * Each change takes the journal stamp of the request that makes it: its
   * journal entries are written in the same transaction, so a change never
   * exists without them (and a refused change leaves none).
   *
   * A creation given an IdempotencyClaim first looks for an earlier live
   * claim with the same keys, in the same transaction: if there is one,
   * nothing is written and the conflict is returned; otherwise the claim is
   * stored with the record. Two racing twins: one creates, the other replays.
   */
  insertCertificate(record: CertificateRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<ClaimConflict | undefined>;
  getCertificate(idCertificato: string): Promise<CertificateRecord | undefined>;
  /** The rectification of a certificate (the one whose rettificaDi names it), if any. */
  getRectificationOf(idCertificato: string): Promise<CertificateRecord | undefined>;
  /** Certificates of one doctor for one worker, newest release first. */
  findCertificates(query: CertificateQuery): Promise<CertificateRecord[]>;
  countCertificates(): Promise<number>;
  /**
   * A worker's certificates (every kind and state), oldest reception first,
   * at most `limit` (the INPS side: the worker's own documents, an employer's
   * export).
   */
  certificatesOfWorker(lavoratoreCf: string, limit: number): Promise<CertificateRecord[]>;
  /**
   * The certificates of every worker the employer ever employed (the
   * employment registry) received or cancelled on the days dal..al
   * (YYYY-MM-DD, Europe/Rome, inclusive), at most `limit`, in no order.
   * Whether each absence falls in an employment is the caller's check.
   */
  certificatesForEmployer(employerCf: string, dal: string, al: string, limit: number): Promise<CertificateRecord[]>;
  /** Cancel an active certificate: exactly one of two racing cancellations wins. */
  cancelCertificate(idCertificato: string, idAnnullamento: string, dataAnnullamento: string, by: JournalStamp): Promise<CancelOutcome>;
  /** Mark an active certificate rectified and store its rectification, in one transaction. */
  rectifyCertificate(originalId: string, rectification: CertificateRecord, by: JournalStamp): Promise<RectifyOutcome>;
  /** Store a discharge certificate if its admission is active and has no active discharge yet (one transaction). */
  insertDischarge(record: CertificateRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<DischargeOutcome | ClaimConflict>;
}
