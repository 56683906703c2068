/**
 * Where writes go. SQLite allows one writer at a time, and a commit's fsync
 * blocks the thread that makes it; so the gateway keeps ONE writer, off the
 * request threads: a worker thread in a single process, the primary process
 * under node:cluster. Each request thread sends its writes there as messages
 * and awaits the answer, which comes after the group COMMIT.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { DuplicateKeyError } from '../port.js';
import { GroupCommitter } from './groupCommit.js';
import { SqliteWrites, type WriteOp } from './writes.js';

export interface WriteChannel {
  send(write: WriteOp): Promise<unknown>;
  /** Wait for what was sent, then release the writer. */
  close(): Promise<void>;
}

/** A failure as it crosses a thread or process boundary. */
export interface WireError {
  readonly name: string;
  readonly message: string;
}

export type WireResult = { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly error: WireError };

export function toWireError(err: unknown): WireError {
  return err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
}

export function fromWireError(error: WireError): Error {
  if (error.name === 'DuplicateKeyError') return new DuplicateKeyError(error.message);
  const out = new Error(error.message);
  out.name = error.name;
  return out;
}

/** The writer itself: group commits on this thread. */
export class LocalWriteChannel implements WriteChannel {
  private readonly group: GroupCommitter;
  private readonly writes: SqliteWrites;

  constructor(private readonly db: Database.Database) {
    this.group = new GroupCommitter(db);
    this.writes = new SqliteWrites(db);
  }

  send(write: WriteOp): Promise<unknown> {
    return this.group.write(() => this.writes.execute(write));
  }

  async close(): Promise<void> {
    this.group.flush();
  }
}

/**
 * Writes sent to a writer elsewhere and not answered yet: each gets an id,
 * and the answer carrying that id settles its promise.
 */
export class PendingReplies {
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  private nextId = 1;

  /** Register a write and hand its id to `post`, which sends it. */
  expect(post: (id: number) => void): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      post(id);
    });
  }

  settle(result: WireResult): void {
    const entry = this.waiting.get(result.id);
    if (!entry) return;
    this.waiting.delete(result.id);
    if (result.ok) entry.resolve(result.value);
    else entry.reject(fromWireError(result.error));
  }

  failAll(err: Error): void {
    for (const entry of this.waiting.values()) entry.reject(err);
    this.waiting.clear();
  }

  get size(): number {
    return this.waiting.size;
  }
}

/** Requests on this thread, the writer on a worker thread with its own connection. */
export class ThreadWriteChannel implements WriteChannel {
  private readonly worker: Worker;
  private readonly pending = new PendingReplies();
  private failed: Error | undefined;

  constructor(dataDir: string) {
    // execArgv: [] because a thread inherits the process's flags, and under
    // `node -e SCRIPT` that would run SCRIPT again instead of the writer.
    this.worker = new Worker(new URL('./writerThread.js', import.meta.url), { workerData: { dataDir }, execArgv: [] });
    this.worker.on('message', (result: WireResult) => this.pending.settle(result));
    // A writer that dies fails what it held; later writes fail at once rather than hang.
    const fail = (err: Error) => {
      this.failed = err;
      this.pending.failAll(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`store writer stopped (exit code ${code})`)));
    // The writer must not keep the process alive by itself.
    this.worker.unref();
  }

  send(write: WriteOp): Promise<unknown> {
    if (this.failed) return Promise.reject(this.failed);
    return this.pending.expect((id) => this.worker.postMessage({ id, write }));
  }

  async close(): Promise<void> {
    while (this.pending.size > 0 && !this.failed) await new Promise((r) => setTimeout(r, 5));
    await this.worker.terminate();
  }
}
