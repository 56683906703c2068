/**
 * The contract as a client downloads it from a running gateway: the WSDL
 * points at this very gateway, its schema import resolves over HTTP to the
 * XSD, the XSD compiles in two independent validators (libxml2 and Xerces),
 * and the pincode certificate comes in DER and PEM forms of one certificate.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { XmlDocument, XmlValidateError, XsdValidator, type XmlAttribute } from 'libxml2-wasm';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { XSD_PATH } from '../src/contract/files.js';
import { startGateway, tempDir, type Running } from './support/gateway.js';
import { DEMO, parseResponse, post } from './support/soapClient.js';
import { envelope } from './support/requests.js';
import { xercesValidate } from './support/xerces.js';

const NS = {
  wsdl: 'http://schemas.xmlsoap.org/wsdl/',
  soap: 'http://schemas.xmlsoap.org/wsdl/soap/',
  xsd: 'http://www.w3.org/2001/XMLSchema',
};
const CERT_NS = 'http://cert.sanita.finanze.it/';
const TODAY = '2026-11-25';

interface ServedWsdl {
  address: string;
  schemaLocation: string;
}

/** The two values a client takes from the WSDL: where to POST and where the types are. */
function readWsdl(text: string): ServedWsdl {
  const doc = XmlDocument.fromString(text);
  try {
    const address = doc.get('/wsdl:definitions/wsdl:service/wsdl:port/soap:address/@location', NS) as XmlAttribute | null;
    const imports = doc.find('/wsdl:definitions/wsdl:types/xsd:schema/xsd:import', NS);
    assert.ok(address, 'no soap:address in the served WSDL');
    assert.equal(imports.length, 1, 'the WSDL should import exactly one schema');
    const location = doc.get('/wsdl:definitions/wsdl:types/xsd:schema/xsd:import/@schemaLocation', NS) as XmlAttribute | null;
    const namespace = doc.get('/wsdl:definitions/wsdl:types/xsd:schema/xsd:import/@namespace', NS) as XmlAttribute | null;
    assert.equal(namespace?.value, CERT_NS);
    assert.ok(location, 'schema import without schemaLocation');
    return { address: address.value, schemaLocation: location.value };
  } finally {
    doc.dispose();
  }
}

async function fetchWsdl(endpoint: string): Promise<{ text: string; wsdl: ServedWsdl }> {
  const response = await fetch(`${endpoint}?wsdl`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/xml; charset=utf-8');
  const text = await response.text();
  return { text, wsdl: readWsdl(text) };
}

/** A GET with a Host header of our choosing (fetch does not allow setting it). */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers: { host } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (c: Buffer) => chunks.push(c));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/** A stand-alone request payload, as it sits inside soap:Body. */
function samplePayload(cap: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<cert:invioMalattiaRequest xmlns:cert="${CERT_NS}">` +
    `<medico><pincode>QUJDRA==</pincode></medico>` +
    `<lavoratore><codiceFiscale>RSSMRA80A01H501U</codiceFiscale></lavoratore>` +
    `<residenza><via>Via Nazionale</via><civico>10</civico><cap>${cap}</cap><codiceCatastale>H501</codiceCatastale></residenza>` +
    `<malattia><ruoloMedico>S</ruoloMedico><dataRilascio>${TODAY}</dataRilascio><dataInizio>${TODAY}</dataInizio>` +
    `<dataFine>${TODAY}</dataFine><visita>A</visita><tipoCertificato>I</tipoCertificato>` +
    `<diagnosi><codiceDiagnosi>487.1</codiceDiagnosi><noteDiagnosi>Sindrome influenzale è</noteDiagnosi></diagnosi></malattia>` +
    `</cert:invioMalattiaRequest>`
  );
}

let gw: Running;
let servedXsd: string;

before(async () => {
  gw = await startGateway();
  gw.clock.set('2026-11-25T09:00:00.000Z');
  const { wsdl } = await fetchWsdl(gw.endpoint);
  const response = await fetch(wsdl.schemaLocation);
  assert.equal(response.status, 200);
  servedXsd = await response.text();
});
after(async () => gw.stop());

describe('served WSDL', () => {
  test("soap:address is the gateway's own endpoint", async () => {
    const { wsdl } = await fetchWsdl(gw.endpoint);
    assert.equal(wsdl.address, gw.endpoint);
    // ?WSDL (as some toolkits write it) is the same document.
    const upper = await fetch(`${gw.endpoint}?WSDL`);
    assert.equal(upper.status, 200);
    assert.equal(readWsdl(await upper.text()).address, gw.endpoint);
  });

  test('the schema import is an absolute URL on this gateway that serves the XSD', async () => {
    const { wsdl } = await fetchWsdl(gw.endpoint);
    const location = new URL(wsdl.schemaLocation); // throws if relative
    assert.equal(location.href, wsdl.schemaLocation, 'schemaLocation should be a normalized absolute URL');
    assert.equal(location.origin, new URL(gw.url).origin);
    assert.equal(location.href, `${gw.endpoint}?xsd=definitorio.xsd`);

    const response = await fetch(location);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/xml; charset=utf-8');
    const bytes = Buffer.from(await response.arrayBuffer());
    // The very file the gateway validates with, byte for byte.
    assert.ok(bytes.equals(readFileSync(XSD_PATH)), 'served XSD differs from xsd/definitorio.xsd');
    const doc = XmlDocument.fromBuffer(bytes);
    try {
      assert.equal(doc.root.name, 'schema');
      assert.equal(doc.root.namespaceUri, NS.xsd);
      assert.equal(doc.root.attr('targetNamespace')?.value, CERT_NS);
      assert.equal(doc.root.attr('elementFormDefault')?.value, 'unqualified');
    } finally {
      doc.dispose();
    }
  });

  test('without a configured public URL or allow-list the address is the listening one, whatever Host says', async () => {
    const r = await getWithHost(`${gw.endpoint}?wsdl`, 'gateway.example:8443');
    assert.equal(r.status, 200);
    const wsdl = readWsdl(r.body);
    assert.equal(wsdl.address, gw.endpoint);
    assert.equal(wsdl.schemaLocation, `${gw.endpoint}?xsd=definitorio.xsd`);
    assert.ok(!r.body.includes('gateway.example'), 'Host header echoed into the WSDL');
  });

  test('a Host header that is not a plain host[:port] is not echoed into the WSDL', async () => {
    const r = await getWithHost(`${gw.endpoint}?wsdl`, 'evil.example/"><x');
    // Either refused outright or answered with the socket address, never with the injected text.
    if (r.status === 200) {
      assert.ok(!r.body.includes('evil.example'), 'Host header echoed into the WSDL');
      assert.equal(readWsdl(r.body).address, gw.endpoint);
    } else {
      assert.equal(r.status, 400);
    }
  });

  test('wrong ?xsd= names answer 404', async () => {
    for (const query of ['?xsd=other.xsd', '?xsd=DEFINITORIO.XSD', '?xsd=../xsd/definitorio.xsd', '?xsd=']) {
      const response = await fetch(`${gw.endpoint}${query}`);
      assert.equal(response.status, 404, `GET ${query || '(no query)'}`);
      await response.arrayBuffer();
    }
  });
});

describe('served WSDL with SAC_PUBLIC_URL', () => {
  test('address and schema location use the configured public base URL', async () => {
    for (const configured of ['https://sac.example.org/base', 'https://sac.example.org/base/']) {
      const other = await startGateway({ SAC_PUBLIC_URL: configured });
      try {
        const { wsdl } = await fetchWsdl(other.endpoint);
        assert.equal(wsdl.address, 'https://sac.example.org/base/CertServiceWeb/CertificatiMedici');
        assert.equal(wsdl.schemaLocation, 'https://sac.example.org/base/CertServiceWeb/CertificatiMedici?xsd=definitorio.xsd');
        // The configured URL wins over whatever Host the request carried.
        const viaHost = await getWithHost(`${other.endpoint}?wsdl`, 'gateway.example:8443');
        assert.equal(readWsdl(viaHost.body).address, 'https://sac.example.org/base/CertServiceWeb/CertificatiMedici');
      } finally {
        await other.stop();
      }
    }
  });
});

describe('served XSD compiles in independent validators', () => {
  test('libxml2 (libxml2-wasm) compiles it and tells a valid payload from an invalid one', () => {
    const xsdDoc = XmlDocument.fromString(servedXsd);
    let validator: XsdValidator | undefined;
    try {
      validator = XsdValidator.fromDoc(xsdDoc);
      const good = XmlDocument.fromString(samplePayload('00184'));
      try {
        validator.validate(good);
      } finally {
        good.dispose();
      }
      const bad = XmlDocument.fromString(samplePayload('0012'));
      try {
        assert.throws(() => validator!.validate(bad), XmlValidateError);
      } finally {
        bad.dispose();
      }
    } finally {
      validator?.dispose();
      xsdDoc.dispose();
    }
  });

  test('Xerces (JDK) compiles the downloaded file and agrees', async () => {
    const dir = tempDir('sac-xsd-');
    try {
      // Xerces reads a schema from a file: save the download as a client would.
      const file = path.join(dir, 'definitorio.xsd');
      writeFileSync(file, servedXsd, 'utf8');
      const good = await xercesValidate(samplePayload('00184'), file);
      assert.deepEqual(good, { valid: true, messages: [] });
      const bad = await xercesValidate(samplePayload('0012'), file);
      assert.equal(bad.valid, false);
      assert.ok(
        bad.messages.some((m) => /cvc-(pattern|length|minLength)-valid/.test(m) && m.includes("'0012'")),
        bad.messages.join('\n'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('served pincode certificate', () => {
  async function download(suffix: '.cer' | '.pem'): Promise<{ bytes: Buffer; type: string | null }> {
    const response = await fetch(`${gw.url}/CertServiceWeb/SanitelCF${suffix}`);
    assert.equal(response.status, 200);
    return { bytes: Buffer.from(await response.arrayBuffer()), type: response.headers.get('content-type') };
  }

  test('.cer is DER and .pem is PEM of the same RSA 1024 certificate', async () => {
    const der = await download('.cer');
    const pem = await download('.pem');
    assert.equal(der.type, 'application/pkix-cert');
    // DER starts with a SEQUENCE tag; PEM is ASCII armour.
    assert.equal(der.bytes[0], 0x30);
    assert.ok(!der.bytes.toString('latin1').includes('-----BEGIN'), '.cer is not DER');
    const pemText = pem.bytes.toString('ascii');
    assert.match(pemText, /^-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\r?\n?$/);

    const fromDer = new X509Certificate(der.bytes);
    const fromPem = new X509Certificate(pemText);
    assert.ok(fromDer.raw.equals(fromPem.raw), 'DER and PEM are different certificates');
    assert.ok(fromDer.raw.equals(der.bytes), '.cer carries more than the certificate');
    assert.equal(fromDer.fingerprint256, fromPem.fingerprint256);
    assert.equal(fromDer.publicKey.asymmetricKeyType, 'rsa');
    assert.equal(fromDer.publicKey.asymmetricKeyDetails?.modulusLength, 1024);
    // And it is the key the gateway decrypts with.
    assert.ok(fromDer.raw.equals(new X509Certificate(gw.gateway.pincodeKey.certificatePem).raw));
  });

  test('a pincode encrypted with the downloaded certificate is accepted', async () => {
    const pem = (await download('.pem')).bytes.toString('ascii');
    const body = envelope('interrogazioneLavoratoreRequest', {
      medico: { pincode: encryptField(pem, DEMO.medico.pincode) },
      lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' },
    });
    const r = parseResponse(await post(gw.endpoint, body));
    assert.deepEqual(r.errors, []);
    assert.equal(r.ok['cognome'], 'Rossi');
    assert.equal(r.ok['nome'], 'Mario');
  });

  test('SAC_RSA_BITS=2048 serves a 2048-bit certificate', async () => {
    const other = await startGateway({ SAC_RSA_BITS: '2048' });
    try {
      const response = await fetch(`${other.url}/CertServiceWeb/SanitelCF.cer`);
      assert.equal(response.status, 200);
      const cert = new X509Certificate(Buffer.from(await response.arrayBuffer()));
      assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
    } finally {
      await other.stop();
    }
  });
});
