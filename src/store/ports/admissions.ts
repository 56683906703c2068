/** Hospital admissions (ricoveri): created and cancelled, like certificates, in one transaction each. */
import type { Address, Ricovero } from '../../domain/certificate.js';
import type { ClaimConflict, IdempotencyClaim } from './idempotency.js';
import type { JournalStamp } from './journal.js';
import type { CancelRicoveroOutcome } from './certificates.js';

export type RicoveroState = 'attivo' | 'annullato';

export interface RicoveroRecord {
  /** The PUCIR. */
  readonly idInizioRicovero: string;
  readonly lavoratoreCf: string;
  /** The hospital operator on whose behalf it was sent. */
  readonly operatoreCf: string;
  readonly codiceRegione: string;
  readonly codiceAsl: string;
  readonly codiceStruttura: string | null;
  readonly sentBy: string;
  readonly dataRicezione: string;
  readonly state: RicoveroState;
  readonly document: { readonly residenza: Address; readonly ricovero: Ricovero };
  readonly idAnnullamento?: string | null;
  readonly dataAnnullamento?: string | null;
}

export interface AdmissionStore {
  /** Same guarantees as CertificateStore's creations (durable before it settles, journal and claim in its transaction). */
  insertRicovero(record: RicoveroRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<ClaimConflict | undefined>;
  getRicovero(idInizioRicovero: string): Promise<RicoveroRecord | undefined>;
  /** Cancel an active admission that no active discharge certificate refers to (one winner). */
  cancelRicovero(idInizioRicovero: string, idAnnullamento: string, dataAnnullamento: string, by: JournalStamp): Promise<CancelRicoveroOutcome>;
  /** A worker's admissions, oldest reception first, at most `limit`. */
  ricoveriOfWorker(lavoratoreCf: string, limit: number): Promise<RicoveroRecord[]>;
  /** As CertificateStore.certificatesForEmployer, for admissions. */
  ricoveriForEmployer(employerCf: string, dal: string, al: string, limit: number): Promise<RicoveroRecord[]>;
}
