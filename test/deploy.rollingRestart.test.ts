/**
 * Rolling maintenance under load (issue 13): a throw-away PostgreSQL, three
 * gateway nodes as real processes (the binary `npm start` runs; each its own
 * data directory, the same SAC_DATABASE_URL and SAC_PINCODE_KEY_DIR) and
 * Debian's nginx in front running the SHIPPED deploy/nginx/sac-gateway.conf
 * (only its addresses replaced). While clients send InviaMalattia and a mix
 * of the other operations through nginx, each node in turn gets SIGTERM,
 * drains, exits, and starts again on the same port and data directory.
 *
 * The clients behave like a careful doctor's software: a 503 with
 * Retry-After, or a connection that failed before any answer, is sent again
 * after the wait, the same bytes (resubmission detection is on by default:
 * a resent InviaMalattia whose first answer was lost yields the same
 * certificate). Checks:
 *  1. no request failed once those retries are made (each bounded);
 *  2. every acknowledged certificate is stored, and the store holds exactly
 *     as many new certificates as distinct acknowledged ones (no orphan);
 *  3. two cancellations of the same certificate at the same time, sent
 *     while nodes restart: exactly one wins, the other is told 7002;
 *  4. each node served SOAP calls before its restart and again after it
 *     (its own /metrics), so the restart really happened under load.
 *
 * Without PostgreSQL or nginx the test is skipped saying why; under CI it
 * fails instead (.ci/install-test-deps.sh installs both).
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { openStore } from '../src/store/open.js';
import type { Store } from '../src/store/ports/store.js';
import { freePort, startCli, type CliGateway } from './support/cliGateway.js';
import { NGINX, startNginx, type RunningNginx } from './support/nginx.js';
import { usePostgres } from './support/postgres.js';
import { parsePrometheus } from './support/prometheus.js';
import { envelope, invioMalattia, type Fields } from './support/requests.js';
import { DEMO, basic, parseResponse, type ParsedResponse } from './support/soapClient.js';
import { IN_CI } from './support/ci.js';

const postgres = usePostgres();

/** Concurrent clients sending the mix. */
const CLIENTS = 8;
/** Resends of one request (after a 503 with Retry-After or a connection lost before any answer) before it counts as failed. */
const MAX_RETRIES = 10;
/** Pairs of simultaneous cancellations of one certificate, at least, during each restart. */
const RACES_PER_RESTART = 3;
/** The whole test, start-up included: a bound far above its usual ~40 s, so that a hang fails instead of blocking CI. */
const TEST_TIMEOUT_MS = 240_000;
/** One node's drain and exit, and one node's start: bounds, not expectations. */
const EXIT_BOUND_MS = 30_000;
const BACK_IN_ROTATION_BOUND_MS = 40_000;
/** Workers of the demo registry: certificates go to the first two; RicercaMalattia asks for the third, who gets a few. */
const WORKERS = ['RSSMRA80A01H501U', 'BNCGPP75C41F205S'] as const;
const SEARCHED = 'VRDLGU62T10L219V';
const NS_ACTION = 'http://ws.cert.sanita.finanze.it/';

const dirs: string[] = [];
const children: ChildProcess[] = [];
let nginx: RunningNginx | undefined;
let store: Store | undefined;

/** Every child still running, by its PID (also when this process ends without its after() hooks). */
function killChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}
process.once('exit', killChildren);

after(async () => {
  // Whatever happened: every process this file started, by its PID.
  killChildren();
  await nginx?.stop();
  await store?.close().catch(() => {});
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** The calendar day in Rome, `days` from now, as the gateway counts "today". */
function romeDay(days = 0): string {
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Rome', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
  const [y, m, d] = today.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

interface Tally {
  requests: number;
  /** Resends after a 503 with Retry-After, by the fault or body that came with it. */
  retriesAfter503: number;
  /** Resends after a connection lost before any answer (nginx normally hides these). */
  retriesAfterConnectionError: number;
  byOperation: Record<string, number>;
  /** InviaMalattia sent again, same bytes, as if the first answer had been lost: the same certificate must come back. */
  resentAfterLostAnswer: number;
  failures: string[];
}

const tally: Tally = { requests: 0, retriesAfter503: 0, retriesAfterConnectionError: 0, byOperation: {}, resentAfterLostAnswer: 0, failures: [] };

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

/** Error codes of a connection that failed before any answer: nothing was answered, the request may be sent again. */
const BEFORE_ANY_ANSWER = new Set(['ECONNREFUSED', 'ECONNRESET', 'UND_ERR_SOCKET', 'EPIPE']);

/**
 * One request as a careful client sends it: the same bytes again after a 503
 * with Retry-After (waiting what it says) or a connection lost before any
 * answer (waiting a second), at most MAX_RETRIES times. Any other answer is
 * returned as it is.
 */
async function exchange(operation: string, url: string, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: Buffer }): Promise<Answer | undefined> {
  tally.requests++;
  tally.byOperation[operation] = (tally.byOperation[operation] ?? 0) + 1;
  for (let attempt = 0; ; attempt++) {
    let wait: number;
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(60_000) });
      const text = await response.text();
      const retryAfter = response.headers.get('retry-after');
      if (response.status !== 503 || retryAfter === null || !/^\d+$/.test(retryAfter)) return { status: response.status, headers: response.headers, text };
      tally.retriesAfter503++;
      wait = Number(retryAfter) * 1000;
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (code === undefined || !BEFORE_ANY_ANSWER.has(code)) {
        tally.failures.push(`${operation}: ${(err as Error).message} (${code ?? 'no code'})`);
        return undefined;
      }
      tally.retriesAfterConnectionError++;
      wait = 1000;
    }
    if (attempt >= MAX_RETRIES) {
      tally.failures.push(`${operation}: still refused after ${MAX_RETRIES} retries`);
      return undefined;
    }
    await delay(wait);
  }
}

/** A pincode ciphertext made now, with the certificate nginx serves (any node's: the key is shared). */
let pincodeCertificate = '';
const freshPincode = (): string => encryptField(pincodeCertificate, DEMO.medico.pincode);

interface SoapRequest {
  readonly operation: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** A SOAP request's bytes, with a fresh pincode ciphertext. */
function soapRequest(operation: string, root: string, fields: Fields): SoapRequest {
  const body = Buffer.from(envelope(root, { medico: { pincode: freshPincode() }, ...fields }), 'utf8');
  const headers = { authorization: basic(DEMO.medico.user, DEMO.medico.password), 'content-type': 'text/xml; charset=utf-8', soapaction: `${NS_ACTION}${operation}` };
  return { operation, headers, body };
}

/** A SOAP call through nginx, parsed; undefined (and a failure noted) for anything but a valid 200 envelope. */
async function send(endpoint: string, request: SoapRequest): Promise<ParsedResponse | undefined> {
  const answer = await exchange(request.operation, endpoint, { method: 'POST', headers: request.headers, body: request.body });
  if (answer === undefined) return undefined;
  try {
    return parseResponse(answer);
  } catch (err) {
    tally.failures.push(`${request.operation}: ${(err as Error).message.slice(0, 300)}`);
    return undefined;
  }
}

function soap(endpoint: string, operation: string, root: string, fields: Fields): Promise<ParsedResponse | undefined> {
  return send(endpoint, soapRequest(operation, root, fields));
}

/** Every certificate id a client was given (InviaMalattia, RettificaMalattia). */
const acknowledged = new Set<string>();
/** Certificates whose cancellation was acknowledged, and whose rectification was. */
const cancelled = new Set<string>();
const rectified = new Set<string>();

let sequence = 0;

/** A new certificate (a visit of its own: unique notes), or undefined after noting the failure. */
async function issue(endpoint: string, worker: string): Promise<string | undefined> {
  const n = ++sequence;
  const fields = invioMalattia(romeDay(), {
    medico: {},
    lavoratore: worker,
    malattia: { dataFine: romeDay(3) },
    diagnosi: { codiceDiagnosi: '487.1', noteDiagnosi: `Sindrome influenzale, visita ${n}` },
  });
  delete fields.medico;
  const request = soapRequest('InviaMalattia', 'invioMalattiaRequest', fields);
  // Every tenth visit, the first answer is "lost" (the client never reads it) and the same bytes are sent again.
  const first = n % 10 === 0 ? await send(endpoint, request) : undefined;
  const answer = await send(endpoint, request);
  if (answer === undefined) return undefined;
  const id = answer.ok.idCertificato;
  if (answer.errors.length > 0 || id === undefined) {
    tally.failures.push(`InviaMalattia: ${JSON.stringify(answer.errors)}`);
    return undefined;
  }
  if (first !== undefined) {
    tally.resentAfterLostAnswer++;
    if (first.ok.idCertificato !== id) tally.failures.push(`InviaMalattia sent twice: ${first.ok.idCertificato ?? JSON.stringify(first.errors)} then ${id}`);
  }
  acknowledged.add(id);
  return id;
}

async function cancel(endpoint: string, worker: string, id: string): Promise<ParsedResponse | undefined> {
  return soap(endpoint, 'AnnullaMalattia', 'annullamentoMalattiaRequest', { lavoratore: { codiceFiscale: worker }, idCertificato: id });
}

/** One client: the mix, until told to stop. */
async function client(index: number, endpoint: string, front: string, stop: { now: boolean }): Promise<void> {
  const mine: { id: string; worker: string }[] = [];
  for (let step = 0; !stop.now; step++) {
    const worker = WORKERS[(index + step) % WORKERS.length]!;
    switch (step % 10) {
      case 0:
      case 2:
      case 4:
      case 7: {
        const id = await issue(endpoint, step % 40 === 0 ? SEARCHED : worker);
        if (id !== undefined && step % 40 !== 0) mine.push({ id, worker });
        break;
      }
      case 1: {
        const found = await soap(endpoint, 'RicercaMalattia', 'ricercaMalattiaRequest', { lavoratore: { codiceFiscale: SEARCHED } });
        if (found !== undefined && found.errors.length > 0) tally.failures.push(`RicercaMalattia: ${JSON.stringify(found.errors)}`);
        break;
      }
      case 3: {
        const own = mine.shift();
        if (own === undefined) break;
        const answer = await cancel(endpoint, own.worker, own.id);
        if (answer === undefined) break;
        if (answer.errors.length > 0 || answer.ok.idAnnullamento === undefined) tally.failures.push(`AnnullaMalattia: ${JSON.stringify(answer.errors)}`);
        else cancelled.add(own.id);
        break;
      }
      case 5: {
        const own = mine.shift();
        if (own === undefined) break;
        const answer = await soap(endpoint, 'RettificaMalattia', 'rettificaMalattiaRequest', { lavoratore: { codiceFiscale: own.worker }, idCertificato: own.id, dataFine: romeDay(1) });
        if (answer === undefined) break;
        const id = answer.ok.idCertificato;
        if (answer.errors.length > 0 || id === undefined) tally.failures.push(`RettificaMalattia: ${JSON.stringify(answer.errors)}`);
        else {
          rectified.add(own.id);
          acknowledged.add(id);
        }
        break;
      }
      case 6: {
        const answer = await exchange('GET /healthz', `${front}/healthz`, { method: 'GET' });
        if (answer !== undefined && answer.status !== 200) tally.failures.push(`GET /healthz: ${answer.status} ${answer.text.slice(0, 200)}`);
        break;
      }
      case 8: {
        const answer = await exchange('GET ?wsdl', `${endpoint}?wsdl`, { method: 'GET' });
        if (answer !== undefined && (answer.status !== 200 || !answer.text.includes('definitions'))) tally.failures.push(`GET ?wsdl: ${answer.status} ${answer.text.slice(0, 200)}`);
        break;
      }
      default:
        break;
    }
  }
}

interface Race {
  readonly id: string;
  readonly answers: (ParsedResponse | undefined)[];
}

/**
 * Pairs of simultaneous cancellations of one new certificate, one pair after
 * the other, until told to stop (and at least `least`), or at once when the
 * whole load is abandoned (a failed assertion).
 */
async function racer(endpoint: string, least: number, stop: { now: boolean }, abandon: { now: boolean }, into: Race[]): Promise<void> {
  for (let n = 0; !abandon.now && (n < least || !stop.now); n++) {
    const worker = WORKERS[n % WORKERS.length]!;
    const id = await issue(endpoint, worker);
    if (id === undefined) continue;
    const answers = await Promise.all([cancel(endpoint, worker, id), cancel(endpoint, worker, id)]);
    into.push({ id, answers });
  }
}

/** SOAP calls this node answered since it started (its own /metrics, read directly). */
async function served(node: CliGateway): Promise<number> {
  const response = await fetch(`${node.url}/metrics`);
  assert.equal(response.status, 200);
  return parsePrometheus(await response.text()).sum('sac_requests_total', { outcome: 'ok' });
}

test(
  'rolling restart of three nodes behind the shipped nginx file, on PostgreSQL, under load: nothing lost, nothing doubled, one winner per cancellation',
  { timeout: TEST_TIMEOUT_MS },
  async (t) => {
    if (NGINX === undefined) {
      if (IN_CI) assert.fail("nginx is not installed: CI installs Debian's nginx (.ci/install-test-deps.sh); this test is never skipped there");
      t.skip("nginx is not installed (apt-get install -y --no-install-recommends nginx)");
      return;
    }
    const url = await postgres.database(t);
    if (url === undefined) return;
    const began = Date.now();

    const keyDir = tempDir('sac-rolling-keys-');
    const dataDirs = [0, 1, 2].map((i) => tempDir(`sac-rolling-node${i}-`));
    const ports: number[] = [];
    for (let i = 0; i < 3; i++) ports.push(await freePort());
    const env = {
      SAC_DATABASE_URL: url,
      SAC_DB_POOL_SIZE: '4',
      SAC_PINCODE_KEY_DIR: keyDir,
      SAC_TRUSTED_PROXIES: '127.0.0.1',
      SAC_MAX_CONNECTIONS_PER_ADDRESS: '900',
      SAC_METRICS: 'on',
    };
    const start = (i: number): Promise<CliGateway> => startCli(dataDirs[i]!, { port: ports[i]!, env, track: (child) => children.push(child) });
    // The first node alone: it runs the migrations and seeds the demo data; then the other two.
    const nodes: CliGateway[] = [await start(0)];
    nodes.push(...(await Promise.all([start(1), start(2)])));
    nginx = await startNginx(ports, { track: (child) => children.push(child) });
    const endpoint = nginx.endpoint;

    // What a client's software does once: fetch the pincode certificate, here through nginx.
    const pem = await fetch(`${nginx.url}/CertServiceWeb/SanitelCF.pem`);
    assert.equal(pem.status, 200);
    pincodeCertificate = await pem.text();
    store = openStore({ dataDir: tempDir('sac-rolling-reader-'), database: { url } });
    const before = await store.countCertificates();

    const stopLoad = { now: false };
    const clients = Array.from({ length: CLIENTS }, (_, i) => client(i, endpoint, nginx!.url, stopLoad));

    const restarts: { node: number; servedBefore: number; servedAfter: number; exit: string; drainMs: number }[] = [];
    const races: Race[] = [];
    const racers: Promise<void>[] = [];
    try {
      // Every node in rotation before the first restart.
      for (const node of nodes) await waitUntilServing(node);
      for (let i = 0; i < nodes.length; i++) {
        const old = nodes[i]!;
        const servedBefore = await served(old);
        const stopRacing = { now: false };
        const racing = racer(endpoint, RACES_PER_RESTART, stopRacing, stopLoad, races);
        racers.push(racing);
        const signalled = Date.now();
        // By its PID, as systemd's KillSignal=SIGTERM does.
        old.child.kill('SIGTERM');
        const exit = await within(old.exited, EXIT_BOUND_MS);
        assert.ok(exit !== undefined, `node ${i} did not exit within ${EXIT_BOUND_MS} ms of SIGTERM:\n${old.output()}`);
        const drainMs = Date.now() - signalled;
        assert.deepEqual(exit, { code: 0, signal: null }, `node ${i} drained and exited cleanly:\n${old.output()}`);
        const fresh = await start(i);
        nodes[i] = fresh;
        const servedAfter = await waitUntilServing(fresh);
        stopRacing.now = true;
        await racing;
        restarts.push({ node: i, servedBefore, servedAfter, exit: `code ${exit.code}`, drainMs });
      }
    } finally {
      stopLoad.now = true;
      await Promise.all([...clients, ...racers]);
    }
    const duration = Date.now() - began;

    // 1. No request failed once its Retry-After retries were made.
    assert.deepEqual(tally.failures, [], `every request answered as expected; nginx's error log:\n${nginx.errorLog().slice(-4000)}\nits access log's failed lines:\n${nginx.accessLog().split('\n').filter((l) => /^5/.test(l)).join('\n')}`);

    // 3. Each pair of simultaneous cancellations: exactly one winner, the other told the certificate is cancelled (7002).
    assert.ok(races.length >= RACES_PER_RESTART * nodes.length, `${races.length} races`);
    for (const { id, answers } of races) {
      const wins = answers.filter((a) => a !== undefined && a.errors.length === 0 && a.ok.idAnnullamento !== undefined);
      const refused = answers.filter((a) => a !== undefined && a.errors.length === 1 && a.errors[0]!.tipoErrore === '7002');
      assert.equal(wins.length, 1, `certificate ${id}: one cancellation wins, got ${JSON.stringify(answers.map((a) => a?.errors ?? 'failed'))}`);
      assert.equal(refused.length, 1, `certificate ${id}: the other is told 7002, got ${JSON.stringify(answers.map((a) => a?.errors ?? 'failed'))}`);
      cancelled.add(id);
    }

    // 2. Every acknowledged certificate is stored, in the state its answers said; none more.
    for (const id of acknowledged) {
      const record = await store.getCertificate(id);
      assert.ok(record !== undefined, `acknowledged certificate ${id} is stored`);
      const expected = cancelled.has(id) ? 'annullato' : rectified.has(id) ? 'rettificato' : 'attivo';
      assert.equal(record.state, expected, `certificate ${id}`);
    }
    assert.equal((await store.countCertificates()) - before, acknowledged.size, 'as many new certificates stored as distinct ones acknowledged: no orphan of a resent request');

    // 4. Each node served before its restart and again after it.
    assert.equal(restarts.length, 3);
    for (const r of restarts) {
      assert.ok(r.servedBefore > 0, `node ${r.node} served before its restart`);
      assert.ok(r.servedAfter > 0, `node ${r.node} served after its restart`);
    }
    const retried = nginx.accessLog().split('\n').filter((line) => /^\d{3} \S+, /.test(line)).length;
    t.diagnostic(
      `${tally.requests} requests in ${duration} ms (${JSON.stringify(tally.byOperation)}); retries: ${tally.retriesAfter503} after 503 + Retry-After, ` +
        `${tally.retriesAfterConnectionError} after a lost connection; ${tally.resentAfterLostAnswer} InviaMalattia resent as if their answer was lost; nginx passed ${retried} requests on to another node; ` +
        `${races.length} cancellation races; ${acknowledged.size} certificates acknowledged; restarts: ${JSON.stringify(restarts)}`,
    );
  },
);

/** The promise's value, or undefined once `ms` have passed (the timer cleared either way: nothing left to hold the process). */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until nginx has sent this node SOAP calls it answered; returns how many. */
async function waitUntilServing(node: CliGateway): Promise<number> {
  const bound = Date.now() + BACK_IN_ROTATION_BOUND_MS;
  for (;;) {
    const count = await served(node);
    if (count > 0) return count;
    assert.ok(Date.now() < bound, `nginx sent no call to ${node.url} within ${BACK_IN_ROTATION_BOUND_MS} ms of its start`);
    await delay(200);
  }
}
