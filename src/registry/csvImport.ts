/**
 * The streaming CSV import both registries share (persons: importPersons.ts;
 * employments: src/employment/importEmployments.ts). The first non-blank line
 * is the header (column names in any order, separator ; , or tab); every other
 * line is one row, checked by the kind's own rules and written with upsert
 * semantics in batches of `batchSize`, each awaited before the next line is
 * read. Memory holds one batch and one line, whatever the file's size.
 * Refused lines are reported by number and reason as they are met, never with
 * their content (it is personal data).
 */
import { boundedLines } from './boundedLines.js';
import { guessSeparator, splitCsvLine } from './csvLine.js';

export interface CsvImportOptions {
  /** Check every line, write nothing. */
  readonly dryRun?: boolean;
  readonly batchSize?: number;
  readonly maxLineBytes?: number;
  /** Called for each refused line, in file order. */
  readonly onRefused: (lineNo: number, reason: string) => void;
}

export interface CsvImportReport {
  /** Lines read, the header and blank lines included. */
  readonly lines: number;
  /** Rows accepted (written unless dry run). */
  readonly accepted: number;
  readonly refused: number;
  /** Rows new to the registry (0 in a dry run). */
  readonly added: number;
  /** Header columns that are not fields of this kind of row. */
  readonly ignoredColumns: readonly string[];
  /** Batches (transactions) written. */
  readonly batches: number;
}

/** What one kind of row brings: its columns, its checks, its store, its errors. */
export interface CsvRowKind<Columns extends { readonly ignored: readonly string[] }, Row> {
  readonly defaultBatchSize: number;
  readonly defaultMaxLineBytes: number;
  /** The header's columns, or why the header cannot be used. */
  columns(header: readonly string[]): Columns | { readonly error: string };
  /** One line's row, or why it is refused. */
  row(fields: readonly string[], columns: Columns): { readonly value: Row } | { readonly reason: string };
  write(batch: readonly Row[]): Promise<unknown>;
  /** Rows in the store (for `added`). */
  count(): Promise<number>;
  /** The file cannot be imported at all: nothing was written. */
  fileError(message: string): Error;
  /** A batch failed; `written` rows before it are in the store. */
  writeError(lineNo: number, written: number, cause: unknown): Error;
}

const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

export async function importCsvRows<Columns extends { readonly ignored: readonly string[] }, Row>(
  input: AsyncIterable<Buffer | string>,
  kind: CsvRowKind<Columns, Row>,
  options: CsvImportOptions,
): Promise<CsvImportReport> {
  const batchSize = options.batchSize ?? kind.defaultBatchSize;
  const maxLineBytes = options.maxLineBytes ?? kind.defaultMaxLineBytes;
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const before = options.dryRun ? 0 : await kind.count();
  let columns: Columns | undefined;
  let separator = ',';
  let lines = 0;
  let accepted = 0;
  let refused = 0;
  let batches = 0;
  let written = 0;
  let batch: Row[] = [];
  const refuse = (lineNo: number, reason: string) => {
    refused++;
    options.onRefused(lineNo, reason);
  };
  // Awaited before the next line is read: one batch in flight, so memory stays bounded.
  const flush = async () => {
    if (batch.length === 0) return;
    if (!options.dryRun) {
      try {
        await kind.write(batch);
      } catch (err) {
        throw kind.writeError(lines, written, err);
      }
      written += batch.length;
      batches++;
    }
    batch = [];
  };

  for await (const line of boundedLines(input, maxLineBytes)) {
    lines = line.lineNo;
    if (line.tooLong) {
      if (!columns) throw kind.fileError(`riga ${line.lineNo}: intestazione più lunga di ${maxLineBytes} byte`);
      refuse(line.lineNo, `riga più lunga di ${maxLineBytes} byte`);
      continue;
    }
    const bytes = line.lineNo === 1 && line.bytes.subarray(0, 3).equals(BOM) ? line.bytes.subarray(3) : line.bytes;
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      if (!columns) throw kind.fileError(`riga ${line.lineNo}: l'intestazione non è testo UTF-8 (esportare il file in UTF-8)`);
      refuse(line.lineNo, 'non è testo UTF-8 (esportare il file in UTF-8)');
      continue;
    }
    if (text.trim() === '') continue;
    if (!columns) {
      separator = guessSeparator(text);
      const header = splitCsvLine(text, separator);
      if ('error' in header) throw kind.fileError(`riga ${line.lineNo} (intestazione): ${header.error}`);
      const map = kind.columns(header.fields);
      if ('error' in map) throw kind.fileError(`riga ${line.lineNo} (intestazione): ${map.error}`);
      columns = map as Columns;
      continue;
    }
    const split = splitCsvLine(text, separator);
    if ('error' in split) {
      refuse(line.lineNo, split.error);
      continue;
    }
    const row = kind.row(split.fields, columns);
    if ('reason' in row) {
      refuse(line.lineNo, row.reason);
      continue;
    }
    accepted++;
    batch.push(row.value);
    if (batch.length >= batchSize) await flush();
  }
  if (!columns) throw kind.fileError("il file è vuoto: manca l'intestazione");
  await flush();
  return {
    lines,
    accepted,
    refused,
    added: options.dryRun ? 0 : (await kind.count()) - before,
    ignoredColumns: columns.ignored,
    batches,
  };
}
