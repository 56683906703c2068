/**
 * The one place where configuration is read. Everything else receives a
 * Config object, so tests can build one without touching the environment.
 */
import path from 'node:path';
import { GatewayError } from './errors.js';
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
  /** Base URL clients use to reach the gateway, for the WSDL's soap:address. Derived from the Host header when absent. */
  readonly publicUrl: string | undefined;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimit: number;
  /** Size of the pincode RSA key created on first start. */
  readonly rsaBits: number;
  readonly tls: TlsFiles | undefined;
  readonly logLevel: string;
  /** Load the demo users and registry when the store has no users. */
  readonly demoData: boolean;
  /** Gateway processes sharing the port and the store (node:cluster); 1 = no cluster. */
  readonly workers: number;
  /** Shape limits every request is held to right after parsing (Apache CXF's defaults). */
  readonly xmlLimits: XmlLimits;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  port: 8080,
  dataDir: './data',
  bodyLimit: 1024 * 1024,
  rsaBits: 1024,
  logLevel: 'info',
} as const;

/** A setting that cannot be used as given: the gateway refuses to start. */
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
    workers: intFrom(env, 'SAC_WORKERS', 1, 1, 64),
    xmlLimits: xmlLimitsFrom(env),
  };
}
