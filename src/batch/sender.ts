/**
 * Sends one request with retries: on 503/429 (honouring Retry-After), on a
 * timeout, a reset or a refused connection, with exponential backoff and full
 * jitter. Anything the gateway answered (a receipt, a ricevutaNonOk, any
 * other fault) is never sent again. node:http with a keep-alive agent:
 * bounded sockets, no dependency.
 */
import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';
import { readAnswer, type Answer } from './answer.js';

export interface SenderOptions {
  readonly url: URL;
  readonly authorization: string;
  readonly concurrency: number;
  /** Per attempt, ms. */
  readonly timeoutMs: number;
  /** Attempts after the first. */
  readonly retries: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /** Called before each retry (for the progress line). */
  readonly onRetry?: (reason: string) => void;
}

export type SendResult =
  | { readonly answered: true; readonly answer: Answer; readonly status: number; readonly attempts: number }
  | { readonly answered: false; readonly reason: string; readonly attempts: number };

/** Largest response read: the gateway's answers are small. */
const MAX_RESPONSE_BYTES = 4 * 1024 * 1024;
/** A Retry-After longer than this is capped (the run goes on retrying). */
const MAX_RETRY_AFTER_MS = 5 * 60_000;

type Attempt =
  | { kind: 'http'; status: number; text: string; retryAfterMs?: number }
  | { kind: 'error'; reason: string };

export function retryAfterMs(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  if (/^\d{1,9}$/.test(value.trim())) return Math.min(Number(value.trim()) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

export class Sender {
  private readonly agent: http.Agent;
  private readonly client: typeof http | typeof https;

  constructor(private readonly options: SenderOptions) {
    const secure = options.url.protocol === 'https:';
    this.client = secure ? https : http;
    const agentOptions = { keepAlive: true, maxSockets: options.concurrency, maxFreeSockets: options.concurrency };
    this.agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  close(): void {
    this.agent.destroy();
  }

  async send(body: Buffer, contentType: string, soapAction: string): Promise<SendResult> {
    const o = this.options;
    let last = '';
    for (let attempt = 0; attempt <= o.retries; attempt++) {
      if (attempt > 0) o.onRetry?.(last);
      const got = await this.attempt(body, contentType, soapAction);
      let waitMs: number | undefined;
      if (got.kind === 'http') {
        if (got.status === 503 || got.status === 429) {
          last = `HTTP ${got.status}`;
          waitMs = got.retryAfterMs;
        } else {
          const answer = readAnswer(got.text);
          if (answer) return { answered: true, answer, status: got.status, attempts: attempt + 1 };
          if (got.status >= 500) last = `HTTP ${got.status} senza risposta SOAP`;
          // A 4xx that is no SOAP answer (401, 404, 413 ...): the same request would get the same.
          else return { answered: false, reason: `HTTP ${got.status} senza risposta SOAP`, attempts: attempt + 1 };
        }
      } else {
        last = got.reason;
      }
      if (attempt === o.retries) break;
      const backoff = Math.min(o.backoffMaxMs, o.backoffBaseMs * 2 ** attempt);
      // Full jitter, but never earlier than the server asked.
      const delay = waitMs !== undefined ? waitMs + Math.random() * o.backoffBaseMs : Math.random() * backoff;
      await sleep(delay);
    }
    return { answered: false, reason: last, attempts: o.retries + 1 };
  }

  private attempt(body: Buffer, contentType: string, soapAction: string): Promise<Attempt> {
    const o = this.options;
    return new Promise((resolve) => {
      let settled = false;
      const done = (a: Attempt) => {
        if (!settled) {
          settled = true;
          resolve(a);
        }
      };
      const req = this.client.request(o.url, {
        method: 'POST',
        agent: this.agent,
        headers: {
          'content-type': contentType,
          'content-length': body.length,
          soapaction: soapAction,
          authorization: o.authorization,
        },
      });
      const timer = setTimeout(() => {
        req.destroy(new Error('timeout'));
      }, o.timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        done({ kind: 'error', reason: err.message === 'timeout' ? 'timeout' : (err.code ?? err.message) });
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) req.destroy(new Error('risposta troppo grande'));
          else chunks.push(c);
        });
        res.on('error', () => undefined);
        res.on('end', () => {
          clearTimeout(timer);
          const ra = res.headers['retry-after'];
          done({ kind: 'http', status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), retryAfterMs: retryAfterMs(Array.isArray(ra) ? ra[0] : ra) });
        });
      });
      req.end(body);
    });
  }
}
