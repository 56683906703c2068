/**
 * `sac-gateway employment ...`: who employs whom (rapporti di lavoro) in the
 * store of SAC_DATA_DIR, modelled on `sac-gateway registry import`. The
 * report is in Italian, for the office that prepares the file.
 *
 * Exit status of `employment import`: 0 every line imported; 3 some lines
 * refused (listed on stdout; the others are written); 1 nothing imported (no
 * header, wrong columns, unreadable file) or a write failed part way (the
 * batches before it are written); 2 usage.
 */
import { ConfigError, loadConfig } from '../config.js';
import { checkCodiceFiscale } from '../domain/codiceFiscale.js';
import { checkCodiceFiscaleAzienda } from '../domain/codiceFiscaleAzienda.js';
import { EMPLOYMENT_COLUMNS } from '../employment/employmentRow.js';
import { DEFAULT_EMPLOYMENT_BATCH, importEmployments, MAX_EMPLOYMENT_LINE_BYTES } from '../employment/importEmployments.js';
import { isoDay } from '../registry/personRow.js';
import type { Employment } from '../store/port.js';
import { openStore, storeExists, storeLocation } from '../store/open.js';
import { parseCommand, stringValue, usageError, type CommandSpec } from './command.js';
import { runCsvImport } from './csvImportCommand.js';

const IMPORT: CommandSpec = {
  name: 'employment import',
  positionals: ['FILE'],
  options: { 'dry-run': { type: 'boolean' } },
  usage: `usage: sac-gateway employment import FILE.csv [--dry-run]

Add or replace employments (who employs whom) from a CSV file (UTF-8; FILE
"-" reads stdin). The first line names the columns, in any order (separator
; , or tab):
  ${EMPLOYMENT_COLUMNS.join(';')}
(other columns are ignored). An employment is a worker, a company and a first
day: a line with the same three replaces the stored one (to set its end,
import it again with dataFine). Each line is checked: the worker's codice
fiscale (check character, birth date; 11 digits if provisional), the
company's codice fiscale (11 digits, check digit), ragioneSociale (2 to 150
characters of ISO-8859-1: accented Italian letters are fine), matricolaInps
(10 digits), codSede (4 digits), dataInizio and dataFine as AAAA-MM-GG or
GG/MM/AAAA (dataFine empty while the employment lasts, else not before
dataInizio). Lines longer than ${MAX_EMPLOYMENT_LINE_BYTES} bytes are refused. Employments are
written ${DEFAULT_EMPLOYMENT_BATCH} at a time; memory does not grow with the file.

  --dry-run   check every line, write nothing

Refused lines are printed as "riga N: motivo" (never their content); then a
summary. Exit status: 0 all imported; 3 some lines refused (the others are
written); 1 nothing imported (bad header, unreadable file) or a write
failed part way (what was written stays: running the import again is safe);
2 wrong arguments.
`,
};

const LIST: CommandSpec = {
  name: 'employment list',
  options: { worker: { type: 'string' }, employer: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
  usage: `usage: sac-gateway employment list --worker CF | --employer CF [--from DAY] [--to DAY] [--json]

Print the employments of one worker (--worker, their codice fiscale) or of one
company (--employer, its 11-digit codice fiscale) that share at least one day
with --from .. --to (AAAA-MM-GG, both included; default: every day). An
employment without an end shows "-" as dataFine.
`,
};

export const EMPLOYMENT_USAGE = `usage: sac-gateway employment <command> ...
  import FILE.csv [--dry-run]
                  add or replace employments (who employs whom) from a CSV
                  file, with a report of the refused lines
  list --worker CF | --employer CF [--from DAY] [--to DAY] [--json]
                  print a worker's or a company's employments
Each command has --help.
`;

const importCommand = (args: readonly string[]): Promise<void> =>
  runCsvImport(
    {
      spec: IMPORT,
      run: (input, store, options) => importEmployments(input, store, options),
      accepted: (report, dryRun) =>
        dryRun
          ? `${report.accepted} rapporti di lavoro validi (prova: nulla è stato scritto)`
          : `${report.accepted} rapporti di lavoro scritti (${report.added} nuovi, ${report.accepted - report.added} già presenti o ripetuti nel file, sostituiti)`,
      total: async (store) => `il registro contiene ${await store.countEmployments()} rapporti di lavoro`,
    },
    args,
  );

const FIRST = '0000-01-01';
const LAST = '9999-12-31';
const LIST_COLUMNS = ['LAVORATORE', 'AZIENDA', 'MATRICOLA', 'SEDE', 'DATA_INIZIO', 'DATA_FINE', 'RAGIONE_SOCIALE'] as const;

function dayOption(parsed: ReturnType<typeof parseCommand> & object, name: 'from' | 'to', fallback: string): string {
  const value = stringValue(parsed, name);
  if (value === undefined) return fallback;
  const day = isoDay(value);
  if (!day) throw usageError(LIST, `--${name} must be a day (AAAA-MM-GG)`);
  return day;
}

async function listCommand(args: readonly string[]): Promise<void> {
  const parsed = parseCommand(LIST, args);
  if (!parsed) return;
  const worker = stringValue(parsed, 'worker')?.toUpperCase();
  const employer = stringValue(parsed, 'employer');
  if ((worker === undefined) === (employer === undefined)) throw usageError(LIST, 'needs exactly one of --worker CF, --employer CF');
  if (worker !== undefined && !checkCodiceFiscale(worker).ok) throw usageError(LIST, '--worker is not a valid codice fiscale');
  if (employer !== undefined && !checkCodiceFiscaleAzienda(employer).ok) throw usageError(LIST, "--employer is not a valid company codice fiscale (11 digits, check digit)");
  const from = dayOption(parsed, 'from', FIRST);
  const to = dayOption(parsed, 'to', LAST);
  if (to < from) throw usageError(LIST, '--to is before --from');
  const config = loadConfig();
  // Reading must not create an empty store where there was none.
  if (!storeExists(config)) throw new ConfigError(`no store in ${storeLocation(config)} (SAC_DATA_DIR)`);
  const store = openStore(config);
  try {
    const found: Employment[] = worker !== undefined ? await store.employersOf(worker, from, to) : await store.workersOf(employer!, from, to);
    if (parsed.values.json === true) {
      process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
      return;
    }
    const rows = [
      [...LIST_COLUMNS] as string[],
      ...found.map((e) => [e.workerCf, e.employerCf, e.matricolaInps, e.codSede, e.from, e.to ?? '-', e.ragioneSociale]),
    ];
    const widths = LIST_COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    const text = rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
    process.stdout.write(`${text}\n${found.length} rapport${found.length === 1 ? 'o' : 'i'} di lavoro\n`);
  } finally {
    await store.close();
  }
}

export async function employmentCommand(args: readonly string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') {
    process.stdout.write(EMPLOYMENT_USAGE);
    return;
  }
  if (action === 'import') return importCommand(rest);
  if (action === 'list') return listCommand(rest);
  throw usageError({ name: 'employment', usage: EMPLOYMENT_USAGE }, `unknown command '${action.slice(0, 32)}'`);
}
