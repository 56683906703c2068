/**
 * The load generator: Debian's wrk, pinned with taskset, driven by the Lua
 * scripts in bench/wrk/ that print a JSON summary.
 */
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** bench/wrk/ in the source tree (the .lua files are not compiled). */
export const WRK_DIR = fileURLToPath(new URL('../../../bench/wrk/', import.meta.url));

export interface WrkSummary {
  readonly requests: number;
  readonly duration_us: number;
  readonly bytes: number;
  readonly errors: { connect: number; read: number; write: number; status: number; timeout: number };
  readonly latency_us: { min: number; mean: number; p50: number; p90: number; p99: number; p999: number; max: number; stdev: number };
  readonly answers: { ok: number; nonok: number; fault: number; non2xx: number; other: number };
  readonly wraps: number;
  readonly wrk_cpu_s: number;
}

export interface WrkOptions {
  readonly url: string;
  readonly script: 'bodies.lua' | 'paced.lua';
  readonly linesFile: string;
  readonly connections: number;
  readonly threads: number;
  readonly durationS: number;
  /** taskset CPU list for wrk, e.g. "1"; undefined = not pinned. */
  readonly cpus: string | undefined;
  /** paced.lua only: total requests per second. */
  readonly rate?: number;
}

/** The wrk command line (also printed in the report so a run can be repeated by hand). */
export function wrkCommand(o: WrkOptions): string[] {
  const args = [
    'wrk',
    `-t${o.threads}`,
    `-c${o.connections}`,
    `-d${o.durationS}s`,
    '--timeout',
    '10s',
    '-s',
    `${WRK_DIR}${o.script}`,
    o.url,
    '--',
    o.linesFile,
    String(o.threads),
  ];
  if (o.script === 'paced.lua') args.push(String(Math.round(o.rate ?? 0)));
  return o.cpus === undefined ? args : ['taskset', '-c', o.cpus, ...args];
}

let runs = 0;
function nextRunTag(): string {
  runs++;
  return `${(process.pid % 0x10000).toString(16).padStart(4, '0')}${(runs % 0x10000).toString(16).padStart(4, '0')}`;
}

export function runWrk(o: WrkOptions): Promise<WrkSummary> {
  const [command, ...args] = wrkCommand(o);
  return new Promise((resolve, reject) => {
    // A tag no earlier run of this process used: bodies.lua makes each request's UNIQUE_MARK unique with it.
    const env = { ...process.env, BENCH_RUN_TAG: nextRunTag() };
    const child = spawn(command!, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (err += c.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
      if (code !== 0 || !line) {
        reject(new Error(`wrk failed (exit ${code}): ${err || out}`));
        return;
      }
      resolve(JSON.parse(line.slice('BENCH_JSON '.length)) as WrkSummary);
    });
  });
}

/** Whether wrk (and taskset) are installed; the install hint otherwise. */
export function checkTools(): string | undefined {
  const missing: string[] = [];
  for (const [tool, args] of [
    ['wrk', ['--version']],
    ['taskset', ['--version']],
  ] as const) {
    try {
      execFileSync(tool, [...args], { stdio: 'ignore' });
    } catch (e) {
      // wrk --version exits 1 after printing its banner: only "not found" matters.
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') missing.push(tool);
    }
  }
  if (missing.length === 0) return undefined;
  const pkgs = missing.map((t) => (t === 'taskset' ? 'util-linux' : t));
  return `missing ${missing.join(', ')}: install with\n  sudo apt-get install -y ${pkgs.join(' ')}\n(Debian/Ubuntu; wrk is also at https://github.com/wg/wrk)`;
}

export function throughput(s: WrkSummary): number {
  return s.requests / (s.duration_us / 1e6);
}

/** Requests wrk counted as failed: socket errors and HTTP status >= 400 (and any non-2xx seen by the script). */
export function failures(s: WrkSummary): number {
  const e = s.errors;
  return e.connect + e.read + e.write + e.timeout + Math.max(e.status, s.answers.non2xx);
}
