/**
 * What the HTTP edge needs from logins: a verdict from the request's
 * headers alone, before any byte of the body is read. LoginGuard
 * (src/auth/login.ts: throttles, the bounded password-hash queue) is the one
 * the gateway uses; tests script others.
 */
import type { LoginResult } from '../auth/login.js';

/** The verdict: ok, 401 (missing/invalid), 429 (throttled) or 503 (busy), both with Retry-After. */
export type { LoginResult };

export interface Authenticator {
  /** `signal` aborts when the client's connection closes, so queued work for it can be dropped. */
  authenticate(authorization: string | undefined, clientAddress: string, signal: AbortSignal): Promise<LoginResult>;
  /**
   * The same verdict at once for a connection (its signal) that already
   * proved this exact header, when nothing changed since; undefined sends
   * the request down authenticate().
   */
  provenAgain?(authorization: string | undefined, signal: AbortSignal): LoginResult | undefined;
}

const CLIENT_GONE = Symbol('sac.clientGone');
type WithGone = { [CLIENT_GONE]?: AbortController };

/**
 * One AbortSignal per connection, aborted when the socket closes: created on
 * the connection's first request and shared by the requests a kept-alive
 * connection carries (one listener per connection, not per request).
 */
export function clientGoneSignal(socket: NodeJS.EventEmitter & { readonly destroyed: boolean }): AbortSignal {
  const holder = socket as unknown as WithGone;
  let controller = holder[CLIENT_GONE];
  if (controller === undefined) {
    controller = new AbortController();
    holder[CLIENT_GONE] = controller;
    const c = controller;
    if (socket.destroyed) c.abort();
    else socket.once('close', () => c.abort());
  }
  return controller.signal;
}
