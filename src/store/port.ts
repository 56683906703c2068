/**
 * The store's ports: what the gateway needs from persistence, one interface
 * per aggregate (src/store/ports/), grouped as `Store`. Adapters (SQLite,
 * src/store/sqlite/) implement them; nothing outside src/store sees SQL or
 * names an adapter: the store is opened by `openStore` (src/store/open.ts).
 * Every read and write is asynchronous, so that an engine reached over the
 * network implements the same ports. See the README, "The store's ports".
 */
export type { UserKind, UserRecord, UserStore } from './ports/users.js';
export type { Person, PersonRegistry } from './ports/persons.js';
export type { Employment, EmploymentRegistry } from './ports/employment.js';
export {
  certificateDays,
  successorOf,
  type CancelOutcome,
  type CancelRicoveroOutcome,
  type CertificateDocument,
  type CertificateKind,
  type CertificateQuery,
  type CertificateRecord,
  type CertificateState,
  type CertificateStore,
  type DischargeOutcome,
  type RectifyOutcome,
  type Successor,
} from './ports/certificates.js';
export type { AdmissionStore, RicoveroRecord, RicoveroState } from './ports/admissions.js';
export type { ClaimConflict, EarlierReceipt, IdempotencyClaim, IdempotencyStore } from './ports/idempotency.js';
export type { AccessJournal, JournalAction, JournalEntry, JournalQuery, JournalStamp, JournalSubjectKind } from './ports/journal.js';
export type { ConnectionStats, StoreHealth } from './ports/health.js';
export type { ConformanceCount, SandboxExchange, SandboxInspectStore } from './ports/sandbox.js';
export type { ClinicalStore, Store } from './ports/store.js';
export { DuplicateKeyError, InvalidPersonError, StoreUnavailableError, StoreWriteError } from './errors.js';
