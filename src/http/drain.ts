/**
 * Graceful shutdown of the HTTP edge: stop accepting, refuse new SOAP calls
 * with a 503 fault while the ones in flight finish, then, at the deadline,
 * close whatever connections are left (a trickling client included).
 *
 * Node stops enforcing its header and request timeouts once server.close()
 * is called, so without the deadline one slow client would hold the process
 * for ever.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';

/** How long handlers still running after the connections closed may take to leave (store writes in progress). */
const HANDLER_MARGIN_MS = 2000;

export class Drain {
  /**
   * Set when shutdown begins: calls that arrive from now on are refused (503),
   * answers close their connection; calls already past authentication finish.
   */
  draining = false;
  /** Set once every connection is closed: nothing may enter the pipeline any more. */
  stopped = false;
  private inFlight = 0;
  private onIdle: (() => void) | undefined;

  /**
   * Seconds a refused client should wait: about the time another process
   * needs to take over; behind a proxy, 1 s, since the proxy sends the resend
   * to a node that is not draining.
   */
  readonly retryAfterS: number;

  constructor(deadlineMs: number, behindProxy = false) {
    this.retryAfterS = behindProxy ? 1 : Math.max(1, Math.ceil(deadlineMs / 1000));
  }

  /** A SOAP call enters the pipeline (false once stopped: refuse it). */
  enter(): boolean {
    if (this.stopped) return false;
    this.inFlight++;
    return true;
  }

  leave(): void {
    this.inFlight--;
    if (this.inFlight === 0 && this.onIdle) this.onIdle();
  }

  get active(): number {
    return this.inFlight;
  }

  /** Resolves when no SOAP call is in the pipeline, or after `ms`; true when idle. */
  whenIdle(ms: number): Promise<boolean> {
    if (this.inFlight === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.onIdle = undefined;
        resolve(false);
      }, ms);
      timer.unref();
      this.onIdle = () => {
        clearTimeout(timer);
        this.onIdle = undefined;
        resolve(true);
      };
    });
  }
}

export interface DrainOutcome {
  /** Connections were still open at the deadline and were closed. */
  readonly forced: boolean;
  /** SOAP calls still running HANDLER_MARGIN_MS after the connections closed. */
  readonly abandoned: number;
}

export interface DrainOptions {
  /**
   * The gateway runs behind a reverse proxy (SAC_TRUSTED_PROXIES is set): idle
   * keep-alive connections are left for their client to close (see
   * leaveIdleConnectionsToTheirClient) instead of being closed at once.
   */
  readonly behindProxy: boolean;
}

/**
 * Behind a proxy, closing an idle keep-alive connection loses whatever request
 * the proxy was writing on it at that moment, and the proxy cannot resend a
 * POST it already sent: its client gets a 502 without Retry-After, not knowing
 * whether the call was made. So, while draining, an idle connection is never
 * closed by this side: the proxy closes it (its keep-alive timeout is below
 * the gateway's, deploy/nginx/sac-gateway.conf), or a request arrives on it and
 * its answer (503 with Retry-After for a SOAP call) says `Connection: close`,
 * or the gateway's own keep-alive timeout or the deadline ends it.
 * Node's server.close() and Fastify's close() both close idle connections at
 * once through closeIdleConnections(): that call does nothing while draining.
 */
function leaveIdleConnectionsToTheirClient(server: Server): void {
  server.closeIdleConnections = () => {};
  // Every answer from now on ends its connection (Node would otherwise keep it alive after close()).
  server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => {
    response.shouldKeepAlive = false;
  });
}

/**
 * Stop the server within `deadlineMs`: in-flight calls finish, idle and
 * late connections are closed (idle ones left to a proxy to close, behind one). Resolves once no SOAP call is left in the
 * pipeline (or the margin is over), so the caller can close the store.
 */
export async function drainServer(app: FastifyInstance, drain: Drain, deadlineMs: number, options: DrainOptions = { behindProxy: false }): Promise<DrainOutcome> {
  drain.draining = true;
  if (options.behindProxy) leaveIdleConnectionsToTheirClient(app.server);
  let forced = false;
  const deadline = setTimeout(() => {
    forced = true;
    app.server.closeAllConnections();
  }, deadlineMs);
  try {
    // Fastify stops accepting, closes idle keep-alive connections and waits for the others.
    await app.close();
  } finally {
    clearTimeout(deadline);
    drain.stopped = true;
  }
  const idle = await drain.whenIdle(HANDLER_MARGIN_MS);
  return { forced, abandoned: idle ? 0 : drain.active };
}
