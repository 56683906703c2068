/**
 * What handlers are given: the ports, the clock and the keys, built once at
 * start-up (src/app.ts), and the access journal bound to each request.
 */
import type { CertificateStore, JournalStamp, JournalSubjectKind, PersonRegistry, UserRecord } from '../store/port.js';
import type { PincodeKey } from '../auth/pincodeKey.js';
import type { OperationName } from '../contract/operations.js';
import type { OutObject } from '../soap/xmlWriter.js';
import type { Diagnostic } from './diagnostics.js';
import type { XmlObject } from '../xml/toObject.js';

/** Time is a port so rules about "today" and "yesterday" can be tested at any instant. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface SecretCheck {
  /** True when the secret matches the stored slow hash; may answer from a verdict cache. */
  check(username: string, purpose: 'password' | 'pincode', secret: string, storedHash: string | undefined): Promise<boolean>;
  /** Whether this exact pincode ciphertext already verified for this user and pincode hash. */
  knownCiphertext(username: string, ciphertext: string, storedHash: string): boolean;
  rememberCiphertext(username: string, ciphertext: string, storedHash: string): void;
}

/** What every request shares: built once at start-up. */
export interface SharedServices {
  readonly store: CertificateStore;
  readonly registry: PersonRegistry;
  readonly clock: Clock;
  readonly pincodeKey: PincodeKey;
  readonly secrets: SecretCheck;
  /** Draws a new protocol number (PUC, PUCIR, idAnnullamento); injectable so tests can force a collision. */
  readonly newId: () => string;
}

/**
 * The access journal, bound to one request's user, client address and
 * operation (see src/sac/journal.ts).
 */
export interface RequestJournal {
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

/** A handler's outcome: the ricevutaOk content, or the errors for ricevutaNonOk. */
export type Outcome = { readonly ok: OutObject } | { readonly errors: readonly Diagnostic[] };

/** Handlers may await slow checks (scrypt on a cache miss); the store's writes stay synchronous and durable. */
export type Handler = (request: XmlObject, caller: UserRecord, services: Services) => Outcome | Promise<Outcome>;

export type HandlerTable = Partial<Record<OperationName, Handler>>;
