/**
 * What handlers are given: the ports, the clock and the keys. Built once at
 * start-up (src/app.ts); tests build their own with a real store.
 */
import type { CertificateStore, PersonRegistry, UserRecord } from '../store/port.js';
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

export interface Services {
  readonly store: CertificateStore;
  readonly registry: PersonRegistry;
  readonly clock: Clock;
  readonly pincodeKey: PincodeKey;
  readonly secrets: SecretCheck;
}

/** A handler's outcome: the ricevutaOk content, or the errors for ricevutaNonOk. */
export type Outcome = { readonly ok: OutObject } | { readonly errors: readonly Diagnostic[] };

/** Handlers may await slow checks (scrypt on a cache miss); the store's writes stay synchronous and durable. */
export type Handler = (request: XmlObject, caller: UserRecord, services: Services) => Outcome | Promise<Outcome>;

export type HandlerTable = Partial<Record<OperationName, Handler>>;
