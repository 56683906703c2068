/**
 * The HTTP face of the gateway (Fastify): the edge's timeouts and connection
 * caps, the contract routes of every hosted service and /healthz at the
 * root, and the SOAP services in their own plugin scope (soapService.ts). Every body arrives as raw bytes:
 * decoding is the SOAP pipeline's job, never the framework's.
 */
import { readFileSync } from 'node:fs';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import type { PincodeKey } from '../auth/pincodeKey.js';
import type { Config } from '../config.js';
import type { SandboxInspectStore, StoreHealth, UserStore } from '../store/port.js';
import { Admission } from './admission.js';
import { registerAccessLog } from './accessLog.js';
import { clientGoneSignal, type Authenticator } from './authenticator.js';
import { BodyRateWatch } from './bodyReader.js';
import { guardConnections, type ConnectionCounts } from './connectionGuard.js';
import { registerContractRoutes, type ServedContract } from './contractRoutes.js';
import { Drain, drainServer, type DrainOutcome } from './drain.js';
import { knownFault, sendFault, sendInternal } from './faultReply.js';
import { registerHealth } from './health.js';
import { registerLanding } from './landing.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import { sandboxRoutes } from './sandboxRoutes.js';
import { loadDemoData } from '../seed.js';
import { UNKNOWN_OPERATION, type GatewayMetrics } from './metrics.js';
import { registerMetricsRoute, type MetricsSource } from './metricsRoute.js';
import { soapService, type SoapEndpoint } from './soapService.js';
import type { SandboxInspector } from '../sandbox/inspector.js';
import { registerSandboxInspectPages } from '../sandbox/pages.js';
import { UserRateLimit } from './userRateLimit.js';
import { inpsRoutes, type InpsRoutesOptions } from './inpsRoutes.js';

/** The INPS side's HTTP routes as the gateway serves them (inpsRoutes.ts): its reads, the journal, the failed look-up allowance. */
export type InpsHttp = Pick<InpsRoutesOptions, 'consultation' | 'journal' | 'lookupThrottle'>;

/** One hosted SOAP service as the HTTP layer serves it: its contract's routes, and its calls through its pipeline. */
export interface HostedService {
  readonly contract: ServedContract;
  readonly pipeline: SoapEndpoint['pipeline'];
}

export interface ServerParts {
  readonly config: Config;
  readonly logger: Logger;
  /** The SOAP services this gateway hosts (src/soap/service.ts), each at its own path. */
  readonly services: readonly HostedService[];
  /** Health (admission control, /healthz) and, with the sandbox on, its inspector's reads. */
  readonly store: Pick<UserStore, 'countUsers'> & StoreHealth & SandboxInspectStore;
  readonly authenticator: Authenticator;
  readonly pincodeKey: PincodeKey;
  readonly metrics: GatewayMetrics;
  /** What GET /metrics answers (this process's registry, or the cluster's aggregate); served when config says 'on'. */
  readonly metricsSource: MetricsSource;
  /** The sandbox's request inspector (only when the sandbox is on): its pages, and a hook in the SOAP scope. */
  readonly inspector?: SandboxInspector;
  /** The vendor sandbox, when SAC_SANDBOX is on (its routes exist only then). */
  readonly sandbox?: Sandbox | undefined;
  /** The INPS side's HTTP routes (export, worker documents, printed copies); absent: not served. */
  readonly inps?: InpsHttp | undefined;
}

export interface HttpEdge {
  readonly app: FastifyInstance;
  /** Stop accepting, let calls in flight finish within SAC_SHUTDOWN_DEADLINE_MS, close what is left. */
  close(): Promise<DrainOutcome>;
  /** Open and refused connections so far (for logs and tests). */
  connections(): ConnectionCounts;
  /** Calls in flight, write backlog, event loop, refusals by reason (for /readyz, logs and tests). */
  readonly admission: Admission;
}

export function buildServer(parts: ServerParts): HttpEdge {
  const { config, logger } = parts;
  const edge = config.edge;
  const options: FastifyServerOptions & { https?: { key: Buffer; cert: Buffer } } = {
    loggerInstance: logger,
    // One access line per request, written by accessLog.ts, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: config.bodyLimit,
    requestTimeout: edge.requestTimeoutMs,
    keepAliveTimeout: edge.keepAliveTimeoutMs,
    // Socket inactivity at any stage (e.g. a client that stops reading its answer).
    connectionTimeout: edge.requestTimeoutMs,
    // The SOAP scope answers a request that arrives while draining with its own fault.
    return503OnClosing: false,
    // request.ip (and protocol, host) from X-Forwarded-* only for a request from a listed proxy
    // (Fastify's proxy-addr); everything that keys by client address reads request.ip.
    trustProxy: edge.trustedProxies.length > 0 ? [...edge.trustedProxies] : false,
  };
  if (config.tls) {
    options.https = { key: readFileSync(config.tls.keyPath), cert: readFileSync(config.tls.certPath) };
  }
  const app = Fastify(options) as unknown as FastifyInstance;
  const server = app.server;
  server.headersTimeout = edge.headersTimeoutMs;
  // Node checks the header and request timeouts on this period (default 30 s): keep it a fraction of them.
  (server as { connectionsCheckingInterval?: number }).connectionsCheckingInterval = Math.max(50, Math.min(1000, Math.floor(edge.headersTimeoutMs / 4)));
  const connections = guardConnections(server, edge, config.tls !== undefined);
  // Node answers `Expect: 100-continue` by itself before any hook runs, inviting the body of a
  // client that is about to be refused: the SOAP scope sends 100 Continue once the caller is known.
  server.on('checkContinue', (request, response) => server.emit('request', request, response));

  const drain = new Drain(edge.shutdownDeadlineMs, edge.trustedProxies.length > 0);
  const rateWatch = new BodyRateWatch(edge.minBodyRate, edge.bodyRateGraceMs);

  const metrics = parts.metrics;
  metrics.gauge('sac_requests_in_flight', 'SOAP calls inside the pipeline (authenticated, body read, not yet answered).', () => drain.active);
  metrics.gauge('sac_connections_open', 'Open client connections of this process.', () => connections().open);
  metrics.counter('sac_connections_refused_total', 'Connections closed at once by SAC_MAX_CONNECTIONS or SAC_MAX_CONNECTIONS_PER_ADDRESS.', () => connections().refused);
  registerAccessLog(app, metrics);

  // The root reads no bodies: a POST elsewhere is a 404 without its body being buffered.
  app.removeAllContentTypeParsers();
  // Root scope: contract files and health. Errors here (a broken store under /healthz) are faults too.
  app.setErrorHandler((err: unknown, request, reply) => {
    const known = knownFault(err, config.bodyLimit);
    if (known) return sendFault(reply, known.fault, known.options);
    return sendInternal(request, reply, err);
  });
  registerContractRoutes(
    app,
    parts.pincodeKey,
    { publicUrl: config.publicUrl, publicHosts: new Set(edge.publicHosts) },
    parts.services.map((service) => service.contract),
  );
  // The landing page; demo users listed only when demo data are on.
  registerLanding(app, config.demoData ? loadDemoData().users : [], { sandbox: parts.sandbox !== undefined });
  // One token bucket per user for the SOAP calls and the sandbox's changes alike (SAC_RATE_LIMITS).
  const rateLimit = new UserRateLimit(config.admission.rateLimits);
  if (parts.sandbox !== undefined) void app.register(sandboxRoutes, { sandbox: parts.sandbox, authenticator: parts.authenticator, rateLimit });
  const admission = new Admission(config.admission, parts.store);
  metrics.labelledCounter('sac_overload_refusals_total', 'SOAP calls refused by admission control, by what was over its limit (the fault is OVERLOADED, or RATE_LIMITED for rate_limited).', 'reason', () => ({ ...admission.refused }));
  registerHealth(app, parts.store, drain, admission);
  if (config.observability.metrics.kind === 'on') registerMetricsRoute(app, parts.metricsSource);
  const inspector = parts.inspector;
  if (inspector !== undefined) {
    registerSandboxInspectPages(app, {
      store: parts.store,
      authenticate: (request) =>
        parts.authenticator.authenticate(request.headers.authorization, request.ip ?? '', clientGoneSignal(request.raw.socket)),
    });
  }
  // The INPS side's routes: the same drain, admission control, login and rate limit as the SOAP scope (callerGate.ts).
  if (parts.inps !== undefined) void app.register(inpsRoutes, { ...parts.inps, authenticator: parts.authenticator, drain, admission, rateLimit });
  void app.register(soapService, {
    services: parts.services.map((service) => ({ path: service.contract.path, pipeline: service.pipeline })),
    authenticator: parts.authenticator,
    bodyLimit: config.bodyLimit,
    rateWatch,
    drain,
    admission,
    rateLimit,
    inspect:
      inspector &&
      ((scope: FastifyInstance) =>
        inspector.register(scope, (request) => ({
          caller: request.caller,
          operation: request.sacOperation === null || request.sacOperation === UNKNOWN_OPERATION ? undefined : request.sacOperation,
          fault: request.sacFault,
          errors: request.sacErrors,
        }))),
  });

  return {
    app,
    async close() {
      try {
        return await drainServer(app, drain, edge.shutdownDeadlineMs, { behindProxy: edge.trustedProxies.length > 0 });
      } finally {
        rateWatch.stop();
      }
    },
    connections,
    admission,
  };
}
