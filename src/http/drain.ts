/**
 * Graceful shutdown of the HTTP edge: stop accepting, refuse new SOAP calls
 * with a 503 fault while the ones in flight finish, then, at the deadline,
 * close whatever connections are left (a trickling client included).
 *
 * Node stops enforcing its header and request timeouts once server.close()
 * is called, so without the deadline one slow client would hold the process
 * for ever.
 */
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

  /** Seconds a refused client should wait: about the time another process needs to take over. */
  readonly retryAfterS: number;

  constructor(deadlineMs: number) {
    this.retryAfterS = Math.max(1, Math.ceil(deadlineMs / 1000));
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

/**
 * Stop the server within `deadlineMs`: in-flight calls finish, idle and
 * late connections are closed. Resolves once no SOAP call is left in the
 * pipeline (or the margin is over), so the caller can close the store.
 */
export async function drainServer(app: FastifyInstance, drain: Drain, deadlineMs: number): Promise<DrainOutcome> {
  drain.draining = true;
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
