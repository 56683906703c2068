/**
 * Real documents for the printed copies (Allegati A–E): sent through a real
 * gateway (InviaMalattia, RettificaMalattia, AnnullaMalattia, InviaRicovero,
 * InviaDimissione) for a worker with an accented name, and read back from
 * its store. Used by test/print.allegati.test.ts and by
 * scripts/render-allegati.ts (the pictures in docs/images).
 */
import assert from 'node:assert/strict';
import { encryptField } from '../../src/auth/pincodeCipher.js';
import { checkCharacter } from '../../src/domain/codiceFiscale.js';
import type { CertificateRecord, Person, RicoveroRecord } from '../../src/store/port.js';
import type { Running } from './gateway.js';
import { envelope, invioDimissione, invioMalattia, type Fields } from './requests.js';
import { DEMO, basic, field, parseResponse, post } from './soapClient.js';

/** 10:00 in Rome on Wednesday 25 November 2026. */
export const SAMPLE_NOW = '2026-11-25T09:00:00.000Z';
export const SAMPLE_TODAY = '2026-11-25';

const cf = (first15: string): string => first15 + checkCharacter(first15);

/** A worker and the demo doctor in the registry, with accented names. */
export const ACCENTED_WORKER: Person = {
  codiceFiscale: cf('DLANCL80A01H501'),
  // The contract's form of a registry name (the registry import writes accented letters as letter + apostrophe).
  cognome: "D'Alo'",
  nome: "Niccolo'",
  sesso: 'M',
  dataNascita: '1980-01-01',
  comuneNascita: 'Roma',
  provinciaNascita: 'RM',
};
export const ACCENTED_DOCTOR: Person = {
  codiceFiscale: DEMO.medico.user,
  cognome: "De' Medici",
  nome: "Tommaso Nicolo'",
  sesso: 'M',
  dataNascita: '1970-01-01',
  comuneNascita: 'Roma',
  provinciaNascita: 'RM',
};

/** The diagnoses sent: each must print on A or C and nowhere else. */
export const DIAGNOSI_MALATTIA = { codiceDiagnosi: '487.1', noteDiagnosi: 'Sindrome influenzale con febbre più alta la sera, perché persistente' };
export const DIAGNOSI_DIMISSIONE = { codiceDiagnosi: '481', noteDiagnosi: 'Polmonite lobare, già in risoluzione: è necessaria convalescenza' };

const STRUTTURA = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' } as const;
const RESIDENZA: Fields = { via: 'Via Giosuè Carducci', civico: '7', cap: '47121', codiceCatastale: 'D704', comune: 'Forlì', provincia: 'FC' };
const REPERIBILITA: Fields = { cognome: "D'Angelo", indirizzo: { via: 'Piazza della Libertà', civico: '3', cap: '00184', codiceCatastale: 'H501', comune: 'Roma', provincia: 'RM' } };

export interface Samples {
  /** The sickness certificate, rectified: its rectification is `rettifica`. */
  readonly malattia: CertificateRecord;
  /** A rectification of `malattia`, shortening it. */
  readonly rettifica: CertificateRecord;
  /** A second sickness certificate, cancelled. */
  readonly annullato: CertificateRecord;
  readonly ricovero: RicoveroRecord;
  readonly dimissione: CertificateRecord;
}

async function send(gw: Running, op: string, root: string, fields: Fields, auth: string): Promise<Record<string, string>> {
  const r = parseResponse(await post(gw.endpoint, envelope(root, fields), { auth, soapAction: `http://ws.cert.sanita.finanze.it/${op}` }));
  assert.deepEqual(r.errors, [], `${op} refused: ${JSON.stringify(r.errors)}`);
  return r.ok;
}

/** Send every sample document through the gateway (clock pinned to SAMPLE_NOW) and read them back from its store. */
export async function sendSamples(gw: Running): Promise<Samples> {
  gw.clock.set(SAMPLE_NOW);
  await gw.gateway.store.putPersons([ACCENTED_WORKER, ACCENTED_DOCTOR]);
  const pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  const medico = basic(DEMO.medico.user, DEMO.medico.password);
  const operatore = basic(DEMO.operatore.user, DEMO.operatore.password);
  const worker = ACCENTED_WORKER.codiceFiscale;

  const malattiaFields = (dataFine: string, diagnosi = DIAGNOSI_MALATTIA): Fields =>
    invioMalattia(SAMPLE_TODAY, {
      medico: { pincode: pin },
      lavoratore: worker,
      residenza: RESIDENZA,
      reperibilita: REPERIBILITA,
      diagnosi,
      malattia: { dataFine, visita: 'D', trauma: 'false' },
    });
  const first = (await send(gw, 'InviaMalattia', 'invioMalattiaRequest', malattiaFields('2026-12-04'), medico)).idCertificato!;
  // The receipt echoes the registry's name, in the contract's form: valid against the XSD (parseResponse checks it).
  const rettifica = (
    await send(gw, 'RettificaMalattia', 'rettificaMalattiaRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: worker }, idCertificato: first, dataFine: '2026-11-29' }, medico)
  ).idCertificato;
  const second = (await send(gw, 'InviaMalattia', 'invioMalattiaRequest', malattiaFields('2026-11-27'), medico)).idCertificato!;
  await send(gw, 'AnnullaMalattia', 'annullamentoMalattiaRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: worker }, idCertificato: second }, medico);

  const pucir = (
    await send(
      gw,
      'InviaRicovero',
      'invioRicoveroRequest',
      { operatore: { ...STRUTTURA }, lavoratore: { codiceFiscale: worker }, residenza: RESIDENZA, ricovero: { dataRicovero: '2026-11-20', giornataLavorata: 'true', trauma: 'false' } },
      operatore,
    )
  ).idInizioRicovero!;
  const dischargeFields = invioDimissione(SAMPLE_TODAY, {
    medico: { pincode: pin, ...STRUTTURA },
    lavoratore: worker,
    idInizioRicovero: pucir,
    dataRicovero: '2026-11-20',
    dataFine: '2026-12-05',
    residenza: RESIDENZA,
    reperibilita: REPERIBILITA,
    dimissione: { diagnosi: DIAGNOSI_DIMISSIONE, giornataLavorata: 'true', agevolazioni: 'T' },
  });
  const discharged = (await send(gw, 'InviaDimissione', 'invioDimissioneRequest', dischargeFields, medico)).idCertificato!;

  const store = gw.gateway.store;
  const get = async (id: string): Promise<CertificateRecord> => {
    const record = await store.getCertificate(id);
    assert.ok(record, `certificate ${id} not in the store`);
    return record;
  };
  assert.ok(rettifica && rettifica !== first, 'no new PUC in the RettificaMalattia receipt');
  const ricovero = await store.getRicovero(pucir);
  assert.ok(ricovero, `admission ${pucir} not in the store`);
  return { malattia: await get(first), rettifica: await get(rettifica), annullato: await get(second), ricovero, dimissione: await get(discharged) };
}
