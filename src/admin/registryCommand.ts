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
import { romeDate } from '../domain/dates.js';
import { importPersons, MAX_LINE_BYTES, DEFAULT_IMPORT_BATCH } from '../registry/importPersons.js';
import { PERSON_COLUMNS } from '../registry/personRow.js';
import { usageError, type CommandSpec } from './command.js';
import { runCsvImport } from './csvImportCommand.js';


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

const importCommand = (args: readonly string[]): Promise<void> =>
  runCsvImport(
    {
      spec: IMPORT,
      run: (input, store, options) => importPersons(input, store, { ...options, today: romeDate(new Date()) }),
      accepted: (report, dryRun) =>
        dryRun
          ? `${report.accepted} persone valide (prova: nulla è stato scritto)`
          : `${report.accepted} persone scritte (${report.added} nuove, ${report.accepted - report.added} già presenti o ripetute nel file, sostituite)`,
      total: async (store) => `il registro contiene ${await store.countPersons()} persone`,
    },
    args,
  );

export async function registryCommand(args: readonly string[]): Promise<void> {
  const [action, ...rest] = args;
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') {
    process.stdout.write(REGISTRY_USAGE);
    return;
  }
  if (action !== 'import') throw usageError({ name: 'registry', usage: REGISTRY_USAGE }, `unknown command '${action.slice(0, 32)}'`);
  return importCommand(rest);
}
