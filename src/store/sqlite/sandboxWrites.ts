/**
 * The sandbox's writes, run by the single writer (writes.ts hands them
 * here): settings replaced whole, and an injected answer taken with one
 * UPDATE ... RETURNING, so two workers never take the same one.
 */
import type Database from 'better-sqlite3';
import type { ClockShift, FaultInjection } from '../sandboxPort.js';
import { faultFromRow, type FaultRow } from './sandboxRows.js';

export type SandboxWrite =
  | { readonly kind: 'setShift'; readonly username: string; readonly shift: ClockShift | null }
  | { readonly kind: 'setFault'; readonly username: string; readonly fault: FaultInjection | null }
  | { readonly kind: 'takeFault'; readonly username: string; readonly operation: string };

export class SandboxWrites {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      putShift: db.prepare<[string, number, number]>(
        `INSERT INTO sandbox_clock (username, offset_ms, set_at) VALUES (?, ?, ?)
         ON CONFLICT (username) DO UPDATE SET offset_ms = excluded.offset_ms, set_at = excluded.set_at`,
      ),
      deleteShift: db.prepare<[string]>('DELETE FROM sandbox_clock WHERE username = ?'),
      putFault: db.prepare(
        `INSERT OR REPLACE INTO sandbox_faults (username, outcome, operation, remaining, total, retry_after_s, delay_ms, tipo_errore, set_at)
         VALUES (@username, @outcome, @operation, @remaining, @total, @retry_after_s, @delay_ms, @tipo_errore, @set_at)`,
      ),
      deleteFault: db.prepare<[string]>('DELETE FROM sandbox_faults WHERE username = ?'),
      takeFault: db.prepare<[string, string], FaultRow>(
        // RETURNING gives the row after the update: remaining + 1 is what there was before.
        `UPDATE sandbox_faults SET remaining = remaining - 1
         WHERE username = ? AND remaining > 0 AND (operation IS NULL OR operation = ?)
         RETURNING *`,
      ),
    };
  }

  execute(write: SandboxWrite): unknown {
    switch (write.kind) {
      case 'setShift':
        if (write.shift === null) this.stmt.deleteShift.run(write.username);
        else this.stmt.putShift.run(write.username, write.shift.offsetMs, write.shift.setAt);
        return undefined;
      case 'setFault': {
        const f = write.fault;
        if (f === null) this.stmt.deleteFault.run(write.username);
        else {
          this.stmt.putFault.run({
            username: write.username,
            outcome: f.outcome,
            operation: f.operation,
            remaining: f.remaining,
            total: f.total,
            retry_after_s: f.retryAfterS,
            delay_ms: f.delayMs,
            tipo_errore: f.tipoErrore,
            set_at: f.setAt,
          });
        }
        return undefined;
      }
      case 'takeFault': {
        const row = this.stmt.takeFault.get(write.username, write.operation);
        return row === undefined ? null : { ...faultFromRow(row), remaining: row.remaining + 1 };
      }
    }
  }
}
