/**
 * The gateway's Prometheus metrics (prom-client), one registry per gateway
 * instance (tests run several in one process) plus the process's default
 * metrics, collected once per process.
 *
 * Every label value comes from a bounded set the gateway owns: operation
 * names of the contract (or 'unknown'), outcomes ('ok', 'ricevutaNonOk', a
 * catalog fault key, 'UNAUTHORIZED', 'status_NNN'), catalog tipoErrore codes.
 * Never a username, an address or anything read from a request.
 *
 * The hot path pays for one histogram observation and one or two counter
 * increments on label children resolved once per (operation, outcome): no
 * label object is built per request. Gauges of queues are read only when
 * /metrics is scraped (collect callbacks).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Operation label of a SOAP call refused before its operation was known (login, body, envelope). */
export const UNKNOWN_OPERATION = 'unknown';
/** Outcome label of a 401 (missing or wrong credentials): not a SOAP fault, but a refusal all the same. */
export const UNAUTHORIZED = 'UNAUTHORIZED';

/** Seconds: from a cached login answering in ~0.1 ms to a request held by the 30 s request timeout. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

type CounterChild = { inc(value?: number): void };
type HistogramChild = { observe(value: number): void };

interface OperationInstruments {
  readonly duration: HistogramChild;
  readonly outcomes: Map<string, CounterChild>;
}

let processRegistry: Registry | undefined;

/** Node's own metrics (CPU, memory, event-loop delay, GC, handles), once per process whatever the number of gateways. */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry, eventLoopMonitoringPrecision: 20 });
  }
  return processRegistry;
}

export class GatewayMetrics {
  /** This gateway's own metrics (the process's defaults are in processMetrics()). */
  readonly registry = new Registry();
  private readonly requests: Counter<'operation' | 'outcome'>;
  private readonly duration: Histogram<'operation'>;
  private readonly refusals: Counter<'reason'>;
  private readonly diagnostics: Counter<'tipoErrore'>;
  private readonly inpsRequests: Counter<'operation' | 'outcome'>;
  private readonly inpsDuration: Histogram<'operation'>;
  private readonly byInpsOperation = new Map<string, OperationInstruments>();
  private readonly byOperation = new Map<string, OperationInstruments>();
  private readonly byReason = new Map<string, CounterChild>();
  private readonly byTipoErrore = new Map<string, CounterChild>();

  constructor() {
    const registers = [this.registry];
    this.requests = new Counter({
      name: 'sac_requests_total',
      help: 'SOAP calls answered, by operation and outcome (ok, ricevutaNonOk, or the fault key / UNAUTHORIZED that refused them).',
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.duration = new Histogram({
      name: 'sac_request_duration_seconds',
      help: 'Time from the first byte of a SOAP call to the end of its answer, by operation.',
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.refusals = new Counter({
      name: 'sac_refusals_total',
      help: 'Every SOAP fault and 401 answered on any route, by fault key (e.g. LOGIN_THROTTLED, AUTH_BUSY, SHUTTING_DOWN, UNAUTHORIZED).',
      labelNames: ['reason'],
      registers,
    });
    this.inpsRequests = new Counter({
      name: 'sac_inps_requests_total',
      help: "Requests of the INPS side's HTTP routes (export, worker documents, printed copies), by operation and outcome (ok, the problem's codice, or the refusal's key).",
      labelNames: ['operation', 'outcome'],
      registers,
    });
    this.inpsDuration = new Histogram({
      name: 'sac_inps_request_duration_seconds',
      help: "Time to answer a request of the INPS side's HTTP routes, by operation.",
      labelNames: ['operation'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.diagnostics = new Counter({
      name: 'sac_diagnostics_total',
      help: 'Diagnostics answered in ricevutaNonOk, by tipoErrore.',
      labelNames: ['tipoErrore'],
      registers,
    });
  }

  /** A request of the INPS side's HTTP routes is answered (operation: one per route; outcome: ok, a codice, a fault key). */
  recordInpsRead(operation: string, outcome: string, seconds: number): void {
    let op = this.byInpsOperation.get(operation);
    if (op === undefined) {
      op = { duration: this.inpsDuration.labels(operation), outcomes: new Map() };
      this.byInpsOperation.set(operation, op);
    }
    op.duration.observe(seconds);
    let count = op.outcomes.get(outcome);
    if (count === undefined) {
      count = this.inpsRequests.labels(operation, outcome);
      op.outcomes.set(outcome, count);
    }
    count.inc();
  }

  /** A SOAP call is answered. */
  recordCall(operation: string, outcome: string, seconds: number, tipiErrore: readonly string[]): void {
    let op = this.byOperation.get(operation);
    if (op === undefined) {
      op = { duration: this.duration.labels(operation), outcomes: new Map() };
      this.byOperation.set(operation, op);
    }
    op.duration.observe(seconds);
    let count = op.outcomes.get(outcome);
    if (count === undefined) {
      count = this.requests.labels(operation, outcome);
      op.outcomes.set(outcome, count);
    }
    count.inc();
    for (let i = 0; i < tipiErrore.length; i++) this.child(this.byTipoErrore, this.diagnostics, tipiErrore[i]!).inc();
  }

  /** A fault or a 401 is answered, on any route. */
  recordRefusal(reason: string): void {
    this.child(this.byReason, this.refusals, reason).inc();
  }

  /** A gauge read at scrape time (queue depths, connections). */
  gauge(name: string, help: string, read: () => number): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /** A gauge with one label, its values read at scrape time. */
  labelledGauge<L extends string>(name: string, help: string, label: L, read: () => Record<string, number>): void {
    new Gauge({
      name,
      help,
      labelNames: [label],
      registers: [this.registry],
      collect() {
        for (const [value, n] of Object.entries(read())) this.set({ [label]: value } as Record<L, string>, n);
      },
    });
  }

  /** A counter kept elsewhere, copied at scrape time. */
  counter(name: string, help: string, read: () => number): void {
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(read());
      },
    });
  }

  /** A counter kept elsewhere (e.g. the login guard's), copied at scrape time; one label. */
  labelledCounter<L extends string>(name: string, help: string, label: L, read: () => Record<string, number>): void {
    new Counter({
      name,
      help,
      labelNames: [label],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [value, n] of Object.entries(read())) this.inc({ [label]: value } as Record<L, string>, n);
      },
    });
  }

  /** What this process exposes: its gateway's metrics and Node's. */
  registries(): Registry[] {
    return [this.registry, processMetrics()];
  }

  /** This process's metrics in the Prometheus text format. */
  async text(): Promise<string> {
    return Registry.merge(this.registries()).metrics();
  }

  private child<L extends string>(cache: Map<string, CounterChild>, counter: Counter<L>, value: string): CounterChild {
    let child = cache.get(value);
    if (child === undefined) {
      child = counter.labels(value);
      cache.set(value, child);
    }
    return child;
  }
}

export const PROMETHEUS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;
