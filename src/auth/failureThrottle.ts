/**
 * Failures counted per key (a user, a client address), leaking away at the
 * allowance's rate: a leaky bucket in bounded memory. Used wherever guessing
 * must be slowed: look-ups of protocol numbers that find nothing
 * (src/sac/lookupThrottle.ts) and the INPS side's look-ups by codice fiscale
 * and protocol number. Written by hand: a few lines, and each caller answers
 * a refusal in its own words (a diagnostic, an HTTP status).
 * Per process, like the rate limits.
 */
import { LRUCache } from 'lru-cache';
import type { LookupFailureLimit } from '../config.js';

/** Keys tracked at most; the least recently failing is forgotten first (bounded memory). */
const MAX_KEYS = 100_000;

interface Level {
  /** Failures not yet leaked away. */
  failures: number;
  /** When `failures` was last brought up to date (ms since the epoch, the service's clock). */
  at: number;
}

export class FailureThrottle {
  private readonly levels = new LRUCache<string, Level>({ max: MAX_KEYS });
  /** Failures leaked per ms: the whole allowance over one window. */
  private readonly leakPerMs: number;

  constructor(private readonly limit: LookupFailureLimit) {
    this.leakPerMs = limit.failures / limit.windowMs;
  }

  /** 0 when `key` may look up now, else the ms until it may. */
  waitMs(key: string, now: number): number {
    const level = this.current(key, now);
    // At most `failures` in a row: the level after them has already leaked a little (a real
    // clock moves between requests), so it is compared with failures - 1, as the wait below is.
    if (level === undefined || level.failures <= this.limit.failures - 1) return 0;
    return Math.ceil((level.failures - this.limit.failures + 1) / this.leakPerMs);
  }

  /** One more failed look-up for `key`. */
  failed(key: string, now: number): void {
    const level = this.current(key, now);
    if (level === undefined) this.levels.set(key, { failures: 1, at: now });
    else level.failures += 1;
  }

  /** Keys with failures on record (for tests). */
  get size(): number {
    return this.levels.size;
  }

  private current(key: string, now: number): Level | undefined {
    const level = this.levels.get(key);
    if (level === undefined) return undefined;
    level.failures = Math.max(0, level.failures - Math.max(0, now - level.at) * this.leakPerMs);
    level.at = now;
    return level;
  }
}
