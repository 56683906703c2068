/**
 * The sandbox's stored state: the request inspector and conformance report
 * (below), and each user's settings (SandboxStore, src/store/sandboxPort.ts).
 */
import type { SandboxStore } from '../sandboxPort.js';

/**
 * The sandbox's request inspector and conformance report (src/sandbox/,
 * migration 8): what one user's authenticated requests looked like and what
 * the gateway made of them. Only written when the sandbox is on (synthetic
 * data); the pincode and the Authorization header are masked before they
 * reach the store.
 */
export interface SandboxExchange {
  /** xs:dateTime with the Europe/Rome offset, when the answer left. */
  readonly at: string;
  readonly username: string;
  /** The operation, or 'sconosciuta' when the request never named one the gateway knows. */
  readonly operation: string;
  readonly status: number;
  /** 'ricevutaOk', 'ricevutaNonOk' or 'fault'. */
  readonly outcome: 'ricevutaOk' | 'ricevutaNonOk' | 'fault';
  /** tipoErrore codes answered, or the fault's catalog key. */
  readonly codes: readonly string[];
  /** Conformance warning codes (src/sandbox/conformance.ts). */
  readonly warnings: readonly string[];
  readonly durationMs: number;
  /** Request headers, Authorization masked; bounded in count and length. */
  readonly requestHeaders: Readonly<Record<string, string>>;
  /** Masked (pincode, passwords) and cut to the configured size. */
  readonly requestBody: string;
  readonly requestTruncated: boolean;
  readonly responseBody: string;
  readonly responseTruncated: boolean;
}

/** One line of a user's conformance report: how often something was seen, first and last time. */
export interface ConformanceCount {
  readonly category: 'operazione' | 'diagnostica' | 'avviso';
  /** The operation name, the tipoErrore code (or fault key), or the warning code. */
  readonly key: string;
  /** For an operation: 'ricevutaOk', 'ricevutaNonOk' or 'fault'; '' otherwise. */
  readonly outcome: string;
  readonly count: number;
  readonly firstAt: string;
  readonly lastAt: string;
}

export interface SandboxInspectStore {
  /** Store one exchange (keeping only the user's newest `keep`) and count it in the user's report, in one write. */
  recordSandboxExchange(exchange: SandboxExchange, keep: number): Promise<void>;
  /** The user's stored exchanges, newest first. */
  readSandboxExchanges(username: string): Promise<SandboxExchange[]>;
  readConformance(username: string): Promise<ConformanceCount[]>;
  /** Forget the user's report ('conformita') or stored exchanges ('richieste'). */
  resetSandbox(username: string, what: 'conformita' | 'richieste'): Promise<void>;
}

export type { SandboxStore };
