/**
 * Idempotency claims in PostgreSQL, decided inside the transaction that
 * creates the record, across every node: the claim keys are unique indexes
 * (migration 1). The rules are SQLite's (src/store/sqlite/idempotency.ts): a
 * live claim (younger than the window, its record still active) with the
 * same MessageID answers its receipt if it was the same request and is a
 * reuse otherwise; then a live claim of the same request answers its receipt.
 *
 * The claim row is written with the record (one statement for a certificate
 * or an admission, postgresStore.ts createClaimed; before the record in a
 * discharge's transaction, record()): a racing twin on another connection
 * blocks on the unique index until the first commits, then fails with a
 * unique violation; it is decided again from the look-up (a transaction is
 * run again: RetryTransaction), finds the committed claim, and replays its
 * receipt.
 */
import type pg from 'pg';
import type { ClaimConflict, EarlierReceipt, IdempotencyClaim } from '../port.js';
import { RetryTransaction } from './transactions.js';

interface ClaimRow {
  id: string;
  request_key: string;
  message_key: string | null;
  created_at: string;
  subject_kind: EarlierReceipt['subjectKind'];
  subject_id: string;
  state: string | null;
  data_ricezione: string | null;
  id_inizio_ricovero: string | null;
}

/** Every this many claims recorded by this process, up to PURGE_BATCH expired ones are purged. */
const PURGE_EVERY = 32;
const PURGE_BATCH = 64;

const FIND = `
  SELECT i.id, i.request_key, i.message_key, i.created_at, i.subject_kind, i.subject_id,
         coalesce(c.state, r.state) AS state,
         coalesce(c.data_ricezione, r.data_ricezione) AS data_ricezione,
         c.id_inizio_ricovero
    FROM idempotency i
    LEFT JOIN certificati c ON i.subject_kind = 'certificato' AND c.id_certificato = i.subject_id
    LEFT JOIN ricoveri r ON i.subject_kind = 'ricovero' AND r.id_inizio_ricovero = i.subject_id
   WHERE i.request_key = $1 OR ($2::ctext IS NOT NULL AND i.message_key = $2)`;

/** A connection, or the pool (a statement on its own, committed by itself). */
export type Queryable = pg.ClientBase | pg.Pool;

/** What a claim meets: a conflict, or rows (expired, or of a cancelled record) it replaces. */
export type Decision = { readonly conflict: ClaimConflict } | { readonly stale: readonly string[] };

export class PgClaims {
  private recorded = 0;

  async check(client: Queryable, claim: IdempotencyClaim): Promise<Decision> {
    const rows = (await client.query<ClaimRow>(FIND, [claim.requestKey, claim.messageKey])).rows;
    const byMessage = claim.messageKey === null ? undefined : rows.find((r) => r.message_key === claim.messageKey);
    const byRequest = rows.find((r) => r.request_key === claim.requestKey);
    if (byMessage !== undefined) {
      const receipt = liveReceipt(byMessage, claim);
      if (receipt !== undefined) return { conflict: byMessage.request_key === claim.requestKey ? receipt : { messageReused: true } };
    }
    if (byRequest !== undefined) {
      const receipt = liveReceipt(byRequest, claim);
      if (receipt !== undefined) return { conflict: receipt };
    }
    return { stale: rows.map((r) => r.id) };
  }

  /** The conflict this claim would meet now, if any; nothing is written. */
  async find(client: Queryable, claim: IdempotencyClaim): Promise<ClaimConflict | undefined> {
    const decision = await this.check(client, claim);
    return 'conflict' in decision ? decision.conflict : undefined;
  }

  /**
   * The claim's row, replacing the stale ones, before the record is written.
   * A twin's claim committed meanwhile: the transaction runs again.
   */
  async record(client: pg.ClientBase, claim: IdempotencyClaim, stale: readonly string[], subjectKind: EarlierReceipt['subjectKind'], subjectId: string): Promise<void> {
    await this.clear(client, claim, stale);
    try {
      await client.query(CLAIM_INSERT, [claim.requestKey, claim.messageKey, claim.at, subjectKind, subjectId]);
    } catch (err) {
      if (isClaimConflict(err)) throw new RetryTransaction('a twin claimed the same request first');
      throw err;
    }
  }

  /**
   * Before a claim is written: the stale rows it replaces deleted (by id: a
   * row another node put there since is not touched), and every PURGE_EVERY
   * claims a bounded purge of expired ones.
   */
  async clear(client: Queryable, claim: IdempotencyClaim, stale: readonly string[]): Promise<void> {
    if (stale.length > 0) await client.query('DELETE FROM idempotency WHERE id = ANY($1::bigint[])', [stale]);
    if (++this.recorded % PURGE_EVERY === 0) {
      // Rows another node is purging (or replacing) right now are skipped, not waited for.
      await client.query(
        `DELETE FROM idempotency WHERE id IN (
           SELECT id FROM idempotency WHERE created_at < $1 ORDER BY id LIMIT ${PURGE_BATCH} FOR UPDATE SKIP LOCKED)`,
        [claim.notBefore],
      );
    }
  }
}

/** The claim's row; its five values are the statement's parameters $1..$5 (or, in a CTE, as numbered by the caller). */
export const CLAIM_INSERT = 'INSERT INTO idempotency (request_key, message_key, created_at, subject_kind, subject_id) VALUES ($1, $2, $3, $4, $5)';

/** A unique violation on a claim key: a twin's claim is (or was just) there. */
export function isClaimConflict(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string };
  return e.code === '23505' && (e.constraint === 'idempotency_request' || e.constraint === 'idempotency_message');
}

function liveReceipt(row: ClaimRow, claim: IdempotencyClaim): ClaimConflict | undefined {
  if (Number(row.created_at) < claim.notBefore) return undefined;
  if (row.state !== 'attivo' || row.data_ricezione === null) return undefined;
  return { replay: { subjectKind: row.subject_kind, id: row.subject_id, dataRicezione: row.data_ricezione, idInizioRicovero: row.id_inizio_ricovero } };
}
