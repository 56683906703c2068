/**
 * Fairness per user: one token bucket per authenticated user, its rate and
 * burst set by the user's kind (SAC_RATE_LIMITS). A call takes a token; an
 * empty bucket refuses it and says when the next token arrives.
 *
 * Written by hand rather than with @fastify/rate-limit, which counts in fixed
 * windows (twice the burst across a window edge, Retry-After until the window
 * resets) where a token bucket is asked for; it is a few lines.
 *
 * Per process: under node:cluster each worker keeps its own buckets, so a
 * user spreading connections over N workers gets up to N times the rate.
 */
import { LRUCache } from 'lru-cache';
import type { RateLimit } from '../config.js';
import type { UserKind } from '../store/port.js';

interface Bucket {
  tokens: number;
  /** When `tokens` was last brought up to date (ms, monotonic). */
  at: number;
}

/** Buckets kept at most; the least recently used is dropped (it comes back full: bounded memory, not a loophole short of this many users). */
const MAX_BUCKETS = 100_000;

export class UserRateLimit {
  private readonly buckets = new LRUCache<string, Bucket>({ max: MAX_BUCKETS });

  constructor(
    private readonly limits: Readonly<Partial<Record<UserKind, RateLimit>>>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Take one token for `username`: 0 when the call may go on, else the seconds until a token is there (at least 1). */
  take(username: string, kind: UserKind): number {
    const limit = this.limits[kind];
    if (limit === undefined) return 0;
    const now = this.now();
    let bucket = this.buckets.get(username);
    if (bucket === undefined) {
      bucket = { tokens: limit.burst, at: now };
      this.buckets.set(username, bucket);
    } else {
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((now - bucket.at) * limit.perSecond) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / limit.perSecond));
  }

  /** Users with a bucket (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }
}
