/** The sandbox's rows (migrations 7 and 8) and the port's objects they stand for (the PostgreSQL adapter has the same columns and uses them too). */
import type { SandboxExchange } from '../port.js';
import type { FaultInjection, InjectedOutcome } from '../sandboxPort.js';

/** A fault's columns; set_at is a number in SQLite, a bigint's text in PostgreSQL. */
export interface FaultColumns {
  readonly outcome: InjectedOutcome;
  readonly operation: string | null;
  readonly remaining: number;
  readonly total: number;
  readonly retry_after_s: number | null;
  readonly delay_ms: number | null;
  readonly tipo_errore: string | null;
  readonly set_at: number | string;
}

export interface FaultRow extends FaultColumns {
  readonly username: string;
  readonly set_at: number;
}

export interface ShiftRow {
  readonly offset_ms: number;
  readonly set_at: number;
}

export function faultFromRow(row: FaultColumns): FaultInjection {
  return {
    outcome: row.outcome,
    operation: row.operation,
    remaining: row.remaining,
    total: row.total,
    retryAfterS: row.retry_after_s,
    delayMs: row.delay_ms,
    tipoErrore: row.tipo_errore,
    setAt: Number(row.set_at),
  };
}

/** An exchange of the request inspector; the truncation flags are 0/1 in SQLite, booleans in PostgreSQL. */
export interface ExchangeRow {
  username: string;
  at: string;
  operation: string;
  status: number;
  outcome: string;
  codes: string;
  warnings: string;
  duration_ms: number;
  request_headers: string;
  request_body: string;
  request_truncated: number | boolean;
  response_body: string;
  response_truncated: number | boolean;
}

export function exchangeFromRow(r: ExchangeRow): SandboxExchange {
  return {
    at: r.at,
    username: r.username,
    operation: r.operation,
    status: r.status,
    outcome: r.outcome as SandboxExchange['outcome'],
    codes: JSON.parse(r.codes) as string[],
    warnings: JSON.parse(r.warnings) as string[],
    durationMs: r.duration_ms,
    requestHeaders: JSON.parse(r.request_headers) as Record<string, string>,
    requestBody: r.request_body,
    requestTruncated: Boolean(r.request_truncated),
    responseBody: r.response_body,
    responseTruncated: Boolean(r.response_truncated),
  };
}
