/**
 * What handlers are given: the ports, the clock and the keys, built once at
 * start-up (src/app.ts), and the access journal bound to each request.
 */
import type { ClinicalStore, JournalStamp, JournalSubjectKind, PersonRegistry, UserRecord } from '../store/port.js';
import type { SecretCheck } from '../auth/credentials.js';
import type { PincodeKey } from '../auth/pincodeKey.js';
import type { MaintenanceSchedule } from './maintenance.js';
import type { Outcome, SoapHandler, SoapHandlerTable, SoapPipeline } from '../soap/pipeline.js';

/** Time is a port so rules about "today" and "yesterday" can be tested at any instant. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** What every request shares: built once at start-up. */
export interface SharedServices {
  readonly store: ClinicalStore;
  readonly registry: PersonRegistry;
  readonly clock: Clock;
  readonly pincodeKey: PincodeKey;
  readonly secrets: SecretCheck;
  /** Draws a new protocol number (PUC, PUCIR, idAnnullamento); injectable so tests can force a collision. */
  readonly newId: () => string;
  /** Planned stops and the paper fallback around them (src/sac/maintenance.ts). */
  readonly maintenance: MaintenanceSchedule;
  /** How long an identical resubmission is answered the first receipt, in ms; 0 = off (src/sac/idempotency.ts). */
  readonly idempotencyWindowMs: number;
}

/**
 * The access journal, bound to one request's user, client address and
 * operation (see src/sac/journal.ts).
 */
export interface RequestJournal {
  /** The client's address this journal stamps (bounded), also for a failed pincode's entry. */
  readonly clientAddress: string;
  /**
   * When, who, from where, which operation: handed to every store write,
   * whose entries commit with the change. `at` defaults to the clock's now;
   * a change passes its own dataRicezione, so entry and record agree.
   */
  stamp(at?: string): JournalStamp;
  /**
   * Health data about to be answered: resolves once the entries are
   * committed. Await it BEFORE answering: no journal, no data.
   */
  read(kind: JournalSubjectKind, ids: readonly string[]): Promise<void>;
  /**
   * A look-up named a certificate or admission that exists but is not the
   * caller's. Recorded without delaying the answer, which stays the same as
   * for a missing one.
   */
  denied(kind: JournalSubjectKind, id: string): void;
}

/** What handlers are given: the shared services and this request's journal. */
export interface Services extends SharedServices {
  readonly journal: RequestJournal;
}

export type { Outcome, SecretCheck };

/** Handlers may await slow checks (scrypt on a cache miss); the store's writes stay synchronous and durable. */
export type Handler = SoapHandler<UserRecord, Services>;

export type HandlerTable = SoapHandlerTable<UserRecord, Services>;

/** The SOAP pipeline as CertificatiMedici runs it: its callers are users of the store, its handlers get these services. */
export type SacPipeline = SoapPipeline<UserRecord, Services>;
