/**
 * The access journal through a real gateway (default writer: a worker
 * thread) on a real SQLite file: each send, reprint, search, rectification,
 * cancellation and worker look-up leaves the right entries (user, client
 * address, operation, subject); a look-up of another doctor's certificate is
 * answered like a missing one and journaled as accesso_negato; the journal
 * refuses UPDATE and DELETE; the real binary prints it; and when the journal
 * cannot be written, neither the read's data nor the change goes out.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import pg from 'pg';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { FAULTS } from '../src/catalog/diagnostics.js';
import { JOURNAL_FIELD_MAX, journalLoginFailure } from '../src/sac/journal.js';
import type { JournalEntry, JournalQuery } from '../src/store/port.js';
import { STORE_FILE } from '../src/store/sqlite/sqliteStore.js';
import { assertErrors } from './support/assertions.js';
import { NOW, TODAY } from './support/demo.js';
import { NO_RESUBMISSION_DETECTION, startGateway, type Running } from './support/gateway.js';
import { testDatabaseUrl, withTestStore } from './support/testStore.js';
import { envelope, invioMalattia, type Fields } from './support/requests.js';
import { DEMO, basic, parseFault, parseResponse, post, type ParsedResponse } from './support/soapClient.js';
import { journalOf } from './support/journal.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));
const run = promisify(execFile);
const ROSSI = 'RSSMRA80A01H501U';
const BIANCHI = 'BNCGPP75C41F205S';
/** What Node reports for a loopback IPv4 client. */
const LOOPBACK = '127.0.0.1';
/** NOW (10:00 in Rome, winter) as the journal writes it. */
const AT = '2026-11-25T10:00:00.000+01:00';

let gw: Running;
let medico: { auth: string; medico: Fields };
let medico2: { auth: string; medico: Fields };

before(async () => {
  gw = await startGateway(NO_RESUBMISSION_DETECTION);
  gw.clock.set(NOW);
  const pem = gw.gateway.pincodeKey.certificatePem;
  medico = { auth: basic(DEMO.medico.user, DEMO.medico.password), medico: { pincode: encryptField(pem, DEMO.medico.pincode) } };
  medico2 = { auth: basic(DEMO.medico2.user, DEMO.medico2.password), medico: { pincode: encryptField(pem, DEMO.medico2.pincode) } };
});
after(async () => gw.stop());

async function call(op: string, root: string, who: { auth: string; medico: Fields }, fields: Fields): Promise<ParsedResponse> {
  const body = envelope(root, { medico: who.medico, ...fields });
  return parseResponse(await post(gw.endpoint, body, { auth: who.auth, soapAction: `http://ws.cert.sanita.finanze.it/${op}` }));
}

async function send(lavoratore = ROSSI): Promise<string> {
  const answer = parseResponse(
    await post(gw.endpoint, envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: medico.medico, lavoratore })), {
      auth: medico.auth,
      soapAction: 'http://ws.cert.sanita.finanze.it/InviaMalattia',
    }),
  );
  assert.deepEqual(answer.errors, []);
  return answer.ok.idCertificato!;
}

const journal = (query: JournalQuery): Promise<JournalEntry[]> => journalOf(gw.gateway.store, query);
const brief = (e: JournalEntry) => `${e.username} ${e.operation} ${e.action} ${e.subjectKind} ${e.subjectId}`;

describe('the access journal through the gateway', () => {
  test('a send is journaled with the user, the client address, the time and the PUC', async () => {
    const puc = await send();
    assert.deepEqual(await journal({ subjectKind: 'certificato', subjectId: puc }), [
      {
        at: AT,
        username: DEMO.medico.user,
        clientAddress: LOOPBACK,
        operation: 'InviaMalattia',
        action: 'creazione',
        subjectKind: 'certificato',
        subjectId: puc,
        detail: null,
      },
    ]);
  });

  test('a reprint, a search (one entry per certificate returned), a rectification and a cancellation', async () => {
    const first = await send(BIANCHI);
    const second = await send(BIANCHI);

    const ristampa = await call('RistampaMalattia', 'ristampaMalattiaRequest', medico, { lavoratore: { codiceFiscale: BIANCHI }, idCertificato: first });
    assert.deepEqual(ristampa.errors, []);
    const ricerca = await call('RicercaMalattia', 'ricercaMalattiaRequest', medico, { lavoratore: { codiceFiscale: BIANCHI } });
    assert.deepEqual(ricerca.errors, []);
    const rettifica = await call('RettificaMalattia', 'rettificaMalattiaRequest', medico, {
      lavoratore: { codiceFiscale: BIANCHI },
      idCertificato: second,
      dataFine: TODAY,
    });
    // Same end day: refused, and a refused change leaves no entry.
    assert.equal(rettifica.errors.length, 1);
    const annulla = await call('AnnullaMalattia', 'annullamentoMalattiaRequest', medico, { lavoratore: { codiceFiscale: BIANCHI }, idCertificato: first });
    assert.deepEqual(annulla.errors, []);

    const u = DEMO.medico.user;
    assert.deepEqual((await journal({ subjectKind: 'certificato', subjectId: first })).map(brief), [
      `${u} InviaMalattia creazione certificato ${first}`,
      `${u} RistampaMalattia lettura certificato ${first}`,
      `${u} RicercaMalattia lettura certificato ${first}`,
      `${u} AnnullaMalattia annullamento certificato ${first}`,
    ]);
    assert.deepEqual((await journal({ subjectKind: 'certificato', subjectId: second })).map(brief), [
      `${u} InviaMalattia creazione certificato ${second}`,
      `${u} RicercaMalattia lettura certificato ${second}`,
    ]);
    for (const entry of await journal({ person: BIANCHI })) assert.equal(entry.clientAddress, LOOPBACK);
  });

  test('a rectification journals the original (rettifica) and the new certificate (creazione) together', async () => {
    const original = await send();
    // The prognosis runs three days, so it can be brought forward.
    const body = envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: medico.medico, malattia: { dataFine: '2026-11-27' } }));
    const sent = parseResponse(await post(gw.endpoint, body, { auth: medico.auth, soapAction: 'http://ws.cert.sanita.finanze.it/InviaMalattia' }));
    const puc = sent.ok.idCertificato!;
    const answer = await call('RettificaMalattia', 'rettificaMalattiaRequest', medico, { lavoratore: { codiceFiscale: ROSSI }, idCertificato: puc, dataFine: '2026-11-26' });
    assert.deepEqual(answer.errors, []);
    const rectification = answer.ok.idCertificato!;
    assert.deepEqual((await journal({ subjectKind: 'certificato', subjectId: puc })).map((e) => e.action), ['creazione', 'rettifica']);
    assert.deepEqual((await journal({ subjectKind: 'certificato', subjectId: rectification })).map(brief), [
      `${DEMO.medico.user} RettificaMalattia creazione certificato ${rectification}`,
    ]);
    assert.notEqual(original, puc);
  });

  test('a worker look-up journals a read of the person', async () => {
    const answer = await call('InterrogazioneLavoratore', 'interrogazioneLavoratoreRequest', medico, { lavoratore: { codiceFiscale: BIANCHI } });
    assert.deepEqual(answer.ok, { cognome: 'Bianchi', nome: 'Giuseppina' });
    const reads = (await journal({ person: BIANCHI })).filter((e) => e.subjectKind === 'persona');
    assert.deepEqual(reads.map(brief), [`${DEMO.medico.user} InterrogazioneLavoratore lettura persona ${BIANCHI}`]);
  });

  test("an operatore's worker look-up journals the read as the operator's", async () => {
    const operatore = { auth: basic(DEMO.operatore.user, DEMO.operatore.password), medico: {} };
    const answer = await call('InterrogazioneLavoratore', 'interrogazioneLavoratoreRequest', operatore, { lavoratore: { codiceFiscale: ROSSI } });
    assert.deepEqual(answer.ok, { cognome: 'Rossi', nome: 'Mario' });
    const reads = (await journal({ person: ROSSI })).filter((e) => e.subjectKind === 'persona' && e.username === DEMO.operatore.user);
    assert.deepEqual(reads.map(brief), [`${DEMO.operatore.user} InterrogazioneLavoratore lettura persona ${ROSSI}`]);
  });

  test("another doctor's PUC is answered like a missing one and journaled as accesso_negato", async () => {
    const puc = await send();
    const theirs = await call('RistampaMalattia', 'ristampaMalattiaRequest', medico2, { lavoratore: { codiceFiscale: ROSSI }, idCertificato: puc });
    const missing = await call('RistampaMalattia', 'ristampaMalattiaRequest', medico2, { lavoratore: { codiceFiscale: ROSSI }, idCertificato: '999999999999999999' });
    assertErrors(theirs, [['7001', 'idCertificato']]);
    assert.equal(theirs.xml, missing.xml, 'the same answer, byte for byte');
    // The entry is not awaited (the answer must not differ in time either): give the writer a moment.
    let denied: JournalEntry[] = [];
    for (let i = 0; i < 100 && denied.length === 0; i++) {
      denied = (await journal({ subjectKind: 'certificato', subjectId: puc })).filter((e) => e.action === 'accesso_negato');
      if (denied.length === 0) await delay(20);
    }
    assert.deepEqual(denied.map(brief), [`${DEMO.medico2.user} RistampaMalattia accesso_negato certificato ${puc}`]);
    assert.deepEqual(await journal({ subjectKind: 'certificato', subjectId: '999999999999999999' }), [], 'a missing PUC is not journaled');
  });

  test('an admission, its discharge and a cancelled admission are journaled; --admission reads them', async () => {
    const operatore = basic(DEMO.operatore.user, DEMO.operatore.password);
    const struttura = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' };
    const admit = async () => {
      const body = envelope('invioRicoveroRequest', {
        operatore: struttura,
        lavoratore: { codiceFiscale: ROSSI },
        residenza: { via: 'Via Nazionale', civico: '10', cap: '00184', codiceCatastale: 'H501', comune: 'Roma', provincia: 'RM' },
        ricovero: { dataRicovero: '2026-11-20' },
      });
      const answer = parseResponse(await post(gw.endpoint, body, { auth: operatore, soapAction: 'http://ws.cert.sanita.finanze.it/InviaRicovero' }));
      assert.deepEqual(answer.errors, []);
      return answer.ok.idInizioRicovero!;
    };
    const admission = await admit();
    const dimissione = await call('InviaDimissione', 'invioDimissioneRequest', { auth: medico.auth, medico: { ...medico.medico, ...struttura } }, {
      lavoratore: { codiceFiscale: ROSSI },
      idInizioRicovero: admission,
      residenza: { via: 'Via Nazionale', civico: '10', cap: '00184', codiceCatastale: 'H501', comune: 'Roma', provincia: 'RM' },
      dimissione: {
        ruoloMedico: 'S', dataRicovero: '2026-11-20', dataDimissione: TODAY, dataFine: '2026-11-30',
        tipoCertificato: 'I', tipoRicovero: 'R', diagnosi: { codiceDiagnosi: '486', noteDiagnosi: 'Polmonite' },
      },
    });
    assert.deepEqual(dimissione.errors, []);
    const puc = dimissione.ok.idCertificato!;
    const cancelled = await admit();
    const annulla = parseResponse(
      await post(
        gw.endpoint,
        envelope('annullamentoRicoveroRequest', { operatore: struttura, lavoratore: { codiceFiscale: ROSSI }, idCertificato: cancelled }),
        { auth: operatore, soapAction: 'http://ws.cert.sanita.finanze.it/AnnullaRicovero' },
      ),
    );
    assert.deepEqual(annulla.errors, []);

    const op = DEMO.operatore.user;
    assert.deepEqual((await journal({ subjectKind: 'ricovero', subjectId: admission })).map(brief), [
      `${op} InviaRicovero creazione ricovero ${admission}`,
      `${DEMO.medico.user} InviaDimissione dimissione ricovero ${admission}`,
    ]);
    assert.deepEqual((await journal({ subjectKind: 'certificato', subjectId: puc })).map(brief), [`${DEMO.medico.user} InviaDimissione creazione certificato ${puc}`]);
    assert.deepEqual((await journal({ subjectKind: 'ricovero', subjectId: cancelled })).map((e) => e.action), ['creazione', 'annullamento']);
    const env = withTestStore({ ...process.env, SAC_DATA_DIR: gw.dataDir });
    const printed = (await run(process.execPath, [CLI, 'journal', '--admission', admission], { env })).stdout.replace(/\n$/, '').split('\n');
    assert.equal(printed.length, 3);
    assert.deepEqual(printed.slice(1).map((line) => line.split('\t')[4]), ['creazione', 'dimissione']);
  });

  test('a failed login is journaled with the username tried, bounded and without control characters', async () => {
    const record = journalLoginFailure(gw.gateway.store, gw.clock);
    const hostile = `\u001b[31mADMIN\r\n${'x'.repeat(500)}`;
    await record(hostile, '192.0.2.9', 'password_errata');
    const [entry] = await journal({ username: `?[31mADMIN??${'x'.repeat(JOURNAL_FIELD_MAX - 12)}` });
    assert.ok(entry, 'the failed login is in the journal under the (sanitized) name tried');
    assert.equal(entry.username.length, JOURNAL_FIELD_MAX);
    assert.deepEqual([entry.action, entry.subjectKind, entry.clientAddress, entry.operation, entry.detail], [
      'login_fallito',
      'utente',
      '192.0.2.9',
      'autenticazione',
      'password_errata',
    ]);
  });

  test('a wrong pincode is journaled as a failed login with the client address of the request', async () => {
    const wrong = { auth: medico2.auth, medico: { pincode: encryptField(gw.gateway.pincodeKey.certificatePem, '0000000000') } };
    const answer = await call('InterrogazioneLavoratore', 'interrogazioneLavoratoreRequest', wrong, { lavoratore: { codiceFiscale: ROSSI } });
    assert.deepEqual(answer.errors.map((e) => e.tipoErrore), ['2003']);
    // Not awaited by the login (it never delays an answer): give the writer a moment.
    let entry: JournalEntry | undefined;
    for (let i = 0; i < 100 && !entry; i++) {
      entry = (await journal({ username: DEMO.medico2.user })).find((e) => e.action === 'login_fallito' && e.detail === 'pincode');
      if (!entry) await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(entry, 'the failed pincode is in the journal');
    assert.equal(entry.clientAddress, LOOPBACK);
  });

  test('`sac-gateway journal` prints one tab-separated line per entry, with a header', async () => {
    const puc = await send();
    await call('RistampaMalattia', 'ristampaMalattiaRequest', medico, { lavoratore: { codiceFiscale: ROSSI }, idCertificato: puc });
    const env = withTestStore({ ...process.env, SAC_DATA_DIR: gw.dataDir });
    const byCertificate = (await run(process.execPath, [CLI, 'journal', '--certificate', puc], { env })).stdout;
    assert.deepEqual(byCertificate.replace(/\n$/, '').split('\n'), [
      'at\tusername\tclient_address\toperation\taction\tsubject_kind\tsubject_id\tdetail',
      `${AT}\t${DEMO.medico.user}\t${LOOPBACK}\tInviaMalattia\tcreazione\tcertificato\t${puc}\t`,
      `${AT}\t${DEMO.medico.user}\t${LOOPBACK}\tRistampaMalattia\tlettura\tcertificato\t${puc}\t`,
    ]);
    const byUser = (await run(process.execPath, [CLI, 'journal', '--user', DEMO.medico2.user], { env })).stdout.trimEnd().split('\n');
    assert.ok(byUser.length >= 2);
    for (const line of byUser.slice(1)) assert.equal(line.split('\t')[1], DEMO.medico2.user);
    const byPerson = (await run(process.execPath, [CLI, 'journal', '--person', ROSSI], { env })).stdout;
    assert.match(byPerson, new RegExp(`\\tRistampaMalattia\\tlettura\\tcertificato\\t${puc}\\t`));
    await assert.rejects(run(process.execPath, [CLI, 'journal', '--certificate', puc, '--user', 'x'], { env }), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 2);
      assert.match(err.stderr, /exactly one of/);
      return true;
    });
  });

  /** From another connection to the gateway's store, on this half's engine: every journal insert fails until remove(). */
  async function refuseJournal(dataDir: string): Promise<{ remove(): Promise<void> }> {
    const url = testDatabaseUrl(dataDir);
    if (url === undefined) {
      const raw = new Database(path.join(dataDir, STORE_FILE));
      raw.exec("CREATE TRIGGER refuse_journal BEFORE INSERT ON access_journal BEGIN SELECT RAISE(ABORT, 'journal refused'); END");
      return {
        async remove() {
          raw.exec('DROP TRIGGER refuse_journal');
          raw.close();
        },
      };
    }
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query("CREATE FUNCTION refuse_journal() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'journal refused'; END $$");
    await client.query('CREATE TRIGGER refuse_journal BEFORE INSERT ON access_journal FOR EACH ROW EXECUTE FUNCTION refuse_journal()');
    return {
      async remove() {
        await client.query('DROP TRIGGER refuse_journal ON access_journal');
        await client.query('DROP FUNCTION refuse_journal()');
        await client.end();
      },
    };
  }

  test('when the journal cannot be written, no read answers data and no change is stored', async () => {
    const puc = await send();
    const certificates = await gw.gateway.store.countCertificates();
    // Another connection makes every journal insert fail, as a full or broken journal would.
    const refusal = await refuseJournal(gw.dataDir);
    try {
      const reprint = await post(
        gw.endpoint,
        envelope('ristampaMalattiaRequest', { medico: medico.medico, lavoratore: { codiceFiscale: ROSSI }, idCertificato: puc }),
        { auth: medico.auth, soapAction: 'http://ws.cert.sanita.finanze.it/RistampaMalattia' },
      );
      assert.deepEqual(parseFault(reprint), { faultcode: 'soap:Server', faultstring: FAULTS.INTERNAL.faultstring });
      assert.doesNotMatch(reprint.text, /Sindrome|487\.1|Nazionale/, 'nothing of the certificate in the answer');

      const lookup = await post(
        gw.endpoint,
        envelope('interrogazioneLavoratoreRequest', { medico: medico.medico, lavoratore: { codiceFiscale: BIANCHI } }),
        { auth: medico.auth, soapAction: 'http://ws.cert.sanita.finanze.it/InterrogazioneLavoratore' },
      );
      assert.equal(parseFault(lookup).faultcode, 'soap:Server');
      assert.doesNotMatch(lookup.text, /Giuseppina/);

      const cancel = await post(
        gw.endpoint,
        envelope('annullamentoMalattiaRequest', { medico: medico.medico, lavoratore: { codiceFiscale: ROSSI }, idCertificato: puc }),
        { auth: medico.auth, soapAction: 'http://ws.cert.sanita.finanze.it/AnnullaMalattia' },
      );
      assert.equal(parseFault(cancel).faultcode, 'soap:Server');
      assert.equal((await gw.gateway.store.getCertificate(puc))?.state, 'attivo', 'no cancellation without its journal entry');

      // A new certificate's row is its own creation entry (who, when, from where): it needs no journal row.
      const sent = parseResponse(
        await post(gw.endpoint, envelope('invioMalattiaRequest', invioMalattia(TODAY, { medico: medico.medico })), {
          auth: medico.auth,
          soapAction: 'http://ws.cert.sanita.finanze.it/InviaMalattia',
        }),
      );
      const created = sent.ok.idCertificato;
      assert.ok(created, 'the certificate is acknowledged');
      assert.equal(await gw.gateway.store.countCertificates(), certificates + 1);
      assert.deepEqual((await journal({ subjectKind: 'certificato', subjectId: created })).map(brief), [
        `${DEMO.medico.user} InviaMalattia creazione certificato ${created}`,
      ]);
    } finally {
      await refusal.remove();
    }
    // Once the journal can be written again, so can everything else.
    await send();
  });
});
