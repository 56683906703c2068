/**
 * Assembles the gateway from a Config: store, key, schema, pipeline, HTTP.
 * Used by the CLI and by the tests, which run the very same assembly on a
 * loopback port with their own data directory and, when needed, a clock.
 */
import type { FastifyInstance } from 'fastify';
import pino, { type DestinationStream, type Logger } from 'pino';
import { LoginGuard } from './auth/login.js';
import { loadOrCreatePincodeKey, type LoadedPincodeKey } from './auth/pincodeKey.js';
import type { Config } from './config.js';
import { buildServer } from './http/server.js';
import { HANDLERS } from './sac/handlers.js';
import { withTimeBands } from './sac/timeBands.js';
import { journalLoginFailure, requestServices } from './sac/journal.js';
import { MaintenanceSchedule } from './sac/maintenance.js';
import { newProtocolNumber } from './sac/puc.js';
import { systemClock, type Clock, type SharedServices } from './sac/services.js';
import { seedDemoIfEmpty } from './seed.js';
import { SoapPipeline } from './soap/pipeline.js';
import { SqliteStore, type WriterPlacement } from './store/sqlite/sqliteStore.js';
import { ContractSchema } from './xml/schema.js';

export interface GatewayOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Where writes are committed: a writer thread by default, the primary's writer under node:cluster. */
  readonly writer?: WriterPlacement;
  /** Where new protocol numbers come from: the CSPRNG by default (tests force collisions with their own). */
  readonly newId?: () => string;
}

export interface Gateway {
  readonly server: FastifyInstance;
  readonly store: SqliteStore;
  readonly pincodeKey: LoadedPincodeKey;
  /** Logins: hash queue, throttles, caches (its stats() are read by tests). */
  readonly logins: LoginGuard;
  /** Base URL the server listens on, once started. */
  url: string;
  listen(): Promise<string>;
  close(): Promise<void>;
}

/** Log options that keep secrets and health data out of the logs. */
export function createLogger(level: string, destination?: DestinationStream): Logger {
  const options = {
    level,
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie', 'req.body', 'body'], censor: '[omesso]' },
  };
  return destination ? pino(options, destination) : pino(options);
}

export function createGateway(config: Config, options: GatewayOptions = {}): Gateway {
  const logger = options.logger ?? createLogger(config.logLevel);
  const store = SqliteStore.open(config.dataDir, options.writer ?? 'thread');
  const pincodeKey = loadOrCreatePincodeKey(config.dataDir, config.rsaBits);
  for (const notice of pincodeKey.notices) logger.info({ bits: pincodeKey.bits }, notice);
  if (pincodeKey.maxCiphertextChars > 200) {
    logger.warn(
      { bits: pincodeKey.bits, chars: pincodeKey.maxCiphertextChars },
      'the pincode ciphertext exceeds the 200 characters of the published contract (string200): only clients that accept a relaxed length can use this key',
    );
  }
  if (config.demoData && seedDemoIfEmpty(store, store)) logger.info('store was empty: demo users and registry loaded');
  else if (store.countUsers() === 0) {
    logger.warn(
      { dataDir: config.dataDir },
      'no users in the store: every login will be refused. Add one with `sac-gateway users add USERNAME --kind medico|regione|operatore --region R` (same SAC_DATA_DIR; see `sac-gateway users add --help`)',
    );
  }

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
    newId: options.newId ?? newProtocolNumber,
    maintenance,
    idempotencyWindowMs: config.idempotency.windowMs,
  };
  const pipeline = new SoapPipeline(
    schema,
    // Hours of service per kind of user (SAC_TIME_BANDS; none by default): checked before each handler.
    withTimeBands(HANDLERS, config.admission.timeBands),
    (call, operation) =>
      requestServices(services, { username: call.caller.username, clientAddress: call.clientAddress, operation: operation.name }),
    config.xmlLimits,
    // No window configured: no state source, nothing asked per request.
    maintenance.configured ? maintenance.stateNow : undefined,
  );
  // The SOAP scope's onRequest hook asks the login guard before any byte of the body is read.
  const edge = buildServer({ config, logger, pipeline, store, pincodeKey, authenticator: logins });
  const server = edge.app;

  const gateway: Gateway = {
    server,
    store,
    pincodeKey,
    logins,
    url: '',
    async listen() {
      await server.listen({ host: config.host, port: config.port });
      const address = server.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const host = config.host.includes(':') ? `[${config.host}]` : config.host;
      gateway.url = `${config.tls ? 'https' : 'http'}://${host}:${port}`;
      return gateway.url;
    },
    async close() {
      // Requests in flight finish within the shutdown deadline; then nothing can reach the schema or the store.
      const outcome = await edge.close();
      if (outcome.forced) logger.warn({ deadlineMs: config.edge.shutdownDeadlineMs }, 'shutdown deadline reached: open connections closed');
      if (outcome.abandoned > 0) logger.warn({ calls: outcome.abandoned }, 'calls still running at shutdown');
      schema.dispose();
      await store.close();
    },
  };
  return gateway;
}

