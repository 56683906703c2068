/**
 * `sac-gateway registry import`: a CSV file of assisted persons streamed
 * into the registry. The first non-blank line is the header (column names,
 * any order, separator ; , or tab); every other line is one person, checked
 * (personRow.ts) and written with upsert semantics (a codice fiscale already
 * present is replaced) in batches of `batchSize`, each its own transaction
 * through the PersonRegistry port. Memory holds one batch and one line,
 * whatever the file's size. Refused lines are reported by number and reason
 * as they are met (never with their content: it is personal data).
 */
import { GatewayError } from '../errors.js';
import type { Person, PersonRegistry } from '../store/port.js';
import { boundedLines } from './boundedLines.js';
import { guessSeparator, splitCsvLine } from './csvLine.js';
import { columnMap, personFromFields, type ColumnMap } from './personRow.js';

export const DEFAULT_IMPORT_BATCH = 1_000;
/** Far above any real line (seven short fields); a longer one is refused without being held. */
export const MAX_LINE_BYTES = 4_096;

/** The file cannot be imported at all (no header, wrong columns): nothing was written. */
export class RegistryFileError extends GatewayError {
  readonly name = 'RegistryFileError';
  readonly code = 'SAC_REGISTRY_FILE';
}

/** A batch could not be written: the batches before it are in the registry (upsert: running the import again is safe). */
export class RegistryWriteError extends GatewayError {
  readonly name = 'RegistryWriteError';
  readonly code = 'SAC_REGISTRY_WRITE';
}

export interface ImportOptions {
  /** YYYY-MM-DD: no one is born after it. */
  readonly today: string;
  /** Check every line, write nothing. */
  readonly dryRun?: boolean;
  readonly batchSize?: number;
  readonly maxLineBytes?: number;
  /** Called for each refused line, in file order. */
  readonly onRefused: (lineNo: number, reason: string) => void;
}

export interface ImportReport {
  /** Lines read, the header and blank lines included. */
  readonly lines: number;
  /** Persons accepted (written unless dry run). */
  readonly accepted: number;
  readonly refused: number;
  /** Codici fiscali new to the registry (0 in a dry run). */
  readonly added: number;
  /** Header columns that are not person fields. */
  readonly ignoredColumns: readonly string[];
  /** Batches (transactions) written. */
  readonly batches: number;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function importPersons(input: AsyncIterable<Buffer | string>, registry: PersonRegistry, options: ImportOptions): Promise<ImportReport> {
  const batchSize = options.batchSize ?? DEFAULT_IMPORT_BATCH;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const before = options.dryRun ? 0 : registry.countPersons();
  let columns: ColumnMap | undefined;
  let separator = ',';
  let lines = 0;
  let accepted = 0;
  let refused = 0;
  let batches = 0;
  let batch: Person[] = [];
  const refuse = (lineNo: number, reason: string) => {
    refused++;
    options.onRefused(lineNo, reason);
  };
  let written = 0;
  const flush = () => {
    if (batch.length === 0) return;
    if (!options.dryRun) {
      try {
        registry.putPersons(batch);
      } catch (err) {
        throw new RegistryWriteError(
          `scrittura interrotta alla riga ${lines}: ${(err as Error).message}; persone già scritte: ${written} (l'import si può ripetere)`,
          { cause: err },
        );
      }
      written += batch.length;
      batches++;
    }
    batch = [];
  };

  for await (const line of boundedLines(input, options.maxLineBytes ?? MAX_LINE_BYTES)) {
    lines = line.lineNo;
    if (line.tooLong) {
      if (!columns) throw new RegistryFileError(`riga ${line.lineNo}: intestazione più lunga di ${options.maxLineBytes ?? MAX_LINE_BYTES} byte`);
      refuse(line.lineNo, `riga più lunga di ${options.maxLineBytes ?? MAX_LINE_BYTES} byte`);
      continue;
    }
    const bytes = line.lineNo === 1 && line.bytes.subarray(0, 3).equals(BOM) ? line.bytes.subarray(3) : line.bytes;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      if (!columns) throw new RegistryFileError(`riga ${line.lineNo}: l'intestazione non è testo UTF-8 (esportare il file in UTF-8)`);
      refuse(line.lineNo, 'non è testo UTF-8 (esportare il file in UTF-8)');
      continue;
    }
    if (text.trim() === '') continue;
    if (!columns) {
      separator = guessSeparator(text);
      const header = splitCsvLine(text, separator);
      if ('error' in header) throw new RegistryFileError(`riga ${line.lineNo} (intestazione): ${header.error}`);
      const map = columnMap(header.fields);
      if ('error' in map) throw new RegistryFileError(`riga ${line.lineNo} (intestazione): ${map.error}`);
      columns = map;
      continue;
    }
    const split = splitCsvLine(text, separator);
    if ('error' in split) {
      refuse(line.lineNo, split.error);
      continue;
    }
    const row = personFromFields(split.fields, columns, options.today);
    if ('reason' in row) {
      refuse(line.lineNo, row.reason);
      continue;
    }
    accepted++;
    batch.push(row.person);
    if (batch.length >= batchSize) flush();
  }
  if (!columns) throw new RegistryFileError("il file è vuoto: manca l'intestazione");
  flush();
  return {
    lines,
    accepted,
    refused,
    added: options.dryRun ? 0 : registry.countPersons() - before,
    ignoredColumns: columns.ignored,
    batches,
  };
}
