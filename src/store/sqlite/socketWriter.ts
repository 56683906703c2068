/**
 * Under node:cluster the workers' writes go straight to the primary's writer
 * thread over a Unix socket: one frame per event-loop turn of a worker, one
 * frame of answers per batch after its COMMIT. The primary's main thread is
 * not on the path (relaying every write through the cluster's IPC channel
 * cost the primary ~0.16 ms of CPU per write and left the workers waiting).
 *
 * The socket lives in a directory only this user can enter (mkdtemp makes it
 * 0700): whoever can connect can write certificates.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { FrameReader, encodeFrame } from './frames.js';
import { RemoteWriteChannel, answerBatch, type LocalWriteChannel, type WireResult, type WireWrite } from './writeChannel.js';

/** A fresh socket path in a private directory, and how to remove both. */
export function privateSocketPath(): { path: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sac-writer-'));
  return { path: path.join(dir, 'writer.sock'), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** In the writer thread: answer the batches of every worker that connects. */
export function serveSocketWrites(local: LocalWriteChannel, socketPath: string): Promise<void> {
  const server = net.createServer((socket) => {
    const reader = new FrameReader();
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (batch) =>
          answerBatch(local, batch as WireWrite[], (results) => {
            if (!socket.destroyed) socket.write(encodeFrame(results));
          }),
        );
      } catch (err) {
        // A garbled frame makes this connection unusable; the worker fails the writes it was waiting for.
        socket.destroy(err as Error);
      }
    });
    socket.on('error', () => socket.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** In a cluster worker: writes go to the primary's writer over its socket. */
export class SocketWriteChannel extends RemoteWriteChannel {
  private readonly socket: net.Socket;

  constructor(socketPath: string) {
    super();
    this.socket = net.createConnection(socketPath);
    const reader = new FrameReader();
    this.socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk, (results) => {
          for (const result of results as WireResult[]) this.pending.settle(result);
        });
      } catch (err) {
        this.socket.destroy(err as Error);
      }
    });
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('the store writer (cluster primary) closed the connection')));
    // The HTTP server keeps a worker alive; this connection alone must not.
    this.socket.unref();
  }

  protected post(batch: WireWrite[]): void {
    this.socket.write(encodeFrame(batch));
  }

  protected hold(waiting: boolean): void {
    if (waiting) this.socket.ref();
    else this.socket.unref();
  }

  protected release(): void {
    this.socket.end();
  }
}
