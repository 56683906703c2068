/**
 * What a newcomer meets first, against a real gateway: the SOAP endpoint
 * answers other methods with 405 and `Allow: POST` (its ?wsdl and ?xsd=
 * still served).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { renderSoapuiProject } from '../src/soapui/projectXml.js';
import { NO_RESUBMISSION_DETECTION, startGateway, type Running } from './support/gateway.js';

let gw: Running;
before(async () => {
  gw = await startGateway(NO_RESUBMISSION_DETECTION);
});
after(async () => {
  await gw.stop();
});

/** One request with node:http (fetch refuses a body on some methods), its status, headers and body. */
function send(method: string, url: string, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method, headers: body === undefined ? {} : { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.setTimeout(10_000, () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end(body);
  });
}

describe('the SOAP endpoint and other methods', () => {
  test('GET, HEAD, PUT, DELETE, PATCH and OPTIONS answer 405 with Allow: POST', async () => {
    for (const method of ['GET', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
      const withBody = method === 'PUT' || method === 'PATCH' ? '<x/>' : undefined;
      const r = await send(method, gw.endpoint, withBody);
      assert.equal(r.status, 405, method);
      assert.equal(r.headers.allow, 'POST', method);
      if (method !== 'HEAD') assert.match(r.body, /POST/, method);
    }
  });

  test('?wsdl and ?xsd= are still served to GET', async () => {
    const wsdl = await send('GET', `${gw.endpoint}?wsdl`);
    assert.equal(wsdl.status, 200);
    assert.match(wsdl.body, /wsdl:definitions/);
    const xsd = await send('GET', `${gw.endpoint}?xsd=definitorio.xsd`);
    assert.equal(xsd.status, 200);
    assert.match(xsd.body, /xs(d)?:schema/);
  });
});

const AUTH = { medico: 'MDCTST70A01H501K:Demo.Medico.2026', operatore: 'PRTOPR90B15G273Y:Demo.Operatore.2026' };

describe('the landing page and its envelopes', () => {
  test('/ is Italian HTML listing the ten operations, the contract links and the demo users', async () => {
    const r = await send('GET', `${gw.url}/`);
    assert.equal(r.status, 200);
    assert.match(String(r.headers['content-type']), /^text\/html/);
    assert.match(r.body, /<html lang="it">/);
    assert.doesNotMatch(r.body, /<script|(?:src|href)="https?:/);
    const links = [...r.body.matchAll(/href="\/esempi\/(\w+)\.xml"/g)].map((m) => m[1]);
    assert.equal(new Set(links).size, 10, links.join());
    for (const href of ['/CertServiceWeb/CertificatiMedici?wsdl', '/CertServiceWeb/SanitelCF.pem', '/docs/diagnostics.md', '/soapui/sac-gateway-soapui-project.xml']) {
      assert.ok(r.body.includes(href), href);
    }
    assert.ok(r.body.includes('MDCTST70A01H501K'));
    assert.equal((await send('GET', `${gw.url}/docs/diagnostics.md`)).status, 200);
    assert.equal((await send('GET', `${gw.url}/esempi/Altro.xml`)).status, 404);
    // The SoapUI project a tester downloads is the one the gateway generates from its contract.
    const project = await send('GET', `${gw.url}/soapui/sac-gateway-soapui-project.xml`);
    assert.equal(project.status, 200);
    assert.equal(project.body, renderSoapuiProject());
  });

  test('each envelope, its placeholders filled, is accepted by the gateway', async () => {
    const pin = encryptField(gw.gateway.pincodeKey.certificatePem, '1234567890');
    const run = async (operation: string, auth: string, fill: Record<string, string> = {}): Promise<string> => {
      const got = await send('GET', `${gw.url}/esempi/${operation}.xml`);
      assert.equal(got.status, 200, operation);
      let body = got.body.replaceAll('PINCODE_CIFRATO', pin);
      for (const [k, v] of Object.entries(fill)) body = body.replaceAll(k, v);
      const response = await fetch(gw.endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'content-type': 'text/xml; charset=utf-8', soapaction: `"http://ws.cert.sanita.finanze.it/${operation}"` },
        body,
      });
      const text = await response.text();
      assert.equal(response.status, 200, `${operation}: ${text}`);
      assert.match(text, /<ricevutaOk\w*>/, `${operation}: ${text}`);
      return (/<idCertificato>([^<]+)</.exec(text) ?? /<idInizioRicovero>([^<]+)</.exec(text))?.[1] ?? '';
    };
    const invio = () => run('InviaMalattia', AUTH.medico);
    await run('InterrogazioneLavoratore', AUTH.medico);
    await invio();
    await run('RicercaMalattia', AUTH.medico);
    await run('RistampaMalattia', AUTH.medico, { ID_CERTIFICATO: await invio() });
    await run('RettificaMalattia', AUTH.medico, { ID_CERTIFICATO: await invio() });
    await run('AnnullaMalattia', AUTH.medico, { ID_CERTIFICATO: await invio() });
    await run('AnnullaRicovero', AUTH.operatore, { ID_INIZIO_RICOVERO: await run('InviaRicovero', AUTH.operatore) });
    const dimissione = await run('InviaDimissione', AUTH.medico, { ID_INIZIO_RICOVERO: await run('InviaRicovero', AUTH.operatore) });
    await run('RettificaDimissione', AUTH.medico, { ID_CERTIFICATO: dimissione });
  });
});
