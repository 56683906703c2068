/**
 * `sac-gateway registry ...`: the registry of assisted persons (anagrafica
 * degli assistiti) in the store of SAC_DATA_DIR. The report is in Italian,
 * for the regional office that prepares the file.
 *
 * Exit status of `registry import`: 0 every line imported; 3 the file was
 * imported but some lines were refused (listed on stdout; the others are
 * written); 1 nothing imported (no header, wrong columns, unreadable file) or
 * a write failed part way (the batches before it are written); 2 usage.
 */
import { createReadStream } from 'node:fs';
import { access, constants } from 'node:fs/promises';
import { loadConfig } from '../config.js';
import { romeDate } from '../domain/dates.js';
import { importPersons, MAX_LINE_BYTES, DEFAULT_IMPORT_BATCH } from '../registry/importPersons.js';
import { PERSON_COLUMNS } from '../registry/personRow.js';
import { SqliteStore } from '../store/sqlite/sqliteStore.js';
import { parseCommand, usageError, type CommandSpec } from './command.js';

/** Exit status of an import that refused some lines (and wrote the others). */
export const EXIT_LINES_REFUSED = 3;

const IMPORT: CommandSpec = {
  name: 'registry import',
  positionals: ['FILE'],
  options: { 'dry-run': { type: 'boolean' } },
  usage: `usage: sac-gateway registry import FILE.csv [--dry-run]

Add or replace assisted persons from a CSV file (UTF-8; FILE "-" reads stdin).
The first line names the columns, in any order (separator ; , or tab):
  ${PERSON_COLUMNS.join(';')}
(other columns are ignored). A person already in the registry (same codice
fiscale) is replaced; if a file names one twice, the last line wins. Dates
as AAAA-MM-GG or GG/MM/AAAA. Each line is checked: the codice fiscale (check
character; for a personal code also sex, birth date and birth place),
names as the contract's answers carry them (letters, spaces, apostrophes;
an accented letter is written with an apostrophe: Nicolò -> Nicolo'; at most
24 characters for cognome, 20 for nome), comune at most 25 characters,
provincia two letters (EE abroad). Lines longer than ${MAX_LINE_BYTES} bytes are refused.
Persons are written ${DEFAULT_IMPORT_BATCH} at a time; memory does not grow with the file.

  --dry-run   check every line, write nothing

Refused lines are printed as "riga N: motivo" (never their content); then a
summary. Exit status: 0 all imported; 3 some lines refused (the others are
written); 1 nothing imported (bad header, unreadable file) or a write
failed part way (what was written stays: running the import again is safe);
2 wrong arguments.
`,
};

export const REGISTRY_USAGE = `usage: sac-gateway registry <command> ...
  import FILE.csv [--dry-run]
                  add or replace assisted persons from a CSV file, with a
                  report of the refused lines
Each command has --help.
`;

async function importCommand(args: readonly string[]): Promise<void> {
  const parsed = parseCommand(IMPORT, args);
  if (!parsed) return;
  const file = parsed.positionals[0]!;
  const dryRun = parsed.values['dry-run'] === true;
  if (file !== '-') {
    try {
      await access(file, constants.R_OK);
    } catch (err) {
      throw usageError(IMPORT, `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const input = file === '-' ? process.stdin : createReadStream(file);
  const store = SqliteStore.open(loadConfig().dataDir);
  try {
    const out: string[] = [];
    const report = await importPersons(input as AsyncIterable<Buffer>, store, {
      today: romeDate(new Date()),
      dryRun,
      onRefused: (lineNo, reason) => {
        out.push(`riga ${lineNo}: ${reason}`);
        if (out.length >= 1000) process.stdout.write(`${out.splice(0).join('\n')}\n`);
      },
    });
    if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
    const ignored = report.ignoredColumns.length > 0 ? `; colonne ignorate: ${report.ignoredColumns.join(', ')}` : '';
    const written = dryRun
      ? `${report.accepted} persone valide (prova: nulla è stato scritto)`
      : `${report.accepted} persone scritte (${report.added} nuove, ${report.accepted - report.added} già presenti o ripetute nel file, sostituite)`;
    process.stdout.write(`${file}: ${report.lines} righe lette; ${written}; ${report.refused} righe rifiutate${ignored}\n`);
    if (!dryRun) process.stdout.write(`il registro contiene ${store.countPersons()} persone\n`);
    if (report.refused > 0) process.exitCode = EXIT_LINES_REFUSED;
  } finally {
    await store.close();
  }
}

export async function registryCommand(args: readonly string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') {
    process.stdout.write(REGISTRY_USAGE);
    return;
  }
  if (action !== 'import') throw usageError({ name: 'registry', usage: REGISTRY_USAGE }, `unknown command '${action.slice(0, 32)}'`);
  return importCommand(rest);
}
