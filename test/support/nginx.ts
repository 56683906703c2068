/**
 * Debian's nginx running the SHIPPED deploy/nginx/sac-gateway.conf, with only
 * its addresses replaced: the three upstream servers (127.0.0.1:8081-8083)
 * by the given ports, the public listener by a free loopback port. In the
 * foreground (no daemon), everything (config, logs, temp files, pid) in a
 * fresh temporary directory. The tests run one process (no master); the
 * bench (bench/run.ts) runs a master and one worker per CPU, as Debian's
 * nginx.conf does, so that it measures what a deployment runs.
 *
 * The access log names, per request, every node nginx tried and what each
 * answered ($upstream_addr, $upstream_status), so a test can see retries.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { freePort } from './cliGateway.js';
import { processTree } from './processTree.js';

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* already gone */
  }
}

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SHIPPED_NGINX_CONF = join(ROOT, 'deploy/nginx/sac-gateway.conf');

/** Debian's nginx binary, or undefined where it is not installed. */
export const NGINX: string | undefined = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));

/** The shipped file's three upstream servers, in order. */
const SHIPPED_PORTS = [8081, 8082, 8083] as const;

export interface RunningNginx {
  readonly child: ChildProcess;
  /** The master's (or the single process's) PID. */
  readonly pid: number;
  /** http://127.0.0.1:port, nginx's public listener. */
  readonly url: string;
  /** The CertificatiMedici SOAP endpoint through nginx. */
  readonly endpoint: string;
  /** The temporary directory (removed by stop()). */
  readonly work: string;
  /** Lines of the access log: `status upstream_addr upstream_status method uri`. */
  accessLog(): string;
  errorLog(): string;
  /** Ends nginx by its PID and removes its directory. */
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** Called with the child as soon as it is spawned, so the caller can kill it by PID. */
  track?: (child: ChildProcess) => void;
  /** A change to the site file after the addresses are replaced (a test showing that a check can fail). */
  edit?: (site: string) => string;
  /** 'single' (default): one process; 'auto': a master and one worker per CPU (the bench). */
  processes?: 'single' | 'auto';
}

/**
 * The shipped site file with its upstream servers replaced by `ports`, in
 * order (the servers beyond them removed), and its listener by
 * 127.0.0.1:`listenPort`. Every other line is the shipped one.
 */
export function siteConfig(ports: readonly number[], listenPort: number): string {
  assert.ok(ports.length <= SHIPPED_PORTS.length, `the shipped file has ${SHIPPED_PORTS.length} upstream servers`);
  let site = readFileSync(SHIPPED_NGINX_CONF, 'utf8');
  SHIPPED_PORTS.forEach((shippedPort, i) => {
    const shipped = `127.0.0.1:${shippedPort} `;
    assert.ok(site.includes(shipped), `the shipped file names ${shipped}`);
    const port = ports[i];
    if (port !== undefined) site = site.replace(shipped, `127.0.0.1:${port} `);
    else site = site.replace(new RegExp(`^\\s*server ${shipped.replaceAll('.', '\\.')}.*\\n`, 'm'), '');
  });
  assert.match(site, /^\s*listen 8080;/m, 'the shipped file listens on 8080');
  return site.replace(/^(\s*)listen 8080;/m, `$1listen 127.0.0.1:${listenPort};`);
}

/**
 * Starts nginx before `ports` (at most three: the shipped file's servers in
 * order) and waits until its listener answers.
 */
export async function startNginx(ports: readonly number[], options: NginxOptions = {}): Promise<RunningNginx> {
  assert.ok(NGINX !== undefined, 'nginx is not installed');
  const work = mkdtempSync(join(tmpdir(), 'sac-nginx-'));
  const front = await freePort();
  let site = siteConfig(ports, front);
  if (options.edit) site = options.edit(site);
  writeFileSync(join(work, 'site.conf'), site);
  mkdirSync(join(work, 'logs'));
  writeFileSync(
    join(work, 'nginx.conf'),
    [
      'daemon off;',
      ...(options.processes === 'auto'
        ? // As root the workers would switch to "nobody", who cannot enter this directory.
          [...(process.getuid?.() === 0 ? ['user root;'] : []), 'worker_processes auto;']
        : ['master_process off;']),
      `pid ${join(work, 'nginx.pid')};`,
      `error_log ${join(work, 'logs/error.log')} warn;`,
      'events { worker_connections 1024; }',
      'http {',
      "  log_format tries '$status $upstream_addr $upstream_status $request_method $request_uri';",
      `  access_log ${join(work, 'logs/access.log')} tries;`,
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(work, t)};`),
      `  include ${join(work, 'site.conf')};`,
      '}',
      '',
    ].join('\n'),
  );
  const child = spawn(NGINX, ['-p', work, '-c', join(work, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  options.track?.(child);
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const pid = child.pid!;
  // SIGTERM: a fast shutdown, the master ending its workers; SIGKILL to every process left after 10 s.
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      const tree = processTree(pid);
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const done = await Promise.race([exited.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 10_000)))]);
      clearTimeout(timer);
      if (!done) for (const p of tree) killQuietly(p);
    }
    rmSync(work, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${front}`;
  try {
    for (let attempt = 0; ; attempt++) {
      assert.ok(attempt < 200 && child.exitCode === null, `nginx did not start: ${stderr}`);
      try {
        await fetch(`${url}/healthz`);
        break;
      } catch {
        await delay(50);
      }
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const read = (file: string) => () => {
    try {
      return readFileSync(join(work, 'logs', file), 'utf8');
    } catch {
      return '';
    }
  };
  return { child, pid, url, endpoint: `${url}/CertServiceWeb/CertificatiMedici`, work, accessLog: read('access.log'), errorLog: read('error.log'), stop };
}
