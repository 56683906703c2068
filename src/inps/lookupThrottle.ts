/**
 * Failed look-ups of the INPS side (SAC_LOOKUP_FAILURES), counted per user
 * AND per client address (an IPv6 /64, as the login throttle keys it), one
 * pair of buckets for both channels (the AttestatiMalattia service and the
 * HTTP routes): alternating channels gains a guesser nothing.
 *
 * Whoever holds a codice fiscale may try protocol numbers, and a logged-in
 * user may try them on documents of their own, so every "no such document"
 * (7020: missing, not theirs, or a wrong CF for a real number, one and the
 * same) counts one failure for both keys. Past either limit a channel refuses
 * in its own words (8011 for the user, 8012 for the address; HTTP adds 429
 * and Retry-After) and looks nothing up. An address gets
 * ADDRESS_FAILURE_FACTOR times the user's allowance: several users may sit
 * behind one address (a hospital, an office's NAT).
 *
 * The buckets are src/auth/failureThrottle.ts's. Per process, like the rate
 * limits.
 */
import { FailureThrottle } from '../auth/failureThrottle.js';
import { addressKey } from '../auth/login.js';
import type { LookupFailureLimit } from '../config.js';
import { romeHourMinuteAfter } from '../domain/dates.js';

/** A client address may fail this many times the allowance of one user. */
export const ADDRESS_FAILURE_FACTOR = 5;

/** Who is over the limit, and for how long (ms). */
export interface LookupRefusal {
  readonly who: 'utente' | 'indirizzo';
  readonly waitMs: number;
  /** When the caller may try again: Europe/Rome HH:MM, rounded up to the minute (for the 8011 and 8012 texts). */
  readonly ora: string;
}

export class InpsLookupThrottle {
  private readonly byUser: FailureThrottle;
  private readonly byAddress: FailureThrottle;

  /** `now`: the gateway's clock, in ms since the epoch. */
  constructor(
    limit: LookupFailureLimit,
    private readonly now: () => number,
  ) {
    this.byUser = new FailureThrottle(limit);
    this.byAddress = new FailureThrottle({ failures: limit.failures * ADDRESS_FAILURE_FACTOR, windowMs: limit.windowMs });
  }

  /** Undefined when this user, from this address, may look up now; else who must wait, and how long. */
  refusal(username: string, clientAddress: string): LookupRefusal | undefined {
    const at = this.now();
    const userWait = this.byUser.waitMs(username, at);
    if (userWait > 0) return { who: 'utente', waitMs: userWait, ora: romeHourMinuteAfter(at + userWait) };
    const address = addressKey(clientAddress);
    const addressWait = address === undefined ? 0 : this.byAddress.waitMs(address, at);
    return addressWait > 0 ? { who: 'indirizzo', waitMs: addressWait, ora: romeHourMinuteAfter(at + addressWait) } : undefined;
  }

  /** One more failed look-up for this user and this address. */
  failed(username: string, clientAddress: string): void {
    const at = this.now();
    this.byUser.failed(username, at);
    const address = addressKey(clientAddress);
    if (address !== undefined) this.byAddress.failed(address, at);
  }

  /** Users and addresses with failures on record (for tests). */
  get size(): { readonly users: number; readonly addresses: number } {
    return { users: this.byUser.size, addresses: this.byAddress.size };
  }
}
