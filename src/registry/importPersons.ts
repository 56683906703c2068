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
import type { PersonRegistry } from '../store/port.js';
import { importCsvRows, type CsvImportOptions, type CsvImportReport } from './csvImport.js';
import { columnMap, personFromFields } from './personRow.js';

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

export interface ImportOptions extends CsvImportOptions {
  /** YYYY-MM-DD: no one is born after it. */
  readonly today: string;
}

export type ImportReport = CsvImportReport;

export function importPersons(input: AsyncIterable<Buffer | string>, registry: PersonRegistry, options: ImportOptions): Promise<ImportReport> {
  return importCsvRows(
    input,
    {
      defaultBatchSize: DEFAULT_IMPORT_BATCH,
      defaultMaxLineBytes: MAX_LINE_BYTES,
      columns: columnMap,
      row: (fields, columns) => {
        const row = personFromFields(fields, columns, options.today);
        return 'reason' in row ? row : { value: row.person };
      },
      write: (batch) => registry.putPersons(batch),
      count: () => registry.countPersons(),
      fileError: (message) => new RegistryFileError(message),
      writeError: (lineNo, written, cause) =>
        new RegistryWriteError(
          `scrittura interrotta alla riga ${lineNo}: ${(cause as Error).message}; persone già scritte: ${written} (l'import si può ripetere)`,
          { cause },
        ),
    },
    options,
  );
}
