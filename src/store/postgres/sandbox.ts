/**
 * The sandbox's tables in PostgreSQL: each user's settings (time travel,
 * fault injection: sandboxPort.ts) and the request inspector and
 * conformance report. settings() is synchronous: every user's settings are
 * held in memory (one row each at most: bounded by the users), re-read
 * whole when sandbox_epoch moves (any node's change bumps it); the epoch is
 * polled every SANDBOX_EPOCH_MAX_AGE_MS once follow() or settings() was
 * first called (the sandbox is on), never otherwise. follow(), which the
 * gateway awaits before serving, settles after the first read: without it a
 * process's first settings() would answer "nothing set" for a setting
 * another process made. An injected answer is taken with one
 * UPDATE ... RETURNING, so two nodes never take the same one.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type pg from 'pg';
import type { ConformanceCount, SandboxExchange } from '../port.js';
import {
  NO_SANDBOX_SETTINGS,
  SANDBOX_EPOCH_MAX_AGE_MS,
  type ClockShift,
  type FaultInjection,
  type SandboxSettings,
} from '../sandboxPort.js';
import type { SandboxStore } from '../sandboxPort.js';
import { exchangeFromRow, faultFromRow, type ExchangeRow, type FaultColumns } from '../sqlite/sandboxRows.js';
import { inTransaction, read, type TransactionCounter } from './transactions.js';

type FaultRow = FaultColumns & { readonly set_at: string };

export class PgSandboxStore implements SandboxStore {
  private all = new Map<string, SandboxSettings>();
  private epochSeen = '';
  private poller: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly pool: pg.Pool,
    private readonly writes: TransactionCounter,
  ) {}

  /**
   * Starts the epoch's polling; settles once every setting was read: the
   * polling's first read, under way (no epoch seen yet, so it reads them
   * all), or, when the polling had already started, a read of the epoch.
   */
  follow(): Promise<void> {
    this.startPolling();
    return this.refresh();
  }

  /** From memory, no query; a first call before follow() starts the polling (and a first read). */
  settings(username: string): SandboxSettings {
    if (this.poller === undefined) this.startPolling();
    return this.all.get(username) ?? NO_SANDBOX_SETTINGS;
  }

  private startPolling(): void {
    if (this.poller !== undefined || this.stopped) return;
    this.poller = setInterval(() => void this.refresh(), SANDBOX_EPOCH_MAX_AGE_MS);
    this.poller.unref();
    void this.refresh();
  }

  /** Re-reads every setting when the epoch moved (or `force`); one at a time; a failure waits for the next tick. */
  refresh(force = false): Promise<void> {
    if (this.refreshing) return force ? this.refreshing.then(() => this.refresh(true)) : this.refreshing;
    this.refreshing = (async () => {
      try {
        const [row] = await read<{ epoch: string }>(this.pool, 'SELECT epoch FROM sandbox_epoch WHERE id = 1');
        if (!force && row!.epoch === this.epochSeen) return;
        const shifts = await read<{ username: string; offset_ms: string; set_at: string }>(this.pool, 'SELECT username, offset_ms, set_at FROM sandbox_clock');
        const faults = await read<FaultRow & { username: string }>(this.pool, 'SELECT * FROM sandbox_faults');
        const next = new Map<string, { shift: ClockShift | undefined; fault: FaultInjection | undefined }>();
        for (const s of shifts) next.set(s.username, { shift: { offsetMs: Number(s.offset_ms), setAt: Number(s.set_at) }, fault: undefined });
        for (const f of faults) next.set(f.username, { shift: next.get(f.username)?.shift, fault: faultFromRow(f) });
        this.all = next;
        this.epochSeen = row!.epoch;
      } catch {
        // The store unreachable: the settings kept are served; the next tick tries again.
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  /** Stops the polling (the store is closing). */
  stop(): void {
    this.stopped = true;
    if (this.poller !== undefined) clearInterval(this.poller);
    this.poller = undefined;
  }

  /** This node's own change is seen at once; the others' within their epoch read, which the caller waits out (as SQLite's). */
  private async settled(): Promise<void> {
    await this.refresh(true);
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
    await this.settled();
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
    await this.settled();
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
    if (row !== undefined) void this.refresh(true);
    return row === undefined ? undefined : { ...faultFromRow(row), remaining: row.remaining + 1 };
  }
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
    return rows.map(exchangeFromRow);
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
