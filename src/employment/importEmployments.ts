/**
 * `sac-gateway employment import`: a CSV file of employments streamed into
 * the employment registry by the import loop the persons registry uses too
 * (src/registry/csvImport.ts). Each line is one employment, checked
 * (employmentRow.ts) and written with upsert semantics (same worker, employer
 * and first day: replaced), each batch one transaction of the single writer.
 */
import { GatewayError } from '../errors.js';
import { importCsvRows, type CsvImportOptions, type CsvImportReport } from '../registry/csvImport.js';
import type { EmploymentRegistry } from '../store/port.js';
import { employmentColumns, employmentFromFields } from './employmentRow.js';

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

export type EmploymentImportOptions = CsvImportOptions;
export type EmploymentImportReport = CsvImportReport;

export function importEmployments(
  input: AsyncIterable<Buffer | string>,
  registry: EmploymentRegistry,
  options: EmploymentImportOptions,
): Promise<EmploymentImportReport> {
  return importCsvRows(
    input,
    {
      defaultBatchSize: DEFAULT_EMPLOYMENT_BATCH,
      defaultMaxLineBytes: MAX_EMPLOYMENT_LINE_BYTES,
      columns: employmentColumns,
      row: (fields, columns) => {
        const row = employmentFromFields(fields, columns);
        return 'reason' in row ? row : { value: row.employment };
      },
      write: (batch) => registry.putEmployments(batch),
      count: () => registry.countEmployments(),
      fileError: (message) => new EmploymentFileError(message),
      writeError: (lineNo, written, cause) =>
        new EmploymentWriteError(
          `scrittura interrotta alla riga ${lineNo}: ${(cause as Error).message}; rapporti già scritti: ${written} (l'import si può ripetere)`,
          { cause },
        ),
    },
    options,
  );
}
