/**
 * Failed-login throttling for one kind of key (a username, a client address,
 * a pincode owner): the first few failures are free, then each further
 * attempt must wait a delay that doubles (1 s, 2 s, 4 s, ... capped), and
 * after `lockAfter` failures the key is locked for `lockMs`. When a lock ends
 * the count is kept, so the next failure locks again at once; the count is
 * forgotten after `2 × lockMs` without failures, or at a success.
 *
 * A refused attempt is not a failure (it never reaches the hash): hammering
 * a locked key does not extend its lock. State lives in a bounded LRU with
 * expiry (lru-cache), keyed by strings the caller bounded in length.
 */
import { LRUCache } from 'lru-cache';

export interface ThrottlePolicy {
  /** Failures answered without delay. */
  readonly freeFailures: number;
  /** Failures after which the key is locked. */
  readonly lockAfter: number;
  /** Length of a lock. */
  readonly lockMs: number;
  /** First delay after the free failures; doubles at each further failure. */
  readonly baseDelayMs: number;
  /** Largest delay between attempts before the lock. */
  readonly maxDelayMs: number;
  /** Keys remembered at most (least recently failed forgotten first). */
  readonly maxEntries: number;
}

export type ThrottleVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly retryAfterMs: number; readonly locked: boolean };

interface Failures {
  count: number;
  last: number;
  lockedUntil: number;
}

const ALLOWED: ThrottleVerdict = { allowed: true };

export class FailureThrottle {
  private readonly entries: LRUCache<string, Failures>;

  constructor(
    private readonly policy: ThrottlePolicy,
    private readonly now: () => number = Date.now,
  ) {
    this.entries = new LRUCache<string, Failures>({
      max: policy.maxEntries,
      ttl: 2 * policy.lockMs,
      ttlResolution: 0,
      perf: { now },
    });
  }

  check(key: string): ThrottleVerdict {
    // Nobody failing (the normal state): no look-up, no key hashed.
    if (this.entries.size === 0) return ALLOWED;
    const entry = this.entries.get(key);
    if (!entry) return ALLOWED;
    const now = this.now();
    if (entry.lockedUntil > now) return { allowed: false, retryAfterMs: entry.lockedUntil - now, locked: true };
    const wait = this.delayAfter(entry.count);
    if (wait > 0 && entry.last + wait > now) return { allowed: false, retryAfterMs: entry.last + wait - now, locked: false };
    return ALLOWED;
  }

  /** Count a failure; true when it has just locked the key. */
  fail(key: string): boolean {
    const now = this.now();
    const entry = this.entries.get(key) ?? { count: 0, last: now, lockedUntil: 0 };
    entry.count++;
    entry.last = now;
    const locks = entry.count >= this.policy.lockAfter;
    if (locks) entry.lockedUntil = now + this.policy.lockMs;
    this.entries.set(key, entry); // refreshes the expiry: forgotten 2 × lockMs after the last failure
    return locks;
  }

  succeed(key: string): void {
    this.entries.delete(key);
  }

  /** Failures remembered for `key` (0 when none or forgotten). */
  failures(key: string): number {
    return this.entries.get(key)?.count ?? 0;
  }

  get size(): number {
    return this.entries.size;
  }

  // After `freeFailures` failures (at least one), the next attempt waits baseDelayMs, then twice that, ...
  private delayAfter(count: number): number {
    if (count === 0 || count < this.policy.freeFailures) return 0;
    const doublings = count - Math.max(1, this.policy.freeFailures);
    return Math.min(this.policy.maxDelayMs, this.policy.baseDelayMs * 2 ** Math.min(doublings, 30));
  }
}
