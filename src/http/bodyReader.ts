/**
 * The SOAP body, read as raw bytes with its limits enforced while it streams:
 * the size limit (a declared Content-Length over it is refused before a byte
 * is read) and a minimum rate, so a client trickling its body cannot hold a
 * connection and its buffers for the whole request timeout.
 *
 * Written here rather than taken from Fastify's `parseAs: 'buffer'`, which
 * has the size limit but no rate: the rate needs the reader's own counters.
 */
import type { FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { SoapFault } from '../catalog/diagnostics.js';

interface Reading {
  readonly startedAt: number;
  received: number;
  /** Give up on the body with this fault (also called by the watch). */
  fail(fault: SoapFault): void;
}

/**
 * Bodies being read, checked together on one timer: each request only joins
 * and leaves a Set, and a body that arrives at once (the normal case) is gone
 * before the first check. A body under `minRate` bytes per second on average
 * since it started, once `graceMs` is over, is cut.
 */
export class BodyRateWatch {
  private readonly readings = new Set<Reading>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    readonly minRate: number,
    readonly graceMs: number,
  ) {}

  join(reading: Reading): void {
    if (this.minRate === 0) return;
    this.readings.add(reading);
    if (this.timer === undefined) {
      // Checked a few times per grace period, at most every second.
      this.timer = setInterval(() => this.check(), Math.max(50, Math.min(1000, Math.floor(this.graceMs / 4))));
      this.timer.unref();
    }
  }

  leave(reading: Reading): void {
    this.readings.delete(reading);
  }

  /** Stop the timer (the server is closing). */
  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private check(): void {
    if (this.readings.size === 0) return this.stop();
    const now = performance.now();
    for (const reading of this.readings) {
      const elapsed = now - reading.startedAt;
      if (elapsed > this.graceMs && reading.received < (this.minRate * elapsed) / 1000) {
        reading.fail(new SoapFault('BODY_TOO_SLOW', { minimo: this.minRate }));
      }
    }
  }
}

/** A content-type parser for Fastify: the whole body as one Buffer, within the limits. */
export function bodyParser(limit: number, watch: BodyRateWatch) {
  return (request: FastifyRequest, payload: IncomingMessage, done: (err: Error | null, body?: Buffer) => void): void => {
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      done(new SoapFault('BODY_TOO_LARGE', { limite: limit }));
      return;
    }
    const chunks: Buffer[] = [];
    let settled = false;
    const reading: Reading = {
      startedAt: performance.now(),
      received: 0,
      fail(fault) {
        finish(fault);
      },
    };
    const finish = (err: Error | null): void => {
      if (settled) return;
      settled = true;
      watch.leave(reading);
      if (err) {
        // Stop buffering what may still arrive; after a normal end nothing does, and the listeners go with the request.
        payload.removeListener('data', onData);
        payload.removeListener('end', onEnd);
        payload.removeListener('error', onError);
        payload.removeListener('close', onClose);
        done(err);
      } else done(null, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, reading.received));
    };
    const onData = (chunk: Buffer): void => {
      reading.received += chunk.length;
      if (reading.received > limit) return finish(new SoapFault('BODY_TOO_LARGE', { limite: limit }));
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(null);
    const onError = (err: Error): void => finish(err);
    // The client went away before the end: there is nobody to answer, but the request must end.
    // 'close' also comes after a normal end (the listener stays): nothing to build then.
    const onClose = (): void => {
      if (!settled) finish(Object.assign(new Error('client closed the connection before the end of the body'), { code: 'ECONNRESET' }));
    };
    payload.on('data', onData);
    payload.on('end', onEnd);
    payload.on('error', onError);
    payload.on('close', onClose);
    watch.join(reading);
  };
}
