/**
 * The sandbox's tables in PostgreSQL: each user's settings (time travel,
 * fault injection: sandboxPort.ts, asynchronous here) and the request
 * inspector and conformance report. Settings are cached per node and
 * dropped when sandbox_epoch moves (any node's change bumps it), re-read at
 * most every SANDBOX_EPOCH_MAX_AGE_MS; an injected answer is taken with one
 * UPDATE ... RETURNING, so two nodes never take the same one.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import type { ConformanceCount, SandboxExchange } from '../port.js';
import {
  NO_SANDBOX_SETTINGS,
  SANDBOX_EPOCH_MAX_AGE_MS,
  type ClockShift,
  type FaultInjection,
  type InjectedOutcome,
  type SandboxSettings,
} from '../sandboxPort.js';
import type { AsyncSandboxStore } from './asyncPorts.js';
import { inTransaction, read, type TransactionCounter } from './transactions.js';

interface FaultRow {
  outcome: InjectedOutcome;
  operation: string | null;
  remaining: number;
  total: number;
  retry_after_s: number | null;
  delay_ms: number | null;
  tipo_errore: string | null;
  set_at: string;
}

function faultFromRow(row: FaultRow): FaultInjection {
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

export class PgSandboxStore implements AsyncSandboxStore {
  private readonly cache = new LRUCache<string, SandboxSettings>({ max: 10_000, ttl: 60_000 });
  private epochSeen = '';
  private epochReadAt = -Infinity;

  constructor(
    private readonly pool: pg.Pool,
    private readonly writes: TransactionCounter,
  ) {}

  async settings(username: string): Promise<SandboxSettings> {
    const now = performance.now();
    if (now - this.epochReadAt >= SANDBOX_EPOCH_MAX_AGE_MS) {
      const [row] = await read<{ epoch: string }>(this.pool, 'SELECT epoch FROM sandbox_epoch WHERE id = 1');
      this.epochReadAt = now;
      if (row!.epoch !== this.epochSeen) {
        this.cache.clear();
        this.epochSeen = row!.epoch;
      }
    }
    const cached = this.cache.get(username);
    if (cached !== undefined) return cached;
    const [shift] = await read<{ offset_ms: string; set_at: string }>(this.pool, 'SELECT offset_ms, set_at FROM sandbox_clock WHERE username = $1', [username]);
    const [fault] = await read<FaultRow>(this.pool, 'SELECT * FROM sandbox_faults WHERE username = $1', [username]);
    const settings: SandboxSettings =
      shift === undefined && fault === undefined
        ? NO_SANDBOX_SETTINGS
        : {
            shift: shift === undefined ? undefined : { offsetMs: Number(shift.offset_ms), setAt: Number(shift.set_at) },
            fault: fault === undefined ? undefined : faultFromRow(fault),
          };
    this.cache.set(username, settings);
    return settings;
  }

  /** This node's own change is seen at once; the others' within their epoch read, which the caller waits out (as SQLite's). */
  private async settled(username: string): Promise<void> {
    this.cache.delete(username);
    this.epochReadAt = -Infinity;
    await delay(2 * SANDBOX_EPOCH_MAX_AGE_MS);
  }

  async setShift(username: string, shift: ClockShift | undefined): Promise<void> {
    await inTransaction(
      this.pool,
      (client) =>
        shift === undefined
          ? client.query('DELETE FROM sandbox_clock WHERE username = $1', [username])
          : client.query(
              `INSERT INTO sandbox_clock (username, offset_ms, set_at) VALUES ($1, $2, $3)
               ON CONFLICT (username) DO UPDATE SET offset_ms = excluded.offset_ms, set_at = excluded.set_at`,
              [username, shift.offsetMs, shift.setAt],
            ),
      this.writes,
    );
    await this.settled(username);
  }

  async setFault(username: string, fault: FaultInjection | undefined): Promise<void> {
    await inTransaction(
      this.pool,
      (client) =>
        fault === undefined
          ? client.query('DELETE FROM sandbox_faults WHERE username = $1', [username])
          : client.query(
              `INSERT INTO sandbox_faults (username, outcome, operation, remaining, total, retry_after_s, delay_ms, tipo_errore, set_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
               ON CONFLICT (username) DO UPDATE SET outcome = excluded.outcome, operation = excluded.operation,
                 remaining = excluded.remaining, total = excluded.total, retry_after_s = excluded.retry_after_s,
                 delay_ms = excluded.delay_ms, tipo_errore = excluded.tipo_errore, set_at = excluded.set_at`,
              [username, fault.outcome, fault.operation, fault.remaining, fault.total, fault.retryAfterS, fault.delayMs, fault.tipoErrore, fault.setAt],
            ),
      this.writes,
    );
    await this.settled(username);
  }

  async takeFault(username: string, operation: string): Promise<FaultInjection | undefined> {
    const [row] = await inTransaction(
      this.pool,
      async (client) =>
        (
          await client.query<FaultRow>(
            // RETURNING gives the row after the update: remaining + 1 is what there was before.
            `UPDATE sandbox_faults SET remaining = remaining - 1
             WHERE username = $1 AND remaining > 0 AND (operation IS NULL OR operation = $2)
             RETURNING *`,
            [username, operation],
          )
        ).rows,
      this.writes,
    );
    this.cache.delete(username);
    this.epochReadAt = -Infinity;
    return row === undefined ? undefined : { ...faultFromRow(row), remaining: row.remaining + 1 };
  }
}

interface ExchangeRow {
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
  request_truncated: boolean;
  response_body: string;
  response_truncated: boolean;
}

/** The request inspector and conformance report (SQLite's migration 8). */
export class PgSandboxInspect {
  constructor(
    private readonly pool: pg.Pool,
    private readonly writes: TransactionCounter,
  ) {}

  /** One exchange, the user's older ones beyond `keep` deleted, and its report counts: one transaction. */
  async record(e: SandboxExchange, keep: number): Promise<void> {
    await inTransaction(
      this.pool,
      async (client) => {
        await client.query(
          `INSERT INTO sandbox_exchange (username, at, operation, status, outcome, codes, warnings, duration_ms,
             request_headers, request_body, request_truncated, response_body, response_truncated)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
          [e.username, e.at, e.operation, e.status, e.outcome, JSON.stringify(e.codes), JSON.stringify(e.warnings), e.durationMs,
            JSON.stringify(e.requestHeaders), e.requestBody, e.requestTruncated, e.responseBody, e.responseTruncated],
        );
        await client.query(
          `DELETE FROM sandbox_exchange WHERE username = $1 AND id <= (
             SELECT id FROM sandbox_exchange WHERE username = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)`,
          [e.username, Math.max(0, keep)],
        );
        const counts: Array<[string, string, string]> = [['operazione', e.operation, e.outcome]];
        for (const code of new Set(e.codes)) counts.push(['diagnostica', code, '']);
        for (const code of new Set(e.warnings)) counts.push(['avviso', code, '']);
        await client.query(
          `INSERT INTO sandbox_conformance (username, category, key, outcome, count, first_at, last_at)
           SELECT $1, c, k, o, 1, $5, $5 FROM unnest($2::text[], $3::text[], $4::text[]) AS t(c, k, o)
           ON CONFLICT (username, category, key, outcome) DO UPDATE SET count = sandbox_conformance.count + 1, last_at = excluded.last_at`,
          [e.username, counts.map((c) => c[0]), counts.map((c) => c[1]), counts.map((c) => c[2]), e.at],
        );
      },
      this.writes,
    );
  }

  async exchanges(username: string): Promise<SandboxExchange[]> {
    const rows = await read<ExchangeRow>(this.pool, 'SELECT * FROM sandbox_exchange WHERE username = $1 ORDER BY id DESC', [username]);
    return rows.map((r) => ({
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
      requestTruncated: r.request_truncated,
      responseBody: r.response_body,
      responseTruncated: r.response_truncated,
    }));
  }

  async conformance(username: string): Promise<ConformanceCount[]> {
    const rows = await read<{ category: ConformanceCount['category']; key: string; outcome: string; count: string; first_at: string; last_at: string }>(
      this.pool,
      'SELECT category, key, outcome, count, first_at, last_at FROM sandbox_conformance WHERE username = $1 ORDER BY category, key, outcome',
      [username],
    );
    return rows.map((r) => ({ category: r.category, key: r.key, outcome: r.outcome, count: Number(r.count), firstAt: r.first_at, lastAt: r.last_at }));
  }

  async reset(username: string, what: 'conformita' | 'richieste'): Promise<void> {
    await inTransaction(
      this.pool,
      (client) => client.query(what === 'conformita' ? 'DELETE FROM sandbox_conformance WHERE username = $1' : 'DELETE FROM sandbox_exchange WHERE username = $1', [username]),
      this.writes,
    );
  }
}
