/**
 * What the fuzzer compares before and after every request: row counts and a
 * content hash of the tables that hold health data and users, read through a
 * read-only connection to the gateway's own SQLite file, or under the test
 * store switch (test/support/testStore.ts) a connection of its own to the
 * gateway's PostgreSQL database (the same tables by the same names). The
 * access journal (append-only, it records refused logins too) is
 * deliberately not compared.
 */
import { createHash, type Hash } from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { STORE_FILE } from '../../../src/store/sqlite/sqliteStore.js';
import { testDatabaseUrl } from '../testStore.js';

export const COMPARED_TABLES = ['certificati', 'ricoveri', 'users', 'assistiti'] as const;

export interface StoreState {
  readonly counts: Readonly<Record<string, number>>;
  readonly hash: string;
}

/** Row counts and a content hash of COMPARED_TABLES, taken between two requests. */
export interface StoreProbe {
  snapshot(): Promise<StoreState>;
  close(): Promise<void>;
}

/** The probe for a gateway's data directory on this half's engine. */
export async function openStoreProbe(dataDir: string): Promise<StoreProbe> {
  const url = testDatabaseUrl(dataDir);
  return url === undefined ? SqliteStoreProbe.forDataDir(dataDir) : PostgresStoreProbe.connect(url);
}

function hashRow(hash: Hash, row: unknown[]): void {
  hash.update(JSON.stringify(row));
  hash.update('\n');
}

export class SqliteStoreProbe implements StoreProbe {
  private readonly db: Database.Database;
  private readonly reads: Array<{ table: string; statement: Database.Statement }>;

  constructor(file: string) {
    this.db = new Database(file, { readonly: true, fileMustExist: true });
    this.reads = COMPARED_TABLES.map((table) => ({ table, statement: this.db.prepare(`SELECT * FROM ${table} ORDER BY 1`).raw(true) }));
  }

  static forDataDir(dataDir: string): SqliteStoreProbe {
    return new SqliteStoreProbe(path.join(dataDir, STORE_FILE));
  }

  async snapshot(): Promise<StoreState> {
    const hash = createHash('sha256');
    const counts: Record<string, number> = {};
    for (const { table, statement } of this.reads) {
      let count = 0;
      hash.update(`\u0000${table}\u0000`);
      for (const row of statement.iterate() as Iterable<unknown[]>) {
        count++;
        hashRow(hash, row);
      }
      counts[table] = count;
    }
    return { counts, hash: hash.digest('hex') };
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

export class PostgresStoreProbe implements StoreProbe {
  private constructor(private readonly client: pg.Client) {}

  static async connect(url: string): Promise<PostgresStoreProbe> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // It only reads.
    await client.query('SET default_transaction_read_only = on');
    return new PostgresStoreProbe(client);
  }

  async snapshot(): Promise<StoreState> {
    const hash = createHash('sha256');
    const counts: Record<string, number> = {};
    // One snapshot for all the tables, as SQLite's read transaction gives.
    await this.client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
    try {
      for (const table of COMPARED_TABLES) {
        const result = await this.client.query<unknown[]>({ text: `SELECT * FROM ${table} ORDER BY 1`, rowMode: 'array' });
        hash.update(`\u0000${table}\u0000`);
        for (const row of result.rows) hashRow(hash, row);
        counts[table] = result.rows.length;
      }
    } finally {
      await this.client.query('COMMIT');
    }
    return { counts, hash: hash.digest('hex') };
  }

  async close(): Promise<void> {
    await this.client.end();
  }
}

export function describeChange(before: StoreState, after: StoreState): string {
  const counts = COMPARED_TABLES.filter((t) => before.counts[t] !== after.counts[t]).map((t) => `${t} ${before.counts[t]} -> ${after.counts[t]}`);
  return counts.length > 0 ? counts.join(', ') : 'same counts, different content';
}
