/**
 * The SQLite adapter's access journal is append-only in the file itself:
 * triggers refuse UPDATE and DELETE on access_journal, whoever opens it.
 * (The journal's behaviour through the gateway: gateway.journal.test.ts.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore, STORE_FILE } from '../src/store/sqlite/sqliteStore.js';
import { tempDir } from './support/gateway.js';

test('the journal table refuses UPDATE and DELETE', async () => {
  const dir = tempDir();
  try {
    const store = SqliteStore.open(dir);
    const stamp = { at: '2026-11-25T10:00:00+01:00', username: 'MDCTST70A01H501K', clientAddress: '127.0.0.1', operation: 'RistampaMalattia' };
    await store.appendJournal([
      { ...stamp, action: 'lettura', subjectKind: 'certificato', subjectId: '1234567890' },
      { ...stamp, action: 'accesso_negato', subjectKind: 'certificato', subjectId: '1234567891' },
    ]);
    await store.close();
    const raw = new Database(path.join(dir, STORE_FILE));
    try {
      const count = () => (raw.prepare('SELECT count(*) AS n FROM access_journal').get() as { n: number }).n;
      assert.equal(count(), 2);
      assert.throws(() => raw.prepare("UPDATE access_journal SET username = 'nessuno'").run(), /append-only/);
      assert.throws(() => raw.prepare('DELETE FROM access_journal').run(), /append-only/);
      assert.equal(count(), 2);
    } finally {
      raw.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
