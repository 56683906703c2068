/**
 * Password (HTTP Basic secret) hashing with scrypt, plus a verdict cache so
 * that a client sending the same credentials on every request does not pay
 * scrypt every time.
 *
 * Stored format (self-describing, so parameters can be raised later and old
 * hashes still verify):  scrypt$N$r$p$<salt base64>$<hash base64>
 * e.g.  scrypt$32768$8$1$3q2+7w...$Zm9v...
 */
import { hash, randomBytes, scrypt, scryptSync, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** Cost parameters for new hashes. N=2^15, r=8: 32 MiB and tens of ms per hash. */
export const SCRYPT_PARAMS = { N: 1 << 15, r: 8, p: 1 } as const;
const SALT_BYTES = 16;
const HASH_BYTES = 32;
// Bounds on parameters read back from storage, so a corrupted or hostile row
// cannot make a single verification take seconds or gigabytes.
const MAX_N = 1 << 20;
const MAX_R = 32;
const MAX_P = 16;

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

// scrypt needs ~128*N*r bytes; Node's default maxmem (32 MiB) is exactly the
// need at N=2^15, r=8, so always pass an explicit, sufficient limit.
function maxmem(N: number, r: number, p: number): number {
  return 128 * N * r * p + 2 * 1024 * 1024 + 128 * r * p;
}

// Same bytes for the same password however it was typed (composed vs decomposed accents).
function secretBytes(secret: string): Buffer {
  return Buffer.from(secret.normalize('NFC'), 'utf8');
}

function format(N: number, r: number, p: number, salt: Buffer, hash: Buffer): string {
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

const INT_RE = /^[1-9][0-9]{0,9}$/;
const B64_RE = /^[A-Za-z0-9+/]+={0,2}$/;

function parse(stored: string): ParsedHash | undefined {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  if (!INT_RE.test(n) || !INT_RE.test(r) || !INT_RE.test(p)) return undefined;
  if (!B64_RE.test(salt) || !B64_RE.test(hash)) return undefined;
  const parsed: ParsedHash = {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    salt: Buffer.from(salt, 'base64'),
    hash: Buffer.from(hash, 'base64'),
  };
  const { N } = parsed;
  if (N < 2 || N > MAX_N || (N & (N - 1)) !== 0) return undefined;
  if (parsed.r > MAX_R || parsed.p > MAX_P) return undefined;
  if (parsed.salt.length < 8 || parsed.hash.length < 16 || parsed.hash.length > 64) return undefined;
  return parsed;
}

/** Hash a secret for storage (synchronous: blocks the event loop; use the async variant in request paths). */
export function hashSecret(secret: string): string {
  const { N, r, p } = SCRYPT_PARAMS;
  const salt = randomBytes(SALT_BYTES);
  const hash = scryptSync(secretBytes(secret), salt, HASH_BYTES, { N, r, p, maxmem: maxmem(N, r, p) });
  return format(N, r, p, salt, hash);
}

export function hashSecretAsync(secret: string): Promise<string> {
  const { N, r, p } = SCRYPT_PARAMS;
  const salt = randomBytes(SALT_BYTES);
  return new Promise((resolve, reject) => {
    scrypt(secretBytes(secret), salt, HASH_BYTES, { N, r, p, maxmem: maxmem(N, r, p) }, (err, hash) =>
      err ? reject(err) : resolve(format(N, r, p, salt, hash)),
    );
  });
}

/** Check a secret against a stored hash. A malformed stored value verifies nothing. */
export function verifySecret(secret: string, stored: string): boolean {
  const h = parse(stored);
  if (!h) return false;
  const got = scryptSync(secretBytes(secret), h.salt, h.hash.length, {
    N: h.N,
    r: h.r,
    p: h.p,
    maxmem: maxmem(h.N, h.r, h.p),
  });
  return timingSafeEqual(got, h.hash);
}

export function verifySecretAsync(secret: string, stored: string): Promise<boolean> {
  const h = parse(stored);
  if (!h) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    scrypt(
      secretBytes(secret),
      h.salt,
      h.hash.length,
      { N: h.N, r: h.r, p: h.p, maxmem: maxmem(h.N, h.r, h.p) },
      (err, got) => (err ? reject(err) : resolve(timingSafeEqual(got, h.hash))),
    );
  });
}

/** True when `stored` uses weaker parameters than SCRYPT_PARAMS (re-hash on next successful login). */
export function needsRehash(stored: string): boolean {
  const h = parse(stored);
  if (!h) return true;
  return h.N < SCRYPT_PARAMS.N || h.r < SCRYPT_PARAMS.r || h.p < SCRYPT_PARAMS.p;
}


/**
 * A disabled account keeps its hash behind this prefix: nothing verifies
 * against it (the prefixed value does not parse), and enabling it again
 * restores the same password.
 */
export const DISABLED_PREFIX = '!';

export function isDisabledHash(stored: string): boolean {
  return stored.startsWith(DISABLED_PREFIX);
}

export function disabledHash(stored: string): string {
  return isDisabledHash(stored) ? stored : `${DISABLED_PREFIX}${stored}`;
}

export function enabledHash(stored: string): string {
  return isDisabledHash(stored) ? stored.slice(DISABLED_PREFIX.length) : stored;
}

// What an unknown user, a disabled user or a malformed stored hash is checked
// against, so that each costs exactly the scrypt of a wrong password: the
// current parameters, a random salt and a random "hash" that no secret
// produces (a 2^-256 chance). Nothing to compute, so no first-miss stall.
const DUMMY_HASH = (() => {
  const { N, r, p } = SCRYPT_PARAMS;
  return format(N, r, p, randomBytes(SALT_BYTES), randomBytes(HASH_BYTES));
})();

/**
 * The hash a secret is actually checked against, and whether a match may
 * count. One code path for every case: no stored hash (unknown user), a
 * disabled or malformed one all become the dummy, which never matches.
 */
export function verificationTarget(stored: string | undefined): { readonly hash: string; readonly verifiable: boolean } {
  if (stored !== undefined && parsesCached(stored)) return { hash: stored, verifiable: true };
  return { hash: DUMMY_HASH, verifiable: false };
}

// Whether a stored hash parses, remembered: it is asked on every request and
// parsing costs a few µs. Bounded: emptied when full (stored hashes are few).
const parses = new Map<string, boolean>();
const MAX_PARSES = 10_000;
function parsesCached(stored: string): boolean {
  let ok = parses.get(stored);
  if (ok === undefined) {
    ok = parse(stored) !== undefined;
    if (parses.size >= MAX_PARSES) parses.clear();
    parses.set(stored, ok);
  }
  return ok;
}

/** Runs a hash task, e.g. through a bounded HashQueue (key: single flight; signal: drop if abandoned). */
export type HashRunner = (key: string, task: () => Promise<boolean>, signal?: AbortSignal) => Promise<boolean>;

export interface VerdictCacheOptions {
  /** Max cached successes (LRU). Default 10,000. */
  maxEntries?: number;
  /** Lifetime of a cached success. Default 10 minutes. */
  ttlMs?: number;
  /** Max cached failures (separate LRU, so failures never evict successes). Default 10,000; 0 disables. */
  maxFailures?: number;
  /** Lifetime of a cached failure. Default 60 s. */
  failureTtlMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

export interface VerdictStats {
  /** scrypt computations started by this cache. */
  readonly scryptRuns: number;
  /** Verdicts answered from the cache (success or failure). */
  readonly cacheHits: number;
}

// Only used by forget(user); usernames are bounded before they get here, this
// is a second bound so no caller can make an entry large.
const MAX_USER_CHARS = 128;

/**
 * Caches verdicts of verifySecret, bounded in entries (LRU) and in time (TTL),
 * with fixed-size keys.
 *
 * - Keys are SHA-256(random per-process key, user, secret, stored hash):
 *   no plaintext secret (nor anything offline-guessable without the process
 *   key) is kept in memory, and a key is 44 characters whatever was sent.
 * - The stored hash is part of the key, so a password change invalidates
 *   every verdict for the old hash by construction — even one computed by a
 *   request that was already in flight during the change.
 * - Successes: LRU bounded by maxEntries, TTL ttlMs. A lookup can only return
 *   true for a (user, secret, stored) triple that actually verified.
 * - Failures: a separate LRU with a short TTL, for every failure including
 *   an unknown user (checked against the dummy hash): a repeated wrong
 *   password costs the same for a real and an unknown username, so timing
 *   does not tell whether a username exists. Against brute force, see the
 *   throttles (throttle.ts); this cache only spares scrypt to a client
 *   retrying the same stale password.
 */
export class VerdictCache {
  private readonly cacheKey = randomBytes(32).toString('hex');
  private readonly ok: LRUCache<string, string>;
  private readonly bad: LRUCache<string, string> | undefined;
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private counts = { scryptRuns: 0, cacheHits: 0 };

  constructor(options: VerdictCacheOptions = {}) {
    const perf = { now: options.now ?? Date.now };
    this.ok = new LRUCache({ max: options.maxEntries ?? 10_000, ttl: options.ttlMs ?? 10 * 60 * 1000, ttlResolution: 0, perf });
    const maxFailures = options.maxFailures ?? 10_000;
    this.bad = maxFailures > 0 ? new LRUCache({ max: maxFailures, ttl: options.failureTtlMs ?? 60 * 1000, ttlResolution: 0, perf }) : undefined;
  }

  private keyOf(user: string, secret: string, stored: string): string {
    // One-shot SHA-256 of the secret process key and the length-prefixed parts
    // (so ("ab","c") and ("a","bc") cannot collide): a quarter of the cost of
    // a streamed HMAC, which mattered at two lookups per request. The digest
    // never leaves the process, so length extension gives nobody anything.
    const s = secret.normalize('NFC');
    return hash('sha256', `${this.cacheKey}${user.length}:${user}${s.length}:${s}${stored.length}:${stored}`, 'base64');
  }

  private hit(key: string): boolean | undefined {
    if (this.ok.get(key) !== undefined) return true;
    if (this.bad?.get(key) !== undefined) return false;
    return undefined;
  }

  /** true: known good; false: known bad (recently); undefined: not cached, verify for real. */
  lookup(user: string, secret: string, stored: string): boolean | undefined {
    return this.hit(this.keyOf(user, secret, stored));
  }

  /** Record a verdict that verifySecret actually produced for this exact stored hash. */
  record(user: string, secret: string, stored: string, valid: boolean): void {
    this.recordKey(this.keyOf(user, secret, stored), user, valid);
  }

  private recordKey(key: string, user: string, valid: boolean): void {
    const owner = user.slice(0, MAX_USER_CHARS);
    if (valid) {
      this.bad?.delete(key);
      this.ok.set(key, owner);
    } else if (this.bad) {
      this.ok.delete(key);
      this.bad.set(key, owner);
    }
  }

  /**
   * The head both verifications share: what to verify against (a dummy hash
   * for an unknown, disabled or damaged account), the cache key, and the
   * cached verdict if there is one (counted as a hit).
   */
  private consult(user: string, secret: string, stored: string | undefined) {
    const target = verificationTarget(stored);
    const key = this.keyOf(user, secret, target.hash);
    const hit = this.hit(key);
    if (hit !== undefined) this.counts.cacheHits++;
    return { target, key, cached: hit === undefined ? undefined : hit && target.verifiable };
  }

  /**
   * Verify with the cache, synchronously (blocks the event loop: tests and
   * tools only). Unknown, disabled and malformed follow the wrong-password path.
   */
  verify(user: string, secret: string, stored: string | undefined): boolean {
    const { target, key, cached } = this.consult(user, secret, stored);
    if (cached !== undefined) return cached;
    this.counts.scryptRuns++;
    const valid = verifySecret(secret, target.hash) && target.verifiable;
    this.recordKey(key, user, valid);
    return valid;
  }

  /**
   * As verify, with scrypt on the libuv thread pool, run through `runner`
   * (the bounded hash queue) when given. Identical checks in flight share one
   * scrypt. Errors of the runner (queue full, requester gone) propagate.
   */
  async verifyAsync(user: string, secret: string, stored: string | undefined, runner?: HashRunner, signal?: AbortSignal): Promise<boolean> {
    const { target, key, cached } = this.consult(user, secret, stored);
    if (cached !== undefined) return cached;
    const task = (): Promise<boolean> => {
      this.counts.scryptRuns++;
      return verifySecretAsync(secret, target.hash).then((valid) => {
        const verdict = valid && target.verifiable;
        this.recordKey(key, user, verdict);
        return verdict;
      });
    };
    if (runner) return runner(key, task, signal);
    // Single flight without a queue (tools and tests).
    const running = this.inFlight.get(key);
    if (running) return running;
    const verdict = task().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, verdict);
    return verdict;
  }

  /** Drop every cached verdict for a user (memory hygiene; a hash change already voids them). */
  forget(user: string): void {
    const owner = user.slice(0, MAX_USER_CHARS);
    for (const map of [this.ok, this.bad]) {
      if (!map) continue;
      for (const [key, who] of map.entries()) if (who === owner) map.delete(key);
    }
  }

  clear(): void {
    this.ok.clear();
    this.bad?.clear();
  }

  /** Number of cached successes. */
  get size(): number {
    return this.ok.size;
  }

  /** Number of cached failures. */
  get failureCount(): number {
    return this.bad?.size ?? 0;
  }

  stats(): VerdictStats {
    return { ...this.counts };
  }
}
