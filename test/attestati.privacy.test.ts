/**
 * Privacy as a tested property of AttestatiMalattia (issue 12, point 6): a
 * certificate and a discharge certificate sent through CertificatiMedici carry
 * unique diagnosis markers; no byte an employer or a CF+PUC caller receives
 * holds them (ConsultaAttestato, ConsultaDocumento as datore,
 * ElencoDocumentiDatore, StampaDocumento B/D/E with the PDF's text read back
 * by pdftotext), nor any line of the gateway's log (its own logger at trace
 * level, captured); the worker DOES receive them (ElencoDocumentiLavoratore,
 * ConsultaDocumento, StampaDocumento A and C), so the check can fail.
 */
import { after, before, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { createGateway, createLogger, type Gateway } from '../src/app.js';
import { encryptField } from '../src/auth/pincodeCipher.js';
import type { AttestatiOperationName } from '../src/attestati/contract.js';
import { loadConfig } from '../src/config.js';
import { NOW, TODAY } from './support/demo.js';
import { TestClock, tempDir } from './support/gateway.js';
import { withTestStore } from './support/testStore.js';
import { call, DATORE, LAVORATORE, parseAnswer, type Answer } from './support/attestati.js';
import { defaultResidenza, envelope, invioDimissione, invioMalattia, type Fields } from './support/requests.js';
import { DEMO, basic, parseResponse, post } from './support/soapClient.js';
import { IN_CI } from './support/ci.js';

const run = promisify(execFile);
/** The sickness certificate's diagnosis, and the discharge's: unique words, found nowhere else. */
const MARKER = 'Zqxv7Malattia';
const MARKER_DIMISSIONE = 'Wkjy4Dimissione';
const CODE = '345.1';
const CODE_DIMISSIONE = '481';
const STRUTTURA = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' } as const;
const MEDICO2 = { user: DEMO.medico2.user, password: DEMO.medico2.password };

const lines: string[] = [];
let gateway: Gateway;
let url: string;
let dataDir: string;
let dir: string;
let poppler = true;
const ids = { puc: '', pucir: '', dimissione: '' };

async function send(op: string, root: string, fields: Fields, who: string): Promise<Record<string, string>> {
  const r = parseResponse(await post(`${url}/CertServiceWeb/CertificatiMedici`, envelope(root, fields), { auth: who, soapAction: `http://ws.cert.sanita.finanze.it/${op}` }));
  assert.deepEqual(r.errors, [], `${op} refused`);
  return r.ok;
}

before(async () => {
  dataDir = tempDir();
  dir = mkdtempSync(path.join(tmpdir(), 'sac-attestati-pdf-'));
  try {
    await run('pdftotext', ['-v'], { timeout: 30_000 });
  } catch {
    poppler = false;
  }
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const config = loadConfig(withTestStore({ HOST: '127.0.0.1', PORT: '0', SAC_DATA_DIR: dataDir, SAC_IDEMPOTENCY_WINDOW: '0', SAC_LOG_BUFFER_BYTES: '0' }));
  const clock = new TestClock();
  clock.set(NOW);
  gateway = createGateway(config, { clock, logger: createLogger('trace', sink) });
  url = await gateway.listen();
  const pin = encryptField(gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  const medico = basic(DEMO.medico.user, DEMO.medico.password);
  ids.puc = (await send('InviaMalattia', 'invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: pin }, lavoratore: LAVORATORE.user, diagnosi: { codiceDiagnosi: CODE, noteDiagnosi: `Nota ${MARKER} riservata` }, malattia: { dataFine: '2026-11-28' } }), medico)).idCertificato!;
  ids.pucir = (
    await send(
      'InviaRicovero',
      'invioRicoveroRequest',
      { operatore: { ...STRUTTURA }, lavoratore: { codiceFiscale: LAVORATORE.user }, residenza: defaultResidenza(), ricovero: { dataRicovero: '2026-11-20' } },
      basic(DEMO.operatore.user, DEMO.operatore.password),
    )
  ).idInizioRicovero!;
  ids.dimissione = (
    await send(
      'InviaDimissione',
      'invioDimissioneRequest',
      invioDimissione(TODAY, { medico: { pincode: pin, ...STRUTTURA }, lavoratore: LAVORATORE.user, idInizioRicovero: ids.pucir, dataRicovero: '2026-11-20', dataFine: '2026-12-01', dimissione: { diagnosi: { codiceDiagnosi: CODE_DIMISSIONE, noteDiagnosi: `Nota ${MARKER_DIMISSIONE} riservata` } } }),
      medico,
    )
  ).idCertificato!;
});

after(async () => {
  await gateway?.close();
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(dir, { recursive: true, force: true });
});

async function ask(name: AttestatiOperationName, fields: Fields, who: { user: string; password: string }): Promise<Answer> {
  return parseAnswer(await call(url, name, fields, who), name);
}

/** The text of a printed copy as a reader extracts it. */
async function pdfText(answer: Answer): Promise<string> {
  const pdf = Buffer.from(answer.fields.pdf!, 'base64');
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  const file = path.join(dir, `${answer.fields.allegato}-${Math.random().toString(36).slice(2)}.pdf`);
  writeFileSync(file, pdf);
  const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-'], { timeout: 30_000 });
  return stdout;
}

function withoutDiagnosis(what: string, text: string): void {
  for (const secret of [MARKER, MARKER_DIMISSIONE, CODE, `>${CODE_DIMISSIONE}<`, 'noteDiagnosi', 'codiceDiagnosi']) {
    assert.ok(!text.includes(secret), `${what} holds ${secret}`);
  }
}

function needPoppler(t: TestContext): boolean {
  if (poppler) return true;
  if (IN_CI) assert.fail('pdftotext (poppler-utils) is required under CI');
  t.skip('pdftotext not installed: apt-get install -y --no-install-recommends poppler-utils');
  return false;
}

test('an employer and a CF+PUC caller never receive the diagnosis, in XML or in PDF text', async (t) => {
  const bytes: [string, Answer][] = [];
  for (const id of [ids.puc, ids.pucir, ids.dimissione]) {
    for (const who of [MEDICO2, DATORE, LAVORATORE]) bytes.push([`ConsultaAttestato ${id} by ${who.user}`, await ask('ConsultaAttestato', { codiceFiscaleLavoratore: LAVORATORE.user, idCertificato: id }, who)]);
    bytes.push([`ConsultaDocumento ${id} by datore`, await ask('ConsultaDocumento', { idCertificato: id }, DATORE)]);
  }
  bytes.push(['ElencoDocumentiDatore', await ask('ElencoDocumentiDatore', { dal: TODAY, al: TODAY }, DATORE)]);
  for (const [what, answer] of bytes) {
    assert.equal(answer.ok, true, `${what}: ${JSON.stringify(answer.errors)}`);
    withoutDiagnosis(what, answer.xml);
  }
  const list = bytes.at(-1)![1];
  assert.equal(list.fields.numeroDocumenti, '4', 'attestato, ricovero, attestato and dimissioni of the discharge');

  const prints: [string, Answer][] = [];
  for (const [id, form] of [[ids.puc, 'B'], [ids.dimissione, 'D'], [ids.pucir, 'E']] as const) {
    prints.push([`${form} by datore`, await ask('StampaDocumento', { idCertificato: id }, DATORE)]);
    prints.push([`${form} by CF+PUC`, await ask('StampaDocumento', { idCertificato: id, codiceFiscaleLavoratore: LAVORATORE.user }, MEDICO2)]);
  }
  for (const [what, answer] of prints) {
    assert.equal(answer.ok, true, what);
    assert.ok(['B', 'D', 'E'].includes(answer.fields.allegato!), what);
    withoutDiagnosis(what, answer.xml);
  }
  if (!needPoppler(t)) return;
  for (const [what, answer] of prints) {
    const text = await pdfText(answer);
    assert.ok(text.includes(answer.fields.idCertificato!), `${what}: the PDF's text is read back`);
    withoutDiagnosis(`${what} (PDF text)`, text);
  }
});

test('the worker does receive the diagnosis: list, document, forms A and C', async (t) => {
  const list = await ask('ElencoDocumentiLavoratore', {}, LAVORATORE);
  assert.ok(list.xml.includes(MARKER) && list.xml.includes(MARKER_DIMISSIONE) && list.all('codiceDiagnosi').includes(CODE));
  const doc = await ask('ConsultaDocumento', { idCertificato: ids.puc }, LAVORATORE);
  assert.equal(doc.fields['certificato/diagnosi/codiceDiagnosi'], CODE);
  assert.ok(doc.fields['certificato/diagnosi/noteDiagnosi']!.includes(MARKER));
  const a = await ask('StampaDocumento', { idCertificato: ids.puc }, LAVORATORE);
  const c = await ask('StampaDocumento', { idCertificato: ids.dimissione }, LAVORATORE);
  assert.deepEqual([a.fields.allegato, c.fields.allegato], ['A', 'C']);
  if (!needPoppler(t)) return;
  assert.ok((await pdfText(a)).includes(MARKER), 'A shows the diagnosis');
  assert.ok((await pdfText(c)).includes(MARKER_DIMISSIONE), 'C shows the diagnosis');
});

test("the gateway's log never holds the diagnosis, though it records every call", async () => {
  await new Promise((resolve) => setTimeout(resolve, 50));
  const log = lines.join('');
  for (const op of ['ConsultaAttestato', 'ConsultaDocumento', 'ElencoDocumentiDatore', 'ElencoDocumentiLavoratore', 'StampaDocumento']) {
    assert.ok(log.includes(`"operation":"${op}"`), `the log records ${op}`);
  }
  for (const secret of [MARKER, MARKER_DIMISSIONE, CODE, 'noteDiagnosi', 'codiceDiagnosi']) assert.ok(!log.includes(secret), `the log holds ${secret}`);
});
