/**
 * Logins that cannot be turned into a weapon. One code path for every
 * attempt, whoever it names:
 *   1. read the Basic header strictly (bounded, no control characters): 'missing' / 'invalid', no work;
 *   2. throttles: the client address (an IPv6 /64) and the username, unless
 *      this address logged in as this user recently: 'throttled' + Retry-After, no hash;
 *   3. the verdict cache, else scrypt through the bounded queue: 'busy' +
 *      Retry-After at once when full; dropped if the client went away first;
 *   4. unknown user, disabled user and malformed stored hash are checked
 *      against a dummy hash, cached and throttled exactly like a wrong password.
 * Policy and defaults: README "Logins"; settings in src/config.ts.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { LRUCache } from 'lru-cache';
import { LOGIN_DEFAULTS, type LoginSettings } from '../config.js';
import type { UserRecord, UserStore } from '../store/port.js';
import { CachedSecrets, MAX_USERNAME_CHARS, readBasicCredentials } from './credentials.js';
import { HashQueue, HashQueueFullError, HashWorkAbortedError, type HashQueueStats } from './hashQueue.js';
import { verificationTarget, type VerdictStats } from './passwords.js';
import { FailureThrottle } from './throttle.js';

export type LoginResult =
  | { readonly ok: true; readonly user: UserRecord }
  | { readonly ok: false; readonly reason: 'missing' | 'invalid' } // 401
  | { readonly ok: false; readonly reason: 'throttled'; readonly retryAfterS: number } // 429 + Retry-After
  | { readonly ok: false; readonly reason: 'busy'; readonly retryAfterS: number }; // 503 + Retry-After

/** Why a failure is reported to the access journal. */
export type LoginFailureReason = 'password' | 'pincode' | 'user-locked' | 'address-locked';

export interface LoginGuardOptions {
  readonly store: Pick<UserStore, 'findUser' | 'cachedUser'>;
  readonly settings?: Partial<LoginSettings>;
  /**
   * Called for every verified failure (wrong or unknown credentials, wrong
   * pincode) and when a lock starts; never for throttled, busy or malformed
   * attempts (cheap to send by the thousand: journaling them would make the
   * journal itself a lever). The username is cut to MAX_USERNAME_CHARS; the
   * address is '' when the caller did not know it.
   */
  readonly onFailure?: (username: string, clientAddress: string, reason: LoginFailureReason) => void;
  /** Clock for the throttles and trust (tests). */
  readonly now?: () => number;
}

export interface LoginStats extends HashQueueStats, VerdictStats {
  readonly accepted: number;
  readonly refusedInvalid: number;
  readonly refusedMalformed: number;
  readonly refusedThrottled: number;
  readonly refusedBusy: number;
  /** Successes answered for a connection that had proved the same header (no re-verification). */
  readonly provenAgain: number;
  readonly throttledUsers: number;
  readonly throttledAddresses: number;
  readonly trustedPairs: number;
  readonly cachedFailures: number;
  readonly cachedSuccesses: number;
}

// Keys of the throttle and trust maps: bounded however many distinct ones arrive.
const MAX_THROTTLED_KEYS = 50_000;
const MAX_TRUSTED_PAIRS = 50_000;
const ADDRESS_FREE_FACTOR = 5;
const BASE_DELAY_MS = 1_000;

export class LoginGuard {
  readonly secrets: CachedSecrets;
  private readonly queue: HashQueue;
  private readonly users: FailureThrottle;
  private readonly addresses: FailureThrottle;
  private readonly trusted: LRUCache<string, true> | undefined;
  private readonly store: LoginGuardOptions['store'];
  private readonly onFailure: NonNullable<LoginGuardOptions['onFailure']>;
  private counts = { accepted: 0, refusedInvalid: 0, refusedMalformed: 0, refusedThrottled: 0, refusedBusy: 0, provenAgain: 0 };
  /**
   * The credentials each connection last proved, by the connection's signal:
   * a client sends the same Authorization header on every request of a
   * kept-alive connection, and re-reading, hashing the cache key and looking
   * the verdict up measured ~1.5 µs per request (see proveAgain).
   */
  private readonly proven = new WeakMap<AbortSignal, ProvenLogin>();

  constructor(options: LoginGuardOptions) {
    const s: LoginSettings = { ...LOGIN_DEFAULTS, ...options.settings };
    const now = options.now ?? Date.now;
    this.store = options.store;
    this.onFailure = options.onFailure ?? (() => {});
    this.queue = new HashQueue({ concurrency: s.hashConcurrency, maxWaiting: s.queue });
    const userPolicy = { freeFailures: s.freeFailures, lockAfter: s.lockAfter, lockMs: s.lockMs, baseDelayMs: BASE_DELAY_MS, maxDelayMs: s.maxDelayMs, maxEntries: MAX_THROTTLED_KEYS };
    this.users = new FailureThrottle(userPolicy, now);
    this.addresses = new FailureThrottle(
      { ...userPolicy, freeFailures: Math.min(s.freeFailures * ADDRESS_FREE_FACTOR, s.addressLockAfter - 1), lockAfter: s.addressLockAfter },
      now,
    );
    // updateAgeOnHas: a login from a trusted address renews the trust by the look-up it makes anyway.
    this.trusted =
      s.trustMs > 0 ? new LRUCache({ max: MAX_TRUSTED_PAIRS, ttl: s.trustMs, ttlResolution: 0, perf: { now }, updateAgeOnHas: true }) : undefined;
    const pincodes = new FailureThrottle(userPolicy, now);
    this.secrets = new CachedSecrets({
      queue: this.queue,
      users: this.users,
      pincodes,
      onPincodeFailure: (username, clientAddress) => this.report(username, clientAddress, 'pincode'),
    });
  }

  /** The verdict for a connection that proved this exact header, while it still holds (see proveAgain); else undefined. */
  provenAgain(authorization: string | undefined, signal: AbortSignal): LoginResult | undefined {
    if (authorization === undefined) return undefined;
    const memo = this.proven.get(signal);
    if (memo === undefined || memo.authorization !== authorization) return undefined;
    const again = this.proveAgain(memo);
    if (again === undefined) this.proven.delete(signal);
    return again;
  }

  async authenticate(authorization: string | undefined, clientAddress: string, signal: AbortSignal): Promise<LoginResult> {
    const again = this.provenAgain(authorization, signal);
    if (again !== undefined) return again;
    const read = readBasicCredentials(authorization);
    if (read.kind === 'missing') return { ok: false, reason: 'missing' };
    if (read.kind === 'malformed') {
      this.counts.refusedMalformed++;
      return { ok: false, reason: 'invalid' };
    }
    const { username, password } = read.credentials;
    const address = addressKey(clientAddress);
    const user = await this.store.findUser(username);
    const target = verificationTarget(user?.passwordHash);
    const pair = address === undefined || this.trusted === undefined ? undefined : pairKey(username, address, target.hash);

    const byAddress = address === undefined ? undefined : this.addresses.check(address);
    let byUser = this.users.check(username);
    // Only consulted when the username is throttled: the common case pays nothing.
    const exempt = !byUser.allowed && pair !== undefined && this.trusted?.has(pair) === true;
    if (exempt) byUser = { allowed: true };
    const waitMs = Math.max(
      byAddress && !byAddress.allowed ? byAddress.retryAfterMs : 0,
      byUser && !byUser.allowed ? byUser.retryAfterMs : 0,
    );
    if (waitMs > 0) {
      this.counts.refusedThrottled++;
      return { ok: false, reason: 'throttled', retryAfterS: Math.max(1, Math.ceil(waitMs / 1000)) };
    }

    let valid: boolean;
    try {
      valid = await this.secrets.check(username, 'password', password, user?.passwordHash, signal);
    } catch (err) {
      if (err instanceof HashQueueFullError) {
        this.counts.refusedBusy++;
        return { ok: false, reason: 'busy', retryAfterS: err.retryAfterS };
      }
      if (err instanceof HashWorkAbortedError) {
        // The client is gone: nobody reads this answer, and nothing was verified.
        this.counts.refusedBusy++;
        return { ok: false, reason: 'busy', retryAfterS: 1 };
      }
      throw err;
    }
    if (valid && user !== undefined) {
      this.counts.accepted++;
      // A login from an address already trusted for this user does not clear
      // the username's failures: otherwise each of the doctor's requests would
      // reset the count of an attacker guessing elsewhere.
      const wasTrusted = exempt || (pair !== undefined && this.trusted?.has(pair) === true);
      if (!wasTrusted) this.users.succeed(username);
      if (pair !== undefined && !wasTrusted) this.trusted?.set(pair, true);
      if (!signal.aborted) this.proven.set(signal, { authorization: authorization!, username, address, passwordHash: user.passwordHash });
      return { ok: true, user };
    }
    this.counts.refusedInvalid++;
    this.report(username, clientAddress, 'password');
    if (address !== undefined && this.addresses.fail(address)) this.report(username, clientAddress, 'address-locked');
    if (this.users.fail(username)) this.report(username, clientAddress, 'user-locked');
    return { ok: false, reason: 'invalid' };
  }

  /**
   * The same header again on a connection that proved it: still this user's
   * stored hash (a changed or disabled password ends it at once) and neither
   * throttle holding (else the full path decides, with the trust exemption),
   * then the same success the full path would give, without reading and
   * verifying the credentials again.
   */
  private proveAgain(memo: ProvenLogin): LoginResult | undefined {
    // Only what this process's cache holds now (within the users' staleness bound): a miss goes down the full path, which reads.
    const user = this.store.cachedUser(memo.username)?.user;
    if (user === undefined || user.passwordHash !== memo.passwordHash) return undefined;
    if (memo.address !== undefined && !this.addresses.check(memo.address).allowed) return undefined;
    if (!this.users.check(memo.username).allowed) return undefined;
    this.counts.accepted++;
    this.counts.provenAgain++;
    // As the full path: without trust, every success clears the username's failures.
    if (this.trusted === undefined) this.users.succeed(memo.username);
    return { ok: true, user };
  }

  stats(): LoginStats {
    return {
      ...this.counts,
      ...this.queue.stats(),
      ...this.secrets.verdicts.stats(),
      throttledUsers: this.users.size,
      throttledAddresses: this.addresses.size,
      trustedPairs: this.trusted?.size ?? 0,
      cachedFailures: this.secrets.verdicts.failureCount,
      cachedSuccesses: this.secrets.verdicts.size,
    };
  }

  private report(username: string, clientAddress: string, reason: LoginFailureReason): void {
    try {
      this.onFailure(username.slice(0, MAX_USERNAME_CHARS), clientAddress, reason);
    } catch {
      // The journal reports its own failures; a login answer does not depend on it.
    }
  }

}

/** What a connection proved: its exact Authorization header, for this user and stored hash, from this address. */
interface ProvenLogin {
  readonly authorization: string;
  readonly username: string;
  readonly address: string | undefined;
  readonly passwordHash: string;
}

/**
 * Trust key of (username, address key, stored hash): each part bounded (64,
 * 64 characters, the hash's last 22 characters), so the key is too. The hash
 * is part of it, so a password change ends the trust.
 */
function pairKey(username: string, address: string, storedHash: string): string {
  return `${username}\n${address}\n${storedHash.slice(-22)}`;
}

/**
 * The throttling key of a client address: IPv4 as is (also when IPv4-mapped),
 * IPv6 by its /64, the block one subscriber usually holds. Undefined when
 * unknown (no address throttle then).
 */
export function addressKey(address: string): string | undefined {
  if (address === '') return undefined;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1];
  if (isIPv4(address)) return address;
  const bare = address.replace(/%.*$/, '');
  if (!isIPv6(bare)) return address.slice(0, 64);
  const [head = '', tail = ''] = bare.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = bare.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const groups = bare.includes('::')
    ? [...headGroups, ...Array<string>(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0'), ...tailGroups]
    : headGroups;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, '').toLowerCase())
    .join(':')}::/64`;
}
