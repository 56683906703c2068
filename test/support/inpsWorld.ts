/**
 * A gateway holding the INPS side's cases for the HTTP tests
 * (test/inps.http*.test.ts): documents sent through the real
 * CertificatiMedici operations (real SQLite), two employers, two workers
 * who log in, and one worker nobody here employs in the demo employer.
 *
 *  - the demo employer 12345678903 employs RSSMRA80A01H501U and BNCGPP75C41F205S (demo data);
 *  - a second employer, 01234567897, employs VRDLGU62T10L219V (open-ended), employed
 *    RSSMRA80A01H501U in 2010-2014 (ended: no absence of 2026 is its business) and will
 *    employ BNCGPP75C41F205S from December 2026 (not yet);
 *  - workers who log in: RSSMRA80A01H501U (demo) and BNCGPP75C41F205S (added here).
 *
 * Sent, on 24 and 25 November 2026 (Rome):
 *  c0  sickness, RSSMRA, received 24 Nov
 *  r1  admission of RSSMRA (20 Nov), by the demo operator
 *  c1  sickness, RSSMRA, accented reperibilità; rectified by c1r at 10:20
 *  c2  sickness, BNCGPP; cancelled at 10:10
 *  c3  sickness, VRDLGU (the second employer's)
 *  d1  discharge of RSSMRA closing r1
 * Every diagnosis note carries MARKER.
 */
import assert from 'node:assert/strict';
import type { Logger } from 'pino';
import { hashSecret } from '../../src/auth/passwords.js';
import { encryptField } from '../../src/auth/pincodeCipher.js';
import { OPERATIONS, soapActionOf, type OperationName } from '../../src/contract/operations.js';
import { NO_RESUBMISSION_DETECTION, startGateway, tempDir, type Running } from './gateway.js';
import { defaultResidenza, envelope, invioDimissione, invioMalattia, type Fields } from './requests.js';
import { DEMO, basic, parseResponse, post } from './soapClient.js';

export const TODAY = '2026-11-25';
export const YESTERDAY = '2026-11-24';
/** In the diagnosis notes of every certificate: never in what an employer or a log gets. */
export const MARKER = 'ZQXHTTPDIAGNOSI';
export const CODICE_DIAGNOSI = '487.1';

export interface Login {
  readonly user: string;
  readonly password: string;
}
export const DATORE: Login = { user: '12345678903', password: 'Demo.Datore.2026' };
export const DATORE2: Login = { user: '01234567897', password: 'Datore.Due.2026' };
export const LAVORATORE: Login = { user: 'RSSMRA80A01H501U', password: 'Demo.Lavoratore.2026' };
export const LAVORATORE2: Login = { user: 'BNCGPP75C41F205S', password: 'Lavoratore.Due.2026' };
export const MEDICO: Login = { user: DEMO.medico.user, password: DEMO.medico.password };
export const MEDICO2: Login = { user: DEMO.medico2.user, password: DEMO.medico2.password };
export const OPERATORE: Login = { user: DEMO.operatore.user, password: DEMO.operatore.password };
export const REGIONE: Login = { user: DEMO.regione.user, password: DEMO.regione.password };
/** Nobody logs in as him; the demo employer does not employ him. */
export const VERDI = 'VRDLGU62T10L219V';

export const STRUTTURA = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' } as const;

export interface Ids {
  readonly c0: string;
  readonly r1: string;
  readonly c1: string;
  readonly c1r: string;
  readonly c2: string;
  readonly c3: string;
  readonly d1: string;
}

export interface InpsWorld {
  readonly gw: Running;
  readonly ids: Ids;
  /** GET `path` (with its query) as `who` (no Authorization header when undefined). */
  get(path: string, who?: Login): Promise<Response>;
}

export function authOf(who: Login): string {
  return basic(who.user, who.password);
}

export async function startInpsWorld(env: Record<string, string> = {}, logger?: Logger): Promise<InpsWorld> {
  const gw = await startGateway({ ...NO_RESUBMISSION_DETECTION, ...env }, tempDir(), logger);
  const store = gw.gateway.store;
  await store.putUser({ username: DATORE2.user, kind: 'datore', passwordHash: hashSecret(DATORE2.password), pincodeHash: null, codiceRegione: null, codiceAsl: null, codiceStruttura: null });
  await store.putUser({ username: LAVORATORE2.user, kind: 'lavoratore', passwordHash: hashSecret(LAVORATORE2.password), pincodeHash: null, codiceRegione: null, codiceAsl: null, codiceStruttura: null });
  const second = { employerCf: DATORE2.user, ragioneSociale: 'Seconda Azienda S.p.A.', matricolaInps: '9876543210', codSede: '5100' };
  await store.putEmployments([
    { ...second, workerCf: VERDI, from: '2020-01-01', to: null },
    { ...second, workerCf: LAVORATORE.user, from: '2010-01-01', to: '2014-12-31' },
    { ...second, workerCf: LAVORATORE2.user, from: '2026-12-01', to: null },
  ]);

  const pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  const medico = authOf(MEDICO);
  const operatore = authOf(OPERATORE);
  const call = async (name: OperationName, fields: Fields, auth: string): Promise<Record<string, string>> => {
    const op = OPERATIONS.find((o) => o.name === name)!;
    const response = parseResponse(await post(gw.endpoint, envelope(op.requestElement, fields), { auth, soapAction: soapActionOf(op) }));
    assert.deepEqual(response.errors, [], `${name} refused: ${JSON.stringify(response.errors)}`);
    return response.ok;
  };
  const at = (hhmm: string, day = TODAY): void => gw.clock.set(`${day}T${hhmm}:00.000+01:00`);
  const diagnosi = (n: number): Fields => ({ codiceDiagnosi: CODICE_DIAGNOSI, noteDiagnosi: `Sindrome febbrile ${MARKER} ${n}` });
  const sick = (day: string, cf: string, n: number, extra: Partial<Parameters<typeof invioMalattia>[1]> = {}): Fields =>
    invioMalattia(day, { medico: { pincode: pin }, lavoratore: cf, diagnosi: diagnosi(n), ...extra });

  at('18:00', YESTERDAY);
  const c0 = (await call('InviaMalattia', sick(YESTERDAY, LAVORATORE.user, 0), medico)).idCertificato!;
  at('09:00');
  const r1 = (
    await call(
      'InviaRicovero',
      { operatore: { ...STRUTTURA }, lavoratore: { codiceFiscale: LAVORATORE.user }, residenza: defaultResidenza(), ricovero: { dataRicovero: '2026-11-20' } },
      operatore,
    )
  ).idInizioRicovero!;
  at('09:30');
  const c1 = (
    await call(
      'InviaMalattia',
      sick(TODAY, LAVORATORE.user, 1, {
        reperibilita: { cognome: "D'Annunzio", indirizzo: { via: "Via dell'Unità d'Italia", civico: '3/B', cap: '47121', comune: 'Forlì', provincia: 'FC' } },
        malattia: { dataFine: '2026-11-30', trauma: 'false' },
      }),
      medico,
    )
  ).idCertificato!;
  at('09:40');
  const c2 = (await call('InviaMalattia', sick(TODAY, LAVORATORE2.user, 2), medico)).idCertificato!;
  at('09:50');
  const c3 = (await call('InviaMalattia', sick(TODAY, VERDI, 3), medico)).idCertificato!;
  at('10:00');
  const d1 = (
    await call(
      'InviaDimissione',
      invioDimissione(TODAY, {
        medico: { pincode: pin, ...STRUTTURA },
        lavoratore: LAVORATORE.user,
        idInizioRicovero: r1,
        dataRicovero: '2026-11-20',
        dataFine: '2026-12-05',
        dimissione: { diagnosi: diagnosi(4), agevolazioni: 'C' },
      }),
      medico,
    )
  ).idCertificato!;
  at('10:10');
  await call('AnnullaMalattia', { medico: { pincode: pin }, lavoratore: { codiceFiscale: LAVORATORE2.user }, idCertificato: c2 }, medico);
  at('10:20');
  const c1r = (
    await call('RettificaMalattia', { medico: { pincode: pin }, lavoratore: { codiceFiscale: LAVORATORE.user }, idCertificato: c1, dataFine: '2026-11-27' }, medico)
  ).idCertificato!;
  at('11:00');

  return {
    gw,
    ids: { c0, r1, c1, c1r, c2, c3, d1 },
    get: (path, who) => fetch(`${gw.url}${path}`, { headers: who === undefined ? {} : { authorization: authOf(who) } }),
  };
}
