/**
 * The bench's outputs: the console table, docs/performance.md and its plot.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Measurement, Results, ScalingPoint } from '../run.js';
import { COLORS, plotPng, type Panel } from './plot.js';

const NOTES_FILE = fileURLToPath(new URL('../../../bench/performance-notes.md', import.meta.url));

const f0 = (n: number) => n.toFixed(0);
const f1 = (n: number) => n.toFixed(1);
const f2 = (n: number) => n.toFixed(2);
const f3 = (n: number) => n.toFixed(3);
const pct = (n: number) => `${(n * 100).toFixed(1)}%`;

function okShare(m: Measurement): string {
  if (m.server !== 'gateway') return '—';
  return m.requests > 0 ? pct(m.answers.ok / m.requests) : '—';
}

function cores(m: Measurement, cpuS: number): number {
  return m.durationS > 0 ? cpuS / m.durationS : 0;
}

const COLUMNS = [
  'run',
  'procs',
  'req/s',
  'p50 ms',
  'p99 ms',
  'ricevutaOk',
  'failed',
  'peak RSS MB',
  'ΣVmHWM MB',
  'server CPU (cores)',
  'CPU ms/req',
  'wrk CPU (cores)',
  'others (cores)',
  'response B',
] as const;

function row(m: Measurement): string[] {
  return [
    m.rate ? `${m.name} (${m.rate} req/s asked)` : m.name,
    String(m.processes),
    f0(m.rps),
    f2(m.p50Ms),
    f2(m.p99Ms),
    okShare(m),
    String(m.failures),
    f0(m.peakRssMb),
    f0(m.hwmMb),
    f2(cores(m, m.serverCpuS)),
    f3(m.cpuMsPerRequest),
    f2(cores(m, m.wrkCpuS)),
    f2(m.otherCores),
    m.responseBytes > 0 ? String(m.responseBytes) : 'varies',
  ];
}

function textTable(header: readonly string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const fmt = (r: readonly string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

/** Numbers right-aligned; `textColumns` (by index) left-aligned like the first. */
function mdTable(header: readonly string[], rows: string[][], textColumns: readonly number[] = []): string {
  const align = header.map((_, i) => (i === 0 || textColumns.includes(i) ? '---' : '---:'));
  return [`| ${header.join(' | ')} |`, `|${align.join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

interface Target {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

export function targets(r: Results): Target[] {
  const out: Target[] = [];
  const peer = r.ratios['gateway/peer'];
  out.push({
    target: 'InviaMalattia throughput ≥ node-soap echo peer (ratio ≥ 1.0)',
    measured: peer === undefined ? 'not measured' : `${f2(peer)}× (same process count)`,
    met: peer === undefined ? undefined : peer >= 1,
  });
  const ceiling = r.ratios['gateway/ceiling'];
  out.push({
    target: 'InviaMalattia throughput ≥ 0.20 × bare node:http ceiling',
    measured: ceiling === undefined ? 'not measured' : `${f3(ceiling)}× (same process count)`,
    met: ceiling === undefined ? undefined : ceiling >= 0.2,
  });
  out.push({
    target: 'p99 ≤ 4 × p50 at 70% of peak InviaMalattia throughput',
    measured: r.paced
      ? `p99/p50 = ${f2(r.paced.p99OverP50)} (p50 ${f2(r.paced.p50Ms)} ms, p99 ${f2(r.paced.p99Ms)} ms at ${f0(r.paced.achievedRps)} req/s)`
      : 'not measured',
    met: r.paced ? r.paced.p99OverP50 <= 4 : undefined,
  });
  out.push({
    target: 'libxml2 parse + XSD validation of an InviaMalattia payload ≤ 0.05 ms',
    measured: r.xsd
      ? `${f3(r.xsd.libxml2Ms)} ms for the ${r.xsd.envelopeBytes} B envelope (${f3(r.xsd.payloadParseValidateMs)} ms for the ${r.xsd.payloadBytes} B payload alone); ` +
        `the gateway's path with its readEnvelope walk: ${f3(r.xsd.parseValidateMs)} ms`
      : 'not measured',
    met: r.xsd ? r.xsd.libxml2Ms <= 0.05 : undefined,
  });
  out.push({
    target: 'RSS flat (±10%) over 1,000,000 requests',
    measured: r.soak
      ? `${r.soak.requests.toLocaleString('en-US')} requests: after warm-up ${f0(r.soak.minMb)}–${f0(r.soak.maxMb)} MB around a median of ${f0(r.soak.medianMb)} MB ` +
        `(${pct(r.soak.minMb / r.soak.medianMb - 1)} / +${pct(r.soak.maxMb / r.soak.medianMb - 1)}); trend ${r.soak.slopeMbPer100k >= 0 ? '+' : ''}${f1(r.soak.slopeMbPer100k)} MB per 100k requests, ` +
        `last tenth vs first tenth ${r.soak.lastVsFirst >= 1 ? '+' : ''}${pct(r.soak.lastVsFirst - 1)}`
      : 'not measured (run with --full)',
    met: r.soak ? r.soak.flat && r.soak.requests >= 1_000_000 : undefined,
  });
  const stored = r.measurements.filter((m) => m.stored !== undefined);
  const acknowledgedNotStored = stored.filter((m) => m.stored! < m.answers.ok);
  out.push({
    target: 'Durability: nothing acknowledged before its commit is on disk',
    measured: `${r.machine.durability}; every InviaMalattia run stored ≥ what it acknowledged: ${acknowledgedNotStored.length === 0 ? 'yes' : 'NO'} (${stored
      .map((m) => `${m.answers.ok} ok / ${m.stored} stored`)
      .join(', ')})`,
    met: acknowledgedNotStored.length === 0 && /FULL|EXTRA/i.test(r.machine.durability),
  });
  return out;
}

const mark = (met: boolean | undefined) => (met === undefined ? '—' : met ? 'met' : 'MISSED');

const STORE_COLUMNS = [
  'InviaMalattia on',
  'req/s',
  'p99 ms',
  'gw workers µs',
  'gw primary µs',
  'postgres µs',
  'nginx µs',
  'total µs',
  'PG xacts',
  'WAL KB',
  'WAL writes',
  'WAL fsyncs',
] as const;

/** The store comparison's rows: CPU µs and storage per acknowledged (ricevutaOk) InviaMalattia. */
function storeRows(r: Results): string[][] {
  const runs = (r.stores?.runs ?? []).map((n) => r.measurements.find((m) => m.name === n)).filter((m): m is Measurement => m !== undefined);
  return runs.map((m) => {
    const ok = Math.max(1, m.answers.ok);
    const us = (role: string) => (m.cpuByRole?.[role] === undefined ? '—' : f1((m.cpuByRole[role] * 1e6) / ok));
    const total = Object.values(m.cpuByRole ?? {}).reduce((a, x) => a + x, 0);
    const per = (n: number | undefined, scale = 1, digits = 2) => (n === undefined ? '—' : ((n * scale) / ok).toFixed(digits));
    const label = m.name === r.stores?.runs[0] ? 'SQLite, 1 node' : m.name.replace(/^gateway InviaMalattia, /, '');
    return [
      label,
      f0(m.rps),
      f2(m.p99Ms),
      us('gateway workers'),
      us('gateway primary'),
      us('postgres'),
      us('nginx'),
      m.cpuByRole ? f1((total * 1e6) / ok) : '—',
      per(m.pg?.commits),
      per(m.pg?.walBytes, 1 / 1024),
      per(m.pg?.walWrites, 1, 3),
      per(m.pg?.walSyncs, 1, 3),
    ];
  });
}

/** The SQLite / PostgreSQL ratios of req/s and p99 (same run, same wrk). */
function storeRatios(r: Results): Array<[string, string]> {
  const runs = (r.stores?.runs ?? []).map((n) => r.measurements.find((m) => m.name === n));
  const by = (suffix: string) => runs.find((m) => m !== undefined && m.name.endsWith(suffix));
  const sqlite = runs[0];
  const [one, oneNginx, two] = [by('PostgreSQL, 1 node'), by('PostgreSQL, 1 node behind nginx'), by('PostgreSQL, 2 nodes behind nginx')];
  const out: Array<[string, string]> = [];
  const pair = (label: string, a: Measurement | undefined, z: Measurement | undefined) => {
    if (a && z) out.push([label, `req/s ${f3(a.rps / z.rps)}, p99 ${f2(a.p99Ms / z.p99Ms)}`]);
  };
  pair('PostgreSQL 1 node / SQLite', one, sqlite);
  pair('PostgreSQL 2 nodes / SQLite', two, sqlite);
  pair('PostgreSQL 2 nodes / 1 node', two, one);
  pair('PostgreSQL 1 node behind nginx / direct', oneNginx, one);
  pair('PostgreSQL 2 / 1 node, both behind nginx', two, oneNginx);
  return out;
}

const STORE_LEGEND =
  'Per acknowledged InviaMalattia (ricevutaOk): CPU µs from /proc (utime + stime) by role; "gw primary" is the cluster primary, where on SQLite ' +
  "the store's writer thread runs (the database's share there: /proc cannot split it from the primary, whose own share is small); postgres: " +
  'every process of the cluster (backends, WAL writer, checkpointer). PG xacts: transactions committed in the database (read-only ones ' +
  'included: each query outside a transaction is one); WAL KB, writes and fsyncs (fdatasync) from pg_stat_wal. SQLite has no such counter ' +
  'here (its writer group-commits the writes of one event-loop turn in one transaction).';

function storeConsole(r: Results): string[] {
  const st = r.stores;
  if (!st) return [];
  const lines = ['', 'InviaMalattia on SQLite and on PostgreSQL (same run, same wrk):'];
  if (st.skipped) {
    lines.push(`  PostgreSQL part not run: ${st.skipped}`);
    return lines;
  }
  lines.push(textTable(STORE_COLUMNS, storeRows(r)));
  for (const [k, v] of storeRatios(r)) lines.push(`  ${k.padEnd(42)} ${v}`);
  lines.push(`  two nodes: ${st.twoNodes}`);
  if (st.settings) {
    lines.push(`  PostgreSQL: throw-away cluster, fsync on, synchronous_commit on, shared_buffers ${st.settings.sharedBuffers}; from deploy/postgresql/sac-gateway.conf: ${st.settings.applied.join(', ')}`);
    if (st.settings.notApplied.length > 0) lines.push(`  (not applied, need a restart: ${st.settings.notApplied.join('; ')})`);
  }
  for (const n of [...st.notes, STORE_LEGEND]) lines.push(`  ${n}`);
  return lines;
}

export function renderConsole(r: Results): string {
  const lines: string[] = [];
  lines.push('');
  lines.push(`sac-gateway bench — ${r.startedAt} — ${r.machine.cpus} CPUs (${r.machine.cpuModel}), node ${r.machine.node}, ${r.machine.wrk}`);
  lines.push(`cores: ${r.cores}`);
  lines.push(
    `wrk: ${r.options.connections} connections, ${r.options.durationS} s per run after ${r.options.warmupS} s warm-up; data dir on ${r.machine.workFs}` +
      (r.machine.flush ? ` (4 KB write + fdatasync: p50 ${f2(r.machine.flush.p50Ms)} ms, p99 ${f2(r.machine.flush.p99Ms)} ms)` : ''),
  );
  lines.push('');
  lines.push(textTable(COLUMNS, r.measurements.map(row)));
  lines.push('');
  // None with --stores-only: its ratios are the store comparison's, below.
  if (Object.keys(r.ratios).length > 0) lines.push('ratios (InviaMalattia throughput):');
  for (const [k, v] of Object.entries(r.ratios)) lines.push(`  ${k.padEnd(28)} ${f3(v)}`);
  if (r.paced) lines.push(`p99/p50 at 70% of peak: ${f2(r.paced.p99OverP50)} (p50 ${f2(r.paced.p50Ms)} ms, p99 ${f2(r.paced.p99Ms)} ms)`);
  if (r.xsd) {
    lines.push(
      `parse + XSD in-process: libxml2 ${f3(r.xsd.libxml2Ms)} ms/op, gateway path ${f3(r.xsd.parseValidateMs)} ms/op (parse alone ${f3(r.xsd.parseOnlyMs)}, parse + readEnvelope ${f3(r.xsd.parseEnvelopeMs)}, validate alone ${f3(r.xsd.validateOnlyMs)}; payload alone parse + validate ${f3(r.xsd.payloadParseValidateMs)}), ${r.xsd.iterations} iterations`,
    );
  }
  if (r.cpuShareOutsideXsd !== undefined) lines.push(`share of an InviaMalattia request's CPU time outside parse + XSD: ${pct(r.cpuShareOutsideXsd)}`);
  lines.push(...storeConsole(r));
  if (r.soak) {
    lines.push(
      `soak: ${r.soak.requests} requests in ${f0(r.soak.seconds)} s, RSS ${f0(r.soak.minMb)}–${f0(r.soak.maxMb)} MB (median ${f0(r.soak.medianMb)}), flat: ${r.soak.flat}, ` +
        `trend ${f1(r.soak.slopeMbPer100k)} MB/100k requests, last/first tenth ${f3(r.soak.lastVsFirst)}`,
    );
  }
  lines.push('');
  lines.push('targets of issue 4:');
  for (const t of targets(r)) lines.push(`  [${mark(t.met).padEnd(6)}] ${t.target}: ${t.measured}`);
  if (r.profile) {
    lines.push('');
    lines.push(`gateway CPU profile, InviaMalattia (${r.profile.files} processes, ${f0(r.profile.busyMs)} ms busy), self time:`);
    for (const p of r.profile.top.slice(0, 12)) {
      lines.push(`  ${pct(p.share).padStart(6)}  ${p.name}  ${p.where || '(native)'}${p.calledFrom ? `  <- ${p.calledFrom}` : ''}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function scalingRows(points: readonly ScalingPoint[]): string[][] {
  return points.map((p) => [
    String(p.connections),
    f0(p.rps),
    f2(p.p50Ms),
    f2(p.p99Ms),
    pct(p.okShare),
    `${p.certificatesBefore.toLocaleString('en-US')} → ${p.certificatesAfter.toLocaleString('en-US')}`,
    f2(p.otherCores ?? 0),
  ]);
}

export function renderPlot(r: Results): Buffer | undefined {
  const panels: Panel[] = [];
  if (r.scaling) {
    const xTicks = r.options.scalingConnections;
    const s10 = r.scaling.at10k;
    const s1m = r.scaling.at1M;
    const label1m = `store ${(s1m[0]?.certificatesBefore ?? 0).toLocaleString('en-US')}`;
    const label10k = `store ${(s10[0]?.certificatesBefore ?? 0).toLocaleString('en-US')}`;
    panels.push({
      title: 'InviaMalattia throughput',
      xLabel: 'connections',
      yLabel: 'requests/s',
      xLog: true,
      xTicks,
      series: [
        { label: label10k, color: COLORS.blue!, points: s10.map((p) => [p.connections, p.rps]) },
        { label: label1m, color: COLORS.orange!, points: s1m.map((p) => [p.connections, p.rps]) },
      ],
    });
    panels.push({
      title: 'InviaMalattia latency',
      xLabel: 'connections',
      yLabel: 'ms',
      xLog: true,
      xTicks,
      series: [
        { label: 'p50 10K', color: COLORS.blue!, points: s10.map((p) => [p.connections, p.p50Ms]), dashed: true },
        { label: 'p99 10K', color: COLORS.blue!, points: s10.map((p) => [p.connections, p.p99Ms]) },
        { label: 'p50 1M', color: COLORS.orange!, points: s1m.map((p) => [p.connections, p.p50Ms]), dashed: true },
        { label: 'p99 1M', color: COLORS.orange!, points: s1m.map((p) => [p.connections, p.p99Ms]) },
      ],
    });
  }
  if (r.soak) {
    panels.push({
      title: `RSS over the ${(r.soak.requests / 1e6).toFixed(2)}M request soak`,
      xLabel: 'minutes',
      yLabel: 'MB (sum of processes)',
      series: [
        { label: 'all processes', color: COLORS.green!, points: r.soak.samples.map((s) => [s.tMs / 60000, s.rssKb / 1024]) },
        { label: 'primary (writer)', color: COLORS.grey!, points: r.soak.samples.map((s) => [s.tMs / 60000, (s.rootKb ?? 0) / 1024]) },
      ],
    });
    panels.push({
      title: 'Soak throughput per 30 s chunk',
      xLabel: 'requests done (millions)',
      yLabel: 'requests/s',
      series: [
        { label: 'req/s', color: COLORS.purple!, points: r.soak.chunks.map((c) => [c.requests / 1e6, c.rps]) },
        // Interference drawn on the same axis, 1 core = 1000: a dip with company is not the gateway's.
        ...(r.soak.chunks.some((c) => c.otherCores !== undefined)
          ? [
              {
                label: 'other processes (cores x 1000)',
                color: COLORS.red!,
                dashed: true,
                points: r.soak.chunks.map((c) => [c.requests / 1e6, (c.otherCores ?? 0) * 1000] as const),
              },
            ]
          : []),
      ],
    });
  }
  return panels.length > 0 ? plotPng(panels, 2) : undefined;
}

export function renderDoc(r: Results, plotFile: string | undefined): string {
  const out: string[] = [];
  const cmd = r.options.full ? 'npm run bench -- --full' : `npm run bench -- --doc${r.options.profile ? ' --profile' : ''}`;
  out.push('# Performance');
  out.push('');
  out.push(
    `Numbers of one real run of \`${cmd}\` (${r.startedAt.slice(0, 16).replace('T', ' ')} UTC, commit ${r.machine.gitCommit}), ` +
      `written by the bench itself (bench/run.ts). Re-run it to refresh this page; no timing is asserted in \`npm test\`.`,
  );
  out.push('');
  if (Object.keys(r.ratios).length > 0) {
    out.push('## Ratios');
    out.push('');
    out.push('InviaMalattia end to end (valid certificates, authenticated, durable) against the two baselines, same run, same wrk, same connections and duration:');
    out.push('');
    out.push(
      mdTable(
        ['ratio', 'value'],
        Object.entries(r.ratios).map(([k, v]) => [k, f3(v)]),
      ),
    );
    out.push('');
  }
  out.push(
    `The ceiling and the peer run with the same number of processes as the gateway (${r.options.workers} workers + primary); ` +
      'the "1 process" rows are there for context only.',
  );
  out.push('');
  if (r.stores) {
    out.push('## SQLite and PostgreSQL');
    out.push('');
    if (r.stores.skipped) {
      out.push(`The PostgreSQL part did not run: ${r.stores.skipped}`);
    } else {
      out.push(mdTable([...STORE_COLUMNS], storeRows(r)));
      out.push('');
      for (const [k, v] of storeRatios(r)) out.push(`- ${k}: ${v}`);
      out.push(`- Two nodes: ${r.stores.twoNodes}`);
      if (r.stores.settings) {
        out.push(
          `- PostgreSQL: a throw-away cluster, fsync and synchronous_commit on, shared_buffers ${r.stores.settings.sharedBuffers}; ` +
            `deploy/postgresql/sac-gateway.conf applied where no restart is needed (${r.stores.settings.applied.join(', ')}).`,
        );
      }
      for (const n of [...r.stores.notes, STORE_LEGEND]) out.push(`- ${n}`);
    }
    out.push('');
  }
  out.push('## Targets of issue 4');
  out.push('');
  out.push(mdTable(['target', 'measured', ''], targets(r).map((t) => [t.target, t.measured, `**${mark(t.met)}**`]), [1, 2]));
  out.push('');
  if (r.cpuShareOutsideXsd !== undefined && r.xsd) {
    const gw = r.measurements.find((m) => m.name === 'gateway InviaMalattia');
    out.push(
      `CPU per InviaMalattia request (all gateway processes, from /proc utime+stime): ${f3(gw?.cpuMsPerRequest ?? 0)} ms; ` +
        `parse + XSD validation as the gateway does it (parseXml, readEnvelope, validate) is ${f3(r.xsd.parseValidateMs)} ms of it, ` +
        `so **${pct(r.cpuShareOutsideXsd)} of a request's CPU time is spent outside parse + validation**.`,
    );
    out.push('');
  }
  const fresh = r.measurements.find((m) => m.name.startsWith('gateway InviaMalattia, fresh'));
  const session = r.measurements.find((m) => m.name === 'gateway InviaMalattia');
  if (fresh && session) {
    out.push(
      `Pincode: with one ciphertext per client session, as vendor software does (${r.pincode.sessionCiphertexts} sessions = wrk connections, so ${r.pincode.sessionCiphertexts} distinct ciphertexts reused all run long; ` +
        'wrk cannot tie a body to a connection, so they rotate over the connections) ' +
        `InviaMalattia does ${f0(session.rps)} req/s; with a fresh ciphertext on every request (${r.pincode.freshCiphertexts.toLocaleString('en-US')} pre-generated, ` +
        `${r.pincode.freshWraps === 0 ? 'none reused' : `${r.pincode.freshWraps} reuses`}) ${f0(fresh.rps)} req/s ` +
        `(${f2(fresh.rps / session.rps)}×; CPU ${f3(session.cpuMsPerRequest)} → ${f3(fresh.cpuMsPerRequest)} ms/request).`,
    );
    out.push('');
  }
  out.push('## All measurements');
  out.push('');
  out.push(mdTable(COLUMNS, r.measurements.map(row)));
  out.push('');
  out.push(
    '*peak RSS*: peak of the summed VmRSS of the server\'s processes, sampled every 250 ms during the timed run; ' +
      '*ΣVmHWM*: the processes\' own peaks since start, added up (an upper bound, includes set-up). ' +
      '*server CPU*: utime+stime of all server processes during the timed run, in cores; *wrk CPU*: wrk\'s own CPU; ' +
      '*others*: the rest of the machine\'s busy CPU (/proc/stat) during the run — kernel networking not charged to a process, and any other job on the machine. ' +
      '*ricevutaOk*: share of answers that carried the operation\'s ricevutaOk, counted by the wrk script on every response. ' +
      'The mix has a ricevutaNonOk share by design: after the first pass over its pre-created ids, rectifying or cancelling them again is refused.',
  );
  out.push('');
  out.push('## Set-up of this run');
  out.push('');
  out.push(`- Machine: ${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB RAM, ${r.machine.kernel}; Node.js ${r.machine.node}; ${r.machine.wrk}.`);
  if (r.machine.flush) {
    out.push(
      `- Disk of the data directory (${r.machine.workFs}): a 4 KB write + fdatasync takes p50 ${f2(r.machine.flush.p50Ms)} ms, p99 ${f2(r.machine.flush.p99Ms)} ms, ` +
        `max ${f2(r.machine.flush.maxMs)} ms (${r.machine.flush.samples} samples): the floor under every durable acknowledgement.`,
    );
  }
  out.push(`- Cores: ${r.cores}`);
  out.push(
    `- Load: wrk, ${r.options.connections} connections, 1 thread, ${r.options.durationS} s per measurement after ${r.options.warmupS} s of warm-up ` +
      '(none before the fresh-ciphertext, mix and paced runs, which follow a warmed-up run), Lua scripts in `bench/wrk/` replaying pre-generated bodies.',
  );
  out.push(
    `- Gateway: \`node dist/src/cli.js serve\`, SAC_WORKERS=${r.options.workers}, LOG_LEVEL=warn, a fresh data directory on ${r.machine.workFs}, ` +
      `${r.options.persons.toLocaleString('en-US')} synthetic persons seeded; ${r.machine.durability}.`,
  );
  out.push(
    '- InviaMalattia bodies: today\'s date in Europe/Rome, the worker rotating over the seeded persons, the two demo doctors alternating by session. ' +
      'Every run counts the certificates in the store before and after: the store must hold at least as many new certificates as ricevutaOk answers.',
  );
  out.push(
    `- Mix: the ten operations in equal shares, round-robin; rectifications, cancellations, reprints, searches and discharges act on certificates and admissions created before the timed run.`,
  );
  out.push(
    `- 70% run: \`bench/wrk/paced.lua\` hands out send slots at ${r.paced ? f0(r.paced.targetRps) : '—'} req/s (70% of the peak InviaMalattia throughput above) over the same connections.`,
  );
  if (r.xsd) {
    out.push(
      `- In-process XSD: on a ${r.xsd.envelopeBytes} B InviaMalattia envelope, ${r.xsd.iterations.toLocaleString('en-US')} iterations after warm-up, yielding to the event loop every 1000 as a server does: ` +
        `libxml2 parse + validation of the payload ${f3(r.xsd.libxml2Ms)} ms; the gateway's \`parseXml\` + \`readEnvelope\` + \`ContractSchema.validate\` + dispose ${f3(r.xsd.parseValidateMs)} ms ` +
        `(libxml2 parse alone ${f3(r.xsd.parseOnlyMs)} ms, parse + \`readEnvelope\` ${f3(r.xsd.parseEnvelopeMs)} ms, validation alone ${f3(r.xsd.validateOnlyMs)} ms, ` +
        `the ${r.xsd.payloadBytes} B payload parsed and validated as its own document ${f3(r.xsd.payloadParseValidateMs)} ms). ` +
        `Bench process RSS ${f0(r.xsd.rssBeforeKb / 1024)} → ${f0(r.xsd.rssAfterKb / 1024)} MB over the loops.`,
    );
  }
  out.push('');
  if (r.scaling) {
    out.push('## Scaling');
    out.push('');
    if (plotFile) {
      out.push(`![throughput and latency by connections, RSS over the soak](${plotFile})`);
      out.push('');
    }
    out.push(
      `InviaMalattia, ${r.options.durationS} s per point after 2 s of warm-up, ${r.options.workers} gateway workers. ` +
        `Small store: every point starts from the same copy of a store filled to ${(r.scaling.at10k[0]?.certificatesBefore ?? 0).toLocaleString('en-US')} certificates (warm-up included):`,
    );
    out.push('');
    out.push(mdTable(['connections', 'req/s', 'p50 ms', 'p99 ms', 'ricevutaOk', 'certificates in store', 'others (cores)'], scalingRows(r.scaling.at10k)));
    out.push('');
    out.push(`After the soak, store at ${(r.scaling.at1M[0]?.certificatesBefore ?? 0).toLocaleString('en-US')} certificates (the points follow one another):`);
    out.push('');
    out.push(mdTable(['connections', 'req/s', 'p50 ms', 'p99 ms', 'ricevutaOk', 'certificates in store', 'others (cores)'], scalingRows(r.scaling.at1M)));
    out.push('');
  }
  if (r.soak) {
    out.push(`## Memory over ${r.soak.requests.toLocaleString('en-US')} requests`);
    out.push('');
    out.push(
      `${r.soak.requests.toLocaleString('en-US')} InviaMalattia requests (${r.soak.ok.toLocaleString('en-US')} ricevutaOk, ${r.soak.failures} failed) in ${f0(r.soak.seconds)} s ` +
        `(${f0(r.soak.requests / r.soak.seconds)} req/s on average), RSS of all gateway processes sampled every 2 s. After the first 10% of the requests: ` +
        `median ${f0(r.soak.medianMb)} MB, min ${f0(r.soak.minMb)} MB, max ${f0(r.soak.maxMb)} MB — **${r.soak.flat ? 'flat within ±10%' : 'NOT flat within ±10%'}**. ` +
        `Trend over the post-warm-up samples: ${r.soak.slopeMbPer100k >= 0 ? '+' : ''}${f1(r.soak.slopeMbPer100k)} MB per 100,000 requests; ` +
        `median of the last tenth vs the first tenth: ${r.soak.lastVsFirst >= 1 ? '+' : ''}${pct(r.soak.lastVsFirst - 1)}. ` +
        `Store after the soak: ${r.soak.certificatesAfter.toLocaleString('en-US')} certificates.`,
    );
    out.push('');
  }
  if (r.profile) {
    out.push('## Where the time goes (CPU profile)');
    out.push('');
    out.push(
      `The gateway restarted as \`node --cpu-prof --cpu-prof-dir=… dist/src/cli.js serve\` (cluster workers inherit the flags) and driven with InviaMalattia for ${r.options.durationS} s; ` +
        `${r.profile.files} profiles summed over the timed run only, ${f0(r.profile.busyMs)} ms of non-idle samples ` +
        `(${r.profile.processes.map((p) => `${p.role} ${f0(p.busyMs)} ms`).join(', ')}). ` +
        'A sample counts as busy while its thread runs JavaScript, WASM or native code, including time blocked inside a native call (a write, an fsync); ' +
        'CPU time from /proc is in the table above. Self time by origin:',
    );
    out.push('');
    out.push(mdTable(['origin', 'self ms', 'share'], r.profile.byOrigin.slice(0, 15).map((p) => [p.name, f0(p.selfMs), pct(p.share)])));
    out.push('');
    out.push('Top functions by self time:');
    out.push('');
    out.push(
      mdTable(
        ['function', 'where', 'mostly called from', 'self ms', 'share'],
        r.profile.top
          .slice(0, 20)
          .map((p) => [
            `\`${p.name.replace(/\|/g, '\\|')}\``,
            p.where ? `\`${p.where}\`` : '(native)',
            p.calledFrom ? `\`${p.calledFrom.replace(/\|/g, '\\|')}\`` : '',
            f0(p.selfMs),
            pct(p.share),
          ]),
        [1, 2],
      ),
    );
    out.push('');
  }
  if (existsSync(NOTES_FILE)) {
    out.push(readFileSync(NOTES_FILE, 'utf8').trim());
    out.push('');
  }
  if (r.noise.length > 0) {
    out.push('## Runs disturbed by other processes');
    out.push('');
    out.push('The machine was shared with other jobs during this run; the bench waited for quiet before each measurement, but these runs still had company:');
    out.push('');
    for (const p of r.noise) out.push(`- ${p}`);
    out.push('');
  }
  if (r.integrity.length > 0) {
    out.push('## Integrity problems in this run');
    out.push('');
    for (const p of r.integrity) out.push(`- ${p}`);
    out.push('');
  }
  out.push('## Reproduce');
  out.push('');
  out.push('```sh');
  out.push('sudo apt-get install -y wrk            # the load generator (Debian/Ubuntu)');
  out.push('npm ci');
  out.push('npm run bench                          # quick: ~3 minutes, table + bench/results/*.json');
  out.push('npm run bench -- --profile --doc       # also a --cpu-prof summary, and this page');
  out.push('npm run bench -- --full                # + 1M-request soak and scaling report, this page and its plot (10-30 min: the soak is 1M requests)');
  out.push('npm run bench -- --help                # options: --workers, --connections, --duration, --wrk-cpus, --server-cpus, ...');
  out.push('```');
  out.push('');
  out.push('Each wrk invocation of this run, as it can be repeated by hand against a running server (the `.lines` files are written by the bench into its temporary directory):');
  out.push('');
  out.push('```');
  for (const m of r.measurements) out.push(m.wrk);
  out.push('```');
  out.push('');
  return `${out.join('\n')}\n`;
}
