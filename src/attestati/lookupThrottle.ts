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
 * The buckets are src/inps/lookupThrottle.ts's, shared with the HTTP routes
 * of the INPS side (CertificatiMedici's look-ups have their own, keyed by
 * user only: src/sac/lookupThrottle.ts). Per process, like the rate limits.
 */
import { diagnostic } from '../catalog/diagnostics.js';
import type { InpsLookupThrottle } from '../inps/lookupThrottle.js';
import type { SoapHandler, SoapHandlerTable } from '../soap/pipeline.js';
import type { UserRecord } from '../store/port.js';
import type { AttestatiOperationName } from './contract.js';

/** The operations that look a document up by its protocol number. */
export const LOOKUP_OPERATIONS: readonly AttestatiOperationName[] = ['ConsultaAttestato', 'ConsultaDocumento', 'StampaDocumento'];

const NOT_FOUND = diagnostic('DOCUMENTO_NON_TROVATO').tipoErrore;

/** What the throttle needs of a call's services. */
export interface ThrottledServices {
  /** The client's address as the socket saw it. */
  readonly clientAddress: string;
}

/** The handlers, the look-up operations counting their 7020 in `throttle` and refusing past its limits. */
export function withInpsLookupThrottle<S extends ThrottledServices>(
  handlers: SoapHandlerTable<UserRecord, S, AttestatiOperationName>,
  throttle: InpsLookupThrottle,
): SoapHandlerTable<UserRecord, S, AttestatiOperationName> {
  const wrapped: SoapHandlerTable<UserRecord, S, AttestatiOperationName> = { ...handlers };
  for (const operation of LOOKUP_OPERATIONS) {
    const handler: SoapHandler<UserRecord, S> | undefined = handlers[operation];
    if (handler === undefined) continue;
    wrapped[operation] = async (request, caller, services, headers) => {
      const refusal = throttle.refusal(caller.username, services.clientAddress);
      if (refusal !== undefined) {
        const key = refusal.who === 'utente' ? 'TROPPE_RICERCHE_FALLITE' : 'TROPPE_RICERCHE_FALLITE_INDIRIZZO';
        return { errors: [diagnostic(key, { operazione: operation, ora: refusal.ora })] };
      }
      const outcome = await handler(request, caller, services, headers);
      if ('errors' in outcome && outcome.errors.some((e) => e.tipoErrore === NOT_FOUND)) throttle.failed(caller.username, services.clientAddress);
      return outcome;
    };
  }
  return wrapped;
}
