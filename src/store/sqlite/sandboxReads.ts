/**
 * Reads of the sandbox's inspector and conformance report (migration 8),
 * prepared on first use: a gateway without the sandbox prepares nothing.
 */
import type Database from 'better-sqlite3';
import type { ConformanceCount, SandboxExchange } from '../port.js';

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
  request_truncated: number;
  response_body: string;
  response_truncated: number;
}

interface ConformanceRow {
  category: string;
  key: string;
  outcome: string;
  count: number;
  first_at: string;
  last_at: string;
}

export class SandboxReads {
  private stmt: { exchanges: Database.Statement<[string], ExchangeRow>; conformance: Database.Statement<[string], ConformanceRow> } | undefined;

  constructor(private readonly db: Database.Database) {}

  private prepared() {
    return (this.stmt ??= {
      exchanges: this.db.prepare<[string], ExchangeRow>('SELECT * FROM sandbox_exchange WHERE username = ? ORDER BY id DESC'),
      conformance: this.db.prepare<[string], ConformanceRow>(
        'SELECT category, key, outcome, count, first_at, last_at FROM sandbox_conformance WHERE username = ? ORDER BY category, key, outcome',
      ),
    });
  }

  exchanges(username: string): SandboxExchange[] {
    return this.prepared().exchanges.all(username).map((r) => ({
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
      requestTruncated: r.request_truncated === 1,
      responseBody: r.response_body,
      responseTruncated: r.response_truncated === 1,
    }));
  }

  conformance(username: string): ConformanceCount[] {
    return this.prepared().conformance.all(username).map((r) => ({
      category: r.category as ConformanceCount['category'],
      key: r.key,
      outcome: r.outcome,
      count: r.count,
      firstAt: r.first_at,
      lastAt: r.last_at,
    }));
  }
}
