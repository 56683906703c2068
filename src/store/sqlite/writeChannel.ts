/**
 * Where writes go. SQLite allows one writer at a time, and a commit's fsync
 * blocks the thread that makes it; so the gateway keeps ONE writer, off the
 * request threads: a worker thread, which under node:cluster belongs to the
 * primary and also serves the workers over a Unix socket (socketWriter.ts).
 * Each request thread sends the writes of one event-loop turn there as one
 * batch and awaits the answers, which come after the group COMMIT.
 */
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { StoreUnavailableError, asStoreError, fromWireError, toWireError, type WireError } from '../errors.js';
import { GroupCommitter } from './groupCommit.js';
import { SqliteWrites, type WriteOp } from './writes.js';

export interface WriteChannel {
  send(write: WriteOp): Promise<unknown>;
  /** Set once the writer is gone for good: every write fails with it. */
  readonly failure: Error | undefined;
  /** Writes sent and not answered yet (a cheap read, for admission control, /readyz and /metrics). */
  readonly backlog: number;
  /** Wait for what was sent, then release the writer. */
  close(): Promise<void>;
}

export type WireResult = { readonly id: number; readonly ok: true; readonly value: unknown } | { readonly id: number; readonly ok: false; readonly error: WireError };

/** The writer itself: group commits on this thread. */
export class LocalWriteChannel implements WriteChannel {
  private readonly group: GroupCommitter;
  private readonly writes: SqliteWrites;

  /** The writer is this thread: while it runs, it can write. */
  readonly failure = undefined;

  constructor(private readonly db: Database.Database) {
    this.writes = new SqliteWrites(db);
    this.group = new GroupCommitter(db, this.writes.claims);
  }

  get backlog(): number {
    return this.group.pending;
  }

  /** Settles after the commit; a failure is a store error (SQLite's own wrapped, keeping its code), as with any other writer. */
  send(write: WriteOp): Promise<unknown> {
    return this.group.write(() => this.writes.execute(write)).catch((err: unknown) => {
      throw asStoreError(err);
    });
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

  /** `busy(true)` when the first write starts waiting, `busy(false)` when none is left. */
  constructor(private readonly busy: (waiting: boolean) => void = () => {}) {}

  /** Register a write and hand its id to `post`, which sends it. */
  expect(post: (id: number) => void): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.waiting.size === 1) this.busy(true);
      post(id);
    });
  }

  settle(result: WireResult): void {
    const entry = this.waiting.get(result.id);
    if (!entry) return;
    this.waiting.delete(result.id);
    if (this.waiting.size === 0) this.busy(false);
    if (result.ok) entry.resolve(result.value);
    else entry.reject(fromWireError(result.error));
  }

  failAll(err: Error): void {
    for (const entry of this.waiting.values()) entry.reject(err);
    if (this.waiting.size > 0) this.busy(false);
    this.waiting.clear();
  }

  get size(): number {
    return this.waiting.size;
  }
}

/** A write as it travels to the writer, with the id its answer will carry. */
export interface WireWrite {
  readonly id: number;
  readonly write: WriteOp;
}

/**
 * Collects what is sent during one turn of the event loop and hands it on as
 * one batch: one message (one copy, one wake-up of the writer) for all the
 * requests that turn served, instead of one per write.
 */
export class TurnBatcher<T> {
  private batch: T[] = [];

  constructor(private readonly post: (batch: T[]) => void) {}

  add(item: T): void {
    if (this.batch.length === 0) setImmediate(() => this.flush());
    this.batch.push(item);
  }

  flush(): void {
    const batch = this.batch;
    if (batch.length === 0) return;
    this.batch = [];
    this.post(batch);
  }
}

/** In the writer: run a batch of writes and answer them all at once, after their commit. */
export function answerBatch(local: LocalWriteChannel, batch: readonly WireWrite[], reply: (results: WireResult[]) => void): void {
  const results: WireResult[] = new Array(batch.length);
  let left = batch.length;
  const settle = (i: number, result: WireResult) => {
    results[i] = result;
    if (--left === 0) reply(results);
  };
  batch.forEach(({ id, write }, i) => {
    local.send(write).then(
      (value) => settle(i, { id, ok: true, value }),
      (err: unknown) => settle(i, { id, ok: false, error: toWireError(err) }),
    );
  });
}

/** Messages from the writer thread to the thread that started it. */
export type WriterThreadMessage = { readonly results: WireResult[] } | { readonly listening: string } | { readonly listenError: WireError };

export interface WriterThreadOptions {
  /** Also accept batches from cluster workers on this Unix socket (see socketWriter.ts). */
  readonly socketPath?: string;
}

/**
 * A writer somewhere else (a thread, or the cluster primary's writer over a
 * socket): writes leave in one batch per event-loop turn, answers come back
 * matched by id, and once the transport fails every waiting and later write
 * fails with the first error rather than hang.
 */
export abstract class RemoteWriteChannel implements WriteChannel {
  protected readonly pending = new PendingReplies((waiting) => this.hold(waiting));
  private readonly outbox = new TurnBatcher<WireWrite>((batch) => this.post(batch));
  private failed: Error | undefined;

  /** Hand one batch to the transport. */
  protected abstract post(batch: WireWrite[]): void;
  /** Let go of the transport once nothing is waiting. */
  protected abstract release(): Promise<void> | void;
  /**
   * Keep the process alive while writes wait for their answers (true), or
   * not (false): the transport alone must not, but an awaited write must
   * not be dropped by the process exiting under it (a CLI, a test).
   */
  protected abstract hold(waiting: boolean): void;

  protected fail(err: Error): void {
    this.failed ??= new StoreUnavailableError(err.message);
    this.pending.failAll(this.failed);
  }

  get failure(): Error | undefined {
    return this.failed;
  }

  get backlog(): number {
    return this.pending.size;
  }

  send(write: WriteOp): Promise<unknown> {
    if (this.failed) return Promise.reject(this.failed);
    return this.pending.expect((id) => this.outbox.add({ id, write }));
  }

  async close(): Promise<void> {
    this.outbox.flush();
    while (this.pending.size > 0 && !this.failed) await new Promise((r) => setTimeout(r, 5));
    await this.release();
  }
}

/** Requests on this thread, the writer on a worker thread with its own connection. */
export class ThreadWriteChannel extends RemoteWriteChannel {
  private readonly worker: Worker;
  /** Settles once the writer is ready (listening on its socket, when it has one). */
  readonly ready: Promise<void>;

  constructor(dataDir: string, options: WriterThreadOptions = {}) {
    super();
    // Not the process's own flags: a thread inherits them, and under `node -e SCRIPT` that would run
    // SCRIPT again instead of the writer. Only the profiler's, so `--cpu-prof` (bench --profile) sees the writer too.
    this.worker = new Worker(new URL('./writerThread.js', import.meta.url), {
      workerData: { dataDir, socketPath: options.socketPath },
      execArgv: process.execArgv.filter((flag) => flag.startsWith('--cpu-prof')),
    });
    let ready: () => void = () => {};
    let notReady: (err: Error) => void = () => {};
    this.ready = options.socketPath
      ? new Promise<void>((resolve, reject) => {
          ready = resolve;
          notReady = reject;
        })
      : Promise.resolve();
    this.worker.on('message', (message: WriterThreadMessage) => {
      if ('results' in message) for (const result of message.results) this.pending.settle(result);
      else if ('listening' in message) ready();
      else notReady(fromWireError(message.listenError));
    });
    // A writer that dies fails what it held; later writes fail at once rather than hang.
    const fail = (err: Error) => {
      this.fail(err);
      notReady(err);
    };
    this.worker.on('error', fail);
    this.worker.on('exit', (code) => fail(new Error(`store writer stopped (exit code ${code})`)));
    // The writer must not keep the process alive by itself, but must while the process waits for it to be ready.
    const unref = () => {
      this.isReady = true;
      if (this.pending.size === 0) this.worker.unref();
    };
    this.ready.then(unref, unref);
  }

  private isReady = false;

  protected hold(waiting: boolean): void {
    if (waiting) this.worker.ref();
    else if (this.isReady) this.worker.unref();
  }

  protected post(batch: WireWrite[]): void {
    this.worker.postMessage(batch);
  }

  protected async release(): Promise<void> {
    await this.worker.terminate();
  }
}
