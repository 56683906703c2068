/**
 * The SOAP endpoints of every hosted service (src/soap/service.ts) in one
 * Fastify plugin scope: its own content parser (raw bytes within the size
 * and rate limits), its own error handler (faults rendered by faultReply.ts)
 * and onRequest hooks (drain, admission control, login, rate limit) that run
 * before any byte of the body is read. Each service adds one POST route to
 * the scope; the hooks, limits and fault rendering are the same for all.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Admission } from './admission.js';
import { SoapFault } from '../catalog/diagnostics.js';
import type { SoapAnswer, SoapCall } from '../soap/pipeline.js';
import type { UserRecord } from '../store/port.js';
import type { Authenticator } from './authenticator.js';
import { gateCallers, type CallerAnswers } from './callerGate.js';
import { bodyParser, type BodyRateWatch } from './bodyReader.js';
import { SERVICE_PATH } from './contractRoutes.js';
import type { Drain } from './drain.js';
import { noteAnswer, noteSoapCall } from './accessLog.js';
import { knownFault, sendFault, sendInternal, sendUnauthorized } from './faultReply.js';
import type { UserRateLimit } from './userRateLimit.js';

/** What the SOAP scope needs of one hosted service: where it answers, and its pipeline (src/soap/pipeline.ts). */
export interface SoapEndpoint {
  readonly path: string;
  readonly pipeline: { handle(call: SoapCall<UserRecord>): Promise<SoapAnswer> };
}

export interface SoapServiceOptions {
  /** The hosted services, one POST route each. */
  readonly services?: readonly SoapEndpoint[];
  /** Without `services`: this pipeline alone, at CertificatiMedici's path. */
  readonly pipeline?: SoapEndpoint['pipeline'];
  readonly authenticator: Authenticator;
  readonly bodyLimit: number;
  readonly rateWatch: BodyRateWatch;
  readonly drain: Drain;
  /** Admission control: checked before the login (admission.ts). */
  readonly admission: Admission;
  /** A token bucket per user, checked right after the login, before the body is read. */
  readonly rateLimit: UserRateLimit;
  /** The sandbox's request inspector, installed in this scope (absent unless the sandbox is on). */
  readonly inspect?: ((scope: FastifyInstance) => void) | undefined;
}

/** The SOAP scope's refusals: a fault; the body is not read, so the connection ends with the answer. */
const SOAP_ANSWERS: CallerAnswers = {
  refuse: (reply, fault, retryAfterS) => void sendFault(reply, fault, { retryAfterS, close: true }),
  unauthorized: (reply) => void sendUnauthorized(reply),
};

/** `Expect: 100-continue`: the body is invited only once the caller is known (server.ts). */
function continueIfExpected(request: FastifyRequest, reply: FastifyReply): void {
  if (request.headers.expect !== undefined && /^100-continue$/i.test(request.headers.expect)) reply.raw.writeContinue();
}

export async function soapService(app: FastifyInstance, options: SoapServiceOptions): Promise<void> {
  const { authenticator, bodyLimit, rateWatch, drain, admission, rateLimit } = options;
  const endpoints = options.services ?? (options.pipeline === undefined ? [] : [{ path: SERVICE_PATH, pipeline: options.pipeline }]);
  if (endpoints.length === 0) throw new Error('the SOAP scope needs at least one service');

  app.decorateRequest('caller', null);
  options.inspect?.(app);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', bodyParser(bodyLimit, rateWatch));

  // Drain, admission control, login, rate limit: before any byte of the body is read (callerGate.ts).
  await gateCallers(app, { authenticator, drain, admission, rateLimit, answers: SOAP_ANSWERS, arrived: noteSoapCall, admitted: continueIfExpected });

  app.setErrorHandler((err: unknown, request, reply) => {
    const known = knownFault(err, bodyLimit);
    if (known) {
      if (known.fault.key === 'UNAVAILABLE') request.log.error('store writer unavailable');
      if (known.fault.key === 'PUC_EXHAUSTED') request.log.error('protocol numbers exhausted: every draw was already used, raise SAC_PUC_DIGITS');
      return sendFault(reply, known.fault, drain.draining ? { ...known.options, close: true } : known.options);
    }
    return sendInternal(request, reply, err);
  });

  for (const endpoint of endpoints) postRoute(app, endpoint, drain);
}

/** One service's POST route: the call through its pipeline, the answer or its fault. */
function postRoute(app: FastifyInstance, { path, pipeline }: SoapEndpoint, drain: Drain): void {
  app.post(path, async (request, reply) => {
    const caller = request.caller;
    if (caller === null) throw new Error('SOAP call without an authenticated caller');
    if (!drain.enter()) {
      return sendFault(reply, new SoapFault('SHUTTING_DOWN', { secondi: drain.retryAfterS }), { retryAfterS: drain.retryAfterS, close: true });
    }
    try {
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const soapAction = request.headers.soapaction;
      const answer = await pipeline.handle({
        body,
        contentType: request.headers['content-type'],
        soapAction: Array.isArray(soapAction) ? soapAction[0] : soapAction,
        caller,
        clientAddress: request.ip ?? '',
      });
      // Logged and counted once the answer is out (accessLog.ts).
      noteAnswer(request, answer.operation.name, answer.errorCodes);
      // While draining, the connection ends with this answer.
      if (drain.draining) reply.header('connection', 'close');
      return reply.type('text/xml; charset=utf-8').send(answer.xml);
    } catch (err) {
      if (err instanceof SoapFault) {
        return sendFault(reply, err, { close: drain.draining });
      }
      throw err; // to the scope's error handler
    } finally {
      drain.leave();
    }
  });
}
