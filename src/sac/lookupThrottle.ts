/**
 * A throttle on failed look-ups of protocol numbers (SAC_LOOKUP_FAILURES).
 * PUCs are 10 digits, so guessing is bounded by checks and throttles rather
 * than by the size of the space (docs/security.md, "Protocol numbers and
 * guessing"): an operation that takes a PUC or PUCIR and answers 7001/7008
 * ("none that is yours") counts one failure for the caller; past the limit,
 * that user's look-ups are answered 8011 naming the time to retry, and
 * nothing is done. Other operations (InviaMalattia, RicercaMalattia, ...) are
 * never wrapped, so they cost nothing and are never refused by it.
 *
 * The bucket is src/auth/failureThrottle.ts (keyed here by user); the refusal is
 * a diagnostic of the contract's response, not an HTTP status a rate-limit
 * plugin would give. Per process, like the rate limits (with SAC_WORKERS=N a
 * user may fail N times as often).
 */
import { diagnostic } from '../catalog/diagnostics.js';
import type { LookupFailureLimit } from '../config.js';
import type { OperationName } from '../contract/operations.js';
import { FailureThrottle } from '../auth/failureThrottle.js';
import { romeHourMinuteAfter } from '../domain/dates.js';
import type { Handler, HandlerTable } from './services.js';

/** The operations that look a record up by its protocol number. */
export const LOOKUP_OPERATIONS: readonly OperationName[] = [
  'RettificaMalattia',
  'AnnullaMalattia',
  'RistampaMalattia',
  'AnnullaRicovero',
  'InviaDimissione',
  'RettificaDimissione',
];

/** "None with this number is yours": the answers a guess gets. */
const NOT_FOUND: ReadonlySet<string> = new Set([diagnostic('CERTIFICATO_NON_TROVATO').tipoErrore, diagnostic('RICOVERO_NON_TROVATO', { sezione: '' }).tipoErrore]);

/** The handlers, with the look-up operations counting their 7001/7008 and refusing past the limit; the table itself when off. */
export function withLookupThrottle(handlers: HandlerTable, limit: LookupFailureLimit | undefined): HandlerTable {
  if (limit === undefined) return handlers;
  const throttle = new FailureThrottle(limit);
  const wrapped: HandlerTable = { ...handlers };
  for (const operation of LOOKUP_OPERATIONS) {
    const handler: Handler | undefined = handlers[operation];
    if (handler === undefined) continue;
    wrapped[operation] = async (request, caller, services, headers) => {
      const now = services.clock.now().getTime();
      const waitMs = throttle.waitMs(caller.username, now);
      if (waitMs > 0) {
        return { errors: [diagnostic('TROPPE_RICERCHE_FALLITE', { operazione: operation, ora: romeHourMinuteAfter(now + waitMs) })] };
      }
      const outcome = await handler(request, caller, services, headers);
      if ('errors' in outcome && outcome.errors.some((e) => NOT_FOUND.has(e.tipoErrore))) throttle.failed(caller.username, now);
      return outcome;
    };
  }
  return wrapped;
}
