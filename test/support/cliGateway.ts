/**
 * The real CLI (`node dist/src/cli.js serve`, the binary `npm start` runs)
 * in a child process on a free loopback port, started and polled on
 * /healthz until it serves.
 *
 * The caller keeps track of every child through `track`, which is called
 * right after the spawn, before the wait for /healthz can throw: whatever
 * happens, the caller's after() can kill each one by PID.
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { withTestStore } from './testStore.js';

// dist/test/support/ -> dist/src/cli.js: the very binary `npm start` runs.
const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));
const SERVICE = '/CertServiceWeb/CertificatiMedici';

export interface CliGateway {
  readonly child: ChildProcess;
  /** http://127.0.0.1:port */
  readonly url: string;
  /** The CertificatiMedici SOAP endpoint. */
  readonly endpoint: string;
  /** Settles when the process exits, with its exit code or the signal that ended it. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Everything the process wrote so far on its piped stdout and stderr. */
  output(): string;
}

export interface CliOptions {
  /** Called with the child as soon as it is spawned, so the caller can kill it by PID in after(). */
  track?: (child: ChildProcess) => void;
  /** Variables set over the defaults (HOST, PORT, SAC_DATA_DIR, LOG_LEVEL=warn). */
  env?: Record<string, string>;
  /** Default ['ignore', 'pipe', 'pipe']; only piped streams end up in output(). */
  stdio?: StdioOptions;
  /** Listen on this port instead of a free one (a node restarted where a load balancer expects it). */
  port?: number;
}

/** A loopback port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  probe.listen(0, '127.0.0.1');
  await once(probe, 'listening');
  const { port } = probe.address() as AddressInfo;
  probe.close();
  await once(probe, 'close');
  return port;
}

export async function startCli(dataDir: string, options: CliOptions = {}): Promise<CliGateway> {
  const port = options.port ?? (await freePort());
  // Only this test's settings: an inherited SAC_* variable must not change the run.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SAC_')));
  const child = spawn(process.execPath, [CLI, 'serve'], {
    // Under the store switch: the data directory's own database (testStore.ts), unless options.env names one.
    env: withTestStore({ ...env, HOST: '127.0.0.1', PORT: String(port), SAC_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...options.env }),
    stdio: options.stdio ?? ['ignore', 'pipe', 'pipe'],
  });
  options.track?.(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  // A caller that never awaits `exited` must not see an unhandled rejection (a child 'error'); one that does still gets it.
  exited.catch(() => {});
  const url = `http://127.0.0.1:${port}`;
  // Poll /healthz; the bound only keeps a broken start from hanging the run.
  for (let attempt = 0; ; attempt++) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the gateway exited before serving:\n${output}`);
    if (attempt > 600) throw new Error(`the gateway never answered /healthz:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    await delay(50);
  }
  return { child, url, endpoint: `${url}${SERVICE}`, exited, output: () => output };
}
