/**
 * /metrics under node:cluster: the sum over the workers, made by
 * prom-client's AggregatorRegistry in the primary. Workers answer the
 * primary's collection requests with their registries; a worker that serves
 * /metrics on the shared port asks the primary for the aggregate over IPC.
 */
import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import type { MetricsSource } from './http/metricsRoute.js';

const REQUEST = 'sac:metrics-request';
const ANSWER = 'sac:metrics-answer';
/** Beyond prom-client's own 5 s wait for the workers. */
const ASK_TIMEOUT_MS = 7000;

interface MetricsRequest {
  readonly type: typeof REQUEST;
  readonly id: number;
}
interface MetricsAnswer {
  readonly type: typeof ANSWER;
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}

/** In the primary: the aggregate over the workers, and answers to workers that ask for it. */
export function aggregateWorkers(): MetricsSource {
  const aggregator = new AggregatorRegistry();
  const source: MetricsSource = () => aggregator.clusterMetrics();
  cluster.on('message', (worker, message: MetricsRequest) => {
    if (message?.type !== REQUEST) return;
    const reply = (answer: Omit<MetricsAnswer, 'type' | 'id'>) => {
      if (worker.isConnected()) worker.send({ type: ANSWER, id: message.id, ...answer } satisfies MetricsAnswer);
    };
    source().then(
      (text) => reply({ text }),
      (err: unknown) => reply({ error: (err as Error).message }),
    );
  });
  return source;
}

/** In a worker: let the primary collect these registries. */
export function offerToPrimary(registries: Registry[]): void {
  AggregatorRegistry.setRegistries(registries);
  // Its constructor installs the worker's listener for the primary's collection requests.
  new AggregatorRegistry();
}

/** In a worker: the cluster's aggregate, asked of the primary. */
export function askPrimary(): MetricsSource {
  let nextId = 1;
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void; timer: NodeJS.Timeout }>();
  process.on('message', (message: MetricsAnswer) => {
    if (message?.type !== ANSWER) return;
    const entry = waiting.get(message.id);
    if (!entry) return;
    waiting.delete(message.id);
    clearTimeout(entry.timer);
    if (message.text !== undefined) entry.resolve(message.text);
    else entry.reject(new Error(message.error ?? 'no metrics from the primary'));
  });
  return () =>
    new Promise<string>((resolve, reject) => {
      if (!process.send || !process.connected) {
        reject(new Error('not connected to the cluster primary'));
        return;
      }
      const id = nextId++;
      const timer = setTimeout(() => {
        waiting.delete(id);
        reject(new Error('the cluster primary did not answer'));
      }, ASK_TIMEOUT_MS);
      timer.unref();
      waiting.set(id, { resolve, reject, timer });
      process.send({ type: REQUEST, id } satisfies MetricsRequest);
    });
}
