/**
 * Graceful shutdown of the real binary: on SIGTERM a call in flight finishes
 * and its certificate is acknowledged and kept, a call that arrives on an
 * open connection while draining gets a 503 SOAP Server fault with
 * Retry-After, and a client trickling its body cannot hold the process past
 * the deadline (alone, and under SAC_WORKERS=2).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { romeDate } from '../src/domain/dates.js';
import { openTestStore } from './support/testStore.js';
import { DEMO, basic, field } from './support/soapClient.js';
import { startCli, type CliGateway } from './support/cliGateway.js';
import { tempDir } from './support/gateway.js';
import { edgeTestResources, rawConnect, soapHead, statusOf, type RawConnection } from './support/rawHttp.js';
import { envelope, invioMalattia } from './support/requests.js';

const { track, dataDirs, opened } = edgeTestResources();

const MEDICO = basic(DEMO.medico.user, DEMO.medico.password);
const INVIA = '"http://ws.cert.sanita.finanze.it/InviaMalattia"';
const DEADLINE_MS = 2000;
/** Deadline + the CLI's margin (5 s) + start-up noise: generous, and far below "never". */
const EXIT_BOUND_MS = DEADLINE_MS + 10_000;

async function connect(port: number): Promise<RawConnection> {
  const c = await rawConnect(port);
  opened.add(c);
  return c;
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}

function portOf(gateway: CliGateway): number {
  return Number(new URL(gateway.url).port);
}

function start(dir: string, env: Record<string, string> = {}): Promise<CliGateway> {
  return startCli(dir, {
    track,
    env: {
      SAC_SHUTDOWN_DEADLINE_MS: String(DEADLINE_MS),
      // Only the shutdown deadline may end the trickling client here.
      SAC_MIN_BODY_RATE: '0',
      SAC_HEADERS_TIMEOUT_MS: '600000',
      SAC_REQUEST_TIMEOUT_MS: '600000',
      ...env,
    },
  });
}

/** A client that sends its body one byte every 200 ms until it is cut. */
async function trickler(port: number): Promise<RawConnection> {
  const c = await connect(port);
  c.socket.write(soapHead(port, 100_000, MEDICO));
  void (async () => {
    for (let i = 0; i < 500 && !c.isClosed(); i++) {
      c.socket.write(' ');
      await delay(200);
    }
  })();
  return c;
}

describe('shutdown', () => {
  test('SIGTERM: the call in flight is acknowledged and kept, a late call gets 503, a trickler does not hold the exit', async () => {
    const dir = tempDir();
    dataDirs.push(dir);
    const gw = await start(dir);
    const port = portOf(gw);
    const pem = await (await fetch(`${gw.url}/CertServiceWeb/SanitelCF.pem`)).text();
    const today = romeDate(new Date());
    const body = Buffer.from(
      envelope('invioMalattiaRequest', invioMalattia(today, { medico: { pincode: encryptField(pem, DEMO.medico.pincode) }, malattia: { visita: 'D' } })),
    );

    const slow = await trickler(port);
    // A call in flight: everything but its last byte is sent before the signal.
    const inFlight = await connect(port);
    inFlight.socket.write(soapHead(port, body.length, MEDICO, { SOAPAction: INVIA }));
    inFlight.socket.write(body.subarray(0, body.length - 1));
    // A connection that has started its next request (not idle, so it is not closed at once).
    const late = await connect(port);
    late.socket.write(`POST /CertServiceWeb/CertificatiMedici HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    await delay(500);

    const signalledAt = performance.now();
    gw.child.kill('SIGTERM');
    await delay(300);
    inFlight.socket.write(body.subarray(body.length - 1));
    late.socket.write(`Authorization: ${MEDICO}\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: ${body.length}\r\n\r\n`);
    late.socket.write(body);

    const exit = await within(gw.exited, EXIT_BOUND_MS);
    assert.notEqual(exit, 'timeout', `the gateway was still running ${EXIT_BOUND_MS} ms after SIGTERM:\n${gw.output()}`);
    const exitMs = performance.now() - signalledAt;
    process.stdout.write(`# exit ${exitMs.toFixed(0)} ms after SIGTERM (deadline ${DEADLINE_MS} ms)\n`);
    assert.deepEqual(exit, { code: 0, signal: null }, gw.output());
    assert.ok(exitMs >= DEADLINE_MS - 100, 'the trickling client was cut before the deadline: the drain did not wait');
    await Promise.all([slow.closed, inFlight.closed, late.closed]);

    const acknowledged = inFlight.received();
    assert.equal(statusOf(acknowledged), 200, acknowledged);
    assert.match(acknowledged, /\r\nconnection: close\r\n/i);
    const puc = field(acknowledged, 'idCertificato');
    assert.match(puc ?? '', /^[1-9][0-9]{9}$/, acknowledged);

    const refused = late.received();
    assert.equal(statusOf(refused), 503, refused);
    assert.match(refused, /\r\nretry-after: 2\r\n/i);
    assert.match(refused, /<faultcode>soap:Server<\/faultcode>/);
    assert.match(refused, /Servizio in arresto: la richiesta non è stata registrata/);

    // The acknowledged certificate is in the store the next process opens.
    const reopened = openTestStore(dir);
    try {
      assert.equal(await reopened.countCertificates(), 1, 'the acknowledged certificate, and nothing else');
      assert.equal((await reopened.getCertificate(puc!))?.idCertificato, puc);
    } finally {
      await reopened.close();
    }
    const again = await start(dir);
    const reprint = await fetch(again.endpoint, {
      method: 'POST',
      headers: { authorization: MEDICO, 'content-type': 'text/xml; charset=utf-8' },
      body: envelope('ristampaMalattiaRequest', {
        medico: { pincode: encryptField(pem, DEMO.medico.pincode) },
        lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' },
        idCertificato: puc!,
      }),
    });
    const text = await reprint.text();
    assert.equal(reprint.status, 200);
    assert.match(text, /<ricevutaOkRistampaMalattia>/, text);
    assert.equal(field(text, 'noteDiagnosi'), 'Sindrome influenzale');
    again.child.kill('SIGTERM');
    assert.deepEqual(await within(again.exited, EXIT_BOUND_MS), { code: 0, signal: null });
  });

  test('SIGTERM under SAC_WORKERS=2: the primary waits for its workers, which a trickler cannot hold past the deadline', async () => {
    const dir = tempDir();
    dataDirs.push(dir);
    const gw = await start(dir, { SAC_WORKERS: '2' });
    const port = portOf(gw);
    // Several, so that both workers are likely to hold one.
    const slow = await Promise.all([trickler(port), trickler(port), trickler(port), trickler(port)]);
    await delay(500);
    const signalledAt = performance.now();
    gw.child.kill('SIGTERM');
    const exit = await within(gw.exited, EXIT_BOUND_MS);
    assert.notEqual(exit, 'timeout', `the cluster was still running ${EXIT_BOUND_MS} ms after SIGTERM:\n${gw.output()}`);
    process.stdout.write(`# cluster exit ${(performance.now() - signalledAt).toFixed(0)} ms after SIGTERM\n`);
    assert.deepEqual(exit, { code: 0, signal: null }, gw.output());
    for (const c of slow) assert.ok(c.isClosed() || (await within(c.closed, 1000)) !== 'timeout');
  });
});
