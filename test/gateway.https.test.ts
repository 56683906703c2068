/**
 * The gateway serving HTTPS with its own certificate (SAC_TLS_CERT /
 * SAC_TLS_KEY): a client that trusts exactly that certificate does a full
 * InviaMalattia round trip; the WSDL it downloads points at https; a client
 * that does not trust it, or that speaks plain HTTP to the port, gets nowhere.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import path from 'node:path';
import { XmlDocument, type XmlAttribute } from 'libxml2-wasm';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { createSelfSignedCertificate } from '../src/auth/x509.js';
import { startGateway, tempDir, type Running } from './support/gateway.js';
import { DEMO, basic, parseResponse, type SoapResult } from './support/soapClient.js';
import { envelope, invioMalattia } from './support/requests.js';

// 10:00 in Rome, so "today" for the gateway is TODAY whatever the real date.
const NOW = '2026-11-25T09:00:00.000Z';
const TODAY = '2026-11-25';

interface HttpsAnswer extends SoapResult {
  readonly peer: X509Certificate | undefined;
}

/** One request over node:https, trusting only `ca` (undefined: the system store). */
function request(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; ca?: string },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      { method: options.method ?? 'GET', headers: options.headers, ca: options.ca, agent: false },
      (res) => {
        const socket = res.socket as TLSSocket;
        const raw = socket.getPeerX509Certificate?.();
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const headers = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') headers.set(name, value);
          }
          resolve({ status: res.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8'), peer: raw });
        });
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

let gw: Running;
let certDir: string;
let tlsCert: string;

before(async () => {
  certDir = tempDir('sac-tls-');
  const tls = createSelfSignedCertificate({ commonName: 'localhost', bits: 2048, days: 2, altNames: ['127.0.0.1', 'localhost'] });
  tlsCert = tls.certificatePem;
  const certPath = path.join(certDir, 'tls.crt');
  const keyPath = path.join(certDir, 'tls.key');
  writeFileSync(certPath, tls.certificatePem);
  writeFileSync(keyPath, tls.privateKeyPem, { mode: 0o600 });
  gw = await startGateway({ SAC_TLS_CERT: certPath, SAC_TLS_KEY: keyPath });
  gw.clock.set(NOW);
});
after(async () => {
  await gw.stop();
  rmSync(certDir, { recursive: true, force: true });
});

describe('gateway over HTTPS', () => {
  test('listens on https and presents the configured certificate', async () => {
    assert.match(gw.endpoint, /^https:\/\/127\.0\.0\.1:\d+\/CertServiceWeb\/CertificatiMedici$/);
    const r = await request(`${gw.url}/healthz`, { ca: tlsCert });
    assert.equal(r.status, 200);
    assert.ok(r.peer, 'no peer certificate');
    assert.equal(r.peer.fingerprint256, new X509Certificate(tlsCert).fingerprint256);
  });

  test('InviaMalattia round trip, trusting the gateway certificate', async () => {
    const pincode = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
    const body = envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode } }));
    const before = await gw.gateway.store.countCertificates();
    const r = await request(gw.endpoint, {
      method: 'POST',
      ca: tlsCert,
      body,
      headers: {
        'content-type': 'text/xml; charset=utf-8',
        soapaction: '"http://ws.cert.sanita.finanze.it/InviaMalattia"',
        authorization: basic(DEMO.medico.user, DEMO.medico.password),
      },
    });
    const parsed = parseResponse(r);
    assert.equal(parsed.root, 'invioMalattiaResponse');
    assert.deepEqual(parsed.errors, []);
    assert.match(parsed.ok['idCertificato'] ?? '', /^[1-9][0-9]{9}$/);
    assert.match(parsed.ok['dataRicezione'] ?? '', /^2026-11-25T10:00:00\.\d{3}\+01:00$/);
    assert.equal(await gw.gateway.store.countCertificates(), before + 1);
    assert.equal((await gw.gateway.store.getCertificate(parsed.ok['idCertificato']!))?.lavoratoreCf, 'RSSMRA80A01H501U');
  });

  test('wrong credentials over HTTPS still answer 401 with a Basic challenge', async () => {
    const r = await request(gw.endpoint, {
      method: 'POST',
      ca: tlsCert,
      body: envelope('interrogazioneLavoratoreRequest', { lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' } }),
      headers: { 'content-type': 'text/xml; charset=utf-8', authorization: basic(DEMO.medico.user, 'wrong') },
    });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Basic /);
  });

  test('the WSDL served over HTTPS has an https soap:address and schema location', async () => {
    const r = await request(`${gw.endpoint}?wsdl`, { ca: tlsCert });
    assert.equal(r.status, 200);
    const doc = XmlDocument.fromString(r.text);
    try {
      const ns = { wsdl: 'http://schemas.xmlsoap.org/wsdl/', soap: 'http://schemas.xmlsoap.org/wsdl/soap/', xsd: 'http://www.w3.org/2001/XMLSchema' };
      const address = doc.get('//wsdl:service/wsdl:port/soap:address/@location', ns) as XmlAttribute | null;
      const location = doc.get('//wsdl:types/xsd:schema/xsd:import/@schemaLocation', ns) as XmlAttribute | null;
      assert.equal(address?.value, gw.endpoint);
      assert.match(address?.value ?? '', /^https:\/\//);
      assert.equal(location?.value, `${gw.endpoint}?xsd=definitorio.xsd`);
      const xsd = await request(location!.value, { ca: tlsCert });
      assert.equal(xsd.status, 200);
      assert.match(xsd.text, /targetNamespace="http:\/\/cert\.sanita\.finanze\.it\/"/);
    } finally {
      doc.dispose();
    }
  });

  test('a client that does not trust the certificate is refused by TLS', async () => {
    // Only the system store: a self-signed certificate must not verify.
    await assert.rejects(request(`${gw.url}/healthz`, {}), (err: NodeJS.ErrnoException) => {
      assert.match(err.code ?? '', /SELF_SIGNED|UNABLE_TO_VERIFY|CERT/);
      return true;
    });
  });

  test('plain HTTP to the HTTPS port fails', async () => {
    const plain = gw.url.replace(/^https:/, 'http:');
    // Either the connection drops or the server answers with an error: never a WSDL over cleartext.
    const outcome = await fetch(`${plain}/CertServiceWeb/CertificatiMedici?wsdl`).then(
      async (response) => ({ status: response.status, text: await response.text() }),
      (err: Error) => ({ status: 0, text: err.message }),
    );
    assert.ok(outcome.status === 0 || outcome.status >= 400, `plain HTTP got ${outcome.status}`);
    assert.ok(!outcome.text.includes('wsdl:definitions'), 'WSDL served over cleartext');
  });
});
