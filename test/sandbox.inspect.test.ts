/**
 * The sandbox's request inspector (/sandbox/richieste), conformance warnings
 * (ricevutaVarie) and conformance report (/sandbox/conformita), end to end
 * against a real gateway: in-process with the sandbox on and off, and the
 * real binary with two cluster workers.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { OPERATIONS, soapActionOf } from '../src/contract/operations.js';
import { startCli } from './support/cliGateway.js';
import { NOW, TODAY } from './support/demo.js';
import { NO_RESUBMISSION_DETECTION, startGateway, tempDir, type Running } from './support/gateway.js';
import { envelope, invioMalattia } from './support/requests.js';
import { DEMO, basic, parseFault, parseResponse, post } from './support/soapClient.js';

const INVIO = OPERATIONS.find((op) => op.name === 'InviaMalattia')!;
const ACTION = `"${soapActionOf(INVIO)}"`;
const STRICT = { contentType: 'text/xml; charset=utf-8', soapAction: ACTION };
const MEDICO = basic(DEMO.medico.user, DEMO.medico.password);
const MEDICO2 = basic(DEMO.medico2.user, DEMO.medico2.password);
const WORKER = 'RSSMRA80A01H501U';

interface Exchange {
  operation: string;
  status: number;
  outcome: string;
  codes: string[];
  warnings: string[];
  durationMs: number;
  requestHeaders: Record<string, string>;
  requestBody: string;
  requestTruncated: boolean;
  responseBody: string;
  responseTruncated: boolean;
}

async function getJson(url: string, auth: string | undefined): Promise<{ status: number; body: unknown; headers: Headers }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (auth !== undefined) headers.authorization = auth;
  const r = await fetch(url, { headers });
  const text = await r.text();
  return { status: r.status, headers: r.headers, body: r.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text };
}

async function exchanges(base: string, auth = MEDICO): Promise<Exchange[]> {
  const r = await getJson(`${base}/sandbox/richieste`, auth);
  assert.equal(r.status, 200);
  return (r.body as { richieste: Exchange[] }).richieste;
}

/** The ricevutaVarie keys of a response, in order. */
function varieKeys(xml: string): string[] {
  const block = /<ricevutaVarie>([\s\S]*?)<\/ricevutaVarie>/.exec(xml)?.[1] ?? '';
  return [...block.matchAll(/<chiave>([^<]*)<\/chiave>/g)].map((m) => m[1]!);
}

describe('sandbox on (the demo default)', () => {
  let gw: Running;
  let pin: string;
  let cert: string;
  const invio = (fields: { pincode?: string; cf?: string; diagnosi?: Record<string, string> } = {}) =>
    envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: fields.pincode ?? pin }, lavoratore: fields.cf ?? encryptField(cert, WORKER), diagnosi: fields.diagnosi }));

  before(async () => {
    gw = await startGateway(NO_RESUBMISSION_DETECTION);
    gw.clock.set(NOW);
    cert = gw.gateway.pincodeKey.certificatePem;
    pin = encryptField(cert, DEMO.medico.pincode);
  });
  after(async () => {
    await gw.stop();
  });

  test('a strictly conforming request gets no ricevutaVarie', async () => {
    const r = await post(gw.endpoint, invio(), STRICT);
    const parsed = parseResponse(r);
    assert.equal(parsed.errors.length, 0, JSON.stringify(parsed.errors));
    assert.deepEqual(varieKeys(r.text), []);
  });

  test('what a strict SAC might refuse comes back as ricevutaVarie, and the response stays valid against the XSD', async () => {
    // application/xml without charset, no SOAPAction, a BOM, the pincode wrapped every 64 characters, the worker's CF in clear.
    const wrapped = pin.replace(/(.{64})/g, '$1\r\n');
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(invio({ pincode: wrapped, cf: WORKER }), 'utf8')]);
    const r = await post(gw.endpoint, body, { contentType: 'application/xml', soapAction: null });
    const parsed = parseResponse(r);
    assert.equal(parsed.errors.length, 0, 'tolerated: the certificate is accepted');
    assert.deepEqual(
      varieKeys(r.text).sort(),
      ['BOM_UTF8', 'CF_LAVORATORE_IN_CHIARO', 'CHARSET_ASSENTE', 'CONTENT_TYPE_APPLICATION_XML', 'PINCODE_A_CAPO', 'SOAPACTION_ASSENTE'].map((c) => `conformita.${c}`),
    );
    assert.match(r.text, /<valore>[^<]*SOAPAction[^<]*<\/valore>/);
    // ricevutaVarie comes first in the ricevuta (the contract's order); parseResponse already validated it.
    assert.ok(r.text.indexOf('<ricevutaVarie>') < r.text.indexOf('<ricevutaOk'));
  });

  test('an unquoted or bare-name SOAPAction, and a CF only Base64-encoded, are warned about too (also on a ricevutaNonOk)', async () => {
    const unquoted = await post(gw.endpoint, invio(), { contentType: 'text/xml; charset=utf-8', soapAction: 'InviaMalattia' });
    parseResponse(unquoted);
    assert.deepEqual(varieKeys(unquoted.text).sort(), ['conformita.SOAPACTION_NOME_OPERAZIONE', 'conformita.SOAPACTION_SENZA_VIRGOLETTE']);
    const encodedOnly = await post(gw.endpoint, invio({ cf: Buffer.from(WORKER).toString('base64') }), STRICT);
    const parsed = parseResponse(encodedOnly);
    assert.ok(parsed.errors.length > 0, 'a Base64 CF is not a CF: refused');
    assert.deepEqual(varieKeys(encodedOnly.text), ['conformita.CF_LAVORATORE_SOLO_BASE64']);
  });

  test('the inspector shows the user\'s own exchanges, newest first, with what the gateway made of them and no secret', async () => {
    await post(gw.endpoint, envelope('invioMalattiaRequest', {}), { ...STRICT, auth: basic(DEMO.medico.user, 'wrong password') });
    await post(gw.endpoint, invio({ cf: 'RSSMRA80A01H501A' }), STRICT); // ricevutaNonOk: a wrong check character
    const fault = await post(gw.endpoint, invio(), { contentType: 'text/xml; charset=utf-8', soapAction: '"http://example.invalid/Altro"' });
    parseFault(fault);
    const list = await exchanges(gw.url);
    assert.equal(list.length, 6, 'the four answered calls above plus two here; the failed login shows nowhere');
    const [last, nonOk] = list;
    assert.equal(last!.operation, 'InviaMalattia');
    assert.equal(last!.outcome, 'fault');
    assert.equal(last!.status, 500);
    assert.deepEqual(last!.codes, ['SOAPACTION_MISMATCH']);
    assert.match(last!.responseBody, /faultstring/);
    assert.equal(nonOk!.outcome, 'ricevutaNonOk');
    assert.ok(nonOk!.codes.length > 0);
    assert.ok(typeof nonOk!.durationMs === 'number' && nonOk!.durationMs > 0, String(nonOk!.durationMs));
    const json = JSON.stringify(list);
    assert.ok(!json.includes(pin.slice(0, 40)), 'the encrypted pincode is never stored');
    assert.ok(!json.includes(pin.slice(0, 64)), 'nor its wrapped lines');
    assert.ok(!json.includes(DEMO.medico.password));
    assert.ok(!json.includes(MEDICO.slice(6)), 'nor the Basic credentials');
    assert.equal(last!.requestHeaders.authorization, 'Basic ****');
    assert.match(last!.requestBody, /<pincode>\*\*\*\*<\/pincode>/);
    // The other doctor sees none of it.
    assert.deepEqual(await exchanges(gw.url, MEDICO2), []);
  });

  test('the inspector and the report answer 401 without or with wrong credentials, HTML by default', async () => {
    for (const path of ['/sandbox/richieste', '/sandbox/conformita']) {
      const anonymous = await fetch(`${gw.url}${path}`);
      assert.equal(anonymous.status, 401);
      assert.match(anonymous.headers.get('www-authenticate') ?? '', /^Basic /);
      const wrong = await fetch(`${gw.url}${path}`, { headers: { authorization: basic(DEMO.medico.user, 'nope') } });
      assert.equal(wrong.status, 401);
      const html = await fetch(`${gw.url}${path}`, { headers: { authorization: MEDICO } });
      assert.equal(html.status, 200);
      assert.match(html.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(html.headers.get('content-security-policy') ?? '', /default-src 'none'/);
      const text = await html.text();
      assert.match(text, /<html lang="it">/);
      assert.ok(!text.includes('<pincode>'), 'XML in the page is escaped');
    }
  });

  test('the conformance report lists the operations by outcome, the diagnostics, the warnings and what is left to try', async () => {
    const r = await getJson(`${gw.url}/sandbox/conformita`, MEDICO);
    assert.equal(r.status, 200);
    const report = r.body as {
      operazioni: { operazione: string; ricevutaOk: number; ricevutaNonOk: number; fault: number }[];
      diagnostiche: { codice: string; volte: number }[];
      avvisi: { codice: string }[];
      daProvare: string[];
      diagnosticheNonViste: { codice: string }[];
    };
    assert.equal(report.operazioni.length, 10);
    const invioLine = report.operazioni.find((l) => l.operazione === 'InviaMalattia')!;
    assert.deepEqual([invioLine.ricevutaOk >= 3, invioLine.ricevutaNonOk, invioLine.fault], [true, 2, 1]);
    assert.ok(report.diagnostiche.some((d) => d.codice === 'SOAPACTION_MISMATCH'));
    assert.ok(report.avvisi.some((a) => a.codice === 'PINCODE_A_CAPO'));
    assert.ok(report.daProvare.some((t) => t.startsWith('InterrogazioneLavoratore: mai invocata')));
    assert.ok(!report.daProvare.some((t) => t.startsWith('InviaMalattia')), 'InviaMalattia had all three');
    assert.ok(report.diagnosticheNonViste.length > 0);
    // The other doctor's report is empty.
    const other = (await getJson(`${gw.url}/sandbox/conformita`, MEDICO2)).body as typeof report;
    assert.ok(other.operazioni.every((l) => l.ricevutaOk + l.ricevutaNonOk + l.fault === 0));
  });

  test('reset is POST only, refused cross-site, and empties only the caller\'s report', async () => {
    const url = `${gw.url}/sandbox/conformita/azzera`;
    const fromElsewhere = await fetch(url, { method: 'POST', headers: { authorization: MEDICO, origin: 'https://evil.example' } });
    assert.equal(fromElsewhere.status, 403);
    const fetchSite = await fetch(url, { method: 'POST', headers: { authorization: MEDICO, 'sec-fetch-site': 'cross-site' } });
    assert.equal(fetchSite.status, 403);
    const anonymous = await fetch(url, { method: 'POST' });
    assert.equal(anonymous.status, 401);
    const asGet = await fetch(url, { headers: { authorization: MEDICO } });
    assert.equal(asGet.status, 404);
    const before = (await getJson(`${gw.url}/sandbox/conformita`, MEDICO).then((r) => r.body)) as { avvisi: unknown[] };
    assert.ok(before.avvisi.length > 0, 'still there after the refused resets');
    // A browser form from the page itself: same origin, redirected back.
    const form = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: { authorization: MEDICO, origin: gw.url, 'sec-fetch-site': 'same-origin', 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });
    assert.equal(form.status, 303);
    assert.equal(form.headers.get('location'), '/sandbox/conformita');
    const afterReset = (await getJson(`${gw.url}/sandbox/conformita`, MEDICO)).body as { operazioni: { ricevutaOk: number }[]; avvisi: unknown[] };
    assert.deepEqual(afterReset.avvisi, []);
    assert.ok(afterReset.operazioni.every((l) => l.ricevutaOk === 0));
    assert.ok((await exchanges(gw.url)).length > 0, 'the inspector keeps its exchanges');
    const clear = await fetch(`${gw.url}/sandbox/richieste/svuota`, { method: 'POST', headers: { authorization: MEDICO, accept: 'application/json' } });
    assert.equal(clear.status, 200);
    assert.deepEqual(await exchanges(gw.url), []);
  });
});

describe('sandbox inspector bounds', () => {
  let gw: Running;
  let pin: string;
  before(async () => {
    gw = await startGateway({ ...NO_RESUBMISSION_DETECTION, SAC_SANDBOX_INSPECTOR_ENTRIES: '3', SAC_SANDBOX_INSPECTOR_BODY_BYTES: '1024' });
    gw.clock.set(NOW);
    pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  });
  after(async () => {
    await gw.stop();
  });

  test('only the newest N exchanges are kept, and bodies are cut at the configured size', async () => {
    for (let i = 0; i < 5; i++) {
      // Whitespace after the envelope is allowed XML: it makes the body longer than the bound.
      const body = envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: pin }, diagnosi: { codiceDiagnosi: '487.1', noteDiagnosi: `Nota ${i}` } }));
      parseResponse(await post(gw.endpoint, `${body}${' '.repeat(4_000)}`, STRICT));
    }
    const list = await exchanges(gw.url);
    assert.equal(list.length, 3);
    assert.deepEqual(
      list.map((x) => /Nota (\d)/.exec(x.requestBody)?.[1]),
      ['4', '3', '2'],
    );
    assert.ok(list.every((x) => x.requestTruncated && Buffer.byteLength(x.requestBody) <= 1024));
    assert.ok(list.every((x) => !x.requestBody.includes(pin.slice(0, 40))));
  });
});

describe('sandbox off (SAC_SANDBOX=0)', () => {
  let gw: Running;
  before(async () => {
    gw = await startGateway({ ...NO_RESUBMISSION_DETECTION, SAC_SANDBOX: '0' });
    gw.clock.set(NOW);
  });
  after(async () => {
    await gw.stop();
  });

  test('the pages are 404 and responses carry no ricevutaVarie, whatever the client sends', async () => {
    const pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
    const body = envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: pin.replace(/(.{64})/g, '$1\n') } }));
    const r = await post(gw.endpoint, body, { contentType: 'application/xml', soapAction: null });
    assert.equal(parseResponse(r).errors.length, 0);
    assert.ok(!r.text.includes('ricevutaVarie'));
    for (const path of ['/sandbox/richieste', '/sandbox/conformita']) {
      assert.equal((await fetch(`${gw.url}${path}`, { headers: { authorization: MEDICO } })).status, 404, path);
    }
    const reset = await fetch(`${gw.url}/sandbox/conformita/azzera`, { method: 'POST', headers: { authorization: MEDICO } });
    assert.equal(reset.status, 404);
  });
});

describe('sandbox across two cluster workers (the real binary)', () => {
  const children: ChildProcess[] = [];
  after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  test('every exchange of the user is seen whichever worker answers the page', { timeout: 120_000 }, async () => {
    const gw = await startCli(tempDir(), { env: { SAC_WORKERS: '2', SAC_IDEMPOTENCY_WINDOW: '0' }, track: (c) => children.push(c) });
    const cert = await (await fetch(`${gw.url}/CertServiceWeb/SanitelCF.pem`)).text();
    const pin = encryptField(cert, DEMO.medico.pincode);
    // A new connection per call: the cluster's primary deals them to the workers in turn.
    const today = new Date().toLocaleDateString('sv-SE', { timeZone: 'Europe/Rome' });
    const body = envelope('invioMalattiaRequest', invioMalattia(today, { medico: { pincode: pin } }));
    for (let i = 0; i < 6; i++) {
      const r = await fetch(gw.endpoint, {
        method: 'POST',
        headers: { authorization: MEDICO, 'content-type': 'application/xml', soapaction: ACTION, connection: 'close' },
        body,
      });
      assert.equal(r.status, 200, await r.text());
    }
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${gw.url}/sandbox/richieste`, { headers: { authorization: MEDICO, accept: 'application/json', connection: 'close' } });
      const list = ((await r.json()) as { richieste: Exchange[] }).richieste;
      assert.equal(list.length, 6);
      assert.ok(list.every((x) => x.warnings.includes('CONTENT_TYPE_APPLICATION_XML')));
      const report = (await (await fetch(`${gw.url}/sandbox/conformita`, { headers: { authorization: MEDICO, accept: 'application/json', connection: 'close' } })).json()) as {
        operazioni: { operazione: string; ricevutaOk: number }[];
      };
      assert.equal(report.operazioni.find((l) => l.operazione === 'InviaMalattia')!.ricevutaOk, 6);
    }
    gw.child.kill('SIGTERM');
    await gw.exited;
  });
});
