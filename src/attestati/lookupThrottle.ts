/**
 * Failed look-ups of AttestatiMalattia (SAC_LOOKUP_FAILURES), counted per
 * user AND per client address (an IPv6 /64, as the login throttle keys it):
 * whoever holds a codice fiscale may try protocol numbers (ConsultaAttestato,
 * StampaDocumento with a codice fiscale), and a logged-in user may try them
 * on their own documents (ConsultaDocumento, StampaDocumento), so every
 * answer 7020 (DOCUMENTO_NON_TROVATO: missing, not theirs, or a wrong CF for
 * a real PUC, one and the same) counts one failure for both keys. Past the
 * limit of either, the call is answered 8011 (the user) or 8012 (the
 * address) naming the time to retry, and nothing is looked up.
 *
 * The buckets are src/auth/failureThrottle.ts's (CertificatiMedici's
 * look-ups use the same, keyed by user only: src/sac/lookupThrottle.ts).
 * Per process, like the rate limits.
 */
import { diagnostic } from '../catalog/diagnostics.js';
import type { LookupFailureLimit } from '../config.js';
import { FailureThrottle } from '../auth/failureThrottle.js';
import { addressKey } from '../auth/login.js';
import { retryAt } from '../sac/lookupThrottle.js';
import type { SoapHandler, SoapHandlerTable } from '../soap/pipeline.js';
import type { UserRecord } from '../store/port.js';
import type { Clock } from '../sac/services.js';
import type { AttestatiOperationName } from './contract.js';

/** The operations that look a document up by its protocol number. */
export const LOOKUP_OPERATIONS: readonly AttestatiOperationName[] = ['ConsultaAttestato', 'ConsultaDocumento', 'StampaDocumento'];

const NOT_FOUND = diagnostic('DOCUMENTO_NON_TROVATO').tipoErrore;

/** What the throttle needs of a call's services. */
export interface ThrottledServices {
  readonly clock: Clock;
  /** The client's address as the socket saw it. */
  readonly clientAddress: string;
}

export class AttestatiLookupThrottle {
  private readonly byUser: FailureThrottle;
  private readonly byAddress: FailureThrottle;

  constructor(limit: LookupFailureLimit) {
    this.byUser = new FailureThrottle(limit);
    this.byAddress = new FailureThrottle(limit);
  }

  /** Users and addresses with failures on record (for tests and metrics). */
  get size(): { readonly users: number; readonly addresses: number } {
    return { users: this.byUser.size, addresses: this.byAddress.size };
  }

  /** The handlers, the look-up operations counting their 7020 and refusing past the limit. */
  wrap<S extends ThrottledServices>(handlers: SoapHandlerTable<UserRecord, S, AttestatiOperationName>): SoapHandlerTable<UserRecord, S, AttestatiOperationName> {
    const wrapped: SoapHandlerTable<UserRecord, S, AttestatiOperationName> = { ...handlers };
    for (const operation of LOOKUP_OPERATIONS) {
      const handler: SoapHandler<UserRecord, S> | undefined = handlers[operation];
      if (handler === undefined) continue;
      wrapped[operation] = async (request, caller, services, headers) => {
        const now = services.clock.now().getTime();
        const address = addressKey(services.clientAddress);
        const userWait = this.byUser.waitMs(caller.username, now);
        if (userWait > 0) return { errors: [diagnostic('TROPPE_RICERCHE_FALLITE', { operazione: operation, ora: retryAt(now, userWait) })] };
        const addressWait = address === undefined ? 0 : this.byAddress.waitMs(address, now);
        if (addressWait > 0) return { errors: [diagnostic('TROPPE_RICERCHE_FALLITE_INDIRIZZO', { operazione: operation, ora: retryAt(now, addressWait) })] };
        const outcome = await handler(request, caller, services, headers);
        if ('errors' in outcome && outcome.errors.some((e) => e.tipoErrore === NOT_FOUND)) {
          this.byUser.failed(caller.username, now);
          if (address !== undefined) this.byAddress.failed(address, now);
        }
        return outcome;
      };
    }
    return wrapped;
  }
}
