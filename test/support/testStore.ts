/**
 * The store switch of the test suite: which engine a gateway, a CLI child or
 * a store opened by a test uses. `npm test` (scripts/test.ts) runs every file
 * twice: once with SAC_TEST_STORE unset (the embedded SQLite file in the data
 * directory, the product's default) and once with SAC_TEST_STORE=postgres
 * and SAC_TEST_PG_ADMIN_URL naming the run's throw-away cluster.
 *
 * Under the switch each data directory gets its own FRESH database (CREATE
 * DATABASE ... TEMPLATE template0), created on first use and remembered in a
 * file inside that directory: a gateway restarted on the same directory, a
 * CLI child or a store a test opens there all see the same data, as they see
 * the same SQLite file in the other half. Removing the directory forgets the
 * database; the run drops them all with the cluster.
 *
 * Creation is synchronous (psql, the cluster's own client) because tests
 * open stores synchronously, as the product does.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { openStore, type StoreSettings, type WriterPlacement } from '../../src/store/open.js';
import type { Store } from '../../src/store/ports/store.js';
import { postgresBinDir } from './postgres.js';

export type TestStoreKind = 'sqlite' | 'postgres';

/** The engine of this half of the run (SAC_TEST_STORE; unset or "sqlite": SQLite). */
export function testStoreKind(): TestStoreKind {
  const raw = process.env.SAC_TEST_STORE ?? '';
  if (raw === '' || raw === 'sqlite') return 'sqlite';
  if (raw === 'postgres') return 'postgres';
  throw new Error(`SAC_TEST_STORE must be "sqlite" or "postgres" (or unset), not ${JSON.stringify(raw)}`);
}

/** The file in a data directory that names its database under the switch (never read by the product). */
export const TEST_DATABASE_FILE = '.sac-test-database-url';

let created = 0;

function adminUrl(): string {
  const url = process.env.SAC_TEST_PG_ADMIN_URL;
  if (url === undefined || url === '') {
    throw new Error('SAC_TEST_STORE=postgres needs SAC_TEST_PG_ADMIN_URL (the throw-away cluster): run the file through `node dist/scripts/test.js --store postgres dist/test/NAME.test.js`');
  }
  return url;
}

function psql(): string {
  const bin = process.env.SAC_TEST_PG_BIN || postgresBinDir();
  if (bin === undefined) throw new Error('SAC_TEST_STORE=postgres: no PostgreSQL binaries (psql) found');
  return path.join(bin, 'psql');
}

/**
 * Under the switch: the connection string of this data directory's database,
 * created now if the directory has none yet. Under SQLite: undefined.
 */
export function testDatabaseUrl(dataDir: string): string | undefined {
  if (testStoreKind() !== 'postgres') return undefined;
  const file = path.join(dataDir, TEST_DATABASE_FILE);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const admin = adminUrl();
  const name = `sac_t_${process.pid}_${++created}_${randomBytes(3).toString('hex')}`;
  execFileSync(psql(), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', admin, '-c', `CREATE DATABASE ${name} TEMPLATE template0`], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  const url = new URL(admin);
  url.pathname = `/${name}`;
  writeFileSync(file, `${url.toString()}\n`, { mode: 0o600 });
  return url.toString();
}

/**
 * `env` with the switch applied: when it names a data directory
 * (SAC_DATA_DIR) and no database of its own (SAC_DATABASE_URL), the data
 * directory's test database is added. Unchanged under SQLite.
 */
export function withTestStore<T extends Record<string, string | undefined>>(env: T): T {
  const dataDir = env.SAC_DATA_DIR;
  if (testStoreKind() !== 'postgres' || dataDir === undefined || env.SAC_DATABASE_URL !== undefined) return env;
  return { ...env, SAC_DATABASE_URL: testDatabaseUrl(dataDir) };
}

/** What openStore needs for a data directory, on this half's engine. */
export function testStoreSettings(dataDir: string): StoreSettings {
  const url = testDatabaseUrl(dataDir);
  return url === undefined ? { dataDir } : { dataDir, database: { url } };
}

/** The store of a data directory as the gateway would open it, on this half's engine. */
export function openTestStore(dataDir: string, writer: WriterPlacement = 'direct'): Store {
  return openStore(testStoreSettings(dataDir), writer);
}
