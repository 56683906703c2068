/**
 * `sac-gateway serve` on a port that is already taken: one line naming PORT
 * on stderr, no stack trace, exit status 4 — with one process and with a
 * cluster (whose primary stops instead of restarting workers forever).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import net, { type AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tempDir } from './support/gateway.js';
import { withTestStore } from './support/testStore.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const children: ChildProcess[] = [];
const dirs: string[] = [];
let holder: net.Server | undefined;

after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  holder?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function takenPort(): Promise<number> {
  holder ??= net.createServer();
  if (!holder.listening) {
    holder.listen(0, '127.0.0.1');
    await once(holder, 'listening');
  }
  return (holder.address() as AddressInfo).port;
}

async function serveOn(port: number, extra: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const dir = tempDir();
  dirs.push(dir);
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SAC_')));
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: withTestStore({ ...env, HOST: '127.0.0.1', PORT: String(port), SAC_DATA_DIR: dir, LOG_LEVEL: 'warn', ...extra }),
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr };
}

for (const workers of ['1', '2']) {
  test(`a busy port is one line naming PORT and exit status 4 (SAC_WORKERS=${workers})`, async () => {
    const port = await takenPort();
    const { code, stderr } = await serveOn(port, { SAC_WORKERS: workers });
    assert.equal(code, 4, stderr);
    const lines = stderr.trim().split('\n');
    // Every worker of a cluster may say it; each says it in one line, the same line.
    assert.ok(lines.length >= 1 && lines.length <= Number(workers), stderr);
    for (const line of lines) {
      assert.match(line, new RegExp(`^sac-gateway: PORT: port ${port} is already in use on 127\\.0\\.0\\.1`));
    }
    assert.doesNotMatch(stderr, /\n\s+at /, 'a stack trace was printed');
  });
}
