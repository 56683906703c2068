/**
 * Servers under test run as child processes on loopback, each on a port of
 * its own; the bench stops exactly the processes it started, by PID.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { processTree } from '../../test/support/processTree.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  /** Primary and workers alive now. */
  pids(): number[];
  stop(): Promise<void>;
  /** The last lines it wrote to stderr, for error messages. */
  stderrTail(): string;
}

export interface StartOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly port: number;
  /** How many processes (primary + workers) must be alive before it counts as started. */
  readonly processes: number;
  /** GET this path until it answers (any HTTP status): the port is listening. */
  readonly readyPath: string;
  readonly cwd?: string;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startServer(o: StartOptions): Promise<ServerProcess> {
  const child = spawn(o.command, [...o.args], { env: o.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${o.name}: could not start ${o.command}`);
  const url = `http://127.0.0.1:${o.port}`;
  const server: ServerProcess = {
    name: o.name,
    pid,
    port: o.port,
    url,
    pids: () => processTree(pid),
    stderrTail: () => tail,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const tree = processTree(pid);
      child.kill('SIGTERM');
      const done = await Promise.race([exited(child).then(() => true), sleep(15_000).then(() => false)]);
      if (!done) {
        // Only the processes this server started, by PID.
        for (const p of tree) {
          try {
            process.kill(p, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
        await exited(child);
      }
      // Workers finish their own shutdown after the primary; give them a moment.
      for (let i = 0; i < 50 && tree.some((p) => processTree(p).length > 0); i++) await sleep(100);
    },
  };

  const deadline = Date.now() + 60_000;
  let answered = 0;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${o.name} exited with code ${child.exitCode}:\n${tail}`);
    try {
      const r = await fetch(`${url}${o.readyPath}`, { signal: AbortSignal.timeout(2000) });
      await r.arrayBuffer();
      answered++;
    } catch {
      answered = 0;
    }
    // Every worker of a cluster must be up, and the port answering steadily.
    if (answered >= 3 && server.pids().length >= o.processes) {
      await sleep(1000); // a forked worker may still be loading modules
      return server;
    }
    await sleep(200);
  }
  await server.stop();
  throw new Error(`${o.name} did not become ready within 60 s:\n${tail}`);
}
