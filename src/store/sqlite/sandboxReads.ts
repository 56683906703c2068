/**
 * Reads of the sandbox's inspector and conformance report (migration 8),
 * prepared on first use: a gateway without the sandbox prepares nothing.
 */
import type Database from 'better-sqlite3';
import type { ConformanceCount, SandboxExchange } from '../port.js';
import { exchangeFromRow, type ExchangeRow } from './sandboxRows.js';


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
    return this.prepared().exchanges.all(username).map(exchangeFromRow);
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
