/**
 * The store as one bundle: every aggregate's port, as `openStore`
 * (src/store/open.ts) returns it for the configured engine. Consumers take
 * only the ports they use (a handler's services, InpsSources, the CLI's
 * commands); the bundle exists for the places that build them.
 */
import type { SandboxStore } from '../sandboxPort.js';
import type { AdmissionStore } from './admissions.js';
import type { CertificateStore } from './certificates.js';
import type { EmploymentRegistry } from './employment.js';
import type { StoreHealth } from './health.js';
import type { IdempotencyStore } from './idempotency.js';
import type { AccessJournal } from './journal.js';
import type { PersonRegistry } from './persons.js';
import type { SandboxInspectStore } from './sandbox.js';
import type { UserStore } from './users.js';

/** What the SOAP handlers write and read: certificates, admissions, claims, the journal, the users they act for. */
export type ClinicalStore = UserStore & CertificateStore & AdmissionStore & IdempotencyStore & AccessJournal;

export interface Store
  extends UserStore,
    PersonRegistry,
    EmploymentRegistry,
    CertificateStore,
    AdmissionStore,
    IdempotencyStore,
    AccessJournal,
    SandboxInspectStore,
    StoreHealth {
  /** Each sandbox user's settings (clock shift, injected answers). */
  readonly sandbox: SandboxStore;
}
