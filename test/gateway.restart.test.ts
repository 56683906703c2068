/**
 * Durability across a crash: the real CLI in a child process takes ~30
 * certificates (some concurrently), is SIGKILLed right after the last
 * acknowledgement, and a second process on the same data directory must
 * hold every acknowledged PUC with the data sent, the same pincode key, the
 * same users (not re-seeded), and keep accepting certificates. Run once as
 * one process and once as a cluster (SAC_WORKERS=2), where the workers'
 * writes reach the primary's writer over a private Unix socket.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { addDays, romeDate } from '../src/domain/dates.js';
import { loadDemoData } from '../src/seed.js';
import { openTestStore, testStoreKind } from './support/testStore.js';
import { certificateDays } from '../src/store/port.js';
import { DEMO, basic, parseResponse, post } from './support/soapClient.js';
import { startCli, type CliGateway } from './support/cliGateway.js';
import { tempDir } from './support/gateway.js';
import { defaultResidenza, envelope, invioMalattia } from './support/requests.js';

const WORKERS = ['RSSMRA80A01H501U', 'BNCGPP75C41F205S', 'VRDLGU62T10L219V'];
const TOTAL = 30;

/** Every process this file starts, so none outlives the tests whatever happens. */
const started = new Set<ChildProcess>();
const track = (child: ChildProcess) => started.add(child);
const dataDirs: string[] = [];

after(() => {
  for (const child of started) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
  }
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

async function fetchPem(gateway: CliGateway): Promise<string> {
  const response = await fetch(`${gateway.url}/CertServiceWeb/SanitelCF.pem`);
  assert.equal(response.status, 200);
  const pem = await response.text();
  assert.match(pem, /^-----BEGIN CERTIFICATE-----/);
  return pem;
}

interface Sent {
  readonly idCertificato: string;
  readonly dataRicezione: string;
  readonly medicoCf: string;
  readonly sentBy: string;
  readonly lavoratoreCf: string;
  readonly civico: string;
  readonly noteDiagnosi: string;
  readonly dataRilascio: string;
  readonly dataFine: string;
}

/** Certificate number i: distinct worker, civico, note and end date, so a row mixed up with another is caught. */
async function sendCertificate(gateway: CliGateway, pin: string, i: number): Promise<Sent> {
  // Today in Rome, taken per request; a home visit (D) stays valid if midnight passes mid-run.
  const today = romeDate(new Date());
  const viaRegione = i % 5 === 4;
  const medicoCf = viaRegione ? DEMO.medico2.user : DEMO.medico.user;
  const lavoratoreCf = WORKERS[i % WORKERS.length]!;
  const civico = String(i + 1);
  const noteDiagnosi = `Sindrome influenzale, certificato numero ${i}`;
  const dataFine = addDays(today, 1 + (i % 7));
  const fields = invioMalattia(today, {
    medico: viaRegione ? { codiceFiscale: medicoCf } : { pincode: pin },
    lavoratore: lavoratoreCf,
    residenza: { ...defaultResidenza(), civico },
    malattia: { dataFine, visita: 'D' },
    diagnosi: { codiceDiagnosi: '487.1', noteDiagnosi },
  });
  const auth = viaRegione ? basic(DEMO.regione.user, DEMO.regione.password) : basic(DEMO.medico.user, DEMO.medico.password);
  const response = parseResponse(
    await post(gateway.endpoint, envelope('invioMalattiaRequest', fields), { auth, soapAction: 'http://ws.cert.sanita.finanze.it/InviaMalattia' }),
  );
  assert.deepEqual(response.errors, [], `certificate ${i}: ${JSON.stringify(response.errors)}`);
  const { idCertificato, dataRicezione } = response.ok;
  assert.match(idCertificato ?? '', /^[1-9][0-9]{9}$/);
  assert.ok(dataRicezione);
  return {
    idCertificato: idCertificato!,
    dataRicezione,
    medicoCf,
    sentBy: viaRegione ? DEMO.regione.user : DEMO.medico.user,
    lavoratoreCf,
    civico,
    noteDiagnosi,
    dataRilascio: today,
    dataFine,
  };
}

interface UserRow {
  username: string;
  kind: string;
  password_hash: string;
  pincode_hash: string | null;
}

/** Every user with its stored hashes, by username, through the port. */
async function readUsers(dataDir: string): Promise<UserRow[]> {
  const store = openTestStore(dataDir);
  try {
    const rows: UserRow[] = [];
    for await (const u of store.listUsers()) rows.push({ username: u.username, kind: u.kind, password_hash: u.passwordHash, pincode_hash: u.pincodeHash });
    return rows;
  } finally {
    await store.close();
  }
}

/** The cluster primary's writer socket directories in `tmp` (the children's TMPDIR). */
function writerSocketDirs(tmp: string): string[] {
  return readdirSync(tmp).filter((name) => name.startsWith('sac-writer-'));
}

describe('a crash loses nothing that was acknowledged', () => {
  for (const workers of [1, 2]) {
    test(`SIGKILL right after the last acknowledgement, then a restart on the same data (SAC_WORKERS=${workers})`, { timeout: 180_000 }, async () => {
      const dataDir = tempDir('sac-restart-');
      dataDirs.push(dataDir);
      // The children's own TMPDIR, so the writer socket's directory can be looked at.
      const tmp = path.join(dataDir, 'tmp');
      mkdirSync(tmp);
      const env = { SAC_WORKERS: String(workers), TMPDIR: tmp };
      const demo = loadDemoData();

      // --- first life ---------------------------------------------------------
      const first = await startCli(dataDir, { track, env });
      // SQLite: a node of several processes writes through its primary's writer socket. PostgreSQL:
      // every process writes to the server itself, and no socket is made.
      if (workers > 1 && testStoreKind() === 'sqlite') {
        const [dir, ...others] = writerSocketDirs(tmp);
        assert.ok(dir && others.length === 0, 'the primary made one socket directory');
        assert.equal(statSync(path.join(tmp, dir)).mode & 0o777, 0o700, 'only the gateway user can reach the writer');
      } else {
        assert.deepEqual(writerSocketDirs(tmp), [], workers > 1 ? 'a node on PostgreSQL needs no writer socket' : 'one process needs no socket');
      }
      const pemBefore = await fetchPem(first);
      const keyFile = path.join(dataDir, 'keys', 'pincode-key.pem');
      const keyBefore = readFileSync(keyFile);
      // Users are written once, at the first start; a reader beside the live gateway is fine in WAL mode.
      const usersBefore = await readUsers(dataDir);
      assert.deepEqual(usersBefore.map((u) => u.username), demo.users.map((u) => u.username).sort());

      const pin = encryptField(pemBefore, DEMO.medico.pincode);
      const acknowledged: Sent[] = [];
      // Ten one after the other, then the rest in concurrent waves.
      for (let i = 0; i < 10; i++) acknowledged.push(await sendCertificate(first, pin, i));
      const wave1 = await Promise.all(Array.from({ length: 12 }, (_, k) => sendCertificate(first, pin, 10 + k)));
      acknowledged.push(...wave1);
      const wave2 = await Promise.all(Array.from({ length: TOTAL - 22 }, (_, k) => sendCertificate(first, pin, 22 + k)));
      // No graceful close: the process dies the moment the last acknowledgement is in.
      process.kill(first.child.pid!, 'SIGKILL');
      acknowledged.push(...wave2);
      const death = await first.exited;
      assert.equal(death.signal, 'SIGKILL', `the first gateway must have been killed, not have exited: ${first.output()}`);
      assert.equal(acknowledged.length, TOTAL);
      assert.equal(new Set(acknowledged.map((s) => s.idCertificato)).size, TOTAL, 'every acknowledgement names its own PUC');

      // --- second life --------------------------------------------------------
      const second = await startCli(dataDir, { track, env });
      assert.equal(await fetchPem(second), pemBefore, 'the pincode certificate survives the restart');
      assert.deepEqual(readFileSync(keyFile), keyBefore, 'the pincode key file is untouched');

      // A pincode encrypted with the certificate of the first life still opens the door.
      const afterRestart = await sendCertificate(second, pin, TOTAL);
      const interrogazione = parseResponse(
        await post(second.endpoint, envelope('interrogazioneLavoratoreRequest', { medico: { pincode: pin }, lavoratore: { codiceFiscale: WORKERS[1]! } })),
      );
      assert.deepEqual(interrogazione.ok, { cognome: 'Bianchi', nome: 'Giuseppina' });

      const socketDirsWhileServing = writerSocketDirs(tmp).length;
      second.child.kill('SIGTERM');
      const exit = await second.exited;
      assert.equal(exit.code, 0, `the second gateway must stop cleanly on SIGTERM: ${second.output()}`);
      // A clean stop removes its socket directory; the SIGKILLed first life could not remove its own.
      assert.equal(writerSocketDirs(tmp).length, socketDirsWhileServing - (workers > 1 && testStoreKind() === 'sqlite' ? 1 : 0));

      // --- the store itself, with no gateway running, through its port ----------
      // Re-seeding would have rewritten the hashes with fresh salts: they must be byte-identical.
      assert.deepEqual(await readUsers(dataDir), usersBefore, 'the demo users were not reloaded');
      const store = openTestStore(dataDir);
      try {
        assert.equal(await store.countCertificates(), TOTAL + 1, 'the acknowledged certificates and the one after the restart, nothing else');
        for (const sent of [...acknowledged, afterRestart]) {
          const row = await store.getCertificate(sent.idCertificato);
          assert.ok(row, `acknowledged PUC ${sent.idCertificato} is missing from the store`);
          assert.equal(row.kind, 'malattia');
          assert.equal(row.state, 'attivo');
          assert.equal(row.medicoCf, sent.medicoCf);
          assert.equal(row.sentBy, sent.sentBy);
          assert.equal(row.lavoratoreCf, sent.lavoratoreCf);
          assert.equal(row.dataRicezione, sent.dataRicezione);
          assert.equal(certificateDays(row.document).rilascio, sent.dataRilascio);
          assert.equal(certificateDays(row.document).fine, sent.dataFine);
          const document = row.document;
          assert.equal(document.residenza.civico, sent.civico);
          assert.equal(document.residenza.cap, '00184');
          assert.equal(document.malattia?.dataFine, sent.dataFine);
          assert.equal(document.malattia?.visita, 'D');
          assert.deepEqual(document.malattia?.diagnosi, { codiceDiagnosi: '487.1', noteDiagnosi: sent.noteDiagnosi });
        }
        assert.equal(await store.countPersons(), demo.persons.length, 'the demo registry was not duplicated');
      } finally {
        await store.close();
      }
    });
  }
});
