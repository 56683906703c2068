/**
 * `sac-gateway batch -`: standard input carries either a zip archive
 * (recognised by its first bytes, `PK\x03\x04`, or `PK\x05\x06` for an empty
 * one) or one XML request. A zip needs random access, so it is spooled to a
 * private temporary file (a fresh 0700 folder, the file 0600, created
 * exclusively) which is unlinked as soon as it is open: nothing is left
 * behind, even after a kill. Both are labelled with the first 12 hex digits
 * of the SHA-256 of the bytes, `stdin-<hash>.zip!path` or `stdin-<hash>.xml`,
 * so a journal shared by several piped inputs never confuses two of them, and
 * piping the same bytes again resumes that input.
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { BatchSourceError, MAX_FILE_BYTES, type SourceFile } from './sources.js';

/** Largest archive spooled from standard input. */
export const MAX_STDIN_ZIP_BYTES = 4 * 1024 * 1024 * 1024;

export type StdinInput =
  | { readonly kind: 'zip'; readonly fd: number; readonly label: string }
  | { readonly kind: 'xml'; readonly file: SourceFile };

function isZipStart(b: Buffer): boolean {
  return b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && ((b[2] === 0x03 && b[3] === 0x04) || (b[2] === 0x05 && b[3] === 0x06));
}

/** Reads standard input to its end: a zip spooled to an unlinked private file (its fd), or one XML request held in memory (at most MAX_FILE_BYTES). */
export async function readStdin(input: Readable): Promise<StdinInput> {
  const hash = createHash('sha256');
  const head: Buffer[] = [];
  let headSize = 0;
  let spool: { fd: number; dir: string } | undefined;
  let size = 0;
  let tooLarge = false;
  let decided = false;
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      size += chunk.length;
      hash.update(chunk);
      if (spool) {
        if (size > MAX_STDIN_ZIP_BYTES) throw new BatchSourceError(`archivio su stdin oltre ${MAX_STDIN_ZIP_BYTES} byte`);
        writeAll(spool.fd, chunk);
        continue;
      }
      if (tooLarge) continue; // one XML file too large: read to the end for the hash, keep nothing
      head.push(chunk);
      headSize += chunk.length;
      if (!decided && headSize >= 4) {
        decided = true;
        if (isZipStart(Buffer.concat(head, headSize).subarray(0, 4))) {
          spool = privateSpool();
          for (const c of head) writeAll(spool.fd, c);
          head.length = 0;
          continue;
        }
      }
      if (headSize > MAX_FILE_BYTES) {
        tooLarge = true;
        head.length = 0;
      }
    }
  } catch (err) {
    if (spool) closeSync(spool.fd);
    throw err;
  }
  const id = hash.digest('hex').slice(0, 12);
  if (spool) return { kind: 'zip', fd: spool.fd, label: `stdin-${id}.zip` };
  const bytes = Buffer.concat(head, headSize);
  const name = `stdin-${id}.xml`;
  if (tooLarge) return { kind: 'xml', file: { name, read: async () => ({ ok: false, outcome: 'invalid', reason: `più di ${MAX_FILE_BYTES} byte: il massimo per un file` }) } };
  return { kind: 'xml', file: { name, read: async () => ({ ok: true, bytes }) } };
}

function writeAll(fd: number, chunk: Buffer): void {
  for (let off = 0; off < chunk.length; ) off += writeSync(fd, chunk, off, chunk.length - off);
}

/** An exclusive 0600 file in a fresh 0700 folder, both removed at once: only the open fd remains. */
function privateSpool(): { fd: number; dir: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sac-batch-'));
  const file = path.join(dir, 'stdin.zip');
  const fd = openSync(file, 'wx+', 0o600);
  try {
    unlinkSync(file);
    rmSync(dir, { recursive: true, force: true });
  } catch {
    // A system that cannot unlink an open file (Windows): removed at exit instead.
    process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  }
  return { fd, dir };
}
