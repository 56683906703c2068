#!/usr/bin/env node
/**
 * sac-gateway: one binary.
 *   serve                 run the gateway (HOST, PORT, SAC_DATA_DIR, ... see README)
 *   seed --persons N      add N synthetic assisted persons to the registry
 *   encrypt TEXT          encrypt a pincode or codice fiscale with the gateway's key
 *   docs                  regenerate docs/diagnostics.md from the catalog
 *   journal               read the access journal (one certificate, admission, person or user)
 *   users passwd|disable|enable USERNAME
 *                         change a password (read from stdin), disable or enable an account
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { encryptField } from './auth/pincodeCipher.js';
import { loadOrCreatePincodeKey } from './auth/pincodeKey.js';
import { serve } from './cluster.js';
import { ConfigError, loadConfig } from './config.js';
import { DIAGNOSTICS_DOC_PATH, renderDiagnosticsDoc } from './docs/diagnosticsDoc.js';
import { seedDemoIfEmpty, seedSyntheticPersons } from './seed.js';
import type { JournalEntry, JournalQuery } from './store/port.js';
import { changePassword, setDisabled, UserAdminError } from './auth/userAdmin.js';
import { STORE_FILE, SqliteStore, USERS_EPOCH_MAX_AGE_MS } from './store/sqlite/sqliteStore.js';
import { setTimeout as sleep } from 'node:timers/promises';

const USAGE = `usage: sac-gateway <command>
  serve                    run the gateway
  seed --persons N [--seed S]
                           add N synthetic assisted persons (valid codici fiscali) to the registry
  encrypt TEXT             print TEXT encrypted with the gateway's pincode key (Base64)
  docs [--check]           write docs/diagnostics.md from the diagnostics catalog
                           (--check: exit 1 if the file is out of date)
  journal --certificate PUC | --admission PUCIR | --person CF | --user USERNAME
                           print the access journal for one subject or user, oldest first,
                           as tab-separated values with a header line
  users passwd USERNAME    set USERNAME's password to the first line of stdin
  users disable USERNAME   refuse every login of USERNAME (the password is kept)
  users enable USERNAME    allow USERNAME's logins again
                           (the store of SAC_DATA_DIR; a running gateway on it
                           applies the change on its next request)
`;

function option(args: string[], name: string): string | undefined {
  const at = args.indexOf(name);
  return at === -1 ? undefined : args[at + 1];
}

async function seed(args: string[]): Promise<void> {
  const raw = option(args, '--persons');
  if (!raw || !/^\d+$/.test(raw)) throw new ConfigError('seed needs --persons N');
  const config = loadConfig();
  const store = SqliteStore.open(config.dataDir);
  try {
    if (config.demoData) seedDemoIfEmpty(store, store);
    const written = seedSyntheticPersons(store, Number(raw), Number(option(args, '--seed') ?? 1));
    process.stdout.write(`${written} synthetic persons written; registry now holds ${store.countPersons()}\n`);
  } finally {
    await store.close();
  }
}

function encrypt(args: string[]): void {
  const text = args[0];
  if (text === undefined) throw new ConfigError('encrypt needs the text to encrypt');
  const config = loadConfig();
  const key = loadOrCreatePincodeKey(config.dataDir, config.rsaBits);
  process.stdout.write(`${encryptField(key.certificatePem, text)}\n`);
}

function docs(args: string[]): void {
  const rendered = renderDiagnosticsDoc();
  if (args.includes('--check')) {
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

function journalQuery(args: string[]): JournalQuery {
  const { values } = parseArgs({
    args,
    options: { certificate: { type: 'string' }, admission: { type: 'string' }, person: { type: 'string' }, user: { type: 'string' } },
    strict: true,
  });
  const given = Object.entries(values).filter(([, v]) => v !== undefined);
  if (given.length !== 1 || !given[0]![1]) {
    throw new ConfigError('journal needs exactly one of --certificate PUC, --admission PUCIR, --person CF, --user USERNAME');
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
  let query: JournalQuery;
  try {
    query = journalQuery(args);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError((err as Error).message);
  }
  const config = loadConfig();
  // Reading must not create an empty store where there was none.
  if (!existsSync(path.join(config.dataDir, STORE_FILE))) throw new ConfigError(`no store in ${config.dataDir} (SAC_DATA_DIR)`);
  const store = SqliteStore.open(config.dataDir);
  try {
    const lines = [JOURNAL_COLUMNS.join('\t')];
    const row = (e: JournalEntry) =>
      [e.at, e.username, e.clientAddress, e.operation, e.action, e.subjectKind, e.subjectId, e.detail].map(tsvCell).join('\t');
    for (const entry of store.readJournal(query)) {
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

// --- users (src/auth/userAdmin.ts) ------------------------------------------
async function readStdinLine(limit: number): Promise<string> {
  let data = Buffer.alloc(0);
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    data = Buffer.concat([data, chunk]);
    if (data.length > limit) throw new UserAdminError(`the password on stdin is longer than ${limit} bytes`);
  }
  return data.toString('utf8').replace(/\r?\n$/, '');
}

async function users(args: string[]): Promise<void> {
  const [action, username] = args;
  if (!username || !['passwd', 'disable', 'enable'].includes(action ?? '')) {
    throw new ConfigError('users needs passwd|disable|enable USERNAME');
  }
  const password = action === 'passwd' ? await readStdinLine(1024) : undefined;
  const store = SqliteStore.open(loadConfig().dataDir);
  try {
    const change =
      password !== undefined ? changePassword(store, username, password) : setDisabled(store, username, action === 'disable');
    const what = action === 'passwd' ? 'password changed' : action === 'disable' ? 'disabled' : 'enabled';
    const note = action === 'passwd' && change.disabled ? ' (the account stays disabled)' : '';
    // Every gateway on this store re-reads the users epoch within USERS_EPOCH_MAX_AGE_MS:
    // once this command returns, none of them accepts the old password.
    await sleep(2 * USERS_EPOCH_MAX_AGE_MS);
    process.stdout.write(`${change.username}: ${what}${note}\n`);
  } finally {
    await store.close();
  }
}
// -----------------------------------------------------------------------------

async function main(argv: string[]): Promise<void> {
  const [command, ...args] = argv;
  switch (command) {
    case 'serve':
      return serve(loadConfig());
    case 'seed':
      return seed(args);
    case 'encrypt':
      return encrypt(args);
    case 'docs':
      return docs(args);
    case 'journal':
      return journal(args);
    case 'users':
      return users(args);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(USAGE);
      return;
    default:
      process.stderr.write(`unknown command: ${command}\n${USAGE}`);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UserAdminError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`configuration error: ${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
