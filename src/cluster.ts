/**
 * `serve` with several processes: node:cluster workers share the listening
 * port and read the SQLite file concurrently (WAL). The primary prepares
 * what must exist once — schema, demo data, pincode key — before forking,
 * then makes every write for the workers on its writer thread, which they
 * reach over a private Unix socket (one writer: see socketWriter.ts),
 * restarts a worker that dies, and stops them all on SIGTERM/SIGINT.
 */
import cluster, { type Worker } from 'node:cluster';
import type { FastifyBaseLogger } from 'fastify';
import { createGateway, createLogger, stdoutDestination } from './app.js';
import { loadOrCreatePincodeKey } from './auth/pincodeKey.js';
import { aggregateWorkers, askPrimary, offerToPrimary } from './clusterMetrics.js';
import { LISTEN_FAILED_EXIT } from './http/listenError.js';
import { serveMetrics, type MetricsListener, type MetricsSource } from './http/metricsRoute.js';
import type { Config } from './config.js';
import { seedDemoEmployments, seedDemoIfEmpty } from './seed.js';
import { openStore, startSharedWriter } from './store/open.js';

const RESTART_DELAY_MS = 1000;
/** Beyond the shutdown deadline: time to close the store (queued writes) before the process is ended anyway. */
const SHUTDOWN_MARGIN_MS = 5000;
/** How the primary tells its workers where its writer listens (not a setting: it is made fresh each start). */
const WRITER_SOCKET_ENV = 'SAC_INTERNAL_WRITER_SOCKET';

async function serveOne(config: Config): Promise<void> {
  const socketPath = cluster.isWorker ? process.env[WRITER_SOCKET_ENV] : undefined;
  // No address: the engine needs no shared writer (startSharedWriter said so to the primary).
  // A worker answers /metrics with the cluster's sum, which the primary makes.
  const metricsSource = cluster.isWorker ? { metricsSource: askPrimary } : {};
  const gateway = createGateway(config, socketPath ? { writer: { sharedWriter: socketPath }, ...metricsSource } : metricsSource);
  if (cluster.isWorker) offerToPrimary(gateway.metrics.registries());
  const url = await gateway.listen();
  // One process: it serves its own metrics on the separate listener, if configured (the primary does under a cluster).
  const metricsListener = cluster.isWorker ? undefined : await listenForMetrics(config, () => gateway.metrics.text(), gateway.server.log);
  gateway.server.log.info(
    { url, dataDir: config.dataDir, pincodeKeyDir: gateway.pincodeKey.keyDir, pincodeKeyBits: gateway.pincodeKey.bits, worker: cluster.worker?.id ?? 0 },
    'sac-gateway listening',
  );
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    gateway.server.log.info({ signal, deadlineMs: config.edge.shutdownDeadlineMs }, 'shutting down');
    // The last resort: a store that never finishes closing must not keep the process alive.
    setTimeout(() => {
      gateway.server.log.error('shutdown did not finish in time: exiting');
      process.exit(1);
    }, config.edge.shutdownDeadlineMs + SHUTDOWN_MARGIN_MS).unref();
    // Stop accepting, let calls in flight finish within the deadline, close what is left, then the store
    // (which commits what is queued: an acknowledged certificate is never lost).
    void metricsListener?.close();
    gateway.close().then(
      () => process.exit(0),
      (err: unknown) => {
        gateway.server.log.error({ err: { message: err instanceof Error ? err.message : String(err) } }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

/** SAC_METRICS=HOST:PORT: /metrics on a listener of its own. */
async function listenForMetrics(config: Config, source: MetricsSource, log: FastifyBaseLogger): Promise<MetricsListener | undefined> {
  const endpoint = config.observability.metrics;
  if (endpoint.kind !== 'listen') return undefined;
  const listener = await serveMetrics(endpoint.host, endpoint.port, source, log);
  log.info({ url: listener.url }, 'metrics served on their own listener');
  return listener;
}

/** Schema, demo data and key, once, before any worker starts. */
async function prepareDataDir(config: Config): Promise<void> {
  const store = openStore(config);
  if (config.demoData && (await seedDemoIfEmpty(store, store))) await seedDemoEmployments(store);
  await store.close();
  loadOrCreatePincodeKey(config.dataDir, config.rsaBits, { keyDir: config.pincodeKey.dir });
}

export async function serve(config: Config): Promise<void> {
  if (config.workers <= 1) return serveOne(config);
  if (!cluster.isPrimary) return serveOne(config);

  const log = createLogger(config.logLevel, stdoutDestination(config.observability));
  await prepareDataDir(config);
  // The node's shared writer (SQLite: the primary's writer thread, the store's single writer); workers send it their writes.
  const writer = await startSharedWriter(config);
  let stopping = false;
  const fork = (): Worker => cluster.fork(writer.address === undefined ? {} : { [WRITER_SOCKET_ENV]: writer.address });
  for (let i = 0; i < config.workers; i++) fork();
  log.info({ workers: config.workers, pid: process.pid }, 'sac-gateway primary started');
  const metricsListener = await listenForMetrics(config, aggregateWorkers(), log);

  const allExited = new Promise<void>((resolve) => {
    cluster.on('exit', (worker, code, signal) => {
      if (stopping) {
        if (Object.keys(cluster.workers ?? {}).length === 0) resolve();
        return;
      }
      if (code === LISTEN_FAILED_EXIT) {
        // The port is taken or not permitted (the worker said which): restarting would fail the same way.
        log.error({ worker: worker.id }, 'a worker could not open the port: stopping');
        stop('SIGTERM', LISTEN_FAILED_EXIT);
        return;
      }
      log.error({ worker: worker.id, code, signal }, 'worker died; starting another');
      setTimeout(fork, RESTART_DELAY_MS).unref();
    });
  });
  const stop = (signal: NodeJS.Signals, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, deadlineMs: config.edge.shutdownDeadlineMs }, 'stopping workers');
    void metricsListener?.close();
    const workers = Object.values(cluster.workers ?? {});
    for (const worker of workers) worker?.process.kill('SIGTERM');
    // Each worker drains within the deadline and closes its store; one that does not is ended.
    const kill = setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) {
        log.error({ worker: worker?.id }, 'worker did not stop in time: killing it');
        worker?.process.kill('SIGKILL');
      }
    }, config.edge.shutdownDeadlineMs + SHUTDOWN_MARGIN_MS);
    kill.unref();
    const stopped = workers.length === 0 ? Promise.resolve() : allExited;
    // Workers' writes were committed before they were acknowledged; close the writer for what is queued.
    void stopped
      .then(() => writer.close())
      .then(
        () => process.exit(exitCode),
        () => process.exit(1),
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
