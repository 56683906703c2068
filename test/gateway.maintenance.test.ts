/**
 * Maintenance windows announced in-band and the late entry of paper
 * certificates, end to end against a real server on loopback and a real
 * SQLite file, the gateway's clock pinned before, inside and after a window:
 * - announced: all ten operations answer with ricevutaInfo (8003), valid
 *   against the project XSD (parseResponse), ok and non-ok answers alike;
 * - during the window: every operation answers 8002, nothing is stored, the
 *   WSDL, the XSD and /healthz stay up;
 * - after it: InviaMalattia takes a dataRilascio on the window's days through
 *   the grace period (stored with certificati.paper_window), every other
 *   date rule still applies, and once the grace period is over the same
 *   request is refused with 8005.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { XmlDocument, type XmlElement } from 'libxml2-wasm';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { XSD_FILE_NAME } from '../src/contract/files.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { assertCatalogText, assertErrors } from './support/assertions.js';
import { NO_RESUBMISSION_DETECTION, startGateway, type Running } from './support/gateway.js';
import { defaultResidenza, envelope, invioMalattia, type Fields } from './support/requests.js';
import { DEMO, basic, parseResponse, post, type ParsedResponse } from './support/soapClient.js';

const ROSSI = 'RSSMRA80A01H501U';
const WINDOW = '2026-12-05T18:00:00+01:00/2026-12-06T16:00:00+01:00';
const OTHER_WINDOW = '2027-01-09T20:00:00+01:00/2027-01-10T08:00:00+01:00';
/** Before the announcement (which starts 2026-11-28 18:00 in Rome, 7 days before). */
const BEFORE = '2026-11-25T10:00:00+01:00';
/** Announced: a Wednesday three days before the window. */
const ANNOUNCED = '2026-12-02T10:00:00+01:00';
const INSIDE = '2026-12-06T10:00:00+01:00';
/** The Monday after: Saturday's paper certificate is two days old, Sunday's one. */
const AFTER = '2026-12-07T09:00:00+01:00';
/** The last second of the seventh day after the window's last day (Sunday 13 December). */
const GRACE_LAST = '2026-12-13T23:59:59+01:00';
const GRACE_OVER = '2026-12-14T00:00:00+01:00';
const STRUTTURA = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' };
const OPERATORE = basic(DEMO.operatore.user, DEMO.operatore.password);
const MEDICO = basic(DEMO.medico.user, DEMO.medico.password);

interface Info {
  codice: string;
  dataInserimento: string;
  info: string;
  dataInizioVal: string;
  dataFineVal: string;
}

/** The ricevutaInfo/info entries of a response, in order (parseResponse has already validated it). */
function notices(r: ParsedResponse): Info[] {
  const doc = XmlDocument.fromString(r.xml);
  try {
    return doc.find('//*[local-name()="ricevutaInfo"]/info').map((node) => {
      const at = (name: string) => (node as XmlElement).get(name)?.content ?? '';
      return { codice: at('codice'), dataInserimento: at('dataInserimento'), info: at('info'), dataInizioVal: at('dataInizioVal'), dataFineVal: at('dataFineVal') };
    });
  } finally {
    doc.dispose();
  }
}

/** The paper window stored with a certificate (null: sent the normal way), undefined when there is no such certificate. */
async function paperWindowOf(gw: Running, id: string): Promise<string | null | undefined> {
  const record = await gw.gateway.store.getCertificate(id);
  return record === undefined ? undefined : (record.paperWindow ?? null);
}

describe('maintenance windows', () => {
  let gw: Running;
  let pin: string;

  before(async () => {
    gw = await startGateway({ SAC_MAINTENANCE_WINDOWS: `${OTHER_WINDOW},${WINDOW}` });
    pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  });
  after(async () => {
    await gw.stop();
  });

  async function call(at: string, op: string, root: string, fields: Fields, auth = MEDICO): Promise<ParsedResponse> {
    gw.clock.set(new Date(at).toISOString());
    return parseResponse(await post(gw.endpoint, envelope(root, fields), { auth, soapAction: `http://ws.cert.sanita.finanze.it/${op}` }));
  }

  const sendMalattia = (at: string, rilascio: string, malattia: Fields = {}) =>
    call(at, 'InviaMalattia', 'invioMalattiaRequest', invioMalattia(rilascio, { medico: { pincode: pin }, malattia }));

  /** One request of each of the ten operations, each on what the previous ones created; every answer returned. */
  async function allTen(at: string): Promise<Map<string, ParsedResponse>> {
    const day = new Date(at).toISOString().slice(0, 10);
    const answers = new Map<string, ParsedResponse>();
    const medico = { pincode: pin };
    const worker = { codiceFiscale: ROSSI };
    const put = (op: string, r: ParsedResponse) => (answers.set(op, r), r);
    const sent = put('InviaMalattia', await sendMalattia(at, day, { dataFine: '2026-12-31' }));
    const puc = sent.ok.idCertificato ?? '999999999999999999';
    const rectified = put('RettificaMalattia', await call(at, 'RettificaMalattia', 'rettificaMalattiaRequest', { medico, lavoratore: worker, idCertificato: puc, dataFine: '2026-12-30' }));
    const current = rectified.ok.idCertificato ?? puc;
    put('RistampaMalattia', await call(at, 'RistampaMalattia', 'ristampaMalattiaRequest', { medico, lavoratore: worker, idCertificato: current }));
    put('RicercaMalattia', await call(at, 'RicercaMalattia', 'ricercaMalattiaRequest', { medico, lavoratore: worker }));
    put('AnnullaMalattia', await call(at, 'AnnullaMalattia', 'annullamentoMalattiaRequest', { medico, lavoratore: worker, idCertificato: current }));
    const admitted = put('InviaRicovero', await call(at, 'InviaRicovero', 'invioRicoveroRequest',
      { operatore: STRUTTURA, lavoratore: worker, residenza: defaultResidenza(), ricovero: { dataRicovero: day } }, OPERATORE));
    const admission = admitted.ok.idInizioRicovero ?? '999999999999999999';
    const discharged = put('InviaDimissione', await call(at, 'InviaDimissione', 'invioDimissioneRequest', {
      medico: { ...medico, ...STRUTTURA },
      lavoratore: worker,
      idInizioRicovero: admission,
      residenza: defaultResidenza(),
      dimissione: {
        ruoloMedico: 'S', dataRicovero: day, dataDimissione: day, dataFine: '2026-12-31',
        tipoCertificato: 'I', tipoRicovero: 'R', diagnosi: { codiceDiagnosi: '486', noteDiagnosi: 'Polmonite' },
      },
    }));
    put('RettificaDimissione', await call(at, 'RettificaDimissione', 'rettificaDimissioneRequest',
      { medico, lavoratore: worker, idCertificato: discharged.ok.idCertificato ?? '999999999999999999', dataFine: '2026-12-30' }));
    // The admission has a discharge: refused (7010), a ricevutaNonOk that must carry the notice too.
    put('AnnullaRicovero', await call(at, 'AnnullaRicovero', 'annullamentoRicoveroRequest', { operatore: STRUTTURA, lavoratore: worker, idCertificato: admission }, OPERATORE));
    put('InterrogazioneLavoratore', await call(at, 'InterrogazioneLavoratore', 'interrogazioneLavoratoreRequest', { medico, lavoratore: worker }));
    assert.equal(answers.size, 10);
    return answers;
  }

  test('before the announcement no response carries ricevutaInfo', async () => {
    for (const [op, r] of await allTen(BEFORE)) assert.deepEqual(notices(r), [], op);
  });

  test('announced: every operation\'s response, ok and non-ok alike, carries the window in ricevutaInfo and stays schema-valid', async () => {
    const answers = await allTen(ANNOUNCED);
    for (const [op, r] of answers) {
      const info = notices(r);
      assert.equal(info.length, 1, `${op}: ${JSON.stringify(info)}`);
      assert.deepEqual(
        { ...info[0], info: '' },
        {
          codice: '8003',
          dataInserimento: '2026-11-28T18:00:00.000+01:00',
          info: '',
          dataInizioVal: '2026-12-05T18:00:00.000+01:00',
          dataFineVal: '2026-12-06T16:00:00.000+01:00',
        },
        op,
      );
      assert.match(info[0]!.info, /sabato 5 dicembre 2026 alle ore 18:00 a domenica 6 dicembre 2026 alle ore 16:00/);
      assert.match(info[0]!.info, /cartacea.*entro domenica 13 dicembre 2026/);
      // ricevutaInfo comes before the outcome (the XSD checked it; this names it).
      assert.match(r.xml, /<ricevutaInfo>.*<\/ricevutaInfo><(ricevutaOk\w+|ricevutaNonOk)>/, op);
    }
    // The chain ran for real: ok answers and the one expected refusal.
    assert.deepEqual(answers.get('AnnullaRicovero')!.errors.map((e) => e.tipoErrore), ['7010']);
    for (const op of ['InviaMalattia', 'RettificaMalattia', 'InviaRicovero', 'InviaDimissione', 'RettificaDimissione', 'InterrogazioneLavoratore']) {
      assert.deepEqual(answers.get(op)!.errors, [], op);
    }
  });

  test('during the window every operation answers 8002 with the window\'s end and the paper procedure, and nothing is stored', async () => {
    const certificates = await gw.gateway.store.countCertificates();
    const answers = await allTen(INSIDE);
    for (const [op, r] of answers) {
      assertErrors(r, [['8002', 'servizio']]);
      assert.match(r.errors[0]!.descrizione, /fino a domenica 6 dicembre 2026 alle ore 16:00 .*cartacea.*entro domenica 13 dicembre 2026/, op);
      assert.deepEqual(notices(r).map((n) => n.codice), ['8003'], op);
    }
    assert.equal(await gw.gateway.store.countCertificates(), certificates, 'nothing stored during the window');
    // Even a request the schema would refuse gets the stop, not schema errors.
    const broken = await call(INSIDE, 'InviaMalattia', 'invioMalattiaRequest', { medico: { pincode: pin } });
    assertErrors(broken, [['8002', 'servizio']]);
  });

  test('during the window the WSDL, the XSD and /healthz stay up', async () => {
    gw.clock.set(new Date(INSIDE).toISOString());
    for (const url of [`${gw.endpoint}?wsdl`, `${gw.endpoint}?xsd=${XSD_FILE_NAME}`, `${gw.url}/healthz`]) {
      const response = await fetch(url);
      assert.equal(response.status, 200, url);
      await response.arrayBuffer();
    }
  });

  test('after the window a paper certificate dated on its days is accepted and stored as such; the window\'s grace notice is shown', async () => {
    const saturday = await sendMalattia(AFTER, '2026-12-05');
    assert.deepEqual(saturday.errors, []);
    assert.equal(await paperWindowOf(gw, saturday.ok.idCertificato!), WINDOW);
    assert.equal((await gw.gateway.store.getCertificate(saturday.ok.idCertificato!))?.paperWindow, WINDOW, 'readable through the store port');
    // Yesterday without a home visit is normally refused (4007): a paper certificate is not.
    const sunday = await sendMalattia(AFTER, '2026-12-06');
    assert.deepEqual(sunday.errors, []);
    assert.equal(await paperWindowOf(gw, sunday.ok.idCertificato!), WINDOW);
    const info = notices(sunday);
    assert.deepEqual(info.map((n) => [n.codice, n.dataInizioVal, n.dataFineVal]), [['8004', '2026-12-06T16:00:00.000+01:00', '2026-12-14T00:00:00.000+01:00']]);
    assert.match(info[0]!.info, /entro domenica 13 dicembre 2026/);

    // A certificate of today is an ordinary one.
    const today = await sendMalattia(AFTER, '2026-12-07');
    assert.deepEqual(today.errors, []);
    assert.equal(await paperWindowOf(gw, today.ok.idCertificato!), null);

    // Ristampa shows nothing different on the wire: the same elements as for an ordinary certificate.
    const reprint = (id: string) => call(AFTER, 'RistampaMalattia', 'ristampaMalattiaRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: ROSSI }, idCertificato: id });
    const paperCopy = await reprint(saturday.ok.idCertificato!);
    const ordinaryCopy = await reprint(today.ok.idCertificato!);
    assert.deepEqual(Object.keys(paperCopy.ok).sort(), Object.keys(ordinaryCopy.ok).sort());
  });

  test('only the age rule is relaxed: every other rule still applies, and a day outside the window is still too old', async () => {
    const certificates = await gw.gateway.store.countCertificates();
    assertErrors(await sendMalattia(AFTER, '2026-12-05', { dataInizio: '2026-12-06', dataFine: '2026-12-10' }), [['4004', 'malattia/dataInizio']]);
    assertErrors(await sendMalattia(AFTER, '2026-12-05', { dataFine: '2026-12-04', dataInizio: '2026-12-04' }), [['4003', 'malattia/dataFine']]);
    assertErrors(await sendMalattia(AFTER, '2026-12-04'), [['4006', 'malattia/dataRilascio']]);
    assert.equal(await gw.gateway.store.countCertificates(), certificates);
  });

  test('accepted through the last day of the grace period, refused with 8005 from the next', async () => {
    const last = await sendMalattia(GRACE_LAST, '2026-12-05', { dataFine: '2026-12-20' });
    assert.deepEqual(last.errors, []);
    assert.equal(await paperWindowOf(gw, last.ok.idCertificato!), WINDOW);

    const certificates = await gw.gateway.store.countCertificates();
    // Another certificate (an identical resend would be answered the first receipt: src/sac/idempotency.ts).
    const late = await sendMalattia(GRACE_OVER, '2026-12-05', { dataFine: '2026-12-21' });
    assertErrors(late, [['8005', 'malattia/dataRilascio']]);
    assert.match(late.errors[0]!.descrizione, /2026-12-05.*entro domenica 13 dicembre 2026/);
    assert.deepEqual(notices(late), [], 'the grace notice is gone too');
    assert.equal(await gw.gateway.store.countCertificates(), certificates);
  });

  test('a second window is announced and applied on its own', async () => {
    const announced = await sendMalattia('2027-01-05T10:00:00+01:00', '2027-01-05');
    assert.deepEqual(announced.errors, []);
    assert.deepEqual(notices(announced).map((n) => [n.codice, n.dataInizioVal]), [['8003', '2027-01-09T20:00:00.000+01:00']]);
    const inside = await sendMalattia('2027-01-10T07:59:59+01:00', '2027-01-10');
    assertErrors(inside, [['8002', 'servizio']]);
    const atEnd = await sendMalattia('2027-01-10T08:00:00+01:00', '2027-01-10');
    assert.deepEqual(atEnd.errors, [], 'the window ends at its end instant');
    assert.equal(await paperWindowOf(gw, atEnd.ok.idCertificato!), null, 'sent on its own day: not a late entry');
  });
});

describe('maintenance settings', () => {
  test('a bad SAC_MAINTENANCE_WINDOWS, SAC_ANNOUNCE_DAYS or SAC_PAPER_GRACE_DAYS stops the start with a ConfigError naming it', () => {
    const bad: Record<string, string>[] = [
      { SAC_MAINTENANCE_WINDOWS: '2026-12-05T18:00:00/2026-12-06T16:00:00+01:00' }, // no offset
      { SAC_MAINTENANCE_WINDOWS: '2026-12-05T18:00+01:00/2026-12-06T16:00:00+01:00' }, // no seconds
      { SAC_MAINTENANCE_WINDOWS: '2026-12-06T16:00:00+01:00/2026-12-05T18:00:00+01:00' }, // end before start
      { SAC_MAINTENANCE_WINDOWS: '2026-12-05T18:00:00+01:00/2026-12-05T18:00:00+01:00' }, // empty
      { SAC_MAINTENANCE_WINDOWS: '2026-02-30T10:00:00Z/2026-03-01T10:00:00Z' }, // no such day
      { SAC_MAINTENANCE_WINDOWS: '2026-12-05T18:00:00+01:00/PT22H' }, // durations are not taken
      { SAC_MAINTENANCE_WINDOWS: '2026-12-05T18:00:00+01:00/2027-12-06T16:00:00+01:00' }, // a year: a typo
      { SAC_MAINTENANCE_WINDOWS: `${WINDOW},2026-12-06T12:00:00+01:00/2026-12-06T20:00:00+01:00` }, // overlap
      { SAC_ANNOUNCE_DAYS: 'sette' },
      { SAC_PAPER_GRACE_DAYS: '-1' },
    ];
    for (const env of bad) {
      const name = Object.keys(env)[0]!;
      assert.throws(() => loadConfig(env), (err: unknown) => err instanceof ConfigError && err.message.includes(name), JSON.stringify(env));
    }
  });

  test('windows are sorted, Z is an explicit offset, defaults are 7 and 7', () => {
    const config = loadConfig({ SAC_MAINTENANCE_WINDOWS: ` ${OTHER_WINDOW} , 2026-12-05T17:00:00Z/2026-12-06T15:00:00.000Z` });
    assert.deepEqual(config.maintenance.windows.map((w) => w.interval), ['2026-12-05T17:00:00Z/2026-12-06T15:00:00.000Z', OTHER_WINDOW]);
    assert.equal(config.maintenance.announceDays, 7);
    assert.equal(config.maintenance.paperGraceDays, 7);
    assert.deepEqual(loadConfig({}).maintenance.windows, []);
  });

  test('the catalog texts of 8002 and 8005 are filled in full', async () => {
    // A window that is already over, with no grace: the refusal is 8005 at once.
    // The same request is sent again and again: resubmission detection off, so each is judged on its own.
    const gw = await startGateway({ SAC_MAINTENANCE_WINDOWS: WINDOW, SAC_PAPER_GRACE_DAYS: '0', SAC_ANNOUNCE_DAYS: '0', ...NO_RESUBMISSION_DETECTION });
    try {
      const pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
      const send = (at: string, rilascio: string) => {
        gw.clock.set(new Date(at).toISOString());
        return post(gw.endpoint, envelope('invioMalattiaRequest', invioMalattia(rilascio, { medico: { pincode: pin } })), { soapAction: 'http://ws.cert.sanita.finanze.it/InviaMalattia' }).then(parseResponse);
      };
      // Announced 0 days before: nothing the minute before the start.
      assert.deepEqual(notices(await send('2026-12-05T17:59:59+01:00', '2026-12-05')), []);
      const inside = await send('2026-12-05T18:00:00+01:00', '2026-12-05');
      assertErrors(inside, [['8002', 'servizio']]);
      assert.match(inside.errors[0]!.descrizione, /entro domenica 6 dicembre 2026/);
      // Grace 0: Sunday's certificates may be entered through Sunday, not on Monday.
      const sundayEvening = await send('2026-12-06T20:00:00+01:00', '2026-12-05');
      assert.deepEqual(sundayEvening.errors, []);
      const monday = await send('2026-12-07T09:00:00+01:00', '2026-12-05');
      assertErrors(monday, [['8005', 'malattia/dataRilascio']]);
      for (const e of [...inside.errors, ...monday.errors]) assertCatalogText(e);
    } finally {
      await gw.stop();
    }
  });
});
