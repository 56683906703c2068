/**
 * Admissions and discharges end to end (issue 3, disciplinare 3.7 and 3.8):
 * InviaRicovero, AnnullaRicovero, InviaDimissione, RettificaDimissione, and
 * AnnullaMalattia on a discharge certificate. A real gateway on a loopback
 * port with its own SQLite file; every response is checked against the
 * project's XSD by parseResponse. The clock is pinned per test so "today" is
 * a known day in Europe/Rome, including at midnight and across the DST change.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { hashSecret } from '../src/auth/passwords.js';
import { OPERATIONS, soapActionOf, type OperationName } from '../src/contract/operations.js';
import { checkCharacter } from '../src/domain/codiceFiscale.js';
import { assertErrors } from './support/assertions.js';
import { NO_RESUBMISSION_DETECTION, startGateway, type Running } from './support/gateway.js';
import { defaultResidenza, envelope, invioDimissione as dischargeFields, type Fields } from './support/requests.js';
import { DEMO, basic, parseResponse, post, type ParsedResponse } from './support/soapClient.js';

// 10:00 in Rome on Wednesday 2026-11-25 (UTC+1).
const NOW = '2026-11-25T09:00:00.000Z';
const TODAY = '2026-11-25';
const ADMITTED = '2026-11-20';
const FINE = '2026-11-30';

const WORKER = 'RSSMRA80A01H501U';
const WORKER2 = 'BNCGPP75C41F205S';
const OPERATOR = DEMO.operatore.user;
/** The demo operator's registered structure. */
const STRUTTURA = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' } as const;

const AUTH = {
  medico: basic(DEMO.medico.user, DEMO.medico.password),
  medico2: basic(DEMO.medico2.user, DEMO.medico2.password),
  regione: basic(DEMO.regione.user, DEMO.regione.password),
  operatore: basic(DEMO.operatore.user, DEMO.operatore.password),
};

/** Valid codici fiscali for users and persons the demo set does not have. */
const cf = (first15: string): string => first15 + checkCharacter(first15);
const OTHER_ASL = { user: cf('VRDPLA85C12F205'), password: 'Altra.Asl.2026', codiceRegione: '120', codiceAsl: '202', codiceStruttura: '120902' };
const OTHER_STRUCTURE = { user: cf('BNCLRA88D50H501'), password: 'Altra.Struttura.2026', codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120903' };
const OTHER_REGION = { user: cf('NREGNN77E10L219'), password: 'Altra.Regione.2026', codiceRegione: '130', codiceAsl: '101', codiceStruttura: '130101' };
const UNREGISTERED_WORKER = cf('GLLFBA81L22F205');
/**
 * A second hospital doctor of the demo structure. Since issue 9 a discharge is
 * filed only by a doctor registered with the admission's region, ASL and
 * structure, and the demo's second doctor (MDCSCN85M45F839N) has no structure.
 */
const HOSPITAL_DOCTOR2 = { user: cf('MNCLGU66H10H501'), password: 'Secondo.Ospedaliero.2026', pincode: '7777777777', ...STRUTTURA };

let gw: Running;
let pin: string;
let pin2: string;
/** HOSPITAL_DOCTOR2's pincode, encrypted. */
let pinH2: string;

before(async () => {
  gw = await startGateway(NO_RESUBMISSION_DETECTION);
  pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  pin2 = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico2.pincode);
  pinH2 = encryptField(gw.gateway.pincodeKey.certificatePem, HOSPITAL_DOCTOR2.pincode);
  await gw.gateway.store.putUser({
    username: HOSPITAL_DOCTOR2.user,
    kind: 'medico',
    passwordHash: hashSecret(HOSPITAL_DOCTOR2.password),
    pincodeHash: hashSecret(HOSPITAL_DOCTOR2.pincode),
    codiceRegione: HOSPITAL_DOCTOR2.codiceRegione,
    codiceAsl: HOSPITAL_DOCTOR2.codiceAsl,
    codiceStruttura: HOSPITAL_DOCTOR2.codiceStruttura,
  });
  // Operators of other structures, so "another structure's admission" is a real second operator.
  for (const op of [OTHER_ASL, OTHER_STRUCTURE, OTHER_REGION]) {
    await gw.gateway.store.putUser({
      username: op.user,
      kind: 'operatore',
      passwordHash: hashSecret(op.password),
      pincodeHash: null,
      codiceRegione: op.codiceRegione,
      codiceAsl: op.codiceAsl,
      codiceStruttura: op.codiceStruttura,
    });
  }
});
after(async () => gw.stop());
beforeEach(() => gw.clock.set(NOW));

// ---------------------------------------------------------------- requests

async function call(name: OperationName, fields: Fields, auth: string): Promise<ParsedResponse> {
  const op = OPERATIONS.find((o) => o.name === name)!;
  const response = parseResponse(await post(gw.endpoint, envelope(op.requestElement, fields), { auth, soapAction: soapActionOf(op) }));
  assert.equal(response.root, op.responseElement);
  return response;
}

/** A positive answer: no errors, and the ok part's flattened fields. */
function accepted(response: ParsedResponse): Record<string, string> {
  assert.deepEqual(response.errors, [], `refused: ${JSON.stringify(response.errors)}`);
  assert.ok(Object.keys(response.ok).length > 0, 'no ricevutaOk part');
  return response.ok;
}

interface RicoveroOptions {
  /** The operatore element; pass undefined explicitly to leave it out. */
  operatore?: Fields | undefined;
  lavoratore?: string;
  residenza?: Fields;
  ricovero?: Fields;
  auth?: string;
}

function invioRicovero(o: RicoveroOptions = {}): Promise<ParsedResponse> {
  const fields: Fields = {
    operatore: 'operatore' in o ? o.operatore : { ...STRUTTURA },
    lavoratore: { codiceFiscale: o.lavoratore ?? WORKER },
    residenza: o.residenza ?? defaultResidenza(),
    // Keys listed in contract order so an override keeps its place in the sequence.
    ricovero: { dataRicovero: ADMITTED, giornataLavorata: undefined, trauma: undefined, ...o.ricovero },
  };
  return call('InviaRicovero', fields, o.auth ?? AUTH.operatore);
}

/** Send an admission that must be accepted; its PUCIR. */
async function admit(o: RicoveroOptions = {}): Promise<string> {
  const ok = accepted(await invioRicovero(o));
  assert.match(ok.idInizioRicovero ?? '', /^[0-9]{10}$/);
  return ok.idInizioRicovero!;
}

function annullaRicovero(id: string, o: { operatore?: Fields | undefined; lavoratore?: string; auth?: string } = {}): Promise<ParsedResponse> {
  const fields: Fields = {
    operatore: 'operatore' in o ? o.operatore : { ...STRUTTURA },
    lavoratore: { codiceFiscale: o.lavoratore ?? WORKER },
    idCertificato: id,
  };
  return call('AnnullaRicovero', fields, o.auth ?? AUTH.operatore);
}

/** The medico element of the demo doctor at the demo structure. */
const medicoPin = (): Fields => ({ pincode: pin, ...STRUTTURA });

interface DimissioneOptions {
  medico?: Fields;
  lavoratore?: string;
  residenza?: Fields;
  reperibilita?: Fields;
  dimissione?: Fields;
  auth?: string;
}

function invioDimissione(idInizioRicovero: string, o: DimissioneOptions = {}): Promise<ParsedResponse> {
  const fields = dischargeFields(TODAY, {
    ...o,
    medico: o.medico ?? medicoPin(),
    lavoratore: o.lavoratore ?? WORKER,
    idInizioRicovero,
    dataRicovero: ADMITTED,
    dataFine: FINE,
  });
  return call('InviaDimissione', fields, o.auth ?? AUTH.medico);
}

/** Send a discharge that must be accepted; its PUC. */
async function discharge(idInizioRicovero: string, o: DimissioneOptions = {}): Promise<string> {
  const ok = accepted(await invioDimissione(idInizioRicovero, o));
  assert.equal(ok.idInizioRicovero, idInizioRicovero);
  assert.match(ok.idCertificato ?? '', /^[0-9]{10}$/);
  assert.notEqual(ok.idCertificato, idInizioRicovero);
  return ok.idCertificato!;
}

function annullaMalattia(idCertificato: string, o: { medico?: Fields; auth?: string } = {}): Promise<ParsedResponse> {
  const fields: Fields = { medico: o.medico ?? { pincode: pin }, lavoratore: { codiceFiscale: WORKER }, idCertificato };
  return call('AnnullaMalattia', fields, o.auth ?? AUTH.medico);
}

function rettificaDimissione(idCertificato: string, dataFine: string, o: { medico?: Fields; lavoratore?: string; auth?: string } = {}): Promise<ParsedResponse> {
  const fields: Fields = {
    medico: o.medico ?? { pincode: pin },
    lavoratore: { codiceFiscale: o.lavoratore ?? WORKER },
    idCertificato,
    dataFine,
  };
  return call('RettificaDimissione', fields, o.auth ?? AUTH.medico);
}

// ---------------------------------------------------------------- InviaRicovero

describe('InviaRicovero: who may send it', () => {
  test('an operatore with region, ASL and structure gets a PUCIR; the admission is stored as sent', async () => {
    const ok = accepted(await invioRicovero({ ricovero: { giornataLavorata: 'true' } }));
    assert.match(ok.dataRicezione ?? '', /^2026-11-25T10:00:00\.000\+01:00$/);
    const id = ok.idInizioRicovero!;
    assert.match(id, /^[0-9]{10}$/);
    const stored = await gw.gateway.store.getRicovero(id);
    assert.ok(stored);
    assert.equal(stored.state, 'attivo');
    assert.equal(stored.lavoratoreCf, WORKER);
    assert.equal(stored.operatoreCf, OPERATOR);
    assert.equal(stored.sentBy, OPERATOR);
    assert.equal(stored.codiceRegione, '120');
    assert.equal(stored.codiceAsl, '201');
    assert.equal(stored.codiceStruttura, '120901');
    assert.equal(stored.document.ricovero.dataRicovero, ADMITTED);
    assert.equal(stored.document.ricovero.giornataLavorata, 'true');
    assert.equal(stored.document.residenza.via, 'Via Nazionale');
  });

  test('PUCIRs are distinct across a series of admissions', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 8; i++) ids.add(await admit());
    assert.equal(ids.size, 8);
  });

  test('codiceStruttura is optional for an operatore: the admission then names none', async () => {
    const id = await admit({ operatore: { codiceRegione: '120', codiceAsl: '201' } });
    assert.equal((await gw.gateway.store.getRicovero(id))?.codiceStruttura, null);
  });

  test('without the operatore element, or without codiceRegione or codiceAsl, it is refused with 2010', async () => {
    assertErrors(await invioRicovero({ operatore: undefined }), [['2010', 'operatore']]);
    assertErrors(await invioRicovero({ operatore: { codiceAsl: '201', codiceStruttura: '120901' } }), [['2010', 'operatore']]);
    assertErrors(await invioRicovero({ operatore: { codiceRegione: '120', codiceStruttura: '120901' } }), [['2010', 'operatore']]);
  });

  test("codes that are not the operator's own are refused with 2011 on the field", async () => {
    assertErrors(await invioRicovero({ operatore: { ...STRUTTURA, codiceRegione: '130' } }), [['2011', 'operatore/codiceRegione']]);
    assertErrors(await invioRicovero({ operatore: { ...STRUTTURA, codiceAsl: '202' } }), [['2011', 'operatore/codiceAsl']]);
    assertErrors(await invioRicovero({ operatore: { ...STRUTTURA, codiceStruttura: '120902' } }), [['2011', 'operatore/codiceStruttura']]);
  });

  test("an operatore naming someone else's codice fiscale is refused with 2014; a pincode with 2006", async () => {
    assertErrors(await invioRicovero({ operatore: { codiceFiscale: OTHER_ASL.user, ...STRUTTURA } }), [['2014', 'operatore/codiceFiscale']]);
    assertErrors(await invioRicovero({ operatore: { pincode: pin, ...STRUTTURA } }), [['2006', 'operatore/pincode']]);
  });

  test("a regione user sends on an operator's behalf; the admission is the operator's", async () => {
    const id = await admit({ operatore: { codiceFiscale: OPERATOR, ...STRUTTURA }, auth: AUTH.regione });
    const stored = await gw.gateway.store.getRicovero(id);
    assert.equal(stored?.operatoreCf, OPERATOR);
    assert.equal(stored?.sentBy, DEMO.regione.user);
    assert.equal(stored?.codiceStruttura, '120901');
  });

  test("a regione user must name the operator (2013), and an operator at that (2012): a doctor or an unknown CF is not", async () => {
    assertErrors(await invioRicovero({ operatore: { ...STRUTTURA }, auth: AUTH.regione }), [['2013', 'operatore/codiceFiscale']]);
    assertErrors(
      await invioRicovero({ operatore: { codiceFiscale: DEMO.medico.user, ...STRUTTURA }, auth: AUTH.regione }),
      [['2012', 'operatore/codiceFiscale']],
    );
    assertErrors(
      await invioRicovero({ operatore: { codiceFiscale: UNREGISTERED_WORKER, ...STRUTTURA }, auth: AUTH.regione }),
      [['2012', 'operatore/codiceFiscale']],
    );
  });

  test("a regione user acting for an operator must still give the operator's own codes (2011)", async () => {
    assertErrors(
      await invioRicovero({ operatore: { codiceFiscale: OPERATOR, ...STRUTTURA, codiceAsl: '202' }, auth: AUTH.regione }),
      [['2011', 'operatore/codiceAsl']],
    );
  });

  test("a regione user cannot act for an operator of another region (2011 on codiceRegione)", async () => {
    const r = await invioRicovero({
      operatore: { codiceFiscale: OTHER_REGION.user, codiceRegione: '130', codiceAsl: '101', codiceStruttura: '130101' },
      auth: AUTH.regione,
    });
    assertErrors(r, [['2011', 'operatore/codiceRegione']]);
    assert.match(r.errors[0]!.descrizione, /\(120\)/);
    // The same admission sent by that operator itself is accepted.
    await admit({
      operatore: { codiceRegione: '130', codiceAsl: '101', codiceStruttura: '130101' },
      auth: basic(OTHER_REGION.user, OTHER_REGION.password),
    });
  });

  test('a medico user is not enabled to InviaRicovero (2009)', async () => {
    const r = await invioRicovero({ auth: AUTH.medico });
    assertErrors(r, [['2009', 'operatore']]);
    assert.match(r.errors[0]!.descrizione, /medico.*InviaRicovero/);
    assertErrors(await invioRicovero({ operatore: { pincode: pin, ...STRUTTURA }, auth: AUTH.medico }), [['2009', 'operatore']]);
  });
});

describe('InviaRicovero: the worker, the residence, the date', () => {
  test('a worker not in the registry (3003) or with a malformed CF (3001/3002) is refused; an encrypted CF is accepted', async () => {
    assertErrors(await invioRicovero({ lavoratore: UNREGISTERED_WORKER }), [['3003', 'lavoratore/codiceFiscale']]);
    const wrongCheck = WORKER.slice(0, 15) + (WORKER.endsWith('A') ? 'B' : 'A');
    assertErrors(await invioRicovero({ lavoratore: wrongCheck }), [['3002', 'lavoratore/codiceFiscale']]);
    assertErrors(await invioRicovero({ lavoratore: 'RSSMRA80A01H50' }), [['3001', 'lavoratore/codiceFiscale']]);
    const id = await admit({ lavoratore: encryptField(gw.gateway.pincodeKey.certificatePem, WORKER2) });
    assert.equal((await gw.gateway.store.getRicovero(id))?.lavoratoreCf, WORKER2);
  });

  test('residence rules are those of InviaMalattia: a municipality is needed, a civic number or SNC', async () => {
    const residenza = (over: Fields): Fields => ({ ...defaultResidenza(), ...over });
    assertErrors(
      await invioRicovero({ residenza: residenza({ codiceCatastale: undefined, comune: undefined, provincia: undefined }) }),
      [['6001', 'residenza']],
    );
    assertErrors(await invioRicovero({ residenza: residenza({ civico: 'senza' }) }), [['6005', 'residenza/civico']]);
    assertErrors(await invioRicovero({ residenza: residenza({ codiceCatastale: 'Z999', comune: undefined, provincia: undefined }) }), [
      ['6002', 'residenza/codiceCatastale'],
    ]);
    await admit({ residenza: residenza({ civico: 'SNC' }) });
    await admit({ residenza: residenza({ codiceCatastale: undefined, comune: 'Milano', provincia: 'MI', cap: '20121' }) });
  });

  test('a dataRicovero that is not a calendar day is refused with 4001', async () => {
    assertErrors(await invioRicovero({ ricovero: { dataRicovero: '2026-02-30' } }), [['4001', 'ricovero/dataRicovero']]);
    assertErrors(await invioRicovero({ ricovero: { dataRicovero: '2026-13-01' } }), [['4001', 'ricovero/dataRicovero']]);
  });

  test('dataRicovero today is accepted, tomorrow refused (4008); a past day is accepted', async () => {
    await admit({ ricovero: { dataRicovero: TODAY } });
    await admit({ ricovero: { dataRicovero: '2026-01-15' } });
    assertErrors(await invioRicovero({ ricovero: { dataRicovero: '2026-11-26' } }), [['4008', 'ricovero/dataRicovero']]);
  });

  test('around midnight in Rome (winter, UTC+1): 22:59:59Z is still the 25th, 23:00:00Z is the 26th', async () => {
    gw.clock.set('2026-11-25T22:59:59.000Z');
    const r = await invioRicovero({ ricovero: { dataRicovero: '2026-11-26' } });
    assertErrors(r, [['4008', 'ricovero/dataRicovero']]);
    assert.match(r.errors[0]!.descrizione, /2026-11-25/);
    await admit({ ricovero: { dataRicovero: '2026-11-25' } });

    gw.clock.set('2026-11-25T23:00:00.000Z');
    const ok = accepted(await invioRicovero({ ricovero: { dataRicovero: '2026-11-26' } }));
    assert.match(ok.dataRicezione ?? '', /^2026-11-26T00:00:00\.000\+01:00$/);
    assertErrors(await invioRicovero({ ricovero: { dataRicovero: '2026-11-27' } }), [['4008', 'ricovero/dataRicovero']]);
  });

  test('across the DST change of 2026-03-29: the day starts at 23:00Z (CET) and ends at 22:00Z (CEST)', async () => {
    gw.clock.set('2026-03-28T22:59:59.000Z');
    assertErrors(await invioRicovero({ ricovero: { dataRicovero: '2026-03-29' } }), [['4008', 'ricovero/dataRicovero']]);
    gw.clock.set('2026-03-28T23:00:00.000Z');
    await admit({ ricovero: { dataRicovero: '2026-03-29' } });

    // 21:59:59Z on the 29th is 23:59:59 CEST: still the 29th, although UTC+1 would say 22:59:59.
    gw.clock.set('2026-03-29T21:59:59.000Z');
    assertErrors(await invioRicovero({ ricovero: { dataRicovero: '2026-03-30' } }), [['4008', 'ricovero/dataRicovero']]);
    gw.clock.set('2026-03-29T22:00:00.000Z');
    const ok = accepted(await invioRicovero({ ricovero: { dataRicovero: '2026-03-30' } }));
    assert.match(ok.dataRicezione ?? '', /^2026-03-30T00:00:00\.000\+02:00$/);
  });
});

// ---------------------------------------------------------------- AnnullaRicovero

describe('AnnullaRicovero', () => {
  test('the structure that sent it cancels it once; the second time is 7009', async () => {
    const id = await admit();
    const ok = accepted(await annullaRicovero(id));
    assert.match(ok.idAnnullamento ?? '', /^[0-9]{10}$/);
    assert.match(ok.dataRicezione ?? '', /^2026-11-25T10:00:00\.000\+01:00$/);
    const stored = await gw.gateway.store.getRicovero(id);
    assert.equal(stored?.state, 'annullato');
    assert.equal(stored?.idAnnullamento, ok.idAnnullamento);
    assertErrors(await annullaRicovero(id), [['7009', 'idCertificato']]);
  });

  test("a regione user cancels on the operator's behalf", async () => {
    const id = await admit();
    accepted(await annullaRicovero(id, { operatore: { codiceFiscale: OPERATOR, ...STRUTTURA }, auth: AUTH.regione }));
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'annullato');
  });

  test("when the request omits codiceStruttura the operator's registered one stands for it", async () => {
    const id = await admit();
    accepted(await annullaRicovero(id, { operatore: { codiceRegione: '120', codiceAsl: '201' } }));
  });

  test('an unknown PUCIR, or the right one with another worker, is 7008', async () => {
    const id = await admit();
    assertErrors(await annullaRicovero('123456789012345678'), [['7008', 'idCertificato']]);
    assertErrors(await annullaRicovero(id, { lavoratore: WORKER2 }), [['7008', 'idCertificato']]);
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'attivo');
  });

  test("another structure's admission is 7008 (another ASL; same ASL, another structure), and stays active", async () => {
    const id = await admit();
    const otherAsl = await annullaRicovero(id, {
      operatore: { codiceRegione: '120', codiceAsl: '202', codiceStruttura: '120902' },
      auth: basic(OTHER_ASL.user, OTHER_ASL.password),
    });
    assertErrors(otherAsl, [['7008', 'idCertificato']]);
    const otherStructure = await annullaRicovero(id, {
      operatore: { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120903' },
      auth: basic(OTHER_STRUCTURE.user, OTHER_STRUCTURE.password),
    });
    assertErrors(otherStructure, [['7008', 'idCertificato']]);
    // Silent on the structure: its registered one (120903) stands, still not 120901.
    const silent = await annullaRicovero(id, {
      operatore: { codiceRegione: '120', codiceAsl: '201' },
      auth: basic(OTHER_STRUCTURE.user, OTHER_STRUCTURE.password),
    });
    assertErrors(silent, [['7008', 'idCertificato']]);
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'attivo');
    accepted(await annullaRicovero(id));
  });

  test('the contract asks only for the worker and the PUCIR: an operatore cancels its own admission without the operatore element', async () => {
    const id = await admit();
    accepted(await annullaRicovero(id, { operatore: undefined }));
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'annullato');
  });

  test("a regione user names only the operator; the operator's registered codes are checked", async () => {
    const id = await admit();
    accepted(await annullaRicovero(id, { operatore: { codiceFiscale: OPERATOR }, auth: AUTH.regione }));
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'annullato');
  });

  test("without codes the check still fails closed: another structure's operator gets 7008, another region's operator 2011", async () => {
    const id = await admit();
    assertErrors(await annullaRicovero(id, { operatore: undefined, auth: basic(OTHER_STRUCTURE.user, OTHER_STRUCTURE.password) }), [['7008', 'idCertificato']]);
    assertErrors(await annullaRicovero(id, { operatore: undefined, auth: basic(OTHER_ASL.user, OTHER_ASL.password) }), [['7008', 'idCertificato']]);
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'attivo');
    const foreign = await admit({
      operatore: { codiceRegione: '130', codiceAsl: '101', codiceStruttura: '130101' },
      auth: basic(OTHER_REGION.user, OTHER_REGION.password),
    });
    assertErrors(await annullaRicovero(foreign, { operatore: { codiceFiscale: OTHER_REGION.user }, auth: AUTH.regione }), [['2011', 'operatore/codiceRegione']]);
    assert.equal((await gw.gateway.store.getRicovero(foreign))?.state, 'attivo');
  });

  test('identity rules as for InviaRicovero: 2011 on a foreign code, 2012 for a non-operator, 2013 for a regione naming nobody', async () => {
    const id = await admit();
    assertErrors(await annullaRicovero(id, { operatore: undefined, auth: AUTH.regione }), [['2013', 'operatore/codiceFiscale']]);
    assertErrors(await annullaRicovero(id, { operatore: { ...STRUTTURA, codiceAsl: '202' } }), [['2011', 'operatore/codiceAsl']]);
    assertErrors(
      await annullaRicovero(id, { operatore: { codiceFiscale: DEMO.medico.user, ...STRUTTURA }, auth: AUTH.regione }),
      [['2012', 'operatore/codiceFiscale']],
    );
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'attivo');
  });

  test('a medico user is not enabled to AnnullaRicovero (2009)', async () => {
    const id = await admit();
    const r = await annullaRicovero(id, { auth: AUTH.medico });
    assertErrors(r, [['2009', 'operatore']]);
    assert.match(r.errors[0]!.descrizione, /AnnullaRicovero/);
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'attivo');
  });
});

// ---------------------------------------------------------------- InviaDimissione

describe('InviaDimissione: who may send it', () => {
  test('a medico recalls the admission and gets a PUC; the certificate refers to the admission', async () => {
    const id = await admit();
    const ok = accepted(await invioDimissione(id));
    assert.equal(ok.idInizioRicovero, id);
    assert.match(ok.idCertificato ?? '', /^[0-9]{10}$/);
    assert.match(ok.dataRicezione ?? '', /^2026-11-25T10:00:00\.000\+01:00$/);
    const stored = await gw.gateway.store.getCertificate(ok.idCertificato!);
    assert.ok(stored);
    assert.equal(stored.kind, 'dimissione');
    assert.equal(stored.state, 'attivo');
    assert.equal(stored.idInizioRicovero, id);
    assert.equal(stored.medicoCf, DEMO.medico.user);
    assert.equal(stored.lavoratoreCf, WORKER);
    assert.equal(stored.document.dimissione?.dataDimissione, TODAY);
    assert.equal(stored.document.dimissione?.dataFine, FINE);
  });

  test("a regione user sends for a hospital doctor of its region; the certificate is the doctor's", async () => {
    const id = await admit();
    const idCertificato = await discharge(id, { medico: { codiceFiscale: HOSPITAL_DOCTOR2.user, ...STRUTTURA }, auth: AUTH.regione });
    const stored = await gw.gateway.store.getCertificate(idCertificato);
    assert.equal(stored?.medicoCf, HOSPITAL_DOCTOR2.user);
    assert.equal(stored?.sentBy, DEMO.regione.user);
  });

  test('an operatore user is not enabled to InviaDimissione (2009); nothing is stored', async () => {
    const id = await admit();
    const before = await gw.gateway.store.countCertificates();
    const r = await invioDimissione(id, { medico: { ...STRUTTURA }, auth: AUTH.operatore });
    assertErrors(r, [['2009', 'medico']]);
    assert.match(r.errors[0]!.descrizione, /operatore.*InviaDimissione/);
    assert.equal(await gw.gateway.store.countCertificates(), before);
  });

  test("the doctor's identity rules apply: no pincode (2001), wrong pincode (2003), regione without the doctor's CF (2005)", async () => {
    const id = await admit();
    assertErrors(await invioDimissione(id, { medico: { ...STRUTTURA } }), [['2001', 'medico/pincode']]);
    assertErrors(await invioDimissione(id, { medico: { pincode: pin2, ...STRUTTURA } }), [['2003', 'medico/pincode']]);
    assertErrors(await invioDimissione(id, { medico: { ...STRUTTURA }, auth: AUTH.regione }), [['2005', 'medico/codiceFiscale']]);
    // Another doctor of the structure with their own pincode is accepted.
    await discharge(id, { medico: { pincode: pinH2, ...STRUTTURA }, auth: basic(HOSPITAL_DOCTOR2.user, HOSPITAL_DOCTOR2.password) });
  });
});

describe('InviaDimissione: the admission it refers to', () => {
  test('an unknown PUCIR, or the right one with another worker, is 7008', async () => {
    const id = await admit();
    assertErrors(await invioDimissione('123456789012345678'), [['7008', 'idInizioRicovero']]);
    assertErrors(await invioDimissione(id, { lavoratore: WORKER2 }), [['7008', 'idInizioRicovero']]);
    await discharge(id);
  });

  test('a cancelled admission is 7009', async () => {
    const id = await admit();
    accepted(await annullaRicovero(id));
    assertErrors(await invioDimissione(id), [['7009', 'idInizioRicovero']]);
  });

  test("the doctor's region, ASL and structure must be the admission's (7012 on each)", async () => {
    const id = await admit();
    assertErrors(await invioDimissione(id, { medico: { pincode: pin, ...STRUTTURA, codiceRegione: '130' } }), [['7012', 'medico/codiceRegione']]);
    assertErrors(await invioDimissione(id, { medico: { pincode: pin, ...STRUTTURA, codiceAsl: '202' } }), [['7012', 'medico/codiceAsl']]);
    assertErrors(await invioDimissione(id, { medico: { pincode: pin, ...STRUTTURA, codiceStruttura: '120902' } }), [
      ['7012', 'medico/codiceStruttura'],
    ]);
    // The admission named a structure: leaving it out is a difference too.
    assertErrors(await invioDimissione(id, { medico: { pincode: pin, codiceRegione: '120', codiceAsl: '201' } }), [
      ['7012', 'medico/codiceStruttura'],
    ]);
    assertErrors(await invioDimissione(id, { medico: { pincode: pin } }), [
      ['7012', 'medico/codiceRegione'],
      ['7012', 'medico/codiceAsl'],
      ['7012', 'medico/codiceStruttura'],
    ]);
    await discharge(id);
  });

  test("when the admission named no structure, the discharge may name its operator's structure or none; another is 7012", async () => {
    // Since issue 9 such an admission is its operator's structure's (120901), not any structure's of the ASL.
    const first = await admit({ operatore: { codiceRegione: '120', codiceAsl: '201' } });
    await discharge(first, { medico: { pincode: pin, codiceRegione: '120', codiceAsl: '201' } });
    const second = await admit({ operatore: { codiceRegione: '120', codiceAsl: '201' } });
    assertErrors(await invioDimissione(second, { medico: { pincode: pin, codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120903' } }), [
      ['7012', 'medico/codiceStruttura'],
    ]);
    await discharge(second, { medico: { pincode: pin, ...STRUTTURA } });
  });

  test("the residence must be the admission's: a different street or CAP is 7012; case and spacing do not matter", async () => {
    const id = await admit();
    assertErrors(await invioDimissione(id, { residenza: { ...defaultResidenza(), via: 'Via Cavour' } }), [['7012', 'residenza']]);
    assertErrors(await invioDimissione(id, { residenza: { ...defaultResidenza(), cap: '00185' } }), [['7012', 'residenza']]);
    await discharge(id, { residenza: { ...defaultResidenza(), via: '  VIA   nazionale ', comune: 'ROMA', provincia: 'rm' } });
  });

  test("dataRicovero must be the admission's (7012)", async () => {
    const id = await admit();
    assertErrors(await invioDimissione(id, { dimissione: { dataRicovero: '2026-11-19' } }), [['7012', 'dimissione/dataRicovero']]);
    await discharge(id, { dimissione: { dataRicovero: ADMITTED } });
  });

  test('giornataLavorata true in the admission must stay true (7013); false or absent in the admission leaves it free', async () => {
    const id = await admit({ ricovero: { giornataLavorata: 'true' } });
    assertErrors(await invioDimissione(id), [['7013', 'dimissione/giornataLavorata']]);
    assertErrors(await invioDimissione(id, { dimissione: { giornataLavorata: 'false' } }), [['7013', 'dimissione/giornataLavorata']]);
    await discharge(id, { dimissione: { giornataLavorata: 'true' } });

    const free = await admit({ ricovero: { giornataLavorata: 'false' } });
    await discharge(free, { dimissione: { giornataLavorata: 'true' } });
  });

  test('trauma true in the admission must stay true (7013)', async () => {
    const id = await admit({ ricovero: { giornataLavorata: 'true', trauma: 'true' } });
    assertErrors(await invioDimissione(id, { dimissione: { giornataLavorata: 'true', trauma: 'false' } }), [['7013', 'dimissione/trauma']]);
    assertErrors(await invioDimissione(id, { dimissione: { trauma: 'true' } }), [['7013', 'dimissione/giornataLavorata']]);
    assertErrors(await invioDimissione(id), [
      ['7013', 'dimissione/giornataLavorata'],
      ['7013', 'dimissione/trauma'],
    ]);
    await discharge(id, { dimissione: { giornataLavorata: 'true', trauma: 'true' } });
  });

  test('at most one discharge per admission: the second is 7011 and is not stored', async () => {
    const id = await admit();
    const first = await discharge(id);
    const before = await gw.gateway.store.countCertificates();
    assertErrors(await invioDimissione(id), [['7011', 'idInizioRicovero']]);
    // Nor by another doctor of the structure, through the region.
    assertErrors(await invioDimissione(id, { medico: { codiceFiscale: HOSPITAL_DOCTOR2.user, ...STRUTTURA }, auth: AUTH.regione }), [
      ['7011', 'idInizioRicovero'],
    ]);
    assert.equal(await gw.gateway.store.countCertificates(), before);
    assert.equal((await gw.gateway.store.getCertificate(first))?.state, 'attivo');
  });
});

describe('InviaDimissione: dates, diagnosis, addresses', () => {
  test('dataDimissione before dataRicovero is 4009; the same day is accepted', async () => {
    const id = await admit();
    assertErrors(await invioDimissione(id, { dimissione: { dataDimissione: '2026-11-19' } }), [['4009', 'dimissione/dataDimissione']]);
    await discharge(id, { dimissione: { dataDimissione: ADMITTED } });
  });

  test('dataFine before dataDimissione is 4010; the same day is accepted', async () => {
    const id = await admit();
    assertErrors(await invioDimissione(id, { dimissione: { dataFine: '2026-11-24' } }), [['4010', 'dimissione/dataFine']]);
    await discharge(id, { dimissione: { dataFine: TODAY } });
  });

  test('dates that are not calendar days are 4001 on their field', async () => {
    const id = await admit();
    assertErrors(await invioDimissione(id, { dimissione: { dataDimissione: '2026-11-31' } }), [['4001', 'dimissione/dataDimissione']]);
    assertErrors(await invioDimissione(id, { dimissione: { dataFine: '2026-02-29' } }), [['4001', 'dimissione/dataFine']]);
  });

  test('dataDimissione tomorrow is 4011; around midnight in Rome (winter) the day turns at 23:00Z', async () => {
    const id = await admit();
    assertErrors(await invioDimissione(id, { dimissione: { dataDimissione: '2026-11-26' } }), [['4011', 'dimissione/dataDimissione']]);
    gw.clock.set('2026-11-25T22:59:59.000Z');
    assertErrors(await invioDimissione(id, { dimissione: { dataDimissione: '2026-11-26' } }), [['4011', 'dimissione/dataDimissione']]);
    gw.clock.set('2026-11-25T23:00:00.000Z');
    await discharge(id, { dimissione: { dataDimissione: '2026-11-26' } });
  });

  test('dataDimissione across the DST change: the 30th starts at 2026-03-29T22:00Z', async () => {
    gw.clock.set('2026-03-27T10:00:00.000Z');
    const id = await admit({ ricovero: { dataRicovero: '2026-03-27' } });
    const dates = { dataRicovero: '2026-03-27', dataDimissione: '2026-03-30', dataFine: '2026-04-03' };
    gw.clock.set('2026-03-29T21:59:59.000Z');
    assertErrors(await invioDimissione(id, { dimissione: dates }), [['4011', 'dimissione/dataDimissione']]);
    gw.clock.set('2026-03-29T22:00:00.000Z');
    await discharge(id, { dimissione: dates });
  });

  test('the diagnosis rules are those of InviaMalattia (5001, 5002)', async () => {
    const id = await admit();
    assertErrors(await invioDimissione(id, { dimissione: { diagnosi: { noteDiagnosi: '  ' } } }), [['5001', 'dimissione/diagnosi']]);
    assertErrors(await invioDimissione(id, { dimissione: { diagnosi: { codiceDiagnosi: 'V99.1' } } }), [
      ['5002', 'dimissione/diagnosi/codiceDiagnosi'],
    ]);
    await discharge(id, { dimissione: { diagnosi: { noteDiagnosi: 'Frattura composta' } } });
  });

  test('a reperibilita address follows the address rules (6005); a valid one is accepted', async () => {
    const id = await admit();
    const indirizzo = { via: 'Via Po', civico: 'senza', cap: '10123', codiceCatastale: 'L219' };
    assertErrors(await invioDimissione(id, { reperibilita: { cognome: 'Verdi', indirizzo } }), [['6005', 'reperibilita/indirizzo/civico']]);
    const idCertificato = await discharge(id, { reperibilita: { cognome: 'Verdi', indirizzo: { ...indirizzo, civico: 'SNC' } } });
    assert.equal((await gw.gateway.store.getCertificate(idCertificato))?.document.reperibilita?.indirizzo?.civico, 'SNC');
  });

  test('a worker not in the registry is 3003', async () => {
    const id = await admit();
    assertErrors(await invioDimissione(id, { lavoratore: UNREGISTERED_WORKER }), [['3003', 'lavoratore/codiceFiscale']]);
  });
});

// ---------------------------------------------------------------- the whole sequence

describe('admission and discharge: the whole sequence', () => {
  test('admit, discharge, cannot cancel the admission (7010), cancel the discharge, then the admission can be cancelled', async () => {
    const id = await admit();
    const idCertificato = await discharge(id);
    assertErrors(await annullaRicovero(id), [['7010', 'idCertificato']]);
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'attivo');

    const cancelled = accepted(await annullaMalattia(idCertificato));
    assert.match(cancelled.idAnnullamento ?? '', /^[0-9]{10}$/);
    assert.equal((await gw.gateway.store.getCertificate(idCertificato))?.state, 'annullato');

    accepted(await annullaRicovero(id));
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'annullato');
    // And now a discharge is refused: the admission is gone.
    assertErrors(await invioDimissione(id), [['7009', 'idInizioRicovero']]);
  });

  test('a cancelled discharge frees the admission for a new one, which again blocks the cancellation', async () => {
    const id = await admit();
    const first = await discharge(id);
    accepted(await annullaMalattia(first));
    const second = await discharge(id, { dimissione: { dataFine: '2026-11-28' } });
    assert.notEqual(second, first);
    assertErrors(await invioDimissione(id), [['7011', 'idInizioRicovero']]);
    assertErrors(await annullaRicovero(id), [['7010', 'idCertificato']]);
    assert.equal((await gw.gateway.store.getCertificate(first))?.state, 'annullato');
    assert.equal((await gw.gateway.store.getCertificate(second))?.state, 'attivo');
  });

  test('a rectified discharge still blocks the cancellation of its admission and a second discharge', async () => {
    const id = await admit();
    const original = await discharge(id);
    const rectified = accepted(await rettificaDimissione(original, '2026-11-27')).idCertificato!;
    assert.equal((await gw.gateway.store.getCertificate(rectified))?.idInizioRicovero, id);
    assertErrors(await annullaRicovero(id), [['7010', 'idCertificato']]);
    assertErrors(await invioDimissione(id), [['7011', 'idInizioRicovero']]);
  });

  test('cancelling the rectification (the discharge as it now stands) frees the admission, as cancelling a discharge does', async () => {
    // The original answers 7003 "operate on the rectification", so cancelling the
    // rectification is the only way to withdraw a rectified discharge; after it no
    // active discharge refers to the admission.
    const toCancel = await admit();
    const toDischarge = await admit();
    for (const id of [toCancel, toDischarge]) {
      const original = await discharge(id);
      const rectification = accepted(await rettificaDimissione(original, '2026-11-27')).idCertificato!;
      assertErrors(await annullaMalattia(original), [['7003', 'idCertificato']]);
      accepted(await annullaMalattia(rectification));
    }
    accepted(await annullaRicovero(toCancel));
    assert.equal((await gw.gateway.store.getRicovero(toCancel))?.state, 'annullato');
    await discharge(toDischarge);
  });

  test('AnnullaMalattia on a discharge: only the issuing doctor (7001), until the day after dataDimissione (7007), not twice (7002)', async () => {
    const id = await admit();
    const idCertificato = await discharge(id, { dimissione: { dataDimissione: '2026-11-24' } });
    assertErrors(await annullaMalattia(idCertificato, { medico: { pincode: pin2 }, auth: AUTH.medico2 }), [['7001', 'idCertificato']]);

    // Released on the 24th: the 25th is the last day, until 23:59:59 in Rome.
    gw.clock.set('2026-11-25T23:00:00.000Z');
    assertErrors(await annullaMalattia(idCertificato), [['7007', 'idCertificato']]);
    gw.clock.set('2026-11-25T22:59:59.000Z');
    accepted(await annullaMalattia(idCertificato));
    assertErrors(await annullaMalattia(idCertificato), [['7002', 'idCertificato']]);
  });
});

// ---------------------------------------------------------------- RettificaDimissione

describe('RettificaDimissione', () => {
  test('an earlier dataFine gets a new PUC that refers to the original; the original is marked rectified', async () => {
    const id = await admit();
    const original = await discharge(id, { reperibilita: { cognome: 'Verdi' } });
    const ok = accepted(await rettificaDimissione(original, '2026-11-28'));
    const newId = ok.idCertificato!;
    assert.match(newId, /^[0-9]{10}$/);
    assert.notEqual(newId, original);
    assert.match(ok.dataRicezione ?? '', /^2026-11-25T10:00:00\.000\+01:00$/);
    // The receipt: the worker from the registry, the residence, the discharge as it now stands.
    assert.equal(ok['lavoratore/codiceFiscale'], WORKER);
    assert.equal(ok['lavoratore/cognome'], 'Rossi');
    assert.equal(ok['lavoratore/nome'], 'Mario');
    assert.equal(ok['residenza/via'], 'Via Nazionale');
    assert.equal(ok['reperibilita/cognome'], 'Verdi');
    assert.equal(ok['dimissione/dataRicovero'], ADMITTED);
    assert.equal(ok['dimissione/dataDimissione'], TODAY);
    assert.equal(ok['dimissione/dataFine'], '2026-11-28');
    assert.equal(ok['dimissione/tipoRicovero'], 'R');

    const stored = await gw.gateway.store.getCertificate(newId);
    assert.equal(stored?.rettificaDi, original);
    assert.equal(stored?.kind, 'dimissione');
    assert.equal(stored?.idInizioRicovero, id);
    assert.equal(stored?.document.dimissione?.dataFine, '2026-11-28');
    const before = await gw.gateway.store.getCertificate(original);
    assert.equal(before?.state, 'rettificato');
    assert.equal(before?.document.dimissione?.dataFine, FINE);
  });

  test('the original cannot be rectified again (7003); the rectification can', async () => {
    const id = await admit();
    const original = await discharge(id);
    const first = accepted(await rettificaDimissione(original, '2026-11-28')).idCertificato!;
    assertErrors(await rettificaDimissione(original, '2026-11-27'), [['7003', 'idCertificato']]);
    const second = accepted(await rettificaDimissione(first, '2026-11-27')).idCertificato!;
    assert.equal((await gw.gateway.store.getCertificate(second))?.rettificaDi, first);
  });

  test('the new dataFine must be earlier than the current one (7005): equal or later is refused', async () => {
    const id = await admit();
    const original = await discharge(id);
    assertErrors(await rettificaDimissione(original, FINE), [['7005', 'dataFine']]);
    assertErrors(await rettificaDimissione(original, '2026-12-01'), [['7005', 'dataFine']]);
    accepted(await rettificaDimissione(original, '2026-11-29'));
  });

  test('the new dataFine may not precede dataDimissione (7006), the start of the prognosis, even if after dataRicovero', async () => {
    const id = await admit();
    const original = await discharge(id, { dimissione: { dataDimissione: '2026-11-23' } });
    assertErrors(await rettificaDimissione(original, '2026-11-22'), [['7006', 'dataFine']]);
    assertErrors(await rettificaDimissione(original, '2026-11-21'), [['7006', 'dataFine']]);
    const ok = accepted(await rettificaDimissione(original, '2026-11-23'));
    assert.equal(ok['dimissione/dataFine'], '2026-11-23');
  });

  test('a calendar-invalid dataFine is 4001', async () => {
    const id = await admit();
    const original = await discharge(id);
    assertErrors(await rettificaDimissione(original, '2026-11-31'), [['4001', 'dataFine']]);
  });

  test('only while the prognosis runs (7004): the last day until midnight in Rome (winter)', async () => {
    gw.clock.set('2026-11-21T09:00:00.000Z');
    const id1 = await admit({ ricovero: { dataRicovero: '2026-11-20' } });
    const id2 = await admit({ ricovero: { dataRicovero: '2026-11-20' } });
    const dates = { dataDimissione: '2026-11-21', dataFine: '2026-11-27' };
    const lastDay = await discharge(id1, { dimissione: dates });
    const dayAfter = await discharge(id2, { dimissione: dates });

    gw.clock.set('2026-11-27T23:00:00.000Z');
    const r = await rettificaDimissione(dayAfter, '2026-11-26');
    assertErrors(r, [['7004', 'idCertificato']]);
    assert.match(r.errors[0]!.descrizione, /2026-11-27/);
    assert.equal((await gw.gateway.store.getCertificate(dayAfter))?.state, 'attivo');

    gw.clock.set('2026-11-27T22:59:59.000Z');
    accepted(await rettificaDimissione(lastDay, '2026-11-26'));
  });

  test('only while the prognosis runs (7004): across the DST change the 29th ends at 22:00Z', async () => {
    gw.clock.set('2026-03-25T10:00:00.000Z');
    const id1 = await admit({ ricovero: { dataRicovero: '2026-03-24' } });
    const id2 = await admit({ ricovero: { dataRicovero: '2026-03-24' } });
    const dates = { dataRicovero: '2026-03-24', dataDimissione: '2026-03-25', dataFine: '2026-03-29' };
    const lastDay = await discharge(id1, { dimissione: dates });
    const dayAfter = await discharge(id2, { dimissione: dates });

    gw.clock.set('2026-03-29T22:00:00.000Z');
    assertErrors(await rettificaDimissione(dayAfter, '2026-03-28'), [['7004', 'idCertificato']]);
    // 21:59:59Z is 23:59:59 CEST: still the 29th.
    gw.clock.set('2026-03-29T21:59:59.000Z');
    const ok = accepted(await rettificaDimissione(lastDay, '2026-03-28'));
    assert.match(ok.dataRicezione ?? '', /^2026-03-29T23:59:59\.000\+02:00$/);
  });

  test("only the issuing doctor: another doctor gets 7001, as does a region acting for another doctor; the region for the issuer succeeds", async () => {
    const id = await admit();
    const original = await discharge(id);
    assertErrors(await rettificaDimissione(original, '2026-11-28', { medico: { pincode: pin2 }, auth: AUTH.medico2 }), [
      ['7001', 'idCertificato'],
    ]);
    assertErrors(
      await rettificaDimissione(original, '2026-11-28', { medico: { codiceFiscale: DEMO.medico2.user }, auth: AUTH.regione }),
      [['7001', 'idCertificato']],
    );
    assertErrors(await rettificaDimissione(original, '2026-11-28', { lavoratore: WORKER2 }), [['7001', 'idCertificato']]);
    assert.equal((await gw.gateway.store.getCertificate(original))?.state, 'attivo');
    const ok = accepted(await rettificaDimissione(original, '2026-11-28', { medico: { codiceFiscale: DEMO.medico.user }, auth: AUTH.regione }));
    const stored = await gw.gateway.store.getCertificate(ok.idCertificato!);
    assert.equal(stored?.medicoCf, DEMO.medico.user);
    assert.equal(stored?.sentBy, DEMO.regione.user);
  });

  test('a sickness certificate is not a discharge certificate: RettificaDimissione on it is 7001', async () => {
    const fields: Fields = {
      medico: { pincode: pin },
      lavoratore: { codiceFiscale: WORKER },
      residenza: defaultResidenza(),
      malattia: {
        ruoloMedico: 'S',
        dataRilascio: TODAY,
        dataInizio: TODAY,
        dataFine: FINE,
        visita: 'A',
        tipoCertificato: 'I',
        diagnosi: { codiceDiagnosi: '487.1' },
      },
    };
    const malattia = accepted(await call('InviaMalattia', fields, AUTH.medico)).idCertificato!;
    assertErrors(await rettificaDimissione(malattia, '2026-11-28'), [['7001', 'idCertificato']]);
    assert.equal((await gw.gateway.store.getCertificate(malattia))?.state, 'attivo');
  });

  test('a cancelled discharge cannot be rectified (7002)', async () => {
    const id = await admit();
    const original = await discharge(id);
    accepted(await annullaMalattia(original));
    assertErrors(await rettificaDimissione(original, '2026-11-28'), [['7002', 'idCertificato']]);
  });

  test('an operatore user is not enabled to RettificaDimissione (2009)', async () => {
    const id = await admit();
    const original = await discharge(id);
    assertErrors(await rettificaDimissione(original, '2026-11-28', { medico: { ...STRUTTURA }, auth: AUTH.operatore }), [['2009', 'medico']]);
    assert.equal((await gw.gateway.store.getCertificate(original))?.state, 'attivo');
  });
});
