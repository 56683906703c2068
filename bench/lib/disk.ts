/**
 * How long the data directory's disk takes to make a small write durable:
 * every InviaMalattia acknowledgement waits for one such flush (shared by a
 * group commit), so it bounds the gateway's latency from below.
 */
import { closeSync, fdatasyncSync, openSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';

export interface FlushLatency {
  readonly samples: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
}

export function measureFlush(dir: string, samples = 200): FlushLatency {
  const file = path.join(dir, 'fsync-probe.bin');
  const fd = openSync(file, 'w');
  const page = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < samples; i++) {
      writeSync(fd, page, 0, page.length, (i % 64) * page.length);
      const t0 = process.hrtime.bigint();
      fdatasyncSync(fd);
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!;
  return { samples, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: times[times.length - 1]! };
}
