/** The store's writer thread: one connection, group commits, answers by message. */
import { parentPort, workerData } from 'node:worker_threads';
import type { WriteOp } from './writes.js';
import { LocalWriteChannel, toWireError, type WireResult } from './writeChannel.js';
import { openDatabase } from './sqliteStore.js';

const { dataDir } = workerData as { dataDir: string };
const channel = new LocalWriteChannel(openDatabase(dataDir));
const port = parentPort!;

port.on('message', ({ id, write }: { id: number; write: WriteOp }) => {
  channel.send(write).then(
    (value) => port.postMessage({ id, ok: true, value } satisfies WireResult),
    (err: unknown) => port.postMessage({ id, ok: false, error: toWireError(err) } satisfies WireResult),
  );
});
