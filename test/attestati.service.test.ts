/**
 * AttestatiMalattia (issue 12, points 1 and 3) on a real gateway with a real
 * SQLite store: documents sent through CertificatiMedici (a sickness
 * certificate later rectified, one cancelled, an admission and its discharge,
 * for a worker with an accented name employed by the demo employer), then
 * read through the second service. Every answer, ok or not, is validated
 * against xsd/attestati.xsd (support/attestati.ts parseAnswer).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { hashSecret } from '../src/auth/passwords.js';
import { ATTESTATI_OPERATIONS, ATTESTATI_PATH, ATTESTATI_XSD_PATH } from '../src/attestati/contract.js';
import { ATTESTATI_ALLOWED_KINDS } from '../src/attestati/service.js';
import type { Allegato } from '../src/print/model.js';
import { NO_RESUBMISSION_DETECTION, type Running } from './support/gateway.js';
import { pinnedGateway } from './support/demo.js';
import { ACCENTED_WORKER, DIAGNOSI_DIMISSIONE, DIAGNOSI_MALATTIA, SAMPLE_NOW, SAMPLE_TODAY, sendSamples, type Samples } from './support/printSamples.js';
import { attestatiEnvelope, call, DATORE, errorCode, LAVORATORE, parseAnswer, type Answer } from './support/attestati.js';
import { DEMO, basic, parseFault, post } from './support/soapClient.js';
import type { AttestatiOperationName } from '../src/attestati/contract.js';
import type { Fields } from './support/requests.js';

const WORKER = { user: ACCENTED_WORKER.codiceFiscale, password: 'Lavoratore.Accentato.2026' };
const MEDICO = { user: DEMO.medico.user, password: DEMO.medico.password };
const MEDICO2 = { user: DEMO.medico2.user, password: DEMO.medico2.password };
const OPERATORE = { user: DEMO.operatore.user, password: DEMO.operatore.password };
const REGIONE = { user: DEMO.regione.user, password: DEMO.regione.password };
const EVERYONE = { medico: MEDICO, regione: REGIONE, operatore: OPERATORE, datore: DATORE, lavoratore: LAVORATORE } as const;
/** A protocol number nobody was given. */
const MISSING = '9999999999';

let gw: Running;
let s: Samples;

async function ask(name: AttestatiOperationName, fields: Fields, who: { user: string; password: string }): Promise<Answer> {
  return parseAnswer(await call(gw.url, name, fields, who), name);
}

before(async () => {
  ({ gw } = await pinnedGateway(SAMPLE_NOW, NO_RESUBMISSION_DETECTION));
  s = await sendSamples(gw);
  const store = gw.gateway.store;
  // The accented worker works for the demo employer, and may log in as a lavoratore.
  await store.putEmployments([
    { workerCf: WORKER.user, employerCf: DATORE.user, ragioneSociale: 'Demo Datore S.r.l.', matricolaInps: '1234567890', codSede: '7001', from: '2020-01-01', to: null },
  ]);
  await store.putUser({ username: WORKER.user, kind: 'lavoratore', passwordHash: hashSecret(WORKER.password), pincodeHash: null, codiceRegione: null, codiceAsl: null, codiceStruttura: null });
});

after(async () => {
  await gw?.stop();
});

describe('AttestatiMalattia: the contract served', () => {
  test('?wsdl names this gateway, ?xsd= serves attestati.xsd, the landing page links both', async () => {
    const wsdl = await (await fetch(`${gw.url}${ATTESTATI_PATH}?wsdl`)).text();
    assert.match(wsdl, new RegExp(`<soap:address location="${gw.url}${ATTESTATI_PATH}"/>`));
    assert.match(wsdl, new RegExp(`schemaLocation="${gw.url}${ATTESTATI_PATH}\\?xsd=attestati\\.xsd"`));
    for (const op of ATTESTATI_OPERATIONS) {
      assert.match(wsdl, new RegExp(`<wsdl:operation name="${op.name}">`));
      assert.ok(wsdl.includes(`soapAction="${op.soapAction}"`), op.soapAction);
      assert.ok(wsdl.includes(`element="att:${op.requestElement}"`) && wsdl.includes(`element="att:${op.responseElement}"`));
    }
    const xsd = await fetch(`${gw.url}${ATTESTATI_PATH}?xsd=attestati.xsd`);
    assert.equal(xsd.status, 200);
    assert.equal(await xsd.text(), readFileSync(ATTESTATI_XSD_PATH, 'utf8'));
    assert.equal((await fetch(`${gw.url}${ATTESTATI_PATH}?xsd=definitorio.xsd`)).status, 404);
    const landing = await (await fetch(`${gw.url}/`)).text();
    assert.ok(landing.includes(`href="${ATTESTATI_PATH}?wsdl"`));
    assert.ok(landing.includes(`href="${ATTESTATI_PATH}?xsd=attestati.xsd"`));
    assert.ok(landing.includes('href="/CertServiceWeb/CertificatiMedici?wsdl"'));
  });
});

describe('ConsultaAttestato: codice fiscale and protocol number, for every kind of user', () => {
  test('the attestato of a rectified certificate, of its rectification, of a cancelled one: no diagnosis', async () => {
    const rettificato = await ask('ConsultaAttestato', { codiceFiscaleLavoratore: WORKER.user, idCertificato: s.malattia.idCertificato }, MEDICO2);
    assert.equal(rettificato.fields['attestato/stato'], 'rettificato');
    // The certificate that replaced it, and the absence's current end.
    assert.equal(rettificato.fields['attestato/idCertificatoRettifica'], s.rettifica.idCertificato);
    assert.equal(rettificato.fields['attestato/dataFineRettifica'], '2026-11-29');
    assert.equal(rettificato.fields['attestato/tipo'], 'malattia');
    assert.equal(rettificato.fields['lavoratore/cognome'], "D'Alo'");
    assert.deepEqual(rettificato.all('allegatoDisponibile'), ['B']);
    const rettifica = await ask('ConsultaAttestato', { codiceFiscaleLavoratore: WORKER.user, idCertificato: s.rettifica.idCertificato }, DATORE);
    assert.equal(rettifica.fields['attestato/stato'], 'attivo');
    assert.equal(rettifica.fields['attestato/idCertificatoRettificato'], s.malattia.idCertificato);
    assert.equal(rettifica.fields['attestato/dataFine'], '2026-11-29');
    const annullato = await ask('ConsultaAttestato', { codiceFiscaleLavoratore: WORKER.user, idCertificato: s.annullato.idCertificato }, LAVORATORE);
    assert.equal(annullato.fields['attestato/stato'], 'annullato');
    assert.match(annullato.fields['attestato/idAnnullamento']!, /^\d{9,18}$/);
    assert.match(annullato.fields['attestato/dataAnnullamento']!, /^2026-11-25T/);
    for (const answer of [rettificato, rettifica, annullato]) {
      assert.ok(!/diagnosi|codiceFiscaleMedico|<certificato>/i.test(answer.xml), answer.xml);
      assert.ok(!answer.xml.includes(DIAGNOSI_MALATTIA.codiceDiagnosi) && !answer.xml.includes('influenzale'));
    }
  });

  test('an admission by its PUCIR, a discharge with its dimissioni notice, for each kind of user', async () => {
    for (const [kind, who] of Object.entries(EVERYONE)) {
      const ricovero = await ask('ConsultaAttestato', { codiceFiscaleLavoratore: WORKER.user, idCertificato: s.ricovero.idInizioRicovero }, who);
      assert.equal(ricovero.fields['ricovero/idInizioRicovero'], s.ricovero.idInizioRicovero, kind);
      assert.equal(ricovero.fields['ricovero/dataRicovero'], '2026-11-20');
      assert.deepEqual(ricovero.all('allegatoDisponibile'), ['E']);
    }
    const dimissione = await ask('ConsultaAttestato', { codiceFiscaleLavoratore: WORKER.user, idCertificato: s.dimissione.idCertificato }, OPERATORE);
    assert.equal(dimissione.fields['attestato/tipo'], 'dimissione');
    assert.equal(dimissione.fields['dimissioni/idDimissioni'], s.dimissione.idCertificato);
    assert.equal(dimissione.fields['dimissioni/idInizioRicovero'], s.ricovero.idInizioRicovero);
    assert.equal(dimissione.fields['dimissioni/dataDimissioni'], SAMPLE_TODAY);
    assert.deepEqual(dimissione.all('allegatoDisponibile'), ['D']);
    assert.ok(!dimissione.xml.includes('Polmonite') && !dimissione.xml.includes('<diagnosi>'));
  });

  test('a wrong codice fiscale and a missing number: 7020, the same bytes', async () => {
    const wrong = await call(gw.url, 'ConsultaAttestato', { codiceFiscaleLavoratore: LAVORATORE.user, idCertificato: s.malattia.idCertificato }, MEDICO);
    const missing = await call(gw.url, 'ConsultaAttestato', { codiceFiscaleLavoratore: LAVORATORE.user, idCertificato: MISSING }, MEDICO);
    assert.equal(errorCode(parseAnswer(wrong, 'ConsultaAttestato')), '7020');
    assert.equal(parseAnswer(wrong, 'ConsultaAttestato').errors[0]!.sezioneErrata, 'idCertificato');
    assert.equal(wrong.text, missing.text.replace(MISSING, s.malattia.idCertificato));
    assert.ok(!missing.text.includes(MISSING), 'the number is not echoed');
    assert.equal(wrong.text, missing.text);
  });

  test('requests are checked against attestati.xsd: a bad CF, a bad number, a qualified child', async () => {
    const badCf = await ask('ConsultaAttestato', { codiceFiscaleLavoratore: 'rssmra80a01h501u', idCertificato: s.malattia.idCertificato }, MEDICO);
    assert.equal(errorCode(badCf), '1003');
    assert.equal(badCf.errors[0]!.sezioneErrata, 'codiceFiscaleLavoratore');
    const badId = await ask('ConsultaAttestato', { codiceFiscaleLavoratore: WORKER.user, idCertificato: '12AB' }, MEDICO);
    assert.equal(errorCode(badId), '1003');
    const qualified = attestatiEnvelope('ConsultaAttestato', { codiceFiscaleLavoratore: WORKER.user, idCertificato: MISSING }).replace('<idCertificato>', '<att:idCertificato>').replace('</idCertificato>', '</att:idCertificato>');
    const answer = parseAnswer(await post(`${gw.url}${ATTESTATI_PATH}`, qualified, { auth: basic(MEDICO.user, MEDICO.password) }), 'ConsultaAttestato');
    assert.equal(errorCode(answer), '1008');
    assert.match(answer.errors[0]!.descrizione, /appartiene a http:\/\/attestati\.inps\.sac-gateway\.org\/\.$/);
  });
});

describe('ConsultaDocumento: one document as the logged-in user may see it', () => {
  test('the employer gets the attestato, the worker and the issuing doctor the certificate with the diagnosis', async () => {
    const byDatore = await ask('ConsultaDocumento', { idCertificato: s.rettifica.idCertificato }, DATORE);
    assert.equal(byDatore.fields['attestato/idCertificato'], s.rettifica.idCertificato);
    assert.deepEqual(byDatore.all('allegatoDisponibile'), ['B']);
    assert.ok(!byDatore.xml.includes('<diagnosi>') && !byDatore.xml.includes('influenzale'));
    for (const who of [WORKER, MEDICO]) {
      const full = await ask('ConsultaDocumento', { idCertificato: s.rettifica.idCertificato }, who);
      assert.equal(full.fields['certificato/diagnosi/codiceDiagnosi'], DIAGNOSI_MALATTIA.codiceDiagnosi, who.user);
      assert.equal(full.fields['certificato/diagnosi/noteDiagnosi'], DIAGNOSI_MALATTIA.noteDiagnosi);
      assert.equal(full.fields['certificato/codiceFiscaleMedico'], DEMO.medico.user);
      assert.deepEqual(full.all('allegatoDisponibile'), ['A', 'B']);
    }
    const discharge = await ask('ConsultaDocumento', { idCertificato: s.dimissione.idCertificato }, WORKER);
    assert.equal(discharge.fields['certificato/diagnosi/noteDiagnosi'], DIAGNOSI_DIMISSIONE.noteDiagnosi);
    assert.equal(discharge.fields['dimissioni/tipoRicovero'], 'R');
    assert.deepEqual(discharge.all('allegatoDisponibile'), ['C', 'D']);
  });

  test("the admission for its structure's operator and the employer; nothing for another doctor or worker", async () => {
    const byOperatore = await ask('ConsultaDocumento', { idCertificato: s.ricovero.idInizioRicovero }, OPERATORE);
    assert.equal(byOperatore.fields['ricovero/stato'], 'attivo');
    const byDatore = await ask('ConsultaDocumento', { idCertificato: s.ricovero.idInizioRicovero }, DATORE);
    assert.equal(byDatore.fields['ricovero/idInizioRicovero'], s.ricovero.idInizioRicovero);
    for (const who of [MEDICO2, LAVORATORE, REGIONE]) {
      assert.equal(errorCode(await ask('ConsultaDocumento', { idCertificato: s.malattia.idCertificato }, who)), '7020', who.user);
    }
  });
});

describe('ElencoDocumentiDatore (employers only)', () => {
  test("the employer's records of the period in date order, each with its worker", async () => {
    const list = await ask('ElencoDocumentiDatore', { dal: SAMPLE_TODAY, al: SAMPLE_TODAY }, DATORE);
    assert.equal(list.fields['datore/codFiscAzienda'], DATORE.user);
    assert.equal(list.fields['datore/matricolaInps'], '1234567890');
    assert.equal(list.fields['datore/codSede'], '7001');
    const ids = list.all('idCertificato');
    for (const id of [s.malattia.idCertificato, s.rettifica.idCertificato, s.annullato.idCertificato]) assert.ok(ids.includes(id), id);
    assert.ok(list.all('idInizioRicovero').includes(s.ricovero.idInizioRicovero));
    assert.ok(list.all('idDimissioni').includes(s.dimissione.idCertificato));
    // sendSamples: the malattia, its rectification, the cancelled one (and its cancellation), the admission, the discharge (and its notice).
    assert.equal(list.fields.numeroDocumenti, '7');
    assert.equal(list.all('codiceFiscale').filter((cf) => cf === WORKER.user).length, 7);
    assert.ok(!list.xml.includes('<diagnosi>') && !list.xml.includes('influenzale') && !list.xml.includes('Polmonite'));
    const received = list.all('dataRicezione').concat(list.all('dataAnnullamento'));
    assert.ok(received.length >= 7);
    // The cancellation comes after the attestato it cancels.
    const xml = list.xml;
    assert.ok(xml.indexOf(`<annullamento><idCertificato>${s.annullato.idCertificato}`) > xml.indexOf(`<idCertificato>${s.annullato.idCertificato}</idCertificato><stato>`));
  });

  test('an empty period, a reversed one (4013), one too long (4014)', async () => {
    const empty = await ask('ElencoDocumentiDatore', { dal: '2026-01-01', al: '2026-01-31' }, DATORE);
    assert.equal(empty.fields.numeroDocumenti, '0');
    const reversed = await ask('ElencoDocumentiDatore', { dal: '2026-11-25', al: '2026-11-24' }, DATORE);
    assert.equal(errorCode(reversed), '4013');
    const long = await ask('ElencoDocumentiDatore', { dal: '2025-01-01', al: '2026-11-25' }, DATORE);
    assert.equal(errorCode(long), '4014');
    const badDate = await ask('ElencoDocumentiDatore', { dal: '2026-11-25+01:00', al: '2026-11-25' }, DATORE);
    assert.equal(errorCode(badDate), '1003');
  });

  test('every other kind is refused 2009 before the schema runs', async () => {
    for (const who of [MEDICO, REGIONE, OPERATORE, LAVORATORE]) {
      // Not even valid: the kind's refusal alone.
      const refused = await ask('ElencoDocumentiDatore', { dal: 'ieri' }, who);
      assert.equal(errorCode(refused), '2009', who.user);
      assert.equal(refused.errors[0]!.sezioneErrata, 'elencoDocumentiDatoreRequest');
      assert.match(refused.errors[0]!.descrizione, /non è abilitato al servizio ElencoDocumentiDatore/);
    }
  });
});

describe('ElencoDocumentiLavoratore (workers only)', () => {
  test("the worker's own certificates with the diagnosis, and admissions; a period narrows them", async () => {
    const all = await ask('ElencoDocumentiLavoratore', {}, WORKER);
    assert.equal(all.fields['lavoratore/codiceFiscale'], WORKER.user);
    assert.equal(all.fields.numeroCertificati, '4');
    assert.equal(all.fields.numeroRicoveri, '1');
    assert.ok(all.all('noteDiagnosi').includes(DIAGNOSI_MALATTIA.noteDiagnosi));
    assert.ok(all.all('noteDiagnosi').includes(DIAGNOSI_DIMISSIONE.noteDiagnosi));
    assert.ok(all.all('stato').includes('annullato') && all.all('stato').includes('rettificato'));
    const late = await ask('ElencoDocumentiLavoratore', { dal: '2026-12-05' }, WORKER);
    assert.equal(late.fields.numeroCertificati, '1');
    assert.equal(late.fields['certificato/idCertificato'], s.dimissione.idCertificato);
    assert.equal(late.fields.numeroRicoveri, '0');
    const early = await ask('ElencoDocumentiLavoratore', { dal: '2026-11-20', al: '2026-11-20' }, WORKER);
    assert.equal(early.fields.numeroRicoveri, '1');
    assert.equal(early.fields.numeroCertificati, '1');
    assert.equal(errorCode(await ask('ElencoDocumentiLavoratore', { dal: '2026-11-25', al: '2026-11-01' }, WORKER)), '4013');
    // The demo worker has none of these.
    const other = await ask('ElencoDocumentiLavoratore', {}, LAVORATORE);
    assert.ok(!other.xml.includes(WORKER.user) && !other.xml.includes('influenzale'));
  });

  test('every other kind is refused 2009', async () => {
    for (const who of [MEDICO, REGIONE, OPERATORE, DATORE]) {
      assert.equal(errorCode(await ask('ElencoDocumentiLavoratore', {}, who)), '2009', who.user);
    }
  });
});

describe('StampaDocumento: the printed copies as Base64 PDF', () => {
  async function pdfOf(fields: Fields, who: { user: string; password: string }): Promise<{ answer: Answer; pdf: Buffer }> {
    const answer = await ask('StampaDocumento', fields, who);
    assert.equal(answer.ok, true, JSON.stringify(answer.errors));
    const pdf = Buffer.from(answer.fields.pdf!, 'base64');
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.equal(answer.fields.contentType, 'application/pdf');
    return { answer, pdf };
  }

  test('the first form the reader may get, or the one asked; 7021 for one that is not theirs', async () => {
    const cases: [Fields, { user: string; password: string }, Allegato][] = [
      [{ idCertificato: s.rettifica.idCertificato }, WORKER, 'A'],
      [{ idCertificato: s.rettifica.idCertificato, allegato: 'B' }, WORKER, 'B'],
      [{ idCertificato: s.rettifica.idCertificato }, DATORE, 'B'],
      [{ idCertificato: s.dimissione.idCertificato }, MEDICO, 'C'],
      [{ idCertificato: s.dimissione.idCertificato }, DATORE, 'D'],
      [{ idCertificato: s.ricovero.idInizioRicovero }, OPERATORE, 'E'],
      // With a codice fiscale: the CF+PUC rule, whoever asks.
      [{ idCertificato: s.rettifica.idCertificato, codiceFiscaleLavoratore: WORKER.user }, MEDICO2, 'B'],
      [{ idCertificato: s.ricovero.idInizioRicovero, codiceFiscaleLavoratore: WORKER.user }, LAVORATORE, 'E'],
    ];
    for (const [fields, who, form] of cases) {
      const { answer } = await pdfOf(fields, who);
      assert.equal(answer.fields.allegato, form, `${who.user} ${JSON.stringify(fields)}`);
      assert.equal(answer.fields.nomeFile, `allegato-${form}-${fields.idCertificato as string}.pdf`);
    }
    const notTheirs = await ask('StampaDocumento', { idCertificato: s.rettifica.idCertificato, allegato: 'A' }, DATORE);
    assert.equal(errorCode(notTheirs), '7021');
    assert.match(notTheirs.errors[0]!.descrizione, /sono disponibili B\.$/);
    const cfAsksA = await ask('StampaDocumento', { idCertificato: s.rettifica.idCertificato, allegato: 'A', codiceFiscaleLavoratore: WORKER.user }, MEDICO);
    assert.equal(errorCode(cfAsksA), '7021');
    assert.equal(errorCode(await ask('StampaDocumento', { idCertificato: s.rettifica.idCertificato, codiceFiscaleLavoratore: LAVORATORE.user }, MEDICO)), '7020');
    assert.equal(errorCode(await ask('StampaDocumento', { idCertificato: s.rettifica.idCertificato }, MEDICO2)), '7020');
    assert.equal(errorCode(await ask('StampaDocumento', { idCertificato: s.rettifica.idCertificato, allegato: 'F' }, WORKER)), '1003');
  });
});

describe('the same host as CertificatiMedici', () => {
  test('the allowed kinds are the descriptor’s: every operation named, the lists as documented', () => {
    assert.deepEqual(Object.keys(ATTESTATI_ALLOWED_KINDS).sort(), ATTESTATI_OPERATIONS.map((o) => o.name).sort());
    assert.deepEqual(ATTESTATI_ALLOWED_KINDS.ElencoDocumentiDatore, ['datore']);
    assert.deepEqual(ATTESTATI_ALLOWED_KINDS.ElencoDocumentiLavoratore, ['lavoratore']);
  });

  test("an unknown operation names the service that does not know it; CertificatiMedici's bytes are unchanged", async () => {
    const cert = `${gw.url}/CertServiceWeb/CertificatiMedici`;
    const foreign = '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><x:y xmlns:x="urn:x"/></soapenv:Body></soapenv:Envelope>';
    const atCert = await post(cert, foreign);
    assert.equal(
      atCert.text,
      '<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><soap:Fault><faultcode>soap:Client</faultcode>' +
        "<faultstring>Operazione sconosciuta: l'elemento {urn:x}y non corrisponde a nessuna operazione di CertificatiMedici.</faultstring></soap:Fault></soap:Body></soap:Envelope>",
    );
    const atAttestati = parseFault(await post(`${gw.url}${ATTESTATI_PATH}`, foreign));
    assert.equal(atAttestati.faultstring, "Operazione sconosciuta: l'elemento {urn:x}y non corrisponde a nessuna operazione di AttestatiMalattia.");
  });
});
