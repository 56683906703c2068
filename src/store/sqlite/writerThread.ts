/**
 * The store's writer thread: one connection, group commits. Batches come from
 * the thread that started it and, under node:cluster, from the workers over a
 * Unix socket; every batch is answered in one message after its COMMIT.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serveSocketWrites } from './socketWriter.js';
import { toWireError } from '../errors.js';
import { LocalWriteChannel, answerBatch, type WireWrite, type WriterThreadMessage } from './writeChannel.js';
import { openDatabase } from './sqliteStore.js';

const { dataDir, socketPath } = workerData as { dataDir: string; socketPath?: string };
const channel = new LocalWriteChannel(openDatabase(dataDir));
const port = parentPort!;
const tell = (message: WriterThreadMessage) => port.postMessage(message);

port.on('message', (batch: WireWrite[]) => answerBatch(channel, batch, (results) => tell({ results })));

if (socketPath) {
  serveSocketWrites(channel, socketPath).then(
    () => tell({ listening: socketPath }),
    (err: unknown) => tell({ listenError: toWireError(err) }),
  );
}
