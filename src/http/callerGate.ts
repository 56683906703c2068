/**
 * The checks every authenticated scope runs before its handlers, in one
 * function so the SOAP scope (soapService.ts) and the INPS side's HTTP
 * routes (inpsRoutes.ts) share them instead of copying: onRequest hooks,
 * before any byte of a body is read,
 *
 *  1. a draining process refuses (SHUTTING_DOWN) before counting anything;
 *  2. admission control (admission.ts): event loop, calls in flight, write backlog;
 *  3. the login (HTTP Basic, the login guard's throttles and bounded hash queue);
 *  4. the per-user token bucket (userRateLimit.ts).
 *
 * Each scope answers a refusal in its own words (a SOAP fault, a problem
 * document): `answers`.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { SoapFault } from '../catalog/diagnostics.js';
import type { UserRecord } from '../store/port.js';
import type { Admission } from './admission.js';
import { clientGoneSignal, type Authenticator, type LoginResult } from './authenticator.js';
import type { Drain } from './drain.js';
import type { UserRateLimit } from './userRateLimit.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated user, set by an authenticated scope's login hook (callerGate.ts). */
    caller: UserRecord | null;
  }
}

/** How a scope words its refusals. */
export interface CallerAnswers {
  /** SHUTTING_DOWN, OVERLOADED, LOGIN_THROTTLED, AUTH_BUSY, RATE_LIMITED: each with its Retry-After. */
  refuse(reply: FastifyReply, fault: SoapFault, retryAfterS: number): void;
  /** Missing or wrong credentials: 401 with the Basic challenge. */
  unauthorized(reply: FastifyReply): void;
}

export interface CallerGateOptions {
  readonly authenticator: Authenticator;
  readonly drain: Drain;
  readonly admission: Admission;
  readonly rateLimit: UserRateLimit;
  readonly answers: CallerAnswers;
  /** First thing for every request of the scope (the SOAP scope marks its calls for the access log). */
  readonly arrived?: ((request: FastifyRequest) => void) | undefined;
  /** Once the caller is logged in and within its rate (the SOAP scope sends 100 Continue). */
  readonly admitted?: ((request: FastifyRequest, reply: FastifyReply) => void) | undefined;
}

/** Add the hooks to `app` (an encapsulated scope that decorated `caller`). */
export async function gateCallers(app: FastifyInstance, options: CallerGateOptions): Promise<void> {
  const { authenticator, drain, admission, rateLimit, answers, arrived, admitted } = options;

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    arrived?.(request);
    if (drain.draining) {
      answers.refuse(reply, new SoapFault('SHUTTING_DOWN', { secondi: drain.retryAfterS }), drain.retryAfterS);
      return;
    }
    done();
  });
  // No login work when overloaded.
  await admission.register(app, (reply, fault, retryAfterS) => answers.refuse(reply, fault, retryAfterS));

  const refuseLogin = (reply: FastifyReply, result: Exclude<LoginResult, { ok: true }>): void => {
    switch (result.reason) {
      case 'missing':
      case 'invalid':
        answers.unauthorized(reply);
        return;
      case 'throttled':
        answers.refuse(reply, new SoapFault('LOGIN_THROTTLED', { secondi: result.retryAfterS }), result.retryAfterS);
        return;
      case 'busy':
        answers.refuse(reply, new SoapFault('AUTH_BUSY', { secondi: result.retryAfterS }), result.retryAfterS);
        return;
    }
  };

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const socket = request.raw.socket;
    const signal = clientGoneSignal(socket);
    const verdict = (result: LoginResult): void => {
      if (result.ok) {
        const waitS = rateLimit.take(result.user.username, result.user.kind);
        if (waitS > 0) {
          admission.refused.rate_limited++;
          // The access line (accessLog.ts) names the refusal: RATE_LIMITED.
          answers.refuse(reply, new SoapFault('RATE_LIMITED', { secondi: waitS }), waitS);
          return;
        }
        request.caller = result.user;
        admitted?.(request, reply);
        done();
      } else {
        // The access line (accessLog.ts) names the refusal: UNAUTHORIZED, LOGIN_THROTTLED or AUTH_BUSY.
        refuseLogin(reply, result);
      }
    };
    // A kept-alive connection that already proved this header is answered at once, without a promise.
    const proven = authenticator.provenAgain?.(request.headers.authorization, signal);
    if (proven !== undefined) return verdict(proven);
    authenticator.authenticate(request.headers.authorization, request.ip ?? '', signal).then(verdict, (err: unknown) => done(err as Error));
  });
}
