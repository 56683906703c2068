/**
 * `serve` with several processes: node:cluster workers share the listening
 * port and read the SQLite file concurrently (WAL). The primary prepares
 * what must exist once — schema, demo data, pincode key — before forking,
 * then makes every write for the workers on its writer thread, which they
 * reach over a private Unix socket (one writer: see socketWriter.ts),
 * restarts a worker that dies, and stops them all on SIGTERM/SIGINT.
 */
import cluster, { type Worker } from 'node:cluster';
import { createGateway, createLogger } from './app.js';
import { loadOrCreatePincodeKey } from './auth/pincodeKey.js';
import type { Config } from './config.js';
import { seedDemoIfEmpty } from './seed.js';
import { privateSocketPath } from './store/sqlite/socketWriter.js';
import { ThreadWriteChannel } from './store/sqlite/writeChannel.js';
import { SqliteStore, openDatabase } from './store/sqlite/sqliteStore.js';

const RESTART_DELAY_MS = 1000;
/** How the primary tells its workers where its writer listens (not a setting: it is made fresh each start). */
const WRITER_SOCKET_ENV = 'SAC_INTERNAL_WRITER_SOCKET';

async function serveOne(config: Config): Promise<void> {
  const socketPath = cluster.isWorker ? process.env[WRITER_SOCKET_ENV] : undefined;
  if (cluster.isWorker && !socketPath) throw new Error(`a cluster worker needs ${WRITER_SOCKET_ENV}`);
  const gateway = createGateway(config, socketPath ? { writer: { socketPath } } : {});
  const url = await gateway.listen();
  gateway.server.log.info(
    { url, dataDir: config.dataDir, pincodeKeyBits: gateway.pincodeKey.bits, worker: cluster.worker?.id ?? 0 },
    'sac-gateway listening',
  );
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    gateway.server.log.info({ signal }, 'shutting down');
    // Fastify stops accepting, finishes requests in flight; the store commits what is queued.
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** Schema, demo data and key, once, before any worker starts. */
function prepareDataDir(config: Config): void {
  const db = openDatabase(config.dataDir);
  const store = new SqliteStore(db);
  if (config.demoData) seedDemoIfEmpty(store, store);
  db.close();
  loadOrCreatePincodeKey(config.dataDir, config.rsaBits);
}

export async function serve(config: Config): Promise<void> {
  if (config.workers <= 1) return serveOne(config);
  if (!cluster.isPrimary) return serveOne(config);

  const log = createLogger(config.logLevel);
  prepareDataDir(config);
  // The primary's writer thread is the store's single writer; workers send it their writes.
  const socket = privateSocketPath();
  process.on('exit', () => socket.remove());
  const writer = new ThreadWriteChannel(config.dataDir, { socketPath: socket.path });
  await writer.ready;
  let stopping = false;
  const fork = (): Worker => cluster.fork({ [WRITER_SOCKET_ENV]: socket.path });
  for (let i = 0; i < config.workers; i++) fork();
  log.info({ workers: config.workers, pid: process.pid }, 'sac-gateway primary started');

  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    log.error({ worker: worker.id, code, signal }, 'worker died; starting another');
    setTimeout(fork, RESTART_DELAY_MS).unref();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping workers');
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
