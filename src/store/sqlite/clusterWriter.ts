/**
 * Under node:cluster the primary process is the store's single writer: the
 * workers send their writes over the cluster's IPC channel and await the
 * answer, which the primary sends after the group COMMIT. One writer means no
 * process ever waits on SQLite's file lock (whose busy handler sleeps).
 */
import cluster, { type Worker } from 'node:cluster';
import { PendingReplies, toWireError, type WireResult, type WriteChannel } from './writeChannel.js';
import type { WriteOp } from './writes.js';

interface WriteMessage {
  readonly sacWrite: { readonly id: number; readonly write: WriteOp };
}
interface ResultMessage {
  readonly sacWriteResult: WireResult;
}

/**
 * In the primary: answer every worker's writes through one writer. The
 * primary only relays; the writer (a thread of the primary) does the commits,
 * so an fsync never holds up the relaying of the next messages.
 */
export function serveClusterWrites(writer: WriteChannel): void {
  cluster.on('message', (worker: Worker, message: Partial<WriteMessage>) => {
    const request = message?.sacWrite;
    if (!request) return;
    const reply = (result: WireResult) => {
      if (worker.isConnected()) worker.send({ sacWriteResult: result } satisfies ResultMessage);
    };
    writer.send(request.write).then(
      (value) => reply({ id: request.id, ok: true, value }),
      (err: unknown) => reply({ id: request.id, ok: false, error: toWireError(err) }),
    );
  });
}

/** In a worker: writes go to the primary. */
export class ClusterWriteChannel implements WriteChannel {
  private readonly pending = new PendingReplies();

  constructor() {
    process.on('message', (message: Partial<ResultMessage>) => {
      const result = message?.sacWriteResult;
      if (result) this.pending.settle(result);
    });
    process.on('disconnect', () => {
      this.pending.failAll(new Error('the cluster primary (store writer) is gone'));
    });
  }

  send(write: WriteOp): Promise<unknown> {
    if (!process.send || !process.connected) return Promise.reject(new Error('not connected to the cluster primary'));
    return this.pending.expect((id) => process.send!({ sacWrite: { id, write } } satisfies WriteMessage));
  }

  async close(): Promise<void> {
    while (this.pending.size > 0 && process.connected) await new Promise((r) => setTimeout(r, 5));
  }
}
