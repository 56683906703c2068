/**
 * `npm run bench`: issue 4's benchmark, in ONE run on one machine with one
 * load generator (wrk, same connections and duration for every server):
 *   - the ceiling: bare node:http answering a fixed gateway-sized response;
 *   - the peer: node-soap echoing the request (no validation, no storage);
 *   - the gateway: InviaMalattia end to end (session and fresh pincode
 *     ciphertexts), InterrogazioneLavoratore, a mix of all ten operations,
 *     and p99/p50 at 70% of peak InviaMalattia throughput;
 *   - libxml2 parse + XSD validation in-process, and the share of a request's
 *     CPU time spent outside it.
 * --full adds an RSS soak over 1,000,000 InviaMalattia requests and the
 * scaling report (1..256 connections, store at 10k and ~1M certificates) and
 * writes docs/performance.md with a PNG plot.
 *
 * Run `node dist/bench/run.js --help` for the options.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, type KeyObject } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { syntheticPersons } from '../src/domain/codiceFiscale.js';
import { addDays, romeDate } from '../src/domain/dates.js';
import { STORE_FILE } from '../src/store/sqlite/sqliteStore.js';
import { measureFlush, type FlushLatency } from './lib/disk.js';
import { summarizeProfiles, type ProfileSummary } from './lib/profile.js';
import { NGINX, startNginx, type RunningNginx } from '../test/support/nginx.js';
import { processTree } from '../test/support/processTree.js';
import {
  applyDeploySettings,
  countCertificatesPg,
  countersBetween,
  postgresBinDir,
  postmasterPid,
  readCounters,
  startPostgresCluster,
  type PgCounters,
} from './lib/postgres.js';
import { busyCores, cpuBetween, cpuSnapshot, highWaterKb, machineTicks, RssSampler, type RssSample } from './lib/proc.js';
import { renderConsole, renderDoc, renderPlot } from './lib/report.js';
import {
  assertOk,
  basic,
  field,
  invioDimissione,
  invioMalattia,
  invioRicovero,
  line,
  send,
  sendAll,
  USERS,
  writeLines,
  type Fields,
  type RequestLine,
} from './lib/requests.js';
import { freePort, sleep, startServer, type ServerProcess } from './lib/servers.js';
import { benchXsd, type XsdBench } from './lib/xsd.js';
import { checkTools, failures, runWrk, throughput, wrkCommand, type WrkSummary } from './lib/wrk.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(ROOT, 'dist/src/cli.js');
const CEILING = path.join(ROOT, 'dist/bench/servers/ceiling.js');
const PEER = path.join(ROOT, 'dist/bench/servers/peer.js');

// ------------------------------------------------------------------ options

export interface Options {
  readonly full: boolean;
  readonly profile: boolean;
  readonly doc: boolean;
  readonly durationS: number;
  readonly warmupS: number;
  readonly connections: number;
  readonly workers: number;
  /** taskset list for wrk ('' = not pinned). */
  readonly wrkCpus: string;
  /** taskset list for the servers ('' = not pinned). */
  readonly serverCpus: string;
  readonly persons: number;
  readonly soakRequests: number;
  readonly scalingConnections: readonly number[];
  readonly xsdIterations: number;
  readonly singleProcessBaselines: boolean;
  readonly workParent: string;
  readonly keep: boolean;
  /** Seconds to wait for other processes to go idle before each measurement. */
  readonly quietWaitS: number;
  /** --ab DIR: only alternate the gateway InviaMalattia run between this build and the build in DIR. */
  readonly abOther: string | undefined;
  readonly abRounds: number;
  /** --overload [FACTOR]: only a closed-loop peak run, then a paced run at FACTOR x that peak. */
  readonly overload: number | undefined;
  readonly overloadConnections: number;
  /** --profile-only [--build DIR]: only profiled InviaMalattia runs, CPU per request by thread. */
  readonly profileOnly: boolean;
  readonly profileBuild: string | undefined;
  /** InviaMalattia on PostgreSQL (1 node, 2 nodes) after the quick suite; --no-postgres turns it off. */
  readonly postgres: boolean;
  /** --stores-only: only InviaMalattia on SQLite, then on PostgreSQL (1 node, 2 nodes). */
  readonly storesOnly: boolean;
}

const HELP = `usage: node dist/bench/run.js [options]      (npm run bench -- [options])
  --full                 also: RSS soak over --soak requests and the scaling report;
                         writes docs/performance.md and docs/performance.png (10-30 min: the soak is 1M requests)
  --profile              also: a gateway InviaMalattia run under --cpu-prof, summarised
  --doc                  write docs/performance.md from this run (implied by --full)
  --duration S           seconds per measurement (default 10)
  --warmup S             warm-up seconds before each measurement (default 3)
  --connections N        wrk connections for every server (default 64)
  --workers N            processes for gateway, ceiling and peer (default SAC_WORKERS or 2)
  --wrk-cpus LIST        taskset CPU list for wrk (default: the last CPU; "" = not pinned)
  --server-cpus LIST     taskset CPU list for the servers (default "" = not pinned)
  --persons N            synthetic persons seeded into the registry (default 10000)
  --soak N               InviaMalattia requests of the --full soak (default 1000000)
  --scaling LIST         connection counts of the scaling report (default 1,4,16,64,256)
  --xsd-iterations N     in-process parse+validate iterations (default 50000)
  --no-single            skip the 1-process ceiling and peer (informative rows)
  --no-postgres          skip InviaMalattia on PostgreSQL (1 node, and 2 nodes behind nginx), which otherwise
                         follows the quick suite when Debian's postgresql is installed (about 1 min more)
  --stores-only          only: InviaMalattia on SQLite, then on PostgreSQL with 1 node and 2 nodes (the store comparison)
  --work-dir DIR         where the temporary data directories go (default the OS temp dir)
  --keep                 keep the temporary directories
  --quiet-wait S         before each measurement, wait up to S s for other processes to go idle (default 60)
  --render FILE.json     only re-write docs/performance.md (+ plot) from a saved bench/results file
  --ab DIR [--rounds N]  only the gateway InviaMalattia run, alternating N times (default 3) between this
                         build and the built checkout in DIR; prints both series and the ratio of medians
  BENCH_LOG_LEVEL=info   (environment) the servers' log level (default warn); the bench reads their output through a pipe
  --profile-only [--build DIR] [--rounds N]
                         only: profiled gateway InviaMalattia runs (alternating with the build in DIR), CPU µs per
                         request by thread (the store writer's included) and the top functions
  --overload             only: the gateway's InviaMalattia peak (closed loop), then a paced run at
                         --overload-factor (default 3) x that peak over --overload-connections (default 2000):
                         admitted throughput, the admitted calls' p99 (server histogram), the refusal rate
`;

function parseOptions(argv: string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i === -1 ? undefined : argv[i + 1];
  };
  const num = (name: string, fallback: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`${name} needs a positive number, got "${raw}"`);
    return n;
  };
  const full = argv.includes('--full');
  const lastCpu = String(Math.max(0, os.cpus().length - 1));
  return {
    full,
    profile: argv.includes('--profile') || full,
    doc: argv.includes('--doc') || full,
    durationS: num('--duration', 10),
    warmupS: num('--warmup', 3),
    connections: num('--connections', 64),
    workers: num('--workers', Number(process.env.SAC_WORKERS) || 2),
    wrkCpus: get('--wrk-cpus') ?? (os.cpus().length > 1 ? lastCpu : ''),
    serverCpus: get('--server-cpus') ?? '',
    persons: num('--persons', 10_000),
    soakRequests: num('--soak', 1_000_000),
    scalingConnections: (get('--scaling') ?? '1,4,16,64,256').split(',').map(Number),
    xsdIterations: num('--xsd-iterations', 50_000),
    singleProcessBaselines: !argv.includes('--no-single'),
    workParent: get('--work-dir') ?? os.tmpdir(),
    keep: argv.includes('--keep'),
    quietWaitS: num('--quiet-wait', 60),
    abOther: get('--ab'),
    abRounds: num('--rounds', 3),
    overload: argv.includes('--overload') ? num('--overload-factor', 3) : undefined,
    overloadConnections: num('--overload-connections', 2000),
    profileOnly: argv.includes('--profile-only'),
    profileBuild: get('--build'),
    postgres: !argv.includes('--no-postgres'),
    storesOnly: argv.includes('--stores-only'),
  };
}

// ------------------------------------------------------------------ results

export interface Measurement {
  readonly name: string;
  readonly server: 'gateway' | 'ceiling' | 'peer';
  readonly processes: number;
  readonly connections: number;
  readonly durationS: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p90Ms: number;
  readonly p99Ms: number;
  readonly p999Ms: number;
  readonly maxMs: number;
  readonly requests: number;
  readonly failures: number;
  readonly answers: WrkSummary['answers'];
  readonly wraps: number;
  /** Peak of the summed VmRSS of the server's processes, sampled every 250 ms during the run. */
  readonly peakRssMb: number;
  /** Sum of the processes' VmHWM (each one's peak since it started). */
  readonly hwmMb: number;
  readonly serverCpuS: number;
  readonly wrkCpuS: number;
  /** The whole machine's busy CPU during the timed run, in cores (from /proc/stat). */
  readonly machineCores: number;
  /** What neither the server nor wrk used: other processes on the machine (interference), in cores. */
  readonly otherCores: number;
  readonly cpuMsPerRequest: number;
  readonly responseBytes: number;
  readonly rate?: number;
  /** InviaMalattia runs: certificates the store gained during the timed run. */
  readonly stored?: number;
  readonly wrk: string;
  /** Runs measured by role (the store comparison): CPU seconds of each role's processes during the timed run. */
  readonly cpuByRole?: Record<string, number>;
  /** PostgreSQL runs: the cluster's counters over the timed run. */
  readonly pg?: PgCounters;
}

/** InviaMalattia on SQLite and on PostgreSQL in the same run (absent with --no-postgres). */
export interface StoreComparison {
  /** Why the PostgreSQL runs are missing, when they are. */
  readonly skipped?: string;
  /** Names of the measurements compared: SQLite first, then PostgreSQL 1 node and 2 nodes when they ran. */
  readonly runs: string[];
  /** How the two-node run received its load, or why it did not run. */
  readonly twoNodes: string;
  readonly settings?: { applied: string[]; notApplied: string[]; sharedBuffers: string };
  readonly notes: string[];
}

export interface ScalingPoint {
  readonly connections: number;
  readonly rps: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly okShare: number;
  readonly failures: number;
  readonly certificatesBefore: number;
  readonly certificatesAfter: number;
  /** CPU used by other processes on the machine during the point, in cores. */
  readonly otherCores: number;
}

export interface Soak {
  readonly requests: number;
  readonly ok: number;
  readonly failures: number;
  readonly seconds: number;
  readonly samples: RssSample[];
  /** Post-warm-up (after the first 10% of requests) RSS: median, min, max, in MB. */
  readonly medianMb: number;
  readonly minMb: number;
  readonly maxMb: number;
  readonly flat: boolean;
  /** Least-squares slope of the post-warm-up RSS, MB per 100,000 requests: a leak shows as a steady positive slope. */
  readonly slopeMbPer100k: number;
  /** Median RSS of the last tenth of the soak against the first tenth after warm-up. */
  readonly lastVsFirst: number;
  readonly chunks: Array<{ requests: number; rps: number; p99Ms: number; otherCores: number }>;
  readonly certificatesAfter: number;
}

export interface Results {
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly options: Options;
  readonly machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    wrk: string;
    kernel: string;
    workFs: string;
    /** 4 KB write + fdatasync on the data directory's disk. */
    flush: FlushLatency;
    durability: string;
    gitCommit: string;
  };
  readonly cores: string;
  readonly measurements: Measurement[];
  readonly ratios: Record<string, number>;
  readonly pincode: { sessionCiphertexts: number; freshCiphertexts: number; freshWraps: number };
  readonly paced?: { targetRps: number; achievedRps: number; p50Ms: number; p99Ms: number; p99OverP50: number };
  readonly xsd?: XsdBench;
  readonly cpuShareOutsideXsd?: number;
  readonly profile?: ProfileSummary;
  readonly scaling?: { at10k: ScalingPoint[]; at1M: ScalingPoint[] };
  readonly soak?: Soak;
  readonly stores?: StoreComparison;
  readonly integrity: string[];
  /** Measurements during which other processes used noticeable CPU. */
  readonly noise: string[];
}

// ------------------------------------------------------------------ helpers

const log = (msg: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  } catch (e) {
    const out = e as { stdout?: string; stderr?: string };
    return `${out.stdout ?? ''}${out.stderr ?? ''}`.trim();
  }
}

/** Short commit, with "+ uncommitted changes" when the tree is dirty; "unknown" outside a checkout. */
function gitDescribe(dir: string): string {
  const commit = sh('git', ['-C', dir, 'rev-parse', '--short', 'HEAD']);
  if (!/^[0-9a-f]{6,}$/.test(commit)) return 'unknown';
  // --no-optional-locks: a read-only look, git must not refresh (write) the index.
  const dirty = sh('git', ['--no-optional-locks', '-C', dir, 'status', '--porcelain', '--untracked-files=no', '--', 'src']) !== '';
  return dirty ? `${commit} + uncommitted changes in src/` : commit;
}

function countCertificates(dataDir: string): number {
  const db = new Database(path.join(dataDir, STORE_FILE), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare('SELECT count(*) AS n FROM certificati').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

function pinned(cpus: string, command: string, args: string[]): { command: string; args: string[] } {
  return cpus === '' ? { command, args } : { command: 'taskset', args: ['-c', cpus, command, ...args] };
}

interface Bench {
  readonly o: Options;
  readonly work: string;
  readonly measurements: Measurement[];
  readonly integrity: string[];
  /** Runs disturbed by other processes on the machine. */
  readonly noise: string[];
}

/**
 * The machine may be shared (other jobs, test suites): before a measurement,
 * wait up to --quiet-wait seconds for the other processes to go idle, so a
 * number is not silently halved by a neighbour. Our idle servers use ~0 CPU.
 */
async function waitForQuiet(b: Bench): Promise<void> {
  const deadline = Date.now() + b.o.quietWaitS * 1000;
  let announced = false;
  for (;;) {
    const t0 = machineTicks();
    await sleep(1000);
    const busy = busyCores(t0, machineTicks(), os.cpus().length);
    if (busy < 0.15 || Date.now() >= deadline) {
      if (busy >= 0.15) log(`machine still busy (${busy.toFixed(2)} cores used by others): measuring anyway`);
      return;
    }
    if (!announced) log(`machine busy (${busy.toFixed(2)} cores used by other processes): waiting up to ${b.o.quietWaitS} s for quiet`);
    announced = true;
  }
}

interface RunSpec {
  readonly name: string;
  readonly server: ServerProcess;
  readonly kind: Measurement['server'];
  readonly processes: number;
  readonly linesFile: string;
  readonly connections?: number;
  readonly durationS?: number;
  readonly warmupS?: number;
  readonly rate?: number;
  /** Count certificates before/after: the run must store what it acknowledged. */
  readonly dataDir?: string;
  readonly responseBytes: number;
  /** Minimum share of ricevutaOk answers (gateway runs). */
  readonly minOkShare?: number;
  /** Non-2xx answers are the point of the run (503 refusals under overload), not failures. */
  readonly refusalsExpected?: boolean;
  /** Process trees whose RSS is the server's (default: server.pid); several for a multi-node run. */
  readonly roots?: readonly number[];
  /** CPU accounted by role (gateway primaries, workers; outside the server: PostgreSQL, nginx). */
  readonly roles?: readonly Role[];
  /** Certificates in a store that is not a SQLite file in dataDir. */
  readonly countStored?: () => Promise<number>;
  /** A PostgreSQL database: its cluster's counters are read around the timed run. */
  readonly pgUrl?: string;
  /** Warm up with one whole pass over this many request lines, then until steady (see warmUp). */
  readonly warmUntilSteady?: { readonly lines: number };
}

interface Role {
  readonly role: string;
  readonly pids: () => number[];
  /** Not part of the server under test (PostgreSQL, nginx): its CPU is not "other processes". */
  readonly outside: boolean;
}

/** A gateway's processes by role: the cluster primaries (with SQLite, the store's writer thread runs there) and the workers. */
function nodeRoles(nodes: readonly ServerProcess[]): Role[] {
  return [
    { role: 'gateway primary', outside: false, pids: () => nodes.flatMap((n) => n.pids().filter((p) => p === n.pid)) },
    { role: 'gateway workers', outside: false, pids: () => nodes.flatMap((n) => n.pids().filter((p) => p !== n.pid)) },
  ];
}

/**
 * A warm-up that covers every request line once: wrk starts again at the first line on each run, so
 * one run must be long enough for a whole pass (every person looked up once, as the SQLite run's 3 s
 * warm-up does at its rate); then 1 s steps until two in a row agree within 10% (at most 15 of them).
 */
async function warmUp(wrkOptions: Omit<Parameters<typeof runWrk>[0], 'durationS'>, minS: number, lines: number, name: string): Promise<void> {
  const t0 = Date.now();
  let durationS = Math.max(1, minS);
  const passes: string[] = [];
  for (;;) {
    const s = await runWrk({ ...wrkOptions, durationS });
    passes.push(`${s.requests} in ${durationS} s`);
    if (s.requests >= lines || durationS >= 60) break;
    // Long enough for a whole pass at this rate, with a margin; at most 4x longer than this run (a cold
    // first second underestimates the rate many times over).
    const estimateS = Math.ceil((lines / Math.max(1, throughput(s))) * 1.2);
    durationS = Math.min(60, Math.max(durationS + 1, Math.min(4 * durationS, estimateS)));
  }
  const rates: number[] = [];
  let steady = false;
  while (!steady && rates.length < 15) {
    rates.push(throughput(await runWrk({ ...wrkOptions, durationS: 1 })));
    const [a, z] = rates.slice(-2);
    steady = rates.length >= 2 && Math.abs(z! - a!) <= 0.1 * a!;
  }
  log(
    `${name}: warmed up in ${((Date.now() - t0) / 1000).toFixed(0)} s (${passes.join(', ')} for ${lines} lines; then req/s ` +
      `${rates.map((x) => x.toFixed(0)).join(', ')}${steady ? '' : ', NOT steady'})`,
  );
}

async function measure(b: Bench, spec: RunSpec): Promise<Measurement> {
  const connections = spec.connections ?? b.o.connections;
  const durationS = spec.durationS ?? b.o.durationS;
  const wrkOptions = {
    url: `${spec.server.url}/CertServiceWeb/CertificatiMedici`,
    script: spec.rate ? ('paced.lua' as const) : ('bodies.lua' as const),
    linesFile: spec.linesFile,
    connections,
    threads: 1,
    cpus: b.o.wrkCpus === '' ? undefined : b.o.wrkCpus,
    ...(spec.rate ? { rate: spec.rate } : {}),
  };
  const warmupS = spec.warmupS ?? b.o.warmupS;
  await waitForQuiet(b);
  // Warm-up and timed run are separate wrk processes so wrk's own CPU (os.clock) is the timed run's only.
  if (spec.warmUntilSteady) await warmUp(wrkOptions, warmupS, spec.warmUntilSteady.lines, spec.name);
  else if (warmupS > 0) await runWrk({ ...wrkOptions, durationS: warmupS });
  const countStored = spec.countStored ?? (spec.dataDir ? async () => countCertificates(spec.dataDir!) : undefined);
  const before = countStored ? await countStored() : 0;
  const roles = spec.roles ?? [];
  // PostgreSQL's backends publish their statistics at most once a second: the warm-up's must be in before the first reading.
  if (spec.pgUrl) await sleep(1100);
  const pg0 = spec.pgUrl ? await readCounters(spec.pgUrl) : undefined;
  const sampler = new RssSampler(spec.roots ?? spec.server.pid, 250).start();
  const roleCpu0 = roles.map((r) => cpuSnapshot(r.pids()));
  const cpu0 = cpuSnapshot(spec.server.pids());
  const m0 = machineTicks();
  const s = await runWrk({ ...wrkOptions, durationS });
  const m1 = machineTicks();
  const cpu1 = cpuSnapshot(spec.server.pids());
  const roleCpuS = roles.map((r, i) => cpuBetween(roleCpu0[i]!, cpuSnapshot(r.pids())));
  sampler.stop();
  const serverCpuS = cpuBetween(cpu0, cpu1);
  const outsideCpuS = roles.reduce((a, r, i) => a + (r.outside ? roleCpuS[i]! : 0), 0);
  const machineCores = busyCores(m0, m1, os.cpus().length);
  const otherCores = Math.max(0, machineCores - serverCpuS / durationS - s.wrk_cpu_s / durationS - outsideCpuS / durationS);
  await sleep(spec.pgUrl ? 1100 : 200); // let the last in-flight commits land (and PostgreSQL's statistics) before counting
  const stored = countStored ? (await countStored()) - before : undefined;
  const pgDelta = spec.pgUrl && pg0 ? countersBetween(pg0, await readCounters(spec.pgUrl)) : undefined;
  const m: Measurement = {
    name: spec.name,
    server: spec.kind,
    processes: spec.processes,
    connections,
    durationS,
    rps: throughput(s),
    p50Ms: s.latency_us.p50 / 1000,
    p90Ms: s.latency_us.p90 / 1000,
    p99Ms: s.latency_us.p99 / 1000,
    p999Ms: s.latency_us.p999 / 1000,
    maxMs: s.latency_us.max / 1000,
    requests: s.requests,
    failures: failures(s),
    answers: s.answers,
    wraps: s.wraps,
    peakRssMb: sampler.peakKb / 1024,
    hwmMb: highWaterKb(spec.roots ?? spec.server.pid) / 1024,
    serverCpuS,
    wrkCpuS: s.wrk_cpu_s,
    machineCores,
    otherCores,
    cpuMsPerRequest: s.requests > 0 ? (serverCpuS * 1000) / s.requests : 0,
    responseBytes: spec.responseBytes,
    ...(spec.rate ? { rate: spec.rate } : {}),
    ...(stored !== undefined ? { stored } : {}),
    wrk: wrkCommand({ ...wrkOptions, durationS }).join(' '),
    ...(roles.length > 0 ? { cpuByRole: Object.fromEntries(roles.map((r, i) => [r.role, roleCpuS[i]!])) } : {}),
    ...(pgDelta ? { pg: pgDelta } : {}),
  };
  log(
    `${m.name}: ${m.rps.toFixed(0)} req/s, p50 ${m.p50Ms.toFixed(2)} ms, p99 ${m.p99Ms.toFixed(2)} ms, ` +
      `ok ${s.answers.ok}/${s.requests}, failures ${m.failures}, server CPU ${(serverCpuS / (durationS || 1)).toFixed(2)} cores, ` +
      `wrk CPU ${(s.wrk_cpu_s / durationS).toFixed(2)} core, ` +
      roles.filter((r) => r.outside).map((r) => `${r.role} CPU ${(roleCpuS[roles.indexOf(r)]! / durationS).toFixed(2)} cores, `).join('') +
      `other processes ${otherCores.toFixed(2)} cores${stored !== undefined ? `, stored ${stored}` : ''}`,
  );
  if (otherCores > 0.25) b.noise.push(`${m.name}: other processes used ${otherCores.toFixed(2)} cores during the run`);
  // A run that expects refusals (--overload) counts the 503s itself; anything else failing still counts.
  const expected = spec.refusalsExpected ? s.answers.non2xx : 0;
  if (m.failures > expected) b.integrity.push(`${m.name}: ${m.failures - expected} failed requests (socket errors or HTTP status >= 400)`);
  if (spec.minOkShare !== undefined && s.requests > 0 && s.answers.ok / s.requests < spec.minOkShare) {
    b.integrity.push(
      `${m.name}: only ${s.answers.ok} of ${s.requests} answers were a ricevutaOk (nonOk ${s.answers.nonok}, fault ${s.answers.fault}, other ${s.answers.other})`,
    );
  }
  // Every acknowledged certificate must be in the store (a few more may have committed after wrk stopped counting).
  if (stored !== undefined && stored < s.answers.ok) {
    b.integrity.push(`${m.name}: ${s.answers.ok} certificates acknowledged but only ${stored} stored`);
  }
  b.measurements.push(m);
  return m;
}

// ------------------------------------------------------------------ the gateway

interface Gateway {
  readonly server: ServerProcess;
  readonly dataDir: string;
  /** The pincode public key, parsed once (encrypting thousands of pincodes). */
  readonly pincodeKey: KeyObject;
  readonly processes: number;
}

async function seedGateway(o: Options, dataDir: string, cli = CLI, extraEnv: Record<string, string> = {}): Promise<void> {
  const env = { ...process.env, SAC_DATA_DIR: dataDir, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', ...extraEnv };
  const out = execFileSync(process.execPath, [cli, 'seed', '--persons', String(o.persons)], { env, encoding: 'utf8' });
  log(`seed: ${out.trim()}`);
}

async function startGateway(
  o: Options,
  dataDir: string,
  nodeFlags: string[] = [],
  workers = o.workers,
  cli = CLI,
  extraEnv: Record<string, string> = {},
  name = 'gateway',
): Promise<Gateway> {
  const port = await freePort();
  // Node flags go on the command line (Node 20 refuses --cpu-prof in NODE_OPTIONS); cluster workers inherit execArgv.
  const { command, args } = pinned(o.serverCpus, process.execPath, [...nodeFlags, cli, 'serve']);
  const processes = workers > 1 ? workers + 1 : 1;
  const server = await startServer({
    name,
    command,
    args,
    env: {
      ...process.env,
      HOST: '127.0.0.1',
      PORT: String(port),
      SAC_DATA_DIR: dataDir,
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      SAC_WORKERS: String(workers),
      // wrk is one client address opening up to 256 connections: the per-address cap is not what is measured.
      SAC_MAX_CONNECTIONS_PER_ADDRESS: '100000',
      SAC_MAX_CONNECTIONS: '100000',
      // Two users send every call of the benchmark: fairness per user is not what is measured (admission control stays on).
      SAC_RATE_LIMITS: 'off',
      // Production's setting: the vendor sandbox (on with the demo data) keeps every call for its inspector.
      SAC_SANDBOX: '0',
      ...extraEnv,
    },
    port,
    processes,
    readyPath: '/healthz',
  });
  const certPem = await (await fetch(`${server.url}/CertServiceWeb/SanitelCF.pem`)).text();
  if (!certPem.includes('BEGIN CERTIFICATE')) throw new Error(`no pincode certificate from the gateway: ${certPem.slice(0, 200)}`);
  return { server, dataDir, pincodeKey: new X509Certificate(certPem).publicKey, processes };
}

/** Bodies and ciphertexts for one gateway (each data directory has its own pincode key). */
interface Workload {
  readonly today: string;
  readonly persons: string[];
  /** One ciphertext per simulated client session (= per wrk connection); even sessions are medico, odd medico2. */
  readonly sessions: Array<{ auth: string; medico: Fields }>;
  readonly invioFile: string;
  readonly invioLines: RequestLine[];
  readonly interrogazioneFile: string;
}

function sessionOf(gw: Gateway, index: number): { auth: string; medico: Fields } {
  const u = index % 2 === 0 ? USERS.medico : USERS.medico2;
  return { auth: basic(u.user, u.password), medico: { pincode: encryptField(gw.pincodeKey, u.pincode) } };
}

function buildWorkload(b: Bench, gw: Gateway, tag: string): Workload {
  const today = romeDate(new Date());
  const persons = [...syntheticPersons(b.o.persons)].map((p) => p.codiceFiscale);
  const sessions = Array.from({ length: b.o.connections }, (_, i) => sessionOf(gw, i));
  // Line i is sent by session i mod (connections): each session reuses its one ciphertext.
  const invioLines = persons.map((cf, i) => {
    const s = sessions[i % b.o.connections]!;
    return line('InviaMalattia', s.auth, invioMalattia(today, s.medico, cf));
  });
  const invioFile = path.join(b.work, `${tag}-invio-session.lines`);
  writeLines(invioFile, invioLines);
  const interrogazioneFile = path.join(b.work, `${tag}-interrogazione.lines`);
  writeLines(
    interrogazioneFile,
    persons.map((cf, i) => {
      const s = sessions[i % b.o.connections]!;
      return line('InterrogazioneLavoratore', s.auth, { medico: s.medico, lavoratore: { codiceFiscale: cf } });
    }),
  );
  return { today, persons, sessions, invioFile, invioLines, interrogazioneFile };
}

/** Lines of the ten-operation mix, with the certificates and admissions they act on created first. */
async function buildMix(b: Bench, gw: Gateway, w: Workload, perOp: number): Promise<string> {
  const { today, persons, sessions } = w;
  const n = perOp + 1; // the extra one of each kind is the probe
  const medicoSession = (j: number) => sessions[(2 * j) % b.o.connections]!; // even sessions: medico
  const operatore = basic(USERS.operatore.user, USERS.operatore.password);
  const admitted = addDays(today, -2);
  const fine = addDays(today, 7);
  const earlier = addDays(today, 3);
  const person = (set: number, j: number) => persons[(set * n + j) % persons.length]!;

  log(`mix: creating ${3 * n} certificates, ${3 * n} admissions and ${n} discharges for the mix to act on`);
  const certTargets = [0, 1, 2].flatMap((set) => Array.from({ length: n }, (_, j) => ({ cf: person(set, j), j })));
  const certLines = certTargets.map((t) =>
    line('InviaMalattia', medicoSession(t.j).auth, invioMalattia(today, medicoSession(t.j).medico, t.cf, fine)),
  );
  const certIds = (await sendAll(gw.server.url, certLines, 32)).map((xml, i) => {
    const id = field(xml, 'idCertificato');
    if (!id) throw new Error(`mix set-up: InviaMalattia refused: ${xml.slice(0, 500)}`);
    return { id, cf: certTargets[i]!.cf };
  });
  const admissionLines = [3, 4, 5].flatMap((set) =>
    Array.from({ length: n }, (_, j) => line('InviaRicovero', operatore, invioRicovero(person(set, j), admitted))),
  );
  const admissions = (await sendAll(gw.server.url, admissionLines, 32)).map((xml, i) => {
    const id = field(xml, 'idInizioRicovero');
    if (!id) throw new Error(`mix set-up: InviaRicovero refused: ${xml.slice(0, 500)}`);
    return { id, cf: person(3 + Math.floor(i / n), i % n) };
  });
  const toDischarge = admissions.slice(2 * n, 3 * n);
  const dischargeLines = toDischarge.map((a, j) =>
    line('InviaDimissione', medicoSession(j).auth, invioDimissione(medicoSession(j).medico, a.cf, a.id, admitted, today, fine)),
  );
  const discharges = (await sendAll(gw.server.url, dischargeLines, 32)).map((xml, j) => {
    const id = field(xml, 'idCertificato');
    if (!id) throw new Error(`mix set-up: InviaDimissione refused: ${xml.slice(0, 500)}`);
    return { id, cf: toDischarge[j]!.cf, session: medicoSession(j) };
  });

  const rettifiche = certIds.slice(0, n);
  const annullamenti = certIds.slice(n, 2 * n);
  const ristampe = certIds.slice(2 * n, 3 * n);
  const toDischargeLater = admissions.slice(0, n);
  const toCancel = admissions.slice(n, 2 * n);
  const rows: RequestLine[][] = [];
  for (let j = 0; j < n; j++) {
    const s = medicoSession(j);
    const m = s.medico;
    rows.push([
      line('InviaMalattia', s.auth, invioMalattia(today, m, person(6, j))),
      line('RettificaMalattia', s.auth, { medico: m, lavoratore: { codiceFiscale: rettifiche[j]!.cf }, idCertificato: rettifiche[j]!.id, dataFine: earlier }),
      line('AnnullaMalattia', s.auth, { medico: m, lavoratore: { codiceFiscale: annullamenti[j]!.cf }, idCertificato: annullamenti[j]!.id }),
      line('RicercaMalattia', s.auth, { medico: m, lavoratore: { codiceFiscale: ristampe[j]!.cf } }),
      line('RistampaMalattia', s.auth, { medico: m, lavoratore: { codiceFiscale: ristampe[j]!.cf }, idCertificato: ristampe[j]!.id }),
      line('InviaRicovero', operatore, invioRicovero(person(7, j), admitted)),
      line('AnnullaRicovero', operatore, {
        operatore: { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' },
        lavoratore: { codiceFiscale: toCancel[j]!.cf },
        idCertificato: toCancel[j]!.id,
      }),
      line('InviaDimissione', s.auth, invioDimissione(m, toDischargeLater[j]!.cf, toDischargeLater[j]!.id, admitted, today, fine)),
      line('RettificaDimissione', discharges[j]!.session.auth, {
        medico: discharges[j]!.session.medico,
        lavoratore: { codiceFiscale: discharges[j]!.cf },
        idCertificato: discharges[j]!.id,
        dataFine: earlier,
      }),
      line('InterrogazioneLavoratore', s.auth, { medico: m, lavoratore: { codiceFiscale: person(8, j) } }),
    ]);
  }
  // The last row is the probe: every operation must really succeed once before the timed run.
  for (const l of rows.pop()!) assertOk(l.op, await send(gw.server.url, l));
  const file = path.join(b.work, 'mix.lines');
  writeLines(file, rows.flat());
  return file;
}

async function probe(url: string, l: RequestLine): Promise<string> {
  const r = await send(url, l);
  assertOk(l.op, r);
  return r.text;
}

// ------------------------------------------------------------------ quick suite

async function quickSuite(b: Bench, r: Partial<Mutable<Results>>): Promise<void> {
  const o = b.o;
  const dataDir = path.join(b.work, 'gateway-quick');
  mkdirSync(dataDir, { recursive: true });
  await seedGateway(o, dataDir);
  let gw = await startGateway(o, dataDir);
  let sampleResponse: string;
  let freshCount = 0;
  let freshWraps = 0;
  try {
    const w = buildWorkload(b, gw, 'quick');
    sampleResponse = await probe(gw.server.url, w.invioLines[0]!);
    const base = { server: gw.server, kind: 'gateway' as const, processes: gw.processes };
    // Every InviaMalattia and InterrogazioneLavoratore answer must be a ricevutaOk.
    const allOk = 0.999;
    const responseBytes = Buffer.byteLength(sampleResponse);

    const session = await measure(b, sqliteInvioSpec(gw, w.invioFile, dataDir, responseBytes));

    // A fresh ciphertext on every request: enough distinct ones for the whole run, never reused.
    freshCount = Math.ceil(session.rps * o.durationS * 1.5) + 2000;
    log(`encrypting ${freshCount} fresh pincode ciphertexts`);
    const freshLines = Array.from({ length: freshCount }, (_, i) => {
      const s = sessionOf(gw, i);
      return line('InviaMalattia', s.auth, invioMalattia(w.today, s.medico, w.persons[i % w.persons.length]!));
    });
    const freshFile = path.join(b.work, 'quick-invio-fresh.lines');
    await probe(gw.server.url, freshLines.pop()!);
    writeLines(freshFile, freshLines);
    const fresh = await measure(b, {
      ...base,
      name: 'gateway InviaMalattia, fresh pincode ciphertext per request',
      linesFile: freshFile,
      dataDir,
      responseBytes,
      warmupS: 0,
      minOkShare: allOk,
    });
    freshWraps = fresh.wraps;
    if (fresh.wraps > 0) b.integrity.push(`fresh-ciphertext run reused ciphertexts (${fresh.wraps} wraps of ${freshCount})`);

    const interrogazione = readFileSync(w.interrogazioneFile, 'utf8').split('\n')[0]!.split('\t');
    const iResponse = await probe(gw.server.url, { op: 'InterrogazioneLavoratore', auth: interrogazione[1]!, body: interrogazione[2]! });
    const reads = await measure(b, {
      ...base,
      name: 'gateway InterrogazioneLavoratore',
      linesFile: w.interrogazioneFile,
      responseBytes: Buffer.byteLength(iResponse),
      minOkShare: allOk,
    });

    // Enough distinct targets that the state-changing operations mostly act on fresh ids during
    // the run: the mix runs somewhere between the write and the read throughput.
    const mixEstimate = (session.rps + reads.rps) / 2;
    const perOp = Math.min(3000, Math.max(200, Math.ceil((mixEstimate * o.durationS * 1.2) / 10)));
    const mixFile = await buildMix(b, gw, w, perOp);
    await measure(b, {
      ...base,
      // Wrong-state answers (already cancelled, already discharged) are normal ricevute here.
      name: 'gateway mix of the 10 operations',
      linesFile: mixFile,
      responseBytes: 0,
      warmupS: 0,
    });

    const target = Math.max(1, Math.round(session.rps * 0.7));
    const paced = await measure(b, {
      ...base,
      name: 'gateway InviaMalattia at 70% of peak',
      linesFile: w.invioFile,
      rate: target,
      dataDir,
      responseBytes,
      warmupS: 0,
      minOkShare: allOk,
    });
    r.paced = { targetRps: target, achievedRps: paced.rps, p50Ms: paced.p50Ms, p99Ms: paced.p99Ms, p99OverP50: paced.p99Ms / paced.p50Ms };
    if (paced.rps < target * 0.95) b.integrity.push(`paced run reached ${paced.rps.toFixed(0)} req/s of the ${target} asked`);
    r.pincode = { sessionCiphertexts: o.connections, freshCiphertexts: freshCount, freshWraps };
  } finally {
    await gw.server.stop();
  }

  if (o.singleProcessBaselines && o.workers > 1) {
    // For context, like the 1-process ceiling and peer: what one gateway process does without the cluster.
    gw = await startGateway(o, dataDir, [], 1);
    try {
      const w = buildWorkload(b, gw, 'single');
      const text = await probe(gw.server.url, w.invioLines[0]!);
      await measure(b, {
        name: 'gateway InviaMalattia, 1 process',
        server: gw.server,
        kind: 'gateway',
        processes: 1,
        linesFile: w.invioFile,
        dataDir,
        responseBytes: Buffer.byteLength(text),
        minOkShare: 0.999,
      });
    } finally {
      await gw.server.stop();
    }
  }

  if (o.profile) {
    r.profile = (await profileRun(b, dataDir, CLI)).summary;
  }

  // The ceiling answers exactly the gateway's InviaMalattia response, byte for byte.
  const responseFile = path.join(b.work, 'ceiling-response.xml');
  writeFileSync(responseFile, sampleResponse!);
  const invioFile = path.join(b.work, 'quick-invio-session.lines');
  const responseBytes = Buffer.byteLength(sampleResponse!);
  const layouts = o.singleProcessBaselines && o.workers > 1 ? [o.workers, 1] : [o.workers];
  for (const workers of layouts) {
    const port = await freePort();
    const { command, args } = pinned(o.serverCpus, process.execPath, [CEILING]);
    const server = await startServer({
      name: 'ceiling',
      command,
      args,
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), RESPONSE_FILE: responseFile, WORKERS: String(workers) },
      port,
      processes: workers > 1 ? workers + 1 : 1,
      readyPath: '/',
    });
    try {
      const first = readFileSync(invioFile, 'utf8').split('\n')[0]!.split('\t');
      const fixed = await send(server.url, { op: 'InviaMalattia', auth: first[1]!, body: first[2]! });
      if (fixed.status !== 200 || fixed.text !== sampleResponse!) throw new Error('ceiling does not answer the fixed response');
      await measure(b, {
        name: workers === o.workers ? 'ceiling (node:http, fixed response)' : 'ceiling, 1 process',
        server,
        kind: 'ceiling',
        processes: workers > 1 ? workers + 1 : 1,
        linesFile: invioFile,
        responseBytes,
      });
    } finally {
      await server.stop();
    }
  }
  for (const workers of layouts) {
    const port = await freePort();
    const { command, args } = pinned(o.serverCpus, process.execPath, [PEER]);
    const server = await startServer({
      name: 'peer',
      command,
      args,
      env: { ...process.env, HOST: '127.0.0.1', PORT: String(port), WORKERS: String(workers) },
      port,
      processes: workers > 1 ? workers + 1 : 1,
      readyPath: '/CertServiceWeb/CertificatiMedici?wsdl',
    });
    try {
      const first = readFileSync(invioFile, 'utf8').split('\n')[0]!.split('\t');
      const echo = await send(server.url, { op: 'InviaMalattia', auth: first[1]!, body: first[2]! });
      if (echo.status !== 200 || !echo.text.includes('invioMalattiaResponse') || !echo.text.includes('<codiceFiscale>')) {
        throw new Error(`peer does not echo InviaMalattia: HTTP ${echo.status} ${echo.text.slice(0, 400)}`);
      }
      await measure(b, {
        name: workers === o.workers ? 'peer (node-soap echo)' : 'peer, 1 process',
        server,
        kind: 'peer',
        processes: workers > 1 ? workers + 1 : 1,
        linesFile: invioFile,
        responseBytes: Buffer.byteLength(echo.text),
      });
    } finally {
      await server.stop();
    }
  }

  log(`in-process parse + XSD validation, ${o.xsdIterations} iterations`);
  const sampleBody = readFileSync(invioFile, 'utf8').split('\n')[0]!.split('\t')[2]!;
  r.xsd = await benchXsd(sampleBody, o.xsdIterations);
  const gatewayInvio = b.measurements.find((m) => m.name === 'gateway InviaMalattia')!;
  r.cpuShareOutsideXsd = 1 - r.xsd.parseValidateMs / gatewayInvio.cpuMsPerRequest;
}

// ------------------------------------------------------------------ PostgreSQL

/** --stores-only: the quick suite's first run alone, SQLite's side of the store comparison. */
async function sqliteInvio(b: Bench): Promise<void> {
  const dataDir = path.join(b.work, 'gateway-quick');
  mkdirSync(dataDir, { recursive: true });
  await seedGateway(b.o, dataDir);
  const gw = await startGateway(b.o, dataDir);
  try {
    const w = buildWorkload(b, gw, 'quick');
    const responseBytes = Buffer.byteLength(await probe(gw.server.url, w.invioLines[0]!));
    await measure(b, sqliteInvioSpec(gw, w.invioFile, dataDir, responseBytes));
  } finally {
    await gw.server.stop();
  }
}

const SQLITE_INVIO = 'gateway InviaMalattia';

/**
 * InviaMalattia on SQLite: the quick suite's first run and the store comparison's reference. Every
 * answer must be a ricevutaOk; CPU by role for the comparison (a few /proc reads before and after).
 */
function sqliteInvioSpec(gw: Gateway, linesFile: string, dataDir: string, responseBytes: number): RunSpec {
  return {
    server: gw.server,
    kind: 'gateway',
    processes: gw.processes,
    name: SQLITE_INVIO,
    linesFile,
    dataDir,
    responseBytes,
    minOkShare: 0.999,
    roles: nodeRoles([gw.server]),
  };
}
const PG_ONE = 'gateway InviaMalattia, PostgreSQL, 1 node';
const PG_ONE_NGINX = 'gateway InviaMalattia, PostgreSQL, 1 node behind nginx';
const PG_TWO = 'gateway InviaMalattia, PostgreSQL, 2 nodes behind nginx';

/**
 * InviaMalattia on PostgreSQL, against the SQLite run of the quick suite:
 * one node, then two nodes on one database behind the shipped nginx
 * configuration. A throw-away cluster (the tests' own, fsync and
 * synchronous_commit on, the shipped deploy/postgresql settings that apply
 * without a restart), a fresh database seeded like the SQLite data directory
 * for each measurement, the gateways started like the SQLite one (plus
 * SAC_DATABASE_URL and a shared SAC_PINCODE_KEY_DIR), the same wrk.
 */
async function postgresSuite(b: Bench): Promise<StoreComparison> {
  const o = b.o;
  const runs = [SQLITE_INVIO];
  const notes = [
    `Everything runs on this machine's ${os.cpus().length} CPUs: gateway processes, PostgreSQL, nginx and wrk share them. ` +
      "A PostgreSQL run's throughput is what one machine does with the database beside the gateway; in production the database has its own machine.",
    'Two nodes here measure the overhead and contention of the multi-node layout (two sets of gateway processes, one proxy hop, one database), ' +
      'not scale-out: each node of a real deployment has CPUs of its own. "1 node behind nginx" separates the proxy hop from the second node.',
    'The PostgreSQL runs warm up with one wrk run long enough for a whole pass over the request lines (every person looked up once, as the ' +
      "SQLite run's 3 s warm-up does at its rate), then until two 1 s steps agree within 10%: fresh nodes fill their caches over the network.",
  ];
  const bin = postgresBinDir();
  if (bin === undefined) {
    const why =
      "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/pg_ctl): this part needs Debian's postgresql " +
      '(apt-get install -y --no-install-recommends postgresql); --no-postgres skips it without this message';
    log(`${why}. Going on without it.`);
    return { skipped: why, runs, twoNodes: 'not run', notes: [] };
  }
  log('PostgreSQL: starting a throw-away cluster (fsync on, synchronous_commit on)');
  const cluster = await startPostgresCluster(bin);
  try {
    const settings = await applyDeploySettings(ROOT, cluster);
    const pgPid = postmasterPid(cluster);
    const postgresRole: Role = { role: 'postgres', outside: true, pids: () => processTree(pgPid) };
    const keyDir = path.join(b.work, 'pg-pincode-key');
    let databases = 0;

    /** One measurement: a fresh database seeded like the SQLite data directory, `nodes` gateways on it, nginx before them or not. */
    const run = async (name: string, nodeCount: number, viaNginx: boolean): Promise<void> => {
      const n = ++databases;
      const url = await cluster.createDatabase(`sac_bench_${n}`);
      // SAC_DB_POOL_SIZE stays at its default (10 per process): 2 nodes x (primary + workers) x 10 < max_connections.
      const env: Record<string, string> = { SAC_DATABASE_URL: url, SAC_PINCODE_KEY_DIR: keyDir };
      // As deploy/systemd/sac-gateway.env: nodes behind the proxy trust its X-Forwarded-For.
      if (viaNginx) env.SAC_TRUSTED_PROXIES = '127.0.0.1';
      const seedDir = path.join(b.work, `pg-${n}-seed`);
      mkdirSync(seedDir, { recursive: true });
      await seedGateway(o, seedDir, CLI, env);
      const nodes: Gateway[] = [];
      let nginx: RunningNginx | undefined;
      try {
        for (let i = 1; i <= nodeCount; i++) {
          const dataDir = path.join(b.work, `pg-${n}-node-${i}`);
          mkdirSync(dataDir, { recursive: true });
          nodes.push(await startGateway(o, dataDir, [], o.workers, CLI, env, `gateway node ${i} (PostgreSQL)`));
        }
        const servers = nodes.map((g) => g.server);
        const roles = [...nodeRoles(servers), postgresRole];
        let server = servers[0]!;
        if (viaNginx) {
          const front = await startNginx(servers.map((g) => g.port), { processes: 'auto' });
          nginx = front;
          roles.push({ role: 'nginx', outside: true, pids: () => processTree(front.pid) });
          // What wrk talks to: nginx; what is measured as "the server": the gateway nodes.
          server = {
            name: `nginx + ${nodeCount} gateway node${nodeCount > 1 ? 's' : ''}`,
            pid: servers[0]!.pid,
            port: Number(new URL(front.url).port),
            url: front.url,
            pids: () => servers.flatMap((g) => g.pids()),
            stop: async () => {},
            stderrTail: () => servers.map((g) => g.stderrTail()).join('\n'),
          };
        }
        // Every node has the same pincode key (SAC_PINCODE_KEY_DIR): the first one's certificate serves all.
        const w = buildWorkload(b, nodes[0]!, `pg-${n}`);
        const responseBytes = Buffer.byteLength(await probe(server.url, w.invioLines[0]!));
        await measure(b, {
          name,
          server,
          kind: 'gateway',
          processes: nodes.reduce((a, g) => a + g.processes, 0),
          linesFile: w.invioFile,
          responseBytes,
          minOkShare: 0.999,
          roots: servers.map((g) => g.pid),
          roles,
          countStored: () => countCertificatesPg(url),
          pgUrl: url,
          warmUntilSteady: { lines: w.invioLines.length },
        });
        runs.push(name);
      } finally {
        await nginx?.stop();
        for (const g of nodes) await g.server.stop();
      }
    };

    await run(PG_ONE, 1, false);
    let twoNodes: string;
    if (NGINX === undefined) {
      twoNodes = 'not run: nginx is not installed (apt-get install nginx); the two nodes are measured behind it, as deployed';
      log(`PostgreSQL, 2 nodes: ${twoNodes}`);
    } else {
      twoNodes =
        'through nginx with the shipped deploy/nginx/sac-gateway.conf (least_conn, keep-alive to the nodes, worker_processes auto), ' +
        "the way a deployment spreads its load; wrk sends to nginx only; nginx's CPU is shown apart.";
      await run(PG_ONE_NGINX, 1, true);
      await run(PG_TWO, 2, true);
    }
    return { runs, twoNodes, settings, notes };
  } finally {
    await cluster.stop();
    log('PostgreSQL: cluster stopped');
  }
}

// ------------------------------------------------------------------ full suite

/** wrk sending the request lines of `linesFile` to the gateway's endpoint over `connections`, one thread on the wrk CPUs. */
function invioWrk(b: Bench, gw: Gateway, linesFile: string, connections = b.o.connections) {
  return {
    url: `${gw.server.url}/CertServiceWeb/CertificatiMedici`,
    script: 'bodies.lua' as const,
    linesFile,
    connections,
    threads: 1,
    cpus: b.o.wrkCpus === '' ? undefined : b.o.wrkCpus,
  };
}

async function scalingPoint(b: Bench, gw: Gateway, file: string, c: number): Promise<ScalingPoint> {
  const wrkOptions = invioWrk(b, gw, file, c);
  await waitForQuiet(b);
  await runWrk({ ...wrkOptions, durationS: 2 });
  const before = countCertificates(gw.dataDir);
  const cpu0 = cpuSnapshot(gw.server.pids());
  const m0 = machineTicks();
  const s = await runWrk({ ...wrkOptions, durationS: b.o.durationS });
  const otherCores = othersDuring(m0, cpu0, gw, s, b.o.durationS);
  const after = countCertificates(gw.dataDir);
  const p: ScalingPoint = {
    connections: c,
    rps: throughput(s),
    p50Ms: s.latency_us.p50 / 1000,
    p99Ms: s.latency_us.p99 / 1000,
    okShare: s.requests > 0 ? s.answers.ok / s.requests : 0,
    failures: failures(s),
    certificatesBefore: before,
    certificatesAfter: after,
    otherCores,
  };
  log(
    `scaling c=${c}: ${p.rps.toFixed(0)} req/s, p50 ${p.p50Ms.toFixed(2)} ms, p99 ${p.p99Ms.toFixed(2)} ms, store ${before} -> ${after}, ` +
      `other processes ${otherCores.toFixed(2)} cores`,
  );
  if (otherCores > 0.25) b.noise.push(`scaling c=${c} (store ${before}): other processes used ${otherCores.toFixed(2)} cores`);
  if (p.failures > 0 || p.okShare < 0.999) b.integrity.push(`scaling c=${c} (store ${before}): ok share ${p.okShare}, failures ${p.failures}`);
  return p;
}

/** Cores used by processes other than the gateway and wrk since (m0, cpu0). */
function othersDuring(m0: { busy: number; total: number }, cpu0: Map<number, number>, gw: Gateway, s: WrkSummary, durationS: number): number {
  const machine = busyCores(m0, machineTicks(), os.cpus().length);
  const server = cpuBetween(cpu0, cpuSnapshot(gw.server.pids())) / durationS;
  return Math.max(0, machine - server - s.wrk_cpu_s / durationS);
}

/** When requests crossed `threshold`, interpolated between the chunk marks. */
function timeAtRequests(marks: ReadonlyArray<{ tMs: number; requests: number }>, threshold: number): number {
  for (let i = 1; i < marks.length; i++) {
    const [a, z] = [marks[i - 1]!, marks[i]!];
    if (z.requests >= threshold) return a.tMs + ((threshold - a.requests) / Math.max(1, z.requests - a.requests)) * (z.tMs - a.tMs);
  }
  return marks[marks.length - 1]?.tMs ?? 0;
}

async function fullSuite(b: Bench, r: Partial<Mutable<Results>>): Promise<void> {
  const o = b.o;
  const dataDir = path.join(b.work, 'gateway-full');
  const snapshot = path.join(b.work, 'store-10k');
  mkdirSync(dataDir, { recursive: true });
  await seedGateway(o, dataDir);
  let gw = await startGateway(o, dataDir);
  let w: Workload;
  try {
    w = buildWorkload(b, gw, 'full');
    await probe(gw.server.url, w.invioLines[0]!);
    // Fill the store to ~10k certificates.
    while (countCertificates(dataDir) < 10_000) {
      await runWrk({
        url: `${gw.server.url}/CertServiceWeb/CertificatiMedici`,
        script: 'bodies.lua',
        linesFile: w.invioFile,
        connections: o.connections,
        threads: 1,
        durationS: 1,
        cpus: o.wrkCpus === '' ? undefined : o.wrkCpus,
      });
    }
  } finally {
    await gw.server.stop();
  }
  // Each 10k point starts from the same copy of the store (data, WAL and pincode key),
  // or the series would end at ten times the size it started with.
  cpSync(dataDir, snapshot, { recursive: true });
  log(`store at ${countCertificates(dataDir)} certificates: scaling series`);
  const at10k: ScalingPoint[] = [];
  for (const c of o.scalingConnections) {
    rmSync(dataDir, { recursive: true, force: true });
    cpSync(snapshot, dataDir, { recursive: true });
    gw = await startGateway(o, dataDir);
    try {
      at10k.push(await scalingPoint(b, gw, w.invioFile, c));
    } finally {
      await gw.server.stop();
    }
  }
  rmSync(snapshot, { recursive: true, force: true });

  gw = await startGateway(o, dataDir);
  try {
    const wrkBase = invioWrk(b, gw, w.invioFile);
    // The soak: InviaMalattia in 30-second chunks until --soak requests, RSS sampled every 2 s.
    log(`soak: ${o.soakRequests} InviaMalattia requests`);
    const sampler = new RssSampler(gw.server.pid, 2000).start();
    const chunks: Soak['chunks'] = [];
    const marks: Array<{ tMs: number; requests: number }> = [{ tMs: 0, requests: 0 }];
    const t0 = Date.now();
    let requests = 0;
    let ok = 0;
    let failed = 0;
    while (requests < o.soakRequests) {
      const remainingS = Math.ceil((o.soakRequests - requests) / Math.max(1, requests / ((Date.now() - t0) / 1000) || 1000));
      const chunkS = Math.max(5, Math.min(30, remainingS + 1));
      const cpu0 = cpuSnapshot(gw.server.pids());
      const m0 = machineTicks();
      const s = await runWrk({ ...wrkBase, durationS: chunkS });
      const otherCores = othersDuring(m0, cpu0, gw, s, chunkS);
      if (otherCores > 0.25) b.noise.push(`soak chunk ending at ${requests + s.requests} requests: other processes used ${otherCores.toFixed(2)} cores`);
      requests += s.requests;
      ok += s.answers.ok;
      failed += failures(s);
      chunks.push({ requests, rps: throughput(s), p99Ms: s.latency_us.p99 / 1000, otherCores });
      marks.push({ tMs: Date.now() - t0, requests });
      const last = sampler.samples[sampler.samples.length - 1];
      log(
        `soak: ${requests} requests, ${throughput(s).toFixed(0)} req/s, RSS ${((last?.rssKb ?? 0) / 1024).toFixed(0)} MB, ` +
          `other processes ${otherCores.toFixed(2)} cores`,
      );
    }
    sampler.stop();
    const seconds = (Date.now() - t0) / 1000;
    // RSS after warm-up: samples taken once 10% of the requests were done.
    const warm = timeAtRequests(marks, o.soakRequests * 0.1);
    const postSamples = sampler.samples.filter((s) => s.tMs >= warm);
    const post = postSamples.map((s) => s.rssKb / 1024);
    // Trend: RSS against requests done (time scaled by the soak's mean rate).
    const perMs = requests / Math.max(1, seconds * 1000);
    const xs = postSamples.map((s) => (s.tMs * perMs) / 100_000);
    const xMean = xs.reduce((a, x) => a + x, 0) / Math.max(1, xs.length);
    const yMean = post.reduce((a, y) => a + y, 0) / Math.max(1, post.length);
    let sxy = 0;
    let sxx = 0;
    xs.forEach((x, i) => {
      sxy += (x - xMean) * (post[i]! - yMean);
      sxx += (x - xMean) ** 2;
    });
    const tenth = Math.max(1, Math.floor(post.length / 10));
    const medianOf = (v: number[]) => [...v].sort((a, b2) => a - b2)[Math.floor(v.length / 2)] ?? 0;
    const lastVsFirst = medianOf(post.slice(-tenth)) / Math.max(1, medianOf(post.slice(0, tenth)));
    const sorted = [...post].sort((a, b2) => a - b2);
    const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
    const minMb = sorted[0] ?? 0;
    const maxMb = sorted[sorted.length - 1] ?? 0;
    const certificatesAfter = countCertificates(dataDir);
    r.soak = {
      requests,
      ok,
      failures: failed,
      seconds,
      samples: sampler.samples,
      medianMb: median,
      minMb,
      maxMb,
      flat: median > 0 && minMb >= median * 0.9 && maxMb <= median * 1.1,
      slopeMbPer100k: sxx > 0 ? sxy / sxx : 0,
      lastVsFirst,
      chunks,
      certificatesAfter,
    };
    if (ok < requests * 0.999) b.integrity.push(`soak: ${ok} ricevutaOk of ${requests}`);
    log(`store at ${certificatesAfter} certificates: scaling series`);
    // At ~1M the series' own inserts change the size by a few per cent only: no restore.
    const at1M: ScalingPoint[] = [];
    for (const c of o.scalingConnections) at1M.push(await scalingPoint(b, gw, w.invioFile, c));
    r.scaling = { at10k, at1M };
  } finally {
    await gw.server.stop();
  }
}

// ------------------------------------------------------------------ main

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function writeDoc(results: Results): void {
  const png = renderPlot(results);
  if (png) writeFileSync(path.join(ROOT, 'docs/performance.png'), png);
  writeFileSync(path.join(ROOT, 'docs/performance.md'), renderDoc(results, png ? 'performance.png' : undefined));
  process.stdout.write(`wrote docs/performance.md${png ? ' and docs/performance.png' : ''}\n`);
}

/**
 * A gateway InviaMalattia run under --cpu-prof (every thread of every
 * process, the store writer's included), summarised over the timed part only,
 * with the requests wrk completed in it: CPU per request is steadier than
 * throughput on a shared machine.
 */
async function profileRun(b: Bench, dataDir: string, cli: string): Promise<{ summary: ProfileSummary; requests: number }> {
  const o = b.o;
  const profDir = path.join(dataDir, 'cpuprofile');
  mkdirSync(profDir, { recursive: true });
  log(`profiling the gateway (--cpu-prof) during ${o.durationS} s of InviaMalattia`);
  const gw = await startGateway(o, dataDir, ['--cpu-prof', `--cpu-prof-dir=${profDir}`], o.workers, cli);
  const window = { fromUs: 0, toUs: 0 };
  let requests = 0;
  try {
    const w = buildWorkload(b, gw, `profile-${path.basename(dataDir)}`);
    await probe(gw.server.url, w.invioLines[0]!);
    const run = invioWrk(b, gw, w.invioFile);
    await runWrk({ ...run, durationS: o.warmupS });
    await waitForQuiet(b);
    window.fromUs = Number(process.hrtime.bigint() / 1000n);
    requests = (await runWrk({ ...run, durationS: o.durationS })).requests;
    window.toUs = Number(process.hrtime.bigint() / 1000n);
  } finally {
    await gw.server.stop();
  }
  await sleep(1000);
  // Only the timed run's samples: no start-up, warm-up or shutdown.
  const summary = summarizeProfiles(profDir, ROOT, 25, window, gw.server.pid);
  log(`profile: ${summary.files} files, ${summary.busyMs.toFixed(0)} ms busy, ${requests} requests`);
  return { summary, requests };
}

/**
 * --profile-only [--build DIR]: profile runs alternating between this build
 * and (with --build) the one in DIR, --rounds times; prints CPU µs per
 * request by thread and the top functions of the last round of each.
 */
async function profileSuite(b: Bench, otherRoot: string | undefined): Promise<void> {
  const builds = [{ name: 'this build', cli: CLI }];
  if (otherRoot !== undefined) builds.push({ name: `build in ${otherRoot}`, cli: path.join(path.resolve(otherRoot), 'dist/src/cli.js') });
  const perRequest: number[][] = builds.map(() => []);
  const last: Array<{ summary: ProfileSummary; requests: number } | undefined> = builds.map(() => undefined);
  for (let round = 1; round <= b.o.abRounds; round++) {
    for (const [i, build] of builds.entries()) {
      const dataDir = path.join(b.work, `profile-${round}-${i}`);
      mkdirSync(dataDir, { recursive: true });
      await seedGateway(b.o, dataDir, build.cli);
      const run = await profileRun(b, dataDir, build.cli);
      perRequest[i]!.push((run.summary.busyMs * 1000) / Math.max(1, run.requests));
      last[i] = run;
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  for (const [i, build] of builds.entries()) {
    const run = last[i]!;
    process.stdout.write(`\n${build.name}: CPU µs per InviaMalattia, all threads: ${perRequest[i]!.map((x) => x.toFixed(1)).join(', ')} (median ${median(perRequest[i]!).toFixed(1)})\n`);
    for (const p of run.summary.processes) process.stdout.write(`  ${p.role.padEnd(28)} ${((p.busyMs * 1000) / Math.max(1, run.requests)).toFixed(1)} µs/request\n`);
    for (const p of run.summary.top.slice(0, 25)) {
      process.stdout.write(`  ${(p.share * 100).toFixed(1).padStart(5)}%  ${p.name}  ${p.where || '(native)'}${p.calledFrom ? `  <- ${p.calledFrom}` : ''}\n`);
    }
  }
  if (builds.length === 2) process.stdout.write(`\nthis / other, CPU per request (medians): ${(median(perRequest[0]!) / median(perRequest[1]!)).toFixed(3)}\n`);
}

/**
 * --ab DIR: the gateway InviaMalattia run only, alternating between this
 * build and the one in DIR (another checkout, built), --rounds times, each
 * on a fresh data directory. Runs on this machine differ by several percent
 * from one to the next even for the same code: interleaving and medians are
 * what make a before/after comparison of a small change honest.
 */
async function abSuite(b: Bench, otherRoot: string): Promise<void> {
  const builds = [
    { name: 'this build', cli: CLI },
    { name: `build in ${otherRoot}`, cli: path.join(path.resolve(otherRoot), 'dist/src/cli.js') },
  ];
  if (!existsSync(builds[1]!.cli)) throw new Error(`${builds[1]!.cli} is missing: build that checkout first`);
  const rps: number[][] = builds.map(() => []);
  // The gateway's CPU (all its processes and threads, from /proc) per request: steadier than req/s on a busy machine.
  const cpuUs: number[][] = builds.map(() => []);
  for (let round = 1; round <= b.o.abRounds; round++) {
    for (const [i, build] of builds.entries()) {
      const dataDir = path.join(b.work, `ab-${round}-${i}`);
      mkdirSync(dataDir, { recursive: true });
      await seedGateway(b.o, dataDir, build.cli);
      const gw = await startGateway(b.o, dataDir, [], b.o.workers, build.cli);
      try {
        const w = buildWorkload(b, gw, `ab-${round}-${i}`);
        const responseBytes = Buffer.byteLength(await probe(gw.server.url, w.invioLines[0]!));
        const m = await measure(b, {
          server: gw.server,
          kind: 'gateway',
          processes: gw.processes,
          name: `gateway InviaMalattia (${build.name}, round ${round})`,
          linesFile: w.invioFile,
          dataDir,
          responseBytes,
          minOkShare: 0.999,
        });
        rps[i]!.push(m.rps);
        cpuUs[i]!.push((m.serverCpuS * 1e6) / Math.max(1, m.requests));
      } finally {
        await gw.server.stop();
      }
    }
  }
  const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
  process.stdout.write('\nInviaMalattia req/s, interleaved:\n');
  for (const [i, build] of builds.entries()) {
    process.stdout.write(`  ${build.name.padEnd(40)} ${rps[i]!.map((x) => Math.round(x)).join(', ')}  (median ${Math.round(median(rps[i]!))})\n`);
  }
  process.stdout.write(`  this / other (medians): ${(median(rps[0]!) / median(rps[1]!)).toFixed(3)}\n`);
  process.stdout.write('gateway CPU µs per request (all processes and threads):\n');
  for (const [i, build] of builds.entries()) {
    process.stdout.write(`  ${build.name.padEnd(40)} ${cpuUs[i]!.map((x) => x.toFixed(1)).join(', ')}  (median ${median(cpuUs[i]!).toFixed(1)})\n`);
  }
  process.stdout.write(`  this / other (medians): ${(median(cpuUs[0]!) / median(cpuUs[1]!)).toFixed(3)}\n`);
}

/** Cumulative counts of sac_request_duration_seconds buckets for one operation, by upper bound (s). */
async function durationBuckets(url: string, operation: string): Promise<Map<number, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const buckets = new Map<number, number>();
  const re = new RegExp(`^sac_request_duration_seconds_bucket\\{([^}]*)\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) {
    const labels = m[1]!;
    if (!labels.includes(`operation="${operation}"`)) continue;
    const le = /le="([^"]+)"/.exec(labels)?.[1];
    if (le === undefined) continue;
    buckets.set(le === '+Inf' ? Infinity : Number(le), Number(m[2]));
  }
  return buckets;
}

/** The upper bound of the bucket holding quantile q of the calls between two scrapes (an upper estimate). */
function quantileFromBuckets(before: Map<number, number>, after: Map<number, number>, q: number): { count: number; upperS: number } {
  const bounds = [...after.keys()].sort((x, y) => x - y);
  const total = (after.get(Infinity) ?? 0) - (before.get(Infinity) ?? 0);
  for (const le of bounds) {
    if ((after.get(le) ?? 0) - (before.get(le) ?? 0) >= q * total) return { count: total, upperS: le };
  }
  return { count: total, upperS: Infinity };
}

/**
 * --overload: what a rush does to the gateway. A closed-loop peak run finds
 * what it sustains; a paced run then offers FACTOR x that rate over many
 * connections. Reported: the offered and achieved rates, the admitted calls
 * (ricevutaOk) per second and their p99 as the gateway's own latency
 * histogram saw them (wrk's latency mixes admitted calls with the fast
 * refusals), and the share of 503 refusals.
 */
async function overloadSuite(b: Bench, factor: number): Promise<void> {
  const dataDir = path.join(b.work, 'overload');
  mkdirSync(dataDir, { recursive: true });
  await seedGateway(b.o, dataDir, CLI);
  const gw = await startGateway(b.o, dataDir, [], b.o.workers, CLI);
  try {
    const w = buildWorkload(b, gw, 'overload');
    const responseBytes = Buffer.byteLength(await probe(gw.server.url, w.invioLines[0]!));
    const base = { server: gw.server, kind: 'gateway' as const, processes: gw.processes, linesFile: w.invioFile, dataDir, responseBytes };
    const peak = await measure(b, { ...base, name: 'gateway InviaMalattia peak (closed loop)', minOkShare: 0.999 });
    const offered = Math.round(peak.rps * factor);
    const before = await durationBuckets(gw.server.url, 'InviaMalattia');
    const rush = await measure(b, {
      ...base,
      name: `gateway InviaMalattia at ${factor}x peak (${offered} req/s offered, ${b.o.overloadConnections} connections)`,
      rate: offered,
      connections: b.o.overloadConnections,
      refusalsExpected: true,
    });
    const after = await durationBuckets(gw.server.url, 'InviaMalattia');
    const admitted = rush.answers.ok / rush.durationS;
    const p50 = quantileFromBuckets(before, after, 0.5);
    const p99 = quantileFromBuckets(before, after, 0.99);
    const refused = rush.answers.non2xx;
    process.stdout.write(
      `\nOverload (${factor}x):\n` +
        `  peak (closed loop, ${b.o.connections} connections)   ${peak.rps.toFixed(0)} req/s, p99 ${peak.p99Ms.toFixed(1)} ms\n` +
        `  offered / achieved                     ${offered} / ${rush.rps.toFixed(0)} req/s over ${b.o.overloadConnections} connections\n` +
        `  admitted (ricevutaOk)                  ${admitted.toFixed(0)} req/s (${((100 * admitted) / peak.rps).toFixed(0)}% of peak), stored ${rush.stored ?? '?'}\n` +
        `  admitted calls, server latency         p50 <= ${(p50.upperS * 1000).toFixed(0)} ms, p99 <= ${(p99.upperS * 1000).toFixed(0)} ms (histogram buckets, ${p99.count} calls)\n` +
        `  refused (503 + Retry-After)            ${refused} of ${rush.requests} (${((100 * refused) / Math.max(1, rush.requests)).toFixed(1)}%), other failures ${rush.failures - refused}\n` +
        `  all answers as wrk saw them            p50 ${rush.p50Ms.toFixed(1)} ms, p99 ${rush.p99Ms.toFixed(1)} ms, max ${rush.maxMs.toFixed(0)} ms\n`,
    );
  } finally {
    await gw.server.stop();
  }
}

async function main(argv: string[]): Promise<void> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(HELP);
    return;
  }
  const renderFrom = argv.indexOf('--render');
  if (renderFrom !== -1) {
    // Re-draw docs/performance.md and its plot from a saved run (e.g. after editing bench/performance-notes.md).
    writeDoc(JSON.parse(readFileSync(argv[renderFrom + 1] ?? '', 'utf8')) as Results);
    return;
  }
  const missing = checkTools();
  if (missing) {
    process.stderr.write(`${missing}\n`);
    process.exit(1);
  }
  if (!existsSync(CLI)) {
    process.stderr.write(`${CLI} is missing: build first (npx tsc -p tsconfig.json)\n`);
    process.exit(1);
  }
  const o = parseOptions(argv);
  const work = mkdtempSync(path.join(o.workParent, 'sac-bench-'));
  const b: Bench = { o, work, measurements: [], integrity: [], noise: [] };
  const startedAt = new Date().toISOString();
  // The source measured is the one at the start (src/ may change while a long run goes on).
  const gitCommit = gitDescribe(process.env.BENCH_GIT_DIR ?? ROOT);
  const fsType = sh('stat', ['-f', '-c', '%T', work]);
  if (fsType === 'tmpfs' || fsType === 'ramfs') {
    log(`WARNING: ${work} is on ${fsType}: fsync costs nothing there, durability is not measured. Use --work-dir on a disk.`);
  }
  const flush = measureFlush(work);
  log(`disk flush (4 KB write + fdatasync) on ${fsType}: p50 ${flush.p50Ms.toFixed(2)} ms, p99 ${flush.p99Ms.toFixed(2)} ms`);
  const syncSetting = /pragma\(\s*['"`]synchronous\s*=\s*(\w+)/i.exec(readFileSync(path.join(ROOT, 'src/store/sqlite/sqliteStore.ts'), 'utf8'))?.[1] ?? 'unknown';
  const r: Partial<Mutable<Results>> = {};
  const cpus = os.cpus();
  const cores =
    `${cpus.length} CPUs. wrk: 1 thread, ${o.wrkCpus === '' ? 'not pinned' : `pinned to CPU ${o.wrkCpus} (taskset -c ${o.wrkCpus})`}. ` +
    `Servers: ${o.serverCpus === '' ? `not pinned (may use all ${cpus.length} CPUs, sharing CPU ${o.wrkCpus || 'any'} with wrk)` : `pinned to CPUs ${o.serverCpus}`}; ` +
    `gateway, ceiling and peer each run ${o.workers} worker process${o.workers > 1 ? 'es (node:cluster) + primary' : ''}.`;
  log(`work dir ${work} (${fsType}); ${cores}`);
  if (o.profileOnly || o.abOther !== undefined || o.overload !== undefined) {
    try {
      if (o.profileOnly) await profileSuite(b, o.profileBuild);
      else if (o.abOther !== undefined) await abSuite(b, o.abOther);
      else await overloadSuite(b, o.overload!);
    } finally {
      if (!o.keep) rmSync(work, { recursive: true, force: true });
    }
    if (b.integrity.length > 0) {
      process.stderr.write(`\nINTEGRITY PROBLEMS (numbers above may not be real):\n  ${b.integrity.join('\n  ')}\n`);
      process.exit(3);
    }
    return;
  }
  try {
    if (o.storesOnly) await sqliteInvio(b);
    else await quickSuite(b, r);
    if (o.postgres || o.storesOnly) r.stores = await postgresSuite(b);
    if (o.full) await fullSuite(b, r);
  } finally {
    if (!o.keep) rmSync(work, { recursive: true, force: true });
  }

  const by = (name: string) => b.measurements.find((m) => m.name === name);
  const gwInvio = by('gateway InviaMalattia')!;
  const ratios: Record<string, number> = {};
  const ceiling = by('ceiling (node:http, fixed response)');
  const peer = by('peer (node-soap echo)');
  if (ceiling) ratios['gateway/ceiling'] = gwInvio.rps / ceiling.rps;
  if (peer) ratios['gateway/peer'] = gwInvio.rps / peer.rps;
  const ceiling1 = by('ceiling, 1 process');
  const peer1 = by('peer, 1 process');
  if (ceiling1) ratios['gateway (cluster)/ceiling (1 process)'] = gwInvio.rps / ceiling1.rps;
  if (peer1) ratios['gateway (cluster)/peer (1 process)'] = gwInvio.rps / peer1.rps;
  const fresh = by('gateway InviaMalattia, fresh pincode ciphertext per request');
  if (fresh) ratios['fresh/session ciphertext'] = fresh.rps / gwInvio.rps;
  const gw1 = by('gateway InviaMalattia, 1 process');
  if (gw1 && ceiling1) ratios['1 process: gateway/ceiling'] = gw1.rps / ceiling1.rps;
  if (gw1 && peer1) ratios['1 process: gateway/peer'] = gw1.rps / peer1.rps;

  const results: Results = {
    startedAt,
    finishedAt: new Date().toISOString(),
    options: o,
    machine: {
      cpus: cpus.length,
      cpuModel: cpus[0]?.model ?? 'unknown',
      memoryGb: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
      wrk: sh('wrk', ['--version']).split('\n')[0]!.replace(/\s+Copyright.*$/, ''),
      kernel: `${os.type()} ${os.release()}`,
      workFs: fsType,
      flush,
      durability: `SQLite WAL, synchronous=${syncSetting} (src/store/sqlite/sqliteStore.ts), group commit`,
      gitCommit,
    },
    cores,
    measurements: b.measurements,
    ratios,
    pincode: r.pincode ?? { sessionCiphertexts: o.connections, freshCiphertexts: 0, freshWraps: 0 },
    ...(r.paced ? { paced: r.paced } : {}),
    ...(r.xsd ? { xsd: r.xsd } : {}),
    ...(r.cpuShareOutsideXsd !== undefined ? { cpuShareOutsideXsd: r.cpuShareOutsideXsd } : {}),
    ...(r.profile ? { profile: r.profile } : {}),
    ...(r.scaling ? { scaling: r.scaling } : {}),
    ...(r.soak ? { soak: r.soak } : {}),
    ...(r.stores ? { stores: r.stores } : {}),
    integrity: b.integrity,
    noise: b.noise,
  };

  process.stdout.write(renderConsole(results));
  const resultsDir = path.join(ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  const stamp = startedAt.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const kind = o.full ? 'full' : o.storesOnly ? 'stores' : 'quick';
  writeFileSync(path.join(resultsDir, `${kind}-${stamp}.json`), json);
  writeFileSync(path.join(resultsDir, 'latest.json'), json);
  process.stdout.write(`\nresults: bench/results/${kind}-${stamp}.json\n`);
  if (o.doc) writeDoc(results);
  if (b.noise.length > 0) process.stderr.write(`\nnoisy runs (other processes were busy):\n  ${b.noise.join('\n  ')}\n`);
  if (b.integrity.length > 0) {
    process.stderr.write(`\nINTEGRITY PROBLEMS (numbers above may not be real):\n  ${b.integrity.join('\n  ')}\n`);
    process.exit(3);
  }
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
