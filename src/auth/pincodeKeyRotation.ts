/**
 * Rotation of the pincode key, in three steps an operator runs once for all
 * nodes (they share the key directory), each followed by a rolling restart:
 *
 *   prepare  creates the NEXT key and its certificate. Nodes restarted after
 *            it accept ciphertexts made with either key, but still serve the
 *            current certificate: during the rolling restart some nodes have
 *            not loaded the next key yet, so no client may have its
 *            certificate before every node accepts it.
 *   commit   makes the next key current (its certificate is served from the
 *            next restart on) and keeps the old one as PREVIOUS, still accepted.
 *   retire   deletes the previous key: its ciphertexts are refused from the
 *            next restart on. Run it once clients have fetched the new certificate.
 *
 * Every step is a few link/rename/unlink calls in one directory; the commit
 * can be run again after a crash half-way and finishes what it started.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { existsSync, linkSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { GatewayError } from '../errors.js';
import {
  ensureKeyDir,
  generatePincodePrivateKeyPem,
  issuePincodeCertificate,
  modulusBits,
  PINCODE_KEY_FILES,
  publishExclusive,
  syncDir,
  validatePincodeBits,
  type PincodeKeyRole,
} from './pincodeKey.js';

/** A rotation step that cannot run in the directory's present state (nothing was changed). */
export class PincodeKeyRotationError extends GatewayError {
  readonly name = 'PincodeKeyRotationError';
  readonly code = 'SAC_PINCODE_KEY_ROTATION';
}

export interface KeyFileStatus {
  readonly role: PincodeKeyRole;
  readonly bits: number;
  /** SHA-256 fingerprint of the certificate (as clients see it), when the certificate file is there. */
  readonly fingerprint256: string | undefined;
  readonly validTo: string | undefined;
}

function path(dir: string, role: PincodeKeyRole, what: 'key' | 'cert'): string {
  return join(dir, PINCODE_KEY_FILES[role][what]);
}

function has(dir: string, role: PincodeKeyRole): boolean {
  return existsSync(path(dir, role, 'key'));
}

/** The keys present in the directory, current first. */
export function rotationStatus(dir: string): KeyFileStatus[] {
  const out: KeyFileStatus[] = [];
  for (const role of ['current', 'next', 'previous'] as const) {
    if (!has(dir, role)) continue;
    const bits = modulusBits(createPrivateKey(readFileSync(path(dir, role, 'key'))));
    let cert: X509Certificate | undefined;
    try {
      cert = new X509Certificate(readFileSync(path(dir, role, 'cert')));
    } catch {
      cert = undefined;
    }
    out.push({ role, bits, fingerprint256: cert?.fingerprint256, validTo: cert?.validTo });
  }
  return out;
}

/** Create the next key and its certificate. */
export function prepareRotation(dir: string, bits: number): KeyFileStatus {
  validatePincodeBits(bits);
  ensureKeyDir(dir);
  if (!has(dir, 'current')) {
    throw new PincodeKeyRotationError(`no current pincode key in ${dir}: start the gateway once (or check SAC_PINCODE_KEY_DIR)`);
  }
  if (has(dir, 'next')) throw new PincodeKeyRotationError(`a next key is already prepared in ${dir}: commit it, or delete it to start over`);
  if (has(dir, 'previous')) {
    throw new PincodeKeyRotationError(`the previous key is still accepted in ${dir}: retire it before preparing another rotation`);
  }
  // A certificate without its key is a leftover of an abandoned rotation: derived data, replace it.
  if (existsSync(path(dir, 'next', 'cert'))) unlinkSync(path(dir, 'next', 'cert'));
  const pem = generatePincodePrivateKeyPem(bits);
  if (!publishExclusive(dir, PINCODE_KEY_FILES.next.key, pem)) {
    throw new PincodeKeyRotationError(`a next key appeared in ${dir} meanwhile: another operator is rotating`);
  }
  publishExclusive(dir, PINCODE_KEY_FILES.next.cert, issuePincodeCertificate(createPrivateKey(pem)));
  return rotationStatus(dir).find((s) => s.role === 'next')!;
}

function sameFile(a: string, b: string): boolean {
  return existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
}

/** Make the next key current; the current one becomes previous (still accepted until retired). */
export function commitRotation(dir: string): void {
  const nextKey = path(dir, 'next', 'key');
  const nextCert = path(dir, 'next', 'cert');
  const currentKey = path(dir, 'current', 'key');
  const currentCert = path(dir, 'current', 'cert');
  if (!existsSync(nextKey)) {
    // A commit that stopped after moving the key: only the certificate is left to move.
    if (existsSync(nextCert) && has(dir, 'previous')) {
      renameSync(nextCert, currentCert);
      syncDir(dir);
      return;
    }
    throw new PincodeKeyRotationError(`no next key in ${dir}: run sac-gateway pincode-key rotate --prepare first`);
  }
  if (has(dir, 'previous')) {
    // Resuming: previous must already be a copy of the current key, else retire first.
    if (!sameFile(path(dir, 'previous', 'key'), currentKey)) {
      throw new PincodeKeyRotationError(`the previous key is still accepted in ${dir}: retire it before committing`);
    }
  } else {
    // Hard links: the old key keeps existing under the new name before anything moves.
    linkSync(currentKey, path(dir, 'previous', 'key'));
    if (existsSync(currentCert)) linkSync(currentCert, path(dir, 'previous', 'cert'));
    syncDir(dir);
  }
  // Key first: a crash between the two renames leaves the new key with the old
  // certificate, which the loader replaces by one for the new key (never the reverse).
  renameSync(nextKey, currentKey);
  syncDir(dir);
  if (existsSync(nextCert)) {
    renameSync(nextCert, currentCert);
    syncDir(dir);
  }
}

/** Delete the previous key: ciphertexts made with it are refused after the next restart. */
export function retireRotation(dir: string): void {
  if (!has(dir, 'previous')) throw new PincodeKeyRotationError(`no previous key in ${dir}: nothing to retire`);
  if (sameFile(path(dir, 'previous', 'key'), path(dir, 'current', 'key')) && has(dir, 'next')) {
    throw new PincodeKeyRotationError(`a commit stopped half-way in ${dir}: run --commit again first`);
  }
  unlinkSync(path(dir, 'previous', 'key'));
  if (existsSync(path(dir, 'previous', 'cert'))) unlinkSync(path(dir, 'previous', 'cert'));
  syncDir(dir);
}
