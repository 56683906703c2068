/**
 * The SQLite adapter on a real file: durable settings, versioned
 * migrations, primary-key protection of PUCs, and the registry import.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { checkCodiceFiscale, syntheticPersons } from '../src/domain/codiceFiscale.js';
import { DuplicateKeyError, type CertificateRecord } from '../src/store/port.js';
import { MIGRATIONS } from '../src/store/sqlite/migrations.js';
import { STORE_FILE, SqliteStore, openDatabase } from '../src/store/sqlite/sqliteStore.js';
import { tempDir } from './support/gateway.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

function certificate(id: string): CertificateRecord {
  return {
    idCertificato: id,
    kind: 'malattia',
    medicoCf: 'MDCTST70A01H501K',
    lavoratoreCf: 'RSSMRA80A01H501U',
    dataRicezione: '2026-11-25T10:00:00.000+01:00',
    sentBy: 'MDCTST70A01H501K',
    state: 'attivo',
    document: {
      residenza: { via: 'Via Nazionale', civico: '1', cap: '00184', codiceCatastale: 'H501' },
      malattia: {
        ruoloMedico: 'S', dataRilascio: '2026-11-25', dataInizio: '2026-11-25', dataFine: '2026-11-27',
        visita: 'A', tipoCertificato: 'I', diagnosi: { noteDiagnosi: 'x' },
      },
    },
  };
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

test('a reused PUC is refused and the first certificate is untouched', async () => {
  const dir = tempDir();
  try {
    const store = SqliteStore.open(dir);
    await store.insertCertificate(certificate('111111111111111111'));
    const second = { ...certificate('111111111111111111'), lavoratoreCf: 'BNCGPP75C41F205S' };
    await assert.rejects(store.insertCertificate(second), DuplicateKeyError);
    assert.equal(store.getCertificate('111111111111111111')?.lavoratoreCf, 'RSSMRA80A01H501U');
    assert.equal(store.countCertificates(), 1);
    await store.close();
    const raw = new Database(path.join(dir, STORE_FILE), { readonly: true });
    assert.equal((raw.prepare('SELECT count(*) AS n FROM certificati').get() as { n: number }).n, 1);
    raw.close();
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
      assert.deepEqual(store.findPerson(person.codiceFiscale), person);
    }
    assert.equal(store.countUsers(), 4, 'demo users loaded once');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('concurrent writes are committed together; a failing one is rolled back alone', async () => {
  const dir = tempDir();
  try {
    const store = SqliteStore.open(dir);
    const ids = Array.from({ length: 50 }, (_, i) => `2000000000000000${String(i).padStart(2, '0')}`);
    // One duplicate in the middle must fail alone, without taking its batch with it.
    const results = await Promise.allSettled([...ids.map((id) => store.insertCertificate(certificate(id))), store.insertCertificate(certificate(ids[7]!))]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 50);
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(rejected.length, 1);
    assert.ok(rejected[0]!.reason instanceof DuplicateKeyError);
    await store.close();
    const raw = new Database(path.join(dir, STORE_FILE), { readonly: true });
    assert.equal((raw.prepare('SELECT count(*) AS n FROM certificati').get() as { n: number }).n, 50);
    raw.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
