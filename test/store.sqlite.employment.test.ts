/**
 * Migration 9 of the SQLite adapter on a store written before it: users
 * kept, the new kinds (datore, lavoratore) accepted, the users epoch still
 * bumped by every change (its subject is the adapter's schema).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, migrate } from '../src/store/sqlite/migrations.js';
import { SqliteStore, STORE_FILE } from '../src/store/sqlite/sqliteStore.js';
import { tempDir } from './support/gateway.js';

const dirs: string[] = [];
const stores: SqliteStore[] = [];
after(async () => {
  for (const store of stores) await store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('migration 9 on a store written before it', () => {
  test('users are kept, datore and lavoratore are accepted, and the users epoch still moves', async () => {
    const dir = tempDir('sac-employment-');
    dirs.push(dir);
    const db = new Database(path.join(dir, STORE_FILE));
    db.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL) STRICT');
    for (const m of MIGRATIONS.filter((m) => m.version <= 8)) {
      db.exec(m.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(m.version, m.description, 'x');
    }
    db.prepare(`INSERT INTO users VALUES ('MDCTST70A01H501K', 'medico', 'h', 'p', '120', '201', '120901')`).run();
    assert.throws(() => db.prepare(`INSERT INTO users VALUES ('12345678903', 'datore', 'h', NULL, NULL, NULL, NULL)`).run(), /CHECK/);
    assert.deepEqual(migrate(db), [9, 10]);
    const epoch = () => db.prepare('SELECT epoch FROM users_epoch').pluck().get() as number;
    const before = epoch();
    db.prepare(`INSERT INTO users VALUES ('12345678903', 'datore', 'h', NULL, NULL, NULL, NULL)`).run();
    db.prepare(`INSERT INTO users VALUES ('RSSMRA80A01H501U', 'lavoratore', 'h', NULL, NULL, NULL, NULL)`).run();
    assert.equal(epoch(), before + 2, 'every insert bumps the epoch (triggers made again)');
    db.prepare(`UPDATE users SET password_hash = 'h2' WHERE username = 'MDCTST70A01H501K'`).run();
    assert.equal(epoch(), before + 3);
    assert.throws(() => db.prepare(`INSERT INTO users VALUES ('X', 'padrone', 'h', NULL, NULL, NULL, NULL)`).run(), /CHECK/);
    assert.deepEqual(db.prepare('SELECT * FROM users WHERE username = ?').get('MDCTST70A01H501K'), {
      username: 'MDCTST70A01H501K', kind: 'medico', password_hash: 'h2', pincode_hash: 'p', codice_regione: '120', codice_asl: '201', codice_struttura: '120901',
    });
    db.close();
    // The adapter opens it and reads its employments.
    const store = SqliteStore.open(dir);
    stores.push(store);
    assert.equal((await store.findUser('12345678903'))?.kind, 'datore');
    assert.equal(await store.countEmployments(), 0);
  });
});

