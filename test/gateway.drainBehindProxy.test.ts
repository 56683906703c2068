/**
 * The drain behind a reverse proxy (SAC_TRUSTED_PROXIES set): an idle
 * keep-alive connection is not closed when the drain begins, because the
 * proxy may be writing a request on it at that very moment and could not
 * resend a POST it already sent (its client would get a 502 without
 * Retry-After: found by test/deploy.rollingRestart.test.ts). A request that
 * arrives on it is answered 503 with Retry-After and `Connection: close`;
 * the drain ends once the client closes its connections. Without a proxy
 * the idle connection is closed at once, as before.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { startGateway, type Running } from './support/gateway.js';
import { rawConnect, soapHead, statusOf, type RawConnection } from './support/rawHttp.js';
import { DEMO, basic } from './support/soapClient.js';

const running: Running[] = [];
const opened: RawConnection[] = [];
after(async () => {
  for (const c of opened) c.socket.destroy();
  for (const gw of running) await gw.stop().catch(() => {});
});

/** A keep-alive connection that has been answered once and is now idle. */
async function idleConnection(gw: Running): Promise<RawConnection> {
  const port = Number(new URL(gw.url).port);
  const c = await rawConnect(port);
  opened.push(c);
  c.socket.write(`GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`);
  for (let i = 0; i < 200 && statusOf(c.received()) === undefined; i++) await delay(10);
  assert.equal(statusOf(c.received()), 200, c.received());
  assert.match(c.received(), /\r\nconnection: keep-alive\r\n/i);
  return c;
}

const BODY = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body/></soapenv:Envelope>';

test('behind a proxy: an idle keep-alive connection outlives the start of the drain; a POST on it gets 503 + Retry-After + Connection: close', async () => {
  const gw = await startGateway({ SAC_TRUSTED_PROXIES: '127.0.0.1', SAC_SHUTDOWN_DEADLINE_MS: '10000' });
  running.push(gw);
  const port = Number(new URL(gw.url).port);
  const c = await idleConnection(gw);
  const answered = c.received().length;
  const closing = gw.gateway.close();
  // Well past the moment the old drain closed idle connections (at once).
  await delay(300);
  assert.equal(c.isClosed(), false, 'the idle connection is left to its client');
  c.socket.write(soapHead(port, Buffer.byteLength(BODY), basic(DEMO.medico.user, DEMO.medico.password), { SOAPAction: '"http://ws.cert.sanita.finanze.it/InviaMalattia"' }) + BODY);
  await c.closed;
  const second = c.received().slice(answered);
  assert.equal(statusOf(second), 503, second);
  assert.match(second, /\r\nretry-after: 1\r\n/i, 'behind a proxy, the resend goes to another node at once');
  assert.match(second, /\r\nconnection: close\r\n/i);
  assert.match(second, /Servizio in arresto/);
  // The connection closed after its answer: nothing keeps the drain waiting.
  const outcome = await Promise.race([closing.then(() => 'closed'), delay(5000).then(() => 'still draining')]);
  assert.equal(outcome, 'closed');
});

test('without a proxy: the idle connection is closed when the drain begins (unchanged)', async () => {
  const gw = await startGateway({ SAC_SHUTDOWN_DEADLINE_MS: '10000' });
  running.push(gw);
  const c = await idleConnection(gw);
  const closing = gw.gateway.close();
  const outcome = await Promise.race([c.closed.then(() => 'closed'), delay(2000).then(() => 'open')]);
  assert.equal(outcome, 'closed');
  await closing;
});
