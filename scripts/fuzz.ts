/**
 * The fuzzer of test/gateway.fuzz.test.ts for longer runs, outside npm test.
 *
 *   npm run fuzz -- [--seed N] [--count N] [--seconds S] [--url http://host:port [--data-dir DIR | --database-url URL] [--today YYYY-MM-DD]]
 *                   [--only I,J,...] [--show PREFIX] [--out DIR] [--timeout MS] [--gateway-log]
 *
 * Without --url it starts its own gateway: the real binary (dist/src/cli.js
 * serve) in a child process with a fresh data directory, and checks that
 * the process stays up. With --url it fuzzes a gateway already running
 * (demo users loaded; it creates a few records and, with wrong-password
 * cases, may trip that gateway's login throttle for the second demo doctor
 * and for this client address); its store is compared only when --data-dir
 * names that gateway's data directory (SQLite) or --database-url its
 * PostgreSQL database (SAC_DATABASE_URL; the probe's connection only reads). Each failure prints its seed and
 * index: `--seed S --only I` replays it. Exit status 1 when anything failed.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { KNOWN_FINDINGS } from '../test/fuzz-findings/known.js';
import { startCli, type CliGateway } from '../test/support/cliGateway.js';
import { romeDay } from '../test/support/fuzz/bases.js';
import { prepareBases } from '../test/support/fuzz/prepare.js';
import { formatFailure, formatSummary, runFuzz } from '../test/support/fuzz/run.js';
import { PostgresStoreProbe, SqliteStoreProbe, type StoreProbe } from '../test/support/fuzz/storeProbe.js';

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    count: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '600' },
    url: { type: 'string' },
    'data-dir': { type: 'string' },
    'database-url': { type: 'string' },
    today: { type: 'string' },
    only: { type: 'string' },
    show: { type: 'string' },
    out: { type: 'string' },
    timeout: { type: 'string', default: '10000' },
    'gateway-log': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});

function usage(): never {
  console.log('usage: npm run fuzz -- [--seed N] [--count N] [--seconds S] [--url URL [--data-dir DIR | --database-url URL] [--today YYYY-MM-DD]] [--only I,J] [--show PREFIX] [--out DIR] [--timeout MS] [--gateway-log]');
  process.exit(2);
}

function int(name: string, raw: string | undefined): number {
  if (raw === undefined || !/^\d+$/.test(raw)) {
    console.error(`--${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
    usage();
  }
  return Number(raw);
}

async function main(): Promise<number> {
  if (values.help) usage();
  const databaseUrl = values['database-url'];
  if (databaseUrl !== undefined && (values.url === undefined || values['data-dir'] !== undefined)) {
    console.error('--database-url compares the store of the gateway at --url, instead of --data-dir');
    usage();
  }
  const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : int('seed', values.seed);
  const count = int('count', values.count);
  const seconds = int('seconds', values.seconds);
  const timeout = int('timeout', values.timeout);
  const only = values.only?.split(',').map((s) => int('only', s.trim()));

  let own: { cli: CliGateway; dataDir: string } | undefined;
  let baseUrl: string;
  let dataDir = values['data-dir'];
  if (values.url) {
    baseUrl = values.url.replace(/\/CertServiceWeb\/CertificatiMedici\/?$/, '').replace(/\/+$/, '');
  } else {
    dataDir = mkdtempSync(path.join(tmpdir(), 'sac-fuzz-'));
    const cli = await startCli(dataDir, { env: { LOG_LEVEL: 'error' } });
    own = { cli, dataDir };
    baseUrl = cli.url;
    console.log(`fuzz: own gateway, pid ${cli.child.pid}, ${baseUrl}, data ${dataDir}`);
  }
  const stopOwn = async (): Promise<void> => {
    if (!own) return;
    const { cli } = own;
    if (cli.child.exitCode === null && cli.child.signalCode === null) {
      process.kill(cli.child.pid!, 'SIGTERM');
      const killer = setTimeout(() => cli.child.exitCode === null && process.kill(cli.child.pid!, 'SIGKILL'), 10_000);
      await cli.exited;
      clearTimeout(killer);
    }
    rmSync(own.dataDir, { recursive: true, force: true });
    own = undefined;
  };
  process.once('SIGINT', () => void stopOwn().then(() => process.exit(130)));

  try {
    const today = values.today ?? romeDay(new Date());
    const prepared = await prepareBases(baseUrl, today);
    for (const problem of prepared.notAccepted) console.log(`fuzz: warning, an unmutated request was not accepted: ${problem}`);
    let probe: StoreProbe | undefined;
    if (databaseUrl !== undefined) probe = await PostgresStoreProbe.connect(databaseUrl);
    else if (dataDir !== undefined) probe = SqliteStoreProbe.forDataDir(dataDir);
    else console.log('fuzz: no --data-dir or --database-url, the store is not compared');
    console.log(`fuzz: seed ${seed}, ${only ? `indices ${only.join(',')}` : `${count} cases`}, at most ${seconds} s, today ${today}`);
    const cli = own?.cli;
    try {
      const summary = await runFuzz({
        seed,
        count,
        seconds,
        requestTimeoutMs: timeout,
        target: {
          endpoint: `${baseUrl}/CertServiceWeb/CertificatiMedici`,
          healthz: `${baseUrl}/healthz`,
          store: probe,
          gone: cli ? () => (cli.child.exitCode !== null || cli.child.signalCode !== null ? `exit ${cli.child.exitCode ?? cli.child.signalCode}\n${cli.output().slice(-2000)}` : undefined) : undefined,
        },
        bases: prepared.bases,
        known: KNOWN_FINDINGS,
        ...(only ? { only } : {}),
        progress: (line) => console.log(line),
        onCase: values.show === undefined ? undefined : (c, answer, outcome) => {
          if (!outcome.startsWith(values.show!)) return;
          console.log(`#${c.index} ${c.base} -> ${outcome} ${Math.round(answer.ms)} ms: ${c.mutations.join('; ')}`);
          console.log(`   ${JSON.stringify(answer.body.toString('utf8').slice(0, 500))}`);
        },
      });
      console.log(formatSummary(summary));
      for (const f of summary.failures) console.log(formatFailure(f));
      if (values['gateway-log'] && cli) console.log(`fuzz: the gateway's own log (stdout and stderr):\n${cli.output()}`);
      if (values.out && summary.failures.length > 0) {
        mkdirSync(values.out, { recursive: true });
        for (const f of summary.failures) {
          const stem = path.join(values.out, `seed${f.seed}-case${f.index}`);
          writeFileSync(`${stem}.bin`, f.body);
          writeFileSync(`${stem}.txt`, `${formatFailure(f)}\n`);
        }
        console.log(`fuzz: failing requests written to ${values.out}`);
      }
      if (summary.failures.length > 0) console.log(`fuzz: replay with --seed ${seed} --only ${summary.failures.map((f) => f.index).filter((i) => i >= 0).join(',')}`);
      return summary.failures.length > 0 ? 1 : 0;
    } finally {
      await probe?.close();
    }
  } finally {
    await stopOwn();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
