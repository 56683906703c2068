/**
 * The one place where configuration is read. Everything else receives a
 * Config object, so tests can build one without touching the environment.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { GatewayError } from './errors.js';
import type { UserKind } from './store/port.js';
import { DEFAULT_XML_LIMITS, type XmlLimits } from './xml/limits.js';

export interface TlsFiles {
  readonly certPath: string;
  readonly keyPath: string;
}

export interface Config {
  readonly host: string;
  readonly port: number;
  /** Directory for the SQLite store and the pincode key pair. */
  readonly dataDir: string;
  /** Which engine holds the store (src/store/open.ts): SQLite in dataDir by default. */
  /** Base URL clients use to reach the gateway, for the WSDL's soap:address. When absent: an allow-listed Host (edge.publicHosts), else the listening address. */
  readonly publicUrl: string | undefined;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimit: number;
  /** Size of the pincode RSA key created on first start. */
  readonly rsaBits: number;
  readonly tls: TlsFiles | undefined;
  readonly logLevel: string;
  /** Load the demo users and registry when the store has no users. */
  readonly demoData: boolean;
  /**
   * The vendor sandbox (time travel, fault injection, request inspector,
   * conformance warnings: src/sandbox/). On with the demo data, off in
   * production unless SAC_SANDBOX=1: its data must be synthetic.
   */
  readonly sandbox: SandboxConfig;
  /** Failed look-ups of protocol numbers allowed per user in a window; undefined = no throttle (SAC_LOOKUP_FAILURES). */
  readonly lookupFailures: LookupFailureLimit | undefined;
  /** Gateway processes sharing the port and the store (node:cluster); 1 = no cluster. */
  readonly workers: number;
  /** Logins: hash queue, throttles and locks (src/auth/login.ts). */
  readonly login: LoginSettings;
  /** Shape limits every request is held to right after parsing (Apache CXF's defaults). */
  readonly xmlLimits: XmlLimits;
  // --- the HTTP edge (issue 9): timeouts, caps, shutdown, published address ---
  readonly edge: EdgeConfig;
  // --- maintenance windows and the paper fallback (issue 10) ---
  readonly maintenance: MaintenanceConfig;
  /** One certificate per visit (issue 10): resubmissions answered the first receipt. */
  readonly idempotency: IdempotencyConfig;
  // --- admission control, fairness per user, time bands (issue 10) ---
  readonly admission: AdmissionConfig;
  // --- observability (issue 10): /metrics and the access log's buffering ---
  readonly observability: ObservabilityConfig;
  // --- protocol numbers (issue 11): PUC, PUCIR, idAnnullamento ---
  readonly protocolNumbers: ProtocolNumberConfig;
  // --- the database (issue 13): PostgreSQL instead of the embedded SQLite file ---
  readonly database: DatabaseConfig;
  // --- the pincode key shared by every node (issue 13) ---
  readonly pincodeKey: PincodeKeyConfig;
}

/** Limits of the HTTP edge; every one has an environment variable (README, docs/security.md). */
export interface EdgeConfig {
  /** Time for a client to send the request line and headers (SAC_HEADERS_TIMEOUT_MS). */
  readonly headersTimeoutMs: number;
  /** Time for the whole request, headers and body (SAC_REQUEST_TIMEOUT_MS). */
  readonly requestTimeoutMs: number;
  /** Idle time allowed between two requests on a kept-alive connection (SAC_KEEP_ALIVE_TIMEOUT_MS). */
  readonly keepAliveTimeoutMs: number;
  /** Slowest accepted body, in bytes per second, averaged once the grace period is over (SAC_MIN_BODY_RATE). */
  readonly minBodyRate: number;
  /** Time a body may take before the minimum rate applies (SAC_BODY_RATE_GRACE_MS). */
  readonly bodyRateGraceMs: number;
  /** Open connections served at once by one process; more are refused at once (SAC_MAX_CONNECTIONS). */
  readonly maxConnections: number;
  /** Open connections from one client address (SAC_MAX_CONNECTIONS_PER_ADDRESS). */
  readonly maxConnectionsPerAddress: number;
  /** On SIGTERM/SIGINT, time given to requests in flight before their connections are closed (SAC_SHUTDOWN_DEADLINE_MS). */
  readonly shutdownDeadlineMs: number;
  /** Host[:port] values of the Host header that may be written into the served WSDL (SAC_PUBLIC_HOSTS), lower case. */
  readonly publicHosts: readonly string[];
  /**
   * Addresses or CIDR blocks of the reverse proxies (nginx) in front of the gateway (SAC_TRUSTED_PROXIES).
   * A request arriving from one of them is taken to come from the address its X-Forwarded-For names
   * (the right-most one that is not itself a trusted proxy); from anywhere else the header is ignored.
   * Empty: the socket's address, always.
   */
  readonly trustedProxies: readonly string[];
}

// --- Logins (src/auth/login.ts) ---------------------------------------------
export interface LoginSettings {
  /** Password/pincode hashes (scrypt) running at once; at most the libuv pool size. */
  readonly hashConcurrency: number;
  /** Distinct hashes waiting to start; a full queue answers 503 + Retry-After at once. */
  readonly queue: number;
  /** Failures of one username answered without delay; then 1 s, 2 s, 4 s ... (capped at maxDelayMs). */
  readonly freeFailures: number;
  /** Failures of one username (wrong password or wrong pincode) that lock it. */
  readonly lockAfter: number;
  /** Failures from one client address (an IPv6 /64) that lock the address; its free failures are 5x the username's. */
  readonly addressLockAfter: number;
  /** Length of a lock. */
  readonly lockMs: number;
  /** Largest delay between attempts before the lock. */
  readonly maxDelayMs: number;
  /** How long a successful login exempts that client address from that username's lock. */
  readonly trustMs: number;
}

export const LOGIN_DEFAULTS: LoginSettings = {
  hashConcurrency: 2,
  queue: 32,
  freeFailures: 3,
  lockAfter: 10,
  addressLockAfter: 50,
  lockMs: 15 * 60 * 1000,
  maxDelayMs: 60 * 1000,
  trustMs: 7 * 24 * 60 * 60 * 1000,
};

function loginFrom(env: NodeJS.ProcessEnv): LoginSettings {
  // libuv's pool: more concurrent hashes than threads would only queue inside libuv again.
  const poolSize = intFrom(env, 'UV_THREADPOOL_SIZE', 4, 1, 1024);
  const settings: LoginSettings = {
    hashConcurrency: intFrom(env, 'SAC_LOGIN_HASH_CONCURRENCY', Math.min(LOGIN_DEFAULTS.hashConcurrency, poolSize), 1, poolSize),
    queue: intFrom(env, 'SAC_LOGIN_QUEUE', LOGIN_DEFAULTS.queue, 0, 10_000),
    freeFailures: intFrom(env, 'SAC_LOGIN_FREE_FAILURES', LOGIN_DEFAULTS.freeFailures, 0, 1_000),
    lockAfter: intFrom(env, 'SAC_LOGIN_LOCK_AFTER', LOGIN_DEFAULTS.lockAfter, 1, 10_000),
    addressLockAfter: intFrom(env, 'SAC_LOGIN_ADDRESS_LOCK_AFTER', LOGIN_DEFAULTS.addressLockAfter, 1, 100_000),
    lockMs: intFrom(env, 'SAC_LOGIN_LOCK_MS', LOGIN_DEFAULTS.lockMs, 1_000, 7 * 24 * 60 * 60 * 1000),
    maxDelayMs: intFrom(env, 'SAC_LOGIN_MAX_DELAY_MS', LOGIN_DEFAULTS.maxDelayMs, 1_000, 24 * 60 * 60 * 1000),
    trustMs: intFrom(env, 'SAC_LOGIN_TRUST_MS', LOGIN_DEFAULTS.trustMs, 0, 365 * 24 * 60 * 60 * 1000),
  };
  if (settings.freeFailures >= settings.lockAfter) {
    throw new ConfigError('SAC_LOGIN_FREE_FAILURES must be lower than SAC_LOGIN_LOCK_AFTER');
  }
  return settings;
}
// -----------------------------------------------------------------------------

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: './data',
  bodyLimit: 1024 * 1024,
  rsaBits: 1024,
  logLevel: 'info',
} as const;

export const EDGE_DEFAULTS = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  minBodyRate: 1024,
  bodyRateGraceMs: 2_000,
  maxConnections: 900,
  maxConnectionsPerAddress: 100,
  shutdownDeadlineMs: 10_000,
} as const;

/** A setting that cannot be used as given: the gateway refuses to start. */
export interface SandboxInspectorSettings {
  /** Exchanges kept per user; older ones are dropped (SAC_SANDBOX_INSPECTOR_ENTRIES). */
  readonly entries: number;
  /** Bytes kept of each request and response body, the rest cut (SAC_SANDBOX_INSPECTOR_BODY_BYTES). */
  readonly bodyBytes: number;
}

export const SANDBOX_INSPECTOR_DEFAULTS: SandboxInspectorSettings = { entries: 50, bodyBytes: 65_536 };

function sandboxInspectorFrom(env: NodeJS.ProcessEnv): SandboxInspectorSettings {
  const d = SANDBOX_INSPECTOR_DEFAULTS;
  return {
    entries: intFrom(env, 'SAC_SANDBOX_INSPECTOR_ENTRIES', d.entries, 1, 500),
    bodyBytes: intFrom(env, 'SAC_SANDBOX_INSPECTOR_BODY_BYTES', d.bodyBytes, 1_024, 1_048_576),
  };
}

export class ConfigError extends GatewayError {
  readonly name = 'ConfigError';
  readonly code = 'SAC_CONFIG_INVALID';
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be an integer, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function flagFrom(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/**
 * The XML limits. The lower bounds keep every contract request possible (its
 * deepest field is at depth 6 counting the Envelope); the upper ones are
 * libxml2's own limits, which stay in force anyway (no XML_PARSE_HUGE).
 */
function xmlLimitsFrom(env: NodeJS.ProcessEnv): XmlLimits {
  const d = DEFAULT_XML_LIMITS;
  return {
    maxDepth: intFrom(env, 'SAC_XML_MAX_DEPTH', d.maxDepth, 10, 256),
    maxChildren: intFrom(env, 'SAC_XML_MAX_CHILDREN', d.maxChildren, 100, 10_000_000),
    maxAttributes: intFrom(env, 'SAC_XML_MAX_ATTRIBUTES', d.maxAttributes, 10, 1_000_000),
    maxAttributeLength: intFrom(env, 'SAC_XML_MAX_ATTRIBUTE_LENGTH', d.maxAttributeLength, 256, 10_000_000),
    maxTextLength: intFrom(env, 'SAC_XML_MAX_TEXT_LENGTH', d.maxTextLength, 4096, 10_000_000),
    maxElements: intFrom(env, 'SAC_XML_MAX_ELEMENTS', d.maxElements, 100, 10_000_000),
    maxNameLength: intFrom(env, 'SAC_XML_MAX_NAME_LENGTH', d.maxNameLength, 64, 50_000),
  };
}

// --- observability (issue 10) -------------------------------------------------
/**
 * Where GET /metrics is served (SAC_METRICS): 'on' on the gateway's own port,
 * 'off' nowhere, or a separate listener (host and port) that only the
 * monitoring network should reach; the gateway's port then does not serve it.
 */
export type MetricsEndpoint = { readonly kind: 'on' } | { readonly kind: 'off' } | { readonly kind: 'listen'; readonly host: string; readonly port: number };

export interface ObservabilityConfig {
  readonly metrics: MetricsEndpoint;
  /** Log bytes gathered before one write to stdout (SAC_LOG_BUFFER_BYTES); 0 = a write as soon as the previous one completed. */
  readonly logBufferBytes: number;
  /** Longest time a log line waits in that buffer (SAC_LOG_FLUSH_MS). */
  readonly logFlushMs: number;
}

export const OBSERVABILITY_DEFAULTS = {
  metrics: 'on',
  logBufferBytes: 4096,
  logFlushMs: 1000,
} as const;

function metricsEndpointFrom(env: NodeJS.ProcessEnv): MetricsEndpoint {
  const raw = (env.SAC_METRICS ?? '').trim() || OBSERVABILITY_DEFAULTS.metrics;
  if (/^(on|1|true|yes)$/i.test(raw)) return { kind: 'on' };
  if (/^(off|0|false|no)$/i.test(raw)) return { kind: 'off' };
  const listen = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
  const port = listen ? Number(listen[2]) : NaN;
  if (!listen || port < 1 || port > 65535) {
    throw new ConfigError(`SAC_METRICS must be on, off or HOST:PORT (a separate listener for /metrics), got "${raw}"`);
  }
  return { kind: 'listen', host: listen[1]!.replace(/^\[(.*)\]$/, '$1'), port };
}

function observabilityFrom(env: NodeJS.ProcessEnv): ObservabilityConfig {
  const d = OBSERVABILITY_DEFAULTS;
  return {
    metrics: metricsEndpointFrom(env),
    // pino's destination writes at most 16 KiB at once and wants its buffer below that.
    logBufferBytes: intFrom(env, 'SAC_LOG_BUFFER_BYTES', d.logBufferBytes, 0, 16_000),
    logFlushMs: intFrom(env, 'SAC_LOG_FLUSH_MS', d.logFlushMs, 10, 60_000),
  };
}
// -----------------------------------------------------------------------------

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const certPath = env.SAC_TLS_CERT;
  const keyPath = env.SAC_TLS_KEY;
  if (Boolean(certPath) !== Boolean(keyPath)) {
    throw new ConfigError('SAC_TLS_CERT and SAC_TLS_KEY must be given together');
  }
  const rsaBits = intFrom(env, 'SAC_RSA_BITS', DEFAULTS.rsaBits, 1024, 8192);
  if (rsaBits % 8 !== 0) throw new ConfigError('SAC_RSA_BITS must be a multiple of 8');
  const publicUrl = env.SAC_PUBLIC_URL ? env.SAC_PUBLIC_URL.replace(/\/+$/, '') : undefined;
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(publicUrl)) {
    throw new ConfigError(`SAC_PUBLIC_URL must be an http(s) URL, got "${publicUrl}"`);
  }
  return {
    host: env.HOST || DEFAULTS.host,
    port: intFrom(env, 'PORT', DEFAULTS.port, 0, 65535),
    dataDir: path.resolve(env.SAC_DATA_DIR || DEFAULTS.dataDir),
    publicUrl,
    bodyLimit: intFrom(env, 'SAC_BODY_LIMIT', DEFAULTS.bodyLimit, 1024, 64 * 1024 * 1024),
    rsaBits,
    tls: certPath && keyPath ? { certPath, keyPath } : undefined,
    logLevel: env.LOG_LEVEL || DEFAULTS.logLevel,
    demoData: flagFrom(env, 'SAC_DEMO_DATA', true),
    sandbox: loadSandboxConfig(env),
    workers: intFrom(env, 'SAC_WORKERS', 1, 1, 64),
    login: loginFrom(env),
    xmlLimits: xmlLimitsFrom(env),
    edge: loadEdgeConfig(env),
    maintenance: loadMaintenanceConfig(env),
    idempotency: loadIdempotencyConfig(env),
    admission: loadAdmissionConfig(env),
    lookupFailures: lookupFailuresFrom(env),
    observability: observabilityFrom(env),
    protocolNumbers: loadProtocolNumberConfig(env),
    database: loadDatabaseConfig(env),
    pincodeKey: loadPincodeKeyConfig(env, path.resolve(env.SAC_DATA_DIR || DEFAULTS.dataDir)),
  };
}

// --- the HTTP edge (issue 9) ---

/** A comma-separated list of host[:port] names, as a client would write them in Host. */
function hostListFrom(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((entry) => {
    const host = entry.trim().toLowerCase();
    if (!/^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/.test(host)) {
      throw new ConfigError(`${name} must list host or host:port names separated by commas, got "${entry.trim()}"`);
    }
    return host;
  });
}

/** Comma-separated IP addresses or CIDR blocks (IPv4 /0-32, IPv6 /0-128), checked here so a typo fails at start. */
function proxyListFrom(env: NodeJS.ProcessEnv, name: string): string[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  return raw.split(',').map((entry) => {
    const value = entry.trim();
    const [address = '', prefix, extra] = value.split('/');
    const family = isIP(address);
    const bits = family === 4 ? 32 : 128;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits);
    if (family === 0 || !prefixOk || extra !== undefined) {
      throw new ConfigError(`${name} must list IP addresses or CIDR blocks separated by commas (e.g. 127.0.0.1,10.0.0.0/8), got "${value.slice(0, 80)}"`);
    }
    return value;
  });
}

function loadEdgeConfig(env: NodeJS.ProcessEnv): EdgeConfig {
  const d = EDGE_DEFAULTS;
  const edge: EdgeConfig = {
    headersTimeoutMs: intFrom(env, 'SAC_HEADERS_TIMEOUT_MS', d.headersTimeoutMs, 100, 600_000),
    requestTimeoutMs: intFrom(env, 'SAC_REQUEST_TIMEOUT_MS', d.requestTimeoutMs, 100, 3_600_000),
    keepAliveTimeoutMs: intFrom(env, 'SAC_KEEP_ALIVE_TIMEOUT_MS', d.keepAliveTimeoutMs, 100, 600_000),
    minBodyRate: intFrom(env, 'SAC_MIN_BODY_RATE', d.minBodyRate, 0, 1024 * 1024 * 1024),
    bodyRateGraceMs: intFrom(env, 'SAC_BODY_RATE_GRACE_MS', d.bodyRateGraceMs, 100, 600_000),
    maxConnections: intFrom(env, 'SAC_MAX_CONNECTIONS', d.maxConnections, 1, 1_000_000),
    maxConnectionsPerAddress: intFrom(env, 'SAC_MAX_CONNECTIONS_PER_ADDRESS', d.maxConnectionsPerAddress, 1, 1_000_000),
    shutdownDeadlineMs: intFrom(env, 'SAC_SHUTDOWN_DEADLINE_MS', d.shutdownDeadlineMs, 0, 600_000),
    publicHosts: hostListFrom(env, 'SAC_PUBLIC_HOSTS'),
    trustedProxies: proxyListFrom(env, 'SAC_TRUSTED_PROXIES'),
  };
  // Node applies the headers timeout inside the request timeout: a larger one would never fire.
  if (edge.headersTimeoutMs > edge.requestTimeoutMs) {
    throw new ConfigError('SAC_HEADERS_TIMEOUT_MS must not exceed SAC_REQUEST_TIMEOUT_MS');
  }
  return edge;
}

// --- maintenance windows and the paper fallback (issue 10, src/sac/maintenance.ts) ---

/** One planned stop of the service: [start, end). */
export interface MaintenanceWindow {
  readonly start: Date;
  readonly end: Date;
  /** The interval as configured (ISO 8601 start/end with offsets), stored with the certificates re-entered from paper. */
  readonly interval: string;
}

export interface MaintenanceConfig {
  /** Planned stops, in chronological order, never overlapping (SAC_MAINTENANCE_WINDOWS). */
  readonly windows: readonly MaintenanceWindow[];
  /** Days before a window's start from which every response announces it in ricevutaInfo (SAC_ANNOUNCE_DAYS). */
  readonly announceDays: number;
  /** Days after a window's last day during which InviaMalattia takes paper certificates issued in it (SAC_PAPER_GRACE_DAYS). */
  readonly paperGraceDays: number;
}

export const MAINTENANCE_DEFAULTS = {
  announceDays: 7,
  paperGraceDays: 7,
  /** More would be a list nobody reads (and the contract carries at most 30 notices). */
  maxWindows: 100,
  /** A longer window is most likely a typo in a year or a month; it would stop the service for that long. */
  maxWindowDays: 31,
} as const;

// Date, time to the second (fraction allowed), and an explicit offset: Z or +hh:mm / -hh:mm.
const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,3})?(Z|[+-](\d{2}):(\d{2}))$/;

function instantFrom(name: string, text: string): Date {
  const m = INSTANT_RE.exec(text);
  if (!m) {
    throw new ConfigError(
      `${name}: "${text}" is not an ISO 8601 date-time with an explicit offset (e.g. 2026-12-05T18:00:00+01:00)`,
    );
  }
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const monthDays = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  const offsetOk = m[7] === 'Z' || (Number(m[8]) <= 14 && Number(m[9]) <= 59);
  if (year < 2000 || monthDays === undefined || day < 1 || day > monthDays || hour > 23 || minute > 59 || second > 59 || !offsetOk) {
    throw new ConfigError(`${name}: "${text}" is not a real date-time`);
  }
  return new Date(text);
}

function windowsFrom(env: NodeJS.ProcessEnv, name: string): MaintenanceWindow[] {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return [];
  const entries = raw.split(',').map((entry) => entry.trim());
  if (entries.length > MAINTENANCE_DEFAULTS.maxWindows) {
    throw new ConfigError(`${name} lists ${entries.length} windows: at most ${MAINTENANCE_DEFAULTS.maxWindows}`);
  }
  const windows = entries.map((entry): MaintenanceWindow => {
    const parts = entry.split('/');
    if (parts.length !== 2) {
      throw new ConfigError(`${name}: "${entry}" is not an interval start/end (e.g. 2026-12-05T18:00:00+01:00/2026-12-06T16:00:00+01:00)`);
    }
    const start = instantFrom(name, parts[0]!);
    const end = instantFrom(name, parts[1]!);
    if (start.getTime() >= end.getTime()) throw new ConfigError(`${name}: "${entry}" does not end after it starts`);
    if (end.getTime() - start.getTime() > MAINTENANCE_DEFAULTS.maxWindowDays * 86_400_000) {
      throw new ConfigError(`${name}: "${entry}" lasts more than ${MAINTENANCE_DEFAULTS.maxWindowDays} days`);
    }
    return { start, end, interval: entry };
  });
  windows.sort((a, b) => a.start.getTime() - b.start.getTime());
  for (let i = 1; i < windows.length; i++) {
    if (windows[i]!.start.getTime() < windows[i - 1]!.end.getTime()) {
      throw new ConfigError(`${name}: "${windows[i - 1]!.interval}" and "${windows[i]!.interval}" overlap: join them into one window`);
    }
  }
  return windows;
}

function loadMaintenanceConfig(env: NodeJS.ProcessEnv): MaintenanceConfig {
  const d = MAINTENANCE_DEFAULTS;
  return {
    windows: windowsFrom(env, 'SAC_MAINTENANCE_WINDOWS'),
    announceDays: intFrom(env, 'SAC_ANNOUNCE_DAYS', d.announceDays, 0, 365),
    paperGraceDays: intFrom(env, 'SAC_PAPER_GRACE_DAYS', d.paperGraceDays, 0, 90),
  };
}

// --- one certificate per visit (issue 10, docs/operations.md ("One certificate per visit")) ---

export interface IdempotencyConfig {
  /**
   * How long a created certificate or admission answers an identical
   * resubmission with its receipt, in ms; 0 turns resubmission detection off
   * (SAC_IDEMPOTENCY_WINDOW).
   */
  readonly windowMs: number;
}

export const IDEMPOTENCY_DEFAULTS: IdempotencyConfig = { windowMs: 24 * 60 * 60 * 1000 };

const DURATION_UNITS_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const IDEMPOTENCY_WINDOW_MAX_MS = 30 * DURATION_UNITS_MS.d;

/** A duration written with its unit (90s, 30m, 24h, 7d); "0" alone means off. */
function durationFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, maxMs: number): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (raw === '0') return 0;
  const match = /^(\d{1,9})(ms|s|m|h|d)$/.exec(raw);
  if (!match) throw new ConfigError(`${name} must be a duration such as 90s, 30m, 24h or 7d (or 0 for off), got "${raw}"`);
  const ms = Number(match[1]) * DURATION_UNITS_MS[match[2] as keyof typeof DURATION_UNITS_MS];
  if (ms > maxMs) throw new ConfigError(`${name} must not exceed ${maxMs / DURATION_UNITS_MS.d} days, got "${raw}"`);
  return ms;
}

function loadIdempotencyConfig(env: NodeJS.ProcessEnv): IdempotencyConfig {
  return { windowMs: durationFrom(env, 'SAC_IDEMPOTENCY_WINDOW', IDEMPOTENCY_DEFAULTS.windowMs, IDEMPOTENCY_WINDOW_MAX_MS) };
}

// --- protocol numbers (issue 11, docs/operations.md, "Protocol numbers") ---------------------

export interface ProtocolNumberConfig {
  /**
   * Digits of every new PUC, PUCIR and idAnnullamento (SAC_PUC_DIGITS): at
   * least 9 (the real PUCs' length), at most 18 (the earlier length, within a
   * signed 64-bit integer). Numbers already issued keep their length.
   */
  readonly digits: number;
}

export const PROTOCOL_NUMBER_DEFAULTS: ProtocolNumberConfig = { digits: 10 };

function loadProtocolNumberConfig(env: NodeJS.ProcessEnv): ProtocolNumberConfig {
  return { digits: intFrom(env, 'SAC_PUC_DIGITS', PROTOCOL_NUMBER_DEFAULTS.digits, 9, 18) };
}

// --- the database (issue 13, docs/operations.md "The store on PostgreSQL") -----------------------------------

/**
 * Where the store lives. Read and validated here; not used by the app yet:
 * the store factory (issue 13, point 1) opens src/store/postgres/ when `url`
 * is set, SQLite in dataDir otherwise.
 */
export interface DatabaseConfig {
  /** postgres://user:password@host:port/database (SAC_DATABASE_URL); undefined = the embedded SQLite store. Never logged whole. */
  readonly url: string | undefined;
  /** Connections each gateway node (each process) keeps at most (SAC_DB_POOL_SIZE). */
  readonly poolSize: number;
  /** How long a request waits for a connection before the store answers unavailable, ms (SAC_DB_CONNECT_TIMEOUT_MS). */
  readonly connectTimeoutMs: number;
  /** A statement running longer is cancelled by the server, ms; 0 = no limit (SAC_DB_STATEMENT_TIMEOUT_MS). */
  readonly statementTimeoutMs: number;
  /**
   * How long the gateway waits for the server's answer to one statement before it drops the
   * connection and answers unavailable, ms (SAC_DB_QUERY_TIMEOUT_MS): a server gone silent
   * (a failover that moved the address, a network that drops packets) sends no reset, and
   * without this bound a call would wait for TCP to give up, about 15 minutes on Linux.
   * Above the statement timeout, so that the server cancels a slow statement first.
   */
  readonly queryTimeoutMs: number;
}

export const DATABASE_DEFAULTS: Omit<DatabaseConfig, 'url'> = { poolSize: 10, connectTimeoutMs: 5_000, statementTimeoutMs: 30_000, queryTimeoutMs: 35_000 };

function loadDatabaseConfig(env: NodeJS.ProcessEnv): DatabaseConfig {
  const raw = env.SAC_DATABASE_URL;
  let url: string | undefined;
  if (raw !== undefined && raw.trim() !== '') {
    // The value is never echoed: it may hold a password. Checked by its shape (libpq's URI form,
    // which also allows an empty host with ?host=/socket/dir, unlike WHATWG URLs).
    const shape = /^postgres(?:ql)?:\/\/(?:[^@/?#]*@)?([^/?#]*)(?:\/([^?#]*))?(?:\?([^#]*))?$/.exec(raw.trim());
    if (shape === null) {
      throw new ConfigError('SAC_DATABASE_URL must be a postgres:// (or postgresql://) URL: postgres://user:password@host:5432/database');
    }
    const [, host, database, query] = shape;
    if (host === '' && !/(^|&)host=/.test(query ?? '')) throw new ConfigError('SAC_DATABASE_URL names no host');
    if (database === undefined || database === '') throw new ConfigError('SAC_DATABASE_URL names no database (postgres://host:5432/DATABASE)');
    url = raw.trim();
  }
  const d = DATABASE_DEFAULTS;
  const statementTimeoutMs = intFrom(env, 'SAC_DB_STATEMENT_TIMEOUT_MS', d.statementTimeoutMs, 0, 3_600_000);
  const queryTimeoutMs = intFrom(env, 'SAC_DB_QUERY_TIMEOUT_MS', d.queryTimeoutMs, 1_000, 3_600_000);
  if (statementTimeoutMs > 0 && queryTimeoutMs <= statementTimeoutMs) {
    throw new ConfigError(
      `SAC_DB_QUERY_TIMEOUT_MS (${queryTimeoutMs}) must be above SAC_DB_STATEMENT_TIMEOUT_MS (${statementTimeoutMs}): the server cancels a slow statement first, the gateway gives up on a silent server only after`,
    );
  }
  return {
    url,
    poolSize: intFrom(env, 'SAC_DB_POOL_SIZE', d.poolSize, 1, 500),
    connectTimeoutMs: intFrom(env, 'SAC_DB_CONNECT_TIMEOUT_MS', d.connectTimeoutMs, 100, 120_000),
    statementTimeoutMs,
    queryTimeoutMs,
  };
}

// --- admission control, fairness per user, time bands (issue 10) ------------

/** A token bucket's settings: tokens added per second, and the most it holds (the burst). */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/** Hours of service of one kind of user, Europe/Rome wall time, minutes from midnight; from > to crosses midnight. */
export interface TimeBand {
  readonly fromMinute: number;
  readonly toMinute: number;
  /** As configured, e.g. "08:00-16:00" (named in the diagnostic). */
  readonly label: string;
}

export interface AdmissionConfig {
  /** SOAP calls admitted and not yet answered, per process; more are refused at once (SAC_MAX_IN_FLIGHT). */
  readonly maxInFlight: number;
  /** Writes waiting for the store writer's commit, per process; more refuse new calls (SAC_MAX_WRITE_BACKLOG). */
  readonly maxWriteBacklog: number;
  /** Mean event-loop delay over one sample beyond which calls are refused (SAC_MAX_EVENT_LOOP_DELAY_MS; 0 = off). */
  readonly maxEventLoopDelayMs: number;
  /** Event-loop utilisation (0-1) over one sample beyond which calls are refused (SAC_MAX_EVENT_LOOP_UTILIZATION; 0 = off). */
  readonly maxEventLoopUtilization: number;
  /** How often the event loop is sampled (SAC_PRESSURE_SAMPLE_MS). */
  readonly sampleIntervalMs: number;
  /** Retry-After of an overload refusal; each refusal says between this and twice this, so retries spread out (SAC_OVERLOAD_RETRY_AFTER_S). */
  readonly retryAfterS: number;
  /** Token bucket per authenticated user, by kind; undefined = no limit for that kind (SAC_RATE_LIMITS). */
  readonly rateLimits: Readonly<Partial<Record<UserKind, RateLimit>>>;
  /** Hours of service by kind; a kind without a band is served at all hours (SAC_TIME_BANDS). */
  readonly timeBands: Readonly<Partial<Record<UserKind, TimeBand>>>;
}

/** At most `failures` answers 7001/7008 per `windowMs`, per user, before look-ups are refused for a while. */
export interface LookupFailureLimit {
  readonly failures: number;
  readonly windowMs: number;
}

/** A doctor who mistypes a PUC a few times never meets it; a guesser gets a few hundred tries a day instead of millions. */
export const LOOKUP_FAILURES_DEFAULT: LookupFailureLimit = { failures: 20, windowMs: 10 * 60_000 };

/** SAC_LOOKUP_FAILURES: "N/DURATION" (e.g. 20/10m) or "off". */
function lookupFailuresFrom(env: NodeJS.ProcessEnv): LookupFailureLimit | undefined {
  const raw = env.SAC_LOOKUP_FAILURES?.trim();
  if (raw === undefined || raw === '') return LOOKUP_FAILURES_DEFAULT;
  if (raw === 'off') return undefined;
  const match = /^(\d{1,6})\/(\d{1,6})(s|m|h)$/.exec(raw);
  const failures = match ? Number(match[1]) : 0;
  const windowMs = match ? Number(match[2]) * DURATION_UNITS_MS[match[3] as 's' | 'm' | 'h'] : 0;
  if (!match || failures < 1 || windowMs < 1000 || windowMs > DURATION_UNITS_MS.d) {
    throw new ConfigError(`SAC_LOOKUP_FAILURES must be N/DURATION with N ≥ 1 and a duration from 1s to 24h (e.g. 20/10m), or off; got "${raw}"`);
  }
  return { failures, windowMs };
}

export const USER_KINDS = ['medico', 'regione', 'operatore', 'datore', 'lavoratore'] as const satisfies readonly UserKind[];

/**
 * Default buckets: a vendor's automated suite (about 100 calls a second for
 * one user, in bursts) runs through, a flood from one user is cut to a small
 * share of a process (~9,000 calls/s on 2 cores). A region's system relays
 * for many doctors, hence ten times more. An employer or a worker reads its
 * own documents (a payroll office's download, a person's browser): 10 a
 * second with bursts of 50 is far above that and keeps one account's flood small.
 */
export const RATE_LIMIT_DEFAULTS: Readonly<Record<UserKind, RateLimit>> = {
  medico: { perSecond: 100, burst: 500 },
  operatore: { perSecond: 100, burst: 500 },
  regione: { perSecond: 1000, burst: 5000 },
  datore: { perSecond: 10, burst: 50 },
  lavoratore: { perSecond: 10, burst: 50 },
};

export const ADMISSION_DEFAULTS = {
  maxInFlight: 256,
  maxWriteBacklog: 512,
  maxEventLoopDelayMs: 200,
  maxEventLoopUtilization: 0,
  sampleIntervalMs: 500,
  retryAfterS: 2,
} as const;

function isUserKind(value: string): value is UserKind {
  return (USER_KINDS as readonly string[]).includes(value);
}

/** Comma-separated `kind=value` entries, each kind at most once. */
function perKind<T>(env: NodeJS.ProcessEnv, name: string, format: string, parse: (value: string) => T | undefined): Partial<Record<UserKind, T>> {
  const raw = env[name]!;
  const out: Partial<Record<UserKind, T>> = {};
  for (const entry of raw.split(',')) {
    const match = /^\s*([a-z]+)\s*=\s*(.*?)\s*$/.exec(entry);
    const kind = match?.[1] ?? '';
    if (!match || !isUserKind(kind)) {
      throw new ConfigError(`${name} must list ${format} entries separated by commas (kinds: ${USER_KINDS.join(', ')}), got "${entry.trim()}"`);
    }
    if (kind in out) throw new ConfigError(`${name} names ${kind} twice`);
    const value = parse(match[2]!);
    if (value === undefined) throw new ConfigError(`${name}: "${entry.trim()}" is not ${format}`);
    out[kind] = value;
  }
  return out;
}

/** `kind=rate/s:burst` (or `/min`), e.g. `medico=2/s:20,regione=50/s:500`; `kind=off` lifts that kind's limit; `off` lifts all. */
function rateLimitsFrom(env: NodeJS.ProcessEnv): Partial<Record<UserKind, RateLimit>> {
  const name = 'SAC_RATE_LIMITS';
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return { ...RATE_LIMIT_DEFAULTS };
  if (/^\s*off\s*$/i.test(raw)) return {};
  const given = perKind<RateLimit | 'off'>(env, name, 'kind=rate/s:burst', (value) => {
    if (/^off$/i.test(value)) return 'off';
    const m = /^(\d+(?:\.\d+)?)\/(s|min):(\d+)$/.exec(value);
    if (!m) return undefined;
    const perSecond = Number(m[1]) / (m[2] === 'min' ? 60 : 1);
    const burst = Number(m[3]);
    if (!(perSecond > 0) || perSecond > 1_000_000 || burst < 1 || burst > 10_000_000) return undefined;
    return { perSecond, burst };
  });
  const limits: Partial<Record<UserKind, RateLimit>> = { ...RATE_LIMIT_DEFAULTS };
  for (const kind of USER_KINDS) {
    const value = given[kind];
    if (value === 'off') delete limits[kind];
    else if (value !== undefined) limits[kind] = value;
  }
  return limits;
}

/** `kind=HH:MM-HH:MM` in Europe/Rome time, e.g. `regione=08:00-16:00,medico=00:00-24:00`; a band may cross midnight. */
function timeBandsFrom(env: NodeJS.ProcessEnv): Partial<Record<UserKind, TimeBand>> {
  const name = 'SAC_TIME_BANDS';
  const raw = env[name];
  if (raw === undefined || raw.trim() === '' || /^\s*off\s*$/i.test(raw)) return {};
  const minute = (hh: string, mm: string): number | undefined => {
    const h = Number(hh);
    const m = Number(mm);
    if (m > 59 || h > 24 || (h === 24 && m !== 0)) return undefined;
    return h * 60 + m;
  };
  return perKind<TimeBand>(env, name, 'kind=HH:MM-HH:MM', (value) => {
    const m = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(value);
    if (!m) return undefined;
    const fromMinute = minute(m[1]!, m[2]!);
    const toMinute = minute(m[3]!, m[4]!);
    if (fromMinute === undefined || toMinute === undefined || fromMinute === toMinute || fromMinute === 24 * 60) return undefined;
    return { fromMinute, toMinute, label: value };
  });
}

function fractionFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(raw)) throw new ConfigError(`${name} must be a number from 0 to 1, got "${raw}"`);
  return Number(raw);
}

function loadAdmissionConfig(env: NodeJS.ProcessEnv): AdmissionConfig {
  const d = ADMISSION_DEFAULTS;
  return {
    maxInFlight: intFrom(env, 'SAC_MAX_IN_FLIGHT', d.maxInFlight, 1, 100_000),
    maxWriteBacklog: intFrom(env, 'SAC_MAX_WRITE_BACKLOG', d.maxWriteBacklog, 1, 1_000_000),
    maxEventLoopDelayMs: intFrom(env, 'SAC_MAX_EVENT_LOOP_DELAY_MS', d.maxEventLoopDelayMs, 0, 60_000),
    maxEventLoopUtilization: fractionFrom(env, 'SAC_MAX_EVENT_LOOP_UTILIZATION', d.maxEventLoopUtilization),
    sampleIntervalMs: intFrom(env, 'SAC_PRESSURE_SAMPLE_MS', d.sampleIntervalMs, 10, 60_000),
    retryAfterS: intFrom(env, 'SAC_OVERLOAD_RETRY_AFTER_S', d.retryAfterS, 1, 3600),
    rateLimits: rateLimitsFrom(env),
    timeBands: timeBandsFrom(env),
  };
}

// --- the vendor sandbox (issue 11, src/sandbox/): time travel, fault injection, the request inspector ---

export interface SandboxConfig {
  /** SAC_SANDBOX (default as SAC_DEMO_DATA): every sandbox route answers 404 and nothing of it runs when off. */
  readonly enabled: boolean;
  /** Furthest a user may move their clock, in days either way (SAC_SANDBOX_MAX_SHIFT_DAYS). */
  readonly maxShiftDays: number;
  /** Most answers one fault injection may replace (SAC_SANDBOX_MAX_INJECTED). */
  readonly maxInjected: number;
  /** Longest injected delay, ms (SAC_SANDBOX_MAX_DELAY_MS). */
  readonly maxDelayMs: number;
  /** The request inspector (src/sandbox/inspector.ts): exchanges kept per user, bytes kept of each body. */
  readonly inspector: SandboxInspectorSettings;
}

export const SANDBOX_DEFAULTS = {
  maxShiftDays: 730,
  maxInjected: 100,
  maxDelayMs: 30_000,
} as const;

function loadSandboxConfig(env: NodeJS.ProcessEnv): SandboxConfig {
  const d = SANDBOX_DEFAULTS;
  return {
    enabled: flagFrom(env, 'SAC_SANDBOX', flagFrom(env, 'SAC_DEMO_DATA', true)),
    maxShiftDays: intFrom(env, 'SAC_SANDBOX_MAX_SHIFT_DAYS', d.maxShiftDays, 1, 3_650),
    maxInjected: intFrom(env, 'SAC_SANDBOX_MAX_INJECTED', d.maxInjected, 1, 10_000),
    // Below the request timeout's own bound: a delayed answer still leaves.
    maxDelayMs: intFrom(env, 'SAC_SANDBOX_MAX_DELAY_MS', d.maxDelayMs, 0, 120_000),
    inspector: sandboxInspectorFrom(env),
  };
}

// --- the pincode key shared by every node (issue 13) ---

/** Where the pincode key pair lives (src/auth/pincodeKey.ts, docs/operations.md ("The pincode key")). */
export interface PincodeKeyConfig {
  /**
   * The key directory (SAC_PINCODE_KEY_DIR), absolute. Every node of one
   * service must use the same key: a shared volume, or a copy made once.
   */
  readonly dir: string;
}

/** The default key directory lives under the data directory: today's single-node layout. */
export const PINCODE_KEY_DEFAULTS = { subdirectory: 'keys' } as const;

function loadPincodeKeyConfig(env: NodeJS.ProcessEnv, dataDir: string): PincodeKeyConfig {
  const raw = env.SAC_PINCODE_KEY_DIR;
  if (raw === undefined || raw === '') return { dir: path.join(dataDir, PINCODE_KEY_DEFAULTS.subdirectory) };
  // A path, not a list or a URL: control characters are a pasting mistake, and blanks around it too.
  if (/[\u0000-\u001f\u007f]/.test(raw) || raw.trim() !== raw) {
    throw new ConfigError('SAC_PINCODE_KEY_DIR must be a directory path (no control characters or surrounding blanks)');
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw new ConfigError(`SAC_PINCODE_KEY_DIR must be a directory path, not a URL, got "${raw.slice(0, 64)}"`);
  }
  return { dir: path.resolve(raw) };
}
