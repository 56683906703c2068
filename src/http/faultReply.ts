/**
 * The one place where refusals become HTTP answers: a SoapFault, or an error
 * known by its code, turns into status + headers + a SOAP 1.1 fault body.
 * The 401 challenge lives here too, so every refusal of the edge reads alike.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { codeOf } from '../errors.js';
import { SoapFault } from '../catalog/diagnostics.js';
import { StoreUnavailableError } from '../store/port.js';
import { PROTOCOL_NUMBER_ATTEMPTS, ProtocolNumbersExhaustedError } from '../sac/lifecycle.js';
import { writeFault } from '../soap/xmlWriter.js';
import { noteFault } from './accessLog.js';
import { UNAUTHORIZED } from './metrics.js';

const XML = 'text/xml; charset=utf-8';
const BASIC_CHALLENGE = 'Basic realm="CertificatiMedici", charset="UTF-8"';
const UNAUTHORIZED_TEXT = 'Credenziali mancanti o errate.\n';

/** Thrown by the pincode check when the password-hash queue is full; carries `retryAfterS`. */
export const AUTH_QUEUE_FULL = 'SAC_AUTH_QUEUE_FULL';
/** Too many wrong pincodes for the caller (LoginThrottledError from inside a call); carries `retryAfterS`. */
const AUTH_THROTTLED = 'SAC_AUTH_THROTTLED';
const BODY_TOO_LARGE = 'FST_ERR_CTP_BODY_TOO_LARGE';
/**
 * Retry-After when the store writer is gone: /healthz fails at the same time,
 * so a supervisor restarts the process or a balancer sends the retry elsewhere.
 */
export const UNAVAILABLE_RETRY_AFTER_S = 10;
/** Fastify refuses an empty or unparsable Content-Type before any parser runs. */
const MEDIA_TYPE_INVALID = 'FST_ERR_CTP_INVALID_MEDIA_TYPE';
const MEDIA_TYPE_EMPTY = 'FST_ERR_CTP_EMPTY_TYPE';

export interface FaultOptions {
  /** Seconds for Retry-After (429 and 503 answers). */
  readonly retryAfterS?: number;
  /** Close the connection after the answer: the rest of the body will not be read. */
  readonly close?: boolean;
}

export interface KnownFault {
  readonly fault: SoapFault;
  readonly options: FaultOptions;
}

function retryAfterOf(err: unknown, fallback: number): number {
  const value = (err as { retryAfterS?: unknown } | null)?.retryAfterS;
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.ceil(value) : fallback;
}

/** The fault for an error raised outside the pipeline's own answers, or undefined for a bug. */
export function knownFault(err: unknown, bodyLimit: number): KnownFault | undefined {
  if (err instanceof SoapFault) return { fault: err, options: {} };
  switch (codeOf(err)) {
    case StoreUnavailableError.code:
      return { fault: new SoapFault('UNAVAILABLE'), options: { retryAfterS: UNAVAILABLE_RETRY_AFTER_S } };
    case ProtocolNumbersExhaustedError.code:
      // The space is (nearly) full: the operator must raise SAC_PUC_DIGITS; no Retry-After, waiting does not free numbers.
      return { fault: new SoapFault('PUC_EXHAUSTED', { tentativi: PROTOCOL_NUMBER_ATTEMPTS }), options: {} };
    case AUTH_THROTTLED: {
      const retryAfterS = retryAfterOf(err, 1);
      return { fault: new SoapFault('LOGIN_THROTTLED', { secondi: retryAfterS }), options: { retryAfterS } };
    }
    case AUTH_QUEUE_FULL: {
      const retryAfterS = retryAfterOf(err, 1);
      return { fault: new SoapFault('AUTH_BUSY', { secondi: retryAfterS }), options: { retryAfterS } };
    }
    case BODY_TOO_LARGE:
      return { fault: new SoapFault('BODY_TOO_LARGE', { limite: bodyLimit }), options: { close: true } };
    case MEDIA_TYPE_INVALID:
    case MEDIA_TYPE_EMPTY:
      // The body was not read: the connection ends with the answer.
      return { fault: new SoapFault('CONTENT_TYPE', { valore: '' }), options: { close: true } };
    default:
      return undefined;
  }
}

/**
 * The connection ends with this answer: `Connection: close`, and the socket is
 * destroyed as soon as the answer is handed to the kernel. Node would otherwise
 * keep reading (and discarding) the rest of a body nobody wants until the close
 * completes: about 125 KiB per refused 1 MiB request, measured.
 */
function closeAfter(reply: FastifyReply): void {
  reply.header('connection', 'close');
  const raw = reply.raw;
  raw.once('finish', () => raw.socket?.destroy());
}

/**
 * Status and headers set on the reply; the fault body returned, for a caller that sends it itself (a plugin's handler).
 * Every fault leaves through here: its key is counted (sac_refusals_total) and logged with the request's access line.
 */
export function prepareFault(reply: FastifyReply, fault: SoapFault, options: FaultOptions = {}): string {
  noteFault(reply, fault.key);
  reply.code(fault.httpStatus).type(XML);
  const retryAfterS = options.retryAfterS ?? fault.retryAfterS;
  if (retryAfterS !== undefined) reply.header('retry-after', String(retryAfterS));
  if (options.close) closeAfter(reply);
  return writeFault(fault.faultcode, fault.message);
}

export function sendFault(reply: FastifyReply, fault: SoapFault, options: FaultOptions = {}): FastifyReply {
  return reply.send(prepareFault(reply, fault, options));
}

/** Missing or wrong credentials: the body is never read, so the connection is closed. */
export function sendUnauthorized(reply: FastifyReply): FastifyReply {
  noteFault(reply, UNAUTHORIZED);
  closeAfter(reply);
  return reply.code(401).header('www-authenticate', BASIC_CHALLENGE).type('text/plain; charset=utf-8').send(UNAUTHORIZED_TEXT);
}

/** An error no fault stands for (a bug): logged with its message, code and stack, never the body; answered as INTERNAL. */
export function sendInternal(request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply {
  const e = err instanceof Error ? err : new Error(String(err));
  request.log.error({ err: { message: e.message, code: (e as { code?: string }).code, stack: e.stack } }, 'request failed');
  return sendFault(reply, new SoapFault('INTERNAL'));
}
