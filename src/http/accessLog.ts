/**
 * One access line and one set of metric updates per request, written when
 * the answer is finished (the root scope's onResponse hook). Fastify's own
 * "incoming request" / "request completed" lines are turned off (server.ts):
 * they doubled the log's cost and said less.
 *
 * What the line may hold: the operation, the authenticated username and its
 * kind, the outcome (ok / ricevutaNonOk / fault key), the tipoErrore codes,
 * the status and the duration. Never a diagnosis, a pincode, a password or a
 * body: nothing from the request is copied here but the route it matched.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UNAUTHORIZED, UNKNOWN_OPERATION, type GatewayMetrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The catalog key of the fault this request was answered with (faultReply.ts), or UNAUTHORIZED. */
    sacFault: string | null;
    /** Set by the SOAP scope: the operation, once known ('unknown' before); null on other routes. */
    sacOperation: string | null;
    /** tipoErrore codes of a ricevutaNonOk answer. */
    sacErrors: readonly string[] | null;
    /** Set by the INPS side's HTTP routes (inpsRoutes.ts): the operation (one per route); null elsewhere. */
    inpsOperation: string | null;
    /** The codice of the problem document an INPS route answered (problem.ts). */
    inpsCodice: string | null;
  }
}

const NO_ERRORS: readonly string[] = [];

/** Record the fault an answer carries (called by faultReply.ts for every fault and 401). */
export function noteFault(reply: FastifyReply, key: string): void {
  reply.request.sacFault = key;
}

/** Mark a request as a SOAP call (its operation not known yet). */
export function noteSoapCall(request: FastifyRequest): void {
  request.sacOperation = UNKNOWN_OPERATION;
}

/** The SOAP answer's operation and diagnostics (an empty list for ricevutaOk). */
export function noteAnswer(request: FastifyRequest, operation: string, tipiErrore: readonly string[]): void {
  request.sacOperation = operation;
  request.sacErrors = tipiErrore;
}

/** Mark a request as one of the INPS side's HTTP routes. */
export function noteInpsRead(request: FastifyRequest, operation: string): void {
  request.inpsOperation = operation;
}

/** The codice of a problem document answered (problem.ts). */
export function noteProblem(reply: FastifyReply, codice: string): void {
  reply.request.inpsCodice = codice;
}

function outcomeOf(request: FastifyRequest, status: number): string {
  const fault = request.sacFault;
  if (fault !== null) return fault;
  const errors = request.sacErrors;
  if (errors !== null) return errors.length === 0 ? 'ok' : 'ricevutaNonOk';
  return `status_${status}`;
}

export function registerAccessLog(app: FastifyInstance, metrics: GatewayMetrics): void {
  app.decorateRequest('sacFault', null);
  app.decorateRequest('sacOperation', null);
  app.decorateRequest('sacErrors', null);
  app.decorateRequest('inpsOperation', null);
  app.decorateRequest('inpsCodice', null);
  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    const ms = reply.elapsedTime;
    const status = reply.statusCode;
    const fault = request.sacFault;
    if (fault !== null) metrics.recordRefusal(fault);
    const operation = request.sacOperation;
    if (operation !== null) {
      const outcome = outcomeOf(request, status);
      const errors = request.sacErrors ?? NO_ERRORS;
      metrics.recordCall(operation, outcome, ms / 1000, errors);
      const caller = request.caller;
      request.log.info(
        {
          operation,
          user: caller?.username,
          kind: caller?.kind,
          outcome,
          errors: errors.length === 0 ? undefined : errors,
          status,
          ms: Math.round(ms * 100) / 100,
        },
        'soap call',
      );
    } else if (request.inpsOperation !== null) {
      inpsLine(request, metrics, status, ms);
    } else {
      request.log.info({ method: request.method, route: request.routeOptions.url ?? '(none)', status, outcome: fault ?? undefined, ms: Math.round(ms * 100) / 100 }, 'http request');
    }
    done();
  });
}

export { UNAUTHORIZED };

/**
 * The INPS side's access line: the operation (the route, never its query),
 * the user (not for a worker: their username is their codice fiscale; the
 * access journal names them), the kind, the status, the outcome (ok, the
 * problem's codice, or the refusal's key) and the duration.
 */
function inpsLine(request: FastifyRequest, metrics: GatewayMetrics, status: number, ms: number): void {
  const operation = request.inpsOperation!;
  const outcome = request.sacFault ?? request.inpsCodice ?? (status < 400 ? 'ok' : `status_${status}`);
  metrics.recordInpsRead(operation, outcome, ms / 1000);
  const caller = request.caller;
  request.log.info(
    {
      operation,
      user: caller === null || caller === undefined || caller.kind === 'lavoratore' ? undefined : caller.username,
      kind: caller?.kind,
      outcome,
      status,
      ms: Math.round(ms * 100) / 100,
    },
    'inps read',
  );
}
