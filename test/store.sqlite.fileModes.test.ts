/**
 * File modes of the data directory, through the real binary: the store holds
 * diagnoses and password hashes, the keys directory the pincode private key.
 * Whatever existed before (a directory made by hand with 0755, files restored
 * 0644, a -wal and -shm left by a killed process), the running gateway has
 * the data directory and keys directory 0700 and every file in them 0600.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { STORE_FILE } from '../src/store/sqlite/sqliteStore.js';
import { romeDate } from '../src/domain/dates.js';
import { startCli } from './support/cliGateway.js';
import { tempDir } from './support/gateway.js';
import { envelope, invioMalattia } from './support/requests.js';
import { DEMO, parseResponse, post } from './support/soapClient.js';

const children = new Set<ChildProcess>();
const dirs: string[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const modeOf = (file: string) => statSync(file).mode & 0o777;
const octal = (mode: number) => `0${mode.toString(8)}`;

/** Every file and directory under the data directory, with its mode. */
function modes(dataDir: string): Record<string, string> {
  const out: Record<string, string> = { '.': octal(modeOf(dataDir)) };
  for (const name of readdirSync(dataDir, { recursive: true }) as string[]) out[name] = octal(modeOf(path.join(dataDir, name)));
  return out;
}

function assertPrivate(dataDir: string): void {
  const found = modes(dataDir);
  for (const name of [STORE_FILE, `${STORE_FILE}-wal`, `${STORE_FILE}-shm`, 'keys/pincode-key.pem', 'keys/pincode-cert.pem']) {
    assert.ok(name in found, `${name} exists while the gateway runs (found ${JSON.stringify(found)})`);
  }
  for (const [name, mode] of Object.entries(found)) {
    const isDir = statSync(path.join(dataDir, name)).isDirectory();
    assert.equal(mode, isDir ? '0700' : '0600', `${name} is ${mode}`);
  }
}

/** A certificate sent today (the real binary runs on the real clock). */
async function sendOne(endpoint: string, pem: string): Promise<void> {
  const pin = encryptField(pem, DEMO.medico.pincode);
  const answer = parseResponse(
    await post(endpoint, envelope('invioMalattiaRequest', invioMalattia(romeDate(new Date()), { medico: { pincode: pin } })), {
      soapAction: 'http://ws.cert.sanita.finanze.it/InviaMalattia',
    }),
  );
  assert.deepEqual(answer.errors, []);
}

describe('file modes of the data directory', () => {
  test('an existing 0755 data directory: 0700, and the files created in it 0600', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    chmodSync(dataDir, 0o755);
    const gw = await startCli(dataDir, { track: (c) => children.add(c) });
    assertPrivate(dataDir);
    gw.child.kill('SIGTERM');
    await gw.exited;
  });

  test('files restored 0644 and a -wal/-shm left by a killed gateway are made 0600 at start', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const first = await startCli(dataDir, { track: (c) => children.add(c) });
    const pem = readKeyCertificate(dataDir);
    await sendOne(first.endpoint, pem);
    first.child.kill('SIGKILL');
    await first.exited;
    assert.ok(existsSync(path.join(dataDir, `${STORE_FILE}-wal`)), 'a killed gateway leaves its WAL behind');

    // As a careless restore would leave them.
    chmodSync(dataDir, 0o755);
    chmodSync(path.join(dataDir, 'keys'), 0o755);
    for (const name of readdirSync(dataDir, { recursive: true }) as string[]) {
      const file = path.join(dataDir, name);
      if (statSync(file).isFile()) chmodSync(file, 0o644);
    }
    assert.equal(modes(dataDir)[STORE_FILE], '0644');

    const second = await startCli(dataDir, { track: (c) => children.add(c) });
    assertPrivate(dataDir);
    await sendOne(second.endpoint, pem);
    assertPrivate(dataDir);
    second.child.kill('SIGTERM');
    await second.exited;
  });
});

/** The pincode certificate the gateway publishes, read from its file. */
function readKeyCertificate(dataDir: string): string {
  return readFileSync(path.join(dataDir, 'keys', 'pincode-cert.pem'), 'utf8');
}
