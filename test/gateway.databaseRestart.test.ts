/**
 * The database going away under a running gateway, which must answer 503
 * and serve again by itself, never restarted, never losing or doubling a record.
 *
 * PostgreSQL restarted under a gateway's load (`pg_ctl restart -m fast`, as an
 * operator restarts the server or a failover ends every session): the gateway
 * is not restarted. Twelve clients send InviaMalattia without pause, each visit
 * its own, and resend the same bytes after a 503 with Retry-After (waiting
 * what it says), as the contract's clients should. Checks: every visit ends
 * with a receipt; every refusal was a 503 SOAP fault with Retry-After; the
 * restart met the load; the database holds exactly the acknowledged
 * certificates, each once (a COMMIT whose answer was lost is replayed to its
 * resend, never stored twice); the gateway serves again without a restart of
 * its own, and /healthz says so.
 *
 * A server gone silent (a failover that moved the address, packets dropped,
 * no reset): calls on its connections are answered 503 once the answer is
 * overdue (SAC_DB_QUERY_TIMEOUT_MS), those connections are dropped, and new
 * ones serve.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { addDays, romeDate } from '../src/domain/dates.js';
import { startGateway } from './support/gateway.js';
import { usePostgres } from './support/postgres.js';
import { envelope, invioMalattia } from './support/requests.js';
import { DEMO, basic, parseResponse } from './support/soapClient.js';

const postgres = usePostgres();

const CLIENTS = 12;
/** Resends of one visit at most (each after the Retry-After it was given). */
const MAX_RETRIES = 10;
/** Receipts before the restart begins, and how long the load goes on once the server is back. */
const ACKS_BEFORE_RESTART = 60;
const LOAD_AFTER_RESTART_MS = 2_000;

interface Outcome {
  readonly id?: string;
  readonly attempts: number;
  /** Every answer that was not the receipt: HTTP status, Retry-After, faultstring. */
  readonly refusals: string[];
  readonly failure?: string;
}

const HEADERS = { authorization: basic(DEMO.medico.user, DEMO.medico.password), 'content-type': 'text/xml; charset=utf-8', soapaction: 'http://ws.cert.sanita.finanze.it/InviaMalattia' };

let visits = 0;
/** A new visit's number and InviaMalattia (its own notes, a fresh pincode ciphertext for this gateway's certificate). */
function newVisit(pem: string): { n: number; body: Buffer } {
  const today = romeDate(new Date());
  const fields = invioMalattia(today, {
    medico: { pincode: encryptField(pem, DEMO.medico.pincode) },
    malattia: { dataFine: addDays(today, 3) },
    diagnosi: { codiceDiagnosi: '487.1', noteDiagnosi: `Sindrome influenzale, visita ${++visits}` },
  });
  return { n: visits, body: Buffer.from(envelope('invioMalattiaRequest', fields), 'utf8') };
}

/** A refusal as the assertions read it: status, Retry-After, faultstring. */
function refusalOf(response: Response, text: string): string {
  return `${response.status} Retry-After ${response.headers.get('retry-after')}: ${/<faultstring>([^<]*)<\/faultstring>/.exec(text)?.[1] ?? text.slice(0, 120)}`;
}

/** The id of every certificate in the database, read on a connection of the test's own. */
async function storedIds(url: string): Promise<string[]> {
  const reader = new pg.Client({ connectionString: url });
  await reader.connect();
  try {
    return (await reader.query<{ id_certificato: string }>('SELECT id_certificato FROM certificati')).rows.map((r) => r.id_certificato);
  } finally {
    await reader.end();
  }
}

/**
 * A TCP relay to the cluster. silence(): every connection open now stops
 * relaying, both ways, and stays open (what a peer that vanished looks like);
 * connections made later relay as before.
 */
async function silenceableRelay(port: number): Promise<{ port: number; silence(): void; close(): Promise<void> }> {
  const open = new Set<{ silenced: boolean; sockets: net.Socket[] }>();
  const server = net.createServer((inbound) => {
    const outbound = net.connect(port, '127.0.0.1');
    const pair = { silenced: false, sockets: [inbound, outbound] };
    open.add(pair);
    const relay = (from: net.Socket, to: net.Socket): void => {
      from.on('data', (chunk) => {
        if (!pair.silenced) to.write(chunk);
      });
      from.on('end', () => {
        if (!pair.silenced) to.end();
      });
      from.on('error', () => undefined);
    };
    relay(inbound, outbound);
    relay(outbound, inbound);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    silence() {
      for (const pair of open) pair.silenced = true;
    },
    async close() {
      for (const pair of open) for (const socket of pair.sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

test('PostgreSQL restarted under load: every visit acknowledged once after its resends, only 503s with Retry-After, the gateway serving again on its own', { timeout: 180_000 }, async (t) => {
  const url = await postgres.database(t);
  if (url === undefined) return;
  const cluster = (await postgres.cluster())!;
  const gw = await startGateway({ SAC_DATABASE_URL: url });
  t.after(() => gw.stop());
  const pem = gw.gateway.pincodeKey.certificatePem;

  /** One visit: the same bytes until a receipt, a non-retryable answer, or MAX_RETRIES resends. */
  async function visit(): Promise<Outcome> {
    const { n, body } = newVisit(pem);
    const refusals: string[] = [];
    for (let attempt = 1; ; attempt++) {
      const response = await fetch(gw.endpoint, { method: 'POST', headers: HEADERS, body, signal: AbortSignal.timeout(60_000) });
      const text = await response.text();
      if (response.status === 200) {
        const parsed = parseResponse({ status: response.status, headers: response.headers, text });
        const id = parsed.ok.idCertificato;
        return id === undefined ? { attempts: attempt, refusals, failure: `visit ${n}: ${JSON.stringify(parsed.errors)}` } : { id, attempts: attempt, refusals };
      }
      const retryAfter = response.headers.get('retry-after');
      refusals.push(refusalOf(response, text));
      if (response.status !== 503 || retryAfter === null || !/^\d+$/.test(retryAfter)) return { attempts: attempt, refusals, failure: `visit ${n}: not retryable: ${refusals.at(-1)}` };
      if (attempt > MAX_RETRIES) return { attempts: attempt, refusals, failure: `visit ${n}: still refused after ${MAX_RETRIES} resends` };
      await delay(Number(retryAfter) * 1000);
    }
  }

  const outcomes: Outcome[] = [];
  let stopAt = Number.POSITIVE_INFINITY;
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (Date.now() < stopAt) {
      outcomes.push(await visit());
    }
  });
  // /healthz, a few times a second for the whole run.
  const health: number[] = [];
  const watching = (async () => {
    while (Date.now() < stopAt) {
      health.push((await fetch(`${gw.url}/healthz`)).status);
      await delay(100);
    }
  })();

  while (outcomes.filter((o) => o.id !== undefined).length < ACKS_BEFORE_RESTART) await delay(20);
  const restartStarted = Date.now();
  await cluster.restart();
  const restartMs = Date.now() - restartStarted;
  stopAt = Date.now() + LOAD_AFTER_RESTART_MS;
  await Promise.all([...clients, watching]);
  // Fresh visits once every client is through: each acknowledged at its first try, by the same gateway.
  const fresh = await Promise.all(Array.from({ length: 12 }, () => visit()));
  outcomes.push(...fresh);

  const failures = outcomes.flatMap((o) => (o.failure === undefined ? [] : [o.failure]));
  assert.deepEqual(failures, [], 'every visit ended with a receipt');
  const refusals = outcomes.flatMap((o) => o.refusals);
  assert.ok(refusals.length > 0, `the restart (${restartMs} ms) met the load: some calls were refused`);
  for (const r of refusals) assert.match(r, /^503 Retry-After \d+: Servizio temporaneamente non disponibile/);
  assert.deepEqual(fresh.map((o) => o.attempts), fresh.map(() => 1), 'new visits acknowledged at their first try once the server was back, the gateway never restarted');

  const ids = outcomes.map((o) => o.id!);
  assert.equal(new Set(ids).size, ids.length, 'one receipt per visit');
  const stored = await storedIds(url);
  assert.equal(stored.length, new Set(stored).size);
  assert.deepEqual([...stored].sort(), [...ids].sort(), 'the database holds exactly the acknowledged certificates: none lost, none stored twice');
  assert.equal(health.at(-1), 200, '/healthz healthy again');
  t.diagnostic(`${outcomes.length} visits, ${refusals.length} refusals resent, restart ${restartMs} ms, /healthz answers ${JSON.stringify(Object.fromEntries([...new Set(health)].map((s) => [s, health.filter((h) => h === s).length])))}`);
});

test('PostgreSQL gone silent (no reset): calls answered 503 once the answer is overdue, the dead connections dropped, new ones serve; nothing stored twice', { timeout: 120_000 }, async (t) => {
  const url = await postgres.database(t);
  if (url === undefined) return;
  const cluster = (await postgres.cluster())!;
  const relay = await silenceableRelay(cluster.port);
  t.after(() => relay.close());
  const through = new URL(url);
  through.port = String(relay.port);
  const QUERY_TIMEOUT_MS = 2_000;
  const POOL = 3;
  const gw = await startGateway({
    SAC_DATABASE_URL: through.toString(),
    SAC_DB_POOL_SIZE: String(POOL),
    SAC_DB_STATEMENT_TIMEOUT_MS: '1000',
    SAC_DB_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
  });
  t.after(() => gw.stop());
  const pem = gw.gateway.pincodeKey.certificatePem;
  /** One attempt of a new visit: the receipt's id, or the refusal and how long it took. */
  const attempt = async (): Promise<{ id?: string; refusal?: string; ms: number }> => {
    const started = performance.now();
    // Far above the query timeout: a call left waiting on a silent server fails here.
    const response = await fetch(gw.endpoint, { method: 'POST', headers: HEADERS, body: newVisit(pem).body, signal: AbortSignal.timeout(20_000) });
    const text = await response.text();
    const ms = performance.now() - started;
    if (response.status !== 200) return { refusal: refusalOf(response, text), ms };
    const id = parseResponse({ status: response.status, headers: response.headers, text }).ok.idCertificato;
    assert.ok(id !== undefined, text);
    return { id, ms };
  };

  const acknowledged: string[] = [];
  // Every pooled connection in use at once, then idle in the pool.
  for (const a of await Promise.all(Array.from({ length: POOL * 2 }, attempt))) acknowledged.push(a.id!);
  relay.silence();
  const refusals: Array<{ refusal: string; ms: number }> = [];
  const started = performance.now();
  let recovered: string | undefined;
  for (let i = 0; i < POOL * 3 && recovered === undefined; i++) {
    const a = await attempt();
    if (a.id !== undefined) recovered = a.id;
    else refusals.push({ refusal: a.refusal!, ms: a.ms });
  }
  assert.ok(recovered !== undefined, `served again within ${POOL * 3} calls: ${JSON.stringify(refusals)}`);
  acknowledged.push(recovered);
  assert.ok(refusals.length >= 1, 'the silent connections were met');
  for (const r of refusals) {
    assert.match(r.refusal, /^503 Retry-After \d+: Servizio temporaneamente non disponibile/);
    assert.ok(r.ms >= QUERY_TIMEOUT_MS * 0.9 && r.ms < QUERY_TIMEOUT_MS * 5, `answered once the answer was overdue, not before and not much later: ${Math.round(r.ms)} ms`);
  }
  // New connections serve: calls acknowledged at once.
  for (const a of await Promise.all(Array.from({ length: POOL * 2 }, attempt))) {
    assert.ok(a.id !== undefined, a.refusal);
    acknowledged.push(a.id);
  }
  assert.deepEqual((await storedIds(url)).sort(), [...acknowledged].sort(), 'exactly the acknowledged certificates: what went to the silent server was never stored');
  t.diagnostic(`${refusals.length} calls answered 503 (${refusals.map((r) => Math.round(r.ms)).join(', ')} ms), served again after ${Math.round(performance.now() - started)} ms`);
});
