/**
 * The one place an engine is chosen: `openStore` gives the gateway, the
 * cluster's processes and the CLI the store as its ports (`Store`), from the
 * configuration. Nothing outside src/store names an adapter. Where an
 * engine's writes are made (SQLite: one writer, on a thread or behind the
 * cluster primary's socket) is the adapter's concern, asked for here in
 * engine-neutral words.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Store } from './ports/store.js';
import { privateSocketPath } from './sqlite/socketWriter.js';
import { SqliteStore, STORE_FILE, USERS_EPOCH_MAX_AGE_MS, openDatabase } from './sqlite/sqliteStore.js';
import { ThreadWriteChannel } from './sqlite/writeChannel.js';
import { ConfigError, DATABASE_DEFAULTS, type DatabaseConfig } from '../config.js';
import { PostgresStore } from './postgres/postgresStore.js';

/** What choosing and opening a store needs from the configuration. */
export interface StoreSettings {
  /** The data directory (SAC_DATA_DIR): the embedded engine's file lives there. */
  readonly dataDir: string;
  /** SAC_DATABASE_URL and the pool's settings (src/config.ts DatabaseConfig): a server engine; no url for the embedded default (SQLite). */
  readonly database?: Pick<DatabaseConfig, 'url'> & Partial<DatabaseConfig>;
}

/**
 * Where this process's writes are made:
 *   'direct'  in this process, on the request thread (the CLI, tests, one-off tools);
 *   'thread'  on a thread of this process (a gateway serving alone);
 *   { sharedWriter }  by the writer another process of this node runs (a cluster worker;
 *             the address comes from startSharedWriter).
 * An engine with its own server (PostgreSQL) takes every writer placement alike.
 */
export type WriterPlacement = 'direct' | 'thread' | { readonly sharedWriter: string };

/**
 * How long a change to users (or to a sandbox user's settings) may take to be
 * seen by every gateway on the same store: `sac-gateway users` waits this
 * long before it returns, so that no gateway accepts an old password after it.
 */
export const USERS_CHANGE_VISIBLE_MS = 2 * USERS_EPOCH_MAX_AGE_MS;

type Engine = { readonly kind: 'sqlite'; readonly dataDir: string } | { readonly kind: 'postgres'; readonly url: string };

function engineOf(settings: StoreSettings): Engine {
  const url = settings.database?.url;
  if (url === undefined || url === '') return { kind: 'sqlite', dataDir: settings.dataDir };
  if (/^postgres(ql)?:\/\//.test(url)) return { kind: 'postgres', url };
  throw new ConfigError('SAC_DATABASE_URL must be a postgres:// (or postgresql://) URL, or unset for the embedded SQLite store');
}

/** Opens the configured store (creating and migrating an embedded one as needed). */
export function openStore(settings: StoreSettings, writer: WriterPlacement = 'direct'): Store {
  const engine = engineOf(settings);
  switch (engine.kind) {
    case 'sqlite':
      return SqliteStore.open(engine.dataDir, writer === 'direct' ? 'local' : writer === 'thread' ? 'thread' : { socketPath: writer.sharedWriter });
    case 'postgres':
      // Every process has its own pool (no shared writer): the writer placement does not matter.
      // The pool is made now; the migrations run in the background and every call awaits them.
      return startPostgres(settings, engine.url);
  }
}

function startPostgres(settings: StoreSettings, url: string): PostgresStore {
  return PostgresStore.start({
    connectionString: url,
    poolSize: settings.database?.poolSize ?? DATABASE_DEFAULTS.poolSize,
    connectTimeoutMs: settings.database?.connectTimeoutMs ?? DATABASE_DEFAULTS.connectTimeoutMs,
    statementTimeoutMs: settings.database?.statementTimeoutMs ?? DATABASE_DEFAULTS.statementTimeoutMs,
    queryTimeoutMs: settings.database?.queryTimeoutMs ?? DATABASE_DEFAULTS.queryTimeoutMs,
  });
}

/** Whether the configured store already exists (the CLI's read-only commands refuse to create one). */
export function storeExists(settings: StoreSettings): boolean {
  const engine = engineOf(settings);
  return engine.kind === 'sqlite' ? existsSync(path.join(engine.dataDir, STORE_FILE)) : true;
}

/** Where the configured store lives, for messages to an operator (never a password). */
export function storeLocation(settings: StoreSettings): string {
  const engine = engineOf(settings);
  return engine.kind === 'sqlite' ? engine.dataDir : engine.url.replace(/\/\/[^@/]*@/, '//');
}

/** The writer a cluster primary runs for its workers: they open the store with `{ sharedWriter: address }`. */
export interface SharedWriter {
  readonly address: string | undefined;
  /** Commits what is queued, then stops. */
  close(): Promise<void>;
}

/**
 * Before forking a cluster's workers: prepares the store (schema, migrations)
 * and starts the node's shared writer where the engine needs one (SQLite's
 * single writer); resolves once it takes writes. Engines with their own
 * server need none (address undefined: workers write directly).
 */
export async function startSharedWriter(settings: StoreSettings): Promise<SharedWriter> {
  const engine = engineOf(settings);
  if (engine.kind !== 'sqlite') {
    // The migrations, applied once before the workers start (a failure stops the primary); no shared writer.
    const store = startPostgres(settings, engine.url);
    try {
      await store.ready;
    } finally {
      await store.close();
    }
    return { address: undefined, close: async () => {} };
  }
  openDatabase(engine.dataDir).close();
  const socket = privateSocketPath();
  process.on('exit', () => socket.remove());
  const writer = new ThreadWriteChannel(engine.dataDir, { socketPath: socket.path });
  await writer.ready;
  return {
    address: socket.path,
    close: async () => {
      await writer.close();
      socket.remove();
    },
  };
}
