/**
 * One fuzz case on the wire, with node:http so that every header is sent as
 * built (fetch would normalise or refuse some). A fresh connection per case:
 * a connection the server closed cannot fail the next case.
 */
import http from 'node:http';
import type { FuzzCase } from './mutations.js';

export interface Answer {
  /** 0 when no answer came (see `error`). */
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly ms: number;
  /** Why no (complete) answer came: a reset, a timeout. */
  readonly error?: string;
}

/** An answer body is read up to this size; a longer one is itself a finding. */
const MAX_ANSWER_BYTES = 4 * 1024 * 1024;

export function sendCase(endpoint: string, c: FuzzCase, timeoutMs: number): Promise<Answer> {
  const headers: Record<string, string | number> = {};
  if (c.contentType !== null) headers['content-type'] = c.contentType;
  if (c.soapAction !== null) headers.soapaction = c.soapAction;
  if (c.authorization !== null) headers.authorization = c.authorization;
  if (!c.chunked) headers['content-length'] = c.body.length;
  return request(endpoint, 'POST', headers, c.body, timeoutMs);
}

export function request(url: string, method: string, headers: Record<string, string | number>, body: Buffer | undefined, timeoutMs: number): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    let settled = false;
    let status = 0;
    let responseHeaders: http.IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const answer: Answer = { status, headers: responseHeaders, body: Buffer.concat(chunks), ms: performance.now() - started };
      resolve(error === undefined ? answer : { ...answer, error });
    };
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      status = res.statusCode ?? 0;
      responseHeaders = res.headers;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) {
          req.destroy();
          finish(`answer longer than ${MAX_ANSWER_BYTES} bytes`);
          return;
        }
        chunks.push(chunk);
      });
      res.on('end', () => finish());
      res.on('error', (err) => finish(`answer cut: ${err.message}`));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(`no complete answer within ${timeoutMs} ms`);
    }, timeoutMs);
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The server may answer and close before the whole body is written: keep that answer.
      if (status !== 0 && chunks.length > 0) finish();
      else finish(`${err.code ?? 'error'}: ${err.message}`);
    });
    if (body) req.end(body);
    else req.end();
  });
}
