/**
 * The INPS side over HTTP (issue 12, points 4 and 6), against a real gateway
 * (real SQLite, documents sent through the real CertificatiMedici
 * operations: test/support/inpsWorld.ts):
 *  - the employer's export, read by the importer the issue describes: ISO-8859-1
 *    bytes, date order, only the employer's workers and only absences
 *    overlapping an employment with it, no diagnosis; the CSV holds the same records;
 *  - the worker's documents: their own, with the diagnosis and the links to their PDFs;
 *  - the refusals: query strings read strictly, periods, wrong kind of user,
 *    401 with its challenge, all as problem documents;
 *  - every read journaled with the caller, the client's address and the route.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PERIOD_DAYS } from '../src/inps/consultation.js';
import { CSV_COLUMNS } from '../src/inps/exportCsv.js';
import { importXml, parseCsv, type Imported } from './support/listaAttestati.js';
import {
  CODICE_DIAGNOSI,
  DATORE,
  DATORE2,
  LAVORATORE,
  LAVORATORE2,
  MARKER,
  MEDICO,
  OPERATORE,
  TODAY,
  VERDI,
  YESTERDAY,
  startInpsWorld,
  type InpsWorld,
  type Login,
} from './support/inpsWorld.js';
import { journalOf } from './support/journal.js';

let world: InpsWorld;

before(async () => {
  world = await startInpsWorld();
});
after(async () => world?.gw.stop());

const exportPath = (formato: 'xml' | 'csv', dal: string, al: string): string => `/inps/datore/attestati.${formato}?dal=${dal}&al=${al}`;

async function bytes(response: Response): Promise<Buffer> {
  return Buffer.from(await response.arrayBuffer());
}

/** (tipo, the record's own id) in document order. */
function sequence(records: readonly Imported[]): string[] {
  return records.map((r) => {
    const f = r.fields;
    const id = f[`${r.tipo}/idcertificato`] ?? f['ricovero/idinizioricovero'] ?? f['dimissioni/iddimissioni'];
    return `${r.tipo}:${id}`;
  });
}

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  codice: string;
}

async function problem(response: Response, status: number, codice: string): Promise<Problem> {
  assert.equal(response.status, status);
  assert.equal(response.headers.get('content-type'), 'application/problem+json; charset=utf-8');
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const body = (await response.json()) as Problem;
  assert.equal(body.status, status);
  assert.equal(body.codice, codice, body.detail);
  assert.equal(body.type, `urn:sac-gateway:errore:${codice}`);
  assert.ok(body.title.length > 0 && body.detail.length > 0);
  return body;
}

describe('GET /inps/datore/attestati.xml', () => {
  test('the demo employer: its workers only, in date order, ISO-8859-1, as the importer reads it, without the diagnosis', async () => {
    const { ids } = world;
    const response = await world.get(exportPath('xml', YESTERDAY, TODAY), DATORE);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/xml; charset=ISO-8859-1');
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.equal(response.headers.get('content-disposition'), `attachment; filename="attestati_${DATORE.user}_${YESTERDAY}_${TODAY}.xml"`);
    const body = await bytes(response);
    assert.ok(body.subarray(0, 60).toString('latin1').startsWith('<?xml version="1.0" encoding="ISO-8859-1"?>'));
    // Accented letters as single Latin-1 bytes, never UTF-8 pairs.
    assert.ok(body.includes(Buffer.from("Via dell'Unità d'Italia", 'latin1')), 'the street in Latin-1');
    assert.ok(body.includes(Buffer.from('Forlì', 'latin1')));
    assert.ok(!body.includes(Buffer.from('à', 'utf8')), 'no UTF-8 sequence in an ISO-8859-1 document');
    const text = body.toString('latin1');
    for (const secret of [MARKER, CODICE_DIAGNOSI, 'diagnos']) assert.ok(!text.toLowerCase().includes(secret.toLowerCase()), `${secret} in the export`);

    const records = importXml(body);
    assert.deepEqual(sequence(records), [
      `attestato:${ids.c0}`,
      `ricovero:${ids.r1}`,
      `attestato:${ids.c1}`,
      `attestato:${ids.c2}`,
      `attestato:${ids.d1}`,
      `dimissioni:${ids.d1}`,
      `annullamento:${ids.c2}`,
      `attestato:${ids.c1r}`,
    ]);
    const workers = new Set(records.map((r) => r.fields['lavoratore/codicefiscale']));
    assert.deepEqual([...workers].sort(), [LAVORATORE2.user, LAVORATORE.user].sort());
    assert.ok(!text.includes(VERDI), 'a worker the employer does not employ');
    assert.ok(!text.includes(world.ids.c3));
    const rect = records.at(-1)!.fields;
    assert.equal(rect['attestato/idcertificatorettificato'], ids.c1);
    assert.equal(rect['attestato/datafine'], '2026-11-27');
    assert.equal(rect['attestato/codfiscazienda'], DATORE.user);
    assert.equal(rect['attestato/matricolainps'], '1234567890');
    assert.equal(rect['indirizzo/via'], "Via dell'Unità d'Italia");
    assert.equal(rect['reperibilita/cognome'], "D'Annunzio");
  });

  test('one day: only the events received that day', async () => {
    const records = importXml(await bytes(await world.get(exportPath('xml', YESTERDAY, YESTERDAY), DATORE)));
    assert.deepEqual(sequence(records), [`attestato:${world.ids.c0}`]);
  });

  test('the second employer: its worker only; an ended employment and one not yet begun give nothing', async () => {
    const response = await world.get(exportPath('xml', YESTERDAY, TODAY), DATORE2);
    assert.equal(response.status, 200);
    const records = importXml(await bytes(response));
    assert.deepEqual(sequence(records), [`attestato:${world.ids.c3}`]);
    assert.equal(records[0]!.fields['lavoratore/codicefiscale'], VERDI);
    assert.equal(records[0]!.fields['attestato/codfiscazienda'], DATORE2.user);
    assert.equal(records[0]!.fields['attestato/matricolainps'], '9876543210');
  });

  test('the CSV holds the same records in the same order, as UTF-8 with a BOM', async () => {
    const xml = importXml(await bytes(await world.get(exportPath('xml', YESTERDAY, TODAY), DATORE)));
    const response = await world.get(exportPath('csv', YESTERDAY, TODAY), DATORE);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'text/csv; charset=UTF-8; header=present');
    assert.equal(response.headers.get('content-disposition'), `attachment; filename="attestati_${DATORE.user}_${YESTERDAY}_${TODAY}.csv"`);
    const raw = await bytes(response);
    assert.deepEqual([...raw.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = raw.subarray(3).toString('utf8');
    assert.ok(!text.includes(MARKER) && !text.includes(CODICE_DIAGNOSI));
    const [head, ...rows] = parseCsv(text);
    assert.deepEqual(head, CSV_COLUMNS);
    const col = (name: string): number => CSV_COLUMNS.indexOf(name);
    assert.deepEqual(
      rows.map((r) => `${r[col('tipo')]}:${r[col('idCertificato')] || r[col('idInizioRicovero')] || r[col('idDimissioni')]}`),
      sequence(xml),
    );
    assert.ok(rows.some((r) => r[col('reperibilita.indirizzo.via')] === "Via dell'Unità d'Italia"));
  });

  test('dal and al: required, calendar dates, in order, at most MAX_PERIOD_DAYS; nothing else in the query', async () => {
    const refused: [string, number, string][] = [
      ['/inps/datore/attestati.xml', 400, '7027'],
      [`/inps/datore/attestati.xml?dal=${TODAY}`, 400, '7027'],
      [`/inps/datore/attestati.xml?dal=25/11/2026&al=${TODAY}`, 400, '7028'],
      [`/inps/datore/attestati.xml?dal=2026-02-30&al=${TODAY}`, 400, '4001'],
      [`/inps/datore/attestati.xml?dal=${TODAY}&al=${YESTERDAY}`, 400, '4013'],
      [`/inps/datore/attestati.xml?dal=2025-01-01&al=${TODAY}`, 400, '4014'],
      [`/inps/datore/attestati.csv?dal=${TODAY}&al=${TODAY}&formato=xml`, 400, '7026'],
      [`/inps/datore/attestati.csv?dal=${TODAY}&al=${TODAY}&al=${TODAY}`, 400, '7026'],
      [`/inps/datore/attestati.xml?dal=${TODAY}&al=${TODAY}&<script>=1`, 400, '7026'],
    ];
    for (const [path, status, codice] of refused) {
      const body = await problem(await world.get(path, DATORE), status, codice);
      assert.ok(!body.detail.includes('<script>'), 'a hostile name is not echoed as given');
    }
    const longest = await world.get(exportPath('xml', '2026-01-01', '2026-12-31'), DATORE);
    assert.equal(MAX_PERIOD_DAYS >= 365, true);
    assert.equal(longest.status, 200);
    await longest.arrayBuffer();
  });

  test('any other kind of user: 403 with the catalog 2009 text; no credentials: 401 with the Basic challenge', async () => {
    for (const who of [MEDICO, OPERATORE, LAVORATORE] as Login[]) {
      const body = await problem(await world.get(exportPath('xml', TODAY, TODAY), who), 403, '2009');
      assert.match(body.detail, /^Un utente di tipo (medico|operatore|lavoratore) non è abilitato al servizio/);
    }
    const anonymous = await world.get(exportPath('xml', TODAY, TODAY));
    assert.equal(anonymous.headers.get('www-authenticate'), 'Basic realm="INPS", charset="UTF-8"');
    await problem(anonymous, 401, 'UNAUTHORIZED');
    await problem(await world.get(exportPath('xml', TODAY, TODAY), { user: DATORE.user, password: 'Sbagliata.2026' }), 401, 'UNAUTHORIZED');
  });
});

describe('GET /inps/lavoratore/documenti.json', () => {
  interface Documents {
    lavoratore: string;
    certificati: { idCertificato: string; tipo: string; stato: string; diagnosi: { noteDiagnosi?: string }; attestato: { dataFine: string }; stampe: Record<string, string> }[];
    ricoveri: { idInizioRicovero: string; stampe: Record<string, string> }[];
  }

  test('the worker: their own certificates with the diagnosis, their admission, the links to every printed form', async () => {
    const { ids } = world;
    const response = await world.get('/inps/lavoratore/documenti.json', LAVORATORE);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    const docs = (await response.json()) as Documents;
    assert.equal(docs.lavoratore, LAVORATORE.user);
    assert.deepEqual(docs.certificati.map((c) => c.idCertificato).sort(), [ids.c0, ids.c1, ids.c1r, ids.d1].sort());
    for (const c of docs.certificati) assert.ok(c.diagnosi.noteDiagnosi?.includes(MARKER), 'the worker sees the diagnosis');
    const c1 = docs.certificati.find((c) => c.idCertificato === ids.c1)!;
    assert.equal(c1.stato, 'rettificato');
    assert.deepEqual(c1.stampe, { A: `/inps/stampa/${ids.c1}.pdf?allegato=A`, B: `/inps/stampa/${ids.c1}.pdf?allegato=B` });
    const d1 = docs.certificati.find((c) => c.idCertificato === ids.d1)!;
    assert.deepEqual(Object.keys(d1.stampe), ['C', 'D']);
    assert.deepEqual(docs.ricoveri.map((r) => r.idInizioRicovero), [ids.r1]);
    assert.deepEqual(docs.ricoveri[0]!.stampe, { E: `/inps/stampa/${ids.r1}.pdf?allegato=E` });
    const text = JSON.stringify(docs);
    for (const other of [ids.c2, ids.c3, LAVORATORE2.user, VERDI]) assert.ok(!text.includes(other), `another worker's ${other}`);
  });

  test('the other worker: only theirs; a period filter; other kinds refused', async () => {
    const docs = (await (await world.get('/inps/lavoratore/documenti.json', LAVORATORE2)).json()) as Documents;
    assert.deepEqual(docs.certificati.map((c) => `${c.idCertificato}:${c.stato}`), [`${world.ids.c2}:annullato`]);
    assert.deepEqual(docs.ricoveri, []);
    // The filter is on the absence (as AttestatiMalattia's): up to 24 Nov, the sickness of that day and the
    // discharge whose convalescence runs from the admission on 20 Nov; not the sickness starting on 25 Nov.
    const yesterday = (await (await world.get(`/inps/lavoratore/documenti.json?al=${YESTERDAY}`, LAVORATORE)).json()) as Documents;
    assert.deepEqual(yesterday.certificati.map((c) => c.idCertificato).sort(), [world.ids.c0, world.ids.d1].sort());
    const today = (await (await world.get(`/inps/lavoratore/documenti.json?dal=${TODAY}&al=${TODAY}`, LAVORATORE)).json()) as Documents;
    assert.equal(today.certificati.length, 3);
    await problem(await world.get(`/inps/lavoratore/documenti.json?dal=${TODAY}&al=${YESTERDAY}`, LAVORATORE), 400, '4013');
    await problem(await world.get('/inps/lavoratore/documenti.json?cf=BNCGPP75C41F205S', LAVORATORE), 400, '7026');
    await problem(await world.get('/inps/lavoratore/documenti.json', DATORE), 403, '2009');
    await problem(await world.get('/inps/lavoratore/documenti.json', MEDICO), 403, '2009');
  });
});

describe('the access journal', () => {
  test('every document answered is journaled as read by the caller, from its address, with the route', async () => {
    const store = world.gw.gateway.store;
    const before = (await journalOf(store, { username: DATORE2.user })).length;
    await (await world.get(exportPath('xml', TODAY, TODAY), DATORE2)).arrayBuffer();
    const entries = (await journalOf(store, { username: DATORE2.user })).slice(before);
    assert.deepEqual(
      entries.map((e) => [e.action, e.subjectKind, e.subjectId, e.operation, e.clientAddress]),
      [['lettura', 'certificato', world.ids.c3, 'GET /inps/datore/attestati.xml', '127.0.0.1']],
    );
    const worker = await journalOf(store, { username: LAVORATORE2.user });
    assert.ok(worker.some((e) => e.action === 'lettura' && e.subjectId === world.ids.c2 && e.operation === 'GET /inps/lavoratore/documenti.json'));
  });
});
