/**
 * The `import FILE|-  [--dry-run]` subcommand both registries share
 * (`registry import`, `employment import`): the file checked readable, the
 * store of SAC_DATA_DIR opened, refused lines printed as "riga N: motivo" in
 * chunks as they come, then the Italian summary and exit status 3 when some
 * lines were refused. Each registry brings its import and its words.
 */
import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { loadConfig } from '../config.js';
import type { CsvImportOptions, CsvImportReport } from '../registry/csvImport.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/port.js';
import { parseCommand, usageError, type CommandSpec } from './command.js';

/** Exit status of an import that refused some lines (and wrote the others). */
export const EXIT_LINES_REFUSED = 3;

export interface CsvImportCommand {
  /** The subcommand's name, options (`--dry-run`) and usage. */
  readonly spec: CommandSpec;
  run(input: AsyncIterable<Buffer>, store: Store, options: CsvImportOptions): Promise<CsvImportReport>;
  /** What was accepted, in words: `dryRun` nothing was written. */
  accepted(report: CsvImportReport, dryRun: boolean): string;
  /** What the registry holds after a real import. */
  total(store: Store): Promise<string>;
}

export async function runCsvImport(command: CsvImportCommand, args: readonly string[]): Promise<void> {
  const parsed = parseCommand(command.spec, args);
  if (!parsed) return;
  const file = parsed.positionals[0]!;
  const dryRun = parsed.values['dry-run'] === true;
  if (file !== '-') {
    try {
      await access(file, constants.R_OK);
    } catch (err) {
      throw usageError(command.spec, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const input = file === '-' ? process.stdin : createReadStream(file);
  const store = openStore(loadConfig());
  try {
    const out: string[] = [];
    const report = await command.run(input as AsyncIterable<Buffer>, store, {
      dryRun,
      onRefused: (lineNo, reason) => {
        out.push(`riga ${lineNo}: ${reason}`);
        if (out.length >= 1000) process.stdout.write(`${out.splice(0).join('\n')}\n`);
      },
    });
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
    const ignored = report.ignoredColumns.length > 0 ? `; colonne ignorate: ${report.ignoredColumns.join(', ')}` : '';
    process.stdout.write(`${file}: ${report.lines} righe lette; ${command.accepted(report, dryRun)}; ${report.refused} righe rifiutate${ignored}\n`);
    if (!dryRun) process.stdout.write(`${await command.total(store)}\n`);
    if (report.refused > 0) process.exitCode = EXIT_LINES_REFUSED;
  } finally {
    await store.close();
  }
}
