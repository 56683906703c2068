/**
 * `npm test`: the whole suite on both stores, one half after the other, each
 * with concurrency 1 (tests share ports and time assumptions).
 *
 *   SQLite half      every test file, the store switch unset (the product's default).
 *   PostgreSQL half  the same files with SAC_TEST_STORE=postgres, against ONE
 *                    throw-away cluster started here for the whole half
 *                    (test/support/testStore.ts gives each data directory its
 *                    own database in it), except the files listed in
 *                    ONE_HALF_ONLY below, which run in the SQLite half only.
 *
 * Without PostgreSQL's binaries the PostgreSQL half does not run and the last
 * line says so; under CI (CI set, not "false"/"0") that fails the run. A
 * failure in either half fails the run.
 *
 *   node dist/scripts/test.js [--store both|sqlite|postgres] [FILE.test.js ...]
 *
 * Written by hand: the order of the halves, the one-half list and the cluster's
 * lifetime are the project's own; node:test does the running.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { Counts, RunSummary } from './testSummary.js';
import { POSTGRES_MISSING, postgresBinDir, startPostgresCluster, type PostgresCluster } from '../test/support/postgres.js';
import { IN_CI } from '../test/support/ci.js';

/**
 * Files that run in the SQLite half only, each with its reason. Reviewed:
 * a file belongs here when its subject is SQLite itself, it already runs
 * PostgreSQL (or both engines) on its own cluster, or it never opens a store
 * and is slow enough to matter; never because it fails.
 */
export const ONE_HALF_ONLY: Readonly<Record<string, string>> = {
  'store.sqlite.test.js': 'SQLite adapter internals (pragmas, the file, the seed command on the file)',
  'store.sqlite.employment.test.js': 'SQLite adapter: the employment tables and their migration on the file',
  'store.sqlite.fileModes.test.js': 'the SQLite file and its -wal/-shm modes on disk',
  'store.sqlite.frames.test.js': "the SQLite writer socket's frame protocol",
  'store.sqlite.idempotency.test.js': 'SQLite adapter: the idempotency table through the writer thread',
  'store.sqlite.journal.test.js': 'SQLite adapter: the access journal table and its migration',
  'store.contract.sqlite.test.js': 'the store contract on the SQLite adapter (store.postgres runs it on PostgreSQL)',
  'store.postgres.test.js': 'already PostgreSQL: starts its own cluster and runs the store contract on it',
  'gateway.postgres.test.js': 'already PostgreSQL: two gateways on one database of its own cluster',
  'store.open.test.js': 'the factory itself: SQLite by default, an unreachable PostgreSQL URL (both engines in one file)',
  'deploy.rollingRestart.test.js': 'already PostgreSQL: three nodes on one database of its own cluster, behind nginx',
  'gateway.databaseRestart.test.js': 'already PostgreSQL: restarts its own cluster under one gateway\'s load',
  'gateway.writerLoss.test.js': "SQLite's writer thread lost and restarted (PostgreSQL has no writer thread)",
  'batch.large.test.js': 'never opens a store: `batch --dry-run` checks 100,000 files locally, no gateway; a second run would repeat the first (~45 s)',
};

/** A file named on the command line: a path, or a bare name in dist/test/ (`gateway.httpEdge.test.js`). */
function testFile(name: string): string {
  const given = path.resolve(name);
  return existsSync(given) || name.includes('/') ? given : path.join(TEST_DIR, name);
}

const TEST_DIR = fileURLToPath(new URL('../test/', import.meta.url));

interface HalfResult {
  readonly name: string;
  readonly files: number;
  readonly code: number;
  readonly seconds: number;
  readonly counts: Counts | undefined;
  /** Seconds of tests per file (scripts/testSummary.ts), by file name. */
  readonly fileSeconds: Readonly<Record<string, number>>;
}

const SUMMARY_REPORTER = fileURLToPath(new URL('./testSummary.js', import.meta.url));

let current: ReturnType<typeof spawn> | undefined;

/** How many databases test/support/testStore.ts made in the cluster. */
async function testDatabases(adminUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_database WHERE datname LIKE 'sac\\_t\\_%'");
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

async function runHalf(name: string, files: readonly string[], env: NodeJS.ProcessEnv, work: string): Promise<HalfResult> {
  const summaryFile = path.join(work, `${name}.summary.json`);
  // What node:test shows by default (spec at a terminal, TAP otherwise), plus the summary into a file.
  const shown = process.stdout.isTTY ? 'spec' : 'tap';
  const args = ['--test', '--test-concurrency=1', `--test-reporter=${shown}`, '--test-reporter-destination=stdout',
    `--test-reporter=${SUMMARY_REPORTER}`, `--test-reporter-destination=${summaryFile}`, ...files];
  console.log(`\n=== ${name} half: ${files.length} test files ===`);
  const started = performance.now();
  const child = spawn(process.execPath, args, { env, stdio: 'inherit' });
  current = child;
  const code = await new Promise<number>((resolve) => {
    child.on('error', () => resolve(1));
    child.on('exit', (c, signal) => resolve(c ?? (signal === null ? 1 : 128)));
  });
  current = undefined;
  const seconds = (performance.now() - started) / 1000;
  let counts: Counts | undefined;
  const fileSeconds: Record<string, number> = {};
  try {
    const summary = JSON.parse(readFileSync(summaryFile, 'utf8')) as RunSummary;
    counts = summary.counts;
    for (const [file, ms] of Object.entries(summary.files)) fileSeconds[path.basename(file)] = ms / 1000;
  } catch {
    // an interrupted half wrote none
  }
  return { name, files: files.length, code, seconds, counts, fileSeconds };
}

function describe(r: HalfResult): string {
  const c = r.counts;
  const figures = c === undefined ? 'no summary' : `${c.tests} tests, ${c.pass} pass, ${c.fail} fail, ${c.cancelled} cancelled, ${c.skipped} skipped, ${c.todo} todo`;
  return `${r.name} half: ${r.files} files, ${figures}, ${r.seconds.toFixed(0)} s, ${r.code === 0 ? 'passed' : `FAILED (exit ${r.code})`}`;
}

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { store: { type: 'string', default: 'both' } },
  });
  const store = values.store;
  if (store !== 'both' && store !== 'sqlite' && store !== 'postgres') {
    console.error(`--store must be both, sqlite or postgres, not ${JSON.stringify(store)}`);
    return 2;
  }
  const files =
    positionals.length > 0
      ? positionals.map(testFile)
      : readdirSync(TEST_DIR)
          .filter((f) => f.endsWith('.test.js'))
          .sort()
          .map((f) => path.join(TEST_DIR, f));
  for (const name of Object.keys(ONE_HALF_ONLY)) {
    if (positionals.length === 0 && !files.some((f) => path.basename(f) === name)) {
      console.error(`scripts/test.ts: ONE_HALF_ONLY names ${name}, which does not exist: update the list`);
      return 2;
    }
  }

  // The halves' own environment: the switch and the cluster come from here only.
  const base: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SAC_TEST_')));
  const work = mkdtempSync(path.join(os.tmpdir(), 'sac-test-run-'));
  const results: HalfResult[] = [];
  let closing = '';
  let failed = false;
  let cluster: PostgresCluster | undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    // The half's processes get the signal from the terminal too; the cluster is stopped below, by its PID if need be.
    if (current?.pid !== undefined) {
      try {
        process.kill(current.pid, signal);
      } catch {
        /* gone */
      }
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (store !== 'postgres') {
      const r = await runHalf('SQLite', files, base, work);
      results.push(r);
      failed ||= r.code !== 0;
    }
    if (store !== 'sqlite') {
      const bin = postgresBinDir();
      if (bin === undefined) {
        closing = IN_CI ? `${POSTGRES_MISSING}. CI is set: the PostgreSQL half FAILS, it is never skipped.` : `PostgreSQL half NOT RUN: ${POSTGRES_MISSING}.`;
        failed ||= IN_CI || store === 'postgres';
      } else {
        const pgFiles = files.filter((f) => ONE_HALF_ONLY[path.basename(f)] === undefined);
        const left = files.filter((f) => ONE_HALF_ONLY[path.basename(f)] !== undefined);
        const t0 = performance.now();
        cluster = await startPostgresCluster(bin, { maxConnections: 400 });
        console.log(`\nPostgreSQL half: cluster on port ${cluster.port} started in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${pgFiles.length} files here, ${left.length} left to the SQLite half:`);
        for (const f of left) console.log(`  ${path.basename(f)}: ${ONE_HALF_ONLY[path.basename(f)]}`);
        const env = { ...base, SAC_TEST_STORE: 'postgres', SAC_TEST_PG_ADMIN_URL: cluster.adminUrl, SAC_TEST_PG_BIN: bin };
        const r = await runHalf('PostgreSQL', pgFiles, env, work);
        results.push(r);
        failed ||= r.code !== 0;
        // Proof that the half ran on PostgreSQL: the databases its gateways and stores were given.
        const made = await testDatabases(cluster.adminUrl);
        closing = `PostgreSQL half: ${made} test databases made (one per data directory) in the run's cluster.`;
        if (made === 0 && pgFiles.length > 0) {
          closing += ' None: the switch did not reach the tests, the half did not run on PostgreSQL.';
          failed = true;
        }
      }
    }
  } finally {
    await cluster?.stop();
    rmSync(work, { recursive: true, force: true });
  }
  console.log('');
  for (const r of results) {
    const slowest = Object.entries(r.fileSeconds).sort((a, b) => b[1] - a[1]).slice(0, 5);
    if (slowest.length > 0) console.log(`${r.name} half, slowest files: ${slowest.map(([f, s]) => `${f} ${s.toFixed(0)} s`).join(', ')}`);
  }
  for (const r of results) console.log(describe(r));
  if (closing !== '') console.log(closing);
  return failed ? 1 : 0;
}

process.exitCode = await main();
