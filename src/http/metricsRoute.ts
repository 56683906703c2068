/**
 * GET /metrics in the Prometheus text format, either on the gateway's own
 * port (SAC_METRICS=on, the default) or on a listener of its own
 * (SAC_METRICS=HOST:PORT) that only the monitoring network reaches. Under
 * node:cluster the answer is the sum over the workers (cluster.ts).
 */
import http from 'node:http';
import { explainListenFailure } from './listenError.js';
import { once } from 'node:events';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { PROMETHEUS_CONTENT_TYPE } from './metrics.js';

/** The metrics text this process answers with (its own, or the cluster's aggregate). */
export type MetricsSource = () => Promise<string>;

export const METRICS_PATH = '/metrics';
const UNAVAILABLE = 'metriche non disponibili in questo momento\n';

export function registerMetricsRoute(app: FastifyInstance, source: MetricsSource): void {
  app.get(METRICS_PATH, async (request, reply) => {
    try {
      const text = await source();
      return reply.type(PROMETHEUS_CONTENT_TYPE).header('cache-control', 'no-store').send(text);
    } catch (err) {
      request.log.warn({ err: { message: (err as Error).message } }, 'metrics not collected');
      return reply.code(503).type('text/plain; charset=utf-8').send(UNAVAILABLE);
    }
  });
}

export interface MetricsListener {
  readonly url: string;
  close(): Promise<void>;
}

/** A plain node:http listener answering GET /metrics and nothing else (404), with no body ever read. */
export async function serveMetrics(host: string, port: number, source: MetricsSource, logger: FastifyBaseLogger): Promise<MetricsListener> {
  const server = http.createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== METRICS_PATH || (request.method !== 'GET' && request.method !== 'HEAD')) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end('non trovato\n');
      return;
    }
    source().then(
      (text) => {
        response.writeHead(200, { 'content-type': PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (err: unknown) => {
        logger.warn({ err: { message: (err as Error).message } }, 'metrics not collected');
        response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end(UNAVAILABLE);
      },
    );
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  server.listen(port, host);
  try {
    await once(server, 'listening');
  } catch (err) {
    throw explainListenFailure(err, 'SAC_METRICS', host, port);
  }
  const address = server.address();
  const boundPort = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}${METRICS_PATH}`;
  return {
    url,
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close').catch(() => {});
    },
  };
}
