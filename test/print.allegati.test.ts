/**
 * Printed copies, Allegati A–E (issue 12 point 5, disciplinare §6): real
 * certificates, a rectification, a cancellation, an admission and a
 * discharge sent through a real gateway for a worker with an accented name,
 * each form built from the gateway's store and rendered to PDF, and the PDF
 * read back with poppler (pdftotext, pdfinfo, pdfimages) as a reader would,
 * the barcode decoded back to the PUC.
 *
 * Privacy: the diagnosis (code and notes) is in A and C, never in B, D, E.
 * A missing poppler is a skip naming the install command, except under CI,
 * where it fails (.ci/install-test-deps.sh installs it).
 */
import { after, before, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  attestatoFrom,
  certificatoFrom,
  renderForm,
  ricoveroFrom,
  type Allegato,
  type PrintableAttestato,
  type PrintableForm,
  type PrintableRicovero,
} from '../src/print/index.js';
import { NO_RESUBMISSION_DETECTION, startGateway, type Running } from './support/gateway.js';
import { ACCENTED_DOCTOR, ACCENTED_WORKER, DIAGNOSI_DIMISSIONE, DIAGNOSI_MALATTIA, sendSamples, type Samples } from './support/printSamples.js';
import { IN_CI } from './support/ci.js';

const run = promisify(execFile);
const INSTALL = 'apt-get install -y --no-install-recommends poppler-utils (or: bash .ci/install-test-deps.sh)';
/** Generous bounds: a form is ~30 KB and renders in ~0.1 s. */
const MAX_PDF_BYTES = 200_000;
const MAX_RENDER_MS = 5_000;

let gw: Running;
let samples: Samples;
let dir: string;
let poppler: boolean;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sac-print-'));
  try {
    await run('pdftotext', ['-v'], { timeout: 30_000 });
    poppler = true;
  } catch {
    poppler = false;
  }
  gw = await startGateway(NO_RESUBMISSION_DETECTION);
  samples = await sendSamples(gw);
});
after(async () => {
  await gw.stop();
  rmSync(dir, { recursive: true, force: true });
});

function needPoppler(t: TestContext): boolean {
  if (poppler) return true;
  const message = `poppler-utils (pdftotext, pdfinfo, pdfimages) is not installed: run \`${INSTALL}\``;
  if (IN_CI) assert.fail(`${message}\nCI is set: a missing tool fails, it is never skipped.`);
  t.skip(message);
  return false;
}

interface Printed {
  readonly pdf: Buffer;
  readonly file: string;
  readonly text: string;
  readonly ms: number;
}

async function print(form: PrintableForm, name: string): Promise<Printed> {
  const started = performance.now();
  const pdf = await renderForm(form);
  const ms = performance.now() - started;
  const file = path.join(dir, `${name}.pdf`);
  writeFileSync(file, pdf);
  const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-'], { timeout: 30_000 });
  return { pdf, file, text: stdout, ms };
}

const forms = async (): Promise<Array<[string, Allegato, PrintableForm]>> => [
  ['A', 'A', await certificatoFrom(samples.malattia, gw.gateway.store)],
  ['B', 'B', await attestatoFrom(samples.malattia, gw.gateway.store)],
  ['C', 'C', await certificatoFrom(samples.dimissione, gw.gateway.store)],
  ['D', 'D', await attestatoFrom(samples.dimissione, gw.gateway.store)],
  ['E', 'E', await ricoveroFrom(samples.ricovero, gw.gateway.store)],
];

/** Every diagnosis datum sent, code and notes, of both certificates. */
const DIAGNOSIS_TEXTS = [DIAGNOSI_MALATTIA.codiceDiagnosi, DIAGNOSI_MALATTIA.noteDiagnosi, DIAGNOSI_DIMISSIONE.codiceDiagnosi, DIAGNOSI_DIMISSIONE.noteDiagnosi];

/**
 * Whether `text` holds the diagnosis datum `d`. A code (digits and dots) counts only as a whole
 * token: protocol numbers are random digits, and one that happens to contain "481" is not the code.
 */
function holds(text: string, d: string): boolean {
  if (!/^[0-9.]+$/.test(d)) return text.includes(d);
  return new RegExp(`(?<![0-9.])${d.replace(/\./g, '\\.')}(?![0-9])`).test(text);
}

/** pdftotext may break a long note across lines: compare with whitespace folded. */
const fold = (s: string): string => s.replace(/\s+/g, ' ');

/**
 * Code 128 symbol patterns (bar, space, bar, space, bar, space widths in
 * modules), by symbol value, from the standard (ISO/IEC 15417); 106 is Stop.
 */
const CODE128 = (
  '212222 222122 222221 121223 121322 131222 122213 122312 132212 221213 221312 231212 112232 122132 122231 113222 ' +
  '123122 123221 223211 221132 221231 213212 223112 312131 311222 321122 321221 312212 322112 322211 212123 212321 ' +
  '232121 111323 131123 131321 112313 132113 132311 211313 231113 231311 112133 112331 132131 113123 113321 133121 ' +
  '313121 211331 231131 213113 213311 213131 311123 311321 331121 312113 312311 332111 314111 221411 431111 111224 ' +
  '111422 121124 121421 141122 141221 112214 112412 122114 122411 142112 142211 241211 221114 413111 241112 134111 ' +
  '111242 121142 121241 114212 124112 124211 411212 421112 421211 212141 214121 412121 111143 111341 131141 114113 ' +
  '114311 411113 411311 113141 114131 311141 411131 211412 211214 211232 2331112'
).split(' ');
const START_C = 105;
const STOP = 106;

/**
 * Decode the Code 128 barcode embedded in a PDF page (its middle pixel row):
 * Start C, digit pairs, the mod-103 check symbol, Stop. Enough for a PUC or
 * PUCIR (ten digits, all in code set C); anything else fails.
 */
async function decodeCode128(file: string): Promise<string> {
  const prefix = path.join(dir, `img-${path.basename(file, '.pdf')}`);
  await run('pdfimages', ['-f', '1', '-l', '1', file, prefix], { timeout: 30_000 });
  const ppm = readFileSync(`${prefix}-000.ppm`);
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(ppm.subarray(0, 40).toString('latin1'));
  assert.ok(header, 'the barcode image is not an RGB raster');
  const [width, height] = [Number(header[1]), Number(header[2])];
  const pixels = ppm.subarray(header[0].length);
  const row = Math.floor(height / 2) * width * 3;
  const runs: number[] = [];
  let previous: boolean | undefined;
  for (let x = 0; x < width; x++) {
    const dark = pixels[row + x * 3]! < 128;
    if (dark === previous) runs[runs.length - 1]!++;
    else if (dark || previous !== undefined) runs.push(1);
    previous = dark;
  }
  if (previous === false) runs.pop(); // trailing quiet zone
  const moduleWidth = runs.slice(0, 6).reduce((a, b) => a + b, 0) / 11;
  const modules = runs.map((r) => r / moduleWidth);
  assert.ok(modules.every((m) => Number.isInteger(m) && m >= 1 && m <= 4), `not Code 128 modules: ${modules.join(' ')}`);
  const values: number[] = [];
  for (let i = 0; i < modules.length; i += 6) {
    const pattern = modules.slice(i, i + (modules.length - i === 7 ? 7 : 6)).join('');
    const value = CODE128.indexOf(pattern);
    assert.ok(value >= 0, `unknown Code 128 pattern ${pattern}`);
    values.push(value);
    if (value === STOP) break;
  }
  assert.equal(values[0], START_C, 'not Start C');
  assert.equal(values.at(-1), STOP, 'no Stop');
  const data = values.slice(1, -2);
  const check = values.at(-2)!;
  assert.equal(data.reduce((sum, v, i) => sum + v * (i + 1), START_C) % 103, check, 'the check symbol does not match');
  assert.ok(data.every((v) => v < 100), 'a symbol outside code set C');
  return data.map((v) => String(v).padStart(2, '0')).join('');
}

describe('printed copies from real documents', () => {
  test('the forms without a diagnosis have none, even at run time (B, D, E)', async () => {
    for (const [, allegato, form] of await forms()) {
      if (allegato === 'A' || allegato === 'C') continue;
      const json = JSON.stringify(form);
      assert.ok(!('diagnosi' in form), `Allegato ${allegato} has a diagnosi field`);
      for (const d of DIAGNOSIS_TEXTS) assert.ok(!holds(json, d), `Allegato ${allegato}'s model carries "${d}"`);
    }
    // By construction: the types have no such field (this fails to compile if one is added).
    const b: PrintableAttestato = await attestatoFrom(samples.malattia, gw.gateway.store);
    const e: PrintableRicovero = await ricoveroFrom(samples.ricovero, gw.gateway.store);
    // @ts-expect-error an attestato has no diagnosis
    assert.equal(b.diagnosi, undefined);
    // @ts-expect-error an admission notice has no diagnosis
    assert.equal(e.diagnosi, undefined);
  });

  test('every form: one A4 page, the identifier, dataRicezione, accented names intact, the barcode image, bounded size and time', async (t) => {
    if (!needPoppler(t)) return;
    for (const [name, allegato, form] of await forms()) {
      const printed = await print(form, name);
      assert.ok(printed.pdf.length < MAX_PDF_BYTES, `Allegato ${allegato}: ${printed.pdf.length} bytes`);
      assert.ok(printed.ms < MAX_RENDER_MS, `Allegato ${allegato}: rendered in ${printed.ms} ms`);
      const info = (await run('pdfinfo', [printed.file], { timeout: 30_000 })).stdout;
      assert.match(info, /^Pages:\s+1$/m, `Allegato ${allegato} is not one page:\n${info}`);
      assert.match(info, /^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/m);
      const text = printed.text;
      assert.ok(text.includes(`Allegato ${allegato}`), `Allegato ${allegato}: no "Allegato ${allegato}" in the text`);
      assert.ok(text.includes(form.id), `Allegato ${allegato}: identifier ${form.id} missing`);
      assert.ok(text.includes(form.dataRicezione), `Allegato ${allegato}: dataRicezione ${form.dataRicezione} missing`);
      for (const accented of [ACCENTED_WORKER.cognome, ACCENTED_WORKER.nome, 'Giosuè Carducci', 'Forlì']) {
        assert.ok(text.includes(accented), `Allegato ${allegato}: "${accented}" not intact in:\n${text}`);
      }
      // The structure: the admission's on C, D (where the discharge was issued) and E.
      if (allegato === 'C' || allegato === 'D' || allegato === 'E') assert.ok(text.includes('120901'), `Allegato ${allegato}: the structure is missing`);
      if (allegato !== 'E') {
        for (const accented of [ACCENTED_DOCTOR.cognome, "D'Angelo", 'Piazza della Libertà']) assert.ok(text.includes(accented), `Allegato ${allegato}: "${accented}" missing`);
      }
      // The machine-readable identifier: one embedded raster image, the Code 128 barcode.
      const images = (await run('pdfimages', ['-list', printed.file], { timeout: 30_000 })).stdout
        .trim()
        .split('\n')
        .slice(2)
        .filter((line) => line.trim().split(/\s+/)[2] === 'image');
      assert.equal(images.length, 1, `Allegato ${allegato}: expected the barcode image, found:\n${images.join('\n')}`);
      assert.equal(await decodeCode128(printed.file), form.id, `Allegato ${allegato}: the barcode does not read ${form.id}`);
    }
  });

  test('the diagnosis prints on A and C, never on B, D, E', async (t) => {
    if (!needPoppler(t)) return;
    const expected: Record<Allegato, readonly string[]> = {
      A: [DIAGNOSI_MALATTIA.codiceDiagnosi, DIAGNOSI_MALATTIA.noteDiagnosi],
      B: [],
      C: [DIAGNOSI_DIMISSIONE.codiceDiagnosi, DIAGNOSI_DIMISSIONE.noteDiagnosi],
      D: [],
      E: [],
    };
    for (const [name, allegato, form] of await forms()) {
      const text = fold((await print(form, `diag-${name}`)).text);
      for (const d of DIAGNOSIS_TEXTS) {
        const wanted = expected[allegato].includes(d);
        assert.equal(holds(text, d), wanted, `Allegato ${allegato}: "${d}" ${wanted ? 'missing' : 'printed'}`);
      }
      // No stray fragment of a note either (the first words of each).
      if (expected[allegato].length === 0) {
        for (const word of ['Sindrome influenzale', 'Polmonite', 'convalescenza']) assert.ok(!text.includes(word), `Allegato ${allegato} prints "${word}"`);
      }
    }
  });

  test('a cancelled certificate prints as cancelled; a rectification names the PUC it rectifies and its current end', async (t) => {
    if (!needPoppler(t)) return;
    assert.equal(samples.annullato.state, 'annullato');
    for (const form of [await certificatoFrom(samples.annullato, gw.gateway.store), await attestatoFrom(samples.annullato, gw.gateway.store)]) {
      const text = fold((await print(form, `annullato-${form.allegato}`)).text);
      assert.ok(text.includes('ANNULLATO'), `cancelled Allegato ${form.allegato} not marked:\n${text}`);
      assert.ok(text.includes(samples.annullato.idAnnullamento!), 'the cancellation protocol is missing');
    }
    const active = fold((await print(await attestatoFrom(samples.rettifica, gw.gateway.store), 'rettifica-B')).text);
    assert.ok(!active.includes('ANNULLATO') && !active.includes('RETTIFICATO'), 'an active rectification is marked');
    assert.ok(active.includes(`Rettifica del certificato PUC ${samples.malattia.idCertificato}`), `rectified PUC missing:\n${active}`);
    assert.ok(active.includes('fine prognosi attuale 29/11/2026'), 'the current end is missing');
    const original = fold((await print(await certificatoFrom(samples.malattia, gw.gateway.store), 'rettificato-A')).text);
    assert.equal(samples.malattia.state, 'rettificato');
    assert.ok(original.includes('RETTIFICATO'), 'the rectified original is not marked');
  });

  test('the same record prints the same bytes (dates from the record, not the clock)', async () => {
    for (const [, allegato, form] of await forms()) {
      const one = await renderForm(form);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const two = await renderForm(form);
      assert.ok(one.equals(two), `Allegato ${allegato} differs between two renderings`);
    }
  });

  test('a person unknown to the registry prints with the codice fiscale only; a very long note stays on one page', async (t) => {
    if (!needPoppler(t)) return;
    const empty = { findPerson: async () => undefined };
    const long = { ...(await certificatoFrom(samples.malattia, empty)), diagnosi: { codiceDiagnosi: '487.1', noteDiagnosi: 'Febbre più alta la sera. '.repeat(400) } };
    const printed = await print(long, 'long');
    const info = (await run('pdfinfo', [printed.file], { timeout: 30_000 })).stdout;
    assert.match(info, /^Pages:\s+1$/m);
    assert.ok(printed.text.includes(samples.malattia.lavoratoreCf));
    assert.ok(!printed.text.includes(ACCENTED_WORKER.cognome), 'a name printed that the registry did not give');
  });
});
