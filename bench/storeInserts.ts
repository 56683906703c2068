/**
 * Certificates inserted per second through each store adapter, 1 and 8
 * concurrent clients, in one run: the PostgreSQL adapter on a throw-away
 * local cluster (fsync and synchronous_commit on; test/support/postgres.ts)
 * next to the SQLite store with its writer thread (group commit, fsync on
 * every commit). Each insert carries an idempotency claim, as InviaMalattia's
 * do. Not a test: figures only.
 *
 *   node dist/bench/storeInserts.js [--count N]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CertificateRecord, IdempotencyClaim, JournalStamp } from '../src/store/port.js';
import { PostgresStore } from '../src/store/postgres/postgresStore.js';
import { SqliteStore } from '../src/store/sqlite/sqliteStore.js';
import { postgresBinDir, startPostgresCluster, POSTGRES_MISSING } from '../test/support/postgres.js';
import { certificate } from '../test/support/storeContract.js';

const BY: JournalStamp = { at: '2026-11-25T10:00:00.000+01:00', username: 'MDCTST70A01H501K', clientAddress: '192.0.2.7', operation: 'InviaMalattia' };
const countArg = process.argv.indexOf('--count');
const COUNT = countArg > 0 ? Number(process.argv[countArg + 1]) : 2_000;

interface Inserter {
  insertCertificate(record: CertificateRecord, by: JournalStamp, claim?: IdempotencyClaim): Promise<unknown>;
}

let serial = 0;
/** COUNT inserts by `clients` loops, each awaiting its previous insert: inserts per second. */
async function measure(store: Inserter, clients: number): Promise<number> {
  const prefix = String(++serial).padStart(2, '0');
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < COUNT; i = next++) {
        const id = `9${prefix}${String(i).padStart(15, '0')}`;
        const at = Date.now();
        await store.insertCertificate(certificate(id), BY, { requestKey: `bench-${id}`, messageKey: null, at, notBefore: at - 3_600_000 });
      }
    }),
  );
  return COUNT / ((performance.now() - started) / 1000);
}

const rows: string[] = [];
const report = (engine: string, clients: number, perSecond: number): void => {
  const line = `${engine.padEnd(40)} ${String(clients).padStart(2)} client(s)  ${perSecond.toFixed(0).padStart(6)} inserts/s`;
  rows.push(line);
  console.log(line);
};

const sqliteDir = mkdtempSync(path.join(os.tmpdir(), 'sac-bench-sqlite-'));
try {
  const sqlite = SqliteStore.open(sqliteDir, 'thread');
  for (const clients of [1, 8]) report('SQLite (writer thread, group commit)', clients, await measure(sqlite, clients));
  await sqlite.close();
} finally {
  rmSync(sqliteDir, { recursive: true, force: true });
}

const bin = postgresBinDir();
if (bin === undefined) {
  console.log(POSTGRES_MISSING);
} else {
  const cluster = await startPostgresCluster(bin);
  try {
    const store = await PostgresStore.open({ connectionString: await cluster.createDatabase('sac_bench'), poolSize: 8 });
    for (const clients of [1, 8]) report('PostgreSQL (pool of 8, TCP 127.0.0.1)', clients, await measure(store, clients));
    await store.close();
  } finally {
    await cluster.stop();
  }
}
console.log(`\n${COUNT} certificates per figure, each with an idempotency claim; ${os.cpus().length} cores.`);
