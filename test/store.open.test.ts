/**
 * The store's factory (src/store/open.ts): SQLite in SAC_DATA_DIR by default,
 * SAC_DATABASE_URL validated where configuration is read and choosing the
 * PostgreSQL adapter; nothing of a URL's password in messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, loadConfig } from '../src/config.js';
import { openStore, startSharedWriter, storeExists, storeLocation } from '../src/store/open.js';
import { StoreUnavailableError } from '../src/store/errors.js';
import { tempDir } from './support/gateway.js';

test('by default the store is the SQLite file in SAC_DATA_DIR, created on first opening and usable through every port', async () => {
  const dir = tempDir();
  try {
    const config = loadConfig({ SAC_DATA_DIR: dir });
    assert.equal(config.database.url, undefined);
    assert.equal(storeExists(config), false);
    const store = openStore(config);
    try {
      assert.equal(storeExists(config), true);
      assert.ok(existsSync(path.join(dir, 'sac-gateway.sqlite')));
      assert.equal(storeLocation(config), dir);
      assert.equal(await store.countUsers(), 0);
      assert.equal(await store.findUser('NESSUNO'), undefined);
      assert.equal(store.cachedUser('NESSUNO')?.user, undefined);
      assert.equal(store.writeFailure(), undefined);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('SAC_DATABASE_URL: anything but a postgres:// URL stops the start naming the variable; a postgres:// URL opens the PostgreSQL adapter at once (a server that does not answer: every call and the shared writer\'s preparation reject with StoreUnavailableError, shown by writeFailure(), no credentials in messages)', async () => {
  for (const bad of ['mysql://db/sac', 'postgres:/db', 'sqlite:///tmp/x', 'postgres://with space']) {
    assert.throws(() => loadConfig({ SAC_DATABASE_URL: bad }), (err: Error) => err instanceof ConfigError && /SAC_DATABASE_URL/.test(err.message), bad);
  }
  assert.equal(loadConfig({ SAC_DATABASE_URL: '' }).database.url, undefined);
  const config = loadConfig({ SAC_DATABASE_URL: 'postgres://sac:segreto@db.example:5432/sac' });
  assert.equal(config.database.url, 'postgres://sac:segreto@db.example:5432/sac');
  const unreachable = loadConfig({ SAC_DATABASE_URL: 'postgres://sac:segreto@127.0.0.1:1/sac', SAC_DB_CONNECT_TIMEOUT_MS: '2000' });
  const store = openStore(unreachable);
  try {
    assert.equal(store.pendingWrites(), 0);
    const err = await store.countUsers().then(() => assert.fail('answered'), (e: unknown) => e as Error);
    assert.ok(err instanceof StoreUnavailableError, String(err));
    assert.ok(!err.message.includes('segreto'), err.message);
    assert.ok(store.writeFailure() instanceof StoreUnavailableError, 'the failed preparation shows in writeFailure()');
    assert.equal(store.sandbox.settings('u').fault, undefined, 'settings stay synchronous while the server is away');
  } finally {
    await store.close();
  }
  await assert.rejects(startSharedWriter(unreachable), (err: Error) => err instanceof StoreUnavailableError && !err.message.includes('segreto'));
  assert.equal(storeLocation(config), 'postgres://db.example:5432/sac', 'no credentials in what an operator is told');
});
