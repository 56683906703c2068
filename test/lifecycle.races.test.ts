/**
 * Races on one certificate: two cancellations, a cancellation against a
 * rectification, two rectifications. Each must end with exactly one winner,
 * a clear diagnostic for the loser (7002 cancelled, 7003 rectified), and a
 * store that never contradicts itself. First inside one gateway process,
 * then across two gateway processes (the real CLI) sharing one SQLite file,
 * where only the conditional writes inside the store's transactions can
 * decide the winner.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { encryptField } from '../src/auth/pincodeCipher.js';
import { addDays, romeDate } from '../src/domain/dates.js';
import { openTestStore } from './support/testStore.js';
import { certificateDays, type CertificateRecord, type Store } from '../src/store/port.js';
import { assertErrors } from './support/assertions.js';
import { startCli, type CliGateway } from './support/cliGateway.js';
import { NO_RESUBMISSION_DETECTION, startGateway, tempDir, type Running } from './support/gateway.js';
import { envelope, invioMalattia, type Fields } from './support/requests.js';
import { DEMO, basic, parseResponse, post, type ParsedResponse } from './support/soapClient.js';

const WORKER = 'RSSMRA80A01H501U';
const PUC = /^[1-9][0-9]{9}$/;
const ROUNDS = 20;

/** An endpoint and the credentials to call it with; the pincode is encrypted with that store's key. */
interface Caller {
  readonly endpoint: string;
  readonly auth: string;
  readonly medico: Fields;
}

function callersFor(endpoint: string, pem: string): { medico: Caller; regione: Caller } {
  return {
    medico: { endpoint, auth: basic(DEMO.medico.user, DEMO.medico.password), medico: { pincode: encryptField(pem, DEMO.medico.pincode) } },
    regione: { endpoint, auth: basic(DEMO.regione.user, DEMO.regione.password), medico: { codiceFiscale: DEMO.medico.user } },
  };
}

async function soap(who: Caller, op: string, root: string, fields: Fields): Promise<ParsedResponse> {
  const body = envelope(root, { medico: who.medico, ...fields });
  return parseResponse(await post(who.endpoint, body, { auth: who.auth, soapAction: `http://ws.cert.sanita.finanze.it/${op}` }));
}

/** A certificate released `today`, prognosis to today + 5, sent as a home visit (valid the next day too). */
async function issue(who: Caller, today: string): Promise<string> {
  const fields = invioMalattia(today, { medico: who.medico, malattia: { dataFine: addDays(today, 5), visita: 'D' } });
  const r = await soap(who, 'InviaMalattia', 'invioMalattiaRequest', fields);
  assert.deepEqual(r.errors, [], JSON.stringify(r.errors));
  assert.match(r.ok.idCertificato ?? '', PUC);
  return r.ok.idCertificato!;
}

const annulla = (who: Caller, id: string) =>
  soap(who, 'AnnullaMalattia', 'annullamentoMalattiaRequest', { lavoratore: { codiceFiscale: WORKER }, idCertificato: id });

const rettifica = (who: Caller, id: string, dataFine: string) =>
  soap(who, 'RettificaMalattia', 'rettificaMalattiaRequest', { lavoratore: { codiceFiscale: WORKER }, idCertificato: id, dataFine });

/** Reads the store through its port (a separate opening of it), as a second opinion on what the gateway says. */
class StoreFile {
  private readonly store: Store;
  constructor(dataDir: string) {
    this.store = openTestStore(dataDir);
  }
  async row(id: string): Promise<{ state: string; id_annullamento: string | null; rettifica_di: string | null; data_fine: string } | undefined> {
    const c = await this.store.getCertificate(id);
    return c && { state: c.state, id_annullamento: c.idAnnullamento ?? null, rettifica_di: c.rettificaDi ?? null, data_fine: certificateDays(c.document).fine };
  }
  async rectificationsOf(id: string): Promise<string[]> {
    return (await this.all()).filter((c) => c.rettificaDi === id).map((c) => c.idCertificato);
  }
  /** Every certificate in the store: all are the one worker's (checked against the store's count). */
  private async all(): Promise<CertificateRecord[]> {
    const all = await this.store.certificatesOfWorker(WORKER, 1_000_000);
    assert.equal(all.length, await this.store.countCertificates(), "every stored certificate is the test worker's");
    return all;
  }
  /**
   * The invariants a race must never break, over the whole store: a cancelled
   * certificate has its idAnnullamento and nothing else has one; whatever a
   * rectification refers to is 'rettificato'; every 'rettificato' has
   * exactly one rectification; a cancelled certificate has none.
   */
  async assertConsistent(): Promise<void> {
    const all = await this.all();
    const byId = new Map(all.map((c) => [c.idCertificato, c]));
    assert.equal(all.filter((c) => (c.state === 'annullato') !== (c.idAnnullamento != null)).length, 0);
    assert.equal(
      all.filter((r) => r.rettificaDi != null && byId.get(r.rettificaDi)?.state !== 'rettificato').length,
      0,
      'a rectification refers to a certificate not marked rectified',
    );
    assert.equal(
      all.filter((o) => o.state === 'rettificato' && all.filter((r) => r.rettificaDi === o.idCertificato).length !== 1).length,
      0,
      'a rectified certificate without exactly one rectification',
    );
    assert.equal(all.filter((r) => r.rettificaDi != null && r.kind !== 'malattia').length, 0);
  }
  close(): Promise<void> {
    return this.store.close();
  }
}

async function judgeTwoCancels(store: StoreFile, id: string, results: ParsedResponse[]): Promise<void> {
  const winners = results.filter((r) => r.ok.idAnnullamento !== undefined);
  assert.equal(winners.length, 1, `exactly one cancellation must win: ${JSON.stringify(results.map((r) => r.errors))}`);
  const winner = winners[0]!;
  assert.deepEqual(winner.errors, []);
  assert.match(winner.ok.idAnnullamento!, PUC);
  assertErrors(results.find((r) => r !== winner)!, [['7002', 'idCertificato']]);
  const row = await store.row(id);
  assert.equal(row?.state, 'annullato');
  assert.equal(row?.id_annullamento, winner.ok.idAnnullamento);
}

/**
 * A cancellation raced with a rectification. If the cancellation won, the
 * rectification answered 7002 and no rectification row exists; if the
 * rectification won, the cancellation answered 7003, the original is
 * 'rettificato' and the one rectification row is the PUC answered.
 */
async function judgeCancelVsRectify(store: StoreFile, id: string, cancel: ParsedResponse, rectify: ParsedResponse, newEnd: string): Promise<'cancel' | 'rectify'> {
  const cancelWon = cancel.ok.idAnnullamento !== undefined;
  const rectifyWon = rectify.ok.idCertificato !== undefined;
  assert.ok(cancelWon !== rectifyWon, `exactly one must win: cancel ${JSON.stringify(cancel.errors)}, rectify ${JSON.stringify(rectify.errors)}`);
  const row = await store.row(id);
  if (cancelWon) {
    assertErrors(rectify, [['7002', 'idCertificato']]);
    assert.equal(row?.state, 'annullato');
    assert.equal(row?.id_annullamento, cancel.ok.idAnnullamento);
    assert.deepEqual(await store.rectificationsOf(id), [], 'a cancelled certificate has no rectification');
    return 'cancel';
  }
  assertErrors(cancel, [['7003', 'idCertificato']]);
  assert.equal(row?.state, 'rettificato');
  assert.equal(row?.id_annullamento, null);
  assert.deepEqual(await store.rectificationsOf(id), [rectify.ok.idCertificato]);
  const rectification = await store.row(rectify.ok.idCertificato!);
  assert.equal(rectification?.state, 'attivo');
  assert.equal(rectification?.data_fine, newEnd);
  return 'rectify';
}

/** Two rectifications raced: one new certificate, one 7003; the row is the winner's with the winner's end. */
async function judgeTwoRectifies(store: StoreFile, id: string, results: ParsedResponse[], ends: string[]): Promise<void> {
  const winners = results.filter((r) => r.ok.idCertificato !== undefined);
  assert.equal(winners.length, 1, `exactly one rectification must win: ${JSON.stringify(results.map((r) => r.errors))}`);
  const winner = winners[0]!;
  assertErrors(results.find((r) => r !== winner)!, [['7003', 'idCertificato']]);
  assert.equal((await store.row(id))?.state, 'rettificato');
  assert.deepEqual(await store.rectificationsOf(id), [winner.ok.idCertificato]);
  assert.equal((await store.row(winner.ok.idCertificato!))?.data_fine, ends[results.indexOf(winner)]);
  assert.equal(winner.ok['malattia/dataFine'], ends[results.indexOf(winner)]);
}

// ---------------------------------------------------------------------------

describe('races inside one gateway process', () => {
  // 10:00 in Rome, 25 November 2026: every rule about days is satisfied.
  const NOW = '2026-11-25T09:00:00.000Z';
  const TODAY = '2026-11-25';
  let gw: Running;
  let who: { medico: Caller; regione: Caller };
  let store: StoreFile;

  before(async () => {
    gw = await startGateway(NO_RESUBMISSION_DETECTION);
    gw.clock.set(NOW);
    who = callersFor(gw.endpoint, gw.gateway.pincodeKey.certificatePem);
    store = new StoreFile(gw.dataDir);
  });
  after(async () => {
    await store.close();
    await gw.stop();
  });

  test('two cancellations at once: one idAnnullamento, the other 7002', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const id = await issue(who.medico, TODAY);
      // Doctor and region, in alternating order: their requests take different paths to the store.
      const pair = i % 2 === 0 ? [who.medico, who.regione] : [who.regione, who.medico];
      await judgeTwoCancels(store, id, await Promise.all(pair.map((w) => annulla(w, id))));
    }
    await store.assertConsistent();
  });

  test('a cancellation and a rectification at once: exactly one takes effect', async (t) => {
    const outcomes = { cancel: 0, rectify: 0 };
    for (let i = 0; i < ROUNDS; i++) {
      const id = await issue(who.medico, TODAY);
      const newEnd = addDays(TODAY, 2);
      const [cancel, rectify] =
        i % 2 === 0
          ? await Promise.all([annulla(who.medico, id), rettifica(who.regione, id, newEnd)])
          : await Promise.all([rettifica(who.medico, id, newEnd), annulla(who.regione, id)]).then(([r, c]) => [c, r] as const);
      outcomes[(await judgeCancelVsRectify(store, id, cancel, rectify, newEnd))]++;
    }
    t.diagnostic(`winners: ${JSON.stringify(outcomes)}`);
    await store.assertConsistent();
  });

  test('two rectifications at once: one new certificate, the other 7003', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const id = await issue(who.medico, TODAY);
      const ends = [addDays(TODAY, 3), addDays(TODAY, 1)];
      const pair = i % 2 === 0 ? [who.medico, who.regione] : [who.regione, who.medico];
      const results = await Promise.all(pair.map((w, k) => rettifica(w, id, ends[k]!)));
      await judgeTwoRectifies(store, id, results, ends);
    }
    await store.assertConsistent();
  });
});

// ---------------------------------------------------------------------------

/** Every process this file starts: killed by PID in after(), whatever the outcome. */
const started: ChildProcess[] = [];
const track = (child: ChildProcess) => started.push(child);

async function stopAll(): Promise<void> {
  for (const child of started) {
    if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) continue;
    const exited = once(child, 'exit');
    process.kill(child.pid, 'SIGTERM');
    // A clean shutdown closes the store; SIGKILL only if it does not come.
    const stopped = await Promise.race([exited.then(() => true), delay(10_000, false, { ref: false })]);
    if (!stopped && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  }
}

describe('races across two gateway processes on one SQLite file', () => {
  const dataDir = tempDir('sac-races-');
  let a: CliGateway;
  let b: CliGateway;
  let viaA: { medico: Caller; regione: Caller };
  let viaB: { medico: Caller; regione: Caller };
  let store: StoreFile;

  before(async () => {
    // One after the other: the first creates the store and the pincode key, the second joins them.
    a = await startCli(dataDir, { track, env: NO_RESUBMISSION_DETECTION });
    b = await startCli(dataDir, { track, env: NO_RESUBMISSION_DETECTION });
    const pem = await (await fetch(`${a.url}/CertServiceWeb/SanitelCF.pem`)).text();
    assert.equal(await (await fetch(`${b.url}/CertServiceWeb/SanitelCF.pem`)).text(), pem, 'both processes use the same key');
    viaA = callersFor(a.endpoint, pem);
    viaB = callersFor(b.endpoint, pem);
    store = new StoreFile(dataDir);
  });
  after(async () => {
    await store?.close();
    await stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // The processes run on the real clock: "today" is taken per request, and
  // the certificates stay cancellable and rectifiable across a midnight.
  const today = () => romeDate(new Date());

  test('a certificate sent through one process is seen by the other', async () => {
    const id = await issue(viaA.medico, today());
    const reprint = await soap(viaB.medico, 'RistampaMalattia', 'ristampaMalattiaRequest', {
      lavoratore: { codiceFiscale: WORKER },
      idCertificato: id,
    });
    assert.deepEqual(reprint.errors, []);
    assert.equal(reprint.ok['lavoratore/codiceFiscale'], WORKER);
  });

  test('two cancellations through the two processes: one wins each time', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const id = await issue(viaA.medico, today());
      const pair = i % 2 === 0 ? [viaA.medico, viaB.regione] : [viaB.medico, viaA.regione];
      await judgeTwoCancels(store, id, await Promise.all(pair.map((w) => annulla(w, id))));
    }
    await store.assertConsistent();
  });

  test('all cancellations of a batch at once, through both processes: one winner per certificate', async () => {
    const batch: string[] = [];
    for (let i = 0; i < ROUNDS; i++) batch.push(await issue(i % 2 === 0 ? viaA.medico : viaB.regione, today()));
    const results = await Promise.all(batch.map((id) => Promise.all([annulla(viaA.medico, id), annulla(viaB.medico, id)])));
    batch.forEach((id, i) => judgeTwoCancels(store, id, results[i]!));
    await store.assertConsistent();
  });

  test('a cancellation through one process and a rectification through the other: exactly one takes effect', async (t) => {
    const outcomes = { cancel: 0, rectify: 0 };
    for (let i = 0; i < ROUNDS; i++) {
      const day = today();
      const id = await issue(viaA.medico, day);
      const newEnd = addDays(day, 2);
      const [x, y] = i % 2 === 0 ? [viaA, viaB] : [viaB, viaA];
      const [cancel, rectify] = await Promise.all([annulla(x.medico, id), rettifica(y.medico, id, newEnd)]);
      outcomes[(await judgeCancelVsRectify(store, id, cancel, rectify, newEnd))]++;
    }
    t.diagnostic(`winners: ${JSON.stringify(outcomes)}`);
    await store.assertConsistent();
  });

  test('two rectifications through the two processes: one new certificate', async () => {
    for (let i = 0; i < ROUNDS; i++) {
      const day = today();
      const id = await issue(viaB.medico, day);
      const ends = [addDays(day, 3), addDays(day, 1)];
      const results = await Promise.all([rettifica(viaA.medico, id, ends[0]!), rettifica(viaB.regione, id, ends[1]!)]);
      await judgeTwoRectifies(store, id, results, ends);
    }
    await store.assertConsistent();
  });

  test('both processes are still serving and logged no failure', async () => {
    for (const p of [a, b]) {
      assert.equal((await fetch(`${p.url}/healthz`)).status, 200);
      assert.doesNotMatch(p.output(), /"level":(50|60)/, `errors logged:\n${p.output()}`);
    }
  });
});
