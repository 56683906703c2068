/**
 * Every write of the store, as synchronous steps on one connection. They run
 * inside a group transaction (groupCommit.ts) wherever the single writer
 * lives: a worker thread, or the cluster's primary process.
 */
import type Database from 'better-sqlite3';
import {
  DuplicateKeyError,
  type CancelOutcome,
  type CancelRicoveroOutcome,
  type CertificateRecord,
  type ClaimConflict,
  type DischargeOutcome,
  type EarlierReceipt,
  type IdempotencyClaim,
  type JournalAction,
  type JournalEntry,
  type JournalStamp,
  type JournalSubjectKind,
  type RectifyOutcome,
  type RicoveroRecord,
  type SandboxExchange,
  type Employment,
} from '../port.js';
import { abortBatch } from './groupCommit.js';
import { prepareEmploymentWrite } from './employments.js';
import { ClaimIndex } from './idempotency.js';
import { certificateParams, isUniqueViolation, ricoveroParams } from './rows.js';
import { SandboxWrites, type SandboxWrite } from './sandboxWrites.js';

/**
 * A write as a message: what crosses to the writer thread or process. Each
 * change carries the journal stamp of the request that makes it (`by`). A
 * new certificate or admission is its own creation entry (the row holds who,
 * when and from which address: migration 3). Other entries are derived here
 * from the change and written right after it in the same group transaction,
 * so a change and its entries are stored together or not at all: the change
 * comes first (a refused change throws or returns before any entry is
 * written), and an entry that cannot be written aborts the whole group
 * transaction (abortsBatch), taking the change back. No savepoint per write:
 * with the entry it measured ~18% of InviaMalattia's cluster throughput, and a
 * journal insert only fails when the database itself does (disk full, I/O
 * error), which dooms the batch anyway.
 */
export type WriteOp =
  | { readonly op: 'insertCertificate'; readonly record: CertificateRecord; readonly by: JournalStamp; readonly claim?: IdempotencyClaim }
  | { readonly op: 'cancelCertificate'; readonly id: string; readonly idAnnullamento: string; readonly at: string; readonly by: JournalStamp }
  | { readonly op: 'rectifyCertificate'; readonly originalId: string; readonly record: CertificateRecord; readonly by: JournalStamp }
  | { readonly op: 'insertRicovero'; readonly record: RicoveroRecord; readonly by: JournalStamp; readonly claim?: IdempotencyClaim }
  | { readonly op: 'cancelRicovero'; readonly id: string; readonly idAnnullamento: string; readonly at: string; readonly by: JournalStamp }
  | { readonly op: 'insertDischarge'; readonly record: CertificateRecord; readonly by: JournalStamp; readonly claim?: IdempotencyClaim }
  | { readonly op: 'appendJournal'; readonly entries: readonly JournalEntry[] }
  // The sandbox's inspector and conformance report (migration 8): only sent when the sandbox is on.
  | { readonly op: 'sandboxExchange'; readonly exchange: SandboxExchange; readonly keep: number }
  | { readonly op: 'sandboxReset'; readonly username: string; readonly what: 'conformita' | 'richieste' }
  // Not a write: the writer holds the claim index (idempotency.ts), so the look-up goes where it is.
  | { readonly op: 'findClaim'; readonly claim: IdempotencyClaim }
  // The sandbox's settings (sandboxWrites.ts).
  | { readonly op: 'sandbox'; readonly write: SandboxWrite }
  // Who employs whom (migration 9): one batch of an import, or the demo's.
  | { readonly op: 'putEmployments'; readonly employments: readonly Employment[] };

export class SqliteWrites {
  private readonly stmt;
  private sandboxStmt: ReturnType<typeof prepareSandbox> | undefined;
  private putEmploymentsStmt: ReturnType<typeof prepareEmploymentWrite> | undefined;
  /** The claim index: the group committer tells it how each transaction ended. */
  readonly claims: ClaimIndex;
  private readonly sandbox: SandboxWrites;

  constructor(private readonly db: Database.Database) {
    this.claims = new ClaimIndex(db);
    this.sandbox = new SandboxWrites(db);
    this.stmt = {
      journal: db.prepare<[string, string, string, string, string, string, string, string | null]>(
        `INSERT INTO access_journal (at, username, client_address, operation, action, subject_kind, subject_id, detail)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      insertCertificate: db.prepare(
        `INSERT INTO certificati (id_certificato, kind, medico_cf, lavoratore_cf, data_ricezione, sent_by, state,
           data_rilascio, data_inizio, data_fine, document, rettifica_di, id_inizio_ricovero, client_address, paper_window)
         VALUES (@id_certificato, @kind, @medico_cf, @lavoratore_cf, @data_ricezione, @sent_by, @state,
           @data_rilascio, @data_inizio, @data_fine, @document, @rettifica_di, @id_inizio_ricovero, @client_address, @paper_window)`,
      ),
      cancelCertificate: db.prepare<[string, string, string]>(
        `UPDATE certificati SET state = 'annullato', id_annullamento = ?, data_annullamento = ?
         WHERE id_certificato = ? AND state = 'attivo'`,
      ),
      markRectified: db.prepare<[string]>(
        `UPDATE certificati SET state = 'rettificato' WHERE id_certificato = ? AND state = 'attivo'`,
      ),
      insertRicovero: db.prepare(
        `INSERT INTO ricoveri (id_inizio_ricovero, lavoratore_cf, operatore_cf, codice_regione, codice_asl, codice_struttura,
           sent_by, data_ricezione, data_ricovero, state, document, client_address)
         VALUES (@id_inizio_ricovero, @lavoratore_cf, @operatore_cf, @codice_regione, @codice_asl, @codice_struttura,
           @sent_by, @data_ricezione, @data_ricovero, @state, @document, @client_address)`,
      ),
      ricoveroState: db.prepare<[string], { state: string }>('SELECT state FROM ricoveri WHERE id_inizio_ricovero = ?'),
      cancelRicovero: db.prepare<[string, string, string]>(
        `UPDATE ricoveri SET state = 'annullato', id_annullamento = ?, data_annullamento = ?
         WHERE id_inizio_ricovero = ? AND state = 'attivo'`,
      ),
      activeDischarge: db.prepare<[string], { id_certificato: string }>(
        // Only the newest link of a rectification chain is 'attivo'; a rectified original no longer counts.
        `SELECT id_certificato FROM certificati
         WHERE id_inizio_ricovero = ? AND kind = 'dimissione' AND state = 'attivo' LIMIT 1`,
      ),
    };
  }

  execute(write: WriteOp): unknown {
    switch (write.op) {
      case 'insertCertificate': {
        return this.underClaim(write.claim, 'certificato', write.record.idCertificato, () => this.insertCertificate(write.record, write.by));
      }
      case 'cancelCertificate': {
        const outcome = this.cancelCertificate(write.id, write.idAnnullamento, write.at);
        if (outcome === 'ok') this.journal(write.by, 'annullamento', 'certificato', write.id);
        return outcome;
      }
      case 'rectifyCertificate': {
        const outcome = this.rectifyCertificate(write.originalId, write.record, write.by);
        if (outcome === 'ok') this.journal(write.by, 'rettifica', 'certificato', write.originalId);
        return outcome;
      }
      case 'insertRicovero': {
        return this.underClaim(write.claim, 'ricovero', write.record.idInizioRicovero, () => this.insertRicovero(write.record, write.by));
      }
      case 'cancelRicovero': {
        const outcome = this.cancelRicovero(write.id, write.idAnnullamento, write.at);
        if (outcome === 'ok') this.journal(write.by, 'annullamento', 'ricovero', write.id);
        return outcome;
      }
      case 'insertDischarge': {
        // The claim comes before the admission's checks: a resent discharge answers its first receipt, not "already sent".
        return this.underClaim(
          write.claim,
          'certificato',
          write.record.idCertificato,
          () => {
            const outcome = this.insertDischarge(write.record, write.by);
            if (outcome === 'ok') this.journal(write.by, 'dimissione', 'ricovero', write.record.idInizioRicovero!);
            return outcome;
          },
          (outcome) => outcome === 'ok',
        );
      }
      case 'appendJournal':
        for (const e of write.entries) this.journal(e, e.action, e.subjectKind, e.subjectId, e.detail);
        return undefined;
      case 'findClaim':
        return this.claims.find(write.claim);
      case 'sandboxExchange':
        this.sandboxExchange(write.exchange, write.keep);
        return undefined;
      case 'sandboxReset': {
        const stmt = (this.sandboxStmt ??= prepareSandbox(this.db));
        (write.what === 'conformita' ? stmt.resetConformance : stmt.resetExchanges).run(write.username);
        return undefined;
      }
      case 'sandbox':
        return this.sandbox.execute(write.write);
      case 'putEmployments':
        // Prepared on first use: a gateway that never imports prepares nothing.
        return (this.putEmploymentsStmt ??= prepareEmploymentWrite(this.db))(write.employments);
    }
  }

  /**
   * One exchange and its report counts in a savepoint of their own: a failure
   * takes back only this write, never the certificates committed with it.
   * Prepared on first use, so a gateway without the sandbox prepares nothing.
   */
  private sandboxExchange(e: SandboxExchange, keep: number): void {
    const stmt = (this.sandboxStmt ??= prepareSandbox(this.db));
    this.db.transaction(() => {
      stmt.insertExchange.run(
        e.username, e.at, e.operation, e.status, e.outcome, JSON.stringify(e.codes), JSON.stringify(e.warnings), e.durationMs,
        JSON.stringify(e.requestHeaders), e.requestBody, e.requestTruncated ? 1 : 0, e.responseBody, e.responseTruncated ? 1 : 0,
      );
      stmt.trimExchanges.run(e.username, e.username, Math.max(0, keep));
      stmt.count.run(e.username, 'operazione', e.operation, e.outcome, e.at, e.at);
      for (const code of new Set(e.codes)) stmt.count.run(e.username, 'diagnostica', code, '', e.at, e.at);
      for (const code of new Set(e.warnings)) stmt.count.run(e.username, 'avviso', code, '', e.at, e.at);
    })();
  }

  /**
   * A creation under an idempotency claim (or none): the earlier receipt if
   * the claim meets a live one, else the creation, whose claim is recorded
   * when it succeeded, in the same transaction.
   */
  private underClaim<T>(
    claim: IdempotencyClaim | undefined,
    subjectKind: EarlierReceipt['subjectKind'],
    subjectId: string,
    create: () => T,
    succeeded: (outcome: T) => boolean = () => true,
  ): T | ClaimConflict {
    const checked = claim && this.claims.check(claim);
    if (checked && 'conflict' in checked) return checked.conflict;
    const outcome = create();
    if (claim && succeeded(outcome)) this.claims.record(claim, checked ? checked.stale : [], subjectKind, subjectId);
    return outcome;
  }

  /** One entry; if it cannot be written, the whole group transaction is rolled back (see abortsBatch). */
  private journal(by: JournalStamp, action: JournalAction, kind: JournalSubjectKind, id: string, detail?: string | null): void {
    try {
      this.stmt.journal.run(by.at, by.username, by.clientAddress, by.operation, action, kind, id, detail ?? null);
    } catch (err) {
      throw abortBatch(err);
    }
  }

  private run(statement: () => unknown, what: string): void {
    try {
      statement();
    } catch (err) {
      if (isUniqueViolation(err)) throw new DuplicateKeyError(`${what} already used`);
      throw err;
    }
  }

  /** The row is the certificate's creation entry: it keeps the sender's address too. */
  insertCertificate(record: CertificateRecord, by: JournalStamp): void {
    this.run(() => this.stmt.insertCertificate.run({ ...certificateParams(record), client_address: by.clientAddress }), 'idCertificato');
  }

  cancelCertificate(id: string, idAnnullamento: string, at: string): CancelOutcome {
    let changed = 0;
    this.run(() => (changed = this.stmt.cancelCertificate.run(idAnnullamento, at, id).changes), 'idAnnullamento');
    return changed === 1 ? 'ok' : 'not_active';
  }

  rectifyCertificate(originalId: string, record: CertificateRecord, by: JournalStamp): RectifyOutcome {
    // Two statements in one savepoint: a failed insert takes the state change back with it.
    return this.db.transaction((): RectifyOutcome => {
      if (this.stmt.markRectified.run(originalId).changes !== 1) return 'not_active';
      this.insertCertificate(record, by);
      return 'ok';
    })();
  }

  /** The row is the admission's creation entry: it keeps the sender's address too. */
  insertRicovero(record: RicoveroRecord, by: JournalStamp): void {
    this.run(() => this.stmt.insertRicovero.run({ ...ricoveroParams(record), client_address: by.clientAddress }), 'idInizioRicovero');
  }

  cancelRicovero(id: string, idAnnullamento: string, at: string): CancelRicoveroOutcome {
    if (this.stmt.activeDischarge.get(id)) return 'has_discharge';
    let changed = 0;
    this.run(() => (changed = this.stmt.cancelRicovero.run(idAnnullamento, at, id).changes), 'idAnnullamento');
    return changed === 1 ? 'ok' : 'not_active';
  }

  insertDischarge(record: CertificateRecord, by: JournalStamp): DischargeOutcome {
    const admission = record.idInizioRicovero;
    if (!admission) throw new Error('a discharge certificate refers to an admission');
    if (this.stmt.ricoveroState.get(admission)?.state !== 'attivo') return 'ricovero_not_active';
    if (this.stmt.activeDischarge.get(admission)) return 'discharge_exists';
    this.insertCertificate(record, by);
    return 'ok';
  }
}

function prepareSandbox(db: Database.Database) {
  return {
    insertExchange: db.prepare<[string, string, string, number, string, string, string, number, string, string, number, string, number]>(
      `INSERT INTO sandbox_exchange (username, at, operation, status, outcome, codes, warnings, duration_ms,
         request_headers, request_body, request_truncated, response_body, response_truncated)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    // The user's rows older than their newest `keep` (the index on (username, id) finds them).
    trimExchanges: db.prepare<[string, string, number]>(
      `DELETE FROM sandbox_exchange WHERE username = ? AND id <= (
         SELECT id FROM sandbox_exchange WHERE username = ? ORDER BY id DESC LIMIT 1 OFFSET ?)`,
    ),
    count: db.prepare<[string, string, string, string, string, string]>(
      `INSERT INTO sandbox_conformance (username, category, key, outcome, count, first_at, last_at)
       VALUES (?, ?, ?, ?, 1, ?, ?)
       ON CONFLICT (username, category, key, outcome) DO UPDATE SET count = count + 1, last_at = excluded.last_at`,
    ),
    resetConformance: db.prepare<[string]>('DELETE FROM sandbox_conformance WHERE username = ?'),
    resetExchanges: db.prepare<[string]>('DELETE FROM sandbox_exchange WHERE username = ?'),
  };
}
