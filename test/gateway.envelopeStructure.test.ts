/**
 * The envelope as SOAP 1.1 (section 4) has it, over a real HTTP server: an
 * optional Header, only before the Body; exactly one Body; after it only
 * namespace-qualified elements of other vocabularies. mustUnderstand is an
 * xs:boolean (whitespace collapsed) and is checked only for header entries
 * addressed to this node: no soap:actor, or the "next" actor. A refused
 * envelope stores nothing. And a body that is not well-formed XML is
 * answered with the line and column where libxml2 stopped.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { romeDate } from '../src/domain/dates.js';
import { startGateway, type Running } from './support/gateway.js';
import { envelope, invioMalattia } from './support/requests.js';
import { DEMO, parseFault, parseResponse, post } from './support/soapClient.js';

const SOAP_ACTION = 'http://ws.cert.sanita.finanze.it/InviaMalattia';
const NEXT = 'http://schemas.xmlsoap.org/soap/actor/next';

let gw: Running;
let valid: string;

before(async () => {
  gw = await startGateway();
  const pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  valid = envelope('invioMalattiaRequest', invioMalattia(romeDate(new Date()), { medico: { pincode: pin } }));
});
after(async () => gw.stop());

function inject(from: string, to: string, xml = valid): string {
  assert.ok(xml.includes(from), `test bug: ${from} not in the request`);
  return xml.replace(from, to);
}

/** The valid request with this Header content (one header entry, in its own namespace). */
function withHeaderEntry(attributes: string): string {
  return inject('<soapenv:Header/>', `<soapenv:Header><x:Token xmlns:x="urn:x"${attributes}>a</x:Token></soapenv:Header>`);
}

async function expectFault(body: string, faultcode: string, text: RegExp): Promise<void> {
  const before = await gw.gateway.store.countCertificates();
  const result = await post(gw.endpoint, body, { soapAction: SOAP_ACTION });
  const fault = parseFault(result);
  assert.equal(fault.faultcode, faultcode);
  assert.match(fault.faultstring, text);
  assert.doesNotMatch(result.text, /\bat [\w.<>]+ \(|node_modules|Error:/, 'no stack trace or internals');
  assert.equal(await gw.gateway.store.countCertificates(), before, 'nothing stored');
}

let accepted = 0;

async function expectAccepted(body: string): Promise<void> {
  const before = await gw.gateway.store.countCertificates();
  // A note of its own: the same certificate sent again would be a resubmission (one certificate per visit).
  const distinct = body.replace('Sindrome influenzale', `Sindrome influenzale ${++accepted}`);
  assert.notEqual(distinct, body, 'test bug: no note to make the request distinct');
  const response = parseResponse(await post(gw.endpoint, distinct, { soapAction: SOAP_ACTION }));
  assert.deepEqual(response.errors, []);
  assert.equal(await gw.gateway.store.countCertificates(), before + 1, 'the certificate is stored');
}

describe('Header and Body in their places', () => {
  test('the valid request, with an empty Header or none, is accepted', async () => {
    await expectAccepted(valid);
    await expectAccepted(inject('<soapenv:Header/>', ''));
  });

  test('a Header after the Body is a Client fault, even without mustUnderstand', async () => {
    const after = inject('<soapenv:Header/>', '').replace('</soapenv:Body>', '</soapenv:Body><soapenv:Header><x:T xmlns:x="urn:x">a</x:T></soapenv:Header>');
    await expectFault(after, 'soap:Client', /soap:Header dopo soap:Body/);
    const twoHeaders = inject('</soapenv:Body>', '</soapenv:Body><soapenv:Header/>');
    await expectFault(twoHeaders, 'soap:Client', /soap:Header dopo soap:Body/);
  });

  test('two Headers before the Body are a Client fault', async () => {
    await expectFault(inject('<soapenv:Header/>', '<soapenv:Header/><soapenv:Header/>'), 'soap:Client', /più di un soap:Header/);
  });

  test('a second Body is a Client fault, not silently ignored', async () => {
    const second = inject('</soapenv:Body>', '</soapenv:Body><soapenv:Body><x:y xmlns:x="urn:x"/></soapenv:Body>');
    await expectFault(second, 'soap:Client', /più di un soap:Body/);
    const emptySecond = inject('</soapenv:Body>', '</soapenv:Body><soapenv:Body/>');
    await expectFault(emptySecond, 'soap:Client', /più di un soap:Body/);
  });

  test('another element of the SOAP namespace after the Body is a Client fault', async () => {
    await expectFault(inject('</soapenv:Body>', '</soapenv:Body><soapenv:Trailer/>'), 'soap:Client', /elemento soap:Trailer dopo soap:Body/);
  });

  test('something else where the Body should be is named in the fault', async () => {
    await expectFault(inject('<soapenv:Header/>', '<x:Pre xmlns:x="urn:x"/>'), 'soap:Client', /manca soap:Body \(trovato Pre al suo posto\)/);
  });

  test('after the Body: namespace-qualified elements are allowed, unqualified ones are not', async () => {
    await expectAccepted(inject('</soapenv:Body>', '</soapenv:Body><x:Trailer xmlns:x="urn:x"/>'));
    await expectFault(inject('</soapenv:Body>', '</soapenv:Body><Trailer/>'), 'soap:Client', /elemento Trailer dopo soap:Body/);
  });
});

describe('processing instructions', () => {
  test('a processing instruction anywhere in the message is a Client fault (SOAP 1.1: a message must not contain them)', async () => {
    await expectFault(inject('<soapenv:Header/>', '<?x-app data?><soapenv:Header/>'), 'soap:Client', /istruzioni di elaborazione/);
    await expectFault(inject('<lavoratore>', '<?x-app data?><lavoratore>'), 'soap:Client', /istruzioni di elaborazione/);
    await expectFault(`${valid}<?x-app trailing?>`, 'soap:Client', /istruzioni di elaborazione/);
  });
});

describe('mustUnderstand', () => {
  test('read as an XML Schema boolean: " 1 ", "true" and "\\ttrue\\n" mean true', async () => {
    for (const value of [' 1 ', 'true', '\ttrue\n', '1']) {
      await expectFault(withHeaderEntry(` soapenv:mustUnderstand="${value}"`), 'soap:MustUnderstand', /\{urn:x\}Token.*mustUnderstand/);
    }
  });

  test('"0", " false " and no attribute at all mean false: the header is ignored', async () => {
    for (const attributes of [' soapenv:mustUnderstand="0"', ' soapenv:mustUnderstand=" false "', '']) {
      await expectAccepted(withHeaderEntry(attributes));
    }
  });

  test('anything else is a Client fault naming the value', async () => {
    await expectFault(withHeaderEntry(' soapenv:mustUnderstand="yes"'), 'soap:Client', /soap:mustUnderstand di Token vale 'yes', ammessi 0, 1, true, false/);
    await expectFault(withHeaderEntry(' soapenv:mustUnderstand="1 1"'), 'soap:Client', /vale '1 1'/);
    await expectFault(withHeaderEntry(' soapenv:mustUnderstand=""'), 'soap:Client', /vale ''/);
  });

  test('a header entry without a namespace is a Client fault (SOAP 1.1 requires one)', async () => {
    await expectFault(inject('<soapenv:Header/>', '<soapenv:Header><Token>a</Token></soapenv:Header>'), 'soap:Client', /l'intestazione Token non ha un namespace/);
  });

  test('an unqualified mustUnderstand is not the SOAP attribute: ignored', async () => {
    await expectAccepted(withHeaderEntry(' mustUnderstand="1"'));
  });

  test('an entry for another actor is ignored, whatever its mustUnderstand', async () => {
    await expectAccepted(withHeaderEntry(' soapenv:actor="http://example.com/altro-nodo" soapenv:mustUnderstand="1"'));
    await expectAccepted(withHeaderEntry(' soapenv:actor="http://example.com/altro-nodo" soapenv:mustUnderstand="forse"'));
  });

  test('an entry for the next actor is addressed here: faulted', async () => {
    await expectFault(withHeaderEntry(` soapenv:actor="${NEXT}" soapenv:mustUnderstand="1"`), 'soap:MustUnderstand', /mustUnderstand/);
    await expectFault(withHeaderEntry(` soapenv:actor=" ${NEXT} " soapenv:mustUnderstand="true"`), 'soap:MustUnderstand', /mustUnderstand/);
    await expectAccepted(withHeaderEntry(` soapenv:actor="${NEXT}"`));
  });
});

describe('not well-formed XML', () => {
  test('the fault carries the real line and column', async () => {
    const broken =
      '<?xml version="1.0"?>\n' +
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">\n' +
      '  <soapenv:Body>\n' +
      '    <a></b>\n' +
      '  </soapenv:Body>\n' +
      '</soapenv:Envelope>';
    await expectFault(broken, 'soap:Client', /non è XML ben formato \(riga 4, colonna 12\)/);
    await expectFault('this is not xml', 'soap:Client', /\(riga 1, colonna 1\)/);
    await expectFault(inject('<medico>', '<medico a="1" a="2">'), 'soap:Client', /\(riga 2, colonna \d+\)/);
  });

  test('an undeclared namespace prefix is not well-formed either', async () => {
    await expectFault(inject('<medico>', '<medico><p:x/>'), 'soap:Client', /non è XML ben formato \(riga 2, colonna \d+\)/);
  });
});
