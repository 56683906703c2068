/**
 * Summary of V8 .cpuprofile files (node --cpu-prof): self time per function
 * and per origin (project source, a package, Node internals, GC), summed over
 * every process that wrote a profile (cluster primary and workers).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  readonly name: string;
  readonly where: string;
  /** The caller that accounts for most of this function's self time (native frames have no location of their own). */
  readonly calledFrom?: string;
  readonly selfMs: number;
  readonly share: number;
}

export interface ProfileSummary {
  readonly files: number;
  /** Non-idle sampled time of each profiled thread (cluster primary, workers). */
  readonly processes: Array<{ pid: number; role: string; busyMs: number }>;
  /** Sampled time outside "(idle)", ms. */
  readonly busyMs: number;
  readonly top: ProfileRow[];
  readonly byOrigin: ProfileRow[];
}

/** Where a function comes from: a package name, "project", "node", or a V8 pseudo-frame. */
function originOf(frame: CallFrame, root: string): string {
  const url = frame.url;
  if (url === '') return frame.functionName.startsWith('(') ? frame.functionName : '(native/V8 builtins)';
  if (url.startsWith('node:')) return 'node: internals';
  if (url.startsWith('wasm://')) return 'WASM code (libxml2-wasm)';
  const file = url.startsWith('file://') ? url.slice(7) : url;
  const nm = file.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = file.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  if (file.startsWith(root)) return `project: ${path.relative(root, file).split('/').slice(0, 3).join('/')}`;
  return file;
}

function whereOf(frame: CallFrame, root: string): string {
  if (frame.url === '') return '';
  if (frame.url.startsWith('wasm://')) return 'wasm';
  const file = frame.url.startsWith('file://') ? frame.url.slice(7) : frame.url;
  const short = file.includes('/node_modules/') ? file.slice(file.lastIndexOf('/node_modules/') + 14) : path.relative(root, file) || file;
  return `${short}:${frame.lineNumber + 1}`;
}

/**
 * `window`: only samples taken between these instants (µs of the monotonic
 * clock, the one process.hrtime and V8's profiler share), to leave out
 * start-up and shutdown.
 */
export function summarizeProfiles(
  dir: string,
  root: string,
  topN = 20,
  window?: { fromUs: number; toUs: number },
  primaryPid?: number,
): ProfileSummary {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const byFunction = new Map<string, { name: string; where: string; us: number; callers: Map<string, number> }>();
  const byOrigin = new Map<string, number>();
  let busyUs = 0;
  const processes: ProfileSummary['processes'] = [];
  for (const f of files) {
    const profile = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as CpuProfile;
    // Node names them CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile.
    const parts = f.split('.');
    const pid = Number(parts[3]);
    const thread = Number(parts[4]);
    const role = `${pid === primaryPid ? 'primary' : 'worker'}${thread > 0 ? ` (thread ${thread})` : ''}`;
    const busyBefore = busyUs;
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parentOf = new Map<number, ProfileNode>();
    for (const n of profile.nodes) for (const c of n.children ?? []) parentOf.set(c, n);
    // timeDeltas[i] is the time since the previous sample: charge it to the sample it ends on.
    let at = profile.startTime;
    for (let i = 0; i < profile.samples.length; i++) {
      const us = profile.timeDeltas[i] ?? 0;
      at += us;
      if (window && (at < window.fromUs || at > window.toUs)) continue;
      const node = nodes.get(profile.samples[i]!);
      if (!node) continue;
      const frame = node.callFrame;
      if (frame.functionName === '(idle)') continue;
      busyUs += us;
      const name = frame.functionName || '(anonymous)';
      const where = whereOf(frame, root);
      const key = `${name}@${where}`;
      const entry = byFunction.get(key) ?? { name, where, us: 0, callers: new Map<string, number>() };
      entry.us += us;
      const parent = parentOf.get(node.id);
      if (parent) {
        const pf = parent.callFrame;
        const caller = `${pf.functionName || '(anonymous)'} ${whereOf(pf, root)}`.trim();
        entry.callers.set(caller, (entry.callers.get(caller) ?? 0) + us);
      }
      byFunction.set(key, entry);
      const origin = originOf(frame, root);
      byOrigin.set(origin, (byOrigin.get(origin) ?? 0) + us);
    }
    processes.push({ pid, role, busyMs: (busyUs - busyBefore) / 1000 });
  }
  const share = (us: number) => (busyUs > 0 ? us / busyUs : 0);
  return {
    files: files.length,
    processes,
    busyMs: busyUs / 1000,
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((e) => {
        const top = [...e.callers.entries()].sort((a, b) => b[1] - a[1])[0];
        return { name: e.name, where: e.where, selfMs: e.us / 1000, share: share(e.us), ...(top ? { calledFrom: top[0] } : {}) };
      }),
    byOrigin: [...byOrigin.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, topN)
      .map(([name, us]) => ({ name, where: '', selfMs: us / 1000, share: share(us) })),
  };
}
