/**
 * Bad input at the envelope level: a SOAP 1.1 Fault with a QName faultcode,
 * HTTP 500, no stack trace, nothing stored, and the server keeps serving.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { romeDate } from '../src/domain/dates.js';
import { DEMO, basic, parseFault, parseResponse, post } from './support/soapClient.js';
import { startGateway, type Running } from './support/gateway.js';
import { envelope, invioMalattia } from './support/requests.js';

let gw: Running;
let valid: string;

before(async () => {
  gw = await startGateway({ SAC_BODY_LIMIT: String(64 * 1024) });
  const pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  valid = envelope('invioMalattiaRequest', invioMalattia(romeDate(new Date()), { medico: { pincode: pin } }));
});
after(async () => gw.stop());

async function expectFault(body: string | Buffer, faultcode: string, textPart: RegExp, options: Parameters<typeof post>[2] = {}) {
  const before = await gw.gateway.store.countCertificates();
  const result = await post(gw.endpoint, body, options);
  assert.equal(result.headers.get('content-type'), 'text/xml; charset=utf-8');
  const fault = parseFault(result);
  assert.equal(fault.faultcode, faultcode);
  assert.match(fault.faultstring, textPart);
  assert.doesNotMatch(result.text, /\bat [\w.<>]+ \(|node_modules|Error:/, 'no stack trace or internals');
  assert.equal(await gw.gateway.store.countCertificates(), before, 'nothing stored');
  const health = await fetch(`${gw.url}/healthz`);
  assert.equal(health.status, 200, 'still serving');
  return fault;
}

describe('faults for bad envelopes', () => {
  test('a body that is not XML', async () => {
    await expectFault('this is not xml', 'soap:Client', /non è XML ben formato/);
    await expectFault(valid.slice(0, valid.length - 30), 'soap:Client', /non è XML ben formato/);
  });

  test('an empty body', async () => {
    await expectFault('', 'soap:Client', /vuota/);
  });

  test('XML that is not a SOAP envelope', async () => {
    await expectFault('<?xml version="1.0"?><invioMalattiaRequest/>', 'soap:Client', /Envelope SOAP 1.1/);
  });

  test('a SOAP 1.2 envelope is a VersionMismatch', async () => {
    const soap12 = valid.replace('http://schemas.xmlsoap.org/soap/envelope/', 'http://www.w3.org/2003/05/soap-envelope');
    await expectFault(soap12, 'soap:VersionMismatch', /solo SOAP 1.1/);
    await expectFault(valid, 'soap:VersionMismatch', /solo SOAP 1.1/, { contentType: 'application/soap+xml; charset=utf-8' });
  });

  test('an envelope without Body, or with two payloads', async () => {
    await expectFault(
      '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header/></s:Envelope>',
      'soap:Client',
      /manca soap:Body/,
    );
    const two = valid.replace('</soapenv:Body>', '<cert:x xmlns:cert="http://cert.sanita.finanze.it/"/></soapenv:Body>');
    await expectFault(two, 'soap:Client', /più di un elemento/);
  });

  test('an unknown operation', async () => {
    const unknown = valid.replace(/invioMalattiaRequest/g, 'invioInfortunioRequest');
    await expectFault(unknown, 'soap:Client', /Operazione sconosciuta/);
    const otherNs = valid.replace('xmlns:cert="http://cert.sanita.finanze.it/"', 'xmlns:cert="urn:altro"');
    await expectFault(otherNs, 'soap:Client', /Operazione sconosciuta/);
  });

  test('a SOAPAction naming another operation', async () => {
    await expectFault(valid, 'soap:Client', /SOAPAction/, { soapAction: '"http://ws.cert.sanita.finanze.it/AnnullaMalattia"' });
  });

  test('the right SOAPAction, quoted or not, or an empty one, is accepted', async () => {
    for (const soapAction of ['"http://ws.cert.sanita.finanze.it/InviaMalattia"', 'http://ws.cert.sanita.finanze.it/InviaMalattia', '""']) {
      const r = parseResponse(await post(gw.endpoint, valid, { soapAction }));
      assert.deepEqual(r.errors, []);
    }
  });

  test('a header the service must understand but does not', async () => {
    const withHeader = valid.replace(
      '<soapenv:Header/>',
      '<soapenv:Header><x:Token xmlns:x="urn:x" soapenv:mustUnderstand="1">a</x:Token></soapenv:Header>',
    );
    await expectFault(withHeader, 'soap:MustUnderstand', /mustUnderstand/);
  });

  test('a DOCTYPE, an internal entity, or an external entity (XXE) is refused', async () => {
    const laughs =
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">' +
      '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>' +
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>&lol3;</soapenv:Body></soapenv:Envelope>';
    await expectFault(laughs, 'soap:Client', /DOCTYPE/);
    const xxe = valid.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>').replace('Via Nazionale', '&e;');
    await expectFault(xxe, 'soap:Client', /DOCTYPE/);
  });

  test('a body over the configured limit', async () => {
    const big = valid.replace('Sindrome influenzale', 'x'.repeat(100 * 1024));
    await expectFault(big, 'soap:Client', /troppo grande.*65536/);
  });

  test('a content type that is not XML', async () => {
    await expectFault(valid, 'soap:Client', /Content-Type 'application\/json'/, { contentType: 'application/json' });
  });

  test('an empty or blank Content-Type is a Client fault, not an internal error (fuzz finding F1)', async () => {
    await expectFault(valid, 'soap:Client', /Content-Type '' non supportato/, { contentType: '' });
    await expectFault(valid, 'soap:Client', /Content-Type '' non supportato/, { contentType: ' ' });
  });
});

describe('faults for charsets', () => {
  test('an unsupported charset', async () => {
    await expectFault(valid, 'soap:Client', /Codifica 'windows-1252' non supportata/, { contentType: 'text/xml; charset=windows-1252' });
    const utf16 = valid.replace('encoding="UTF-8"', 'encoding="UTF-16"');
    await expectFault(utf16, 'soap:Client', /Codifica 'UTF-16' non supportata/, { contentType: 'text/xml' });
  });

  test('Content-Type and XML declaration disagree', async () => {
    await expectFault(valid, 'soap:Client', /ISO-8859-1.*UTF-8/, { contentType: 'text/xml; charset=ISO-8859-1' });
  });

  test('bytes that are not UTF-8', async () => {
    const bytes = Buffer.from(valid.replace('Via Nazionale', 'Via Nazionale \u00e0'), 'latin1');
    await expectFault(bytes, 'soap:Client', /byte non validi per la codifica UTF-8/);
  });

  test('ISO-8859-1 declared but windows-1252 sent (euro sign 0x80)', async () => {
    const latin = valid.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"');
    const bytes = Buffer.from(latin.replace('Sindrome influenzale', 'Spesa 100 X'), 'latin1');
    bytes[bytes.indexOf('100 X') + 4] = 0x80;
    await expectFault(bytes, 'soap:Client', /windows-1252/, { contentType: 'text/xml; charset=ISO-8859-1' });
  });

  test('US-ASCII with a byte above 0x7F', async () => {
    const ascii = Buffer.from(valid.replace('encoding="UTF-8"', 'encoding="US-ASCII"').replace('Via Nazionale', 'Via \u00e8'), 'latin1');
    await expectFault(ascii, 'soap:Client', /US-ASCII/, { contentType: 'text/xml' });
  });
});

describe('HTTP Basic authentication', () => {
  test('missing credentials: 401 with a Basic challenge', async () => {
    const r = await post(gw.endpoint, valid, { auth: null });
    assert.equal(r.status, 401);
    assert.match(r.headers.get('www-authenticate') ?? '', /^Basic realm="CertificatiMedici"/);
  });

  test('a wrong password or an unknown user: 401', async () => {
    for (const auth of [basic(DEMO.medico.user, 'wrong'), basic('NOBODY', 'x'), 'Bearer abc', 'Basic !!!']) {
      const r = await post(gw.endpoint, valid, { auth });
      assert.equal(r.status, 401, auth);
      assert.match(r.headers.get('www-authenticate') ?? '', /^Basic /);
    }
  });
});
