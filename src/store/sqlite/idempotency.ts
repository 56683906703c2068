/**
 * Idempotency claims in SQLite (migration 5). The same decision runs on the
 * request thread's connection (a read, for a request that failed its checks)
 * and in the writer, inside the group transaction that creates the record, so
 * two racing twins cannot both create: the writer is single, and the second
 * sees the first's row.
 *
 * A claim is live while it is younger than the window AND what it created is
 * still active: once the sender has cancelled or rectified it (which needs the
 * PUC, so the first answer was received), an identical request is a new one.
 */
import type Database from 'better-sqlite3';
import type { ClaimConflict, EarlierReceipt, IdempotencyClaim } from '../port.js';
import { abortBatch } from './groupCommit.js';

interface ClaimRow {
  id: number;
  request_key: string;
  created_at: number;
  subject_kind: EarlierReceipt['subjectKind'];
  subject_id: string;
  state: string | null;
  data_ricezione: string | null;
  id_inizio_ricovero: string | null;
}

/** A claim with what it created: its state and receipt, read in the same statement. */
const CLAIM_SELECT = `SELECT i.id, i.request_key, i.created_at, i.subject_kind, i.subject_id,
    coalesce(c.state, r.state) AS state, coalesce(c.data_ricezione, r.data_ricezione) AS data_ricezione,
    c.id_inizio_ricovero AS id_inizio_ricovero
  FROM idempotency i
  LEFT JOIN certificati c ON i.subject_kind = 'certificato' AND c.id_certificato = i.subject_id
  LEFT JOIN ricoveri r ON i.subject_kind = 'ricovero' AND r.id_inizio_ricovero = i.subject_id`;

/** Every this many claims recorded, the writer purges up to PURGE_BATCH expired ones: bounded work, amortised 2 per claim. */
const PURGE_EVERY = 32;
const PURGE_BATCH = 64;

/** What a claim meets: a conflict, or stale rows (expired, or of a cancelled record) to replace. */
type Decision = { readonly conflict: ClaimConflict } | { readonly stale: boolean };

function live(row: ClaimRow | undefined, claim: IdempotencyClaim): row is ClaimRow & { data_ricezione: string } {
  return row !== undefined && row.created_at >= claim.notBefore && row.state === 'attivo' && row.data_ricezione !== null;
}

function receiptOf(row: ClaimRow & { data_ricezione: string }): ClaimConflict {
  return {
    replay: { subjectKind: row.subject_kind, id: row.subject_id, dataRicezione: row.data_ricezione, idInizioRicovero: row.id_inizio_ricovero },
  };
}

/**
 * The rule: a live claim with the same MessageID answers its receipt if it was
 * the same request, and is a reuse otherwise; then a live claim of the same
 * request answers its receipt, whatever MessageID either carried (a MessageID
 * makes the key stricter, never looser: a retry with a fresh one is still the
 * same visit).
 */
function decide(claim: IdempotencyClaim, byMessage: ClaimRow | undefined, byRequest: ClaimRow | undefined): Decision {
  if (live(byMessage, claim)) {
    return { conflict: byMessage.request_key === claim.requestKey ? receiptOf(byMessage) : { messageReused: true } };
  }
  if (live(byRequest, claim)) return { conflict: receiptOf(byRequest) };
  return { stale: byMessage !== undefined || byRequest !== undefined };
}

/** Claims read on any connection. */
export class ClaimReader {
  private readonly byRequest;
  private readonly byMessage;

  constructor(db: Database.Database) {
    this.byRequest = db.prepare<[string], ClaimRow>(`${CLAIM_SELECT} WHERE i.request_key = ?`);
    this.byMessage = db.prepare<[string], ClaimRow>(`${CLAIM_SELECT} WHERE i.message_key = ?`);
  }

  protected decide(claim: IdempotencyClaim): Decision {
    const byMessage = claim.messageKey === null ? undefined : this.byMessage.get(claim.messageKey);
    return decide(claim, byMessage, this.byRequest.get(claim.requestKey));
  }

  /** The conflict this claim would meet now, if any. */
  find(claim: IdempotencyClaim): ClaimConflict | undefined {
    const decision = this.decide(claim);
    return 'conflict' in decision ? decision.conflict : undefined;
  }
}

/** Claims as the writer makes them, inside the group transaction of the record they belong to. */
export class ClaimWriter extends ClaimReader {
  private readonly insert;
  private readonly removeStale;
  private readonly purge;
  private recorded = 0;
  /** Set by check() when the claim met stale rows, for the record() that follows it. */
  private staleSeen = false;

  constructor(db: Database.Database) {
    super(db);
    this.insert = db.prepare<[string, string | null, number, string, string]>(
      'INSERT INTO idempotency (request_key, message_key, created_at, subject_kind, subject_id) VALUES (?, ?, ?, ?, ?)',
    );
    this.removeStale = db.prepare<[string, string | null]>('DELETE FROM idempotency WHERE request_key = ? OR message_key = ?');
    this.purge = db.prepare<[number]>(
      `DELETE FROM idempotency WHERE id IN (SELECT id FROM idempotency ORDER BY id LIMIT ${PURGE_BATCH}) AND created_at < ?`,
    );
  }

  /** Before the record is written: the conflict that stops it, if any. */
  check(claim: IdempotencyClaim): ClaimConflict | undefined {
    const decision = this.decide(claim);
    if ('conflict' in decision) return decision.conflict;
    this.staleSeen = decision.stale;
    return undefined;
  }

  /**
   * Right after the record, in the same transaction. The record is already
   * written: a claim that cannot be written aborts the whole group
   * transaction (abortBatch), so a record never exists without its claim.
   */
  record(claim: IdempotencyClaim, subjectKind: EarlierReceipt['subjectKind'], subjectId: string): void {
    try {
      if (this.staleSeen) this.removeStale.run(claim.requestKey, claim.messageKey);
      this.staleSeen = false;
      this.insert.run(claim.requestKey, claim.messageKey, claim.at, subjectKind, subjectId);
      if (++this.recorded % PURGE_EVERY === 0) this.purge.run(claim.notBefore);
    } catch (err) {
      throw abortBatch(err);
    }
  }
}
