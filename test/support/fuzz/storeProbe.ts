/**
 * What the fuzzer compares before and after every request: row counts and a
 * content hash of the tables that hold health data and users, read through a
 * read-only connection to the gateway's own SQLite file. The access journal
 * (append-only, it records refused logins too) is deliberately not compared.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { STORE_FILE } from '../../../src/store/sqlite/sqliteStore.js';

export const COMPARED_TABLES = ['certificati', 'ricoveri', 'users', 'assistiti'] as const;

export interface StoreState {
  readonly counts: Readonly<Record<string, number>>;
  readonly hash: string;
}

export class StoreProbe {
  private readonly db: Database.Database;
  private readonly reads: Array<{ table: string; statement: Database.Statement }>;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.reads = COMPARED_TABLES.map((table) => ({ table, statement: this.db.prepare(`SELECT * FROM ${table} ORDER BY 1`).raw(true) }));
  }

  static forDataDir(dataDir: string): StoreProbe {
    return new StoreProbe(path.join(dataDir, STORE_FILE));
  }

  snapshot(): StoreState {
    const hash = createHash('sha256');
    const counts: Record<string, number> = {};
    for (const { table, statement } of this.reads) {
      let count = 0;
      hash.update(`\u0000${table}\u0000`);
      for (const row of statement.iterate() as Iterable<unknown[]>) {
        count++;
        hash.update(JSON.stringify(row));
        hash.update('\n');
      }
      counts[table] = count;
    }
    return { counts, hash: hash.digest('hex') };
  }

  close(): void {
    this.db.close();
  }
}

export function describeChange(before: StoreState, after: StoreState): string {
  const counts = COMPARED_TABLES.filter((t) => before.counts[t] !== after.counts[t]).map((t) => `${t} ${before.counts[t]} -> ${after.counts[t]}`);
  return counts.length > 0 ? counts.join(', ') : 'same counts, different content';
}
