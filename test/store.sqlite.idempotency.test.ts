/**
 * The SQLite adapter's side of idempotent resubmission (its subject is the
 * adapter: the writer's in-memory claim index, its group transactions, the
 * bounded purge of the idempotency table). The behaviour every engine must
 * give is tested through the gateway in gateway.idempotency.test.ts.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { CertificateRecord, IdempotencyClaim, JournalStamp } from '../src/store/port.js';
import { STORE_FILE, SqliteStore, openDatabase } from '../src/store/sqlite/sqliteStore.js';
import { GroupCommitter, abortBatch } from '../src/store/sqlite/groupCommit.js';
import { SqliteWrites } from '../src/store/sqlite/writes.js';
import { NOW, TODAY } from './support/demo.js';
import { tempDir } from './support/gateway.js';
import { DEMO } from './support/soapClient.js';

const WORKER = 'RSSMRA80A01H501U';
const HOUR = 3_600_000;
const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Writes made straight to the store below the handlers (the writer's claim tests). */
const by: JournalStamp = { at: '2026-11-25T10:00:00+01:00', username: 'test', clientAddress: '127.0.0.1', operation: 'InviaMalattia' };

/** The i-th certificate written by those tests (PUC 1 followed by i on 17 digits). */
function storedCertificate(i: number): CertificateRecord {
  return {
    idCertificato: `1${String(i).padStart(17, '0')}`,
    kind: 'malattia',
    medicoCf: DEMO.medico.user,
    lavoratoreCf: WORKER,
    dataRicezione: by.at,
    sentBy: DEMO.medico.user,
    state: 'attivo',
    document: {
      residenza: { via: 'Via Roma', civico: '1', cap: '00100' },
      malattia: { ruoloMedico: 'S', dataRilascio: TODAY, dataInizio: TODAY, dataFine: TODAY, visita: 'A', tipoCertificato: 'I', diagnosi: { codiceDiagnosi: '487.1' } },
    },
  };
}

describe("the writer's claim index follows its transactions", () => {
  test('a claim made in a group transaction that rolls back is forgotten with it', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    await SqliteStore.open(dataDir, 'local').close();
    const db = openDatabase(dataDir);
    try {
      const writes = new SqliteWrites(db);
      const group = new GroupCommitter(db, writes.claims);
      const record = storedCertificate(1);
      const at = Date.parse(NOW);
      const claim: IdempotencyClaim = { requestKey: 'k-rollback', messageKey: 'm-rollback', at, notBefore: at - HOUR };
      // The claimed insert and a write that dooms the batch share one group transaction.
      const claimed = group.write(() => writes.execute({ op: 'insertCertificate', record, by, claim }));
      const doomed = group.write(() => {
        throw abortBatch(new Error('disk full'));
      });
      await assert.rejects(claimed, /disk full/);
      await assert.rejects(doomed, /disk full/);
      assert.equal(writes.claims.size, 0, 'the index took the claim back');
      assert.equal(await group.write(() => writes.execute({ op: 'findClaim', claim })), undefined);
      // The same request again is a new certificate, and then a replay.
      assert.equal(await group.write(() => writes.execute({ op: 'insertCertificate', record, by, claim })), undefined);
      const again = await group.write(() => writes.execute({ op: 'insertCertificate', record: storedCertificate(2), by, claim }));
      assert.deepEqual(again, { replay: { subjectKind: 'certificato', id: record.idCertificato, dataRicezione: by.at, idInizioRicovero: null } });
      assert.equal(writes.claims.size, 1);
      const rows = db.prepare<[], { id: number; request_key: string }>('SELECT id, request_key FROM idempotency').all();
      assert.deepEqual(rows.map((r) => r.request_key), ['k-rollback'], 'one row, written with its commit; none left by the rolled-back one');
    } finally {
      db.close();
    }
  });
});

describe('expired claims are purged by the writer, a few at a time', () => {
  test('bounded work per write; live claims stay', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const claim = (i: number, at: number): IdempotencyClaim => ({ requestKey: `k${i}`, messageKey: null, at, notBefore: at - HOUR });
    const t0 = Date.parse(NOW);
    const store = SqliteStore.open(dataDir, 'local');
    try {
      for (let i = 0; i < 100; i++) assert.equal(await store.insertCertificate(storedCertificate(i), by, claim(i, t0)), undefined);
      // The old ones answer while live...
      assert.deepEqual(await store.findClaim(claim(5, t0 + 1000)), { replay: { subjectKind: 'certificato', id: storedCertificate(5).idCertificato, dataRicezione: by.at, idInizioRicovero: null } });
      // ...and not once expired.
      assert.equal(await store.findClaim(claim(5, t0 + 2 * HOUR)), undefined);
      // 32 new writes two hours later: one purge of at most 64 expired claims.
      for (let i = 100; i < 132; i++) await store.insertCertificate(storedCertificate(i), by, claim(i, t0 + 2 * HOUR));
      const db = new Database(path.join(dataDir, STORE_FILE), { readonly: true });
      try {
        const left = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM idempotency').get()!.n;
        assert.equal(left, 132 - 64, 'exactly one bounded purge');
        const live = db.prepare<[number], { n: number }>('SELECT count(*) AS n FROM idempotency WHERE created_at >= ?').get(t0 + HOUR)!.n;
        assert.equal(live, 32, 'no live claim purged');
      } finally {
        db.close();
      }
      // An expired claim met again is replaced: a new certificate, one row for the key.
      assert.equal(await store.insertCertificate(storedCertificate(500), by, claim(90, t0 + 2 * HOUR)), undefined);
      assert.equal(await store.countCertificates(), 133);
    } finally {
      await store.close();
    }
    // The writer's claim index is read back from the table when the store opens again.
    const reopened = SqliteStore.open(dataDir, 'thread');
    try {
      const replay = await reopened.insertCertificate(storedCertificate(600), by, claim(120, t0 + 2 * HOUR + 1000));
      assert.deepEqual(replay, { replay: { subjectKind: 'certificato', id: storedCertificate(120).idCertificato, dataRicezione: by.at, idInizioRicovero: null } });
      assert.equal(await reopened.countCertificates(), 133, 'a replay writes nothing');
      assert.equal(await reopened.findClaim(claim(10, t0 + 2 * HOUR)), undefined, 'purged or expired claims stay gone');
    } finally {
      await reopened.close();
    }
  });
});

