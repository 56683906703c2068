/**
 * Refusals of the INPS side's HTTP routes as RFC 9457 problem details
 * (application/problem+json): `type`, `title`, `status`, `detail` (the
 * catalog's Italian text) and `codice` (the catalog's tipoErrore, or the
 * fault key of a refusal of the edge: OVERLOADED, RATE_LIMITED, ...).
 * The one place these answers are written, as faultReply.ts is for SOAP.
 *
 * Written by hand: five fields of JSON; no library needed.
 */
import type { FastifyReply } from 'fastify';
import { diagnostic, type DiagnosticKey, type SoapFault } from '../catalog/diagnostics.js';
import { noteFault, noteProblem } from './accessLog.js';
import { UNAUTHORIZED } from './metrics.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/** Problem types are named by their code (docs/diagnostics.md lists them). */
export const PROBLEM_TYPE_PREFIX = 'urn:sac-gateway:errore:';

/** One title per status: a problem type (one code) always comes with the same status on these routes. */
const TITLES: Readonly<Record<number, string>> = {
  400: 'Richiesta non valida',
  401: 'Autenticazione richiesta',
  403: 'Accesso non consentito',
  404: 'Documento non trovato',
  429: 'Troppe richieste',
  500: 'Errore interno',
  503: 'Servizio non disponibile',
};

const INPS_REALM = 'Basic realm="INPS", charset="UTF-8"';
const UNAUTHORIZED_TEXT = 'Credenziali mancanti o errate.';

export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly codice: string;
}

export interface ProblemOptions {
  readonly retryAfterS?: number | undefined;
}

/** Status, headers and body of one problem answer (never cached). */
export function sendProblem(reply: FastifyReply, status: number, codice: string, detail: string, options: ProblemOptions = {}): FastifyReply {
  const body: ProblemBody = { type: PROBLEM_TYPE_PREFIX + codice, title: TITLES[status] ?? 'Errore', status, detail, codice };
  noteProblem(reply, codice);
  reply.code(status).header('cache-control', 'no-store').type(PROBLEM_CONTENT_TYPE);
  if (options.retryAfterS !== undefined) reply.header('retry-after', String(options.retryAfterS));
  return reply.send(JSON.stringify(body));
}

/** A diagnostic of the catalog, answered with `status`. */
export function sendDiagnosticProblem(
  reply: FastifyReply,
  status: number,
  key: DiagnosticKey,
  params: Readonly<Record<string, string | number>> = {},
  options: ProblemOptions = {},
): FastifyReply {
  const d = diagnostic(key, params);
  return sendProblem(reply, status, d.tipoErrore, d.descrizione, options);
}

/** A refusal of the edge (overload, throttles, shutdown, internal error): counted and logged as the SOAP faults are. */
export function sendFaultProblem(reply: FastifyReply, fault: SoapFault, options: ProblemOptions = {}): FastifyReply {
  noteFault(reply, fault.key);
  return sendProblem(reply, fault.httpStatus, fault.key, fault.message, { retryAfterS: options.retryAfterS ?? fault.retryAfterS });
}

/** Missing or wrong credentials: 401 with the Basic challenge. */
export function sendUnauthorizedProblem(reply: FastifyReply): FastifyReply {
  noteFault(reply, UNAUTHORIZED);
  reply.header('www-authenticate', INPS_REALM);
  return sendProblem(reply, 401, UNAUTHORIZED, UNAUTHORIZED_TEXT);
}
