/**
 * The request files of a batch, one at a time, whatever holds them: a folder
 * walked with opendir (never listing it whole in memory), in directory order,
 * every `*.xml` file at any depth; a zip archive (./zipSource.ts); standard
 * input (./stdinSource.ts). A source file is a name, the key of the report,
 * and a way to read its bytes, bounded.
 */
import { createReadStream } from 'node:fs';
import { opendir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { GatewayError } from '../errors.js';

/** Largest request file read (the gateway's own body limit is smaller). */
export const MAX_FILE_BYTES = 16 * 1024 * 1024;

export type ReadResult =
  | { readonly ok: true; readonly bytes: Buffer }
  /** 'invalid': this file can never be sent; 'failed': not read this time, a later run may (e.g. a per-run budget). */
  | { readonly ok: false; readonly outcome: 'invalid' | 'failed'; readonly reason: string };

export interface SourceFile {
  /** The key of the report: relative to the batch folder, '/'-separated; `archive.zip!path/in/zip.xml` in an archive. */
  readonly name: string;
  /** Set when the entry is no request file at all (an archive's non-XML entry): reported as ignored, never read. */
  readonly ignored?: string;
  read(): Promise<ReadResult>;
}

/** The batch input cannot be read at all (not a folder, a broken archive): the run stops with this message. */
export class BatchSourceError extends GatewayError {
  readonly name = 'BatchSourceError';
  readonly code = 'SAC_BATCH_SOURCE';
}

/** Depth limit against symlink loops and hostile trees. */
const MAX_DEPTH = 32;

/** A stream's bytes, at most `cap` of them (more: the stream is destroyed). */
export function readCapped(stream: Readable, cap: number): Promise<ReadResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (r: ReadResult) => {
      if (!settled) {
        settled = true;
        resolve(r);
      }
    };
    stream.on('data', (c: Buffer) => {
      size += c.length;
      if (size > cap) {
        settle({ ok: false, outcome: 'invalid', reason: `più di ${cap} byte: il massimo per un file` });
        stream.destroy();
      } else chunks.push(c);
    });
    stream.on('error', (err: NodeJS.ErrnoException) => settle({ ok: false, outcome: 'invalid', reason: `lettura non riuscita: ${err.code ?? err.message}` }));
    stream.on('end', () => settle({ ok: true, bytes: Buffer.concat(chunks, size) }));
  });
}

function folderFile(name: string, fullPath: string): SourceFile {
  return { name, read: () => readCapped(createReadStream(fullPath), MAX_FILE_BYTES) };
}

export async function* xmlFiles(folder: string, relative = '', depth = 0): AsyncGenerator<SourceFile> {
  if (depth > MAX_DEPTH) return;
  const dir = await opendir(path.join(folder, relative));
  for await (const entry of dir) {
    const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) yield* xmlFiles(folder, name, depth + 1);
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.xml')) yield folderFile(name, path.join(folder, name));
  }
}

/** How many files xmlFiles will give, counted by a second walk (names are not kept): the progress bar's total. */
export async function countXmlFiles(folder: string, relative = '', depth = 0): Promise<number> {
  if (depth > MAX_DEPTH) return 0;
  let n = 0;
  const dir = await opendir(path.join(folder, relative));
  for await (const entry of dir) {
    if (entry.isDirectory()) n += await countXmlFiles(folder, relative === '' ? entry.name : `${relative}/${entry.name}`, depth + 1);
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.xml')) n++;
  }
  return n;
}
