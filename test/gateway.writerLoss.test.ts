/**
 * Losing the store's writer: the writer thread of a real gateway is ended
 * (as an uncaught error or an out-of-memory kill would end it). The gateway
 * must then refuse writes at once with the "temporarily unavailable" fault
 * (HTTP 503 with Retry-After: a client or balancer retries, elsewhere or later),
 * store nothing, refuse reads of health data too (their access-journal
 * entry cannot be written: fail closed), and say so on /healthz (503), so a
 * balancer or supervisor can act instead of seeing a healthy gateway.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Worker } from 'node:worker_threads';
import { FAULTS } from '../src/catalog/diagnostics.js';
import { UNAVAILABLE_RETRY_AFTER_S } from '../src/http/faultReply.js';
import { parseFault, parseResponse, post } from './support/soapClient.js';
import { NOW, TODAY, pinnedGateway } from './support/demo.js';
import type { Running } from './support/gateway.js';
import { envelope, invioMalattia } from './support/requests.js';

const ACTION = 'http://ws.cert.sanita.finanze.it/InviaMalattia';
let gw: Running;
let pin: string;

before(async () => {
  ({ gw, pin } = await pinnedGateway(NOW));
});
after(async () => gw.stop());

function sendInvio() {
  return post(gw.endpoint, envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: pin } })), { soapAction: ACTION });
}

describe('the store writer thread is lost', () => {
  test('writes and journaled reads are refused with a fault, nothing is stored, /healthz says 503', async () => {
    assert.equal((await fetch(`${gw.url}/healthz`)).status, 200);
    assert.equal((await fetch(`${gw.url}/readyz`)).status, 200);
    assert.deepEqual(parseResponse(await sendInvio()).errors, [], 'a certificate is accepted while the writer runs');
    const stored = await gw.gateway.store.countCertificates();

    // The one place the test reaches inside: the thread that the store's channel started.
    const writer = (gw.gateway.store as unknown as { writer: { worker: Worker } }).writer.worker;
    const exited = new Promise((resolve) => writer.once('exit', resolve));
    await writer.terminate();
    await exited;

    for (let i = 0; i < 3; i++) {
      const refused = await sendInvio();
      assert.equal(refused.headers.get('retry-after'), String(UNAVAILABLE_RETRY_AFTER_S));
      const fault = parseFault(refused, 503);
      assert.equal(fault.faultcode, 'soap:Server');
      assert.equal(fault.faultstring, FAULTS.UNAVAILABLE.faultstring);
    }
    assert.equal(await gw.gateway.store.countCertificates(), stored, 'nothing was stored after the writer was lost');

    const health = await fetch(`${gw.url}/healthz`);
    assert.equal(health.status, 503);
    assert.deepEqual(await health.json(), { status: 'unavailable', reason: 'store writer stopped' });
    const ready = await fetch(`${gw.url}/readyz`);
    assert.equal(ready.status, 503, 'not ready without a store writer');
    assert.deepEqual(await ready.json(), { status: 'unavailable', reason: 'store writer stopped' });

    // Health data is answered only once its read is journaled, and the journal is written by the writer:
    // without it such reads are refused the same way (fail closed), while the gateway keeps answering.
    const interrogazione = await post(
      gw.endpoint,
      envelope('interrogazioneLavoratoreRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: 'BNCGPP75C41F205S' } }),
    );
    assert.equal(parseFault(interrogazione, 503).faultstring, FAULTS.UNAVAILABLE.faultstring);
    assert.doesNotMatch(interrogazione.text, /Giuseppina/);
    // A search that finds nothing answers no health data and needs no journal entry.
    const ricerca = parseResponse(
      await post(gw.endpoint, envelope('ricercaMalattiaRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: 'VRDLGU62T10L219V' } })),
    );
    assert.deepEqual(ricerca.errors, []);
  });
});
