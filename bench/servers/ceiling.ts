/**
 * The ceiling: a bare node:http server that reads the request body and
 * answers a fixed response (a real gateway InviaMalattia answer, so the same
 * size and content type). No parsing, no work: what Node.js can do at all.
 *
 * Env: HOST, PORT, RESPONSE_FILE, WORKERS (node:cluster processes, default 1).
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import http from 'node:http';

const workers = Number(process.env.WORKERS ?? '1');

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  cluster.on('exit', () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
} else {
  const body = readFileSync(process.env.RESPONSE_FILE ?? '');
  const headers = { 'content-type': 'text/xml; charset=utf-8', 'content-length': String(body.length) };
  const server = http.createServer((req, res) => {
    if (req.method !== 'POST') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ceiling\n');
      return;
    }
    // Read the whole body, as any server must, before answering.
    req.on('data', () => {});
    req.on('end', () => res.writeHead(200, headers).end(body));
  });
  server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1');
  // Nothing to flush: stop at once (keep-alive connections would hold close() open).
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}
