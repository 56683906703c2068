/**
 * Who employs whom in the SQLite store (migration 9): the look-ups, read on
 * the calling thread, and the one write, made by the single writer
 * (writes.ts) in its group transaction.
 */
import type Database from 'better-sqlite3';
import type { Employment } from '../port.js';
import { employmentFromRow, type EmploymentRow } from './rows.js';

/** Shares a day with [@from, @to], both inclusive; an employment without an end lasts. */
const OVERLAPS = 'data_inizio <= @to AND (data_fine IS NULL OR data_fine >= @from)';

export class EmploymentReads {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      // The primary key (lavoratore_cf, datore_cf, data_inizio) finds them.
      byWorker: db.prepare<{ cf: string; from: string; to: string }, EmploymentRow>(
        `SELECT * FROM rapporti_lavoro WHERE lavoratore_cf = @cf AND ${OVERLAPS} ORDER BY data_inizio, datore_cf`,
      ),
      // rapporti_by_datore.
      byEmployer: db.prepare<{ cf: string; from: string; to: string }, EmploymentRow>(
        `SELECT * FROM rapporti_lavoro WHERE datore_cf = @cf AND ${OVERLAPS} ORDER BY lavoratore_cf, data_inizio`,
      ),
      employs: db
        .prepare<{ employer: string; worker: string; from: string; to: string }, number>(
          `SELECT 1 FROM rapporti_lavoro WHERE lavoratore_cf = @worker AND datore_cf = @employer AND ${OVERLAPS} LIMIT 1`,
        )
        .pluck(),
      count: db.prepare<[], number>('SELECT count(*) FROM rapporti_lavoro').pluck(),
    };
  }

  employersOf(workerCf: string, from: string, to: string): Employment[] {
    return this.stmt.byWorker.all({ cf: workerCf, from, to }).map(employmentFromRow);
  }

  workersOf(employerCf: string, from: string, to: string): Employment[] {
    return this.stmt.byEmployer.all({ cf: employerCf, from, to }).map(employmentFromRow);
  }

  employs(employerCf: string, workerCf: string, from: string, to: string): boolean {
    return this.stmt.employs.get({ employer: employerCf, worker: workerCf, from, to }) !== undefined;
  }

  count(): number {
    return this.stmt.count.get()!;
  }
}

/** Upsert: the same worker, employer and first day is the same employment (its end, names and codes are replaced). */
export function prepareEmploymentWrite(db: Database.Database): (employments: readonly Employment[]) => number {
  const put = db.prepare(
    `INSERT INTO rapporti_lavoro (lavoratore_cf, datore_cf, data_inizio, data_fine, ragione_sociale, matricola_inps, cod_sede)
     VALUES (@workerCf, @employerCf, @from, @to, @ragioneSociale, @matricolaInps, @codSede)
     ON CONFLICT (lavoratore_cf, datore_cf, data_inizio) DO UPDATE SET data_fine = excluded.data_fine,
       ragione_sociale = excluded.ragione_sociale, matricola_inps = excluded.matricola_inps, cod_sede = excluded.cod_sede`,
  );
  // A savepoint of its own: a failing row takes back only this batch, never the writes committed with it.
  return db.transaction((employments: readonly Employment[]) => {
    for (const e of employments) {
      put.run({
        workerCf: e.workerCf,
        employerCf: e.employerCf,
        from: e.from,
        to: e.to,
        ragioneSociale: e.ragioneSociale,
        matricolaInps: e.matricolaInps,
        codSede: e.codSede,
      });
    }
    return employments.length;
  });
}
