/**
 * What the bench reads about server processes from /proc: the process tree
 * (cluster primary + workers), resident memory, and CPU time.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { processTree, readOrUndefined } from '../../test/support/processTree.js';

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of utime/stime in /proc/<pid>/stat (almost always 100). */
export function clockTicks(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** utime + stime of one process, in seconds (undefined once it has gone). */
export function cpuSeconds(pid: number): number | undefined {
  const stat = readOrUndefined(`/proc/${pid}/stat`);
  if (stat === undefined) return undefined;
  // The command name (field 2) may contain spaces: count fields after its ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state); utime and stime are fields 14 and 15.
  return (Number(fields[11]) + Number(fields[12])) / clockTicks();
}

export interface Memory {
  /** Resident set now, kB. */
  readonly rssKb: number;
  /** Peak resident set since the process started ("high water mark"), kB. */
  readonly hwmKb: number;
}

export function memory(pid: number): Memory | undefined {
  const status = readOrUndefined(`/proc/${pid}/status`);
  if (status === undefined) return undefined;
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
  return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
}

/** CPU seconds of each process of a tree, for a before/after difference. */
export function cpuSnapshot(pids: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const pid of pids) {
    const s = cpuSeconds(pid);
    if (s !== undefined) out.set(pid, s);
  }
  return out;
}

/**
 * CPU seconds spent between two snapshots. A process that appeared in
 * between counts from zero; one that vanished counts up to the first
 * snapshot only (its last ticks are lost, which the bench reports as is).
 */
export function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, s] of after) total += s - (before.get(pid) ?? 0);
  return total;
}

export interface RssSample {
  /** Milliseconds since the sampler started. */
  readonly tMs: number;
  /** Sum of VmRSS over the tree, kB. */
  readonly rssKb: number;
  /** VmRSS of the root process alone (the cluster primary), kB. */
  readonly rootKb: number;
  readonly processes: number;
}

/**
 * Samples the summed VmRSS of a process tree on a timer: the peak of the
 * sum, which the per-process high-water marks (VmHWM) can only bound above.
 */
export class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  private started = 0;
  readonly samples: RssSample[] = [];
  peakKb = 0;

  private readonly roots: readonly number[];

  /** `root`: one process tree, or several (the nodes of a multi-node run), summed. */
  constructor(
    root: number | readonly number[],
    private readonly everyMs: number,
  ) {
    this.roots = typeof root === 'number' ? [root] : root;
  }

  start(): this {
    this.started = Date.now();
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
    return this;
  }

  sample(): RssSample {
    const pids = this.roots.flatMap((r) => processTree(r));
    let rssKb = 0;
    let rootKb = 0;
    for (const pid of pids) {
      const kb = memory(pid)?.rssKb ?? 0;
      rssKb += kb;
      if (this.roots.includes(pid)) rootKb += kb;
    }
    const s = { tMs: Date.now() - this.started, rssKb, rootKb, processes: pids.length };
    this.samples.push(s);
    if (rssKb > this.peakKb) this.peakKb = rssKb;
    return s;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
  }
}

/** Sum of VmHWM over a tree (or several): each process's own peak, added up. */
export function highWaterKb(root: number | readonly number[]): number {
  let total = 0;
  for (const r of typeof root === 'number' ? [root] : root) for (const pid of processTree(r)) total += memory(pid)?.hwmKb ?? 0;
  return total;
}

/** Busy and total jiffies of the whole machine (first line of /proc/stat). */
export function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal ...; idle + iowait are not busy.
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** Cores' worth of CPU the whole machine used between two machineTicks() readings. */
export function busyCores(before: { busy: number; total: number }, after: { busy: number; total: number }, cpus: number): number {
  const total = after.total - before.total;
  return total > 0 ? ((after.busy - before.busy) / total) * cpus : 0;
}
