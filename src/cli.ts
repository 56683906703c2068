#!/usr/bin/env node
/**
 * sac-gateway: one binary. Every command reads its arguments with node:util
 * parseArgs (src/admin/command.ts) and answers --help.
 *   serve       run the gateway (HOST, PORT, SAC_DATA_DIR, ... see README)
 *   users       add, list and change users (src/admin/usersCommand.ts)
 *   registry    import assisted persons (src/admin/registryCommand.ts)
 *   employment  import and list who employs whom (src/admin/employmentCommand.ts)
 *   seed        add synthetic assisted persons to the registry
 *   encrypt     encrypt a pincode or codice fiscale with the gateway's key
 *   docs        regenerate docs/diagnostics.md from the catalog
 *   journal     read the access journal (one certificate, admission, person or user)
 *   soapui      print the SoapUI project, or replay one against a gateway
 *   pincode-key show or rotate the pincode key shared by every node
 * Exit status: 0 done; 1 failed; 2 wrong arguments or configuration;
 * 3 `registry import` or `employment import` refused some lines; 4 `serve` could not open its port
 * (busy or not permitted: one line naming PORT or SAC_METRICS).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encryptField } from './auth/pincodeCipher.js';
import { loadOrCreatePincodeKey } from './auth/pincodeKey.js';
import { UserAdminError } from './auth/userAdmin.js';
import { parseCommand, stringValue, usageError, UsageError, type CommandSpec } from './admin/command.js';
import { employmentCommand } from './admin/employmentCommand.js';
import { registryCommand } from './admin/registryCommand.js';
import { batchCommand } from './admin/batchCommand.js';
import { soapuiCommand } from './admin/soapuiCommand.js';
import { pincodeKeyCommand } from './admin/pincodeKeyCommand.js';
import { PincodeKeyRotationError } from './auth/pincodeKeyRotation.js';
import { readSecrets } from './admin/secretInput.js';
import { usersCommand } from './admin/usersCommand.js';
import { ConfigError, loadConfig } from './config.js';
import { LISTEN_FAILED_EXIT, ListenError } from './http/listenError.js';
import { DIAGNOSTICS_DOC_PATH, renderDiagnosticsDoc } from './docs/diagnosticsDoc.js';
import { EmploymentFileError, EmploymentWriteError } from './employment/importEmployments.js';
import { RegistryFileError, RegistryWriteError } from './registry/importPersons.js';
import { seedDemoEmployments, seedDemoIfEmpty, seedSyntheticPersons } from './seed.js';
import type { JournalEntry, JournalQuery } from './store/port.js';
import { openStore, storeExists, storeLocation } from './store/open.js';

const USAGE = `usage: sac-gateway <command> [options]
  serve                    run the gateway (configured by environment variables: see README)
  users add|list|passwd|pincode|set|disable|enable ...
                           manage users: doctors, region systems, hospital operators,
                           employers and workers
  registry import FILE.csv add or replace assisted persons from a CSV file
  employment import FILE.csv | list --worker CF | --employer CF
                           add or replace who employs whom from a CSV file; list them
  seed --persons N [--seed S]
                           add N synthetic assisted persons (valid codici fiscali) to the registry
  encrypt [TEXT]           print TEXT (or a line typed or read from stdin) encrypted with the
                           gateway's pincode key (Base64)
  docs [--check]           write docs/diagnostics.md from the diagnostics catalog
  journal --certificate PUC | --admission PUCIR | --person CF | --user USERNAME
                           print the access journal for one subject or user
  batch FOLDER|FILE.zip|- --url URL
                           send every request file of a folder, a zip archive or stdin to a
                           gateway, with a report (resumable; credentials from
                           SAC_USERNAME/SAC_PASSWORD)
  soapui [--write|--check] print the SoapUI 5 project generated from the contract
  soapui replay FILE --url URL
                           run a SoapUI project against a gateway without SoapUI
  pincode-key status | rotate --prepare|--commit|--retire
                           show or rotate the pincode key (SAC_PINCODE_KEY_DIR), shared by every node
  --version                print the version
Every command answers --help. Data: the store of SAC_DATA_DIR (default ./data).
`;

/** package.json, two levels above dist/src/cli.js (and above src/cli.ts). */
const PACKAGE_JSON = new URL('../../package.json', import.meta.url);

function version(): string {
  const pkg = JSON.parse(readFileSync(PACKAGE_JSON, 'utf8')) as { name: string; version: string };
  return `${pkg.name} ${pkg.version}`;
}

const SERVE: CommandSpec = {
  name: 'serve',
  usage: `usage: sac-gateway serve

Run the gateway. Settings come from environment variables (HOST, PORT,
SAC_DATA_DIR, SAC_WORKERS, LOG_LEVEL, ...: the README's configuration table).
With SAC_DEMO_DATA=1 (the default) an empty store is filled with the demo users
and persons; in production set SAC_DEMO_DATA=0 and add users with
sac-gateway users add.
`,
};

const SEED: CommandSpec = {
  name: 'seed',
  options: { persons: { type: 'string' }, seed: { type: 'string' } },
  usage: `usage: sac-gateway seed --persons N [--seed S]

Add N synthetic assisted persons (valid codici fiscali, deterministic for a
seed S, default 1) to the registry of SAC_DATA_DIR. For tests and benchmarks.
`,
};

const ENCRYPT: CommandSpec = {
  name: 'encrypt',
  positionals: ['TEXT'],
  required: 0,
  usage: `usage: sac-gateway encrypt [TEXT]

Print TEXT encrypted with the gateway's pincode certificate (RSA PKCS#1 v1.5,
Base64), as a client sends a pincode. Without TEXT it is asked without echo
at a terminal, or read from stdin (better for a real pincode: the command
line is visible to other users).
`,
};

const DOCS: CommandSpec = {
  name: 'docs',
  options: { check: { type: 'boolean' } },
  usage: `usage: sac-gateway docs [--check]

Write docs/diagnostics.md from the diagnostics catalog.
  --check   write nothing; exit 1 if the file is out of date
`,
};

const JOURNAL: CommandSpec = {
  name: 'journal',
  options: { certificate: { type: 'string' }, admission: { type: 'string' }, person: { type: 'string' }, user: { type: 'string' } },
  usage: `usage: sac-gateway journal --certificate PUC | --admission PUCIR | --person CF | --user USERNAME

Print the access journal for one certificate, one admission, one person (with
all their certificates and admissions) or one user, oldest first, as
tab-separated values with a header line.
`,
};

async function seed(args: string[]): Promise<void> {
  const parsed = parseCommand(SEED, args);
  if (!parsed) return;
  const count = stringValue(parsed, 'persons');
  const seedValue = stringValue(parsed, 'seed') ?? '1';
  if (count === undefined || !/^\d{1,9}$/.test(count)) throw usageError(SEED, '--persons N is required (a whole number)');
  if (!/^\d{1,9}$/.test(seedValue)) throw usageError(SEED, '--seed must be a whole number');
  const config = loadConfig();
  const store = openStore(config);
  try {
    if (config.demoData && (await seedDemoIfEmpty(store, store))) await seedDemoEmployments(store);
    const written = await seedSyntheticPersons(store, Number(count), Number(seedValue));
    process.stdout.write(`${written} synthetic persons written; registry now holds ${await store.countPersons()}\n`);
  } finally {
    await store.close();
  }
}

async function encrypt(args: string[]): Promise<void> {
  const parsed = parseCommand(ENCRYPT, args);
  if (!parsed) return;
  const text = parsed.positionals[0] ?? (await readSecrets(['text to encrypt']))[0]!;
  const config = loadConfig();
  const key = loadOrCreatePincodeKey(config.dataDir, config.rsaBits, { keyDir: config.pincodeKey.dir });
  process.stdout.write(`${encryptField(key.certificatePem, text)}\n`);
}

function docs(args: string[]): void {
  const parsed = parseCommand(DOCS, args);
  if (!parsed) return;
  const rendered = renderDiagnosticsDoc();
  if (parsed.values.check === true) {
    const current = readFileSync(DIAGNOSTICS_DOC_PATH, 'utf8');
    if (current !== rendered) {
      process.stderr.write(`${DIAGNOSTICS_DOC_PATH} is out of date: run sac-gateway docs\n`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(DIAGNOSTICS_DOC_PATH, rendered);
  process.stdout.write(`wrote ${DIAGNOSTICS_DOC_PATH}\n`);
}

const JOURNAL_COLUMNS = ['at', 'username', 'client_address', 'operation', 'action', 'subject_kind', 'subject_id', 'detail'] as const;

/** A journal value in one TSV cell: backslash, tab, newlines and other control characters escaped (it may come from a hostile login). */
function tsvCell(value: string | null | undefined): string {
  return (value ?? '').replace(/[\\\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) =>
    c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The journal's query, or undefined when --help was given. */
function journalQuery(args: string[]): JournalQuery | undefined {
  const parsed = parseCommand(JOURNAL, args);
  if (!parsed) return undefined;
  const given = Object.entries(parsed.values).filter(([name, v]) => name !== 'help' && v !== undefined);
  if (given.length !== 1 || !given[0]![1]) {
    throw usageError(JOURNAL, 'needs exactly one of --certificate PUC, --admission PUCIR, --person CF, --user USERNAME');
  }
  const [name, value] = given[0] as [string, string];
  switch (name) {
    case 'certificate':
      return { subjectKind: 'certificato', subjectId: value };
    case 'admission':
      return { subjectKind: 'ricovero', subjectId: value };
    case 'person':
      return { person: value.toUpperCase() };
    default:
      return { username: value };
  }
}

async function journal(args: string[]): Promise<void> {
  const query = journalQuery(args);
  if (!query) return;
  const config = loadConfig();
  // Reading must not create an empty store where there was none.
  if (!storeExists(config)) throw new ConfigError(`no store in ${storeLocation(config)} (SAC_DATA_DIR)`);
  const store = openStore(config);
  try {
    const lines = [JOURNAL_COLUMNS.join('\t')];
    const row = (e: JournalEntry) =>
      [e.at, e.username, e.clientAddress, e.operation, e.action, e.subjectKind, e.subjectId, e.detail].map(tsvCell).join('\t');
    for await (const entry of store.readJournal(query)) {
      lines.push(row(entry));
      if (lines.length >= 1000) {
        process.stdout.write(`${lines.join('\n')}\n`);
        lines.length = 0;
      }
    }
    if (lines.length > 0) process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await store.close();
  }
}

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      if (!parseCommand(SERVE, args)) return;
      // Loaded only to serve: the administration commands start without the HTTP stack.
      return (await import('./cluster.js')).serve(loadConfig());
    case 'users':
      return usersCommand(args);
    case 'registry':
      return registryCommand(args);
    case 'employment':
      return employmentCommand(args);
    case 'seed':
      return seed(args);
    case 'encrypt':
      return encrypt(args);
    case 'docs':
      return docs(args);
    case 'journal':
      return journal(args);
    case 'batch':
      return batchCommand(args);
    case 'soapui':
      return soapuiCommand(args);
    case 'pincode-key':
      return pincodeKeyCommand(args);
    case '--version':
    case '-V':
    case 'version':
      process.stdout.write(`${version()}\n`);
      return;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      throw new UsageError(`sac-gateway: unknown command '${command.slice(0, 32)}'\n${USAGE}`);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`configuration error: ${err.message}\n`);
    process.exit(2);
  }
  if (err instanceof ListenError) {
    // One line naming the setting, not a stack trace: the port is taken or not permitted.
    process.stderr.write(`sac-gateway: ${err.message}\n`);
    process.exit(LISTEN_FAILED_EXIT);
  }
  if (
    err instanceof UserAdminError ||
    err instanceof RegistryFileError ||
    err instanceof RegistryWriteError ||
    err instanceof EmploymentFileError ||
    err instanceof EmploymentWriteError ||
    err instanceof PincodeKeyRotationError
  ) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
