/**
 * The life of a sickness certificate after InviaMalattia: RettificaMalattia,
 * AnnullaMalattia, RicercaMalattia, RistampaMalattia, end to end against a
 * real server on loopback and a real SQLite file. Every rule is shown
 * refusing and accepting at its boundary: the last allowed day and the first
 * refused one, one second either side of midnight in Europe/Rome, in winter,
 * in summer and on both daylight-saving change days of 2026. The gateway
 * clock is pinned: a certificate is sent at one instant, acted on at another.
 * Every answer is validated against the project XSD by parseResponse.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { XmlDocument, type XmlElement } from 'libxml2-wasm';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { assertErrors } from './support/assertions.js';
import { startGateway, type Running } from './support/gateway.js';
import { envelope, invioMalattia, type Fields } from './support/requests.js';
import { DEMO, basic, parseResponse, post, type ParsedResponse } from './support/soapClient.js';

const ROSSI = 'RSSMRA80A01H501U';
const BIANCHI = 'BNCGPP75C41F205S';
const VERDI = 'VRDLGU62T10L219V';
const PUC = /^[1-9][0-9]{9}$/;

/** Who calls, and what it puts in the medico element. */
interface Actor {
  readonly auth: string;
  readonly medico: Fields;
}

interface Actors {
  /** The doctor who issues the certificates of these tests. */
  readonly medico: Actor;
  /** Another doctor of the same region. */
  readonly medico2: Actor;
  /** The region acting for `medico`: the same identity as the issuing doctor. */
  readonly regione: Actor;
  /** The region acting for `medico2`. */
  readonly regione2: Actor;
  /** Hospital staff: not a doctor, whatever doctor it names. */
  readonly operatore: Actor;
}

/** Each data directory has its own pincode key, so pincodes are encrypted per gateway. */
function actorsOf(gw: Running): Actors {
  const pem = gw.gateway.pincodeKey.certificatePem;
  const regioneAuth = basic(DEMO.regione.user, DEMO.regione.password);
  return {
    medico: { auth: basic(DEMO.medico.user, DEMO.medico.password), medico: { pincode: encryptField(pem, DEMO.medico.pincode) } },
    medico2: { auth: basic(DEMO.medico2.user, DEMO.medico2.password), medico: { pincode: encryptField(pem, DEMO.medico2.pincode) } },
    regione: { auth: regioneAuth, medico: { codiceFiscale: DEMO.medico.user } },
    regione2: { auth: regioneAuth, medico: { codiceFiscale: DEMO.medico2.user } },
    operatore: { auth: basic(DEMO.operatore.user, DEMO.operatore.password), medico: { codiceFiscale: DEMO.medico.user } },
  };
}

async function call(gw: Running, at: string, op: string, root: string, who: Actor, fields: Fields): Promise<ParsedResponse> {
  gw.clock.set(at);
  const body = envelope(root, { medico: who.medico, ...fields });
  return parseResponse(await post(gw.endpoint, body, { auth: who.auth, soapAction: `http://ws.cert.sanita.finanze.it/${op}` }));
}

interface IssueOptions {
  /** dataRilascio; dataInizio and dataFine default to it. */
  readonly rilascio: string;
  readonly inizio?: string;
  readonly fine?: string;
  readonly visita?: string;
  readonly lavoratore?: string;
  readonly reperibilita?: Fields;
}

/** Sends a certificate at instant `at` and returns its PUC; the send itself must succeed. */
async function issue(gw: Running, who: Actor, at: string, o: IssueOptions): Promise<string> {
  const fields = invioMalattia(o.rilascio, {
    medico: who.medico,
    lavoratore: o.lavoratore ?? ROSSI,
    reperibilita: o.reperibilita,
    malattia: { dataInizio: o.inizio ?? o.rilascio, dataFine: o.fine ?? o.inizio ?? o.rilascio, visita: o.visita ?? 'A' },
  });
  gw.clock.set(at);
  const r = parseResponse(
    await post(gw.endpoint, envelope('invioMalattiaRequest', fields), {
      auth: who.auth,
      soapAction: 'http://ws.cert.sanita.finanze.it/InviaMalattia',
    }),
  );
  assert.deepEqual(r.errors, [], `InviaMalattia refused: ${JSON.stringify(r.errors)}`);
  assert.match(r.ok.idCertificato ?? '', PUC);
  return r.ok.idCertificato!;
}

const rettifica = (gw: Running, who: Actor, at: string, id: string, dataFine: string, lavoratore = ROSSI) =>
  call(gw, at, 'RettificaMalattia', 'rettificaMalattiaRequest', who, { lavoratore: { codiceFiscale: lavoratore }, idCertificato: id, dataFine });

const annulla = (gw: Running, who: Actor, at: string, id: string, lavoratore = ROSSI) =>
  call(gw, at, 'AnnullaMalattia', 'annullamentoMalattiaRequest', who, { lavoratore: { codiceFiscale: lavoratore }, idCertificato: id });

const ristampa = (gw: Running, who: Actor, at: string, id: string, lavoratore = ROSSI) =>
  call(gw, at, 'RistampaMalattia', 'ristampaMalattiaRequest', who, { lavoratore: { codiceFiscale: lavoratore }, idCertificato: id });

const ricerca = (gw: Running, who: Actor, at: string, lavoratore: string, inizio?: string, fine?: string) =>
  call(gw, at, 'RicercaMalattia', 'ricercaMalattiaRequest', who, {
    lavoratore: { codiceFiscale: lavoratore },
    dataInizioRicerca: inizio,
    dataFineRicerca: fine,
  });

/** A rectification accepted: its new PUC. */
function accepted(r: ParsedResponse): string {
  assert.deepEqual(r.errors, [], JSON.stringify(r.errors));
  assert.match(r.ok.idCertificato ?? '', PUC);
  return r.ok.idCertificato!;
}

/** A cancellation accepted: its idAnnullamento, and the instant it was recorded (Rome time). */
function cancelled(r: ParsedResponse, dataRicezione: RegExp): string {
  assert.deepEqual(r.errors, [], JSON.stringify(r.errors));
  assert.match(r.ok.idAnnullamento ?? '', PUC);
  assert.match(r.ok.dataRicezione ?? '', dataRicezione);
  return r.ok.idAnnullamento!;
}

/** The certificate that names `id` as the one it rectifies (at most one: the store's unique key), through the port. */
async function rectificationsOf(gw: Running, id: string): Promise<string[]> {
  const rectification = await gw.gateway.store.getRectificationOf(id);
  return rectification === undefined ? [] : [rectification.idCertificato];
}

async function stateOf(gw: Running, id: string): Promise<string | undefined> {
  return (await gw.gateway.store.getCertificate(id))?.state;
}

/** A refused request left the certificate as it was: still active, never rectified. */
async function untouched(gw: Running, id: string): Promise<void> {
  const stored = await gw.gateway.store.getCertificate(id);
  assert.equal(stored?.state, 'attivo');
  assert.equal(stored?.idAnnullamento, null);
  assert.deepEqual(await rectificationsOf(gw, id), []);
}

interface Hit {
  idCertificato: string;
  dataRicezione: string;
  annullato: string;
  dataRilascio: string;
  dataInizio: string;
  dataFine: string;
  visita: string;
  tipoCertificato: string;
}

/**
 * The datiCertificato of a RicercaMalattia answer, each one (parseResponse
 * flattens repeated elements into one), checked against the store: the
 * doctor, the worker, the kind and the state the answer claims.
 */
async function hitsOf(gw: Running, r: ParsedResponse, medicoCf: string, lavoratoreCf: string): Promise<Hit[]> {
  assert.deepEqual(r.errors, [], JSON.stringify(r.errors));
  assert.equal(r.root, 'ricercaMalattiaResponse');
  assert.match(r.xml, /<(\w+:)?ricevutaOkRicercaMalattia\b/, 'an empty result is still a ricevutaOk');
  const doc = XmlDocument.fromString(r.xml);
  let hits: Hit[];
  try {
    hits = doc.find('//*[local-name()="datiCertificato"]').map((node) => {
      const at = (xpath: string) => (node as XmlElement).get(xpath)?.content ?? '';
      return {
        idCertificato: at('idCertificato'),
        dataRicezione: at('dataRicezione'),
        annullato: at('annullato'),
        dataRilascio: at('malattia/dataRilascio'),
        dataInizio: at('malattia/dataInizio'),
        dataFine: at('malattia/dataFine'),
        visita: at('malattia/visita'),
        tipoCertificato: at('malattia/tipoCertificato'),
      };
    });
  } finally {
    doc.dispose();
  }
  for (const hit of hits) {
    const stored = await gw.gateway.store.getCertificate(hit.idCertificato);
    assert.ok(stored, `hit ${hit.idCertificato} is not in the store`);
    assert.equal(stored.medicoCf, medicoCf, `hit ${hit.idCertificato} belongs to another doctor`);
    assert.equal(stored.lavoratoreCf, lavoratoreCf, `hit ${hit.idCertificato} belongs to another worker`);
    assert.equal(stored.kind, 'malattia');
    assert.equal(hit.annullato, stored.state === 'annullato' ? 'true' : 'false');
    assert.equal(hit.dataRicezione, stored.dataRicezione);
    assert.equal(hit.dataRilascio, stored.document.malattia?.dataRilascio);
    assert.equal(hit.dataInizio, stored.document.malattia?.dataInizio);
    assert.equal(hit.dataFine, stored.document.malattia?.dataFine);
  }
  return hits;
}

const ids = (hits: Hit[]) => hits.map((h) => h.idCertificato).sort();
const sorted = (list: string[]) => [...list].sort();

// ---------------------------------------------------------------------------

let gw: Running;
let as: Actors;

before(async () => {
  gw = await startGateway();
  as = actorsOf(gw);
});
after(async () => gw.stop());

// 10:00 in Rome on Wednesday 25 November 2026 (winter, UTC+1).
const NOW = '2026-11-25T09:00:00.000Z';
const TODAY = '2026-11-25';

describe('RettificaMalattia', () => {
  test('accepted: a new PUC referring to the original, the response as the certificate now stands', async () => {
    const reperibilita = {
      cognome: 'Bianchi',
      indirizzo: { via: 'Corso Buenos Aires', civico: '3', cap: '20124', codiceCatastale: 'F205', comune: 'Milano', provincia: 'MI' },
    };
    const original = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-11-30', reperibilita });
    const r = await rettifica(gw, as.medico, '2026-11-26T15:30:00.000Z', original, '2026-11-27');
    const id = accepted(r);
    assert.notEqual(id, original);
    assert.equal(r.root, 'rettificaMalattiaResponse');
    assert.equal(r.ok.dataRicezione, '2026-11-26T16:30:00.000+01:00');
    // The worker as the registry knows him, the residence and reperibilita as sent, the new end.
    assert.equal(r.ok['lavoratore/codiceFiscale'], ROSSI);
    assert.equal(r.ok['lavoratore/cognome'], 'Rossi');
    assert.equal(r.ok['lavoratore/nome'], 'Mario');
    assert.equal(r.ok['lavoratore/dataNascita'], '1980-01-01');
    assert.equal(r.ok['residenza/via'], 'Via Nazionale');
    assert.equal(r.ok['residenza/codiceCatastale'], 'H501');
    assert.equal(r.ok['reperibilita/cognome'], 'Bianchi');
    assert.equal(r.ok['reperibilita/indirizzo/comune'], 'Milano');
    assert.equal(r.ok['malattia/dataRilascio'], TODAY);
    assert.equal(r.ok['malattia/dataInizio'], TODAY);
    assert.equal(r.ok['malattia/dataFine'], '2026-11-27');
    assert.equal(r.ok['malattia/diagnosi/codiceDiagnosi'], '487.1');

    const stored = await gw.gateway.store.getCertificate(id);
    assert.equal(stored?.rettificaDi, original);
    assert.equal(stored?.state, 'attivo');
    assert.equal(stored?.medicoCf, DEMO.medico.user);
    assert.equal(stored?.document.malattia?.dataFine, '2026-11-27');
    assert.equal(await stateOf(gw, original), 'rettificato');
    assert.deepEqual(await rectificationsOf(gw, original), [id]);
  });

  test('the rectified original stays printable as it was; the rectification prints its new end', async () => {
    const original = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-11-30' });
    const id = accepted(await rettifica(gw, as.medico, NOW, original, '2026-11-28'));
    const old = await ristampa(gw, as.medico, NOW, original);
    assert.deepEqual(old.errors, []);
    assert.equal(old.ok['malattia/dataFine'], '2026-11-30');
    const fresh = await ristampa(gw, as.medico, NOW, id);
    assert.deepEqual(fresh.errors, []);
    assert.equal(fresh.ok['malattia/dataFine'], '2026-11-28');
  });

  test('the rectification can be rectified again, earlier again; the rectified ones cannot (7003)', async () => {
    const first = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-12-04' });
    const second = accepted(await rettifica(gw, as.medico, NOW, first, '2026-12-02'));
    const third = accepted(await rettifica(gw, as.medico, '2026-11-27T09:00:00.000Z', second, '2026-11-30'));
    assert.equal((await gw.gateway.store.getCertificate(third))?.rettificaDi, second);
    assert.equal((await gw.gateway.store.getCertificate(second))?.rettificaDi, first);
    assert.equal(await stateOf(gw, second), 'rettificato');
    // Not earlier than the certificate it rectifies: the rule holds for the chain's last link.
    assertErrors(await rettifica(gw, as.medico, NOW, third, '2026-11-30'), [['7005', 'dataFine']]);
    for (const done of [first, second]) {
      const stored = await gw.gateway.store.countCertificates();
      assertErrors(await rettifica(gw, as.medico, NOW, done, '2026-11-26'), [['7003', 'idCertificato']]);
      assert.equal(await gw.gateway.store.countCertificates(), stored, 'a refused rectification stores nothing');
      assert.equal((await rectificationsOf(gw, done)).length, 1);
    }
  });

  test('the new end must be earlier than the original: equal and later are refused (7005), the day before accepted', async () => {
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-11-28' });
    assertErrors(await rettifica(gw, as.medico, NOW, id, '2026-11-28'), [['7005', 'dataFine']]);
    assertErrors(await rettifica(gw, as.medico, NOW, id, '2026-12-15'), [['7005', 'dataFine']]);
    await untouched(gw, id);
    accepted(await rettifica(gw, as.medico, NOW, id, '2026-11-27'));
  });

  test('the new end may not precede the start (7006); ending on the first day of sickness is accepted', async () => {
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, inizio: '2026-11-24', fine: '2026-11-28' });
    const r = await rettifica(gw, as.medico, NOW, id, '2026-11-23');
    assertErrors(r, [['7006', 'dataFine']]);
    assert.match(r.errors[0]!.descrizione, /2026-11-23.*2026-11-24/);
    await untouched(gw, id);
    const ok = await rettifica(gw, as.medico, NOW, id, '2026-11-24');
    accepted(ok);
    assert.equal(ok.ok['malattia/dataFine'], '2026-11-24');
  });

  test('a new end that is not a calendar date is refused (4001)', async () => {
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-12-05' });
    assertErrors(await rettifica(gw, as.medico, NOW, id, '2026-11-31'), [['4001', 'dataFine']]);
    assertErrors(await rettifica(gw, as.medico, NOW, id, '2026-02-29'), [['4001', 'dataFine']]);
    await untouched(gw, id);
    accepted(await rettifica(gw, as.medico, NOW, id, '2026-11-30'));
  });

  test('a cancelled certificate cannot be rectified (7002)', async () => {
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-11-30' });
    cancelled(await annulla(gw, as.medico, NOW, id), /^2026-11-25T10:00:00\.000\+01:00$/);
    assertErrors(await rettifica(gw, as.medico, NOW, id, '2026-11-27'), [['7002', 'idCertificato']]);
    assert.equal(await stateOf(gw, id), 'annullato');
    assert.deepEqual(await rectificationsOf(gw, id), []);
  });

  test('winter midnight: allowed at 23:59:59 Rome on the last day of the prognosis, refused at 00:00:00 (7004)', async () => {
    const id = await issue(gw, as.medico, '2026-11-20T09:00:00.000Z', { rilascio: '2026-11-20', fine: '2026-11-25' });
    const r = await rettifica(gw, as.medico, '2026-11-25T23:00:00.000Z', id, '2026-11-24');
    assertErrors(r, [['7004', 'idCertificato']]);
    assert.match(r.errors[0]!.descrizione, /2026-11-25/);
    await untouched(gw, id);
    const ok = await rettifica(gw, as.medico, '2026-11-25T22:59:59.000Z', id, '2026-11-24');
    accepted(ok);
    assert.equal(ok.ok.dataRicezione, '2026-11-25T23:59:59.000+01:00');
  });

  test('summer midnight: allowed at 21:59:59Z (23:59:59 Rome), refused at 22:00:00Z (7004)', async () => {
    const id = await issue(gw, as.medico, '2026-07-01T08:00:00.000Z', { rilascio: '2026-07-01', fine: '2026-07-05' });
    assertErrors(await rettifica(gw, as.medico, '2026-07-05T22:00:00.000Z', id, '2026-07-03'), [['7004', 'idCertificato']]);
    await untouched(gw, id);
    const ok = await rettifica(gw, as.medico, '2026-07-05T21:59:59.000Z', id, '2026-07-03');
    accepted(ok);
    assert.equal(ok.ok.dataRicezione, '2026-07-05T23:59:59.000+02:00');
  });

  test('spring DST change: the prognosis ending 2026-03-29 runs until 22:00Z, not 23:00Z', async () => {
    // Clocks go to +02:00 at 01:00Z on 29 March: 22:00Z is already midnight of the 30th in Rome.
    const id = await issue(gw, as.medico, '2026-03-27T09:00:00.000Z', { rilascio: '2026-03-27', fine: '2026-03-29' });
    assertErrors(await rettifica(gw, as.medico, '2026-03-29T22:00:00.000Z', id, '2026-03-28'), [['7004', 'idCertificato']]);
    assertErrors(await rettifica(gw, as.medico, '2026-03-29T22:30:00.000Z', id, '2026-03-28'), [['7004', 'idCertificato']]);
    await untouched(gw, id);
    const ok = await rettifica(gw, as.medico, '2026-03-29T21:59:59.000Z', id, '2026-03-28');
    accepted(ok);
    assert.equal(ok.ok.dataRicezione, '2026-03-29T23:59:59.000+02:00');
  });

  test('autumn DST change: the prognosis ending 2026-10-25 runs until 23:00Z, not 22:00Z', async () => {
    // Clocks go back to +01:00 at 01:00Z on 25 October: 22:30Z is still 23:30 of the 25th in Rome.
    const id = await issue(gw, as.medico, '2026-10-23T08:00:00.000Z', { rilascio: '2026-10-23', fine: '2026-10-25' });
    assertErrors(await rettifica(gw, as.medico, '2026-10-25T23:00:00.000Z', id, '2026-10-24'), [['7004', 'idCertificato']]);
    await untouched(gw, id);
    const ok = await rettifica(gw, as.medico, '2026-10-25T22:30:00.000Z', id, '2026-10-24');
    accepted(ok);
    assert.equal(ok.ok.dataRicezione, '2026-10-25T23:30:00.000+01:00');
  });

  test('users: the other doctor (7001), the region for the other doctor (7001), an operator (2009) are refused', async () => {
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-11-30' });
    assertErrors(await rettifica(gw, as.medico2, NOW, id, '2026-11-27'), [['7001', 'idCertificato']]);
    assertErrors(await rettifica(gw, as.regione2, NOW, id, '2026-11-27'), [['7001', 'idCertificato']]);
    assertErrors(await rettifica(gw, as.operatore, NOW, id, '2026-11-27'), [['2009', 'medico']]);
    // The issuing doctor, but for another worker, or a PUC that does not exist: the same 7001.
    assertErrors(await rettifica(gw, as.medico, NOW, id, '2026-11-27', BIANCHI), [['7001', 'idCertificato']]);
    assertErrors(await rettifica(gw, as.medico, NOW, '123456789012345678', '2026-11-27'), [['7001', 'idCertificato']]);
    await untouched(gw, id);
  });

  test('users: the region acting for the issuing doctor rectifies, and the doctor himself can then rectify again', async () => {
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-11-30' });
    const second = accepted(await rettifica(gw, as.regione, NOW, id, '2026-11-29'));
    const stored = await gw.gateway.store.getCertificate(second);
    assert.equal(stored?.medicoCf, DEMO.medico.user);
    assert.equal(stored?.sentBy, DEMO.regione.user);
    assert.equal(stored?.rettificaDi, id);
    accepted(await rettifica(gw, as.medico, NOW, second, '2026-11-28'));
  });

  test('a certificate sent by the region is the doctor\'s own: the doctor rectifies it', async () => {
    const id = await issue(gw, as.regione, NOW, { rilascio: TODAY, fine: '2026-11-30' });
    assert.equal((await gw.gateway.store.getCertificate(id))?.medicoCf, DEMO.medico.user);
    accepted(await rettifica(gw, as.medico, NOW, id, '2026-11-26'));
  });
});

describe('AnnullaMalattia', () => {
  test('accepted once with an idAnnullamento; a second time is refused (7002)', async () => {
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-11-27' });
    const idAnnullamento = cancelled(await annulla(gw, as.medico, NOW, id), /^2026-11-25T10:00:00\.000\+01:00$/);
    assert.notEqual(idAnnullamento, id);
    const stored = await gw.gateway.store.getCertificate(id);
    assert.equal(stored?.state, 'annullato');
    assert.equal(stored?.idAnnullamento, idAnnullamento);
    assertErrors(await annulla(gw, as.medico, NOW, id), [['7002', 'idCertificato']]);
    assert.equal((await gw.gateway.store.getCertificate(id))?.idAnnullamento, idAnnullamento, 'the second attempt changed nothing');
  });

  test('a cancelled certificate is still printable, as it was sent', async () => {
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-11-27' });
    cancelled(await annulla(gw, as.medico, NOW, id), /^2026-11-25T/);
    const r = await ristampa(gw, as.medico, NOW, id);
    assert.deepEqual(r.errors, []);
    assert.equal(r.ok['malattia/dataFine'], '2026-11-27');
  });

  test('a rectified certificate cannot be cancelled (7003); its rectification can', async () => {
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-11-30' });
    const rect = accepted(await rettifica(gw, as.medico, NOW, id, '2026-11-27'));
    assertErrors(await annulla(gw, as.medico, NOW, id), [['7003', 'idCertificato']]);
    assert.equal(await stateOf(gw, id), 'rettificato');
    cancelled(await annulla(gw, as.medico, NOW, rect), /^2026-11-25T/);
    assert.equal(await stateOf(gw, rect), 'annullato');
    assert.equal(await stateOf(gw, id), 'rettificato', 'cancelling the rectification leaves the original as it was');
  });

  test('winter: allowed until 23:59:59 Rome of the day after the release, refused from 00:00:00 (7007)', async () => {
    const id = await issue(gw, as.medico, '2026-11-20T09:00:00.000Z', { rilascio: '2026-11-20', fine: '2026-11-23' });
    const r = await annulla(gw, as.medico, '2026-11-21T23:00:00.000Z', id);
    assertErrors(r, [['7007', 'idCertificato']]);
    assert.match(r.errors[0]!.descrizione, /2026-11-21/);
    assertErrors(await annulla(gw, as.medico, '2026-12-20T09:00:00.000Z', id), [['7007', 'idCertificato']]);
    await untouched(gw, id);
    cancelled(await annulla(gw, as.medico, '2026-11-21T22:59:59.000Z', id), /^2026-11-21T23:59:59\.000\+01:00$/);
  });

  test('the release day counts, not the send day: a home visit of yesterday can be cancelled only until tonight', async () => {
    const id = await issue(gw, as.medico, '2026-11-20T07:00:00.000Z', { rilascio: '2026-11-19', fine: '2026-11-22', visita: 'D' });
    assertErrors(await annulla(gw, as.medico, '2026-11-20T23:00:00.000Z', id), [['7007', 'idCertificato']]);
    await untouched(gw, id);
    cancelled(await annulla(gw, as.medico, '2026-11-20T22:59:59.000Z', id), /^2026-11-20T23:59:59\.000\+01:00$/);
  });

  test('the release day itself, just after midnight, is allowed', async () => {
    const id = await issue(gw, as.medico, '2026-11-20T23:00:00.000Z', { rilascio: '2026-11-21', fine: '2026-11-22' });
    cancelled(await annulla(gw, as.medico, '2026-11-20T23:00:00.000Z', id), /^2026-11-21T00:00:00\.000\+01:00$/);
  });

  test('summer: allowed at 21:59:59Z of the day after the release, refused at 22:00:00Z (7007)', async () => {
    const id = await issue(gw, as.medico, '2026-07-01T08:00:00.000Z', { rilascio: '2026-07-01', fine: '2026-07-03' });
    assertErrors(await annulla(gw, as.medico, '2026-07-02T22:00:00.000Z', id), [['7007', 'idCertificato']]);
    await untouched(gw, id);
    cancelled(await annulla(gw, as.medico, '2026-07-02T21:59:59.000Z', id), /^2026-07-02T23:59:59\.000\+02:00$/);
  });

  test('spring DST change: released 2026-03-28, cancelled on the 29th at 23:30 Rome (21:30Z); refused from 22:00Z', async () => {
    // Released at 11:00 Rome (+01:00); that night clocks go to +02:00, so the 29th ends at 22:00Z.
    const id = await issue(gw, as.medico, '2026-03-28T10:00:00.000Z', { rilascio: '2026-03-28', fine: '2026-03-31' });
    assertErrors(await annulla(gw, as.medico, '2026-03-29T22:00:00.000Z', id), [['7007', 'idCertificato']]);
    assertErrors(await annulla(gw, as.medico, '2026-03-29T22:30:00.000Z', id), [['7007', 'idCertificato']]);
    await untouched(gw, id);
    cancelled(await annulla(gw, as.medico, '2026-03-29T21:30:00.000Z', id), /^2026-03-29T23:30:00\.000\+02:00$/);

    const other = await issue(gw, as.medico, '2026-03-28T10:00:00.000Z', { rilascio: '2026-03-28', fine: '2026-03-31' });
    cancelled(await annulla(gw, as.medico, '2026-03-29T21:59:59.000Z', other), /^2026-03-29T23:59:59\.000\+02:00$/);
  });

  test('autumn DST change: released 2026-10-24, cancellable until 23:00Z on the 25th (back to +01:00)', async () => {
    const id = await issue(gw, as.medico, '2026-10-24T08:00:00.000Z', { rilascio: '2026-10-24', fine: '2026-10-27' });
    assertErrors(await annulla(gw, as.medico, '2026-10-25T23:00:00.000Z', id), [['7007', 'idCertificato']]);
    await untouched(gw, id);
    // 22:30Z would be past midnight at +02:00; at +01:00 it is 23:30 of the last allowed day.
    cancelled(await annulla(gw, as.medico, '2026-10-25T22:30:00.000Z', id), /^2026-10-25T23:30:00\.000\+01:00$/);
  });

  test('users: the other doctor (7001), the region for the other doctor (7001), an operator (2009) are refused', async () => {
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-11-27' });
    assertErrors(await annulla(gw, as.medico2, NOW, id), [['7001', 'idCertificato']]);
    assertErrors(await annulla(gw, as.regione2, NOW, id), [['7001', 'idCertificato']]);
    assertErrors(await annulla(gw, as.operatore, NOW, id), [['2009', 'medico']]);
    assertErrors(await annulla(gw, as.medico, NOW, id, VERDI), [['7001', 'idCertificato']]);
    assertErrors(await annulla(gw, as.medico, NOW, '999999999999999999'), [['7001', 'idCertificato']]);
    await untouched(gw, id);
  });

  test('users: the region acting for the issuing doctor cancels', async () => {
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-11-27' });
    cancelled(await annulla(gw, as.regione, NOW, id), /^2026-11-25T10:00:00\.000\+01:00$/);
    assert.equal(await stateOf(gw, id), 'annullato');
  });
});

describe('RistampaMalattia', () => {
  test('the issuing doctor gets back everything needed to print the certificate', async () => {
    const reperibilita = {
      cognome: 'Verdi',
      indirizzo: { via: 'Via Po', civico: '12', cap: '10123', codiceCatastale: 'L219', comune: 'Torino', provincia: 'TO' },
    };
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, inizio: '2026-11-24', fine: '2026-11-29', reperibilita });
    const r = await ristampa(gw, as.medico, '2026-12-20T09:00:00.000Z', id);
    assert.deepEqual(r.errors, []);
    assert.equal(r.root, 'ristampaMalattiaResponse');
    assert.deepEqual(r.ok, {
      'lavoratore/codiceFiscale': ROSSI,
      'lavoratore/cognome': 'Rossi',
      'lavoratore/nome': 'Mario',
      'lavoratore/sesso': 'M',
      'lavoratore/dataNascita': '1980-01-01',
      'lavoratore/comuneNascita': 'Roma',
      'lavoratore/provinciaNascita': 'RM',
      'residenza/via': 'Via Nazionale',
      'residenza/civico': '10',
      'residenza/cap': '00184',
      'residenza/codiceCatastale': 'H501',
      'residenza/comune': 'Roma',
      'residenza/provincia': 'RM',
      'reperibilita/cognome': 'Verdi',
      'reperibilita/indirizzo/via': 'Via Po',
      'reperibilita/indirizzo/civico': '12',
      'reperibilita/indirizzo/cap': '10123',
      'reperibilita/indirizzo/codiceCatastale': 'L219',
      'reperibilita/indirizzo/comune': 'Torino',
      'reperibilita/indirizzo/provincia': 'TO',
      'malattia/ruoloMedico': 'S',
      'malattia/dataRilascio': TODAY,
      'malattia/dataInizio': '2026-11-24',
      'malattia/dataFine': '2026-11-29',
      'malattia/visita': 'A',
      'malattia/tipoCertificato': 'I',
      'malattia/diagnosi/codiceDiagnosi': '487.1',
      'malattia/diagnosi/noteDiagnosi': 'Sindrome influenzale',
    });
  });

  test('users: the region for the issuing doctor may reprint; the other doctor, the region for him (7001) and an operator (2009) may not', async () => {
    const id = await issue(gw, as.medico, NOW, { rilascio: TODAY, fine: '2026-11-27', lavoratore: BIANCHI });
    const viaRegione = await ristampa(gw, as.regione, NOW, id, BIANCHI);
    assert.deepEqual(viaRegione.errors, []);
    assert.equal(viaRegione.ok['lavoratore/cognome'], 'Bianchi');
    assert.equal(viaRegione.ok['malattia/dataFine'], '2026-11-27');
    assertErrors(await ristampa(gw, as.medico2, NOW, id, BIANCHI), [['7001', 'idCertificato']]);
    assertErrors(await ristampa(gw, as.regione2, NOW, id, BIANCHI), [['7001', 'idCertificato']]);
    assertErrors(await ristampa(gw, as.operatore, NOW, id, BIANCHI), [['2009', 'medico']]);
    // Another worker's CF with a real PUC of this doctor: not found, like an unknown PUC.
    assertErrors(await ristampa(gw, as.medico, NOW, id, ROSSI), [['7001', 'idCertificato']]);
    assertErrors(await ristampa(gw, as.medico, NOW, '100000000000000000', BIANCHI), [['7001', 'idCertificato']]);
  });
});

describe('RicercaMalattia', () => {
  // A gateway of its own: the exact set of certificates each search must return is known.
  let g: Running;
  let a: Actors;
  // 10:00 in Rome on Monday 31 August 2026 (summer, UTC+2). Six months back
  // from the 31st is clamped to the last day of February: 2026-02-28.
  const AT = '2026-08-31T08:00:00.000Z';
  const c = {} as Record<
    'sevenMonths' | 'dayBeforeBound' | 'onBound' | 'fiveMonths' | 'rectified' | 'rectification' | 'cancelled' | 'today' | 'otherDoctor' | 'otherWorker',
    string
  >;

  before(async () => {
    g = await startGateway();
    a = actorsOf(g);
    // Sent in the past by setting the clock back: each is released the day it is sent.
    const at = (day: string) => `${day}T08:00:00.000Z`;
    c.sevenMonths = await issue(g, a.medico, at('2026-01-31'), { rilascio: '2026-01-31', fine: '2026-02-02', lavoratore: VERDI });
    c.dayBeforeBound = await issue(g, a.medico, at('2026-02-27'), { rilascio: '2026-02-27', fine: '2026-03-01', lavoratore: VERDI });
    c.onBound = await issue(g, a.medico, at('2026-02-28'), { rilascio: '2026-02-28', fine: '2026-03-02', lavoratore: VERDI });
    c.fiveMonths = await issue(g, a.medico, at('2026-03-31'), { rilascio: '2026-03-31', fine: '2026-04-03', lavoratore: VERDI });
    c.rectified = await issue(g, a.medico, at('2026-08-20'), { rilascio: '2026-08-20', fine: '2026-09-05', lavoratore: VERDI });
    c.rectification = accepted(await rettifica(g, a.medico, AT, c.rectified, '2026-09-01', VERDI));
    c.cancelled = await issue(g, a.regione, at('2026-08-30'), { rilascio: '2026-08-30', fine: '2026-09-02', lavoratore: VERDI });
    cancelled(await annulla(g, a.medico, AT, c.cancelled, VERDI), /^2026-08-31T10:00:00\.000\+02:00$/);
    c.today = await issue(g, a.medico, AT, { rilascio: '2026-08-31', fine: '2026-09-04', lavoratore: VERDI });
    c.otherDoctor = await issue(g, a.medico2, AT, { rilascio: '2026-08-31', fine: '2026-09-03', lavoratore: VERDI });
    c.otherWorker = await issue(g, a.medico, AT, { rilascio: '2026-08-31', fine: '2026-09-03', lavoratore: ROSSI });
  });
  after(async () => g.stop());

  /** What the doctor's default search (the last six months up to today) must return. */
  const lastSixMonths = () => sorted([c.onBound, c.fiveMonths, c.rectified, c.rectification, c.cancelled, c.today]);

  test('no bounds: six months back to today, cancelled ones marked annullato, never older ones', async () => {
    const hits = await hitsOf(g, await ricerca(g, a.medico, AT, VERDI), DEMO.medico.user, VERDI);
    assert.deepEqual(ids(hits), lastSixMonths());
    const byId = new Map(hits.map((h) => [h.idCertificato, h]));
    assert.equal(byId.get(c.cancelled)?.annullato, 'true');
    for (const id of [c.onBound, c.fiveMonths, c.rectified, c.rectification, c.today]) assert.equal(byId.get(id)?.annullato, 'false');
    // The rectification is listed with its new end, the original with its own.
    assert.equal(byId.get(c.rectification)?.dataFine, '2026-09-01');
    assert.equal(byId.get(c.rectified)?.dataFine, '2026-09-05');
    assert.equal(byId.get(c.today)?.visita, 'A');
    assert.equal(byId.get(c.today)?.tipoCertificato, 'I');
    assert.match(byId.get(c.today)?.dataRicezione ?? '', /^2026-08-31T10:00:00\.000\+02:00$/);
  });

  test('a start earlier than six months back is clipped, and the search still succeeds', async () => {
    for (const inizio of ['2000-01-01', '2026-01-31', '2026-02-27']) {
      const hits = await hitsOf(g, await ricerca(g, a.medico, AT, VERDI, inizio), DEMO.medico.user, VERDI);
      assert.deepEqual(ids(hits), lastSixMonths(), `dataInizioRicerca ${inizio}`);
    }
    // Aimed exactly at the old certificates: nothing, not an error.
    const old = await hitsOf(g, await ricerca(g, a.medico, AT, VERDI, '2000-01-01', '2026-02-27'), DEMO.medico.user, VERDI);
    assert.deepEqual(old, []);
    const one = await hitsOf(g, await ricerca(g, a.medico, AT, VERDI, '2026-01-31', '2026-01-31'), DEMO.medico.user, VERDI);
    assert.deepEqual(one, []);
  });

  test('explicit bounds are inclusive; a one-day range gives a one-element list', async () => {
    const day = await hitsOf(g, await ricerca(g, a.medico, AT, VERDI, '2026-08-30', '2026-08-30'), DEMO.medico.user, VERDI);
    assert.deepEqual(ids(day), [c.cancelled]);
    assert.equal(day[0]!.annullato, 'true');
    assert.deepEqual(ids(await hitsOf(g, await ricerca(g, a.medico, AT, VERDI, '2026-03-31', '2026-03-31'), DEMO.medico.user, VERDI)), [c.fiveMonths]);
    assert.deepEqual(await hitsOf(g, await ricerca(g, a.medico, AT, VERDI, '2026-04-01', '2026-08-19'), DEMO.medico.user, VERDI), []);
    assert.deepEqual(
      ids(await hitsOf(g, await ricerca(g, a.medico, AT, VERDI, '2026-08-20'), DEMO.medico.user, VERDI)),
      sorted([c.rectified, c.rectification, c.cancelled, c.today]),
    );
    assert.deepEqual(
      ids(await hitsOf(g, await ricerca(g, a.medico, AT, VERDI, undefined, '2026-03-31'), DEMO.medico.user, VERDI)),
      sorted([c.onBound, c.fiveMonths]),
    );
  });

  test('the six-month bound at midnight Rome: 2026-02-28 is in on the 31st at 23:59:59, out at 00:00:00 of 1 September', async () => {
    const lastSecond = await hitsOf(g, await ricerca(g, a.medico, '2026-08-31T21:59:59.000Z', VERDI), DEMO.medico.user, VERDI);
    assert.ok(ids(lastSecond).includes(c.onBound));
    const nextDay = await hitsOf(g, await ricerca(g, a.medico, '2026-08-31T22:00:00.000Z', VERDI), DEMO.medico.user, VERDI);
    assert.ok(!ids(nextDay).includes(c.onBound), 'six months before 2026-09-01 is 2026-03-01');
    assert.ok(ids(nextDay).includes(c.fiveMonths));
  });

  test('no dataFineRicerca means today in Rome: a certificate of the 31st is not found on the 30th at 23:59:59', async () => {
    const before = await hitsOf(g, await ricerca(g, a.medico, '2026-08-30T21:59:59.000Z', VERDI), DEMO.medico.user, VERDI);
    assert.ok(!ids(before).includes(c.today));
    assert.ok(ids(before).includes(c.cancelled));
    const after = await hitsOf(g, await ricerca(g, a.medico, '2026-08-30T22:00:00.000Z', VERDI), DEMO.medico.user, VERDI);
    assert.ok(ids(after).includes(c.today));
  });

  test('an inverted range is refused (4012); equal bounds are accepted', async () => {
    const r = await ricerca(g, a.medico, AT, VERDI, '2026-08-31', '2026-08-30');
    assertErrors(r, [['4012', 'dataFineRicerca']]);
    assert.match(r.errors[0]!.descrizione, /2026-08-30.*2026-08-31/);
    assert.deepEqual(ids(await hitsOf(g, await ricerca(g, a.medico, AT, VERDI, '2026-08-31', '2026-08-31'), DEMO.medico.user, VERDI)), [c.today]);
  });

  test('a bound that is not a calendar date is refused (4001) with its field', async () => {
    assertErrors(await ricerca(g, a.medico, AT, VERDI, '2026-02-30'), [['4001', 'dataInizioRicerca']]);
    assertErrors(await ricerca(g, a.medico, AT, VERDI, undefined, '2026-09-31'), [['4001', 'dataFineRicerca']]);
    assertErrors(await ricerca(g, a.medico, AT, VERDI, '2026-13-01', '2026-00-10'), [
      ['4001', 'dataInizioRicerca'],
      ['4001', 'dataFineRicerca'],
    ]);
    // 2028 is a leap year: its 29 February exists (a future end is allowed as a bound).
    await hitsOf(g, await ricerca(g, a.medico, AT, VERDI, '2026-08-01', '2028-02-29'), DEMO.medico.user, VERDI);
  });

  test('another doctor\'s certificates never appear; each doctor sees his own', async () => {
    const mine = ids(await hitsOf(g, await ricerca(g, a.medico, AT, VERDI, '2000-01-01', '2026-12-31'), DEMO.medico.user, VERDI));
    assert.ok(!mine.includes(c.otherDoctor));
    const theirs = await hitsOf(g, await ricerca(g, a.medico2, AT, VERDI), DEMO.medico2.user, VERDI);
    assert.deepEqual(ids(theirs), [c.otherDoctor]);
    // The same doctor's certificate for another worker is not in this worker's list.
    assert.ok(!mine.includes(c.otherWorker));
    assert.deepEqual(ids(await hitsOf(g, await ricerca(g, a.medico, AT, ROSSI), DEMO.medico.user, ROSSI)), [c.otherWorker]);
    // A worker this doctor never certified: an empty list.
    assert.deepEqual(await hitsOf(g, await ricerca(g, a.medico2, AT, BIANCHI), DEMO.medico2.user, BIANCHI), []);
  });

  test('users: the region sees what the doctor it acts for sees; an operator is refused (2009)', async () => {
    assert.deepEqual(ids(await hitsOf(g, await ricerca(g, a.regione, AT, VERDI), DEMO.medico.user, VERDI)), lastSixMonths());
    assert.deepEqual(ids(await hitsOf(g, await ricerca(g, a.regione2, AT, VERDI), DEMO.medico2.user, VERDI)), [c.otherDoctor]);
    assertErrors(await ricerca(g, a.operatore, AT, VERDI), [['2009', 'medico']]);
  });
});
