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

// A valid hash of a random secret, used when the user does not exist so that
// "no such user" costs the same scrypt as "wrong password" (no user enumeration
// by timing). Computed lazily: only the first miss pays for it.
let dummyHash: string | undefined;
function dummy(): string {
  dummyHash ??= hashSecret(randomBytes(16).toString('base64'));
  return dummyHash;
}

export interface VerdictCacheOptions {
  /** Max cached successes (LRU). Default 10,000. */
  maxEntries?: number;
  /** Lifetime of a cached success. Default 10 minutes. */
  ttlMs?: number;
  /** Max cached failures (separate LRU, so failures never evict successes). Default 1,000; 0 disables. */
  maxFailures?: number;
  /** Lifetime of a cached failure. Default 60 s. */
  failureTtlMs?: number;
  /** Clock, for tests. */
  now?: () => number;
}

interface Entry {
  user: string;
  expires: number;
}

/**
 * Caches verdicts of verifySecret.
 *
 * - Keys are SHA-256(random per-process key, user, secret, stored hash):
 *   no plaintext secret (nor anything offline-guessable without the process
 *   key) is kept in memory.
 * - The stored hash is part of the key, so a password change invalidates
 *   every verdict for the old hash by construction — even one computed by a
 *   request that was already in flight during the change. forget(user) also
 *   drops the user's entries eagerly (memory hygiene, disabling a user).
 * - Successes: LRU bounded by maxEntries, TTL ttlMs. A lookup can only return
 *   true for a (user, secret, stored) triple that actually verified.
 * - Failures: a separate small LRU with a short TTL. This does NOT slow down
 *   brute force (an attacker tries a different secret each time, so every
 *   guess misses the cache and pays scrypt; throttling/lockout per user and
 *   client belongs to the HTTP layer). It exists against CPU exhaustion by
 *   the common case of a misconfigured client retrying the same stale
 *   password in a loop, each retry otherwise costing a full scrypt. Because
 *   the stored hash is in the key, a cached failure can never outlive a
 *   password change and wrongly reject the new password.
 */
export class VerdictCache {
  private readonly cacheKey = randomBytes(32).toString('hex');
  private readonly ok = new Map<string, Entry>();
  private readonly inFlight = new Map<string, Promise<boolean>>();
  private readonly bad = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly ttlMs: number;
  private readonly maxFailures: number;
  private readonly failureTtlMs: number;
  private readonly now: () => number;

  constructor(options: VerdictCacheOptions = {}) {
    this.maxEntries = options.maxEntries ?? 10_000;
    this.ttlMs = options.ttlMs ?? 10 * 60 * 1000;
    this.maxFailures = options.maxFailures ?? 1_000;
    this.failureTtlMs = options.failureTtlMs ?? 60 * 1000;
    this.now = options.now ?? Date.now;
  }

  private keyOf(user: string, secret: string, stored: string): string {
    // One-shot SHA-256 of the secret process key and the length-prefixed parts
    // (so ("ab","c") and ("a","bc") cannot collide): a quarter of the cost of
    // a streamed HMAC, which mattered at two lookups per request. The digest
    // never leaves the process, so length extension gives nobody anything.
    const s = secret.normalize('NFC');
    return hash('sha256', `${this.cacheKey}${user.length}:${user}${s.length}:${s}${stored.length}:${stored}`, 'base64');
  }

  private static hit(map: Map<string, Entry>, key: string, now: number): boolean {
    const e = map.get(key);
    if (!e) return false;
    map.delete(key);
    if (e.expires <= now) return false;
    map.set(key, e); // move to most-recently-used
    return true;
  }

  private static put(map: Map<string, Entry>, key: string, entry: Entry, max: number): void {
    map.delete(key);
    map.set(key, entry);
    while (map.size > max) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
  }

  /** true: known good; false: known bad (recently); undefined: not cached, verify for real. */
  lookup(user: string, secret: string, stored: string): boolean | undefined {
    const key = this.keyOf(user, secret, stored);
    const now = this.now();
    if (VerdictCache.hit(this.ok, key, now)) return true;
    if (VerdictCache.hit(this.bad, key, now)) return false;
    return undefined;
  }

  /** Record a verdict that verifySecret actually produced for this exact stored hash. */
  record(user: string, secret: string, stored: string, valid: boolean): void {
    const key = this.keyOf(user, secret, stored);
    if (valid) {
      this.bad.delete(key);
      VerdictCache.put(this.ok, key, { user, expires: this.now() + this.ttlMs }, this.maxEntries);
    } else if (this.maxFailures > 0) {
      this.ok.delete(key);
      VerdictCache.put(this.bad, key, { user, expires: this.now() + this.failureTtlMs }, this.maxFailures);
    }
  }

  /**
   * Verify with the cache. `stored` undefined means "no such user": a dummy
   * scrypt still runs so the answer takes as long as a wrong password.
   */
  verify(user: string, secret: string, stored: string | undefined): boolean {
    if (stored === undefined) {
      verifySecret(secret, dummy());
      return false;
    }
    const cached = this.lookup(user, secret, stored);
    if (cached !== undefined) return cached;
    const valid = verifySecret(secret, stored);
    this.record(user, secret, stored, valid);
    return valid;
  }

  /** As verify, with scrypt on the libuv thread pool instead of the event loop. */
  async verifyAsync(user: string, secret: string, stored: string | undefined): Promise<boolean> {
    if (stored === undefined) {
      await verifySecretAsync(secret, dummy());
      return false;
    }
    const key = this.keyOf(user, secret, stored);
    const now = this.now();
    if (VerdictCache.hit(this.ok, key, now)) return true;
    if (VerdictCache.hit(this.bad, key, now)) return false;
    // Single flight: when a client opens many connections at once (or the
    // gateway restarts under load) the same credentials arrive together;
    // they share one scrypt instead of queueing one each on the thread pool.
    const running = this.inFlight.get(key);
    if (running) return running;
    const verdict = verifySecretAsync(secret, stored).finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, verdict);
    const valid = await verdict;
    this.record(user, secret, stored, valid);
    return valid;
  }

  /** Drop every cached verdict for a user (password change, user disabled or deleted). */
  forget(user: string): void {
    for (const map of [this.ok, this.bad]) {
      for (const [key, e] of map) if (e.user === user) map.delete(key);
    }
  }

  clear(): void {
    this.ok.clear();
    this.bad.clear();
  }

  /** Number of cached successes. */
  get size(): number {
    return this.ok.size;
  }
}
