/**
 * Issue 13, point 4: one pincode key for every node (SAC_PINCODE_KEY_DIR),
 * created once when several nodes start at once, and rotated with a next
 * and a previous key accepted in between. Real processes, real files, real
 * gateways (in-process and the binary).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { constants, createPrivateKey, generateKeyPairSync, privateDecrypt, X509Certificate, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decryptField, encryptField, looksEncrypted } from '../src/auth/pincodeCipher.js';
import { loadOrCreatePincodeKey, type PincodeKey } from '../src/auth/pincodeKey.js';
import { loadConfig } from '../src/config.js';
import { CERT_DER_PATH, CERT_PEM_PATH } from '../src/http/contractRoutes.js';
import { startCli, type CliGateway } from './support/cliGateway.js';
import { NO_RESUBMISSION_DETECTION, startGateway, tempDir, type Running } from './support/gateway.js';
import { NOW, TODAY } from './support/demo.js';
import { envelope, invioMalattia } from './support/requests.js';
import { DEMO, parseResponse, post } from './support/soapClient.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const KEY_MODULE = fileURLToPath(new URL('../src/auth/pincodeKey.js', import.meta.url));

const dirs: string[] = [];
const children: ChildProcess[] = [];
const running: Running[] = [];
after(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const gw of running) await gw.stop().catch(() => {});
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dir(prefix: string): string {
  const d = tempDir(prefix);
  dirs.push(d);
  return d;
}

/** Whether `c` (Base64) also has a well-formed PKCS#1 v1.5 padding under `key`: then the earlier key wins (about 1 in 65,000). */
function conformsUnder(key: KeyObject, c: string): boolean {
  let em: Buffer;
  try {
    em = privateDecrypt({ key, padding: constants.RSA_NO_PADDING }, Buffer.from(c, 'base64'));
  } catch {
    return false; // not below that key's modulus: implicit rejection there
  }
  if (em[0] !== 0 || em[1] !== 2) return false;
  const zero = em.indexOf(0, 2);
  return zero >= 10;
}

/** A ciphertext of `pin` with `cert` that no earlier key in `others` would claim. */
function encryptFor(cert: string | Buffer, pin: string, others: readonly KeyObject[]): string {
  for (;;) {
    const c = encryptField(cert, pin);
    if (!others.some((k) => conformsUnder(k, c))) return c;
  }
}

test('SAC_PINCODE_KEY_DIR: default <SAC_DATA_DIR>/keys; a path, resolved; control characters and URLs refused naming the variable', () => {
  assert.equal(loadConfig({ SAC_DATA_DIR: '/srv/sac' }).pincodeKey.dir, '/srv/sac/keys');
  assert.equal(loadConfig({ SAC_DATA_DIR: '/srv/sac', SAC_PINCODE_KEY_DIR: '/mnt/shared/sac-keys' }).pincodeKey.dir, '/mnt/shared/sac-keys');
  assert.equal(loadConfig({ SAC_PINCODE_KEY_DIR: 'rel/keys' }).pincodeKey.dir, join(process.cwd(), 'rel/keys'));
  for (const bad of ['/a\nb', ' /a', 'nfs://server/keys']) {
    assert.throws(() => loadConfig({ SAC_PINCODE_KEY_DIR: bad }), /SAC_PINCODE_KEY_DIR/);
  }
});

test('several processes started at once on one empty directory: exactly one key and one certificate, used by all', async () => {
  // The default layout (<dataDir>/keys) given explicitly too: the same directory for the old loader and the new.
  const dataDir = join(dir('sac-key-race-'), 'shared');
  const keyDir = join(dataDir, 'keys');
  const count = 6;
  // Each process waits for the same instant, then loads-or-creates: a real race on link().
  const startAt = Date.now() + 1500;
  const script = `
    const { loadOrCreatePincodeKey } = await import(${JSON.stringify(KEY_MODULE)});
    const { createHash } = await import('node:crypto');
    while (Date.now() < ${startAt}) await new Promise((r) => setTimeout(r, 1));
    const k = loadOrCreatePincodeKey(${JSON.stringify(dataDir)}, 1024, { keyDir: ${JSON.stringify(keyDir)} });
    const spki = k.privateKey.export({ type: 'pkcs1', format: 'der' });
    process.stdout.write(JSON.stringify({ created: k.created, key: createHash('sha256').update(spki).digest('hex'), cert: createHash('sha256').update(k.certificateDer).digest('hex') }));
  `;
  const results = await Promise.all(
    Array.from({ length: count }, () => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let out = '';
      let err = '';
      child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
      return new Promise<{ created: boolean; key: string; cert: string }>((resolve, reject) =>
        child.on('exit', (code) => {
          clearTimeout(timer);
          if (code === 0) resolve(JSON.parse(out) as { created: boolean; key: string; cert: string });
          else reject(new Error(`exit ${code}: ${err}`));
        }),
      );
    }),
  );
  assert.equal(results.filter((r) => r.created).length, 1, 'exactly one process created the key');
  assert.equal(new Set(results.map((r) => r.key)).size, 1, 'one key for all');
  assert.equal(new Set(results.map((r) => r.cert)).size, 1, 'one certificate for all (not one per process)');
  const onDisk = new X509Certificate(readFileSync(join(keyDir, 'pincode-cert.pem')));
  assert.equal(results[0]!.cert, (await import('node:crypto')).createHash('sha256').update(onDisk.raw).digest('hex'));
  assert.deepEqual(readdirSync(keyDir).sort(), ['pincode-cert.pem', 'pincode-key.pem'], 'no temporary file left');
  assert.equal(statSync(keyDir).mode & 0o777, 0o700);
  for (const f of readdirSync(keyDir)) assert.equal(statSync(join(keyDir, f)).mode & 0o777, 0o600, f);
});

test('decryption with a current and a next key of the same size: each ciphertext gives its own plaintext', (t) => {
  const dataDir = dir('sac-key-two-');
  const keyDir = join(dataDir, 'keys');
  const current = loadOrCreatePincodeKey(dataDir, 1024, { keyDir });
  const spawned = spawnSync(process.execPath, [CLI, 'pincode-key', 'rotate', '--prepare'], { env: { ...process.env, SAC_PINCODE_KEY_DIR: keyDir }, encoding: 'utf8' });
  assert.equal(spawned.status, 0, spawned.stderr);
  const both = loadOrCreatePincodeKey(dataDir, 1024, { keyDir });
  assert.deepEqual(both.decryptionKeys.map((k) => k.role), ['current', 'next']);
  assert.deepEqual(both.certificateDer, current.certificateDer, 'the current certificate is still the one served');
  const nextCert = readFileSync(join(keyDir, 'pincode-cert.next.pem'));
  const nextKey = both.decryptionKeys[1]!.privateKey;
  for (let i = 0; i < 40; i++) {
    const pin = String(1_000_000_000 + i * 7919);
    const old = encryptField(current.certificatePem, pin);
    assert.equal(decryptField(both, old).toString(), pin);
    const fresh = encryptField(nextCert, pin);
    // The current key wins when the ciphertext happens to be well padded under it too (about 1 in 65,000).
    if (!conformsUnder(current.privateKey, fresh)) assert.equal(decryptField(both, fresh).toString(), pin);
    assert.ok(looksEncrypted(both, fresh));
  }
  // Without the next key the same ciphertext is implicit-rejection noise.
  const alone: PincodeKey = { ...current, decryptionKeys: undefined };
  const c = encryptFor(nextCert, '1234567890', [current.privateKey]);
  assert.notEqual(decryptField(alone, c).toString(), '1234567890');
  assert.equal(decryptField(both, c).toString(), '1234567890');
  t.diagnostic(`next key ${nextKey.asymmetricKeyDetails?.modulusLength} bits`);
});

test('a next key of another size: its ciphertext length is accepted too, and decrypts', () => {
  const dataDir = dir('sac-key-size-');
  const keyDir = join(dataDir, 'keys');
  loadOrCreatePincodeKey(dataDir, 1024, { keyDir });
  const spawned = spawnSync(process.execPath, [CLI, 'pincode-key', 'rotate', '--prepare', '--bits', '2048'], { env: { ...process.env, SAC_PINCODE_KEY_DIR: keyDir }, encoding: 'utf8' });
  assert.equal(spawned.status, 0, spawned.stderr);
  const both = loadOrCreatePincodeKey(dataDir, 1024, { keyDir });
  const c = encryptField(readFileSync(join(keyDir, 'pincode-cert.next.pem')), 'RSSMRA80A01H501U');
  assert.equal(c.length, 344);
  assert.ok(looksEncrypted(both, c));
  assert.equal(decryptField(both, c).toString(), 'RSSMRA80A01H501U');
  const stranger = generateKeyPairSync('rsa', { modulusLength: 1536 }).privateKey;
  assert.equal(looksEncrypted(both, encryptField(stranger, '1')), false, 'a size no key has');
});

function cli(args: string[], env: Record<string, string>): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/** InviaMalattia by the demo doctor with this pincode ciphertext: the protocol number, or the error texts. */
async function send(gw: Running, pin: string): Promise<string> {
  const res = parseResponse(await post(gw.endpoint, envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: pin } }))));
  return res.errors.length === 0 ? 'ok' : res.errors.map((e) => e.descrizione).join('; ');
}

test('rotation on a real gateway: prepare, commit, retire; old and new ciphertexts both accepted in between, only the new after retire', async () => {
  const dataDir = dir('sac-key-rot-');
  const keyDir = join(dir('sac-key-rot-shared-'), 'keys');
  const env = { ...NO_RESUBMISSION_DETECTION, SAC_PINCODE_KEY_DIR: keyDir };
  const cliEnv = { SAC_DATA_DIR: dataDir, SAC_PINCODE_KEY_DIR: keyDir };
  let gw = await startGateway(env, dataDir);
  running.push(gw);
  const restart = async (): Promise<void> => {
    await gw.stop({ keepData: true });
    running.splice(running.indexOf(gw), 1);
    gw = await startGateway(env, dataDir);
    running.push(gw);
    gw.clock.set(NOW);
  };
  gw.clock.set(NOW);
  assert.ok(existsSync(join(keyDir, 'pincode-key.pem')), 'the key is in SAC_PINCODE_KEY_DIR');
  assert.ok(!existsSync(join(dataDir, 'keys')), 'not in the data directory');
  const oldCert = await (await fetch(`${gw.url}${CERT_PEM_PATH}`)).text();
  const oldKey = createPrivateKey(readFileSync(join(keyDir, 'pincode-key.pem')));

  assert.equal(cli(['pincode-key', 'rotate', '--commit'], cliEnv).status, 1, 'nothing to commit');
  const prepared = cli(['pincode-key', 'rotate', '--prepare'], cliEnv);
  assert.equal(prepared.status, 0, prepared.out);
  await restart();
  assert.equal(await (await fetch(`${gw.url}${CERT_PEM_PATH}`)).text(), oldCert, 'after prepare the current certificate is still served');
  const newCert = readFileSync(join(keyDir, 'pincode-cert.next.pem'), 'utf8');
  const pinOld = encryptField(oldCert, DEMO.medico.pincode);
  const pinNew = encryptFor(newCert, DEMO.medico.pincode, [oldKey]);
  assert.equal(await send(gw, pinOld), 'ok', 'old certificate, after prepare');
  assert.equal(await send(gw, pinNew), 'ok', 'new certificate, after prepare');

  const committed = cli(['pincode-key', 'rotate', '--commit'], cliEnv);
  assert.equal(committed.status, 0, committed.out);
  await restart();
  assert.equal(await (await fetch(`${gw.url}${CERT_PEM_PATH}`)).text(), newCert, 'after commit the new certificate is served');
  assert.equal(
    new X509Certificate(Buffer.from(await (await fetch(`${gw.url}${CERT_DER_PATH}`)).arrayBuffer())).toString(),
    newCert,
    'the DER form too',
  );
  assert.equal(await send(gw, pinOld), 'ok', 'old certificate, after commit');
  assert.equal(await send(gw, pinNew), 'ok', 'new certificate, after commit');
  assert.equal(cli(['pincode-key', 'rotate', '--prepare'], cliEnv).status, 1, 'no new rotation before retire');

  const retired = cli(['pincode-key', 'rotate', '--retire'], cliEnv);
  assert.equal(retired.status, 0, retired.out);
  await restart();
  assert.equal(await send(gw, pinNew), 'ok', 'new certificate, after retire');
  assert.equal(await send(gw, pinOld), 'Pincode errato.', 'old certificate refused after retire');
  assert.deepEqual(readdirSync(keyDir).sort(), ['pincode-cert.pem', 'pincode-key.pem']);
  const status = cli(['pincode-key', 'status'], cliEnv);
  assert.match(status.out, /^current\t1024 bit\t/m);
  assert.doesNotMatch(status.out, /previous|next/);
});

test('three gateway binaries started at once on one SAC_PINCODE_KEY_DIR serve one certificate; a ciphertext made for one is accepted by all', async () => {
  const keyDir = join(dir('sac-key-nodes-'), 'keys');
  mkdirSync(keyDir, { recursive: true });
  const nodes: CliGateway[] = await Promise.all(
    [0, 1, 2].map(() =>
      startCli(dir('sac-key-node-'), { env: { SAC_PINCODE_KEY_DIR: keyDir, SAC_IDEMPOTENCY_WINDOW: '0' }, track: (c) => children.push(c) }),
    ),
  );
  const certs = await Promise.all(nodes.map(async (n) => (await fetch(`${n.url}${CERT_PEM_PATH}`)).text()));
  assert.equal(new Set(certs).size, 1, 'one certificate');
  const today = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Rome' }).format(new Date());
  const pin = encryptField(certs[0]!, DEMO.medico.pincode);
  for (const node of nodes) {
    const res = parseResponse(await post(node.endpoint, envelope('invioMalattiaRequest', invioMalattia(today, { medico: { pincode: pin } }))));
    assert.deepEqual(res.errors, [], node.url);
  }
  for (const node of nodes) node.child.kill('SIGTERM');
  await Promise.all(nodes.map((n) => n.exited));
});
