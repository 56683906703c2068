/**
 * Logins against a real gateway: the binary in a child process (startCli) for
 * the flood of abandoned wrong passwords and for password changes made with
 * the real `sac-gateway users` command while it runs; the in-process gateway
 * (a real HTTP server on loopback) where the test reads the login counters.
 *
 * The HTTP layer of this branch answers every refused login 401; the edge
 * branch answers 'throttled' 429 and 'busy' 503 with Retry-After. The asserts
 * below accept only what is a refusal in both.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { startCli, type CliGateway } from './support/cliGateway.js';
import { startGateway, tempDir, type Running } from './support/gateway.js';
import { withTestStore } from './support/testStore.js';
import { DEMO, basic } from './support/soapClient.js';
import { envelope } from './support/requests.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const SERVICE = '/CertServiceWeb/CertificatiMedici';
const ACTION = 'http://ws.cert.sanita.finanze.it/InterrogazioneLavoratore';
// Valid for a regione user (answered ok); a doctor gets a 2002 diagnostic in a 200: either way, 200 means "logged in".
const BODY = envelope('interrogazioneLavoratoreRequest', {
  medico: { codiceFiscale: DEMO.medico.user },
  lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' },
});

const children: ChildProcess[] = [];
const dirs: string[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** One POST from a chosen loopback source address; resolves with the status and how long it took. */
function login(url: string, auth: string, localAddress = '127.0.0.1'): Promise<{ status: number; ms: number; retryAfter?: string }> {
  const started = performance.now();
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port,
        path: SERVICE,
        method: 'POST',
        localAddress,
        agent: false,
        headers: { authorization: auth, 'content-type': 'text/xml; charset=utf-8', soapaction: ACTION, 'content-length': Buffer.byteLength(BODY) },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode!, ms: performance.now() - started, retryAfter: res.headers['retry-after'] }));
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error('no answer within 60 s')));
    req.on('error', reject);
    req.end(BODY);
  });
}

/** The raw bytes of a complete request, to be written and abandoned. */
function rawRequest(auth: string): Buffer {
  return Buffer.from(
    `POST ${SERVICE} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Type: text/xml; charset=utf-8\r\n` +
      `SOAPAction: "${ACTION}"\r\nContent-Length: ${Buffer.byteLength(BODY)}\r\n\r\n${BODY}`,
  );
}

/** Send `count` wrong-password requests for `user`, each on its own socket destroyed once written. */
async function floodAbandoned(url: string, user: string, count: number, inFlight = 100): Promise<number> {
  const { port } = new URL(url);
  let next = 0;
  let sent = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const socket = net.connect({ host: '127.0.0.1', port: Number(port) });
      socket.on('error', () => {});
      try {
        await once(socket, 'connect');
        await new Promise<void>((resolve) => socket.write(rawRequest(basic(user, `Tentativo.${i}.sbagliato`)), () => resolve()));
        sent++;
      } catch {
        // refused or reset: still an abandoned attempt, move on
      } finally {
        socket.destroy();
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  return sent;
}

function runUsers(dataDir: string, args: string[], stdin?: string): Promise<{ code: number | null; out: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SAC_')));
  const child = spawn(process.execPath, [CLI, 'users', ...args], { env: withTestStore({ ...env, SAC_DATA_DIR: dataDir }), stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  child.stdin.end(stdin ?? '');
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return once(child, 'exit').then(([code]) => {
    clearTimeout(timer);
    return { code: code as number | null, out };
  });
}

describe('the real binary', () => {
  test('a new login answers within a couple of seconds after 1,500 abandoned wrong-password requests', async (t) => {
    const dataDir = tempDir('sac-logins-');
    dirs.push(dataDir);
    const gw: CliGateway = await startCli(dataDir, { track: (c) => children.push(c) });
    const doctor = basic(DEMO.medico.user, DEMO.medico.password);
    const started = performance.now();
    const sent = await floodAbandoned(gw.url, DEMO.medico.user, 1_500);
    const floodMs = performance.now() - started;
    assert.ok(sent >= 1_400, `${sent} requests written`);

    // A user who has not logged in yet: a scrypt to run, behind whatever the flood left queued.
    const fresh = await login(gw.url, basic(DEMO.regione.user, DEMO.regione.password), '127.0.0.3');
    assert.equal(fresh.status, 200);
    t.diagnostic(`flood of ${sent} written in ${Math.round(floodMs)} ms; the next new login answered in ${Math.round(fresh.ms)} ms`);
    // The old code queued 1,500 scrypts (N=2^15, ~50-100 ms each on 2 threads): every new
    // login waited a minute or more. ~1.5 s normally; 15 s is 10x that, still far below the bug.
    assert.ok(fresh.ms < 15_000, `new login after the flood took ${Math.round(fresh.ms)} ms (flood written in ${Math.round(floodMs)} ms)`);
    // The abandoned attempts were dropped before any hash (their clients were gone):
    // they neither cost a scrypt nor lock the doctor out.
    const doctorAfter = await login(gw.url, doctor, '127.0.0.4');
    assert.equal(doctorAfter.status, 200, `the doctor answered ${doctorAfter.status} after the flood`);
  });

  test('`users passwd`, `disable`, `enable` apply on the very next request of a running gateway', async () => {
    const dataDir = tempDir('sac-logins-');
    dirs.push(dataDir);
    const gw = await startCli(dataDir, { track: (c) => children.push(c) });
    const user = DEMO.regione.user;
    const oldAuth = basic(user, DEMO.regione.password);
    const NEW = 'Nuova.Password.Regione.2026';
    const newAuth = basic(user, NEW);
    // Logged in: the user row and the verdict are now cached by the gateway.
    assert.equal((await login(gw.url, oldAuth)).status, 200);
    assert.equal((await login(gw.url, oldAuth)).status, 200);

    const passwd = await runUsers(dataDir, ['passwd', user], `${NEW}\n`);
    assert.equal(passwd.code, 0, passwd.out);
    assert.match(passwd.out, /password changed/);
    assert.equal((await login(gw.url, oldAuth)).status, 401, 'the old password stops working at once');
    assert.equal((await login(gw.url, newAuth)).status, 200);

    const disable = await runUsers(dataDir, ['disable', user]);
    assert.equal(disable.code, 0, disable.out);
    assert.equal((await login(gw.url, newAuth)).status, 401, 'a disabled account stops working at once');
    const enable = await runUsers(dataDir, ['enable', user]);
    assert.equal(enable.code, 0, enable.out);
    assert.equal((await login(gw.url, newAuth)).status, 200);

    // Refused changes: unknown user, a short password, control characters.
    const unknown = await runUsers(dataDir, ['passwd', 'NESSUNO'], 'Una.Password.Lunga.1\n');
    assert.equal(unknown.code, 1);
    assert.match(unknown.out, /no such user/);
    assert.equal((await runUsers(dataDir, ['passwd', user], 'corta\n')).code, 1);
    assert.equal((await runUsers(dataDir, ['passwd', user], 'Una.Password\u0007.Lunga\n')).code, 1);
    assert.equal((await login(gw.url, newAuth)).status, 200, 'refused changes changed nothing');
  });
});

describe('the in-process gateway (counters)', () => {
  let gw: Running;
  after(async () => gw?.stop());

  test('unknown user and wrong password: same answers, same work; control characters cost nothing', async () => {
    gw = await startGateway({ SAC_LOGIN_FREE_FAILURES: '5', SAC_LOGIN_LOCK_AFTER: '10' });
    const logins = gw.gateway.logins;
    const work = async (auth: string, from: string) => {
      const before = logins.stats();
      const statuses = [(await login(gw.url, auth, from)).status, (await login(gw.url, auth, from)).status];
      const afterStats = logins.stats();
      return { statuses, scrypt: afterStats.scryptRuns - before.scryptRuns, cacheHits: afterStats.cacheHits - before.cacheHits };
    };
    const wrong = await work(basic(DEMO.medico.user, 'Non.Questa.2026'), '127.0.0.4');
    const unknown = await work(basic('NSSUTN80A01H501X', 'Non.Questa.2026'), '127.0.0.5');
    assert.deepEqual(wrong, { statuses: [401, 401], scrypt: 1, cacheHits: 1 });
    assert.deepEqual(unknown, wrong, 'a username that does not exist is not told apart');

    const before = logins.stats();
    for (const auth of [basic('MDCTST70A01H501K\u0000', 'x'), basic(DEMO.medico.user, `${DEMO.medico.password}\u0085`), basic('x'.repeat(65), 'y')]) {
      assert.equal((await login(gw.url, auth, '127.0.0.6')).status, 401);
    }
    assert.equal(logins.stats().scryptRuns, before.scryptRuns, 'refused before any hash');
    assert.equal(logins.stats().refusedMalformed - before.refusedMalformed, 3);
  });

  test('brute force on one user is throttled without hashing, then locked (even the right password)', async () => {
    await gw?.stop();
    gw = await startGateway({ SAC_LOGIN_FREE_FAILURES: '2', SAC_LOGIN_LOCK_AFTER: '3', SAC_LOGIN_LOCK_MS: '600000' });
    const logins = gw.gateway.logins;
    const user = DEMO.operatore.user;
    const guesses = Array.from({ length: 20 }, (_, i) => basic(user, `Indovina.${i}`));
    const statuses: number[] = [];
    for (const guess of guesses.slice(0, 10)) statuses.push((await login(gw.url, guess, '127.0.0.7')).status);
    assert.ok(statuses.every((s) => s === 401 || s === 429), statuses.join());
    const s1 = logins.stats();
    assert.equal(s1.scryptRuns, 2, 'two free failures were hashed; the other eight were refused before hashing');
    assert.equal(s1.refusedThrottled, 8);

    await delay(1_100); // the delay after two failures
    assert.ok([401, 429].includes((await login(gw.url, guesses[10]!, '127.0.0.7')).status));
    assert.equal(logins.stats().scryptRuns, 3, 'the third failure was hashed, and locks');
    // Locked: the right password from an address that never logged in as this user.
    const right = basic(user, DEMO.operatore.password);
    const refused = await login(gw.url, right, '127.0.0.8');
    assert.ok([401, 429].includes(refused.status), `locked user answered ${refused.status}`);
    const verdict = await logins.authenticate(right, '127.0.0.8', new AbortController().signal);
    assert.equal(verdict.ok, false);
    assert.ok(!verdict.ok && verdict.reason === 'throttled' && verdict.retryAfterS > 590 && verdict.retryAfterS <= 600, JSON.stringify(verdict));
    assert.equal(logins.stats().scryptRuns, 3, 'nothing hashed while locked');
  });
});
