/**
 * The SQLite adapter on a real file: durable settings, versioned
 * migrations, primary-key protection of PUCs, and the registry import.
 * Every write case runs over each place the single writer can be: this
 * thread, a worker thread (the gateway's default), and the cluster
 * primary's writer thread reached over its Unix socket. Errors must arrive
 * as the same typed errors (by code) wherever the writer is.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { checkCodiceFiscale, syntheticPersons } from '../src/domain/codiceFiscale.js';
import { DuplicateKeyError, InvalidPersonError, StoreUnavailableError, StoreWriteError, type CertificateRecord } from '../src/store/port.js';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { privateSocketPath } from '../src/store/sqlite/socketWriter.js';
import { STORE_FILE, SqliteStore, openDatabase } from '../src/store/sqlite/sqliteStore.js';
import { ThreadWriteChannel } from '../src/store/sqlite/writeChannel.js';
import { tempDir } from './support/gateway.js';
import { journalOf } from './support/journal.js';
import { BY, certificate } from './support/storeContract.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

interface OpenStore {
  readonly store: SqliteStore;
  close(): Promise<void>;
}

/** The three places the writer can be, each opening a store on `dir` whose writes go there. */
const PLACEMENTS: ReadonlyArray<{ readonly name: string; open(dir: string): Promise<OpenStore> }> = [
  {
    name: 'in-process writer',
    async open(dir) {
      const store = SqliteStore.open(dir, 'local');
      return { store, close: () => store.close() };
    },
  },
  {
    name: 'writer thread',
    async open(dir) {
      const store = SqliteStore.open(dir, 'thread');
      return { store, close: () => store.close() };
    },
  },
  {
    name: 'cluster socket',
    async open(dir) {
      // As under node:cluster: the primary's writer thread listens, a worker's store writes over the socket.
      const socket = privateSocketPath();
      const primary = new ThreadWriteChannel(dir, { socketPath: socket.path });
      await primary.ready;
      const store = SqliteStore.open(dir, { socketPath: socket.path });
      return {
        store,
        async close() {
          await store.close();
          await primary.close();
          socket.remove();
        },
      };
    },
  },
];

function count(dir: string, sql: string): number {
  const raw = new Database(path.join(dir, STORE_FILE), { readonly: true });
  try {
    return (raw.prepare(sql).get() as { n: number }).n;
  } finally {
    raw.close();
  }
}

test('the store file is in WAL mode with fsync on every commit', () => {
  const dir = tempDir();
  try {
    const db = openDatabase(dir);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(db.pragma('synchronous', { simple: true }), 2, 'synchronous=FULL');
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('migrations run once, are recorded, and a newer schema is refused', () => {
  const dir = tempDir();
  try {
    openDatabase(dir).close();
    const again = openDatabase(dir);
    const rows = again.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[];
    assert.deepEqual(rows.map((r) => r.version), MIGRATIONS.map((m) => m.version));
    again.prepare("INSERT INTO schema_migrations VALUES (999, 'from the future', '2030-01-01')").run();
    again.close();
    assert.throws(() => openDatabase(dir), /newer version/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('`sac-gateway seed --persons N` fills the registry with valid, distinct persons', async () => {
  const dir = tempDir();
  try {
    const out = execFileSync(process.execPath, [CLI, 'seed', '--persons', '5000'], {
      env: { ...process.env, SAC_DATA_DIR: dir },
      encoding: 'utf8',
    });
    assert.match(out, /5000 synthetic persons written; registry now holds 5003/);
    const store = SqliteStore.open(dir);
    const sample = [...syntheticPersons(5000)].filter((_, i) => i % 997 === 0);
    for (const person of sample) {
      assert.ok(checkCodiceFiscale(person.codiceFiscale).ok);
      assert.deepEqual(await store.findPerson(person.codiceFiscale), person);
    }
    assert.equal(await store.countUsers(), 6, 'demo users loaded once (issue 12 added the demo employer and worker)');
    assert.equal(await store.countEmployments(), 2, "the demo employer's two employments, through the writer before the command returned");
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the registry takes names only in the contract's form (answers echo them): an accented or too long one is refused, nothing of its batch written", async () => {
  const dir = tempDir();
  try {
    const store = SqliteStore.open(dir);
    const base = { sesso: 'M' as const, dataNascita: '1980-01-01', comuneNascita: 'Roma', provinciaNascita: 'RM' };
    const good = { ...base, codiceFiscale: 'DLANCL80A01H501Q', cognome: "D'Alo'", nome: "Niccolo'" };
    assert.equal(await store.putPersons([good]), 1);
    assert.deepEqual(await store.findPerson(good.codiceFiscale), good);
    for (const bad of [
      { cognome: "D'Alò", nome: 'Niccolo' },
      { cognome: 'Rossi', nome: 'Niccolò' },
      { cognome: 'Rossi-Bianchi', nome: 'Mario' },
      { cognome: 'R', nome: 'Mario' },
      { cognome: 'A'.repeat(25), nome: 'Mario' },
      { cognome: 'Rossi', nome: 'M'.repeat(21) },
    ]) {
      const other = { ...base, codiceFiscale: 'RSSMRA80A01H501U', ...bad };
      await assert.rejects(store.putPersons([other]), (err: unknown) => err instanceof InvalidPersonError && err.code === 'SAC_STORE_INVALID_PERSON', JSON.stringify(bad));
      assert.equal(await store.findPerson(other.codiceFiscale), undefined, `${JSON.stringify(bad)} was written`);
    }
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const placement of PLACEMENTS) {
  describe(`store writes through the ${placement.name}`, () => {
    test('a reused PUC is refused with DuplicateKeyError (name and code) and the first certificate is untouched', async () => {
      const dir = tempDir();
      try {
        const { store, close } = await placement.open(dir);
        await store.insertCertificate(certificate('111111111111111111'), BY);
        const second = { ...certificate('111111111111111111'), lavoratoreCf: 'BNCGPP75C41F205S' };
        const err = await store.insertCertificate(second, BY).then(
          () => assert.fail('a reused PUC was accepted'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof DuplicateKeyError, `got ${String(err)}`);
        assert.equal(err.name, 'DuplicateKeyError');
        assert.equal(err.code, 'SAC_STORE_DUPLICATE_KEY');
        assert.equal((await store.getCertificate('111111111111111111'))?.lavoratoreCf, 'RSSMRA80A01H501U');
        assert.equal(await store.countCertificates(), 1);
        await close();
        assert.equal(count(dir, 'SELECT count(*) AS n FROM certificati'), 1);
        // A certificate's row is its creation entry: one certificate, one creation, nothing from the refused one.
        assert.equal(count(dir, 'SELECT count(*) AS n FROM access_journal'), 0, 'the refused insert left no journal entry');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('concurrent writes are committed together; a failing one is rolled back alone', async () => {
      const dir = tempDir();
      try {
        const { store, close } = await placement.open(dir);
        const ids = Array.from({ length: 50 }, (_, i) => `2000000000000000${String(i).padStart(2, '0')}`);
        // One duplicate in the middle must fail alone, without taking its batch with it.
        const results = await Promise.allSettled([
          ...ids.map((id) => store.insertCertificate(certificate(id), BY)),
          store.insertCertificate(certificate(ids[7]!), BY),
        ]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 50);
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(rejected.length, 1);
        assert.ok(rejected[0]!.reason instanceof DuplicateKeyError);
        await close();
        assert.equal(count(dir, 'SELECT count(*) AS n FROM certificati'), 50);
        const reopened = SqliteStore.open(dir);
        try {
          assert.equal((await journalOf(reopened, { username: BY.username })).filter((e) => e.action === 'creazione').length, 50);
        } finally {
          await reopened.close();
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('an error that is not one of ours arrives as StoreWriteError keeping its code', async () => {
      const dir = tempDir();
      try {
        const { store, close } = await placement.open(dir);
        const bad = { ...certificate('333333333333333333'), kind: 'ricetta' } as unknown as CertificateRecord;
        const err = await store.insertCertificate(bad, BY).then(
          () => assert.fail('a CHECK violation was accepted'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof StoreWriteError, `got ${String(err)}`);
        assert.equal(err.name, 'StoreWriteError');
        assert.equal(err.code, 'SAC_STORE_WRITE_FAILED');
        assert.equal(err.sourceCode, 'SQLITE_CONSTRAINT_CHECK');
        await close();
        assert.equal(count(dir, 'SELECT count(*) AS n FROM certificati'), 0);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test('each change is journaled in its own transaction: a refused change leaves no entry, a failed entry takes the change back', async () => {
      const dir = tempDir();
      try {
        const { store, close } = await placement.open(dir);
        await store.insertCertificate(certificate('444444444444444444'), BY);
        const rectification = { ...certificate('444444444444444445'), rettificaDi: '444444444444444444' };
        assert.equal(await store.rectifyCertificate('444444444444444444', rectification, { ...BY, operation: 'RettificaMalattia' }), 'ok');
        // Refused: the original is no longer active.
        assert.equal(await store.cancelCertificate('444444444444444444', '444444444444444446', BY.at, BY), 'not_active');
        assert.equal(await store.cancelCertificate('444444444444444445', '444444444444444447', BY.at, { ...BY, operation: 'AnnullaMalattia' }), 'ok');
        await store.appendJournal([{ ...BY, operation: 'RistampaMalattia', action: 'lettura', subjectKind: 'certificato', subjectId: '444444444444444445' }]);
        assert.deepEqual(
          (await journalOf(store, { subjectKind: 'certificato', subjectId: '444444444444444445' })).map((e) => [e.operation, e.action]),
          [
            ['RettificaMalattia', 'creazione'],
            ['AnnullaMalattia', 'annullamento'],
            ['RistampaMalattia', 'lettura'],
          ],
        );
        assert.deepEqual(
          (await journalOf(store, { subjectKind: 'certificato', subjectId: '444444444444444444' })).map((e) => e.action),
          ['creazione', 'rettifica'],
        );
        assert.equal((await journalOf(store, { username: BY.username })).length, 5);
        assert.equal((await journalOf(store, { person: 'RSSMRA80A01H501U' })).length, 5);

        // Another connection makes every journal insert fail: a change must not be stored without its entry.
        await store.insertCertificate(certificate('555555555555555555'), BY);
        const raw = new Database(path.join(dir, STORE_FILE));
        raw.exec("CREATE TRIGGER refuse_journal BEFORE INSERT ON access_journal BEGIN SELECT RAISE(ABORT, 'journal refused'); END");
        await assert.rejects(store.cancelCertificate('555555555555555555', '555555555555555556', BY.at, { ...BY, operation: 'AnnullaMalattia' }));
        await assert.rejects(store.appendJournal([{ ...BY, action: 'lettura', subjectKind: 'persona', subjectId: 'RSSMRA80A01H501U' }]));
        // A new certificate needs no journal row (its row is its creation entry): it is stored, with that entry.
        await store.insertCertificate(certificate('555555555555555557'), BY);
        raw.exec('DROP TRIGGER refuse_journal');
        raw.close();
        assert.equal((await store.getCertificate('555555555555555555'))?.state, 'attivo', 'no cancellation without its journal entry');
        assert.deepEqual(
          (await journalOf(store, { subjectKind: 'certificato', subjectId: '555555555555555557' })).map((e) => [e.operation, e.action, e.clientAddress]),
          [['InviaMalattia', 'creazione', BY.clientAddress]],
        );
        await close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

test('the access journal is append-only: UPDATE and DELETE fail on any connection, also on a record\'s creation', async () => {
  const dir = tempDir();
  try {
    const store = SqliteStore.open(dir);
    await store.insertCertificate(certificate('666666666666666666'), BY);
    await store.appendJournal([{ ...BY, action: 'lettura', subjectKind: 'certificato', subjectId: '666666666666666666' }]);
    await store.close();
    const raw = new Database(path.join(dir, STORE_FILE));
    try {
      assert.throws(() => raw.prepare("UPDATE access_journal SET username = 'someone else'").run(), /append-only/);
      assert.throws(() => raw.prepare('DELETE FROM access_journal').run(), /append-only/);
      assert.equal((raw.prepare('SELECT username FROM access_journal').get() as { username: string }).username, BY.username);
      // The creation entry is the certificate's row: who, when and from where cannot change, nor can the row go.
      for (const column of ['sent_by', 'data_ricezione', 'client_address', 'medico_cf', 'lavoratore_cf']) {
        assert.throws(() => raw.prepare(`UPDATE certificati SET ${column} = 'x'`).run(), /append-only/, column);
      }
      assert.throws(() => raw.prepare('DELETE FROM certificati').run(), /append-only/);
      raw.prepare("UPDATE certificati SET state = 'annullato'").run(); // the lifecycle still changes its state
    } finally {
      raw.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a write after the writer thread is gone fails at once with StoreUnavailableError', async () => {
  const dir = tempDir();
  try {
    const store = SqliteStore.open(dir, 'thread');
    await store.insertCertificate(certificate('777777777777777777'), BY);
    await (store as unknown as { writer: { worker: { terminate(): Promise<number> } } }).writer.worker.terminate();
    const err = await store.insertCertificate(certificate('777777777777777778'), BY).then(
      () => assert.fail('a write was accepted without a writer'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof StoreUnavailableError);
    assert.equal(err.code, 'SAC_STORE_UNAVAILABLE');
    assert.ok(store.writeFailure() instanceof StoreUnavailableError);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
