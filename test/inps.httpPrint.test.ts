/**
 * Printed copies over HTTP, GET /inps/stampa/{id}.pdf (issue 12, points 5
 * and 6), against a real gateway (test/support/inpsWorld.ts):
 *  - who gets which form (worker all; doctor A+B / C+D; operator of the
 *    structure E; employer B, D, E only; everyone else 404);
 *  - the PDF's text (pdftotext): the diagnosis in A and C, never in B, D, E;
 *    accented letters intact;
 *  - the 404 of a document that does not exist and of another worker's
 *    document are byte-identical; failed look-ups are throttled per user and
 *    per client address (429, Retry-After), before any look-up;
 *  - the gateway's own log, at trace level, never holds the diagnosis nor a
 *    worker's codice fiscale; the metrics count the route's outcomes.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { createLogger } from '../src/app.js';
import {
  CODICE_DIAGNOSI,
  DATORE,
  DATORE2,
  LAVORATORE,
  LAVORATORE2,
  MARKER,
  MEDICO,
  MEDICO2,
  OPERATORE,
  REGIONE,
  VERDI,
  startInpsWorld,
  type InpsWorld,
  type Login,
} from './support/inpsWorld.js';

const run = promisify(execFile);
const lines: string[] = [];
let world: InpsWorld;
let dir: string;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sac-inps-print-'));
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  // A generous failure allowance here: the throttle has its own gateway below.
  world = await startInpsWorld({ SAC_LOOKUP_FAILURES: '1000/10m' }, createLogger('trace', sink));
});
after(async () => {
  await world?.gw.stop();
  rmSync(dir, { recursive: true, force: true });
});

const stampa = (id: string, form?: string): string => `/inps/stampa/${id}.pdf${form === undefined ? '' : `?allegato=${form}`}`;

let files = 0;
/** The PDF's text as a reader gets it (pdftotext, UTF-8). */
async function pdfText(pdf: Buffer): Promise<string> {
  const file = path.join(dir, `${++files}.pdf`);
  writeFileSync(file, pdf);
  const { stdout } = await run('pdftotext', ['-enc', 'UTF-8', file, '-'], { timeout: 30_000 });
  return stdout;
}

/** The form answered (from Content-Disposition) and the PDF, or the status and problem codice. */
async function fetchForm(who: Login, id: string, form?: string): Promise<{ status: number; form?: string; pdf?: Buffer; codice?: string }> {
  const response = await world.get(stampa(id, form), who);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  if (response.status !== 200) {
    const body = (await response.json()) as { codice: string };
    return { status: response.status, codice: body.codice };
  }
  assert.equal(response.headers.get('content-type'), 'application/pdf');
  const disposition = response.headers.get('content-disposition') ?? '';
  const match = /^inline; filename="allegato-([A-E])_(\d+)\.pdf"$/.exec(disposition);
  assert.ok(match, disposition);
  assert.equal(match[2], id);
  const pdf = Buffer.from(await response.arrayBuffer());
  assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
  return { status: 200, form: match[1]!, pdf };
}

describe('who gets which form', () => {
  test('worker: every form of theirs; the default is the full one', async () => {
    const { ids } = world;
    const cases: [string, string | undefined, string][] = [
      [ids.c1, undefined, 'A'],
      [ids.c1, 'A', 'A'],
      [ids.c1, 'B', 'B'],
      [ids.d1, undefined, 'C'],
      [ids.d1, 'D', 'D'],
      [ids.r1, undefined, 'E'],
    ];
    for (const [id, asked, got] of cases) assert.equal((await fetchForm(LAVORATORE, id, asked)).form, got, `${id} ${asked}`);
    assert.equal((await fetchForm(LAVORATORE, ids.c1, 'C')).status, 403);
  });

  test('doctor A+B and C+D of their certificates; the operator of the structure E; the employer B, D, E only', async () => {
    const { ids } = world;
    assert.equal((await fetchForm(MEDICO, ids.c1)).form, 'A');
    assert.equal((await fetchForm(MEDICO, ids.c1, 'B')).form, 'B');
    assert.equal((await fetchForm(MEDICO, ids.d1)).form, 'C');
    assert.equal((await fetchForm(MEDICO, ids.d1, 'D')).form, 'D');
    assert.equal((await fetchForm(OPERATORE, ids.r1)).form, 'E');
    assert.equal((await fetchForm(DATORE, ids.c1)).form, 'B');
    assert.equal((await fetchForm(DATORE, ids.d1)).form, 'D');
    assert.equal((await fetchForm(DATORE, ids.r1)).form, 'E');
    assert.equal((await fetchForm(DATORE2, ids.c3)).form, 'B');
    // Entitled to the document, not to that form: 403 7021.
    assert.deepEqual(await fetchForm(DATORE, ids.c1, 'A'), { status: 403, codice: '7021' });
    assert.deepEqual(await fetchForm(DATORE, ids.d1, 'C'), { status: 403, codice: '7021' });
  });

  test('everyone else: 404 7020', async () => {
    const { ids } = world;
    const refused: [Login, string][] = [
      [MEDICO2, ids.c1],
      [REGIONE, ids.c1],
      [MEDICO, ids.r1],
      [OPERATORE, ids.c1],
      [DATORE, ids.c3],
      [DATORE2, ids.c1],
      [DATORE2, ids.r1],
      [LAVORATORE2, ids.c1],
      [LAVORATORE, ids.c3],
      [LAVORATORE, ids.c2],
    ];
    for (const [who, id] of refused) assert.deepEqual(await fetchForm(who, id), { status: 404, codice: '7020' }, `${who.user} ${id}`);
    // Even naming a form they would get if it were theirs.
    assert.deepEqual(await fetchForm(DATORE2, ids.c1, 'B'), { status: 404, codice: '7020' });
  });
});

describe('the PDFs', () => {
  test('the diagnosis is in A and C (the worker), never in B, D, E (the employer); accented letters intact', async () => {
    const { ids } = world;
    const a = await pdfText((await fetchForm(LAVORATORE, ids.c1, 'A')).pdf!);
    const c = await pdfText((await fetchForm(LAVORATORE, ids.d1, 'C')).pdf!);
    assert.ok(a.includes(`${MARKER} 1`), 'A carries the diagnosis notes');
    assert.ok(a.includes(CODICE_DIAGNOSI), 'A carries the diagnosis code');
    assert.ok(c.includes(`${MARKER} 4`), 'C carries the diagnosis notes');
    for (const [form, id] of [
      ['B', ids.c1],
      ['B', ids.c1r],
      ['D', ids.d1],
      ['E', ids.r1],
    ] as const) {
      const text = await pdfText((await fetchForm(DATORE, id, form)).pdf!);
      assert.ok(text.includes(id), `the ${form} names its protocol number`);
      assert.ok(!text.includes(MARKER), `diagnosis notes in ${form} of ${id}`);
      assert.ok(!text.includes(CODICE_DIAGNOSI), `diagnosis code in ${form} of ${id}`);
    }
    const b = await pdfText((await fetchForm(DATORE, ids.c1, 'B')).pdf!);
    assert.ok(b.includes('Unità') && b.includes('Forlì'), `accented letters in B:\n${b}`);
  });

  test('the 404 of a document that does not exist and of another worker\'s are the same bytes', async () => {
    const answers = [];
    for (const id of ['9999999999', world.ids.c2, world.ids.c3, 'not-a-puc']) {
      const response = await world.get(stampa(id), LAVORATORE);
      answers.push({
        status: response.status,
        type: response.headers.get('content-type'),
        cache: response.headers.get('cache-control'),
        body: Buffer.from(await response.arrayBuffer()).toString('hex'),
      });
    }
    assert.equal(answers[0]!.status, 404);
    for (const answer of answers.slice(1)) assert.deepEqual(answer, answers[0]);
  });

  test('strict query: only allegato, A to E, once', async () => {
    for (const query of ['?allegato=F', '?allegato=a', '?allegato=A&allegato=B', '?formato=pdf', '?allegato=']) {
      const response = await world.get(`/inps/stampa/${world.ids.c1}.pdf${query}`, LAVORATORE);
      assert.equal(response.status, 400, query);
      assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
      await response.arrayBuffer();
    }
  });
});

describe('logs and metrics', () => {
  test('the log at trace level: the route and outcome of each request, never a diagnosis, a worker\'s CF or a query value', async () => {
    await (await world.get(`/inps/datore/attestati.xml?dal=2026-11-24&al=2026-11-25`, DATORE)).arrayBuffer();
    await (await world.get('/inps/lavoratore/documenti.json', LAVORATORE)).arrayBuffer();
    const log = lines.join('');
    assert.ok(log.includes('"operation":"GET /inps/stampa"'), 'the log records the printed copies');
    assert.ok(log.includes('"operation":"GET /inps/datore/attestati.xml"'));
    assert.ok(log.includes('"outcome":"7020"') && log.includes('"outcome":"7021"'));
    for (const secret of [MARKER, CODICE_DIAGNOSI, LAVORATORE.user, LAVORATORE2.user, VERDI, 'allegato=', 'dal=', LAVORATORE.password, DATORE.password]) {
      assert.ok(!log.includes(secret), `the log contains ${secret}`);
    }
  });

  test('sac_inps_requests_total counts each route by outcome', async () => {
    const text = await world.gw.gateway.metrics.text();
    assert.match(text, /sac_inps_requests_total\{operation="GET \/inps\/stampa",outcome="ok"\} [1-9]/);
    assert.match(text, /sac_inps_requests_total\{operation="GET \/inps\/stampa",outcome="7020"\} [1-9]/);
    assert.match(text, /sac_inps_requests_total\{operation="GET \/inps\/datore\/attestati.xml",outcome="ok"\} [1-9]/);
    assert.match(text, /sac_inps_request_duration_seconds_count\{operation="GET \/inps\/lavoratore\/documenti.json"\} [1-9]/);
  });
});

describe('failed look-ups throttled (SAC_LOOKUP_FAILURES=3/10m: 3 per user, 15 per address)', () => {
  let small: InpsWorld;
  before(async () => {
    small = await startInpsWorld({ SAC_LOOKUP_FAILURES: '3/10m' });
  });
  after(async () => small?.gw.stop());

  test('past the user\'s allowance: 429 with Retry-After, even for a document of theirs; others unaffected', async () => {
    for (let i = 0; i < 3; i++) {
      const response = await small.get(stampa(`999999999${i}`), LAVORATORE2);
      assert.equal(response.status, 404);
      await response.arrayBuffer();
    }
    const throttled = await small.get(stampa(small.ids.c2), LAVORATORE2);
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
    assert.equal(((await throttled.json()) as { codice: string }).codice, '8011');
    const other = await small.get(stampa(small.ids.c1), LAVORATORE);
    assert.equal(other.status, 200);
    await other.arrayBuffer();
  });

  test('past the address\'s allowance: every user from it gets 429 8012', async () => {
    // 3 failures so far from 127.0.0.1; 12 more from users with allowance left.
    const users = [MEDICO, MEDICO2, OPERATORE, REGIONE];
    for (const who of users) {
      for (let i = 0; i < 3; i++) {
        const response = await small.get(stampa(`88888888${i}${users.indexOf(who)}`), who);
        assert.equal(response.status, 404);
        await response.arrayBuffer();
      }
    }
    const throttled = await small.get(stampa(small.ids.c1), DATORE);
    assert.equal(throttled.status, 429);
    assert.ok(Number(throttled.headers.get('retry-after')) >= 1);
    assert.equal(((await throttled.json()) as { codice: string }).codice, '8012');
  });
});
