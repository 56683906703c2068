/**
 * Assembles the gateway from a Config: store, key, schema, pipeline, HTTP.
 * Used by the CLI and by the tests, which run the very same assembly on a
 * loopback port with their own data directory and, when needed, a clock.
 */
import type { FastifyInstance } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import { LoginGuard } from './auth/login.js';
import { loadOrCreatePincodeKey, type LoadedPincodeKey } from './auth/pincodeKey.js';
import { OBSERVABILITY_DEFAULTS, type Config, type ObservabilityConfig } from './config.js';
import { GatewayMetrics } from './http/metrics.js';
import type { MetricsSource } from './http/metricsRoute.js';
import { explainListenFailure } from './http/listenError.js';
import { buildServer, type HostedService } from './http/server.js';
import { journalLoginFailure, requestJournal } from './sac/journal.js';
import { MaintenanceSchedule } from './sac/maintenance.js';
import { protocolNumberSource } from './sac/puc.js';
import { certificatiMediciService } from './sac/service.js';
import { ATTESTATI_XSD_PATH } from './attestati/contract.js';
import { attestatiMalattiaService } from './attestati/service.js';
import { InpsConsultation } from './inps/consultation.js';
import { InpsLookupThrottle } from './inps/lookupThrottle.js';
import { systemClock, type Clock, type SharedServices } from './sac/services.js';
import { Sandbox } from './sandbox/sandbox.js';
import { seedDemoEmployments, seedDemoIfEmpty } from './seed.js';
import { SandboxInspector } from './sandbox/inspector.js';
import { SoapPipeline } from './soap/pipeline.js';
import { openStore, type WriterPlacement } from './store/open.js';
import type { StoreHealth } from './store/port.js';
import type { Store } from './store/port.js';
import { ContractSchema } from './xml/schema.js';

export interface GatewayOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Where writes are committed: a writer thread by default, the primary's writer under node:cluster. */
  readonly writer?: WriterPlacement;
  /** Where new protocol numbers come from: the CSPRNG by default (tests force collisions with their own). */
  readonly newId?: () => string;
  /** What GET /metrics answers: this gateway's own metrics by default, the cluster's aggregate in a worker. */
  readonly metricsSource?: (own: GatewayMetrics) => MetricsSource;
  /**
   * More SOAP services hosted after CertificatiMedici and AttestatiMalattia, each a descriptor run
   * by its own SoapPipeline (src/soap/service.ts). Their owner disposes of
   * their schemas.
   */
  readonly moreServices?: readonly HostedService[];
}

export interface Gateway {
  readonly server: FastifyInstance;
  readonly store: Store;
  readonly pincodeKey: LoadedPincodeKey;
  /** Logins: hash queue, throttles, caches (its stats() are read by tests). */
  readonly logins: LoginGuard;
  /** This gateway's Prometheus metrics. */
  readonly metrics: GatewayMetrics;
  /** Base URL the server listens on, once started. */
  url: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Standard output written asynchronously in batches: lines gather in memory
 * up to `logBufferBytes` (or `logFlushMs`), then leave in one write, instead
 * of one blocking write per line. pino flushes what is buffered
 * synchronously when the process exits (process.exit, the end of the event
 * loop, an uncaught exception); a SIGKILL or an abort loses at most one buffer.
 */
export function stdoutDestination(settings: Pick<ObservabilityConfig, 'logBufferBytes' | 'logFlushMs'> = OBSERVABILITY_DEFAULTS): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false, minLength: settings.logBufferBytes });
  if (settings.logBufferBytes > 0) {
    // A quiet gateway's lines (a warning at night) must not wait for the next 4 KiB.
    setInterval(() => {
      try {
        stream.flush();
      } catch {
        // not open yet, or already closed: the next tick or the exit flush writes it
      }
    }, settings.logFlushMs).unref();
  }
  return stream;
}

/** Log options that keep secrets and health data out of the logs; standard output by default (stdoutDestination). */
export function createLogger(level: string, destination: DestinationStream = stdoutDestination()): Logger {
  const options = {
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.body', 'body'], censor: '[omesso]' },
  };
  return pino(options, destination);
}

export function createGateway(config: Config, options: GatewayOptions = {}): Gateway {
  const logger = options.logger ?? createLogger(config.logLevel, stdoutDestination(config.observability));
  const store = openStore(config, options.writer ?? 'thread');
  const pincodeKey = loadOrCreatePincodeKey(config.dataDir, config.rsaBits, { keyDir: config.pincodeKey.dir });
  for (const notice of pincodeKey.notices) logger.info({ bits: pincodeKey.bits }, notice);
  if (pincodeKey.maxCiphertextChars > 200) {
    logger.warn(
      { bits: pincodeKey.bits, chars: pincodeKey.maxCiphertextChars },
      'the pincode ciphertext exceeds the 200 characters of the published contract (string200): only clients that accept a relaxed length can use this key',
    );
  }
  // The demo data (users, registry, employments) and the empty-store warning: listen() waits for them before serving.
  const storeReady = (async () => {
    if (config.demoData && (await seedDemoIfEmpty(store, store))) {
      logger.info('store was empty: demo users and registry loaded');
      await seedDemoEmployments(store);
    } else if ((await store.countUsers()) === 0) {
      logger.warn(
        { dataDir: config.dataDir },
        'no users in the store: every login will be refused. Add one with `sac-gateway users add USERNAME --kind medico|regione|operatore --region R` (same SAC_DATA_DIR; see `sac-gateway users add --help`)',
      );
    }
    // The sandbox's settings at hand before the first request (another process may have set them).
    if (config.sandbox.enabled) await store.sandbox.follow();
  })();
  // Reported by listen(); never an unhandled rejection if the gateway is closed unstarted.
  storeReady.catch(() => {});

  const schema = ContractSchema.load();
  const clock = options.clock ?? systemClock;
  const journalFailure = journalLoginFailure(store, clock);
  const logins = new LoginGuard({
    store,
    settings: config.login,
    // Failed logins go to the access journal; a journal that cannot take them shows on /healthz.
    onFailure: (username, clientAddress, reason) =>
      void journalFailure(username, clientAddress, reason).catch((err: unknown) =>
        logger.error({ err: { message: (err as Error).message } }, 'failed login not journaled'),
      ),
  });
  const secrets = logins.secrets;
  const maintenance = new MaintenanceSchedule(config.maintenance, clock);
  const services: SharedServices = {
    store,
    registry: store,
    clock,
    pincodeKey,
    secrets,
    newId: options.newId ?? protocolNumberSource(config.protocolNumbers.digits),
    maintenance,
    idempotencyWindowMs: config.idempotency.windowMs,
  };
  // The sandbox's inspector and conformance warnings: not even built when the sandbox is off.
  const inspector = config.sandbox.enabled
    ? new SandboxInspector(store, config.sandbox.inspector, (err: unknown) =>
        logger.error({ err: { message: (err as Error).message } }, 'sandbox exchange not stored'),
      )
    : undefined;
  // The vendor sandbox (SAC_SANDBOX): each user's clock and injected answers; absent when off.
  const sandbox = config.sandbox.enabled
    ? new Sandbox({ store: store.sandbox, clock, maintenance, maintenanceConfig: config.maintenance, limits: config.sandbox })
    : undefined;
  const certificatiMedici = certificatiMediciService({
    schema,
    shared: services,
    xmlLimits: config.xmlLimits,
    // Hours of service per kind of user (SAC_TIME_BANDS; none by default), and the failed look-ups by protocol number (SAC_LOOKUP_FAILURES).
    lookupFailures: config.lookupFailures,
    timeBands: config.admission.timeBands,
    // No window configured and no sandbox: no state source, nothing asked per request.
    stateNow: sandbox ? sandbox.stateFor : maintenance.configured ? maintenance.stateNow : undefined,
    annotate: inspector?.annotate,
    clockFor: sandbox && ((username: string) => sandbox.clockFor(username)),
  });
  // The INPS side (issue 12): attestati, consultation and printed copies, read through one InpsConsultation by both channels.
  const consultation = new InpsConsultation({ store, registry: store, employment: store });
  // Failed look-ups by CF and protocol number, per user and per client address (SAC_LOOKUP_FAILURES): one pair of buckets for both channels.
  const inpsLookups = config.lookupFailures && new InpsLookupThrottle(config.lookupFailures, () => clock.now().getTime());
  const attestatiSchema = ContractSchema.load(ATTESTATI_XSD_PATH);
  const attestati = attestatiMalattiaService({
    schema: attestatiSchema,
    consultation,
    store,
    registry: store,
    clock,
    xmlLimits: config.xmlLimits,
    lookupThrottle: inpsLookups,
    timeBands: config.admission.timeBands,
  });
  // The services this gateway hosts: each a descriptor, all behind the same login, admission control and limits.
  const hosted: HostedService[] = [
    { contract: certificatiMedici.contract, pipeline: new SoapPipeline(certificatiMedici) },
    { contract: attestati.contract, pipeline: new SoapPipeline(attestati) },
    ...(options.moreServices ?? []),
  ];
  const metrics = new GatewayMetrics();
  registerLoginAndStoreMetrics(metrics, logins, store);
  const metricsSource = options.metricsSource?.(metrics) ?? (() => metrics.text());
  // The SOAP scope's onRequest hook asks the login guard before any byte of the body is read.
  // The INPS side over HTTP: every read through InpsConsultation, journaled as the caller, from the caller's address.
  const inps = {
    consultation,
    journal: (actor: { username: string; clientAddress: string; operation: string }) => requestJournal(store, clock, actor),
    lookupThrottle: inpsLookups,
  };
  const edge = buildServer({ config, logger, services: hosted, store, pincodeKey, authenticator: logins, metrics, metricsSource, inspector, sandbox, inps });
  const server = edge.app;

  const gateway: Gateway = {
    server,
    store,
    pincodeKey,
    logins,
    metrics,
    url: '',
    async listen() {
      await storeReady;
      try {
        await server.listen({ host: config.host, port: config.port });
      } catch (err) {
        throw explainListenFailure(err, 'PORT', config.host, config.port);
      }
      const address = server.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      gateway.url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;
      // The start-up lines (warnings included) are out when the gateway is up, not at the next flush.
      try {
        logger.flush();
      } catch {
        // a destination without a buffer
      }
      return gateway.url;
    },
    async close() {
      // Requests in flight finish within the shutdown deadline; then nothing can reach the schema or the store.
      const outcome = await edge.close();
      if (outcome.forced) logger.warn({ deadlineMs: config.edge.shutdownDeadlineMs }, 'shutdown deadline reached: open connections closed');
      if (outcome.abandoned > 0) logger.warn({ calls: outcome.abandoned }, 'calls still running at shutdown');
      schema.dispose();
      attestatiSchema.dispose();
      // A gateway closed before it served: its start-up writes finish (or fail) first.
      await storeReady.catch(() => {});
      await store.close();
    },
  };
  return gateway;
}


/** Queue depths and login throttles, read when /metrics is scraped (never per request). */
function registerLoginAndStoreMetrics(metrics: GatewayMetrics, logins: LoginGuard, store: StoreHealth): void {
  metrics.gauge('sac_store_write_backlog', "Writes sent to the store's writer and not yet committed.", () => store.pendingWrites());
  const connectionStats = store.connectionStats?.bind(store);
  if (connectionStats !== undefined) {
    metrics.labelledGauge('sac_store_connections', "This process's connections to the database server: open (busy or idle), idle, and requests waiting for one.", 'state', () => {
      const s = connectionStats();
      return { open: s.open, idle: s.idle, waiting: s.waiting };
    });
    metrics.counter('sac_store_transaction_retries_total', 'Store transactions run again after a serialization failure, a deadlock or a lost claim race.', () => connectionStats().retries);
  }
  metrics.labelledGauge('sac_login_hash_queue', 'Password/pincode hashes (scrypt) running and waiting in the bounded queue.', 'state', () => {
    const s = logins.stats();
    return { running: s.running, waiting: s.waiting };
  });
  metrics.labelledGauge('sac_login_throttled', 'Usernames and client addresses (IPv6 /64) currently holding failures (delayed or locked).', 'by', () => {
    const s = logins.stats();
    return { user: s.throttledUsers, address: s.throttledAddresses };
  });
  metrics.labelledCounter('sac_logins_total', 'Login attempts by result (accepted includes those proven again on a kept-alive connection).', 'result', () => {
    const s = logins.stats();
    return { accepted: s.accepted, invalid: s.refusedInvalid, malformed: s.refusedMalformed, throttled: s.refusedThrottled, busy: s.refusedBusy };
  });
  metrics.labelledCounter('sac_login_hashes_total', 'Password-hash queue events: hashes started, refused (queue full), dropped (client gone), joined (same hash already queued).', 'event', () => {
    const s = logins.stats();
    return { started: s.started, refused: s.refused, dropped: s.dropped, joined: s.joined };
  });
}
