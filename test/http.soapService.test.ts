/**
 * The SOAP scope's answers for every login verdict the edge can receive,
 * over a real loopback server. The login guard (throttling, the bounded
 * password-hash queue) is another module: here a scripted Authenticator
 * stands in for it, so each verdict, and the client-gone signal, can be
 * produced on demand. The pipeline is scripted too (it never runs for a
 * refused login; for the queue-full case it throws what the pincode check
 * throws).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify, { type FastifyInstance } from 'fastify';
import { setTimeout as delay } from 'node:timers/promises';
import { ADMISSION_DEFAULTS, RATE_LIMIT_DEFAULTS } from '../src/config.js';
import { Admission } from '../src/http/admission.js';
import { BodyRateWatch } from '../src/http/bodyReader.js';
import type { Authenticator, LoginResult } from '../src/http/authenticator.js';
import { Drain } from '../src/http/drain.js';
import { soapService } from '../src/http/soapService.js';
import { UserRateLimit } from '../src/http/userRateLimit.js';
import type { SacPipeline } from '../src/sac/services.js';
import type { UserRecord } from '../src/store/port.js';
import { rawConnect, soapHead, statusOf } from './support/rawHttp.js';

const USER: UserRecord = {
  username: 'MDCTST70A01H501K',
  kind: 'medico',
  passwordHash: 'unused',
  pincodeHash: null,
  codiceRegione: '120',
  codiceAsl: null,
  codiceStruttura: null,
};

/** Verdict by user name (the Basic header's user), and a record of abandoned logins. */
class ScriptedAuthenticator implements Authenticator {
  abortedLogins = 0;
  async authenticate(authorization: string | undefined, _clientAddress: string, signal: AbortSignal): Promise<LoginResult> {
    if (!authorization) return { ok: false, reason: 'missing' };
    const user = Buffer.from(authorization.replace(/^Basic /, ''), 'base64').toString().split(':')[0];
    switch (user) {
      case 'throttled':
        return { ok: false, reason: 'throttled', retryAfterS: 30 };
      case 'busy':
        return { ok: false, reason: 'busy', retryAfterS: 2 };
      case 'hang':
        // Queued work that only ends when the client goes away.
        return new Promise((resolve) =>
          signal.addEventListener('abort', () => {
            this.abortedLogins++;
            resolve({ ok: false, reason: 'invalid' });
          }),
        );
      case 'ok':
        return { ok: true, user: USER };
      default:
        return { ok: false, reason: 'invalid' };
    }
  }
}

const queueFull: SacPipeline = {
  handle: () => Promise.reject(Object.assign(new Error('password-hash queue full'), { code: 'SAC_AUTH_QUEUE_FULL', retryAfterS: 7 })),
} as unknown as SacPipeline;

const auth = (user: string) => `Basic ${Buffer.from(`${user}:x`).toString('base64')}`;

describe('SOAP scope: answers for each login verdict', () => {
  let app: FastifyInstance;
  let port: number;
  const authenticator = new ScriptedAuthenticator();
  const watch = new BodyRateWatch(1024, 2000);
  before(async () => {
    app = Fastify();
    const admission = new Admission({ ...ADMISSION_DEFAULTS, rateLimits: RATE_LIMIT_DEFAULTS, timeBands: {} }, { pendingWrites: () => 0 });
    await app.register(soapService, {
      pipeline: queueFull,
      authenticator,
      bodyLimit: 1 << 20,
      rateWatch: watch,
      drain: new Drain(10_000),
      admission,
      rateLimit: new UserRateLimit(RATE_LIMIT_DEFAULTS),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    watch.stop();
    await app.close();
  });

  async function answer(user: string | undefined): Promise<string> {
    const c = await rawConnect(port);
    try {
      c.socket.write(soapHead(port, 10_000, user === undefined ? undefined : auth(user)));
      await Promise.race([c.closed, delay(10_000)]);
      return c.received();
    } finally {
      c.socket.destroy();
    }
  }

  test('throttled: 429, Retry-After, a soap:Client fault, connection closed', async () => {
    const text = await answer('throttled');
    assert.equal(statusOf(text), 429, text);
    assert.match(text, /\r\nretry-after: 30\r\n/i);
    assert.match(text, /\r\nconnection: close\r\n/i);
    assert.match(text, /<faultcode>soap:Client<\/faultcode><faultstring>Troppi tentativi di accesso non riusciti: riprovare tra 30 secondi\.<\/faultstring>/);
  });

  test('busy: 503, Retry-After, a soap:Server fault', async () => {
    const text = await answer('busy');
    assert.equal(statusOf(text), 503, text);
    assert.match(text, /\r\nretry-after: 2\r\n/i);
    assert.match(text, /<faultcode>soap:Server<\/faultcode><faultstring>Servizio momentaneamente sovraccarico/);
  });

  test('missing and invalid: 401 with the Basic challenge', async () => {
    for (const user of [undefined, 'nobody']) {
      const text = await answer(user);
      assert.equal(statusOf(text), 401, text);
      assert.match(text, /\r\nwww-authenticate: Basic realm="CertificatiMedici", charset="UTF-8"\r\n/i);
    }
  });

  test('the login signal aborts when the client goes away', async () => {
    const c = await rawConnect(port);
    c.socket.write(soapHead(port, 10_000, auth('hang')));
    await delay(200);
    assert.equal(authenticator.abortedLogins, 0);
    c.socket.destroy();
    for (let i = 0; i < 100 && authenticator.abortedLogins === 0; i++) await delay(20);
    assert.equal(authenticator.abortedLogins, 1);
  });

  test('the password-hash queue full inside a call (SAC_AUTH_QUEUE_FULL): 503, Retry-After, a soap:Server fault', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/CertServiceWeb/CertificatiMedici`, {
      method: 'POST',
      headers: { authorization: auth('ok'), 'content-type': 'text/xml; charset=utf-8' },
      body: '<x/>',
    });
    const text = await response.text();
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '7');
    assert.match(text, /<faultcode>soap:Server<\/faultcode><faultstring>Servizio momentaneamente sovraccarico: la richiesta non è stata registrata\. Riprovare tra 7 secondi\.<\/faultstring>/);
  });
});
