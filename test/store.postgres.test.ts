/**
 * The PostgreSQL adapter on a real throw-away cluster (test/support/
 * postgres.ts): the store port's contract (the same cases as SQLite's), then
 * what only a shared server has: migrations applied once by two nodes
 * opening at once, one winner across separate nodes' pools, a connection
 * killed mid-transaction leaving nothing half-written, synchronous_commit on.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import pg from 'pg';
import { ConfigError, DATABASE_DEFAULTS, loadConfig } from '../src/config.js';
import { DuplicateKeyError, StoreUnavailableError } from '../src/store/port.js';
import { PG_MIGRATIONS } from '../src/store/postgres/migrations.js';
import { PostgresStore, redactConnectionString } from '../src/store/postgres/postgresStore.js';
import { openStore } from '../src/store/open.js';
import { usePostgres } from './support/postgres.js';
import { BY, certificate, ricovero, storeContract } from './support/storeContract.js';

const postgres = usePostgres();

storeContract('PostgreSQL', async (t) => {
  const url = await postgres.database(t);
  if (url === undefined) return undefined;
  // Opened as the gateway opens it: the factory, from the configuration's database block.
  const store = openStore({ dataDir: '/nonexistent', database: { url, poolSize: 8 } });
  return { store, sibling: () => openStore({ dataDir: '/nonexistent', database: { url, poolSize: 2 } }), close: () => store.close() };
});

async function query<R extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<R>(text, values)).rows;
  } finally {
    await client.end();
  }
}

describe('PostgreSQL only', () => {
  test('two nodes opening a new database at once: the migrations run once, recorded; a newer schema is refused', async (t) => {
    const url = await postgres.database(t);
    if (url === undefined) return;
    const nodes = await Promise.all([1, 2, 3].map(() => PostgresStore.open({ connectionString: url, poolSize: 2 })));
    await Promise.all(nodes.map((n) => n.close()));
    const rows = await query<{ version: number }>(url, 'SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows.map((r) => r.version), PG_MIGRATIONS.map((m) => m.version));
    await query(url, "INSERT INTO schema_migrations (version, description) VALUES (999, 'from the future')");
    await assert.rejects(PostgresStore.open({ connectionString: url, poolSize: 1 }), /newer version/);
  });

  test('every connection of the pool commits with synchronous_commit on, whatever the database default', async (t) => {
    const url = await postgres.database(t);
    if (url === undefined) return;
    const name = new URL(url).pathname.slice(1);
    await query(url, `ALTER DATABASE ${pg.escapeIdentifier(name)} SET synchronous_commit = off`);
    const store = await PostgresStore.open({ connectionString: url, poolSize: 2 });
    try {
      const pool = (store as unknown as { pool: pg.Pool }).pool;
      assert.equal((await pool.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit, 'on');
    } finally {
      await store.close();
    }
  });

  test('one winner across nodes: 20 cancellations of one certificate from 4 nodes, 2 twins with one claim on 2 nodes', async (t) => {
    const url = await postgres.database(t);
    if (url === undefined) return;
    const nodes = await Promise.all([1, 2, 3, 4].map(() => PostgresStore.open({ connectionString: url, poolSize: 5 })));
    try {
      await nodes[0]!.insertCertificate(certificate('100000000000000001'), BY);
      const outcomes = await Promise.all(
        Array.from({ length: 20 }, (_, i) => nodes[i % 4]!.cancelCertificate('100000000000000001', `1100000000000000${String(i).padStart(2, '0')}`, BY.at, BY)),
      );
      assert.deepEqual([outcomes.filter((o) => o === 'ok').length, outcomes.filter((o) => o === 'not_active').length], [1, 19]);
      for (let round = 0; round < 10; round++) {
        const at = Date.parse('2026-11-25T09:00:00Z');
        const claim = { requestKey: `twin-${round}`, messageKey: `msg-${round}`, at, notBefore: at - 3_600_000 };
        const [a, b] = await Promise.all([
          nodes[0]!.insertCertificate(certificate(`12000000000000${String(round).padStart(2, '0')}01`), BY, claim),
          nodes[1]!.insertCertificate(certificate(`12000000000000${String(round).padStart(2, '0')}02`), BY, claim),
        ]);
        const results = [a, b];
        assert.equal(results.filter((r) => r === undefined).length, 1, `round ${round}: one creates (${JSON.stringify(results)})`);
        const replay = results.find((r) => r !== undefined) as { replay: { id: string } };
        assert.ok(await nodes[2]!.getCertificate(replay.replay.id), 'the replay names the stored certificate');
      }
      const [row] = await query<{ n: string }>(url, "SELECT count(*) AS n FROM certificati WHERE id_certificato LIKE '12%'");
      assert.equal(row!.n, '10', 'one certificate per pair of twins');
      const [claims] = await query<{ n: string }>(url, 'SELECT count(*) AS n FROM idempotency');
      assert.equal(claims!.n, '10', 'one claim per pair');
    } finally {
      await Promise.all(nodes.map((n) => n.close()));
    }
  });

  test('a connection killed mid-transaction leaves nothing half-written and the store answers StoreUnavailableError', async (t) => {
    const url = await postgres.database(t);
    if (url === undefined) return;
    const store = await PostgresStore.open({ connectionString: url, poolSize: 2 });
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      await store.insertCertificate(certificate('130000000000000001'), BY);
      // Another session holds the rectification's PUC, uncommitted: the rectification marks the
      // original, then waits on the unique index for its insert. Then its connection is killed.
      await blocker.query('BEGIN');
      await blocker.query(
        `INSERT INTO certificati (id_certificato, kind, medico_cf, lavoratore_cf, data_ricezione, sent_by, state, data_rilascio, data_inizio, data_fine, document)
         VALUES ('130000000000000002', 'malattia', 'x', 'y', 'z', 'x', 'attivo', 'a', 'b', 'c', '{}')`,
      );
      const rectified = store.rectifyCertificate('130000000000000001', certificate('130000000000000002', { rettificaDi: '130000000000000001' }), BY);
      const settled = rectified.then(() => undefined, (e: unknown) => e);
      const at = Date.parse('2026-11-25T09:00:00Z');
      const claimed = store.insertCertificate(certificate('130000000000000002'), BY, { requestKey: 'killed', messageKey: null, at, notBefore: at - 1 });
      const claimedSettled = claimed.then(() => undefined, (e: unknown) => e);
      // Both wait on the blocker's uncommitted row: kill them (seen from outside any transaction:
      // pg_stat_activity is a snapshot fixed for the length of one).
      let killed = 0;
      for (let i = 0; i < 400 && killed === 0; i++) {
        const waiting = await query<{ pid: number }>(url, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
        if (waiting.length === 2) {
          for (const { pid } of waiting) await query(url, 'SELECT pg_terminate_backend($1)', [pid]);
          killed = waiting.length;
        } else await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.equal(killed, 2, 'both writes were waiting');
      const [err, claimErr] = await Promise.all([settled, claimedSettled]);
      assert.ok(err instanceof StoreUnavailableError, `got ${String(err)}`);
      assert.ok(claimErr instanceof StoreUnavailableError, `got ${String(claimErr)}`);
      await blocker.query('ROLLBACK');
      assert.equal((await store.getCertificate('130000000000000001'))?.state, 'attivo', 'the original is not left rectified');
      assert.equal(await store.getCertificate('130000000000000002'), undefined);
      const actions: string[] = [];
      for await (const e of store.readJournal({ subjectKind: 'certificato', subjectId: '130000000000000001' })) actions.push(e.action);
      assert.deepEqual(actions, ['creazione']);
      assert.equal((await blocker.query('SELECT 1 FROM idempotency')).rowCount, 0, 'no claim without its certificate');
      // The pool replaced the killed connections: the same writes now succeed.
      assert.equal(await store.rectifyCertificate('130000000000000001', certificate('130000000000000002', { rettificaDi: '130000000000000001' }), BY), 'ok');
      assert.ok((await rejection(store.insertCertificate(certificate('130000000000000002'), BY))) instanceof DuplicateKeyError, 'a reused PUC');
      assert.equal(await store.writeFailure(), undefined);
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  test("the access journal and a record's creation are append-only on any connection: UPDATE, DELETE and TRUNCATE refused", async (t) => {
    const url = await postgres.database(t);
    if (url === undefined) return;
    const store = await PostgresStore.open({ connectionString: url, poolSize: 1 });
    try {
      await store.insertCertificate(certificate('140000000000000001'), BY);
      await store.insertRicovero(ricovero('140000000000000002'), BY);
      await store.appendJournal([{ ...BY, action: 'lettura', subjectKind: 'certificato', subjectId: '140000000000000001' }]);
    } finally {
      await store.close();
    }
    for (const sql of [
      "UPDATE access_journal SET username = 'someone else'",
      'DELETE FROM access_journal',
      'TRUNCATE access_journal',
      ...['sent_by', 'data_ricezione', 'client_address', 'medico_cf', 'lavoratore_cf', 'paper_window'].map((c) => `UPDATE certificati SET ${c} = 'x'`),
      'DELETE FROM certificati',
      'TRUNCATE certificati CASCADE',
      "UPDATE ricoveri SET sent_by = 'x'",
      'DELETE FROM ricoveri',
    ]) {
      await assert.rejects(query(url, sql), /append-only|fixed at creation/, sql);
    }
    assert.deepEqual(await query(url, 'SELECT username FROM access_journal'), [{ username: BY.username }]);
    await query(url, "UPDATE certificati SET state = 'annullato'"); // the lifecycle still changes its state
  });

  test('a pool kept busy beyond SAC_DB_CONNECT_TIMEOUT_MS: the next write fails at once with StoreUnavailableError, nothing written', async (t) => {
    const url = await postgres.database(t);
    if (url === undefined) return;
    const store = await PostgresStore.open({ connectionString: url, poolSize: 1, connectTimeoutMs: 300 });
    const blocker = new pg.Client({ connectionString: url });
    await blocker.connect();
    try {
      await store.insertCertificate(certificate('150000000000000001'), BY);
      await blocker.query('BEGIN');
      await blocker.query("SELECT 1 FROM certificati WHERE id_certificato = '150000000000000001' FOR UPDATE");
      // The pool's one connection waits on the blocker's row lock.
      const held = store.cancelCertificate('150000000000000001', '150000000000000009', BY.at, BY);
      const started = performance.now();
      const err = await rejection(store.insertCertificate(certificate('150000000000000002'), BY));
      assert.ok(err instanceof StoreUnavailableError, `got ${String(err)}`);
      assert.ok(performance.now() - started < 10_000, 'bounded by the connect timeout');
      assert.equal(await store.pendingWrites(), 1, 'the waiting cancellation');
      await blocker.query('COMMIT');
      assert.equal(await held, 'ok');
      assert.equal(await store.getCertificate('150000000000000002'), undefined);
    } finally {
      await blocker.end();
      await store.close();
    }
  });

  test('a node started while the database is away: calls and writeFailure() say unavailable; once it answers, the failure clears without traffic and the migrations run', async (t) => {
    const url = await postgres.database(t);
    if (url === undefined) return;
    const real = new URL(url);
    // A port that refuses connections now and forwards to the cluster later.
    const placeholder = net.createServer();
    await new Promise<void>((resolve) => placeholder.listen(0, '127.0.0.1', resolve));
    const port = (placeholder.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => placeholder.close(() => resolve()));
    const away = new URL(url);
    away.hostname = '127.0.0.1';
    away.port = String(port);
    const store = openStore({ dataDir: '/nonexistent', database: { url: away.toString(), poolSize: 2, connectTimeoutMs: 1_000 } });
    const sockets = new Set<net.Socket>();
    const proxy = net.createServer((inbound) => {
      const outbound = net.connect(Number(real.port), real.hostname === 'localhost' ? '127.0.0.1' : real.hostname);
      for (const s of [inbound, outbound]) {
        sockets.add(s);
        s.on('error', () => s.destroy());
        s.on('close', () => sockets.delete(s));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    try {
      assert.ok((await rejection(store.countUsers())) instanceof StoreUnavailableError);
      assert.ok(store.writeFailure() instanceof StoreUnavailableError);
      await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve));
      const deadline = Date.now() + 15_000;
      while (store.writeFailure() !== undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(store.writeFailure(), undefined, 'the failure cleared by the store\'s own probe');
      assert.equal(await store.countUsers(), 0, 'the migrations ran: the tables are there');
    } finally {
      await store.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  test('a server that does not answer: opening fails with StoreUnavailableError, the password never in the message', async () => {
    const url = 'postgres://sac:s3cr3t-pw@127.0.0.1:1/sac';
    const err = await PostgresStore.open({ connectionString: url, poolSize: 1, connectTimeoutMs: 2_000 }).then(
      () => assert.fail('opened'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StoreUnavailableError, `got ${String(err)}`);
    assert.doesNotMatch((err as Error).message, /s3cr3t-pw/);
    assert.match((err as Error).message, /127\.0\.0\.1:1/);
    assert.equal(redactConnectionString(url), 'postgres://sac:***@127.0.0.1:1/sac');
    assert.equal(redactConnectionString('postgres://h/db?password=x&sslmode=require'), 'postgres://h/db?password=***&sslmode=require');
  });
});

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('accepted'),
    (e: unknown) => e,
  );
}

describe('the database block of the configuration (read and checked; the store factory opens PostgreSQL with it)', () => {
  test('SQLite by default; a postgres URL and the pool settings; a bad value names its variable and never echoes a password', () => {
    const d = loadConfig({}).database;
    assert.deepEqual(d, { url: undefined, ...DATABASE_DEFAULTS });
    const set = loadConfig({ SAC_DATABASE_URL: 'postgres://sac:pw@db1:5432/sac', SAC_DB_POOL_SIZE: '20', SAC_DB_CONNECT_TIMEOUT_MS: '2000', SAC_DB_STATEMENT_TIMEOUT_MS: '0' }).database;
    assert.deepEqual(set, { url: 'postgres://sac:pw@db1:5432/sac', poolSize: 20, connectTimeoutMs: 2000, statementTimeoutMs: 0, queryTimeoutMs: 35_000 });
    assert.equal(loadConfig({ SAC_DB_STATEMENT_TIMEOUT_MS: '5000', SAC_DB_QUERY_TIMEOUT_MS: '8000' }).database.queryTimeoutMs, 8000);
    // The server cancels a slow statement first; the gateway gives up on a silent server only after.
    assert.throws(() => loadConfig({ SAC_DB_QUERY_TIMEOUT_MS: '30000' }), (err: Error) => err instanceof ConfigError && /SAC_DB_QUERY_TIMEOUT_MS \(30000\) must be above SAC_DB_STATEMENT_TIMEOUT_MS \(30000\)/.test(err.message));
    assert.equal(loadConfig({ SAC_DATABASE_URL: 'postgresql://sac@/sac?host=/run/postgresql' }).database.url, 'postgresql://sac@/sac?host=/run/postgresql');
    for (const [name, value] of [
      ['SAC_DATABASE_URL', 'mysql://sac:hunter2@db/sac'],
      ['SAC_DATABASE_URL', 'hunter2'],
      ['SAC_DATABASE_URL', 'postgres://sac:hunter2@db1:5432/'],
      ['SAC_DB_POOL_SIZE', '0'],
      ['SAC_DB_POOL_SIZE', 'ten'],
      ['SAC_DB_CONNECT_TIMEOUT_MS', '5'],
      ['SAC_DB_STATEMENT_TIMEOUT_MS', '-1'],
      ['SAC_DB_QUERY_TIMEOUT_MS', '500'],
    ] as const) {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (err: Error) => err instanceof ConfigError && err.message.includes(name) && !err.message.includes('hunter2'),
        `${name}=${value}`,
      );
    }
  });
});
