/**
 * Group commit: the writes that requests make during one turn of the event
 * loop go into ONE SQLite transaction, so they share one fsync. A write that
 * fails is rolled back alone (a single statement is atomic in SQLite; a write
 * of several statements wraps itself in a savepoint), and each promise settles
 * only after the COMMIT has returned, i.e. when the data is on disk:
 * durability is the same as one transaction per write, the fsync count is not.
 */
import type Database from 'better-sqlite3';

const ABORTS_BATCH = Symbol('sac.abortsBatch');

/**
 * Mark an error as fatal to the whole group transaction: the writes of the
 * batch that already ran are rolled back with it and every one of them is
 * rejected. For a second statement of a write that must not outlive a
 * failure of it (a journal entry), where a savepoint per write would cost more.
 */
export function abortBatch(err: unknown): unknown {
  if (err !== null && typeof err === 'object') (err as { [ABORTS_BATCH]?: true })[ABORTS_BATCH] = true;
  return err;
}

function abortsBatch(err: unknown): boolean {
  return err !== null && typeof err === 'object' && (err as { [ABORTS_BATCH]?: true })[ABORTS_BATCH] === true;
}

/** Told how each group transaction ended (state kept beside the database, e.g. the writer's claim index). */
export interface BatchListener {
  /** Inside the transaction, after its writes (a throw rolls the whole batch back). */
  beforeCommit?(): void;
  committed(): void;
  rolledBack(): void;
}

interface Pending {
  readonly work: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (reason: unknown) => void;
}

export class GroupCommitter {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly commitBatch: (batch: Pending[]) => Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>;

  constructor(
    private readonly db: Database.Database,
    private readonly listener?: BatchListener,
  ) {
    // IMMEDIATE: take the write lock at BEGIN, so the checks inside each write
    // see the state no other process can change before this COMMIT.
    const batchTransaction = db.transaction((batch: Pending[]) => {
      const results = batch.map((item) => {
        try {
          return { ok: true as const, value: item.work() };
        } catch (error) {
          if (abortsBatch(error)) throw error;
          return { ok: false as const, error };
        }
      });
      this.listener?.beforeCommit?.();
      return results;
    });
    this.commitBatch = (batch) => batchTransaction.immediate(batch);
  }

  /** Run `work` in the next group transaction; settles once that transaction is committed. */
  write<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** How many writes are waiting for the next commit (for metrics and shutdown). */
  get pending(): number {
    return this.queue.length;
  }

  flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let results;
    try {
      results = this.commitBatch(batch);
    } catch (error) {
      // The COMMIT itself failed (disk full, lock timeout), or a write aborted the batch: nothing of it is stored.
      this.listener?.rolledBack();
      for (const item of batch) item.reject(error);
      return;
    }
    this.listener?.committed();
    results.forEach((result, i) => {
      const item = batch[i]!;
      if (result.ok) item.resolve(result.value);
      else item.reject(result.error);
    });
  }
}
