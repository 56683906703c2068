/**
 * HTTP Basic credentials, checked against slow salted hashes with a verdict
 * cache so a busy client does not pay scrypt on every request.
 */
import type { SecretCheck } from '../sac/services.js';
import type { CertificateStore, UserRecord } from '../store/port.js';
import { VerdictCache } from './passwords.js';

export interface BasicCredentials {
  readonly username: string;
  readonly password: string;
}

export function parseBasicAuth(header: string | undefined): BasicCredentials | undefined {
  if (!header) return undefined;
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

export class CachedSecrets implements SecretCheck {
  private readonly cache = new VerdictCache();
  // Successes only: a ciphertext that failed is simply decrypted again next time.
  private readonly ciphertexts = new VerdictCache({ maxFailures: 0 });

  /**
   * Vendor software encrypts the pincode once per session and resends the
   * same ciphertext; RSA decryption is deterministic, so a ciphertext that
   * verified for this user and this pincode hash verifies again, without the
   * private-key operation. The hash is part of the key: a new pincode voids it.
   */
  knownCiphertext(username: string, ciphertext: string, storedHash: string): boolean {
    return this.ciphertexts.lookup(username, ciphertext, storedHash) === true;
  }

  rememberCiphertext(username: string, ciphertext: string, storedHash: string): void {
    this.ciphertexts.record(username, ciphertext, storedHash, true);
  }

  /**
   * scrypt runs on the thread pool, so a cache miss does not stall other
   * requests. The purpose is part of the cache identity: a pincode never
   * passes as a password.
   */
  check(username: string, purpose: 'password' | 'pincode', secret: string, storedHash: string | undefined): Promise<boolean> {
    return this.cache.verifyAsync(`${purpose}:${username}`, secret, storedHash);
  }
}

/** The authenticated user, or undefined (unknown users cost the same scrypt as wrong passwords). */
export async function authenticate(
  header: string | undefined,
  store: CertificateStore,
  secrets: CachedSecrets,
): Promise<UserRecord | undefined> {
  const credentials = parseBasicAuth(header);
  if (!credentials) return undefined;
  const user = store.findUser(credentials.username);
  const valid = await secrets.check(credentials.username, 'password', credentials.password, user?.passwordHash);
  return valid ? user : undefined;
}
