/**
 * RSA PKCS#1 v1.5 decryption of the `pincode` / encrypted codice fiscale
 * fields, with implicit rejection.
 *
 * Node 20 refuses privateDecrypt with RSA_PKCS1_PADDING (CVE-2023-46809,
 * Marvin) and we do not re-enable it. Instead we do the raw RSA operation
 * (RSA_NO_PADDING; OpenSSL still applies blinding) and check the padding
 * here, in the manner of OpenSSL >= 3.2 and draft-irtf-cfrg-rsa-guidance
 * ("implicit rejection"): when the padding is wrong we return a
 * deterministic pseudo-random message, of a pseudo-random length, derived
 * from the private key and the ciphertext. Callers therefore get "some
 * bytes" for every ciphertext and cannot tell (nor leak) whether the padding
 * was right: a bad ciphertext just looks like a wrong PIN.
 *
 * The derivation follows the draft / OpenSSL bit for bit, so a later move to
 * a native implementation returns identical bytes and does not open an
 * oracle through a change of behaviour:
 *   KDK      = HMAC-SHA256(key = SHA256(I2OSP(d, k)), I2OSP(c, k))
 *   PRF(L,n) = concat_i HMAC-SHA256(KDK, I2OSP(i,2) || L || I2OSP(n,2)), first n bits
 *   synthetic message  = PRF("message", 8k)
 *   synthetic length   = last of 128 16-bit candidates from PRF("length", 2048),
 *                        each masked to the next power of two, that is < k - 10
 *
 * All checks on the decrypted block use arithmetic masks over the whole
 * buffer, with no branch or early exit on secret data. (JavaScript gives no
 * hard constant-time guarantee; this is the best the language allows, and
 * implicit rejection means the output itself no longer carries the signal.)
 *
 * IMPORTANT for callers: treat every decrypted value the same way whatever it
 * looks like — one error ("wrong pincode" / "invalid codice fiscale") for
 * wrong, malformed, non-ASCII or oddly long values alike. Distinct errors
 * for "not digits" vs "wrong digits" would hand back part of the signal.
 */
import {
  constants,
  createHash,
  createHmac,
  createPublicKey,
  KeyObject,
  privateDecrypt,
  publicEncrypt,
  X509Certificate,
} from 'node:crypto';
import { ciphertextChars, type PincodeKey } from './pincodeKey.js';

/** Thrown only for problems visible in public data (Base64 encoding, length). */
export class CiphertextFormatError extends Error {
  override name = 'CiphertextFormatError';
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const WHITESPACE_RE = /\s+/g;
// A plain codice fiscale: 16 alphanumerics (persons, incl. omocodia letters)
// or 11 digits (provisional / legal entities).
const PLAIN_CF_RE = /^(?:[A-Z0-9]{16}|[0-9]{11})$/;

const MAX_LEN_GEN_TRIES = 128;
const SHA256_LEN = 32;

// --- branch-free helpers on small non-negative integers (< 2^30) ----------
// A "mask" is -1 (all ones) for true and 0 for false.

/** -1 if x === 0 else 0, for 0 <= x < 2^31. */
function ctIsZero(x: number): number {
  return ~((x | -x) >> 31);
}
/** -1 if a === b else 0. */
function ctEq(a: number, b: number): number {
  return ctIsZero(a ^ b);
}
/** -1 if a < b else 0, for 0 <= a, b < 2^30. */
function ctLt(a: number, b: number): number {
  return (a - b) >> 31;
}
/** a if mask is -1, b if mask is 0. */
function ctSelect(mask: number, a: number, b: number): number {
  return (a & mask) | (b & ~mask);
}

// --- key material ---------------------------------------------------------

interface KeyInfo {
  /** Modulus length in bytes. */
  k: number;
  /** SHA256(I2OSP(d, k)): the HMAC key for the KDK. */
  dHash: Buffer;
  /** I2OSP(n, k): the public modulus, to range-check ciphertexts. */
  modulus: Buffer;
}
// Cached per KeyObject so the private exponent is exported once, not per request.
const keyInfoCache = new WeakMap<KeyObject, KeyInfo>();

function keyInfo(privateKey: KeyObject): KeyInfo {
  const cached = keyInfoCache.get(privateKey);
  if (cached) return cached;
  const bits = privateKey.asymmetricKeyDetails?.modulusLength;
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'rsa' || !bits) {
    throw new TypeError('pincode cipher: an RSA private key is required');
  }
  const k = Math.ceil(bits / 8);
  const jwk = privateKey.export({ format: 'jwk' });
  if (typeof jwk.d !== 'string' || typeof jwk.n !== 'string') {
    throw new TypeError('pincode cipher: private exponent unavailable');
  }
  const d = Buffer.from(jwk.d, 'base64url');
  const dPadded = Buffer.alloc(k);
  d.copy(dPadded, k - d.length);
  const modulus = Buffer.alloc(k);
  const n = Buffer.from(jwk.n, 'base64url');
  n.copy(modulus, k - n.length);
  const info: KeyInfo = { k, dHash: createHash('sha256').update(dPadded).digest(), modulus };
  dPadded.fill(0);
  d.fill(0);
  keyInfoCache.set(privateKey, info);
  return info;
}

/** The draft's IRPRF: HMAC-SHA256 in counter mode, output truncated to `bits`/8 bytes. */
function irPrf(kdk: Buffer, label: string, bits: number): Buffer {
  const outLen = bits / 8;
  const out = Buffer.alloc(Math.ceil(outLen / SHA256_LEN) * SHA256_LEN);
  const header = Buffer.alloc(2);
  const trailer = Buffer.alloc(2);
  trailer.writeUInt16BE(bits);
  const labelBytes = Buffer.from(label, 'ascii');
  for (let i = 0, pos = 0; pos < outLen; i++, pos += SHA256_LEN) {
    header.writeUInt16BE(i);
    createHmac('sha256', kdk).update(header).update(labelBytes).update(trailer).digest().copy(out, pos);
  }
  return out.subarray(0, outLen);
}

// --- public API -----------------------------------------------------------

function normalizeBase64(value: string): string {
  // Some SOAP toolkits wrap long Base64 text every 64/76 chars.
  return value.replace(WHITESPACE_RE, '');
}

/** Decode strict Base64 (whitespace tolerated); undefined if not Base64. Public data only. */
function decodeBase64(value: string): Buffer | undefined {
  const s = normalizeBase64(value);
  if (s.length === 0 || s.length % 4 !== 0 || !BASE64_RE.test(s)) return undefined;
  return Buffer.from(s, 'base64');
}

/**
 * Decrypt a Base64 PKCS#1 v1.5 ciphertext with implicit rejection.
 *
 * Never throws because of the padding: a wrong padding (or a ciphertext not
 * below the modulus) yields a deterministic pseudo-random Buffer (0 .. k-11
 * bytes), indistinguishable from the decryption of a wrong value. Throws
 * CiphertextFormatError only when the input is publicly malformed: not
 * Base64, or not exactly the key's byte length.
 */
export function decryptField(key: PincodeKey, base64: string): Buffer {
  const c = decodeBase64(base64);
  if (c === undefined) throw new CiphertextFormatError('ciphertext is not valid Base64');
  const keys = keysOfLength(key, c.length);
  if (keys.length === 0) {
    throw new CiphertextFormatError(
      `ciphertext is ${c.length} bytes, expected ${Math.ceil(key.bits / 8)} (${key.maxCiphertextChars} Base64 chars for the ${key.bits}-bit key)`,
    );
  }
  const k = c.length;
  // The first key's implicit rejection is the answer when no key's padding is good.
  const first = rawDecrypt(keys[0]!, c);
  const full = first.synthetic;
  let msgIndex = ctSelect(first.good, first.zeroIndex + 1, k - first.syntheticLength);
  let taken = first.good;
  takeWhere(full, first.em, first.good);
  first.em.fill(0);
  // During a key rotation: the same work with every other key of this size,
  // and the first good padding wins, chosen with masks (no branch on secrets).
  for (let i = 1; i < keys.length; i++) {
    const other = rawDecrypt(keys[i]!, c);
    const use = other.good & ~taken;
    msgIndex = ctSelect(use, other.zeroIndex + 1, msgIndex);
    takeWhere(full, other.em, use);
    taken |= other.good;
    other.em.fill(0);
    other.synthetic.fill(0);
  }
  // From here the length is not a signal: both sources give a plausible length.
  const out = Buffer.from(full.subarray(msgIndex));
  full.fill(0);
  return out;
}

/** Every accepted key whose modulus is `bytes` long (the ciphertext's length is public). */
function keysOfLength(key: PincodeKey, bytes: number): KeyObject[] {
  const all = key.decryptionKeys;
  if (all === undefined || all.length <= 1) return keyInfo(key.privateKey).k === bytes ? [key.privateKey] : [];
  const keys: KeyObject[] = [];
  for (const d of all) if (keyInfo(d.privateKey).k === bytes) keys.push(d.privateKey);
  return keys;
}

/** target[i] = source[i] where mask is -1, unchanged where 0; over the whole buffer. */
function takeWhere(target: Buffer, source: Buffer, mask: number): void {
  const m = mask & 0xff;
  for (let i = 0; i < target.length; i++) target[i] = (source[i]! & m) | (target[i]! & ~m & 0xff);
}

interface RawDecryption {
  /** The encoded block EM (k bytes); wipe after use. */
  em: Buffer;
  /** -1 when EM's PKCS#1 v1.5 padding is good, else 0. */
  good: number;
  /** Index of the separator zero (meaningful when good). */
  zeroIndex: number;
  /** Implicit rejection: the synthetic message (k bytes) and its length. */
  synthetic: Buffer;
  syntheticLength: number;
}

/** Raw RSA with one key plus the padding check, all without branches on secret data. */
function rawDecrypt(privateKey: KeyObject, c: Buffer): RawDecryption {
  const { k, dHash, modulus } = keyInfo(privateKey);
  // A ciphertext >= n cannot be decrypted. That is public (n is in the
  // certificate), so it needs no secrecy, but rather than a distinct error we
  // let it fall through to implicit rejection: every correctly sized input
  // then yields "some bytes", and callers have one path for all of them.
  const inRange = Buffer.compare(c, modulus) < 0;
  const em = inRange
    ? privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, c)
    : Buffer.alloc(k); // 0x00 0x00 ...: fails the padding check below
  if (em.length !== k) {
    // OpenSSL always returns k bytes here; anything else is a bug, not a secret.
    em.fill(0);
    throw new Error(`pincode cipher: raw RSA returned ${em.length} bytes, expected ${k}`);
  }

  // Everything below runs the same operations whatever em contains.
  const kdk = createHmac('sha256', dHash).update(c).digest();
  const synthetic = irPrf(kdk, 'message', k * 8);
  const candidates = irPrf(kdk, 'length', MAX_LEN_GEN_TRIES * 2 * 8);
  kdk.fill(0);

  // Synthetic length: pick, without branching, the last candidate below
  // k - 10 (max message length + 1). 2^-128 chance none fits -> 0.
  const maxSepOffset = k - 2 - 8;
  let lenMask = maxSepOffset;
  lenMask |= lenMask >> 1;
  lenMask |= lenMask >> 2;
  lenMask |= lenMask >> 4;
  lenMask |= lenMask >> 8;
  let syntheticLength = 0;
  for (let i = 0; i < MAX_LEN_GEN_TRIES * 2; i += 2) {
    const candidate = ((candidates[i]! << 8) | candidates[i + 1]!) & lenMask;
    syntheticLength = ctSelect(ctLt(candidate, maxSepOffset), candidate, syntheticLength);
  }

  // EM = 0x00 || 0x02 || PS (>= 8 non-zero bytes) || 0x00 || M
  let good = ctIsZero(em[0]!) & ctEq(em[1]!, 2);
  let foundZero = 0;
  let zeroIndex = 0;
  for (let i = 2; i < k; i++) {
    const isZero = ctIsZero(em[i]!);
    zeroIndex = ctSelect(~foundZero & isZero, i, zeroIndex);
    foundZero |= isZero;
  }
  // Also fails when no separator was found (zeroIndex stays 0).
  good &= ~ctLt(zeroIndex, 2 + 8);
  return { em, good, zeroIndex, synthetic, syntheticLength };
}

/** Public key from a certificate (PEM or DER), a public/private key PEM, or a KeyObject. */
function toPublicKey(input: string | Buffer | KeyObject | X509Certificate): KeyObject {
  if (input instanceof X509Certificate) return input.publicKey;
  if (input instanceof KeyObject) return input.type === 'private' ? createPublicKey(input) : input;
  if (typeof input === 'string' && !input.includes('-----BEGIN CERTIFICATE-----')) {
    return createPublicKey(input);
  }
  return new X509Certificate(input).publicKey;
}

/**
 * Encrypt like a client would (RSA PKCS#1 v1.5, Base64 output). Public-key
 * encryption with PKCS#1 v1.5 is still allowed by Node; only decryption is
 * the Marvin-sensitive side. Strings are encoded as UTF-8 (PINs and codici
 * fiscali are ASCII anyway).
 */
export function encryptField(
  certificatePemOrPublicKey: string | Buffer | KeyObject | X509Certificate,
  plaintext: string | Buffer,
): string {
  const publicKey = toPublicKey(certificatePemOrPublicKey);
  const data = typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext;
  const bits = publicKey.asymmetricKeyDetails?.modulusLength ?? 0;
  const maxLen = Math.ceil(bits / 8) - 11;
  if (data.length > maxLen) {
    throw new RangeError(`plaintext is ${data.length} bytes; at most ${maxLen} fit a ${bits}-bit key`);
  }
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, data).toString('base64');
}

/**
 * Whether a `codiceFiscale`-like field carries ciphertext rather than a plain CF.
 *
 * Rule (public data only): after removing whitespace, the value is encrypted
 * iff it is strict Base64 of exactly the key's byte length, i.e. exactly
 * `maxCiphertextChars` chars (172 for 1024 bits). A plain CF is 16 chars
 * (uppercase letters/digits) or 11 digits, so the two can never be confused;
 * anything else is treated as plain text and left to CF validation, which
 * rejects it. A caller that wants a clearer message for "Base64 made with a
 * different key size" can call decryptField on long Base64 input and report
 * its CiphertextFormatError.
 *
 * When this returns true, decryptField(key, value) does not throw: the value
 * has the right encoding and length, so only implicit rejection can happen.
 */
export function looksEncrypted(key: PincodeKey, value: string): boolean {
  const s = normalizeBase64(value);
  if (PLAIN_CF_RE.test(s)) return false;
  if (s.length === key.maxCiphertextChars) return decodeBase64(s)?.length === Math.ceil(key.bits / 8);
  // During a rotation to a key of another size, that size's ciphertexts too.
  const others = key.decryptionKeys;
  if (others === undefined || others.length <= 1) return false;
  const bytes = decodeBase64(s)?.length;
  return others.some((d) => ciphertextChars(d.bits) === s.length && Math.ceil(d.bits / 8) === bytes);
}
