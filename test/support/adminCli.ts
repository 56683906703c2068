/**
 * The real `sac-gateway` binary for an operator's command (users, registry,
 * employment, ...): a child process on a data directory, SAC_* variables of
 * the test run removed, demo data off, `stdin` piped in (so not a terminal),
 * killed after 60 s. `track` receives the child, so the test file can kill
 * what is left in its after().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { withTestStore } from './testStore.js';

const CLI = fileURLToPath(new URL('../../src/cli.js', import.meta.url));

export interface AdminRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export async function adminCli(dataDir: string, args: readonly string[], stdin: string, track: (child: ChildProcess) => void): Promise<AdminRun> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SAC_')));
  const child = spawn(process.execPath, [CLI, ...args], { env: withTestStore({ ...env, SAC_DATA_DIR: dataDir, SAC_DEMO_DATA: '0' }), stdio: ['pipe', 'pipe', 'pipe'] });
  track(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(stdin);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  return { code: code as number | null, stdout, stderr };
}
