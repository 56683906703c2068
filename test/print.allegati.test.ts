/**
 * Printed copies, Allegati A–E (issue 12 point 5, disciplinare §6): real
 * certificates, a rectification, a cancellation, an admission and a
 * discharge sent through a real gateway for a worker with an accented name,
 * each form built from the gateway's store and rendered to PDF, and the PDF
 * read back with poppler (pdftotext, pdfinfo, pdfimages) as a reader would.
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
import { identifierBarcode } from '../src/print/barcode.js';
import { NO_RESUBMISSION_DETECTION, startGateway, type Running } from './support/gateway.js';
import { ACCENTED_DOCTOR, ACCENTED_WORKER, DIAGNOSI_DIMISSIONE, DIAGNOSI_MALATTIA, sendSamples, type Samples } from './support/printSamples.js';

const run = promisify(execFile);
const IN_CI = process.env.CI !== undefined && process.env.CI !== '' && process.env.CI !== 'false' && process.env.CI !== '0';
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

const forms = (): Array<[string, Allegato, PrintableForm]> => [
  ['A', 'A', certificatoFrom(samples.malattia, gw.gateway.store)],
  ['B', 'B', attestatoFrom(samples.malattia, gw.gateway.store)],
  ['C', 'C', certificatoFrom(samples.dimissione, gw.gateway.store)],
  ['D', 'D', attestatoFrom(samples.dimissione, gw.gateway.store)],
  ['E', 'E', ricoveroFrom(samples.ricovero, gw.gateway.store)],
];

/** Every diagnosis datum sent, code and notes, of both certificates. */
const DIAGNOSIS_TEXTS = [DIAGNOSI_MALATTIA.codiceDiagnosi, DIAGNOSI_MALATTIA.noteDiagnosi, DIAGNOSI_DIMISSIONE.codiceDiagnosi, DIAGNOSI_DIMISSIONE.noteDiagnosi];

/** pdftotext may break a long note across lines: compare with whitespace folded. */
const fold = (s: string): string => s.replace(/\s+/g, ' ');

/**
 * The embedded image is a Code 128 of `id` as identifierBarcode draws it: the same
 * pixel size, and across its middle row the symbol's structure: modules of 1–4,
 * Start C (2 1 1 2 3 2), Stop (2 3 3 1 1 1 2), 11 modules per symbol in between
 * (start, one per digit pair, the check symbol). Not a full decode: no decoder
 * is installed; the digits are asserted as printed text above.
 */
async function assertCode128(file: string, id: string, what: string): Promise<void> {
  const prefix = path.join(dir, `img-${path.basename(file, '.pdf')}`);
  await run('pdfimages', ['-f', '1', '-l', '1', file, prefix], { timeout: 30_000 });
  const ppm = readFileSync(`${prefix}-000.ppm`);
  const header = /^P6\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(ppm.subarray(0, 40).toString('latin1'));
  assert.ok(header, `${what}: the barcode image is not an RGB raster`);
  const [width, height] = [Number(header[1]), Number(header[2])];
  const png = await identifierBarcode(id);
  assert.deepEqual([width, height], [png.readUInt32BE(16), png.readUInt32BE(20)], `${what}: the image is not the barcode of ${id}`);
  const pixels = ppm.subarray(header[0].length);
  const row = Math.floor(height / 2) * width * 3;
  const dark: boolean[] = [];
  for (let x = 0; x < width; x++) dark.push(pixels[row + x * 3]! < 128);
  const runs: number[] = [];
  for (let x = 0, n = 0; x < width; x++) {
    n++;
    if (x === width - 1 || dark[x + 1] !== dark[x]) {
      runs.push(n);
      n = 0;
    }
  }
  assert.equal(dark[0], true, `${what}: the barcode does not start with a bar`);
  const moduleWidth = runs[0]! / 2;
  const modules = runs.map((r) => r / moduleWidth);
  assert.ok(modules.every((m) => Number.isInteger(m) && m >= 1 && m <= 4), `${what}: not Code 128 modules: ${modules.join(' ')}`);
  assert.equal(modules.slice(0, 6).join(''), '211232', `${what}: no Start C`);
  assert.equal(modules.slice(-7).join(''), '2331112', `${what}: no Stop`);
  const symbols = 1 + Math.ceil(id.length / 2) + 1;
  assert.equal(modules.reduce((a, b) => a + b, 0), symbols * 11 + 13, `${what}: wrong symbol count for ${id}`);
}

describe('printed copies from real documents', () => {
  test('the forms without a diagnosis have none, even at run time (B, D, E)', () => {
    for (const [, allegato, form] of forms()) {
      if (allegato === 'A' || allegato === 'C') continue;
      const json = JSON.stringify(form);
      assert.ok(!('diagnosi' in form), `Allegato ${allegato} has a diagnosi field`);
      for (const d of DIAGNOSIS_TEXTS) assert.ok(!json.includes(d), `Allegato ${allegato}'s model carries "${d}"`);
    }
    // By construction: the types have no such field (this fails to compile if one is added).
    const b: PrintableAttestato = attestatoFrom(samples.malattia, gw.gateway.store);
    const e: PrintableRicovero = ricoveroFrom(samples.ricovero, gw.gateway.store);
    // @ts-expect-error an attestato has no diagnosis
    assert.equal(b.diagnosi, undefined);
    // @ts-expect-error an admission notice has no diagnosis
    assert.equal(e.diagnosi, undefined);
  });

  test('every form: one A4 page, the identifier, dataRicezione, accented names intact, the barcode image, bounded size and time', async (t) => {
    if (!needPoppler(t)) return;
    for (const [name, allegato, form] of forms()) {
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
      await assertCode128(printed.file, form.id, `Allegato ${allegato}`);
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
    for (const [name, allegato, form] of forms()) {
      const text = fold((await print(form, `diag-${name}`)).text);
      for (const d of DIAGNOSIS_TEXTS) {
        const wanted = expected[allegato].includes(d);
        assert.equal(text.includes(d), wanted, `Allegato ${allegato}: "${d}" ${wanted ? 'missing' : 'printed'}`);
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
    for (const form of [certificatoFrom(samples.annullato, gw.gateway.store), attestatoFrom(samples.annullato, gw.gateway.store)]) {
      const text = fold((await print(form, `annullato-${form.allegato}`)).text);
      assert.ok(text.includes('ANNULLATO'), `cancelled Allegato ${form.allegato} not marked:\n${text}`);
      assert.ok(text.includes(samples.annullato.idAnnullamento!), 'the cancellation protocol is missing');
    }
    const active = fold((await print(attestatoFrom(samples.rettifica, gw.gateway.store), 'rettifica-B')).text);
    assert.ok(!active.includes('ANNULLATO') && !active.includes('RETTIFICATO'), 'an active rectification is marked');
    assert.ok(active.includes(`Rettifica del certificato PUC ${samples.malattia.idCertificato}`), `rectified PUC missing:\n${active}`);
    assert.ok(active.includes('fine prognosi attuale 29/11/2026'), 'the current end is missing');
    const original = fold((await print(certificatoFrom(samples.malattia, gw.gateway.store), 'rettificato-A')).text);
    assert.equal(samples.malattia.state, 'rettificato');
    assert.ok(original.includes('RETTIFICATO'), 'the rectified original is not marked');
  });

  test('the same record prints the same bytes (dates from the record, not the clock)', async () => {
    for (const [, allegato, form] of forms()) {
      const one = await renderForm(form);
      await new Promise((resolve) => setTimeout(resolve, 5));
      const two = await renderForm(form);
      assert.ok(one.equals(two), `Allegato ${allegato} differs between two renderings`);
    }
  });

  test('a person unknown to the registry prints with the codice fiscale only; a very long note stays on one page', async (t) => {
    if (!needPoppler(t)) return;
    const empty = { findPerson: () => undefined };
    const long = { ...certificatoFrom(samples.malattia, empty), diagnosi: { codiceDiagnosi: '487.1', noteDiagnosi: 'Febbre più alta la sera. '.repeat(400) } };
    const printed = await print(long, 'long');
    const info = (await run('pdfinfo', [printed.file], { timeout: 30_000 })).stdout;
    assert.match(info, /^Pages:\s+1$/m);
    assert.ok(printed.text.includes(samples.malattia.lavoratoreCf));
    assert.ok(!printed.text.includes(ACCENTED_WORKER.cognome), 'a name printed that the registry did not give');
  });
});
