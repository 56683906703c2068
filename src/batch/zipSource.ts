/**
 * The request files of a zip archive, streamed with yauzl (lazyEntries: one
 * central-directory record at a time, each entry inflated only when it is
 * sent; the archive is never loaded whole). A hostile archive gets bounded
 * work: an entry larger than MAX_FILE_BYTES is refused from its declared size
 * and cut at that size if it lies (yauzl also checks the inflated size against
 * the declared one); a run inflates at most `maxTotalBytes` (the entries past
 * it are left for a later run); at most MAX_ZIP_ENTRIES entries. Entry names
 * are only labels in the report (`archive.zip!path/in/zip.xml`): nothing is
 * ever written to disk under them, so `..` or absolute names are harmless;
 * control characters become U+FFFD, and a name met twice gets `#2`, `#3`...
 */
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { BatchSourceError, MAX_FILE_BYTES, readCapped, type ReadResult, type SourceFile } from './sources.js';

export interface ZipLimits {
  /** Bytes inflated in one run, all entries together. */
  readonly maxTotalBytes: number;
}

export const DEFAULT_ZIP_MAX_TOTAL_BYTES = 2 * 1024 * 1024 * 1024;
export const MAX_ZIP_ENTRIES = 1_000_000;
/** Longest label kept from an entry name (zip allows 65,535 bytes). */
const MAX_NAME_CHARS = 1024;

export function openZip(source: string | number): Promise<ZipFile> {
  const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true };
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, zip: ZipFile) => (err ? reject(new BatchSourceError(`archivio zip non leggibile: ${err.message}`)) : resolve(zip));
    if (typeof source === 'number') yauzl.fromFd(source, options, done);
    else yauzl.open(source, options, done);
  });
}

function nextEntry(zip: ZipFile): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    const onEntry = (e: Entry) => {
      off();
      resolve(e);
    };
    const onEnd = () => {
      off();
      resolve(undefined);
    };
    const onError = (err: Error) => {
      off();
      reject(new BatchSourceError(`archivio zip non leggibile: ${err.message}`));
    };
    const off = () => {
      zip.off('entry', onEntry);
      zip.off('end', onEnd);
      zip.off('error', onError);
    };
    zip.on('entry', onEntry);
    zip.on('end', onEnd);
    zip.on('error', onError);
    zip.readEntry();
  });
}

/** The entry's name as the archive's writer meant it (UTF-8 flag, Info-ZIP Unicode path, else CP437), made a safe label. */
function entryName(entry: Entry): string {
  const raw = entry.fileName as unknown as Buffer;
  const decoded = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false);
  return decoded.replace(/[\u0000-\u001f\u007f-\u009f]/g, '\uFFFD').slice(0, MAX_NAME_CHARS);
}

function openEntry(zip: ZipFile, entry: Entry): Promise<ReadResult> {
  return new Promise((resolve) => {
    zip.openReadStream(entry, (err, stream) => {
      if (err) resolve({ ok: false, outcome: 'invalid', reason: `voce non leggibile: ${err.message}` });
      else resolve(readCapped(stream, MAX_FILE_BYTES));
    });
  }).then((r) => r as ReadResult, (err: Error) => ({ ok: false, outcome: 'invalid', reason: `voce non leggibile: ${err.message}` }));
}

/** Every file entry of the archive, labelled `label!name`; the archive is closed when the walk ends (or is abandoned). */
export async function* zipEntries(zip: ZipFile, label: string, limits: ZipLimits): AsyncGenerator<SourceFile> {
  if (zip.entryCount > MAX_ZIP_ENTRIES) {
    zip.close();
    throw new BatchSourceError(`archivio zip con ${zip.entryCount} voci: il massimo è ${MAX_ZIP_ENTRIES}`);
  }
  const seen = new Map<string, number>();
  let inflated = 0;
  try {
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) {
      const inner = entryName(entry);
      if (inner.endsWith('/')) continue; // a directory
      const n = (seen.get(inner) ?? 0) + 1;
      seen.set(inner, n);
      const name = `${label}!${inner}${n > 1 ? `#${n}` : ''}`;
      const base = inner.slice(inner.lastIndexOf('/') + 1);
      if (inner.startsWith('__MACOSX/') || base.startsWith('._')) {
        yield { name, ignored: 'metadati macOS, non una richiesta', read: notRead };
        continue;
      }
      if (!base.toLowerCase().endsWith('.xml')) {
        yield { name, ignored: 'non è un file .xml', read: notRead };
        continue;
      }
      const e = entry;
      yield {
        name,
        read: async (): Promise<ReadResult> => {
          if ((e.generalPurposeBitFlag & 0x1) !== 0) return { ok: false, outcome: 'invalid', reason: 'voce cifrata: non supportata' };
          if (e.uncompressedSize > MAX_FILE_BYTES) return { ok: false, outcome: 'invalid', reason: `${e.uncompressedSize} byte dichiarati: il massimo per un file è ${MAX_FILE_BYTES}` };
          if (inflated + e.uncompressedSize > limits.maxTotalBytes) {
            return { ok: false, outcome: 'failed', reason: `limite di ${limits.maxTotalBytes} byte decompressi per esecuzione raggiunto: rilanciare per proseguire` };
          }
          inflated += e.uncompressedSize;
          return openEntry(zip, e);
        },
      };
    }
  } finally {
    zip.close();
  }
}

async function notRead(): Promise<ReadResult> {
  return { ok: false, outcome: 'invalid', reason: 'non letta' };
}

/** How many entries zipEntries will give (a second pass over the central directory only): the progress bar's total. */
export async function countZipEntries(open: () => Promise<ZipFile>): Promise<number> {
  const zip = await open();
  let n = 0;
  try {
    for (let entry = await nextEntry(zip); entry; entry = await nextEntry(zip)) if (!entryName(entry).endsWith('/')) n++;
  } finally {
    zip.close();
  }
  return n;
}
