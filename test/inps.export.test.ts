/**
 * The attestato projection and the employer's listaAttestati export (issue
 * 12, points 3, 4 and 6): certificates, a rectification, cancellations, an
 * admission and a discharge sent through a real gateway (real SQLite file),
 * read back from its store, projected and exported; the export is then read
 * by a small importer written the way the issue describes the public one
 * (each text element as "name within parent", case-insensitive, records
 * filtered by lavoratore/codiceFiscale), parsed with libxml2.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { XmlDocument } from 'libxml2-wasm';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { OPERATIONS, soapActionOf, type OperationName } from '../src/contract/operations.js';
import { attestatoOf, dimissioniOf, ricoveroOf, type EmployerRef, type Lavoratore } from '../src/inps/attestato.js';
import { CSV_COLUMNS, csvCell, listaAttestatiCsvBuffer } from '../src/inps/exportCsv.js';
import { inDateOrder, inPeriod, recordsOfCertificate, recordsOfRicovero, type ExportRecord } from '../src/inps/exportRecords.js';
import { escapeLatin1Xml, listaAttestatiXml, listaAttestatiXmlBuffer } from '../src/inps/exportXml.js';
import { NO_RESUBMISSION_DETECTION, startGateway, type Running } from './support/gateway.js';
import { importXml, parseCsv } from './support/listaAttestati.js';
import { defaultResidenza, envelope, invioDimissione, invioMalattia, type Fields } from './support/requests.js';
import { DEMO, basic, parseResponse, post, type ParsedResponse } from './support/soapClient.js';

const TODAY = '2026-11-25';
const YESTERDAY = '2026-11-24';
const ADMITTED = '2026-11-20';
const FINE = '2026-11-30';
const STRUTTURA = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' } as const;
/** In the diagnosis notes of every certificate sent here: must never reach an export. */
const MARKER = 'ZQXDIAGNOSIMARKER';
const CODICE = '487.1';

const EMPLOYER: EmployerRef = { codiceFiscale: '12345678903', matricolaInps: '1234567890', codSede: '7001' };
/** Names with every accented vowel, a character outside Latin-1 (Ł, U+0141) and one outside the BMP. */
const WORKER1: Lavoratore = { codiceFiscale: 'RSSMRA80A01H501U', cognome: "Rossi Dell'Àquila Łoś", nome: 'Mario Niccolò Giosuè Gesù Ì 𝔸' };
const WORKER2: Lavoratore = { codiceFiscale: 'BNCGPP75C41F205S', cognome: 'Bianchi & <Figli> "Sù"', nome: 'Giuseppina' };

const AUTH = { medico: basic(DEMO.medico.user, DEMO.medico.password), operatore: basic(DEMO.operatore.user, DEMO.operatore.password) };

let gw: Running;
let pin: string;

/** What was sent, by role. */
const ids = {} as {
  yesterday: string;
  r1: string;
  r2: string;
  c1: string;
  c2: string;
  c3: string;
  c3r: string;
  d1: string;
};

async function call(name: OperationName, fields: Fields, auth: string): Promise<Record<string, string>> {
  const op = OPERATIONS.find((o) => o.name === name)!;
  const response: ParsedResponse = parseResponse(await post(gw.endpoint, envelope(op.requestElement, fields), { auth, soapAction: soapActionOf(op) }));
  assert.equal(response.root, op.responseElement);
  assert.deepEqual(response.errors, [], `${name} refused: ${JSON.stringify(response.errors)}`);
  return response.ok;
}

const diagnosi = (n: number): Fields => ({ codiceDiagnosi: CODICE, noteDiagnosi: `Sindrome febbrile ${MARKER} ${n}` });

before(async () => {
  gw = await startGateway(NO_RESUBMISSION_DETECTION);
  pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  const at = (hhmm: string, day = TODAY): void => gw.clock.set(`${day}T${hhmm}:00.000+01:00`);

  at('18:00', YESTERDAY);
  ids.yesterday = (await call('InviaMalattia', invioMalattia(YESTERDAY, { medico: { pincode: pin }, diagnosi: diagnosi(0) }), AUTH.medico)).idCertificato!;

  at('09:00');
  const ricovero = (cf: string, day: string): Fields => ({
    operatore: { ...STRUTTURA },
    lavoratore: { codiceFiscale: cf },
    residenza: defaultResidenza(),
    ricovero: { dataRicovero: day },
  });
  ids.r1 = (await call('InviaRicovero', ricovero(WORKER1.codiceFiscale, ADMITTED), AUTH.operatore)).idInizioRicovero!;
  at('09:10');
  ids.r2 = (await call('InviaRicovero', ricovero(WORKER2.codiceFiscale, '2026-11-24'), AUTH.operatore)).idInizioRicovero!;
  at('09:20');
  await call('AnnullaRicovero', { operatore: { ...STRUTTURA }, lavoratore: { codiceFiscale: WORKER2.codiceFiscale }, idCertificato: ids.r2 }, AUTH.operatore);

  at('09:30');
  ids.c1 = (
    await call(
      'InviaMalattia',
      invioMalattia(TODAY, {
        medico: { pincode: pin },
        lavoratore: WORKER1.codiceFiscale,
        reperibilita: { cognome: "D'Annunzio", indirizzo: { via: "Via dell'Unità d'Italia", civico: '3/B', cap: '47121', comune: 'Forlì', provincia: 'FC' } },
        malattia: { dataFine: FINE, giornataLavorata: 'true', trauma: 'false', agevolazioni: 'T' },
        diagnosi: diagnosi(1),
      }),
      AUTH.medico,
    )
  ).idCertificato!;
  at('09:40');
  ids.c2 = (
    await call('InviaMalattia', invioMalattia(TODAY, { medico: { pincode: pin }, lavoratore: WORKER2.codiceFiscale, diagnosi: diagnosi(2) }), AUTH.medico)
  ).idCertificato!;
  at('09:50');
  ids.c3 = (
    await call(
      'InviaMalattia',
      invioMalattia(TODAY, { medico: { pincode: pin }, lavoratore: WORKER1.codiceFiscale, malattia: { dataFine: FINE }, diagnosi: diagnosi(3) }),
      AUTH.medico,
    )
  ).idCertificato!;
  at('10:00');
  const d = await call(
    'InviaDimissione',
    invioDimissione(TODAY, {
      medico: { pincode: pin, ...STRUTTURA },
      lavoratore: WORKER1.codiceFiscale,
      idInizioRicovero: ids.r1,
      dataRicovero: ADMITTED,
      dataFine: FINE,
      dimissione: { diagnosi: diagnosi(4), agevolazioni: 'C' },
    }),
    AUTH.medico,
  );
  ids.d1 = d.idCertificato!;
  at('10:10');
  await call('AnnullaMalattia', { medico: { pincode: pin }, lavoratore: { codiceFiscale: WORKER2.codiceFiscale }, idCertificato: ids.c2 }, AUTH.medico);
  at('10:20');
  ids.c3r = (
    await call('RettificaMalattia', { medico: { pincode: pin }, lavoratore: { codiceFiscale: WORKER1.codiceFiscale }, idCertificato: ids.c3, dataFine: '2026-11-27' }, AUTH.medico)
  ).idCertificato!;
});
after(async () => gw.stop());

const lavoratoreOf = (cf: string): Lavoratore => (cf === WORKER1.codiceFiscale ? WORKER1 : WORKER2);

/** Every record of what the store holds now, as the route will gather them (all of them here: one employer). */
async function storedRecords(): Promise<ExportRecord[]> {
  const store = gw.gateway.store;
  const out: ExportRecord[] = [];
  for (const id of [ids.yesterday, ids.c1, ids.c2, ids.c3, ids.c3r, ids.d1]) {
    const c = await store.getCertificate(id);
    assert.ok(c, `certificate ${id} stored`);
    out.push(...recordsOfCertificate(c, lavoratoreOf(c.lavoratoreCf)));
  }
  for (const id of [ids.r1, ids.r2]) {
    const r = await store.getRicovero(id);
    assert.ok(r, `admission ${id} stored`);
    out.push(...recordsOfRicovero(r, lavoratoreOf(r.lavoratoreCf)));
  }
  return out;
}

const PERIOD = { employer: EMPLOYER, dal: TODAY, al: TODAY };

async function periodRecords(): Promise<ExportRecord[]> {
  return (await storedRecords()).filter((r) => inPeriod(r, PERIOD));
}

// ---------------------------------------------------------------- the importer (test/support/listaAttestati.ts)

/** The CSV column of an importer key ("parent/name", lower-cased) of a record of this kind. */
function csvColumnOf(key: string, tipo: string): string {
  const [parent, name] = key.split('/') as [string, string];
  const path = parent === tipo ? name : parent === 'indirizzo' ? `reperibilita.indirizzo.${name}` : `${parent}.${name}`;
  const column = CSV_COLUMNS.find((c) => c.toLowerCase() === path);
  assert.ok(column, `no CSV column for ${key}`);
  return column;
}

// ---------------------------------------------------------------- tests

describe('the attestato projection', () => {
  test('the stored certificates hold the diagnosis; no projection of them does (explicit allow-list)', async () => {
    const store = gw.gateway.store;
    for (const id of [ids.c1, ids.c2, ids.c3, ids.c3r, ids.d1]) {
      const c = (await store.getCertificate(id))!;
      assert.ok(JSON.stringify(c.document).includes(MARKER), 'the store holds the diagnosis notes (else this test proves nothing)');
      const projected = JSON.stringify([attestatoOf(c), dimissioniOf(c) ?? null]);
      assert.ok(!projected.includes(MARKER), `notes in the attestato of ${id}`);
      assert.ok(!projected.includes(CODICE), `diagnosis code in the attestato of ${id}`);
      assert.ok(!/diagnos/i.test(projected), `a diagnosis field in the attestato of ${id}: ${projected}`);
    }
  });

  test('state: cancelled shows cancelled; a rectification shows its current end and the PUC it rectifies', async () => {
    const store = gw.gateway.store;
    const c2 = attestatoOf((await store.getCertificate(ids.c2))!);
    assert.equal(c2.stato, 'annullato');
    assert.match(c2.idAnnullamento ?? '', /^[0-9]{10}$/);
    assert.equal(c2.dataAnnullamento, '2026-11-25T10:10:00.000+01:00');
    const original = attestatoOf((await store.getCertificate(ids.c3))!);
    assert.equal(original.stato, 'rettificato');
    assert.equal(original.dataFine, FINE);
    assert.equal(original.idCertificatoRettificato, undefined);
    const rect = attestatoOf((await store.getCertificate(ids.c3r))!);
    assert.equal(rect.stato, 'attivo');
    assert.equal(rect.dataFine, '2026-11-27');
    assert.equal(rect.idCertificatoRettificato, ids.c3);
  });

  test('reperibilità: as given, or the residence when the doctor gave none', async () => {
    const store = gw.gateway.store;
    const c1 = attestatoOf((await store.getCertificate(ids.c1))!);
    assert.deepEqual(c1.reperibilita, {
      cognome: "D'Annunzio",
      indirizzo: { via: "Via dell'Unità d'Italia", civico: '3/B', cap: '47121', comune: 'Forlì', provincia: 'FC' },
      daResidenza: false,
    });
    const c2 = attestatoOf((await store.getCertificate(ids.c2))!);
    assert.deepEqual(c2.reperibilita, {
      indirizzo: { via: 'Via Nazionale', civico: '10', cap: '00184', comune: 'Roma', provincia: 'RM' },
      daResidenza: true,
    });
  });

  test('admission and discharge notices', async () => {
    const store = gw.gateway.store;
    const r1 = ricoveroOf((await store.getRicovero(ids.r1))!);
    assert.equal(r1.stato, 'attivo');
    assert.equal(r1.dataRicovero, ADMITTED);
    assert.equal(ricoveroOf((await store.getRicovero(ids.r2))!).stato, 'annullato');
    const d1 = dimissioniOf((await store.getCertificate(ids.d1))!)!;
    assert.deepEqual(
      { id: d1.idDimissioni, pucir: d1.idInizioRicovero, ric: d1.dataRicovero, dim: d1.dataDimissioni, t: d1.tipoRicovero, a: d1.agevolazioni },
      { id: ids.d1, pucir: ids.r1, ric: ADMITTED, dim: TODAY, t: 'R', a: 'C' },
    );
    assert.equal(dimissioniOf((await store.getCertificate(ids.c1))!), undefined);
  });
});

describe('the listaAttestati XML, read by the importer', () => {
  test('ISO-8859-1, root listaAttestati, the period\'s records in date order', async () => {
    const bytes = listaAttestatiXmlBuffer(PERIOD, await periodRecords());
    assert.ok(bytes.subarray(0, 60).toString('latin1').startsWith('<?xml version="1.0" encoding="ISO-8859-1"?>'));
    const all = importXml(bytes);
    const sequence = all.map((r) => `${r.tipo}:${r.fields['attestato/idcertificato'] ?? r.fields['annullamento/idcertificato'] ?? r.fields['ricovero/idinizioricovero'] ?? r.fields['dimissioni/iddimissioni']}`);
    assert.deepEqual(sequence, [
      `ricovero:${ids.r1}`,
      `ricovero:${ids.r2}`,
      `annullamento:${ids.r2}`,
      `attestato:${ids.c1}`,
      `attestato:${ids.c2}`,
      `attestato:${ids.c3}`,
      `attestato:${ids.d1}`,
      `dimissioni:${ids.d1}`,
      `annullamento:${ids.c2}`,
      `attestato:${ids.c3r}`,
    ]);
    assert.ok(!sequence.some((s) => s.endsWith(ids.yesterday)), "yesterday's certificate is not in today's export");
    // Yesterday's export has it, alone.
    const yesterday = importXml(listaAttestatiXmlBuffer({ employer: EMPLOYER, dal: YESTERDAY, al: YESTERDAY }, (await storedRecords()).filter((r) => inPeriod(r, { dal: YESTERDAY, al: YESTERDAY }))));
    assert.deepEqual(yesterday.map((r) => r.fields['attestato/idcertificato']), [ids.yesterday]);
  });

  test('every field of an attestato round-trips, accented names included; absent fields are omitted', async () => {
    const worker1 = importXml(listaAttestatiXmlBuffer(PERIOD, await periodRecords()), WORKER1.codiceFiscale);
    assert.ok(worker1.every((r) => r.fields['lavoratore/codicefiscale'] === WORKER1.codiceFiscale));
    const c1 = worker1.find((r) => r.fields['attestato/idcertificato'] === ids.c1)!;
    assert.deepEqual(c1.fields, {
      'attestato/idcertificato': ids.c1,
      'attestato/tipocertificato': 'I',
      'attestato/datarilascio': TODAY,
      'attestato/datainizio': TODAY,
      'attestato/datafine': FINE,
      'attestato/codfiscazienda': EMPLOYER.codiceFiscale,
      'attestato/matricolainps': EMPLOYER.matricolaInps,
      'attestato/codsede': EMPLOYER.codSede,
      'attestato/giornatalavorata': 'true',
      'attestato/trauma': 'false',
      'attestato/agevolazioni': 'T',
      'lavoratore/codicefiscale': WORKER1.codiceFiscale,
      'lavoratore/cognome': WORKER1.cognome,
      'lavoratore/nome': WORKER1.nome,
      'reperibilita/cognome': "D'Annunzio",
      'indirizzo/via': "Via dell'Unità d'Italia",
      'indirizzo/civico': '3/B',
      'indirizzo/cap': '47121',
      'indirizzo/comune': 'Forlì',
      'indirizzo/provincia': 'FC',
    });
    const rect = worker1.find((r) => r.fields['attestato/idcertificato'] === ids.c3r)!;
    assert.equal(rect.fields['attestato/idcertificatorettificato'], ids.c3);
    assert.equal(rect.fields['attestato/datafine'], '2026-11-27');
    assert.equal(rect.fields['attestato/trauma'], undefined, 'not sent, not written');
    const d1 = worker1.find((r) => r.fields['attestato/idcertificato'] === ids.d1)!;
    assert.equal(d1.fields['attestato/tiporicovero'], 'R');
    assert.equal(d1.fields['attestato/datainizio'], ADMITTED);
    assert.equal(d1.fields['attestato/datarilascio'], TODAY);
    const notice = worker1.find((r) => r.tipo === 'dimissioni')!;
    assert.deepEqual(notice.fields, {
      'dimissioni/iddimissioni': ids.d1,
      'dimissioni/dataricovero': ADMITTED,
      'dimissioni/datadimissioni': TODAY,
      'dimissioni/agevolazioni': 'C',
      'lavoratore/codicefiscale': WORKER1.codiceFiscale,
      'lavoratore/cognome': WORKER1.cognome,
      'lavoratore/nome': WORKER1.nome,
    });
    const admission = worker1.find((r) => r.tipo === 'ricovero')!;
    assert.deepEqual(admission.fields, {
      'ricovero/idinizioricovero': ids.r1,
      'ricovero/dataricovero': ADMITTED,
      'lavoratore/codicefiscale': WORKER1.codiceFiscale,
      'lavoratore/cognome': WORKER1.cognome,
      'lavoratore/nome': WORKER1.nome,
    });
  });

  test('worker 2: markup in names escaped; reperibilità from the residence; the cancellation', async () => {
    const worker2 = importXml(listaAttestatiXmlBuffer(PERIOD, await periodRecords()), WORKER2.codiceFiscale);
    assert.deepEqual(worker2.map((r) => r.tipo), ['ricovero', 'annullamento', 'attestato', 'annullamento']);
    assert.ok(worker2.every((r) => r.fields['lavoratore/cognome'] === WORKER2.cognome));
    const c2 = worker2[2]!;
    assert.equal(c2.fields['reperibilita/cognome'], undefined);
    assert.equal(c2.fields['indirizzo/via'], 'Via Nazionale');
    assert.deepEqual(worker2[3]!.fields, {
      'annullamento/idcertificato': ids.c2,
      'lavoratore/codicefiscale': WORKER2.codiceFiscale,
      'lavoratore/cognome': WORKER2.cognome,
      'lavoratore/nome': WORKER2.nome,
    });
  });

  test('raw bytes: Latin-1 letters as single bytes, others as character references, never "?"; no diagnosis', async () => {
    const bytes = listaAttestatiXmlBuffer(PERIOD, await periodRecords());
    const text = bytes.toString('latin1');
    assert.ok(!text.includes('?', text.indexOf('?>') + 2), 'a "?" in the document');
    assert.ok(text.includes("Rossi Dell'Àquila &#321;oś".replace('ś', '&#347;')), text.slice(0, 800));
    assert.ok(text.includes('&#120120;'), 'the astral character as one reference');
    assert.ok(bytes.includes(Buffer.from([0xe0])) && bytes.includes(Buffer.from([0xf9])), 'à and ù as Latin-1 bytes');
    assert.ok(!bytes.includes(Buffer.from([0xc3])), 'no UTF-8 sequences');
    assert.ok(!text.includes(MARKER) && !text.includes(CODICE) && !/diagnos/i.test(text));
    for (const m of text.matchAll(/<(idCertificato|idCertificatoRettificato|idInizioRicovero|idDimissioni)>([^<]*)</g)) {
      assert.ok(m[2]!.length <= 10, `protocol number over 10 characters: ${m[2]}`);
    }
  });

  test("an attestato carries its employment's matricola and sede when given, else the export's", async () => {
    const other: EmployerRef = { codiceFiscale: EMPLOYER.codiceFiscale, matricolaInps: '9876543210', codSede: '5501' };
    const c1 = (await gw.gateway.store.getCertificate(ids.c1))!;
    const c2 = (await gw.gateway.store.getCertificate(ids.c2))!;
    const records = [...recordsOfCertificate(c1, WORKER1, other), ...recordsOfCertificate(c2, WORKER2)];
    const got = importXml(listaAttestatiXmlBuffer(PERIOD, records)).filter((r) => r.tipo === 'attestato');
    assert.deepEqual(
      got.map((r) => [r.fields['attestato/idcertificato'], r.fields['attestato/matricolainps'], r.fields['attestato/codsede']]),
      [
        [ids.c1, '9876543210', '5501'],
        [ids.c2, EMPLOYER.matricolaInps, EMPLOYER.codSede],
      ],
    );
  });

  test('escaping: markup, CR, characters XML cannot carry', () => {
    assert.equal(escapeLatin1Xml('a&b<c>"d\'\r\ne\u0001\uD800é€'), "a&amp;b&lt;c&gt;&quot;d'&#13;\ne&#65533;&#65533;é&#8364;");
    assert.equal(escapeLatin1Xml('Forlì'), 'Forlì');
  });

  test('date order is by instant, across the DST change; a cancellation after what it cancels at the same instant', async () => {
    const base = (await periodRecords()).filter((r) => r.tipo === 'attestato').slice(0, 3);
    // 02:30 summer time is before 02:10 winter time on 2026-10-25.
    const records: ExportRecord[] = [
      { ...base[0]!, at: '2026-10-25T02:10:00.000+01:00' },
      { ...base[1]!, at: '2026-10-25T02:30:00.000+02:00' },
      { tipo: 'annullamento', at: '2026-10-25T02:00:00.000+01:00', lavoratore: WORKER1, idCertificato: 'X' },
      { ...base[2]!, at: '2026-10-25T02:00:00.000+01:00' },
    ];
    const order = inDateOrder(records).map((r) => (r.tipo === 'annullamento' ? 'annullamento' : r.at));
    assert.deepEqual(order, ['2026-10-25T02:30:00.000+02:00', '2026-10-25T02:00:00.000+01:00', 'annullamento', '2026-10-25T02:10:00.000+01:00']);
  });

  test('100,000 records: chunks of bounded size, parsed back whole, in linear work', async () => {
    const one = (await periodRecords()).find((r) => r.tipo === 'attestato')!;
    const records: ExportRecord[] = [];
    for (let i = 0; i < 100_000; i++) records.push({ ...one, at: `2026-11-25T${String(Math.floor(i / 6000)).padStart(2, '0')}:${String(Math.floor(i / 100) % 60).padStart(2, '0')}:00.000+01:00` });
    let chunks = 0;
    let biggest = 0;
    let total = 0;
    const parts: Buffer[] = [];
    for (const chunk of listaAttestatiXml(PERIOD, records)) {
      chunks++;
      biggest = Math.max(biggest, chunk.length);
      total += chunk.length;
      parts.push(chunk);
    }
    assert.equal(chunks, 100_000 / 200 + 1);
    assert.ok(biggest < 256 * 1024, `a chunk of ${biggest} bytes`);
    const doc = XmlDocument.fromBuffer(Buffer.concat(parts, total));
    try {
      assert.equal(doc.find('/listaAttestati/attestato').length, 100_000);
    } finally {
      doc.dispose();
    }
  });
});

describe('the listaAttestati CSV', () => {
  test('UTF-8 with BOM, a header row, one row per record in the XML order, the same values', async () => {
    const records = await periodRecords();
    const bytes = listaAttestatiCsvBuffer(PERIOD, records);
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    const text = bytes.toString('utf8').slice(1);
    assert.ok(!text.includes(MARKER) && !text.includes(CODICE) && !/diagnos/i.test(text));
    const [header, ...rows] = parseCsv(text);
    assert.deepEqual(header, CSV_COLUMNS);
    const xml = importXml(listaAttestatiXmlBuffer(PERIOD, records));
    assert.equal(rows.length, xml.length);
    rows.forEach((row, i) => {
      assert.equal(row.length, CSV_COLUMNS.length);
      const cells = Object.fromEntries(CSV_COLUMNS.map((c, j) => [c, row[j]!]));
      const x = xml[i]!;
      assert.equal(cells.tipo, x.tipo);
      // Each XML text element is in its column, and nothing else is filled.
      const filled = Object.entries(cells).filter(([c, v]) => c !== 'tipo' && v !== '').length;
      assert.equal(filled, Object.keys(x.fields).length, `row ${i}`);
      for (const [key, value] of Object.entries(x.fields)) {
        assert.equal(cells[csvColumnOf(key, x.tipo)], value, `${key} in row ${i}`);
      }
    });
    const c1 = rows.find((r) => r[1] === ids.c1 && r[0] === 'attestato')!;
    assert.equal(c1[CSV_COLUMNS.indexOf('lavoratore.nome')], WORKER1.nome);
    assert.equal(c1[CSV_COLUMNS.indexOf('reperibilita.indirizzo.comune')], 'Forlì');
  });

  test('RFC 4180 quoting and formula neutralization', () => {
    assert.equal(csvCell('Forlì'), 'Forlì');
    assert.equal(csvCell('a,b'), '"a,b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\r\nlines'), '"two\r\nlines"');
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('+39'), "'+39");
    assert.equal(csvCell('2026-11-25'), '2026-11-25');
  });
});
