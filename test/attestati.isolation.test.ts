/**
 * Isolation under concurrency (issue 12, point 6): two employers (the demo
 * one, and a second created here with its own employments) and two workers
 * fire ~200 mixed AttestatiMalattia requests at once on a real gateway; every
 * answer is valid against attestati.xsd and carries only its requester's
 * data: the workers' codici fiscali and the protocol numbers in it are among
 * those the requester may see, and each list holds exactly them.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { hashSecret } from '../src/auth/passwords.js';
import type { AttestatiOperationName } from '../src/attestati/contract.js';
import { NOW, TODAY } from './support/demo.js';
import { NO_RESUBMISSION_DETECTION, startGateway, type Running } from './support/gateway.js';
import { callFrom, DATORE, LAVORATORE, parseAnswer } from './support/attestati.js';
import { envelope, invioMalattia, type Fields } from './support/requests.js';
import { DEMO, parseResponse, post } from './support/soapClient.js';

const BIANCHI = 'BNCGPP75C41F205S';
const VERDI = 'VRDLGU62T10L219V';
/** The second employer (a valid company codice fiscale) and the second worker, created here. */
const DATORE2 = { user: '01234567897', password: 'Datore.Secondo.2026' };
const LAVORATORE2 = { user: VERDI, password: 'Lavoratore.Verdi.2026' };
const ROSSI = LAVORATORE.user;
/** Requests fired at once. */
const REQUESTS = 200;

let gw: Running;
/** Each worker's PUCs (two certificates each). */
const pucs: Record<string, string[]> = { [ROSSI]: [], [BIANCHI]: [], [VERDI]: [] };

before(async () => {
  gw = await startGateway({ ...NO_RESUBMISSION_DETECTION, SAC_RATE_LIMITS: 'off', SAC_LOOKUP_FAILURES: 'off', SAC_MAX_EVENT_LOOP_DELAY_MS: '0' });
  gw.clock.set(NOW);
  const store = gw.gateway.store;
  await store.putEmployments([{ workerCf: VERDI, employerCf: DATORE2.user, ragioneSociale: 'Seconda Azienda S.p.A.', matricolaInps: '9876543210', codSede: '1301', from: '2015-01-01', to: null }]);
  for (const [who, kind] of [[DATORE2, 'datore'], [LAVORATORE2, 'lavoratore']] as const) {
    await store.putUser({ username: who.user, kind, passwordHash: hashSecret(who.password), pincodeHash: null, codiceRegione: null, codiceAsl: null, codiceStruttura: null });
  }
  const pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  for (const cf of [ROSSI, BIANCHI, VERDI]) {
    for (const fine of ['2026-11-26', '2026-11-28']) {
      const sent = parseResponse(await post(gw.endpoint, envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: { pincode: pin }, lavoratore: cf, malattia: { dataFine: fine } }))));
      assert.deepEqual(sent.errors, []);
      pucs[cf]!.push(sent.ok.idCertificato!);
    }
  }
});
after(async () => {
  await gw?.stop();
});

interface Requester {
  readonly who: { user: string; password: string };
  /** The workers whose documents it may see. */
  readonly workers: readonly string[];
  /** Its list operation. */
  readonly list: [AttestatiOperationName, Fields];
}

const REQUESTERS: readonly Requester[] = [
  { who: DATORE, workers: [ROSSI, BIANCHI], list: ['ElencoDocumentiDatore', { dal: TODAY, al: TODAY }] },
  { who: DATORE2, workers: [VERDI], list: ['ElencoDocumentiDatore', { dal: TODAY, al: TODAY }] },
  { who: LAVORATORE, workers: [ROSSI], list: ['ElencoDocumentiLavoratore', {}] },
  { who: LAVORATORE2, workers: [VERDI], list: ['ElencoDocumentiLavoratore', {}] },
];

const ALL_CFS = [ROSSI, BIANCHI, VERDI];

test(`${REQUESTS} mixed requests from two employers and two workers at once: each answer only its requester's`, async () => {
  const allPucs = Object.values(pucs).flat();
  const jobs: { requester: Requester; name: AttestatiOperationName; fields: Fields; expectOk: boolean; puc?: string }[] = [];
  for (let i = 0; i < REQUESTS; i++) {
    const requester = REQUESTERS[i % REQUESTERS.length]!;
    const kind = Math.floor(i / REQUESTERS.length) % 4;
    const puc = allPucs[(i * 7) % allPucs.length]!;
    const theirs = requester.workers.some((cf) => pucs[cf]!.includes(puc));
    if (kind === 0) jobs.push({ requester, name: requester.list[0], fields: requester.list[1], expectOk: true });
    else if (kind === 1) jobs.push({ requester, name: 'ConsultaDocumento', fields: { idCertificato: puc }, expectOk: theirs, puc });
    else if (kind === 2) {
      // CF+PUC with the requester's own first worker: right only for that worker's PUCs.
      const cf = requester.workers[0]!;
      jobs.push({ requester, name: 'ConsultaAttestato', fields: { codiceFiscaleLavoratore: cf, idCertificato: puc }, expectOk: pucs[cf]!.includes(puc), puc });
    } else if (i % 5 === 0) jobs.push({ requester, name: 'StampaDocumento', fields: { idCertificato: puc }, expectOk: theirs, puc });
    else jobs.push({ requester, name: 'ConsultaDocumento', fields: { idCertificato: pucs[requester.workers[0]!]![i % 2]! }, expectOk: true });
  }
  // Each requester from its own address (four clients, one connection per request).
  const answers = await Promise.all(jobs.map((job) => callFrom(gw.url, job.name, job.fields, job.requester.who, `127.0.7.${REQUESTERS.indexOf(job.requester) + 1}`)));
  let oks = 0;
  for (const [i, job] of jobs.entries()) {
    if (answers[i]!.status !== 200) assert.fail(`#${i}: ${answers[i]!.status} ${answers[i]!.text.slice(0, 400)}`);
    const answer = parseAnswer(answers[i]!, job.name);
    const what = `#${i} ${job.name} by ${job.requester.who.user}`;
    assert.equal(answer.ok, job.expectOk, `${what}: ${JSON.stringify(answer.errors)}`);
    if (!answer.ok) {
      assert.equal(answer.errors[0]!.tipoErrore, '7020', what);
      for (const id of allPucs) assert.ok(!answer.xml.includes(id), `${what} echoes ${id}`);
      continue;
    }
    oks++;
    const allowedPucs = job.requester.workers.flatMap((cf) => pucs[cf]!);
    for (const cf of ALL_CFS) {
      if (!job.requester.workers.includes(cf)) assert.ok(!answer.xml.includes(cf), `${what} holds ${cf}`);
    }
    for (const id of allPucs) {
      if (!allowedPucs.includes(id)) assert.ok(!answer.xml.includes(id), `${what} holds ${id}`);
    }
    if (job.name === 'ElencoDocumentiDatore' || job.name === 'ElencoDocumentiLavoratore') {
      assert.deepEqual([...new Set(answer.all('idCertificato'))].sort(), [...allowedPucs].sort(), `${what}: exactly its documents`);
    } else if (job.name === 'StampaDocumento') {
      assert.equal(answer.fields.idCertificato, job.puc);
    } else {
      const id = answer.fields['attestato/idCertificato'] ?? answer.fields['certificato/idCertificato'];
      assert.equal(id, job.fields.idCertificato, what);
    }
  }
  assert.ok(oks > REQUESTS / 3, `a fair share answered ok (${oks})`);
});
