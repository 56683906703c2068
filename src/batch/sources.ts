/**
 * The request files of a batch, one at a time: a folder walked with
 * opendir (never listing it whole in memory), in directory order, every
 * `*.xml` file at any depth. Names are relative to the folder, with '/'.
 */
import { opendir } from 'node:fs/promises';
import path from 'node:path';

export interface SourceFile {
  /** Relative to the batch folder, '/'-separated: the key of the report. */
  readonly name: string;
  readonly fullPath: string;
}

/** Depth limit against symlink loops and hostile trees. */
const MAX_DEPTH = 32;

export async function* xmlFiles(folder: string, relative = '', depth = 0): AsyncGenerator<SourceFile> {
  if (depth > MAX_DEPTH) return;
  const dir = await opendir(path.join(folder, relative));
  for await (const entry of dir) {
    const name = relative === '' ? entry.name : `${relative}/${entry.name}`;
    if (entry.isDirectory()) yield* xmlFiles(folder, name, depth + 1);
    else if (entry.isFile() && entry.name.toLowerCase().endsWith('.xml')) yield { name, fullPath: path.join(folder, name) };
  }
}
