/**
 * The sandbox's pure parts: which conformance warnings a request earns, and
 * what the inspector may keep of a body (pincode and passwords masked, cut at
 * a character boundary). The end-to-end behaviour is in sandbox.inspect.test.ts.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { payloadWarnings, requestWarnings } from '../src/sandbox/conformance.js';
import { sniffOperation } from '../src/sandbox/inspector.js';
import { cut, maskHeaders, maskSecrets } from '../src/sandbox/mask.js';

const BODY = Buffer.from('<soapenv:Envelope/>');
const OP = { name: 'InviaMalattia', action: 'http://cert.sanita.finanze.it/InviaMalattia' };

describe('conformance warnings', () => {
  test('a strict request earns none', () => {
    assert.deepEqual(requestWarnings({ body: BODY, contentType: 'text/xml; charset=utf-8', soapAction: `"${OP.action}"`, operation: OP }), []);
  });

  test('each header tolerance is named', () => {
    const w = (contentType: string | undefined, soapAction: string | undefined, body = BODY) => requestWarnings({ body, contentType, soapAction, operation: OP });
    assert.deepEqual(w('text/xml; charset=utf-8', undefined), ['SOAPACTION_ASSENTE']);
    assert.deepEqual(w('text/xml; charset=utf-8', '""'), ['SOAPACTION_VUOTA']);
    assert.deepEqual(w('text/xml; charset=utf-8', ''), ['SOAPACTION_VUOTA']);
    assert.deepEqual(w('text/xml; charset=utf-8', OP.action), ['SOAPACTION_SENZA_VIRGOLETTE']);
    assert.deepEqual(w('text/xml; charset=utf-8', '"InviaMalattia"'), ['SOAPACTION_NOME_OPERAZIONE']);
    assert.deepEqual(w(undefined, `"${OP.action}"`), ['CONTENT_TYPE_ASSENTE']);
    assert.deepEqual(w('application/xml; charset=UTF-8', `"${OP.action}"`), ['CONTENT_TYPE_APPLICATION_XML']);
    assert.deepEqual(w('text/xml', `"${OP.action}"`), ['CHARSET_ASSENTE']);
    assert.deepEqual(w('text/xml; charset=utf-8', `"${OP.action}"`, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), BODY])), ['BOM_UTF8']);
    assert.deepEqual(w('text/xml; charset=utf-8', `"${OP.action}"`, Buffer.from(`\n${BODY}`)), ['SPAZI_INIZIALI']);
  });

  test('pincode and worker CF: wrapped, padded, in clear, only Base64', () => {
    const cipher = 'A'.repeat(170) + '==';
    assert.deepEqual(payloadWarnings({ medico: { pincode: cipher }, lavoratore: { codiceFiscale: cipher } }), []);
    assert.deepEqual(payloadWarnings({ medico: { pincode: `${cipher.slice(0, 64)}\r\n${cipher.slice(64)}` } }), ['PINCODE_A_CAPO']);
    assert.deepEqual(payloadWarnings({ medico: { pincode: ` ${cipher}\n` } }), ['PINCODE_SPAZI']);
    assert.deepEqual(payloadWarnings({ lavoratore: { codiceFiscale: 'RSSMRA80A01H501U' } }), ['CF_LAVORATORE_IN_CHIARO']);
    assert.deepEqual(payloadWarnings({ lavoratore: { codiceFiscale: `${cipher.slice(0, 76)}\n${cipher.slice(76)}` } }), ['CF_LAVORATORE_A_CAPO']);
    assert.deepEqual(payloadWarnings({ lavoratore: { codiceFiscale: Buffer.from('RSSMRA80A01H501U').toString('base64') } }), ['CF_LAVORATORE_SOLO_BASE64']);
  });
});

describe('what the inspector keeps', () => {
  test('pincode and Password contents are masked, whatever the prefix, case, attributes or CDATA, and an open one to the end', () => {
    const text =
      '<a><pincode>S1</pincode><x/><cert:pincode a="1">S2\n</cert:pincode ><pincode/><p:PINCODE><![CDATA[S3]]></p:PINCODE>' +
      '<wsse:Password Type="t">S4</wsse:Password><pincodeX>kept</pincodeX><pincode>S5 cut';
    const masked = maskSecrets(text);
    for (const secret of ['S1', 'S2', 'S3', 'S4', 'S5']) assert.ok(!masked.includes(secret), secret);
    assert.ok(masked.includes('<pincodeX>kept</pincodeX>'), 'only the exact element names');
    assert.ok(masked.includes('<pincode/>'));
    assert.equal(maskSecrets('<pincode></pincode>'), '<pincode></pincode>');
  });

  test('masking stays linear on hostile text (tags never closed, tags never ended)', () => {
    // Each would be quadratic for a scan that searches to the end from every match; a 64 KiB body is the default bound.
    const started = process.hrtime.bigint();
    for (const text of ['<pincode '.repeat(7_300), '<pincode>'.repeat(7_300), '<p:password x="'.repeat(4_000), '<pincode></pincode >'.repeat(3_300)]) {
      const masked = maskSecrets(text);
      assert.ok(masked.length <= text.length);
    }
    // Normally a few milliseconds: a limit far above it, only to catch a quadratic scan (seconds).
    assert.ok(Number(process.hrtime.bigint() - started) / 1e6 < 2_000);
  });

  test('credentials headers show their scheme only; bodies are cut at a character boundary', () => {
    assert.deepEqual(maskHeaders({ authorization: 'Basic dXNlcjpwdw==', cookie: 'a=b', 'content-type': 'text/xml' }), {
      authorization: 'Basic ****',
      cookie: '****',
      'content-type': 'text/xml',
    });
    assert.deepEqual(cut('àààà', 5), { text: 'àà', truncated: true });
    assert.deepEqual(cut('abc', 5), { text: 'abc', truncated: false });
  });

  test('the operation of a refused body is read from its Body, never beyond', () => {
    const env = (inner: string) => Buffer.from(`<s:Envelope xmlns:s="x"><s:Header/><s:Body>${inner}</s:Body></s:Envelope>`);
    assert.equal(sniffOperation(env('<c:invioMalattiaRequest xmlns:c="y"/>'))?.name, 'InviaMalattia');
    assert.equal(sniffOperation(env('<other/>')), undefined);
    assert.equal(sniffOperation(Buffer.from('not xml')), undefined);
  });
});
