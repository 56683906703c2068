/**
 * XML limits against the real binary (`startCli`): each limit (CXF's
 * defaults) is answered with a SOAP Client fault naming it and where it was
 * hit, before any schema work, and a normal request is unaffected. The
 * request that froze the gateway for 23.6 s (an authenticated 249 KB body:
 * 20,000 attributes on the payload root, 10,000 namespace-qualified elements
 * after soap:Body) is answered at once while /healthz keeps answering. A
 * variant inside the limits reaches schema validation, whose work is bounded
 * by the cap on diagnostics (asserted in-process on the validator's counters).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { romeDate } from '../src/domain/dates.js';
import { MAX_ERRORS } from '../src/catalog/diagnostics.js';
import { MAX_DETAILS, validationWork } from '../src/xml/schema.js';
import { startCli, type CliGateway } from './support/cliGateway.js';
import { startGateway, tempDir, type Running } from './support/gateway.js';
import { envelope, invioMalattia } from './support/requests.js';
import { DEMO, parseFault, parseResponse, post, type SoapResult } from './support/soapClient.js';

const SOAP_ACTION = 'http://ws.cert.sanita.finanze.it/InviaMalattia';
const PAYLOAD_OPEN = '<cert:invioMalattiaRequest>';

const started = new Set<ChildProcess>();
const dataDirs: string[] = [];
let cli: CliGateway;
let valid: string;

before(async () => {
  const dir = tempDir('sac-xml-limits-');
  dataDirs.push(dir);
  // A body limit above the text limit, so a text node over 1 MiB can arrive at all.
  cli = await startCli(dir, { track: (child) => started.add(child), env: { SAC_BODY_LIMIT: String(3 * 1024 * 1024) } });
  const pem = await (await fetch(`${cli.url}/CertServiceWeb/SanitelCF.pem`)).text();
  const pin = encryptField(pem, DEMO.medico.pincode);
  valid = envelope('invioMalattiaRequest', invioMalattia(romeDate(new Date()), { medico: { pincode: pin } }));
});

after(() => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** Replace one exact piece of the valid request; a typo in a test must not leave it unchanged. */
function inject(from: string, to: string, xml = valid): string {
  assert.ok(xml.includes(from), `test bug: ${from} not in the request`);
  return xml.replace(from, to);
}

function attributes(count: number, prefix = 'a'): string {
  let out = '';
  for (let i = 0; i < count; i++) out += ` ${prefix}${i}=""`;
  return out;
}

async function send(body: string): Promise<SoapResult> {
  return post(cli.endpoint, body, { soapAction: SOAP_ACTION });
}

/** The limit fault: soap:Client, naming the limit, its maximum and the path where it was hit. */
async function expectLimit(body: string, label: RegExp, maximum: number, where: string): Promise<void> {
  const result = await send(body);
  const fault = parseFault(result);
  assert.equal(fault.faultcode, 'soap:Client');
  assert.match(fault.faultstring, /supera un limite del servizio/);
  assert.match(fault.faultstring, label);
  assert.ok(fault.faultstring.includes(`al massimo ${maximum} `), fault.faultstring);
  assert.ok(fault.faultstring.includes(`(superato in ${where})`), fault.faultstring);
  assert.doesNotMatch(result.text, /\bat [\w.<>]+ \(|node_modules|Error:/, 'no stack trace or internals');
}

describe('the request that froze the gateway (249 KB, authenticated)', () => {
  test('is refused with the attribute-limit fault well under a second, /healthz answering meanwhile', async () => {
    const extras = '<x:e/>'.repeat(10_000);
    const attack = inject('</soapenv:Body>', `</soapenv:Body>${extras}`, inject(PAYLOAD_OPEN, `<cert:invioMalattiaRequest${attributes(20_000)}>`)).replace(
      '<soapenv:Envelope ',
      '<soapenv:Envelope xmlns:x="urn:x" ',
    );
    assert.ok(attack.length > 200_000 && attack.length < 300_000, `about 249 KB: ${attack.length}`);

    const t0 = performance.now();
    // Three at once, and a health check sent while they are being processed.
    const attacks = [send(attack), send(attack), send(attack)];
    await new Promise((resolve) => setTimeout(resolve, 20));
    const h0 = performance.now();
    const health = await fetch(`${cli.url}/healthz`);
    const healthMs = performance.now() - h0;
    const results = await Promise.all(attacks);
    const elapsed = performance.now() - t0;

    assert.equal(health.status, 200);
    // Generous bounds (23.6 s for one before): a frozen event loop cannot meet them.
    assert.ok(healthMs < 2000, `/healthz took ${healthMs} ms`);
    assert.ok(elapsed < 5000, `three attack requests took ${elapsed} ms`);
    for (const result of results) {
      const fault = parseFault(result);
      assert.equal(fault.faultcode, 'soap:Client');
      assert.match(fault.faultstring, /al massimo 500 attributi .*\(superato in Envelope\/Body\/invioMalattiaRequest\)/);
    }
  });
});

describe('one fault per limit (defaults), a normal request unaffected', () => {
  test('a normal request is accepted', async () => {
    const r = parseResponse(await send(valid));
    assert.deepEqual(r.errors, []);
    assert.ok(r.ok.idCertificato);
  });

  test('depth: 101 levels', async () => {
    // Envelope/Body/payload are levels 1-3: 98 more make 101.
    const deep = inject(PAYLOAD_OPEN, `${PAYLOAD_OPEN}${'<d>'.repeat(98)}${'</d>'.repeat(98)}`);
    await expectLimit(deep, /livelli di annidamento/, 100, 'Envelope/Body/invioMalattiaRequest/…/d/d');
    // 100 levels pass the limits and meet the schema.
    const atLimit = inject(PAYLOAD_OPEN, `${PAYLOAD_OPEN}${'<d>'.repeat(97)}${'</d>'.repeat(97)}`);
    assert.equal(parseResponse(await send(atLimit)).errors[0]?.tipoErrore, '1002');
  });

  test('children: 50,001 elements under the payload', async () => {
    const wide = inject(PAYLOAD_OPEN, `${PAYLOAD_OPEN}${'<c/>'.repeat(50_001)}`);
    await expectLimit(wide, /elementi figli di uno stesso elemento/, 50_000, 'Envelope/Body/invioMalattiaRequest');
  });

  test('attributes: 501 on one element, namespace declarations counted', async () => {
    await expectLimit(inject('<medico>', `<medico${attributes(501)}>`), /attributi/, 500, 'Envelope/Body/invioMalattiaRequest/medico');
    const mixed = `<medico${attributes(250)}${attributes(251, 'xmlns:p').replace(/=""/g, (_m, offset: number) => `="urn:${offset}"`)}>`;
    await expectLimit(inject('<medico>', mixed), /attributi/, 500, 'Envelope/Body/invioMalattiaRequest/medico');
    // 500 pass the limits; the schema refuses attributes (1007).
    assert.equal(parseResponse(await send(inject('<medico>', `<medico${attributes(500)}>`))).errors[0]?.tipoErrore, '1007');
  });

  test('attribute length: a value of 65,537 bytes', async () => {
    await expectLimit(inject('<medico>', `<medico a="${'v'.repeat(65_537)}">`), /byte nel valore di un attributo/, 65_536, 'Envelope/Body/invioMalattiaRequest/medico');
    await expectLimit(inject('<medico>', `<medico xmlns:p="urn:${'v'.repeat(65_533)}">`), /byte nel valore di un attributo/, 65_536, 'Envelope/Body/invioMalattiaRequest/medico');
    assert.equal(parseResponse(await send(inject('<medico>', `<medico a="${'v'.repeat(65_536)}">`))).errors[0]?.tipoErrore, '1007');
  });

  test('text length: a text node, or a comment, of 1 MiB + 1 byte', async () => {
    const text = (n: number) => inject('<noteDiagnosi>Sindrome influenzale</noteDiagnosi>', `<noteDiagnosi>${'t'.repeat(n)}</noteDiagnosi>`);
    await expectLimit(text(1024 * 1024 + 1), /byte in un nodo di testo/, 1024 * 1024, 'Envelope/Body/invioMalattiaRequest/malattia/diagnosi/noteDiagnosi');
    await expectLimit(inject('<medico>', `<medico><!--${'c'.repeat(1024 * 1024 + 1)}-->`), /byte in un nodo di testo/, 1024 * 1024, 'Envelope/Body/invioMalattiaRequest/medico');
    // Exactly 1 MiB passes the limits; the schema's maximum length answers (1004).
    assert.equal(parseResponse(await send(text(1024 * 1024))).errors[0]?.tipoErrore, '1004');
  });

  test('elements: 100,001 in all', async () => {
    const group = `<g>${'<e/>'.repeat(50_000)}</g>`;
    await expectLimit(inject(PAYLOAD_OPEN, `${PAYLOAD_OPEN}${group}${group}`), /elementi nel messaggio/, 100_000, 'Envelope/Body/invioMalattiaRequest/g/e');
  });

  test('name length: an element name of 1,025 bytes, an attribute name, a prefix', async () => {
    const name = `n${'x'.repeat(1024)}`;
    const shown = `Envelope/Body/invioMalattiaRequest/${name.slice(0, 40)}…`;
    await expectLimit(inject(PAYLOAD_OPEN, `${PAYLOAD_OPEN}<${name}/>`), /byte nel nome/, 1024, shown);
    await expectLimit(inject('<medico>', `<medico ${name}="1">`), /byte nel nome/, 1024, 'Envelope/Body/invioMalattiaRequest/medico');
    await expectLimit(inject('<medico>', `<medico xmlns:${name}="urn:x">`), /byte nel nome/, 1024, 'Envelope/Body/invioMalattiaRequest/medico');
  });

  test('the gateway still serves a normal request after all of these', async () => {
    assert.deepEqual(parseResponse(await send(valid)).errors, []);
    assert.equal((await fetch(`${cli.url}/healthz`)).status, 200);
  });
});

describe('in-process: configured limits, and bounded schema work inside the limits', () => {
  let gw: Running;
  let pinned: string;

  before(async () => {
    gw = await startGateway({ SAC_XML_MAX_DEPTH: '20', SAC_XML_MAX_ATTRIBUTES: '40' });
    const pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
    pinned = envelope('invioMalattiaRequest', invioMalattia(romeDate(new Date()), { medico: { pincode: pin } }));
  });
  after(async () => gw.stop());

  async function sendHere(body: string): Promise<SoapResult> {
    return post(gw.endpoint, body, { soapAction: SOAP_ACTION });
  }

  test('SAC_XML_MAX_DEPTH and SAC_XML_MAX_ATTRIBUTES are honoured', async () => {
    const deep = inject(PAYLOAD_OPEN, `${PAYLOAD_OPEN}${'<d>'.repeat(18)}${'</d>'.repeat(18)}`, pinned);
    assert.match(parseFault(await sendHere(deep)).faultstring, /al massimo 20 livelli/);
    const many = inject('<medico>', `<medico${attributes(41)}>`, pinned);
    assert.match(parseFault(await sendHere(many)).faultstring, /al massimo 40 attributi/);
    assert.deepEqual(parseResponse(await sendHere(pinned)).errors, []);
  });

  test('inside the default limits (400 attributes on the payload root, 10,000 qualified elements after Body): bounded diagnostics', async () => {
    const local = await startGateway();
    try {
      const pin = encryptField(local.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
      const base = envelope('invioMalattiaRequest', invioMalattia(romeDate(new Date()), { medico: { pincode: pin } }));
      const body = inject('</soapenv:Body>', `</soapenv:Body>${'<x:e xmlns:x="urn:x"/>'.repeat(10_000)}`, inject(PAYLOAD_OPEN, `<cert:invioMalattiaRequest${attributes(400)}>`, base));
      const t0 = performance.now();
      const result = await post(local.endpoint, body, { soapAction: SOAP_ACTION });
      const elapsed = performance.now() - t0;
      // Read before parseResponse, whose own schema check of the answer resets the counters.
      const work = { ...validationWork };
      const response = parseResponse(result);
      assert.ok(response.errors.length >= 1 && response.errors.length <= MAX_ERRORS);
      assert.deepEqual(response.errors[0], {
        tipoErrore: '1007',
        sezioneErrata: 'invioMalattiaRequest',
        descrizione: "L'elemento invioMalattiaRequest non ammette attributi (a0).",
      });
      // The work: libxml2 reported every bad attribute, only a few were kept, fewer paths resolved, each a few steps.
      assert.equal(work.reported, 400);
      assert.equal(work.kept, MAX_DETAILS);
      assert.ok(work.pathsResolved <= MAX_ERRORS, `paths resolved: ${work.pathsResolved}`);
      assert.ok(work.pathSteps <= MAX_ERRORS * 10, `path steps: ${work.pathSteps}`);
      assert.ok(elapsed < 5000, `answered in ${elapsed} ms`);
      assert.equal(await local.gateway.store.countCertificates(), 0, 'nothing stored');
    } finally {
      await local.stop();
    }
  });

  test('worst case inside the limits: 499 bad attributes on every element, 49,000 unexpected siblings, 10,000 elements after Body', async () => {
    const local = await startGateway({ SAC_BODY_LIMIT: String(4 * 1024 * 1024) });
    try {
      const pin = encryptField(local.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
      let body = envelope('invioMalattiaRequest', invioMalattia(romeDate(new Date()), { medico: { pincode: pin } }));
      // Every element of the payload gets 499 attributes (the limit is 500).
      body = body.replace(/<(\w+)>/g, (_m, name: string) => `<${name}${attributes(499)}>`);
      body = body.replace(/<cert:invioMalattiaRequest>/, `<cert:invioMalattiaRequest${attributes(499)}>`);
      body = inject('</lavoratore>', `</lavoratore>${'<u/>'.repeat(49_000)}`, body);
      body = inject('</soapenv:Body>', `</soapenv:Body>${'<x:e xmlns:x="urn:x"/>'.repeat(10_000)}`, body);
      const t0 = performance.now();
      const result = await post(local.endpoint, body, { soapAction: SOAP_ACTION });
      const elapsed = performance.now() - t0;
      const work = { ...validationWork };
      const response = parseResponse(result);
      assert.ok(response.errors.length >= 1 && response.errors.length <= MAX_ERRORS);
      assert.ok(work.reported > 1000, `libxml2 reported ${work.reported}`);
      assert.ok(work.kept <= MAX_DETAILS);
      assert.ok(work.pathsResolved <= MAX_ERRORS);
      assert.ok(work.siblingsScanned <= MAX_ERRORS * 1000, `siblings scanned: ${work.siblingsScanned}`);
      assert.ok(elapsed < 10_000, `answered in ${elapsed} ms`);
    } finally {
      await local.stop();
    }
  });
});
