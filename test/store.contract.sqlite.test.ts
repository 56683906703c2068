/** The store port's contract (test/support/storeContract.ts) on the SQLite adapter, its writer on a thread as the gateway runs it. */
import { after } from 'node:test';
import { rmSync } from 'node:fs';
import { SqliteStore } from '../src/store/sqlite/sqliteStore.js';
import { tempDir } from './support/gateway.js';
import { storeContract } from './support/storeContract.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

storeContract('SQLite', async () => {
  const dir = tempDir();
  dirs.push(dir);
  const store = SqliteStore.open(dir, 'thread');
  return { store, sibling: () => SqliteStore.open(dir, 'local'), close: () => store.close() };
});
