/**
 * What a newcomer meets first, against a real gateway: the SOAP endpoint
 * answers other methods with 405 and `Allow: POST` (its ?wsdl and ?xsd=
 * still served).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startGateway, type Running } from './support/gateway.js';

let gw: Running;
before(async () => {
  gw = await startGateway();
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
