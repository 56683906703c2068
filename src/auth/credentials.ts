/**
 * HTTP Basic credentials: read strictly (bounded, no control characters, valid
 * UTF-8) before any work, and checked against slow salted hashes through the
 * bounded hash queue, with a verdict cache so a busy client does not pay
 * scrypt on every request.
 */
import { GatewayError } from '../errors.js';
import type { HashQueue } from './hashQueue.js';
import { VerdictCache } from './passwords.js';
import type { FailureThrottle } from './throttle.js';

/** How handlers check a slow-hashed secret (password or pincode); CachedSecrets is the implementation. */
export interface SecretCheck {
  /** True when the secret matches the stored slow hash; may answer from a verdict cache. */
  /** `clientAddress`, when the caller knows it, goes to the access journal with a failed pincode. */
  check(username: string, purpose: 'password' | 'pincode', secret: string, storedHash: string | undefined, signal?: AbortSignal, clientAddress?: string): Promise<boolean>;
  /** Whether this exact pincode ciphertext already verified for this user and pincode hash. */
  knownCiphertext(username: string, ciphertext: string, storedHash: string): boolean;
  rememberCiphertext(username: string, ciphertext: string, storedHash: string): void;
}

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

/** Usernames are codici fiscali (16) or short account names: anything longer is refused unread. */
export const MAX_USERNAME_CHARS = 64;
/** Users whose last proven pincode ciphertext is remembered at most. */
const MAX_LAST_CIPHERTEXTS = 10_000;
/** Passwords longer than this (UTF-8 bytes) are refused before hashing. */
export const MAX_PASSWORD_BYTES = 256;
// Base64 of "username:password" at their bounds (4 UTF-8 bytes per character at worst), plus the scheme.
const MAX_HEADER_CHARS = 16 + 4 * Math.ceil((MAX_USERNAME_CHARS * 4 + 1 + MAX_PASSWORD_BYTES) / 3);

// C0 controls, DEL and C1 controls: never part of a credential anyone types.
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
const BASIC_RE = /^Basic[ \t]+([A-Za-z0-9+/]+={0,2})[ \t]*$/i;

export type CredentialsRead =
  | { readonly kind: 'missing' }
  | { readonly kind: 'malformed' }
  | { readonly kind: 'ok'; readonly credentials: BasicCredentials };

/** Why a username or password cannot be used, or undefined when it can. */
export function credentialProblem(username: string, password: string): string | undefined {
  if (username.length === 0 || username.length > MAX_USERNAME_CHARS) return `username must be 1 to ${MAX_USERNAME_CHARS} characters`;
  if (username.includes(':')) return 'username must not contain ":"';
  if (password.length === 0 || Buffer.byteLength(password, 'utf8') > MAX_PASSWORD_BYTES) {
    return `password must be 1 to ${MAX_PASSWORD_BYTES} bytes`;
  }
  if (CONTROL_RE.test(username) || CONTROL_RE.test(password)) return 'control characters are not allowed';
  return undefined;
}

/**
 * Read an Authorization header. Anything but a well-formed, bounded Basic
 * credential in valid UTF-8 without control characters is 'malformed', found
 * in time proportional to a header that is itself bounded.
 */
export function readBasicCredentials(header: string | undefined): CredentialsRead {
  if (header === undefined || header === '') return { kind: 'missing' };
  if (header.length > MAX_HEADER_CHARS) return { kind: 'malformed' };
  const match = BASIC_RE.exec(header);
  if (!match || match[1]!.length % 4 !== 0) return { kind: 'malformed' };
  const bytes = Buffer.from(match[1]!, 'base64');
  const decoded = bytes.toString('utf8');
  // Invalid UTF-8 decodes to U+FFFD: two different byte strings must never become one password.
  if (decoded.includes('\uFFFD') && !Buffer.from(decoded, 'utf8').equals(bytes)) return { kind: 'malformed' };
  const colon = decoded.indexOf(':');
  if (colon <= 0) return { kind: 'malformed' };
  const username = decoded.slice(0, colon);
  const password = decoded.slice(colon + 1);
  if (credentialProblem(username, password) !== undefined) return { kind: 'malformed' };
  return { kind: 'ok', credentials: { username, password } };
}

/** The credentials of a well-formed header, or undefined. */
export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  const read = readBasicCredentials(header);
  return read.kind === 'ok' ? read.credentials : undefined;
}

/** Too many wrong pincodes for this user: answer 429 with Retry-After, no hash was run. */
export class LoginThrottledError extends GatewayError {
  readonly name = 'LoginThrottledError';
  readonly code = 'SAC_AUTH_THROTTLED';
  constructor(readonly retryAfterS: number) {
    super('too many failed attempts: retry later');
  }
}

export interface CachedSecretsParts {
  readonly queue: HashQueue;
  /** Failures of a username (password and pincode alike). */
  readonly users: FailureThrottle;
  /** Failures of a pincode owner: never exempted, so a stolen password does not buy unlimited pincode guesses. */
  readonly pincodes: FailureThrottle;
  readonly onPincodeFailure: (username: string, clientAddress: string) => void;
}

export class CachedSecrets implements SecretCheck {
  readonly verdicts = new VerdictCache();
  // Successes only: a ciphertext that failed is simply decrypted again next time.
  private readonly ciphertexts = new VerdictCache({ maxFailures: 0 });
  /**
   * The ciphertext each user last proved, compared as a string before the
   * hashed cache: the same session resends the same ciphertext on every
   * request, and hashing its key for the LRU measured ~0.8 µs of ~130 per
   * request. A ciphertext is no secret (the pincode needs the private key);
   * the stored hash is compared too, so a new pincode voids it.
   */
  private readonly lastCiphertext = new Map<string, { readonly ciphertext: string; readonly storedHash: string }>();
  private readonly run;

  constructor(readonly parts: CachedSecretsParts) {
    this.run = parts.queue.run.bind(parts.queue) as (key: string, task: () => Promise<boolean>, signal?: AbortSignal) => Promise<boolean>;
  }

  /**
   * Vendor software encrypts the pincode once per session and resends the
   * same ciphertext; RSA decryption is deterministic, so a ciphertext that
   * verified for this user and this pincode hash verifies again, without the
   * private-key operation. The hash is part of the key: a new pincode voids it.
   */
  knownCiphertext(username: string, ciphertext: string, storedHash: string): boolean {
    const last = this.lastCiphertext.get(username);
    if (last !== undefined && last.ciphertext === ciphertext && last.storedHash === storedHash) return true;
    const known = this.ciphertexts.lookup(username, ciphertext, storedHash) === true;
    if (known) this.rememberLast(username, ciphertext, storedHash);
    return known;
  }

  rememberCiphertext(username: string, ciphertext: string, storedHash: string): void {
    this.ciphertexts.record(username, ciphertext, storedHash, true);
    this.rememberLast(username, ciphertext, storedHash);
  }

  // Only users whose pincode verified get here, so the map is bounded by the
  // users table; MAX_LAST_CIPHERTEXTS is a second bound (oldest entry dropped).
  private rememberLast(username: string, ciphertext: string, storedHash: string): void {
    this.lastCiphertext.delete(username);
    if (this.lastCiphertext.size >= MAX_LAST_CIPHERTEXTS) this.lastCiphertext.delete(this.lastCiphertext.keys().next().value!);
    this.lastCiphertext.set(username, { ciphertext, storedHash });
  }

  /**
   * Verify through the bounded queue (HashQueueFullError when full, at once).
   * The purpose is part of the cache identity: a pincode never passes as a
   * password. A pincode check is refused (LoginThrottledError) while its owner
   * is throttled for wrong pincodes, and a wrong pincode counts as a failure
   * of the user.
   */
  async check(
    username: string,
    purpose: 'password' | 'pincode',
    secret: string,
    storedHash: string | undefined,
    signal?: AbortSignal,
    clientAddress = '',
  ): Promise<boolean> {
    if (purpose === 'password') return this.verdicts.verifyAsync(`password:${username}`, secret, storedHash, this.run, signal);
    const verdict = this.parts.pincodes.check(username);
    if (!verdict.allowed) throw new LoginThrottledError(Math.max(1, Math.ceil(verdict.retryAfterMs / 1000)));
    const valid = await this.verdicts.verifyAsync(`pincode:${username}`, secret, storedHash, this.run, signal);
    if (valid) {
      this.parts.pincodes.succeed(username);
    } else {
      this.parts.pincodes.fail(username);
      this.parts.users.fail(username);
      this.parts.onPincodeFailure(username, clientAddress);
    }
    return valid;
  }
}
