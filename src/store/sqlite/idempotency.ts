/**
 * Idempotency claims in SQLite (migration 5), decided by the single writer
 * inside the group transaction that creates the record, so two racing twins
 * cannot both create: the second sees the first's claim.
 *
 * The claims are looked up in an index held in the writer's memory, not in a
 * B-tree index on disk. A claim's key is a hash, so each new one would land on
 * a random leaf of an on-disk index: one more page written to the WAL for every
 * certificate, and the single writer's commit is what bounds throughput
 * (measured with bench --ab: the unique indexes cost ~13% of InviaMalattia's
 * throughput, the in-memory index ~1%). The table stays the durable record,
 * appended in rowid order (one shared page per commit, all of a transaction's
 * claims in one multi-row INSERT just before its COMMIT) and read back whole
 * when the writer opens; the purge keeps it to the window. The writer is the only
 * one that creates, so its index is complete; every change to it inside a
 * group transaction is undone if that transaction rolls back (committed() /
 * rolledBack(), called by GroupCommitter).
 *
 * A claim is live while it is younger than the window AND what it created is
 * still active: once the sender has cancelled or rectified it (which needs the
 * PUC, so the first answer was received), an identical request is a new one.
 */
import type Database from 'better-sqlite3';
import type { ClaimConflict, EarlierReceipt, IdempotencyClaim } from '../port.js';
import { abortBatch, type BatchListener } from './groupCommit.js';

interface ClaimEntry {
  readonly id: number;
  readonly requestKey: string;
  readonly messageKey: string | null;
  readonly createdAt: number;
  readonly subjectKind: EarlierReceipt['subjectKind'];
  readonly subjectId: string;
}

interface ClaimRow {
  id: number;
  request_key: string;
  message_key: string | null;
  created_at: number;
  subject_kind: EarlierReceipt['subjectKind'];
  subject_id: string;
}

interface SubjectState {
  state: string;
  data_ricezione: string;
  id_inizio_ricovero: string | null;
}

/** Claims written by one INSERT statement (a transaction's claims go in chunks of this many). */
const INSERT_CHUNK = 32;
/** Every this many claims recorded, up to PURGE_BATCH expired ones are purged: bounded work, amortised 2 per claim. */
const PURGE_EVERY = 32;
const PURGE_BATCH = 64;

/** What a claim meets: a conflict, or entries (expired, or of a cancelled record) it replaces. */
type Decision = { readonly conflict: ClaimConflict } | { readonly stale: readonly ClaimEntry[] };

export class ClaimIndex implements BatchListener {
  private readonly byRequest = new Map<string, ClaimEntry>();
  private readonly byMessage = new Map<string, ClaimEntry>();
  /** How to take back this transaction's changes to the maps, newest last. */
  private undo: Array<() => void> = [];
  /** Claims of this transaction not written yet (beforeCommit writes them). */
  private pending = new Set<ClaimEntry>();
  /** Rowids are given here (the writer is the only one that inserts), so a claim has its id before its row is written. */
  private nextId: number;
  private batchFirstId: number | undefined;
  private recorded = 0;
  private readonly stmt;
  private readonly db: Database.Database;
  private readonly inserts = new Map<number, Database.Statement>();

  constructor(db: Database.Database) {
    this.db = db;
    this.stmt = {
      remove: db.prepare<[number]>('DELETE FROM idempotency WHERE id = ?'),
      certificate: db.prepare<[string], SubjectState>(
        'SELECT state, data_ricezione, id_inizio_ricovero FROM certificati WHERE id_certificato = ?',
      ),
      ricovero: db.prepare<[string], SubjectState>(
        'SELECT state, data_ricezione, NULL AS id_inizio_ricovero FROM ricoveri WHERE id_inizio_ricovero = ?',
      ),
    };
    const all = db.prepare<[], ClaimRow>(
      'SELECT id, request_key, message_key, created_at, subject_kind, subject_id FROM idempotency ORDER BY id',
    );
    for (const row of all.iterate()) {
      this.put({
        id: row.id,
        requestKey: row.request_key,
        messageKey: row.message_key,
        createdAt: row.created_at,
        subjectKind: row.subject_kind,
        subjectId: row.subject_id,
      });
    }
    this.undo = [];
    this.nextId = (db.prepare<[], { id: number | null }>('SELECT max(id) AS id FROM idempotency').get()?.id ?? 0) + 1;
  }

  /** Claims held (for tests and measurements). */
  get size(): number {
    return this.byRequest.size;
  }

  /** The conflict this claim would meet now, if any; nothing is written. */
  find(claim: IdempotencyClaim): ClaimConflict | undefined {
    const decision = this.check(claim);
    return 'conflict' in decision ? decision.conflict : undefined;
  }

  /**
   * Right after the record, in the same transaction. A claim that cannot be
   * written aborts the whole group transaction (abortBatch), so a record never
   * exists without its claim.
   */
  record(claim: IdempotencyClaim, stale: readonly ClaimEntry[], subjectKind: EarlierReceipt['subjectKind'], subjectId: string): void {
    try {
      const expired = ++this.recorded % PURGE_EVERY === 0 ? this.expired(claim.notBefore) : [];
      for (const entry of [...stale, ...expired]) {
        // A claim of this same transaction is simply not written; an older one's row is deleted.
        if (!this.pending.delete(entry)) this.stmt.remove.run(entry.id);
        this.drop(entry);
      }
      this.batchFirstId ??= this.nextId;
      const entry: ClaimEntry = { id: this.nextId++, requestKey: claim.requestKey, messageKey: claim.messageKey, createdAt: claim.at, subjectKind, subjectId };
      this.pending.add(entry);
      this.put(entry);
    } catch (err) {
      throw abortBatch(err);
    }
  }

  /** Inside the group transaction, after its writes: this transaction's claims, a few INSERT statements in all. */
  beforeCommit(): void {
    if (this.pending.size === 0) return;
    const rows = [...this.pending];
    for (let from = 0; from < rows.length; from += INSERT_CHUNK) {
      const chunk = rows.slice(from, from + INSERT_CHUNK);
      const params: Array<string | number | null> = [];
      for (const e of chunk) params.push(e.id, e.requestKey, e.messageKey, e.createdAt, e.subjectKind, e.subjectId);
      this.insertOf(chunk.length).run(params);
    }
  }

  committed(): void {
    this.undo = [];
    this.pending.clear();
    this.batchFirstId = undefined;
  }

  rolledBack(): void {
    for (let i = this.undo.length - 1; i >= 0; i--) this.undo[i]!();
    this.undo = [];
    this.pending.clear();
    if (this.batchFirstId !== undefined) this.nextId = this.batchFirstId;
    this.batchFirstId = undefined;
  }

  /** The INSERT of n rows, prepared once per n. */
  private insertOf(n: number): Database.Statement {
    let statement = this.inserts.get(n);
    if (statement === undefined) {
      statement = this.db.prepare(
        `INSERT INTO idempotency (id, request_key, message_key, created_at, subject_kind, subject_id) VALUES ${Array(n).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`,
      );
      this.inserts.set(n, statement);
    }
    return statement;
  }

  /**
   * Before the record is written: the conflict that stops it, if any; else
   * the entries record() will replace. The rule: a live claim with the same MessageID answers its receipt if it
   * was the same request, and is a reuse otherwise; then a live claim of the
   * same request answers its receipt, whatever MessageID either carried (a
   * MessageID makes the key stricter, never looser: a retry with a fresh one
   * is still the same visit).
   */
  check(claim: IdempotencyClaim): Decision {
    const byMessage = claim.messageKey === null ? undefined : this.byMessage.get(claim.messageKey);
    const byRequest = this.byRequest.get(claim.requestKey);
    if (byMessage !== undefined) {
      const receipt = this.liveReceipt(byMessage, claim);
      if (receipt !== undefined) return { conflict: byMessage.requestKey === claim.requestKey ? receipt : { messageReused: true } };
    }
    if (byRequest !== undefined) {
      const receipt = this.liveReceipt(byRequest, claim);
      if (receipt !== undefined) return { conflict: receipt };
    }
    const stale = [byMessage, byRequest].filter((e, i, all): e is ClaimEntry => e !== undefined && all.indexOf(e) === i);
    return { stale };
  }

  /** The receipt of what a claim created, while the claim is live (young enough, and its record still active). */
  private liveReceipt(entry: ClaimEntry, claim: IdempotencyClaim): ClaimConflict | undefined {
    if (entry.createdAt < claim.notBefore) return undefined;
    const subject = (entry.subjectKind === 'certificato' ? this.stmt.certificate : this.stmt.ricovero).get(entry.subjectId);
    if (subject === undefined || subject.state !== 'attivo') return undefined;
    return {
      replay: { subjectKind: entry.subjectKind, id: entry.subjectId, dataRicezione: subject.data_ricezione, idInizioRicovero: subject.id_inizio_ricovero },
    };
  }

  /** Up to PURGE_BATCH of the oldest claims, when expired (the maps keep insertion order, i.e. time order). */
  private expired(notBefore: number): ClaimEntry[] {
    const out: ClaimEntry[] = [];
    for (const entry of this.byRequest.values()) {
      if (out.length >= PURGE_BATCH || entry.createdAt >= notBefore) break;
      out.push(entry);
    }
    return out;
  }

  private put(entry: ClaimEntry): void {
    const before = this.byRequest.get(entry.requestKey);
    this.byRequest.set(entry.requestKey, entry);
    const beforeMessage = entry.messageKey === null ? undefined : this.byMessage.get(entry.messageKey);
    if (entry.messageKey !== null) this.byMessage.set(entry.messageKey, entry);
    this.undo.push(() => {
      restore(this.byRequest, entry.requestKey, entry, before);
      if (entry.messageKey !== null) restore(this.byMessage, entry.messageKey, entry, beforeMessage);
    });
  }

  private drop(entry: ClaimEntry): void {
    const removed: Array<[Map<string, ClaimEntry>, string]> = [];
    if (this.byRequest.get(entry.requestKey) === entry) {
      this.byRequest.delete(entry.requestKey);
      removed.push([this.byRequest, entry.requestKey]);
    }
    if (entry.messageKey !== null && this.byMessage.get(entry.messageKey) === entry) {
      this.byMessage.delete(entry.messageKey);
      removed.push([this.byMessage, entry.messageKey]);
    }
    this.undo.push(() => {
      for (const [map, key] of removed) map.set(key, entry);
    });
  }
}

/** Undo a set: the key back to what it held, if it still holds what was set. */
function restore(map: Map<string, ClaimEntry>, key: string, set: ClaimEntry, before: ClaimEntry | undefined): void {
  if (map.get(key) !== set) return;
  if (before === undefined) map.delete(key);
  else map.set(key, before);
}
