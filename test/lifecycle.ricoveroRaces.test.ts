/**
 * Races on one admission must end with exactly one winner (issue 3,
 * "Concurrency"): two discharges for the same admission, a cancellation of
 * the admission against its discharge, two cancellations. Requests are sent
 * concurrently to a real gateway; the verdict is read back from the SQLite
 * file itself, not from the answers alone. The same races are also run
 * between two gateway processes sharing one data directory, where the
 * requests truly run in parallel and only the store's write transaction can
 * keep them apart. No assertion depends on which request wins.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hashSecret } from '../src/auth/passwords.js';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { checkCharacter } from '../src/domain/codiceFiscale.js';
import { OPERATIONS, soapActionOf, type OperationName } from '../src/contract/operations.js';
import { assertErrors } from './support/assertions.js';
import { NO_RESUBMISSION_DETECTION, startGateway, type Running } from './support/gateway.js';
import { withTestStore } from './support/testStore.js';
import { defaultResidenza, envelope, type Fields } from './support/requests.js';
import { DEMO, basic, parseResponse, post, type ParsedResponse } from './support/soapClient.js';

const NOW = '2026-11-25T09:00:00.000Z';
const ADMITTED = '2026-11-20';
const WORKER = 'RSSMRA80A01H501U';
const STRUTTURA = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' } as const;
const ROUNDS = 20;
/**
 * A second hospital doctor of the admissions' structure (a discharge is filed
 * only by a doctor registered there; the demo's second doctor has no structure).
 */
const HOSPITAL_DOCTOR2 = { user: 'MNCLGU66H10H501' + checkCharacter('MNCLGU66H10H501'), password: 'Secondo.Ospedaliero.2026', pincode: '7777777777' };

const AUTH = {
  medico: basic(DEMO.medico.user, DEMO.medico.password),
  medico2: basic(HOSPITAL_DOCTOR2.user, HOSPITAL_DOCTOR2.password),
  regione: basic(DEMO.regione.user, DEMO.regione.password),
  operatore: basic(DEMO.operatore.user, DEMO.operatore.password),
};

let gw: Running;
let pin: string;
let pin2: string;
/** A second gateway process on the same data directory, for the cross-process races. */
let peer: { child: ChildProcess; endpoint: string };
/** A separate read-only connection to the store file: what is really on disk. */

/**
 * Start `dist/src/app.js` in a child process on gw's data directory with the
 * clock pinned to NOW, and wait for the URL it listens on.
 */
async function startPeer(dataDir: string): Promise<{ child: ChildProcess; endpoint: string }> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const app = pathToFileURL(path.join(here, '..', 'src', 'app.js')).href;
  const config = pathToFileURL(path.join(here, '..', 'src', 'config.js')).href;
  const script = `
    import { createGateway } from ${JSON.stringify(app)};
    import { loadConfig } from ${JSON.stringify(config)};
    const now = new Date(${JSON.stringify(NOW)});
    const env = ${JSON.stringify(withTestStore({ HOST: '127.0.0.1', PORT: '0', SAC_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...NO_RESUBMISSION_DETECTION }))};
    const gateway = createGateway(loadConfig(env), { clock: { now: () => now } });
    process.stdout.write((await gateway.listen()) + '\\n');
    process.on('SIGTERM', () => gateway.close().then(() => process.exit(0)));
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (line) => resolve(line.trim()));
    child.once('exit', (code) => reject(new Error(`peer gateway exited with ${code} before listening`)));
  });
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);
  return { child, endpoint: `${url}/CertServiceWeb/CertificatiMedici` };
}

before(async () => {
  gw = await startGateway(NO_RESUBMISSION_DETECTION);
  gw.clock.set(NOW);
  pin = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  pin2 = encryptField(gw.gateway.pincodeKey.certificatePem, HOSPITAL_DOCTOR2.pincode);
  // Before the peer starts: it reads users from the same store file.
  await gw.gateway.store.putUser({
    username: HOSPITAL_DOCTOR2.user,
    kind: 'medico',
    passwordHash: hashSecret(HOSPITAL_DOCTOR2.password),
    pincodeHash: hashSecret(HOSPITAL_DOCTOR2.pincode),
    ...STRUTTURA,
  });
  peer = await startPeer(gw.dataDir);
});

after(async () => {
  if (peer && peer.child.exitCode === null) {
    const exited = new Promise((resolve) => peer.child.once('exit', resolve));
    peer.child.kill('SIGTERM');
    await exited;
  }
  await gw.stop();
});

async function call(endpoint: string, name: OperationName, fields: Fields, auth: string): Promise<ParsedResponse> {
  const op = OPERATIONS.find((o) => o.name === name)!;
  const response = parseResponse(await post(endpoint, envelope(op.requestElement, fields), { auth, soapAction: soapActionOf(op) }));
  assert.equal(response.root, op.responseElement);
  return response;
}

async function admit(): Promise<string> {
  const fields: Fields = {
    operatore: { ...STRUTTURA },
    lavoratore: { codiceFiscale: WORKER },
    residenza: defaultResidenza(),
    ricovero: { dataRicovero: ADMITTED },
  };
  const response = await call(gw.endpoint, 'InviaRicovero', fields, AUTH.operatore);
  assert.deepEqual(response.errors, []);
  assert.match(response.ok.idInizioRicovero ?? '', /^[0-9]{10}$/);
  return response.ok.idInizioRicovero!;
}

/** A valid discharge for the admission; `who` picks one of three senders so racing requests differ. */
function invioDimissione(endpoint: string, id: string, who: 'medico' | 'medico2' | 'regione'): Promise<ParsedResponse> {
  const medico: Fields =
    who === 'medico' ? { pincode: pin, ...STRUTTURA } : who === 'medico2' ? { pincode: pin2, ...STRUTTURA } : { codiceFiscale: HOSPITAL_DOCTOR2.user, ...STRUTTURA };
  const fields: Fields = {
    medico,
    lavoratore: { codiceFiscale: WORKER },
    idInizioRicovero: id,
    residenza: defaultResidenza(),
    dimissione: {
      ruoloMedico: 'S',
      dataRicovero: ADMITTED,
      dataDimissione: '2026-11-25',
      dataFine: '2026-11-30',
      tipoCertificato: 'I',
      tipoRicovero: 'R',
      diagnosi: { codiceDiagnosi: '486' },
    },
  };
  return call(endpoint, 'InviaDimissione', fields, AUTH[who]);
}

function annullaRicovero(endpoint: string, id: string): Promise<ParsedResponse> {
  const fields: Fields = { operatore: { ...STRUTTURA }, lavoratore: { codiceFiscale: WORKER }, idCertificato: id };
  return call(endpoint, 'AnnullaRicovero', fields, AUTH.operatore);
}

/** Every stored certificate that closes this admission, whatever its state (all of the worker's, through the port). */
async function dischargeRows(id: string): Promise<{ id_certificato: string; state: string }[]> {
  const all = await gw.gateway.store.certificatesOfWorker(WORKER, 100_000);
  return all.filter((c) => c.kind === 'dimissione' && c.idInizioRicovero === id).map((c) => ({ id_certificato: c.idCertificato, state: c.state }));
}

async function ricoveroRow(id: string): Promise<{ state: string; id_annullamento: string | null } | undefined> {
  const admission = await gw.gateway.store.getRicovero(id);
  return admission && { state: admission.state, id_annullamento: admission.idAnnullamento ?? null };
}

type Target = 'one gateway' | 'two processes';
const endpoints = (target: Target): [string, string] => (target === 'one gateway' ? [gw.endpoint, gw.endpoint] : [gw.endpoint, peer.endpoint]);
const SENDERS: ReadonlyArray<['medico' | 'medico2' | 'regione', 'medico' | 'medico2' | 'regione']> = [
  ['medico', 'medico'],
  ['medico', 'medico2'],
  ['regione', 'medico'],
  ['medico2', 'regione'],
];

for (const target of ['one gateway', 'two processes'] as const) {
  describe(`races on one admission (${target})`, () => {
    test('two InviaDimissione for the same admission: one idCertificato, the other 7011, one row on disk', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const id = await admit();
        const [a, b] = endpoints(target);
        const [whoA, whoB] = SENDERS[round % SENDERS.length]!;
        const responses = await Promise.all([invioDimissione(a, id, whoA), invioDimissione(b, id, whoB)]);

        const winners = responses.filter((r) => r.errors.length === 0);
        const losers = responses.filter((r) => r.errors.length > 0);
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
        assert.equal(losers.length, 1);
        assertErrors(losers[0]!, [['7011', 'idInizioRicovero']]);
        const winner = winners[0]!.ok;
        assert.equal(winner.idInizioRicovero, id);
        assert.match(winner.idCertificato ?? '', /^[0-9]{10}$/);

        const rows = await dischargeRows(id);
        assert.deepEqual(rows, [{ id_certificato: winner.idCertificato, state: 'attivo' }], `round ${round}`);
        assert.equal((await gw.gateway.store.getCertificate(winner.idCertificato!))?.idInizioRicovero, id);
        assert.equal((await ricoveroRow(id))?.state, 'attivo');
      }
    });

    test('AnnullaRicovero against InviaDimissione: either cancelled with no discharge (7009), or discharged and not cancelled (7010)', async (t) => {
      const seen = { cancelled: 0, discharged: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const id = await admit();
        // Alternate which request leaves first and which process gets which, so no order is favoured.
        const [ea, eb] = endpoints(target);
        const [cancelAt, dischargeAt] = round % 2 === 0 ? [ea, eb] : [eb, ea];
        const who = SENDERS[round % SENDERS.length]![0];
        let cancel: ParsedResponse;
        let dimissione: ParsedResponse;
        if (round % 2 === 0) [cancel, dimissione] = await Promise.all([annullaRicovero(cancelAt, id), invioDimissione(dischargeAt, id, who)]);
        else [dimissione, cancel] = await Promise.all([invioDimissione(dischargeAt, id, who), annullaRicovero(cancelAt, id)]);

        const cancelWon = cancel.errors.length === 0;
        const dischargeWon = dimissione.errors.length === 0;
        assert.notEqual(cancelWon, dischargeWon, `round ${round}: cancel ${JSON.stringify(cancel.errors)}, discharge ${JSON.stringify(dimissione.errors)}`);
        const rows = await dischargeRows(id);
        const admission = await ricoveroRow(id);
        if (cancelWon) {
          seen.cancelled++;
          assert.match(cancel.ok.idAnnullamento ?? '', /^[0-9]{10}$/);
          assertErrors(dimissione, [['7009', 'idInizioRicovero']]);
          assert.deepEqual(rows, [], `round ${round}: a discharge exists for a cancelled admission`);
          assert.equal(admission?.state, 'annullato');
          assert.equal(admission?.id_annullamento, cancel.ok.idAnnullamento);
        } else {
          seen.discharged++;
          assertErrors(cancel, [['7010', 'idCertificato']]);
          assert.deepEqual(rows, [{ id_certificato: dimissione.ok.idCertificato, state: 'attivo' }]);
          assert.equal(admission?.state, 'attivo');
          assert.equal(admission?.id_annullamento, null);
        }
      }
      assert.equal(seen.cancelled + seen.discharged, ROUNDS);
      // Which side wins is up to the scheduler; reported, never asserted.
      t.diagnostic(`cancellation won ${seen.cancelled}, discharge won ${seen.discharged}`);
    });

    test('two AnnullaRicovero for the same admission: one idAnnullamento, the other 7009', async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const id = await admit();
        const [a, b] = endpoints(target);
        const responses = await Promise.all([annullaRicovero(a, id), annullaRicovero(b, id)]);
        const winners = responses.filter((r) => r.errors.length === 0);
        assert.equal(winners.length, 1, `round ${round}: ${winners.length} winners`);
        assertErrors(responses.find((r) => r.errors.length > 0)!, [['7009', 'idCertificato']]);
        const admission = await ricoveroRow(id);
        assert.equal(admission?.state, 'annullato');
        assert.equal(admission?.id_annullamento, winners[0]!.ok.idAnnullamento);
      }
    });
  });
}
