/**
 * `sac-gateway employment import`: a CSV file of employments streamed into
 * the employment registry, as `registry import` streams persons
 * (src/registry/importPersons.ts): the first non-blank line is the header
 * (column names in any order, separator ; , or tab); every other line is one
 * employment, checked (employmentRow.ts) and written with upsert semantics
 * (same worker, employer and first day: replaced) in batches of `batchSize`,
 * each one transaction of the single writer. Memory holds one batch and one
 * line, whatever the file's size. Refused lines are reported by number and
 * reason as they are met, never with their content (personal data).
 */
import { GatewayError } from '../errors.js';
import { boundedLines } from '../registry/boundedLines.js';
import { guessSeparator, splitCsvLine } from '../registry/csvLine.js';
import type { Employment, EmploymentRegistry } from '../store/port.js';
import { employmentColumns, employmentFromFields, type EmploymentColumns } from './employmentRow.js';

export const DEFAULT_EMPLOYMENT_BATCH = 1_000;
/** Far above any real line (seven short fields, a company name of at most 150 characters). */
export const MAX_EMPLOYMENT_LINE_BYTES = 4_096;

/** The file cannot be imported at all (no header, wrong columns): nothing was written. */
export class EmploymentFileError extends GatewayError {
  readonly name = 'EmploymentFileError';
  readonly code = 'SAC_EMPLOYMENT_FILE';
}

/** A batch could not be written: the batches before it are in the registry (upsert: running the import again is safe). */
export class EmploymentWriteError extends GatewayError {
  readonly name = 'EmploymentWriteError';
  readonly code = 'SAC_EMPLOYMENT_WRITE';
}

export interface EmploymentImportOptions {
  /** Check every line, write nothing. */
  readonly dryRun?: boolean;
  readonly batchSize?: number;
  readonly maxLineBytes?: number;
  /** Called for each refused line, in file order. */
  readonly onRefused: (lineNo: number, reason: string) => void;
}

export interface EmploymentImportReport {
  /** Lines read, the header and blank lines included. */
  readonly lines: number;
  /** Employments accepted (written unless dry run). */
  readonly accepted: number;
  readonly refused: number;
  /** Employments new to the registry (0 in a dry run). */
  readonly added: number;
  /** Header columns that are not employment fields. */
  readonly ignoredColumns: readonly string[];
  /** Batches (transactions) written. */
  readonly batches: number;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function importEmployments(
  input: AsyncIterable<Buffer | string>,
  registry: EmploymentRegistry,
  options: EmploymentImportOptions,
): Promise<EmploymentImportReport> {
  const batchSize = options.batchSize ?? DEFAULT_EMPLOYMENT_BATCH;
  const maxLineBytes = options.maxLineBytes ?? MAX_EMPLOYMENT_LINE_BYTES;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const before = options.dryRun ? 0 : registry.countEmployments();
  let columns: EmploymentColumns | undefined;
  let separator = ',';
  let lines = 0;
  let accepted = 0;
  let refused = 0;
  let batches = 0;
  let written = 0;
  let batch: Employment[] = [];
  const refuse = (lineNo: number, reason: string) => {
    refused++;
    options.onRefused(lineNo, reason);
  };
  // Awaited before the next line is read: one batch in flight, so memory stays bounded.
  const flush = async () => {
    if (batch.length === 0) return;
    if (!options.dryRun) {
      try {
        await registry.putEmployments(batch);
      } catch (err) {
        throw new EmploymentWriteError(
          `scrittura interrotta alla riga ${lines}: ${(err as Error).message}; rapporti già scritti: ${written} (l'import si può ripetere)`,
          { cause: err },
        );
      }
      written += batch.length;
      batches++;
    }
    batch = [];
  };

  for await (const line of boundedLines(input, maxLineBytes)) {
    lines = line.lineNo;
    if (line.tooLong) {
      if (!columns) throw new EmploymentFileError(`riga ${line.lineNo}: intestazione più lunga di ${maxLineBytes} byte`);
      refuse(line.lineNo, `riga più lunga di ${maxLineBytes} byte`);
      continue;
    }
    const bytes = line.lineNo === 1 && line.bytes.subarray(0, 3).equals(BOM) ? line.bytes.subarray(3) : line.bytes;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      if (!columns) throw new EmploymentFileError(`riga ${line.lineNo}: l'intestazione non è testo UTF-8 (esportare il file in UTF-8)`);
      refuse(line.lineNo, 'non è testo UTF-8 (esportare il file in UTF-8)');
      continue;
    }
    if (text.trim() === '') continue;
    if (!columns) {
      separator = guessSeparator(text);
      const header = splitCsvLine(text, separator);
      if ('error' in header) throw new EmploymentFileError(`riga ${line.lineNo} (intestazione): ${header.error}`);
      const map = employmentColumns(header.fields);
      if ('error' in map) throw new EmploymentFileError(`riga ${line.lineNo} (intestazione): ${map.error}`);
      columns = map;
      continue;
    }
    const split = splitCsvLine(text, separator);
    if ('error' in split) {
      refuse(line.lineNo, split.error);
      continue;
    }
    const row = employmentFromFields(split.fields, columns);
    if ('reason' in row) {
      refuse(line.lineNo, row.reason);
      continue;
    }
    accepted++;
    batch.push(row.employment);
    if (batch.length >= batchSize) await flush();
  }
  if (!columns) throw new EmploymentFileError("il file è vuoto: manca l'intestazione");
  await flush();
  return {
    lines,
    accepted,
    refused,
    added: options.dryRun ? 0 : registry.countEmployments() - before,
    ignoredColumns: columns.ignored,
    batches,
  };
}
