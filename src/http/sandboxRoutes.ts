/**
 * The sandbox's routes, in their own plugin scope (registered only when
 * SAC_SANDBOX is on; otherwise they do not exist and answer 404):
 *
 *   GET  /sandbox            the caller's settings: HTML, or JSON when asked
 *   POST /sandbox/orologio   time travel: istante | scarto | azione=ripristina
 *   POST /sandbox/guasti     fault injection: esito, numero, operazione?, ... | azione=annulla
 *
 * Every route is for the caller's own user, logged in with HTTP Basic as the
 * SOAP calls are (the same login guard: failures count in the same
 * throttles), and a change takes a token from the user's SOAP rate limit.
 * Browsers replay Basic credentials, so a POST from another site (Origin or
 * Sec-Fetch-Site) is refused with 403. Bodies: a form or JSON, at most
 * SANDBOX_BODY_LIMIT bytes.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { codeOf } from '../errors.js';
import { SandboxInputError } from '../sandbox/errors.js';
import type { Sandbox } from '../sandbox/sandbox.js';
import type { UserRecord } from '../store/port.js';
import { clientGoneSignal, type Authenticator, type LoginResult } from './authenticator.js';
import { sendUnauthorized } from './faultReply.js';
import type { UserRateLimit } from './userRateLimit.js';
import { SANDBOX_CLOCK_PATH, SANDBOX_FAULTS_PATH, SANDBOX_PATH, renderSandboxPage, sandboxJson } from './sandboxPage.js';

/** A form or a JSON object of a few short fields. */
export const SANDBOX_BODY_LIMIT = 4096;

export interface SandboxRoutesOptions {
  readonly sandbox: Sandbox;
  readonly authenticator: Authenticator;
  /** The SOAP calls' per-user token bucket: a change takes a token, as a call does (each is a write). */
  readonly rateLimit: UserRateLimit;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The sandbox's caller, set by its scope's onRequest hook. */
    sandboxUser: UserRecord | null;
  }
}

const TEXT = 'text/plain; charset=utf-8';
const HTML = 'text/html; charset=utf-8';
/** The page holds forms that change settings: never framed, never cached, no script. */
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
} as const;

function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept;
  return typeof accept === 'string' && /application\/json/i.test(accept);
}

/**
 * A request a browser made on another site's behalf: Sec-Fetch-Site other
 * than same-origin/none, or an Origin whose host is not this one. Clients
 * that send neither (curl, test suites) are not browsers replaying credentials.
 */
export function crossSite(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return true;
  const origin = request.headers.origin;
  if (typeof origin !== 'string') return false;
  try {
    return new URL(origin).host !== request.headers.host;
  } catch {
    return true; // "null" (a sandboxed frame, a file) or garbage
  }
}

function refuse(request: FastifyRequest, reply: FastifyReply, status: number, message: string, retryAfterS?: number): FastifyReply {
  if (retryAfterS !== undefined) reply.header('retry-after', String(retryAfterS));
  reply.code(status).header('cache-control', 'no-store');
  return wantsJson(request) ? reply.send({ errore: message }) : reply.type(TEXT).send(`${message}\n`);
}

function refuseLogin(request: FastifyRequest, reply: FastifyReply, result: Exclude<LoginResult, { ok: true }>): void {
  switch (result.reason) {
    case 'missing':
    case 'invalid':
      sendUnauthorized(reply);
      return;
    case 'throttled':
      refuse(request, reply, 429, `Troppi tentativi di accesso non riusciti: riprovare tra ${result.retryAfterS} secondi.`, result.retryAfterS);
      return;
    case 'busy':
      refuse(request, reply, 503, `Servizio momentaneamente sovraccarico: riprovare tra ${result.retryAfterS} secondi.`, result.retryAfterS);
      return;
  }
}

/** A form's fields (the last value of a repeated one), or a JSON object's. */
function formFields(body: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(body)) out[name] = value;
  return out;
}

export async function sandboxRoutes(app: FastifyInstance, options: SandboxRoutesOptions): Promise<void> {
  const { sandbox, authenticator, rateLimit } = options;
  app.decorateRequest('sandboxUser', null);
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: SANDBOX_BODY_LIMIT }, (_request, body, done) =>
    done(null, formFields(body as string)),
  );
  app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: SANDBOX_BODY_LIMIT }, (_request, body, done) => {
    try {
      const parsed: unknown = JSON.parse(body as string);
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SandboxInputError('Il corpo JSON deve essere un oggetto.');
      done(null, parsed);
    } catch (err) {
      done(err instanceof SandboxInputError ? err : new SandboxInputError('Il corpo non è JSON valido.'), undefined);
    }
  });

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    if (request.method !== 'GET' && request.method !== 'HEAD' && crossSite(request)) {
      refuse(request, reply, 403, 'Richiesta da un altro sito rifiutata: le impostazioni del sandbox si cambiano solo dalla pagina /sandbox o da un programma.');
      return;
    }
    const socket = request.raw.socket;
    authenticator.authenticate(request.headers.authorization, request.ip ?? '', clientGoneSignal(socket)).then(
      (result) => {
        if (!result.ok) return refuseLogin(request, reply, result);
        if (request.method === 'POST') {
          const waitS = rateLimit.take(result.user.username, result.user.kind);
          if (waitS > 0) return void refuse(request, reply, 503, `Troppe richieste dall'utente in poco tempo: impostazione non registrata. Riprovare tra ${waitS} secondi.`, waitS);
        }
        request.sandboxUser = result.user;
        done();
      },
      (err: unknown) => done(err as Error),
    );
  });

  app.setErrorHandler((err: unknown, request, reply) => {
    if (err instanceof SandboxInputError) return refuse(request, reply, 400, err.message);
    switch (codeOf(err)) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return refuse(request, reply, 413, `Richiesta troppo grande: il limite è di ${SANDBOX_BODY_LIMIT} byte.`);
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      case 'FST_ERR_CTP_EMPTY_TYPE':
        return refuse(request, reply, 415, 'Inviare un modulo (application/x-www-form-urlencoded) o JSON (application/json).');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return refuse(request, reply, 400, 'Il corpo JSON è vuoto.');
      default:
        request.log.error({ err: { message: (err as Error).message, code: codeOf(err) } }, 'sandbox request failed');
        return refuse(request, reply, 500, 'Errore interno del sandbox: impostazione non registrata. Riprovare.');
    }
  });

  const show = (request: FastifyRequest, reply: FastifyReply, status = 200, message?: string): FastifyReply => {
    const view = sandbox.view(request.sandboxUser!.username);
    reply.code(status).headers(PAGE_HEADERS);
    return wantsJson(request) ? reply.send(message === undefined ? sandboxJson(view) : { errore: message, ...sandboxJson(view) }) : reply.type(HTML).send(renderSandboxPage(view, message));
  };

  /** After a change: JSON answers the new settings; a form is sent back to the page (303, so a reload does not post again). */
  const changed = (request: FastifyRequest, reply: FastifyReply): FastifyReply =>
    wantsJson(request) ? show(request, reply) : reply.code(303).header('location', SANDBOX_PATH).header('cache-control', 'no-store').send();

  /** A refused change: the page again with the reason (400), or the JSON error. */
  const rejected = (request: FastifyRequest, reply: FastifyReply, err: unknown): FastifyReply => {
    if (err instanceof SandboxInputError) return show(request, reply, 400, err.message);
    throw err;
  };

  const body = (request: FastifyRequest): Record<string, unknown> => {
    const b = request.body;
    return b !== null && typeof b === 'object' ? (b as Record<string, unknown>) : {};
  };

  app.get(SANDBOX_PATH, async (request, reply) => show(request, reply));

  app.post(SANDBOX_CLOCK_PATH, async (request, reply) => {
    try {
      await sandbox.setClock(request.sandboxUser!.username, body(request));
    } catch (err) {
      return rejected(request, reply, err);
    }
    return changed(request, reply);
  });

  app.post(SANDBOX_FAULTS_PATH, async (request, reply) => {
    try {
      await sandbox.setFault(request.sandboxUser!.username, body(request));
    } catch (err) {
      return rejected(request, reply, err);
    }
    return changed(request, reply);
  });

  for (const path of [SANDBOX_CLOCK_PATH, SANDBOX_FAULTS_PATH]) {
    app.get(path, async (_request, reply) => reply.code(405).header('allow', 'POST').type(TEXT).send('Metodo non ammesso: usare POST (il modulo è nella pagina /sandbox).\n'));
  }
}
