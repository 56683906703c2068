/**
 * The fuzz loop shared by the test and scripts/fuzz.ts: make each case, send
 * it, judge the answer, compare the store, and check the gateway still
 * answers /healthz. Bounded by a case count and a wall-clock budget.
 */
import type { BaseRequest } from './bases.js';
import { judge } from './checks.js';
import { makeCase, type FuzzCase } from './mutations.js';
import { request, sendCase, type Answer } from './send.js';
import { describeChange, type StoreProbe, type StoreState } from './storeProbe.js';

export interface FuzzTarget {
  /** The CertificatiMedici endpoint. */
  readonly endpoint: string;
  /** The gateway's /healthz. */
  readonly healthz: string;
  /** When given, the store is compared around every case. */
  readonly store?: StoreProbe;
  /** Why the gateway process is gone, if it is (a child process that exited). */
  readonly gone?: () => string | undefined;
}

/** A failure already reported and waiting for a fix elsewhere: counted and printed, never silent. */
export interface KnownFinding {
  readonly id: string;
  readonly reason: string;
  matches(problem: string, c: FuzzCase, answer: Answer): boolean;
}

export interface Failure {
  readonly seed: number;
  readonly index: number;
  readonly base: string;
  readonly mutations: readonly string[];
  readonly status: number;
  readonly ms: number;
  readonly problems: readonly string[];
  readonly answerExcerpt: string;
  readonly body: Buffer;
}

export interface RunOptions {
  readonly seed: number;
  readonly count: number;
  /** Wall-clock budget: no new case starts after it. */
  readonly seconds: number;
  /** A request without a complete answer in this time is a failure. */
  readonly requestTimeoutMs: number;
  readonly target: FuzzTarget;
  readonly bases: readonly BaseRequest[];
  readonly known?: readonly KnownFinding[];
  /** Check /healthz after this many cases (and after any failure). */
  readonly healthEvery?: number;
  /** The gateway's SAC_BODY_LIMIT (default 1 MiB): a larger body may be refused by a reset. */
  readonly bodyLimit?: number;
  /** Run only these indices (a replay). */
  readonly only?: readonly number[];
  readonly progress?: (line: string) => void;
  /** Called after every case, with its verdict (the script's --show). */
  readonly onCase?: (c: FuzzCase, answer: Answer, outcome: string, problems: readonly string[]) => void;
}

export interface Summary {
  readonly planned: number;
  ran: number;
  stoppedByTime: boolean;
  elapsedMs: number;
  maxMs: number;
  /** Slowest case: index and time. */
  slowest: { index: number; ms: number } | undefined;
  readonly outcomes: Record<string, number>;
  readonly failures: Failure[];
  readonly knownHits: Map<string, { reason: string; count: number; indices: number[] }>;
  storeChanges: number;
  healthChecks: number;
}

async function checkHealth(target: FuzzTarget): Promise<string | undefined> {
  const gone = target.gone?.();
  if (gone) return `the gateway process is gone: ${gone}`;
  const answer = await request(target.healthz, 'GET', {}, undefined, 5000);
  if (answer.status !== 200) return `/healthz answered ${answer.status || answer.error}`;
  return undefined;
}

export async function runFuzz(options: RunOptions): Promise<Summary> {
  const { seed, target, bases } = options;
  const started = performance.now();
  const deadline = started + options.seconds * 1000;
  const healthEvery = options.healthEvery ?? 50;
  const bodyLimit = options.bodyLimit ?? 1024 * 1024;
  const indices = options.only ?? Array.from({ length: options.count }, (_, i) => i);
  const summary: Summary = {
    planned: indices.length,
    ran: 0,
    stoppedByTime: false,
    elapsedMs: 0,
    maxMs: 0,
    slowest: undefined,
    outcomes: {},
    failures: [],
    knownHits: new Map(),
    storeChanges: 0,
    healthChecks: 0,
  };

  // Wrong credentials go last: a login throttle must not turn every later case into a 429.
  const cases: FuzzCase[] = [];
  const deferred: FuzzCase[] = [];
  for (const index of indices) {
    const c = makeCase(seed, index, bases);
    (c.phase === 'auth' ? deferred : cases).push(c);
  }
  cases.push(...deferred);

  let before: StoreState | undefined = await target.store?.snapshot();
  for (const c of cases) {
    if (performance.now() > deadline) {
      summary.stoppedByTime = true;
      break;
    }
    const answer = await sendCase(target.endpoint, c, options.requestTimeoutMs);
    summary.ran++;
    if (answer.ms > summary.maxMs) {
      summary.maxMs = answer.ms;
      summary.slowest = { index: c.index, ms: Math.round(answer.ms) };
    }
    // An edge that refuses without reading the body (401 before the body, 413 while streaming) may
    // close the connection before the client has read the answer: a reset is an answer there.
    const refusedUnread = answer.status === 0 && /ECONNRESET|EPIPE|socket hang up/.test(answer.error ?? '') && (c.phase === 'auth' || c.body.length > bodyLimit);
    const verdict = refusedUnread ? { outcome: 'reset before the body was read', writeAccepted: false, problems: [] } : judge(answer);
    summary.outcomes[verdict.outcome] = (summary.outcomes[verdict.outcome] ?? 0) + 1;
    const problems = [...verdict.problems];

    if (target.store && before) {
      const after = await target.store.snapshot();
      if (after.hash !== before.hash) {
        summary.storeChanges++;
        if (!verdict.writeAccepted) problems.push(`store changed by a refused request (${verdict.outcome}): ${describeChange(before, after)}`);
      }
      before = after;
    }
    if (problems.length > 0 || summary.ran % healthEvery === 0) {
      summary.healthChecks++;
      const unhealthy = await checkHealth(target);
      if (unhealthy) problems.push(unhealthy);
    }

    options.onCase?.(c, answer, verdict.outcome, problems);
    const unknown: string[] = [];
    for (const problem of problems) {
      const known = options.known?.find((k) => k.matches(problem, c, answer));
      if (!known) {
        unknown.push(problem);
        continue;
      }
      const hit = summary.knownHits.get(known.id) ?? { reason: known.reason, count: 0, indices: [] };
      hit.count++;
      if (hit.indices.length < 5) hit.indices.push(c.index);
      summary.knownHits.set(known.id, hit);
    }
    if (unknown.length > 0) {
      summary.failures.push({
        seed,
        index: c.index,
        base: c.base,
        mutations: c.mutations,
        status: answer.status,
        ms: Math.round(answer.ms),
        problems: unknown,
        answerExcerpt: answer.body.toString('latin1').slice(0, 400),
        body: c.body,
      });
      options.progress?.(formatFailure(summary.failures[summary.failures.length - 1]!));
    }
    if (summary.ran % 250 === 0) options.progress?.(`${summary.ran} cases, ${summary.failures.length} failing, ${Math.round(performance.now() - started)} ms`);
  }
  // The run ends on a healthy gateway, or says so.
  summary.healthChecks++;
  const unhealthy = await checkHealth(target);
  if (unhealthy) {
    summary.failures.push({ seed, index: -1, base: '(end of run)', mutations: [], status: 0, ms: 0, problems: [unhealthy], answerExcerpt: '', body: Buffer.alloc(0) });
  }
  summary.elapsedMs = Math.round(performance.now() - started);
  return summary;
}

export function formatFailure(f: Failure): string {
  return [
    `FAIL seed=${f.seed} index=${f.index} base=${f.base} status=${f.status} ${f.ms} ms (${f.body.length} bytes sent)`,
    `  mutations: ${f.mutations.join('; ')}`,
    ...f.problems.map((p) => `  problem: ${p}`),
    `  answer: ${JSON.stringify(f.answerExcerpt.slice(0, 300))}`,
  ].join('\n');
}

export function formatSummary(s: Summary): string {
  const outcomes = Object.entries(s.outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
  const lines = [
    `fuzz: ${s.ran}/${s.planned} cases in ${s.elapsedMs} ms${s.stoppedByTime ? ' (stopped by the time budget)' : ''}; slowest ${s.slowest ? `case ${s.slowest.index}, ${s.slowest.ms} ms` : "-"}`,
    `  outcomes: ${outcomes}`,
    `  store changed ${s.storeChanges} times (accepted writes only); /healthz checked ${s.healthChecks} times`,
    `  failures: ${s.failures.length}`,
  ];
  for (const [id, hit] of s.knownHits) lines.push(`  KNOWN FINDING ${id} x${hit.count} (e.g. index ${hit.indices.join(', ')}): ${hit.reason}`);
  return lines.join('\n');
}
