/**
 * The HTTP face of the gateway (Fastify). Every body arrives as raw bytes:
 * decoding is the SOAP pipeline's job, never the framework's.
 */
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { authenticate, type CachedSecrets } from '../auth/credentials.js';
import type { PincodeKey } from '../auth/pincodeKey.js';
import type { Config } from '../config.js';
import { SoapFault } from '../sac/diagnostics.js';
import { StoreUnavailableError, type CertificateStore } from '../store/port.js';
import type { SoapPipeline } from '../soap/pipeline.js';
import { writeFault } from '../soap/xmlWriter.js';
import { SERVICE_PATH, registerContractRoutes } from './contractRoutes.js';

export interface ServerParts {
  readonly config: Config;
  readonly logger: Logger;
  readonly pipeline: SoapPipeline;
  readonly store: CertificateStore;
  readonly secrets: CachedSecrets;
  readonly pincodeKey: PincodeKey;
}

const XML = 'text/xml; charset=utf-8';
const BASIC_CHALLENGE = 'Basic realm="CertificatiMedici", charset="UTF-8"';

/** The fault for an error raised before or outside the pipeline (body limit, a bug). */
function faultFor(err: unknown, bodyLimit: number): SoapFault | undefined {
  if (err instanceof SoapFault) return err;
  if (err instanceof StoreUnavailableError) return new SoapFault('UNAVAILABLE');
  if ((err as { code?: string } | null)?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new SoapFault('BODY_TOO_LARGE', { limite: bodyLimit });
  }
  return undefined;
}

export function buildServer(parts: ServerParts): FastifyInstance {
  const { config, logger } = parts;
  const options: FastifyServerOptions & { https?: { key: Buffer; cert: Buffer } } = {
    loggerInstance: logger,
    bodyLimit: config.bodyLimit,
    return503OnClosing: true,
  };
  if (config.tls) {
    options.https = { key: readFileSync(config.tls.keyPath), cert: readFileSync(config.tls.certPath) };
  }
  const app = Fastify(options) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  app.setErrorHandler((err: unknown, request, reply) => {
    let fault = faultFor(err, config.bodyLimit);
    if (err instanceof StoreUnavailableError) request.log.error({ err: { message: err.message } }, 'store writer unavailable');
    if (!fault) {
      // Log the error itself, never the request body.
      const e = err instanceof Error ? err : new Error(String(err));
      request.log.error({ err: { message: e.message, code: (e as { code?: string }).code, stack: e.stack } }, 'request failed');
      fault = new SoapFault('INTERNAL');
    }
    return reply.code(fault.httpStatus).type(XML).send(writeFault(fault.faultcode, fault.message));
  });

  app.post(SERVICE_PATH, async (request, reply) => {
    const caller = await authenticate(request.headers.authorization, parts.store, parts.secrets);
    if (!caller) {
      return reply
        .code(401)
        .header('www-authenticate', BASIC_CHALLENGE)
        .type('text/plain; charset=utf-8')
        .send('Credenziali mancanti o errate.\n');
    }
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
    const soapAction = request.headers.soapaction;
    try {
      const answer = await parts.pipeline.handle({
        body,
        contentType: request.headers['content-type'],
        soapAction: Array.isArray(soapAction) ? soapAction[0] : soapAction,
        caller,
        clientAddress: request.socket.remoteAddress ?? '',
      });
      request.log.info(
        { operation: answer.operation.name, user: caller.username, kind: caller.kind, errors: answer.errorCodes },
        answer.errorCodes.length === 0 ? 'ricevuta ok' : 'ricevuta non ok',
      );
      return reply.type(XML).send(answer.xml);
    } catch (err) {
      if (err instanceof SoapFault) {
        request.log.info({ user: caller.username, fault: err.key }, 'soap fault');
        return reply.code(err.httpStatus).type(XML).send(writeFault(err.faultcode, err.message));
      }
      throw err;
    }
  });

  registerContractRoutes(app, parts.pincodeKey, config.publicUrl);

  app.get('/healthz', async (_request, reply) => {
    parts.store.countUsers(); // touches the database: a broken store makes this fail
    // A gateway that can read but not write must not look healthy to a balancer or supervisor.
    if (parts.store.writeFailure()) return reply.code(503).send({ status: 'unavailable', reason: 'store writer stopped' });
    return reply.send({ status: 'ok' });
  });

  return app;
}
