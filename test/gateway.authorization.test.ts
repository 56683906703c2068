/**
 * Authorization fails closed (issue 9, item 4), against a real gateway on a
 * loopback port with its own SQLite file:
 *  - a region, ASL or structure missing on either side denies (a regione user
 *    with no region, a doctor with no region, an operator with no registered
 *    region, ASL or structure);
 *  - InviaDimissione is decided by the AUTHENTICATED doctor's registered
 *    region/ASL/structure, not by what the request declares, and answers one
 *    uniform 7008 until the caller has proven it may see the admission: no
 *    7009 (cancelled) and no field-level 7012 for anyone else;
 *  - an admission that recorded no structure belongs to its operator's.
 * Users other than the demo set are added to the store with hashSecret.
 */
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { hashSecret } from '../src/auth/passwords.js';
import { OPERATIONS, soapActionOf, type OperationName } from '../src/contract/operations.js';
import { checkCharacter } from '../src/domain/codiceFiscale.js';
import type { UserRecord } from '../src/store/port.js';
import { assertErrors } from './support/assertions.js';
import { NOW, TODAY, pinnedGateway } from './support/demo.js';
import { NO_RESUBMISSION_DETECTION, type Running } from './support/gateway.js';
import { defaultResidenza, envelope, invioDimissione as dischargeFields, invioMalattia, type Fields } from './support/requests.js';
import { DEMO, basic, parseResponse, post, type ParsedResponse } from './support/soapClient.js';

const ADMITTED = '2026-11-20';
const FINE = '2026-11-30';
const WORKER = 'RSSMRA80A01H501U';
const WORKER2 = 'BNCGPP75C41F205S';
/** The demo operator's structure, and since issue 9 the demo doctor's too. */
const STRUTTURA = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' } as const;

const cf = (first15: string): string => first15 + checkCharacter(first15);

interface TestUser {
  readonly user: string;
  readonly password: string;
  readonly kind: UserRecord['kind'];
  readonly pincode?: string;
  readonly codiceRegione: string | null;
  readonly codiceAsl: string | null;
  readonly codiceStruttura: string | null;
}

const doctor = (first15: string, pincode: string, r: string | null, a: string | null, s: string | null): TestUser => ({
  user: cf(first15),
  password: `Pw.${first15}`,
  kind: 'medico',
  pincode,
  codiceRegione: r,
  codiceAsl: a,
  codiceStruttura: s,
});
const operator = (first15: string, r: string | null, a: string | null, s: string | null): TestUser => ({
  user: cf(first15),
  password: `Pw.${first15}`,
  kind: 'operatore',
  codiceRegione: r,
  codiceAsl: a,
  codiceStruttura: s,
});

const U = {
  /** Hospital doctors registered elsewhere than the demo structure. */
  docRegion030: doctor('BLLGNN70A01F205', '3030303030', '030', '301', '030101'),
  docOtherAsl: doctor('CSTLCU72B02H501', '2020202020', '120', '202', '120902'),
  docOtherStructure: doctor('DNTMRA74C43H501', '1919191919', '120', '201', '120903'),
  /** A doctor with no region at all, and one with region and ASL but no structure. */
  docNoRegion: doctor('FRRPLA76D04L219', '4444444444', null, null, null),
  docNoStructure: doctor('GRCSRA78E45H501', '6666666666', '120', '201', null),
  /** A second doctor of the demo structure. */
  docSameStructure: doctor('MNCLGU66H10H501', '7777777777', '120', '201', '120901'),
  regioneNoRegion: { user: 'REGIONESENZA', password: 'Pw.RegioneSenza', kind: 'regione', codiceRegione: null, codiceAsl: null, codiceStruttura: null } as TestUser,
  opNoRegion: operator('LNGPRT80H10H501', null, '201', '120901'),
  opNoAsl: operator('MRNLSS82L51H501', '120', null, '120901'),
  opNoStructure: operator('PGNFNC84M12H501', '120', '201', null),
  /** Same region and ASL as the demo operator, another structure. */
  opOtherStructure: operator('RZZDRA86P53H501', '120', '201', '120903'),
};

const auth = (u: TestUser | { user: string; password: string }): string => basic(u.user, u.password);
const AUTH = {
  medico: auth(DEMO.medico),
  medico2: auth(DEMO.medico2),
  regione: auth(DEMO.regione),
  operatore: auth(DEMO.operatore),
};

let gw: Running;
let pin: string;
const pins = new Map<string, string>();
const pinOf = (u: TestUser): string => pins.get(u.user)!;

before(async () => {
  // The hashes first: made synchronously, they would hold the in-process gateway's event loop long enough, on a
  // loaded machine, for its admission control to refuse the first requests as overloaded (503).
  const hashes = new Map(Object.values(U).map((u) => [u.user, { password: hashSecret(u.password), pincode: u.pincode === undefined ? null : hashSecret(u.pincode) }]));
  ({ gw, pin } = await pinnedGateway(NOW, NO_RESUBMISSION_DETECTION));
  const pem = gw.gateway.pincodeKey.certificatePem;
  pins.set(DEMO.medico2.user, encryptField(pem, DEMO.medico2.pincode));
  for (const u of Object.values(U)) {
    await gw.gateway.store.putUser({
      username: u.user,
      kind: u.kind,
      passwordHash: hashes.get(u.user)!.password,
      pincodeHash: hashes.get(u.user)!.pincode,
      codiceRegione: u.codiceRegione,
      codiceAsl: u.codiceAsl,
      codiceStruttura: u.codiceStruttura,
    });
    if (u.pincode !== undefined) pins.set(u.user, encryptField(pem, u.pincode));
  }
});
after(async () => gw.stop());
beforeEach(() => gw.clock.set(NOW));

// ---------------------------------------------------------------- requests

async function call(name: OperationName, fields: Fields, authorization: string): Promise<ParsedResponse> {
  const op = OPERATIONS.find((o) => o.name === name)!;
  const response = parseResponse(await post(gw.endpoint, envelope(op.requestElement, fields), { auth: authorization, soapAction: soapActionOf(op) }));
  assert.equal(response.root, op.responseElement);
  return response;
}

function accepted(response: ParsedResponse): Record<string, string> {
  assert.deepEqual(response.errors, [], `refused: ${JSON.stringify(response.errors)}`);
  return response.ok;
}

function invioRicovero(operatore: Fields, authorization: string): Promise<ParsedResponse> {
  return call(
    'InviaRicovero',
    { operatore, lavoratore: { codiceFiscale: WORKER }, residenza: defaultResidenza(), ricovero: { dataRicovero: ADMITTED } },
    authorization,
  );
}

/** An admission by the demo operator; `withStructure: false` leaves codiceStruttura out, so none is recorded. */
async function admit(withStructure = true): Promise<string> {
  const operatore: Fields = withStructure ? { ...STRUTTURA } : { codiceRegione: '120', codiceAsl: '201' };
  const id = accepted(await invioRicovero(operatore, AUTH.operatore)).idInizioRicovero!;
  assert.match(id, /^[0-9]{10}$/);
  return id;
}

interface DimissioneOptions {
  lavoratore?: string;
  residenza?: Fields;
  dimissione?: Fields;
}

function invioDimissione(id: string, medico: Fields, authorization: string, o: DimissioneOptions = {}): Promise<ParsedResponse> {
  return call(
    'InviaDimissione',
    dischargeFields(TODAY, { ...o, lavoratore: o.lavoratore ?? WORKER, medico, idInizioRicovero: id, dataRicovero: ADMITTED, dataFine: FINE }),
    authorization,
  );
}

/** A doctor acting for itself, declaring `declared` as its region/ASL/structure. */
const asDoctor = (u: TestUser, declared: Fields = STRUTTURA): [Fields, string] => [{ pincode: pinOf(u), ...declared }, auth(u)];
const asDemoDoctor = (declared: Fields = STRUTTURA): [Fields, string] => [{ pincode: pin, ...declared }, AUTH.medico];
/** The demo region acting for a doctor. */
const viaRegione = (doctorCf: string, declared: Fields = STRUTTURA): [Fields, string] => [{ codiceFiscale: doctorCf, ...declared }, AUTH.regione];

/** The one answer for "no such admission", from an unknown PUCIR: what every unauthorized caller must get, byte for byte. */
let notFound: ParsedResponse;
async function uniformNotFound(response: ParsedResponse): Promise<void> {
  notFound ??= await invioDimissione('123456789012345678', ...asDemoDoctor());
  assertErrors(notFound, [['7008', 'idInizioRicovero']]);
  assert.deepEqual(response.errors, notFound.errors);
}

async function storedUnchanged<T>(run: () => Promise<T>): Promise<T> {
  const before = await gw.gateway.store.countCertificates();
  const result = await run();
  assert.equal(await gw.gateway.store.countCertificates(), before, 'a refused request must store nothing');
  return result;
}

// ---------------------------------------------------------------- missing attributes deny

describe('a region missing on either side denies', () => {
  test('a regione user with no region cannot act for any doctor (2015), on any operation; nothing is stored', async () => {
    const fields = invioMalattia(TODAY, { medico: { codiceFiscale: DEMO.medico.user } });
    const r = await storedUnchanged(() => call('InviaMalattia', fields, auth(U.regioneNoRegion)));
    assertErrors(r, [['2015', 'medico']]);
    assertErrors(
      await call('InterrogazioneLavoratore', { medico: { codiceFiscale: DEMO.medico.user }, lavoratore: { codiceFiscale: WORKER } }, auth(U.regioneNoRegion)),
      [['2015', 'medico']],
    );
    // Not even for a doctor who has no region either.
    assertErrors(
      await call('InterrogazioneLavoratore', { medico: { codiceFiscale: U.docNoRegion.user }, lavoratore: { codiceFiscale: WORKER } }, auth(U.regioneNoRegion)),
      [['2015', 'medico']],
    );
  });

  test('a regione user with no region cannot act for an operator (2015); nothing is stored', async () => {
    const r = await invioRicovero({ codiceFiscale: DEMO.operatore.user, ...STRUTTURA }, auth(U.regioneNoRegion));
    assertErrors(r, [['2015', 'operatore']]);
  });

  test('a region user cannot act for a doctor who has no region (2008); nothing is stored', async () => {
    const fields = invioMalattia(TODAY, { medico: { codiceFiscale: U.docNoRegion.user } });
    const r = await storedUnchanged(() => call('InviaMalattia', fields, AUTH.regione));
    assertErrors(r, [['2008', 'medico/codiceFiscale']]);
    assertErrors(
      await call('InterrogazioneLavoratore', { medico: { codiceFiscale: U.docNoRegion.user }, lavoratore: { codiceFiscale: WORKER } }, AUTH.regione),
      [['2008', 'medico/codiceFiscale']],
    );
    // The same doctor acting for itself is not a region matter: accepted.
    accepted(await call('InviaMalattia', invioMalattia(TODAY, { medico: { pincode: pinOf(U.docNoRegion) } }), auth(U.docNoRegion)));
  });

  test('an operator with no registered region, ASL or structure cannot send or cancel admissions nor read a worker (2016), itself or through the region', async () => {
    const id = await admit();
    for (const op of [U.opNoRegion, U.opNoAsl, U.opNoStructure]) {
      assertErrors(await invioRicovero({ ...STRUTTURA }, auth(op)), [['2016', 'operatore']]);
      assertErrors(await invioRicovero({ codiceRegione: '120', codiceAsl: '201' }, auth(op)), [['2016', 'operatore']]);
      assertErrors(await invioRicovero({ codiceFiscale: op.user, ...STRUTTURA }, AUTH.regione), [['2016', 'operatore']]);
      const cancel = await call('AnnullaRicovero', { operatore: { ...STRUTTURA }, lavoratore: { codiceFiscale: WORKER }, idCertificato: id }, auth(op));
      assertErrors(cancel, [['2016', 'operatore']]);
      const silent = await call('AnnullaRicovero', { lavoratore: { codiceFiscale: WORKER }, idCertificato: id }, auth(op));
      assertErrors(silent, [['2016', 'operatore']]);
      // Nor read a worker (disciplinare 3.7 is the health authority's: an operator of no hospital is none).
      assertErrors(await call('InterrogazioneLavoratore', { medico: {}, lavoratore: { codiceFiscale: WORKER } }, auth(op)), [['2016', 'medico']]);
    }
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'attivo');
  });
});

// ---------------------------------------------------------------- InviaDimissione

describe("InviaDimissione is decided by the authenticated doctor's registration", () => {
  test('a doctor of region 030 declaring the admission\'s codes gets the uniform 7008 and cannot file; the hospital\'s own doctor then can', async () => {
    const id = await admit();
    const r = await storedUnchanged(() => invioDimissione(id, ...asDoctor(U.docRegion030)));
    await uniformNotFound(r);
    // Through the region of 120 it cannot be reached either: that doctor is not of region 120.
    assertErrors(await invioDimissione(id, ...viaRegione(U.docRegion030.user)), [['2008', 'medico/codiceFiscale']]);
    const ok = accepted(await invioDimissione(id, ...asDemoDoctor()));
    assert.equal((await gw.gateway.store.getCertificate(ok.idCertificato!))?.medicoCf, DEMO.medico.user);
  });

  test('doctors of another ASL or another structure of the region get exactly the uniform 7008, directly or through the region', async () => {
    const id = await admit();
    for (const u of [U.docOtherAsl, U.docOtherStructure]) {
      await uniformNotFound(await storedUnchanged(() => invioDimissione(id, ...asDoctor(u))));
      await uniformNotFound(await storedUnchanged(() => invioDimissione(id, ...viaRegione(u.user))));
      // Declaring their own codes changes nothing.
      const own = { codiceRegione: u.codiceRegione!, codiceAsl: u.codiceAsl!, codiceStruttura: u.codiceStruttura! };
      await uniformNotFound(await storedUnchanged(() => invioDimissione(id, ...asDoctor(u, own))));
    }
    // A second doctor of the admission's structure may, through the region too.
    const ok = accepted(await invioDimissione(id, ...viaRegione(U.docSameStructure.user)));
    assert.equal((await gw.gateway.store.getCertificate(ok.idCertificato!))?.medicoCf, U.docSameStructure.user);
  });

  test('an admission that recorded no structure is its operator\'s structure: another structure of the same ASL gets 7008', async () => {
    const id = await admit(false);
    assert.equal((await gw.gateway.store.getRicovero(id))?.codiceStruttura, null);
    const declared = { codiceRegione: '120', codiceAsl: '201' };
    await uniformNotFound(await storedUnchanged(() => invioDimissione(id, ...asDoctor(U.docOtherStructure, declared))));
    accepted(await invioDimissione(id, ...asDemoDoctor(declared)));
  });

  test('no 7012 details and no 7009 state for an unauthorized doctor; the authorized one gets them', async () => {
    const id = await admit();
    const wrong: DimissioneOptions = { residenza: { ...defaultResidenza(), via: 'Via Cavour' }, dimissione: { dataRicovero: '2026-11-19' } };
    const declaredWrong = { codiceRegione: '130', codiceAsl: '999', codiceStruttura: '999999' };
    // Another structure's doctor learns nothing of the residence, the date or the codes recorded.
    await uniformNotFound(await invioDimissione(id, ...asDoctor(U.docOtherStructure, declaredWrong), wrong));
    await uniformNotFound(await invioDimissione(id, ...asDoctor(U.docOtherStructure), wrong));
    // The right PUCIR with another worker is "not found" even for the own doctor.
    await uniformNotFound(await invioDimissione(id, ...asDemoDoctor(), { lavoratore: WORKER2 }));
    // The hospital's own doctor is told what differs.
    assertErrors(await invioDimissione(id, ...asDemoDoctor(declaredWrong), wrong), [
      ['7012', 'medico/codiceRegione'],
      ['7012', 'medico/codiceAsl'],
      ['7012', 'medico/codiceStruttura'],
      ['7012', 'residenza'],
      ['7012', 'dimissione/dataRicovero'],
    ]);
    // A cancelled admission: 7009 only for its own structure's doctor.
    accepted(await call('AnnullaRicovero', { operatore: { ...STRUTTURA }, lavoratore: { codiceFiscale: WORKER }, idCertificato: id }, AUTH.operatore));
    await uniformNotFound(await invioDimissione(id, ...asDoctor(U.docOtherStructure)));
    assertErrors(await invioDimissione(id, ...asDemoDoctor()), [['7009', 'idInizioRicovero']]);
  });

  test('a doctor with no structure cannot file a discharge (2017), directly or through the region; nothing is stored', async () => {
    const id = await admit(false);
    const declared = { codiceRegione: '120', codiceAsl: '201' };
    for (const [medico, authorization] of [
      [{ pincode: pins.get(DEMO.medico2.user)!, ...declared }, AUTH.medico2],
      viaRegione(DEMO.medico2.user, declared),
      asDoctor(U.docNoStructure, declared),
      viaRegione(U.docNoStructure.user, declared),
      asDoctor(U.docNoRegion, declared),
    ] as const) {
      assertErrors(await storedUnchanged(() => invioDimissione(id, medico, authorization)), [['2017', 'medico']]);
    }
    // The admission is still free for its own structure's doctor.
    accepted(await invioDimissione(id, ...asDemoDoctor(declared)));
  });
});

// ---------------------------------------------------------------- AnnullaRicovero

describe('AnnullaRicovero on an admission that recorded no structure', () => {
  test("only the operator's structure may cancel it: another structure of the same ASL gets 7008", async () => {
    const id = await admit(false);
    const fields = (operatore: Fields): Fields => ({ operatore, lavoratore: { codiceFiscale: WORKER }, idCertificato: id });
    assertErrors(await call('AnnullaRicovero', fields({ codiceRegione: '120', codiceAsl: '201' }), auth(U.opOtherStructure)), [['7008', 'idCertificato']]);
    assertErrors(
      await call('AnnullaRicovero', fields({ codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120903' }), auth(U.opOtherStructure)),
      [['7008', 'idCertificato']],
    );
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'attivo');
    accepted(await call('AnnullaRicovero', fields({ codiceRegione: '120', codiceAsl: '201' }), AUTH.operatore));
    assert.equal((await gw.gateway.store.getRicovero(id))?.state, 'annullato');
  });
});
