/** The sandbox's rows (migration 7) and the port's objects they stand for. */
import type { FaultInjection, InjectedOutcome } from '../sandboxPort.js';

export interface FaultRow {
  readonly username: string;
  readonly outcome: InjectedOutcome;
  readonly operation: string | null;
  readonly remaining: number;
  readonly total: number;
  readonly retry_after_s: number | null;
  readonly delay_ms: number | null;
  readonly tipo_errore: string | null;
  readonly set_at: number;
}

export interface ShiftRow {
  readonly offset_ms: number;
  readonly set_at: number;
}

export function faultFromRow(row: FaultRow): FaultInjection {
  return {
    outcome: row.outcome,
    operation: row.operation,
    remaining: row.remaining,
    total: row.total,
    retryAfterS: row.retry_after_s,
    delayMs: row.delay_ms,
    tipoErrore: row.tipo_errore,
    setAt: row.set_at,
  };
}
