/**
 * One certificate per visit (issue 10, point 6), through real gateways and a
 * real SQLite file: an identical resubmission answers the first receipt (same
 * PUC, same dataRicezione, one row), whatever the pincode ciphertext and the
 * worker CF's encryption; a different payload or another sender is a new
 * certificate; a failed answer is not remembered; a cancelled certificate no
 * longer answers; the window expires (test clock); wsa:MessageID is a key
 * scoped to the sender and its reuse for another request is diagnostic 8010;
 * identical requests fired at once create exactly one certificate through the
 * default writer thread and through a cluster of two workers; InviaRicovero
 * and InviaDimissione too. Last, the store purges expired claims a few at a
 * time.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { OPERATIONS, soapActionOf, type OperationName } from '../src/contract/operations.js';
import { addDays, romeDate } from '../src/domain/dates.js';
import type { CertificateRecord, IdempotencyClaim, JournalStamp } from '../src/store/port.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { openTestStore } from './support/testStore.js';
import { assertErrors } from './support/assertions.js';
import { startCli } from './support/cliGateway.js';
import { NOW, TODAY } from './support/demo.js';
import { startGateway, tempDir, type Running } from './support/gateway.js';
import { defaultResidenza, envelope, invioDimissione, invioMalattia, type Fields } from './support/requests.js';
import { DEMO, basic, parseFault, parseResponse, post, type ParsedResponse } from './support/soapClient.js';

const WORKER = 'RSSMRA80A01H501U';
const STRUTTURA = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' } as const;
const ADMITTED = addDays(TODAY, -3);
const HOUR = 3_600_000;
const WSA = 'http://www.w3.org/2005/08/addressing';
const WSA_2004 = 'http://schemas.xmlsoap.org/ws/2004/08/addressing';
const AUTH = {
  medico: basic(DEMO.medico.user, DEMO.medico.password),
  regione: basic(DEMO.regione.user, DEMO.regione.password),
  operatore: basic(DEMO.operatore.user, DEMO.operatore.password),
};

const children = new Set<ChildProcess>();
const dirs: string[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh RSA PKCS#1 v1.5 ciphertext of this value on every call (random padding). */
const encrypt = (pem: string, value: string) => encryptField(pem, value);

/** Put wsa headers into an envelope built by support/requests.ts. */
function withHeader(xml: string, header: string): string {
  assert.ok(xml.includes('<soapenv:Header/>'), 'test bug: no empty Header');
  return xml.replace('<soapenv:Header/>', `<soapenv:Header>${header}</soapenv:Header>`);
}
const messageId = (id: string, ns = WSA, attributes = '') => `<wsa:MessageID xmlns:wsa="${ns}"${attributes}>${id}</wsa:MessageID>`;

async function send(endpoint: string, name: OperationName, xmlOrFields: string | Fields, auth: string): Promise<ParsedResponse> {
  const op = OPERATIONS.find((o) => o.name === name)!;
  const xml = typeof xmlOrFields === 'string' ? xmlOrFields : envelope(op.requestElement, xmlOrFields);
  const response = parseResponse(await post(endpoint, xml, { auth, soapAction: soapActionOf(op) }));
  assert.equal(response.root, op.responseElement);
  return response;
}

function accepted(r: ParsedResponse): Record<string, string> {
  assert.deepEqual(r.errors, [], `refused: ${JSON.stringify(r.errors)}`);
  return r.ok;
}

/** Certificates in the store, read beside the gateway through a second opening of it (a second opinion). */
async function countCertificates(dataDir: string): Promise<number> {
  const store = openTestStore(dataDir);
  try {
    return await store.countCertificates();
  } finally {
    await store.close();
  }
}

/** The demo doctor's certificate for the demo worker, with a home visit so it stays valid the next day. */
function certificate(pin: string, o: { worker?: string; malattia?: Fields; diagnosi?: Fields } = {}): Fields {
  return invioMalattia(TODAY, { medico: { pincode: pin }, lavoratore: o.worker ?? WORKER, malattia: { visita: 'D', dataFine: addDays(TODAY, 5), ...o.malattia }, ...(o.diagnosi ? { diagnosi: o.diagnosi } : {}) });
}

describe('InviaMalattia resent (in-process gateway, default writer thread)', () => {
  let gw: Running;
  let pem: string;
  const pin = () => encrypt(pem, DEMO.medico.pincode);
  const malattia = (fields: Fields | string, auth = AUTH.medico) => send(gw.endpoint, 'InviaMalattia', fields, auth);
  const at = (offsetMs: number) => gw.clock.set(new Date(Date.parse(NOW) + offsetMs).toISOString());

  before(async () => {
    gw = await startGateway();
    pem = gw.gateway.pincodeKey.certificatePem;
  });
  after(async () => gw.stop());

  test('identical in substance: same PUC, same dataRicezione, one row; pincode ciphertext, CF encryption, whitespace and prefixes do not count', async () => {
    at(0);
    const before = await gw.gateway.store.countCertificates();
    const first = accepted(await malattia(certificate(pin(), { diagnosi: { noteDiagnosi: 'Febbre alta' } })));
    at(HOUR);
    // The same certificate written by another toolkit: a new pincode ciphertext, the worker's CF
    // encrypted, other prefixes, indentation and runs of spaces inside a value.
    const op = OPERATIONS.find((o) => o.name === 'InviaMalattia')!;
    let other = envelope(op.requestElement, certificate(pin(), { worker: encrypt(pem, WORKER), diagnosi: { noteDiagnosi: '  Febbre   alta ' } }));
    other = other.replace(/soapenv:/g, 'S:').replace('xmlns:soapenv=', 'xmlns:S=').replace(/cert:/g, 'c:').replace('xmlns:cert=', 'xmlns:c=').replace(/></g, '>\n  <');
    const second = await malattia(other);
    assert.deepEqual(accepted(second), first, 'the first receipt, field for field');
    assert.equal(await gw.gateway.store.countCertificates(), before + 1, 'one certificate');
    assert.equal((await gw.gateway.store.getCertificate(first.idCertificato!))?.dataRicezione, first.dataRicezione);
  });

  test('a different payload, or the same one from another sender, is a new certificate', async () => {
    at(0);
    const base = accepted(await malattia(certificate(pin(), { malattia: { dataFine: addDays(TODAY, 6) } })));
    const later = accepted(await malattia(certificate(pin(), { malattia: { dataFine: addDays(TODAY, 7) } })));
    assert.notEqual(later.idCertificato, base.idCertificato);
    // The region sending the same certificate for the doctor: its own request, its own key.
    const viaRegione = { ...certificate(''), medico: { codiceFiscale: DEMO.medico.user } };
    const r1 = accepted(await malattia(viaRegione, AUTH.regione));
    const r2 = accepted(await malattia(viaRegione, AUTH.regione));
    assert.equal(r2.idCertificato, r1.idCertificato, 'the region resending is a resubmission too');
    const asDoctor = accepted(await malattia({ ...viaRegione, medico: { pincode: pin() } }));
    assert.notEqual(asDoctor.idCertificato, r1.idCertificato, 'another sender: not the region’s receipt');
  });

  test('a refused request is not remembered: fixed, it is accepted; a cancelled certificate no longer answers', async () => {
    at(0);
    const wrong = certificate(pin(), { diagnosi: { codiceDiagnosi: 'V99.1', noteDiagnosi: 'Codice sbagliato' } });
    assertErrors(await malattia(wrong), [['5002', 'malattia/diagnosi/codiceDiagnosi']]);
    assertErrors(await malattia(wrong), [['5002', 'malattia/diagnosi/codiceDiagnosi']]);
    const fixed = certificate(pin(), { diagnosi: { codiceDiagnosi: '487.1', noteDiagnosi: 'Codice corretto' } });
    const ok = accepted(await malattia(fixed));
    const cancel = await send(gw.endpoint, 'AnnullaMalattia', { medico: { pincode: pin() }, lavoratore: { codiceFiscale: WORKER }, idCertificato: ok.idCertificato! }, AUTH.medico);
    accepted(cancel);
    const again = accepted(await malattia(fixed));
    assert.notEqual(again.idCertificato, ok.idCertificato, 'sent again after its cancellation: a new certificate');
  });

  test('the window (24 h by default) expires: the same request a minute later is a new certificate', async () => {
    at(0);
    const fields = certificate(pin(), { diagnosi: { noteDiagnosi: 'Finestra' } });
    const first = accepted(await malattia(fields));
    at(24 * HOUR - 60_000);
    assert.equal(accepted(await malattia(fields)).idCertificato, first.idCertificato, 'inside the window');
    at(24 * HOUR + 60_000);
    const after = accepted(await malattia(fields));
    assert.notEqual(after.idCertificato, first.idCertificato, 'past the window');
    assert.notEqual(after.dataRicezione, first.dataRicezione);
  });

  test('wsa:MessageID (1.0 or 2004/08), with or without mustUnderstand: a key of its own, scoped to the sender', async () => {
    at(0);
    const op = OPERATIONS.find((o) => o.name === 'InviaMalattia')!;
    const xml = (fields: Fields, header: string) => withHeader(envelope(op.requestElement, fields), header);
    const a = certificate(pin(), { diagnosi: { noteDiagnosi: 'Con MessageID A' } });
    const before = await gw.gateway.store.countCertificates();
    const first = accepted(await malattia(xml(a, messageId('urn:uuid:0f6c3a52-1d2e-4c1b-9a55-aaaaaaaaaaaa', WSA, ' soapenv:mustUnderstand="1"'))));
    // Same MessageID, same request (a retransmission): the first receipt.
    const again = accepted(await malattia(xml(certificate(pin(), { diagnosi: { noteDiagnosi: 'Con MessageID A' } }), messageId('urn:uuid:0f6c3a52-1d2e-4c1b-9a55-aaaaaaaaaaaa'))));
    assert.deepEqual(again, first);
    // Same MessageID, another request: refused (8010), nothing stored; the first stays valid.
    const b = certificate(pin(), { diagnosi: { noteDiagnosi: 'Con MessageID B' } });
    const reused = await malattia(xml(b, messageId('urn:uuid:0f6c3a52-1d2e-4c1b-9a55-aaaaaaaaaaaa')));
    assertErrors(reused, [['8010', 'wsa:MessageID']]);
    assert.equal(await gw.gateway.store.countCertificates(), before + 1);
    // A fresh MessageID on an identical request (a toolkit retrying with a new one): still the same visit.
    const fresh = accepted(await malattia(xml(a, messageId('urn:uuid:0f6c3a52-1d2e-4c1b-9a55-bbbbbbbbbbbb', WSA_2004))));
    assert.deepEqual(fresh, first);
    // The 2004/08 namespace is the same key; B under a new MessageID is a new certificate.
    const bOk = accepted(await malattia(xml(b, messageId('urn:uuid:0f6c3a52-1d2e-4c1b-9a55-cccccccccccc', WSA_2004))));
    assert.notEqual(bOk.idCertificato, first.idCertificato);
    assertErrors(await malattia(xml(a, messageId('urn:uuid:0f6c3a52-1d2e-4c1b-9a55-cccccccccccc'))), [['8010', 'wsa:MessageID']]);
    // Another sender's MessageID space is its own: the region may use the doctor's MessageID.
    const viaRegione = { ...certificate(''), medico: { codiceFiscale: DEMO.medico2.user } };
    accepted(await malattia(xml(viaRegione, messageId('urn:uuid:0f6c3a52-1d2e-4c1b-9a55-aaaaaaaaaaaa')), AUTH.regione));
    assert.equal(await gw.gateway.store.countCertificates(), before + 3);
  });

  test('a blank or repeated wsa:MessageID is a Client fault; one for another actor is not this node’s', async () => {
    at(0);
    const op = OPERATIONS.find((o) => o.name === 'InviaMalattia')!;
    const xml = (header: string) => withHeader(envelope(op.requestElement, certificate(pin(), { diagnosi: { noteDiagnosi: 'Intestazioni' } })), header);
    const blank = parseFault(await post(gw.endpoint, xml(messageId('  ')), { soapAction: soapActionOf(op) }));
    assert.equal(blank.faultcode, 'soap:Client');
    assert.match(blank.faultstring, /wsa:MessageID vuoto/);
    const twice = parseFault(await post(gw.endpoint, xml(messageId('urn:x:1') + messageId('urn:x:2', WSA_2004)), { soapAction: soapActionOf(op) }));
    assert.match(twice.faultstring, /più di un wsa:MessageID/);
    // Another header entry with mustUnderstand is still not understood.
    const action = parseFault(await post(gw.endpoint, xml(`<wsa:Action xmlns:wsa="${WSA}" soapenv:mustUnderstand="1">x</wsa:Action>`), { soapAction: soapActionOf(op) }));
    assert.equal(action.faultcode, 'soap:MustUnderstand');
    const elsewhere = ' soapenv:actor="http://example.com/altro-nodo"';
    const first = accepted(await malattia(xml(messageId('urn:x:3', WSA, elsewhere) + messageId('urn:x:4', WSA, elsewhere))));
    assert.match(first.idCertificato ?? '', /^[0-9]{10}$/);
  });

  test('identical requests fired at once: one certificate, every answer its receipt', async () => {
    at(0);
    const before = await gw.gateway.store.countCertificates();
    const fields = () => certificate(pin(), { diagnosi: { noteDiagnosi: 'In gara' } });
    const answers = await Promise.all(Array.from({ length: 8 }, () => malattia(fields())));
    const receipts = answers.map(accepted);
    for (const r of receipts) assert.deepEqual(r, receipts[0]);
    assert.equal(await gw.gateway.store.countCertificates(), before + 1);
  });

  test('a request refused by a rule that moved on (dataRilascio now too old) still answers its receipt inside the window', async () => {
    // Default window 24 h: the day after, at 23:00, a home visit of the day before is still valid;
    // two days later it would not be, but that is past the window. So: a gateway with a 72 h window.
    const wide = await startGateway({ SAC_IDEMPOTENCY_WINDOW: '72h' });
    try {
      wide.clock.set(NOW);
      const widePin = encrypt(wide.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
      const fields = invioMalattia(TODAY, { medico: { pincode: widePin }, malattia: { visita: 'D', dataFine: addDays(TODAY, 5) } });
      const first = accepted(await send(wide.endpoint, 'InviaMalattia', fields, AUTH.medico));
      wide.clock.set(new Date(Date.parse(NOW) + 48 * HOUR).toISOString());
      assert.deepEqual(accepted(await send(wide.endpoint, 'InviaMalattia', fields, AUTH.medico)), first);
      wide.clock.set(new Date(Date.parse(NOW) + 72 * HOUR + 60_000).toISOString());
      assertErrors(await send(wide.endpoint, 'InviaMalattia', fields, AUTH.medico), [['4006', 'malattia/dataRilascio']]);
      assert.equal(await wide.gateway.store.countCertificates(), 1);
    } finally {
      await wide.stop();
    }
  });
});

describe('InviaRicovero and InviaDimissione resent', () => {
  let gw: Running;
  let pem: string;
  before(async () => {
    gw = await startGateway();
    gw.clock.set(NOW);
    pem = gw.gateway.pincodeKey.certificatePem;
  });
  after(async () => gw.stop());

  const ricovero = (worker: string): Fields => ({
    operatore: { ...STRUTTURA },
    lavoratore: { codiceFiscale: worker },
    residenza: defaultResidenza(),
    ricovero: { dataRicovero: ADMITTED },
  });
  const dimissione = (idInizioRicovero: string, worker: string): Fields =>
    invioDimissione(TODAY, {
      medico: { pincode: encrypt(pem, DEMO.medico.pincode), ...STRUTTURA },
      lavoratore: worker,
      idInizioRicovero,
      dataRicovero: ADMITTED,
      dataFine: addDays(TODAY, 10),
    });

  test('an admission sent twice, and four times at once: one PUCIR each', async () => {
    const first = accepted(await send(gw.endpoint, 'InviaRicovero', ricovero(WORKER), AUTH.operatore));
    assert.deepEqual(accepted(await send(gw.endpoint, 'InviaRicovero', { ...ricovero(WORKER), lavoratore: { codiceFiscale: encrypt(pem, WORKER) } }, AUTH.operatore)), first);
    const raced = (await Promise.all(Array.from({ length: 4 }, () => send(gw.endpoint, 'InviaRicovero', ricovero('BNCGPP75C41F205S'), AUTH.operatore)))).map(accepted);
    for (const r of raced) assert.deepEqual(r, raced[0]);
    assert.notEqual(raced[0]!.idInizioRicovero, first.idInizioRicovero);
    // One admission per worker, each stored once.
    assert.deepEqual((await gw.gateway.store.ricoveriOfWorker(WORKER, 10)).map((r) => r.idInizioRicovero), [first.idInizioRicovero]);
    assert.deepEqual((await gw.gateway.store.ricoveriOfWorker('BNCGPP75C41F205S', 10)).map((r) => r.idInizioRicovero), [raced[0]!.idInizioRicovero]);
  });

  test('a discharge sent again answers its receipt, not 7011 "already sent"; fired at once, one certificate', async () => {
    const worker = 'VRDLGU62T10L219V';
    const admission = accepted(await send(gw.endpoint, 'InviaRicovero', ricovero(worker), AUTH.operatore)).idInizioRicovero!;
    const before = await gw.gateway.store.countCertificates();
    const raced = (await Promise.all(Array.from({ length: 4 }, () => send(gw.endpoint, 'InviaDimissione', dimissione(admission, worker), AUTH.medico)))).map(accepted);
    for (const r of raced) assert.deepEqual(r, raced[0]);
    assert.equal(raced[0]!.idInizioRicovero, admission);
    assert.deepEqual(accepted(await send(gw.endpoint, 'InviaDimissione', dimissione(admission, worker), AUTH.medico)), raced[0]);
    assert.equal(await gw.gateway.store.countCertificates(), before + 1);
    // A different discharge for the same admission is still refused as already sent.
    const other = { ...dimissione(admission, worker) };
    (other.dimissione as Fields).dataFine = addDays(TODAY, 9);
    assertErrors(await send(gw.endpoint, 'InviaDimissione', other, AUTH.medico), [['7011', 'idInizioRicovero']]);
  });
});

describe('identical requests racing across a cluster of two workers (the real binary)', () => {
  test('one certificate in the file, every answer the same receipt', async () => {
    const dataDir = tempDir();
    dirs.push(dataDir);
    const gw = await startCli(dataDir, { track: (c) => children.add(c), env: { SAC_WORKERS: '2' } });
    try {
      const pem = await (await fetch(`${gw.url}/CertServiceWeb/SanitelCF.pem`)).text();
      const today = romeDate(new Date());
      const fields = () => invioMalattia(today, { medico: { pincode: encrypt(pem, DEMO.medico.pincode) }, malattia: { visita: 'D' } });
      const firsts: Record<string, string>[] = [];
      const distinct = (f: Fields, round: number) => ({ ...f, residenza: { ...defaultResidenza(), civico: String(round + 1) } });
      for (let round = 0; round < 3; round++) {
        const answers = await Promise.all(Array.from({ length: 12 }, () => send(gw.endpoint, 'InviaMalattia', distinct(fields(), round), AUTH.medico)));
        const receipts = answers.map(accepted);
        for (const r of receipts) assert.deepEqual(r, receipts[0], `round ${round}`);
        firsts.push(receipts[0]!);
      }
      // Each certificate's claim is stored with it: a later resubmission of each round answers that round's receipt.
      for (let round = 0; round < 3; round++) {
        assert.deepEqual(accepted(await send(gw.endpoint, 'InviaMalattia', distinct(fields(), round), AUTH.medico)), firsts[round], `round ${round} resent`);
      }
      assert.equal(await countCertificates(dataDir), 3);
    } finally {
      if (gw.child.pid !== undefined && gw.child.exitCode === null) process.kill(gw.child.pid, 'SIGTERM');
      await gw.exited;
    }
  });
});

describe('SAC_IDEMPOTENCY_WINDOW', () => {
  test('a duration with its unit, 0 for off; anything else stops the start naming the variable', () => {
    const window = (value: string) => loadConfig({ SAC_IDEMPOTENCY_WINDOW: value }).idempotency.windowMs;
    assert.equal(loadConfig({}).idempotency.windowMs, 24 * HOUR);
    assert.equal(window('90s'), 90_000);
    assert.equal(window('30m'), 30 * 60_000);
    assert.equal(window('7d'), 7 * 24 * HOUR);
    assert.equal(window('0'), 0);
    for (const bad of ['24', 'abc', '-1h', '1.5h', '31d', '24 h']) {
      assert.throws(() => window(bad), (err: Error) => err instanceof ConfigError && /SAC_IDEMPOTENCY_WINDOW/.test(err.message), bad);
    }
  });
});
