/**
 * The gateway on PostgreSQL (SAC_DATABASE_URL, issue 13): a real gateway on
 * a fresh database of the throw-away cluster (test/support/postgres.ts)
 * answers the doctor's operations, an idempotent resubmission, the INPS
 * side and /healthz; a second gateway on the same database (its own pool,
 * its own data directory, the shared pincode key) sees the first one's
 * certificate, and the demo data is seeded once. Without PostgreSQL the test
 * is skipped, saying why; under CI=true it fails.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { call as callInps, LAVORATORE, parseAnswer } from './support/attestati.js';
import { startGateway, tempDir, type Running } from './support/gateway.js';
import { usePostgres } from './support/postgres.js';
import { envelope, invioMalattia, type Fields } from './support/requests.js';
import { DEMO, basic, parseResponse, post, type ParsedResponse } from './support/soapClient.js';

const postgres = usePostgres();
const ROSSI = LAVORATORE.user;
const TODAY = '2026-11-25';
const NOW = '2026-11-25T10:00:00+01:00';
const PUC = /^[1-9][0-9]{9}$/;
const running: Running[] = [];
const dirs: string[] = [];

after(async () => {
  for (const gw of running) await gw.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function soap(gw: Running, op: string, root: string, fields: Fields): Promise<ParsedResponse> {
  gw.clock.set(NOW);
  const pincode = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  return parseResponse(
    await post(gw.endpoint, envelope(root, { medico: { pincode }, ...fields }), {
      auth: basic(DEMO.medico.user, DEMO.medico.password),
      soapAction: `http://ws.cert.sanita.finanze.it/${op}`,
    }),
  );
}

/** The same InviaMalattia every time (same body, same instant): a resubmission the second time. */
function invia(gw: Running): Promise<ParsedResponse> {
  gw.clock.set(NOW);
  const pincode = encryptField(gw.gateway.pincodeKey.certificatePem, DEMO.medico.pincode);
  const fields = invioMalattia(TODAY, { medico: { pincode }, lavoratore: ROSSI, malattia: { dataInizio: TODAY, dataFine: '2026-11-27', visita: 'A' } });
  return soap(gw, 'InviaMalattia', 'invioMalattiaRequest', fields);
}

test('two gateways on one PostgreSQL database: the operations, a resubmission, the INPS side, /healthz; one sees the other\'s certificate; the demo seeded once', async (t) => {
  const url = await postgres.database(t);
  if (url === undefined) return;
  const keyDir = tempDir('sac-pg-key-');
  dirs.push(keyDir);
  const env = { SAC_DATABASE_URL: url, SAC_DB_POOL_SIZE: '4', SAC_PINCODE_KEY_DIR: keyDir };
  const first = await startGateway(env);
  running.push(first);

  assert.equal((await fetch(`${first.url}/healthz`)).status, 200);
  const users = await first.gateway.store.countUsers();
  const persons = await first.gateway.store.countPersons();
  assert.ok(users > 0 && persons > 0, 'the demo data is in the database');

  const sent = await invia(first);
  assert.deepEqual(sent.errors, [], JSON.stringify(sent.errors));
  const puc = sent.ok.idCertificato!;
  assert.match(puc, PUC);
  const again = await invia(first);
  assert.deepEqual(again.errors, []);
  assert.equal(again.ok.idCertificato, puc, 'the resubmission answers the same receipt');
  assert.equal(again.ok.dataRicezione, sent.ok.dataRicezione);
  assert.equal(await first.gateway.store.countCertificates(), 1, 'one certificate for the two sends');

  const found = await soap(first, 'RicercaMalattia', 'ricercaMalattiaRequest', { lavoratore: { codiceFiscale: ROSSI } });
  assert.deepEqual(found.errors, []);
  assert.ok(found.xml.includes(puc), 'RicercaMalattia finds the certificate');

  // A second node: its own data directory and pool, the same database and pincode key.
  const second = await startGateway(env);
  running.push(second);
  assert.equal(await second.gateway.store.countUsers(), users, 'the demo users are not seeded twice');
  assert.equal(await second.gateway.store.countPersons(), persons);
  assert.equal((await fetch(`${second.url}/healthz`)).status, 200);
  const attestato = parseAnswer(await callInps(second.url, 'ConsultaAttestato', { codiceFiscaleLavoratore: ROSSI, idCertificato: puc }, LAVORATORE), 'ConsultaAttestato');
  assert.equal(attestato.fields['attestato/stato'], 'attivo', 'the second node reads the first one\'s certificate');
  const resentThere = await invia(second);
  assert.equal(resentThere.ok.idCertificato, puc, 'a resubmission to the other node answers the same receipt');

  // Cancelled on the second node: the first sees it at once (no cache of certificates).
  const cancelled = await soap(second, 'AnnullaMalattia', 'annullamentoMalattiaRequest', { lavoratore: { codiceFiscale: ROSSI }, idCertificato: puc });
  assert.deepEqual(cancelled.errors, [], JSON.stringify(cancelled.errors));
  assert.match(cancelled.ok.idAnnullamento ?? '', PUC);
  const twice = await soap(first, 'AnnullaMalattia', 'annullamentoMalattiaRequest', { lavoratore: { codiceFiscale: ROSSI }, idCertificato: puc });
  assert.notDeepEqual(twice.errors, [], 'the second cancellation, on the other node, is refused');
  assert.equal((await first.gateway.store.getCertificate(puc))?.state, 'annullato');
  const seen = parseAnswer(await callInps(first.url, 'ConsultaAttestato', { codiceFiscaleLavoratore: ROSSI, idCertificato: puc }, LAVORATORE), 'ConsultaAttestato');
  assert.equal(seen.fields['attestato/stato'], 'annullato');
  assert.equal(first.gateway.store.writeFailure(), undefined);
  assert.equal(second.gateway.store.writeFailure(), undefined);

  // /metrics: the pool as an operator sizes it (SAC_DB_POOL_SIZE=4 here) and the retried transactions.
  const metrics = await (await fetch(`${first.url}/metrics`)).text();
  const open = Number(/^sac_store_connections\{state="open"\} (\d+)$/m.exec(metrics)?.[1]);
  assert.ok(open >= 1 && open <= 4, `open connections within the pool: ${open}`);
  assert.match(metrics, /^sac_store_connections\{state="waiting"\} 0$/m);
  assert.match(metrics, /^sac_store_transaction_retries_total \d+$/m);
});
