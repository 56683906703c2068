/**
 * What every store adapter must do, whatever its engine: one set of cases
 * run against SQLite (test/store.contract.sqlite.test.ts) and PostgreSQL
 * (test/store.postgres.test.ts), both typed as the Store bundle
 * (src/store/ports/store.ts). Only the port is used: no table is
 * read directly.
 */
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import {
  DuplicateKeyError,
  InvalidPersonError,
  StoreWriteError,
  type CertificateRecord,
  type ClaimConflict,
  type Employment,
  type IdempotencyClaim,
  type JournalStamp,
  type RicoveroRecord,
  type SandboxExchange,
} from '../../src/store/port.js';
import type { Store } from '../../src/store/ports/store.js';

/** The Store bundle exactly as the gateway gets it from openStore, whatever the engine. */
export type ContractStore = Store;

export interface OpenedStore {
  readonly store: ContractStore;
  /** Another store on the same data, as another process of the node (or another node) opens it; closed by the caller. */
  sibling(): ContractStore;
  close(): Promise<void>;
}

/** Opens a fresh, empty store, or answers undefined after skipping the test (the engine is absent). */
export type StoreFactory = (t: TestContext) => Promise<OpenedStore | undefined>;

export const MEDICO = 'MDCTST70A01H501K';
export const WORKER = 'RSSMRA80A01H501U';
export const BY: JournalStamp = { at: '2026-11-25T10:00:00.000+01:00', username: MEDICO, clientAddress: '192.0.2.7', operation: 'InviaMalattia' };

export function certificate(id: string, overrides: Partial<CertificateRecord> = {}): CertificateRecord {
  return {
    idCertificato: id,
    kind: 'malattia',
    medicoCf: MEDICO,
    lavoratoreCf: WORKER,
    dataRicezione: '2026-11-25T10:00:00.000+01:00',
    sentBy: MEDICO,
    state: 'attivo',
    document: {
      residenza: { via: 'Via Nazionale', civico: '1', cap: '00184', codiceCatastale: 'H501' },
      malattia: {
        ruoloMedico: 'S', dataRilascio: '2026-11-25', dataInizio: '2026-11-25', dataFine: '2026-11-27',
        visita: 'A', tipoCertificato: 'I', diagnosi: { noteDiagnosi: 'x' },
      },
    },
    ...overrides,
  };
}

export function ricovero(id: string): RicoveroRecord {
  return {
    idInizioRicovero: id,
    lavoratoreCf: WORKER,
    operatoreCf: 'PRTSNT70A01H501X',
    codiceRegione: '120',
    codiceAsl: '101',
    codiceStruttura: '000101',
    sentBy: 'PRTSNT70A01H501X',
    dataRicezione: '2026-11-20T09:00:00.000+01:00',
    state: 'attivo',
    document: {
      residenza: { via: 'Via Nazionale', civico: '1', cap: '00184', codiceCatastale: 'H501' },
      ricovero: { dataRicovero: '2026-11-20' } as RicoveroRecord['document']['ricovero'],
    },
  };
}

function discharge(id: string, admission: string): CertificateRecord {
  return certificate(id, {
    kind: 'dimissione',
    idInizioRicovero: admission,
    document: {
      residenza: { via: 'Via Nazionale', civico: '1', cap: '00184', codiceCatastale: 'H501' },
      dimissione: { dataRicovero: '2026-11-20', dataDimissione: '2026-11-24', dataFine: '2026-11-30' } as NonNullable<CertificateRecord['document']['dimissione']>,
    },
  });
}

const HOUR = 3_600_000;
const T0 = Date.parse('2026-11-25T09:00:00Z');
function claim(key: string, messageKey: string | null = null, at = T0): IdempotencyClaim {
  return { requestKey: key, messageKey, at, notBefore: at - HOUR };
}

async function opened(factory: StoreFactory, t: TestContext, body: (store: ContractStore) => Promise<void>): Promise<void> {
  const s = await factory(t);
  if (s === undefined) return;
  try {
    await body(s.store);
  } finally {
    await s.close();
  }
}

async function list<T>(value: Iterable<T> | AsyncIterable<T> | Promise<Iterable<T> | AsyncIterable<T>>): Promise<T[]> {
  const settled = await value;
  if (Symbol.asyncIterator in settled) {
    const out: T[] = [];
    for await (const item of settled) out.push(item);
    return out;
  }
  return [...settled];
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('the write was accepted'),
    (e: unknown) => e,
  );
}

export function storeContract(engine: string, factory: StoreFactory): void {
  describe(`the store port on ${engine}`, () => {
    test('a reused PUC is refused with DuplicateKeyError and the first certificate is untouched, no journal entry left', (t) =>
      opened(factory, t, async (store) => {
        await store.insertCertificate(certificate('111111111111111111'), BY);
        const err = await rejection(store.insertCertificate(certificate('111111111111111111', { lavoratoreCf: 'BNCGPP75C41F205S' }), BY));
        assert.ok(err instanceof DuplicateKeyError, `got ${String(err)}`);
        assert.equal(err.code, 'SAC_STORE_DUPLICATE_KEY');
        assert.equal((await store.getCertificate('111111111111111111'))?.lavoratoreCf, WORKER);
        assert.equal(await store.countCertificates(), 1);
        assert.deepEqual((await list(store.readJournal({ username: MEDICO }))).map((e) => e.action), ['creazione']);
      }));

    test('concurrent inserts are all stored; a duplicate among them fails alone', (t) =>
      opened(factory, t, async (store) => {
        const ids = Array.from({ length: 50 }, (_, i) => `2000000000000000${String(i).padStart(2, '0')}`);
        const results = await Promise.allSettled([...ids.map((id) => store.insertCertificate(certificate(id), BY)), store.insertCertificate(certificate(ids[7]!), BY)]);
        assert.equal(results.filter((r) => r.status === 'fulfilled').length, 50);
        const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
        assert.equal(rejected.length, 1);
        assert.ok(rejected[0]!.reason instanceof DuplicateKeyError);
        assert.equal(await store.countCertificates(), 50);
        assert.equal((await list(store.readJournal({ username: MEDICO }))).filter((e) => e.action === 'creazione').length, 50);
      }));

    test('an error that is not one of ours arrives as StoreWriteError keeping its source code; nothing written', (t) =>
      opened(factory, t, async (store) => {
        const bad = { ...certificate('333333333333333333'), kind: 'ricetta' } as unknown as CertificateRecord;
        const err = await rejection(store.insertCertificate(bad, BY));
        assert.ok(err instanceof StoreWriteError, `got ${String(err)}`);
        assert.equal(err.code, 'SAC_STORE_WRITE_FAILED');
        assert.ok(err.sourceCode !== undefined && err.sourceCode !== '', 'the engine\'s own code is kept');
        assert.equal(await store.countCertificates(), 0);
      }));

    test('lifecycle: rectify, cancel; a refused change leaves no journal entry; journal by subject, user and person', (t) =>
      opened(factory, t, async (store) => {
        await store.insertCertificate(certificate('444444444444444444'), BY);
        const rectification = certificate('444444444444444445', { rettificaDi: '444444444444444444' });
        assert.equal(await store.rectifyCertificate('444444444444444444', rectification, { ...BY, operation: 'RettificaMalattia' }), 'ok');
        assert.equal(await store.rectifyCertificate('444444444444444444', certificate('444444444444444449', { rettificaDi: '444444444444444444' }), BY), 'not_active');
        assert.equal(await store.cancelCertificate('444444444444444444', '444444444444444446', BY.at, BY), 'not_active');
        assert.equal(await store.cancelCertificate('444444444444444445', '444444444444444447', BY.at, { ...BY, operation: 'AnnullaMalattia' }), 'ok');
        assert.equal(await store.cancelCertificate('444444444444444445', '444444444444444448', BY.at, BY), 'not_active');
        await store.appendJournal([{ ...BY, operation: 'RistampaMalattia', action: 'lettura', subjectKind: 'certificato', subjectId: '444444444444444445' }]);
        assert.deepEqual(
          (await list(store.readJournal({ subjectKind: 'certificato', subjectId: '444444444444444445' }))).map((e) => [e.operation, e.action]),
          [['RettificaMalattia', 'creazione'], ['AnnullaMalattia', 'annullamento'], ['RistampaMalattia', 'lettura']],
        );
        assert.deepEqual((await list(store.readJournal({ subjectKind: 'certificato', subjectId: '444444444444444444' }))).map((e) => e.action), ['creazione', 'rettifica']);
        assert.equal((await list(store.readJournal({ username: MEDICO }))).length, 5);
        assert.equal((await list(store.readJournal({ person: WORKER }))).length, 5);
        const original = await store.getCertificate('444444444444444444');
        assert.equal(original?.state, 'rettificato');
        assert.equal((await store.getRectificationOf('444444444444444444'))?.idCertificato, '444444444444444445');
        const cancelled = await store.getCertificate('444444444444444445');
        assert.deepEqual([cancelled?.state, cancelled?.idAnnullamento, cancelled?.rettificaDi], ['annullato', '444444444444444447', '444444444444444444']);
        assert.equal(await store.getCertificate('444444444444444449'), undefined, 'a refused rectification stored nothing');
      }));

    test('an idAnnullamento already used is a DuplicateKeyError and the second cancellation is not made', (t) =>
      opened(factory, t, async (store) => {
        await store.insertCertificate(certificate('500000000000000001'), BY);
        await store.insertCertificate(certificate('500000000000000002'), BY);
        assert.equal(await store.cancelCertificate('500000000000000001', '500000000000000009', BY.at, BY), 'ok');
        assert.ok((await rejection(store.cancelCertificate('500000000000000002', '500000000000000009', BY.at, BY))) instanceof DuplicateKeyError);
        assert.equal((await store.getCertificate('500000000000000002'))?.state, 'attivo');
        assert.equal((await list(store.readJournal({ subjectKind: 'certificato', subjectId: '500000000000000002' }))).length, 1, 'only its creation');
      }));

    test('reads: by doctor and worker (newest release first), by worker, for an employer', (t) =>
      opened(factory, t, async (store) => {
        const released = (id: string, d: string): CertificateRecord => {
          const base = certificate(id);
          return { ...base, document: { residenza: base.document.residenza, malattia: { ...base.document.malattia!, dataRilascio: d, dataInizio: d, dataFine: d } } };
        };
        await store.insertCertificate(released('600000000000000001', '2026-11-20'), BY);
        await store.insertCertificate(released('600000000000000002', '2026-11-22'), BY);
        await store.insertCertificate(certificate('600000000000000003', { lavoratoreCf: 'BNCGPP75C41F205S' }), BY);
        const found = await store.findCertificates({ medicoCf: MEDICO, lavoratoreCf: WORKER, kind: 'malattia', fromDay: '2026-11-01', toDay: '2026-11-30' });
        assert.deepEqual(found.map((c) => c.idCertificato), ['600000000000000002', '600000000000000001']);
        assert.deepEqual(await store.findCertificates({ medicoCf: MEDICO, lavoratoreCf: WORKER, kind: 'malattia', fromDay: '2026-11-21', toDay: '2026-11-21' }), []);
        assert.deepEqual((await store.certificatesOfWorker(WORKER, 10)).map((c) => c.idCertificato).sort(), ['600000000000000001', '600000000000000002']);
        assert.equal((await store.certificatesOfWorker(WORKER, 1)).length, 1);
        assert.equal(await store.putEmployments([{ workerCf: WORKER, employerCf: '01234567897', ragioneSociale: 'ACME', matricolaInps: '1234567890', codSede: '7000', from: '2020-01-01', to: null }]), 1);
        assert.deepEqual((await store.certificatesForEmployer('01234567897', '2026-11-25', '2026-11-25', 10)).map((c) => c.idCertificato).sort(), ['600000000000000001', '600000000000000002']);
        assert.deepEqual(await store.certificatesForEmployer('01234567897', '2026-11-26', '2026-11-30', 10), []);
        assert.deepEqual(await store.certificatesForEmployer('99999999999', '2026-11-25', '2026-11-25', 10), []);
      }));

    test('admissions: a discharge needs an active admission without one; the admission is cancelled only without an active discharge', (t) =>
      opened(factory, t, async (store) => {
        await store.insertRicovero(ricovero('700000000000000001'), { ...BY, operation: 'InviaRicovero' });
        assert.equal((await store.getRicovero('700000000000000001'))?.state, 'attivo');
        assert.equal(await store.insertDischarge(discharge('700000000000000002', '700000000000000001'), BY), 'ok');
        assert.equal(await store.insertDischarge(discharge('700000000000000003', '700000000000000001'), BY), 'discharge_exists');
        assert.equal(await store.getCertificate('700000000000000003'), undefined);
        assert.equal(await store.cancelRicovero('700000000000000001', '700000000000000004', BY.at, BY), 'has_discharge');
        assert.equal(await store.cancelCertificate('700000000000000002', '700000000000000005', BY.at, BY), 'ok');
        assert.equal(await store.cancelRicovero('700000000000000001', '700000000000000006', BY.at, BY), 'ok');
        assert.equal(await store.cancelRicovero('700000000000000001', '700000000000000007', BY.at, BY), 'not_active');
        assert.equal(await store.insertDischarge(discharge('700000000000000008', '700000000000000001'), BY), 'ricovero_not_active');
        assert.equal(await store.insertDischarge(discharge('700000000000000009', '799999999999999999'), BY), 'ricovero_not_active');
        assert.deepEqual((await list(store.readJournal({ subjectKind: 'ricovero', subjectId: '700000000000000001' }))).map((e) => e.action), ['creazione', 'dimissione', 'annullamento']);
        assert.deepEqual((await store.ricoveriOfWorker(WORKER, 5)).map((r) => r.idInizioRicovero), ['700000000000000001']);
        const reused = await rejection(store.insertRicovero(ricovero('700000000000000001'), BY));
        assert.ok(reused instanceof DuplicateKeyError);
      }));

    test('idempotency: a twin replays the receipt, a reused MessageID is refused, a cancelled or expired claim no longer counts', (t) =>
      opened(factory, t, async (store) => {
        assert.equal(await store.insertCertificate(certificate('800000000000000001'), BY, claim('k1', 'm1')), undefined);
        const replay: ClaimConflict = { replay: { subjectKind: 'certificato', id: '800000000000000001', dataRicezione: BY.at, idInizioRicovero: null } };
        assert.deepEqual(await store.insertCertificate(certificate('800000000000000002'), BY, claim('k1', 'm1')), replay);
        assert.deepEqual(await store.insertCertificate(certificate('800000000000000002'), BY, claim('k1', 'm-other')), replay, 'same request, fresh MessageID');
        assert.deepEqual(await store.insertCertificate(certificate('800000000000000002'), BY, claim('k-other', 'm1')), { messageReused: true });
        assert.deepEqual(await store.findClaim(claim('k1')), replay);
        assert.equal(await store.getCertificate('800000000000000002'), undefined, 'no twin stored');
        assert.equal(await store.findClaim(claim('k1', null, T0 + 2 * HOUR)), undefined, 'expired');
        assert.equal(await store.cancelCertificate('800000000000000001', '800000000000000003', BY.at, BY), 'ok');
        assert.equal(await store.findClaim(claim('k1')), undefined, 'its certificate was cancelled');
        assert.equal(await store.insertCertificate(certificate('800000000000000004'), BY, claim('k1', 'm1')), undefined, 'a new certificate');
        assert.deepEqual(await store.findClaim(claim('k1')), { replay: { ...(replay as { replay: object }).replay, id: '800000000000000004' } });
        // A discharge's claim: a refused discharge records none.
        await store.insertRicovero(ricovero('800000000000000010'), BY, claim('kr'));
        assert.deepEqual(await store.insertRicovero(ricovero('800000000000000011'), BY, claim('kr')), {
          replay: { subjectKind: 'ricovero', id: '800000000000000010', dataRicezione: ricovero('x').dataRicezione, idInizioRicovero: null },
        });
        assert.equal(await store.insertDischarge(discharge('800000000000000012', '899999999999999999'), BY, claim('kd')), 'ricovero_not_active');
        assert.equal(await store.findClaim(claim('kd')), undefined);
        assert.equal(await store.insertDischarge(discharge('800000000000000013', '800000000000000010'), BY, claim('kd')), 'ok');
        assert.deepEqual(await store.insertDischarge(discharge('800000000000000014', '800000000000000010'), BY, claim('kd')), {
          replay: { subjectKind: 'certificato', id: '800000000000000013', dataRicezione: BY.at, idInizioRicovero: '800000000000000010' },
        });
      }));

    test('one winner: 20 concurrent cancellations of one certificate, 2 racing twins with one claim, 10 racing discharges of one admission', (t) =>
      opened(factory, t, async (store) => {
        await store.insertCertificate(certificate('900000000000000001'), BY);
        const outcomes = await Promise.all(
          Array.from({ length: 20 }, (_, i) => store.cancelCertificate('900000000000000001', `9100000000000000${String(i).padStart(2, '0')}`, BY.at, BY)),
        );
        assert.equal(outcomes.filter((o) => o === 'ok').length, 1);
        assert.equal(outcomes.filter((o) => o === 'not_active').length, 19);
        assert.equal((await list(store.readJournal({ subjectKind: 'certificato', subjectId: '900000000000000001' }))).filter((e) => e.action === 'annullamento').length, 1);

        const twins = await Promise.all([
          store.insertCertificate(certificate('920000000000000001'), BY, claim('twin', 'twin-m')),
          store.insertCertificate(certificate('920000000000000002'), BY, claim('twin', 'twin-m')),
        ]);
        const created = twins.filter((o) => o === undefined).length;
        assert.equal(created, 1, `one creates: ${JSON.stringify(twins)}`);
        const replayed = twins.find((o) => o !== undefined) as { replay: { id: string } };
        assert.ok(['920000000000000001', '920000000000000002'].includes(replayed.replay.id));
        assert.ok((await store.getCertificate(replayed.replay.id)) !== undefined, 'the replay names the stored one');
        assert.equal((await store.certificatesOfWorker(WORKER, 100)).filter((c) => c.idCertificato.startsWith('92')).length, 1);

        await store.insertRicovero(ricovero('930000000000000001'), BY);
        const discharges = await Promise.all(
          Array.from({ length: 10 }, (_, i) => store.insertDischarge(discharge(`9300000000000001${String(i).padStart(2, '0')}`, '930000000000000001'), BY)),
        );
        assert.equal(discharges.filter((o) => o === 'ok').length, 1, JSON.stringify(discharges));
        assert.equal(discharges.filter((o) => o === 'discharge_exists').length, 9);
      }));

    test('users, persons and employments', (t) =>
      opened(factory, t, async (store) => {
        const user = { username: 'MDCUSR70A01H501Z', kind: 'medico' as const, passwordHash: 'h1', pincodeHash: 'p1', codiceRegione: '120', codiceAsl: null, codiceStruttura: null };
        await store.putUser(user);
        await store.putUser({ ...user, username: 'AAAUSR70A01H501Z', kind: 'operatore', pincodeHash: null });
        assert.deepEqual(await store.findUser(user.username), user);
        assert.equal(await store.findUser('nobody'), undefined);
        await store.putUser({ ...user, passwordHash: 'h2' });
        assert.equal((await store.findUser(user.username))?.passwordHash, 'h2', 'a changed password is seen at once');
        assert.equal(await store.countUsers(), 2);
        assert.deepEqual((await list(store.listUsers())).map((u) => u.username), ['AAAUSR70A01H501Z', 'MDCUSR70A01H501Z']);

        const person = { codiceFiscale: 'DLANCL80A01H501Q', cognome: "D'Alo'", nome: "Niccolo'", sesso: 'M' as const, dataNascita: '1980-01-01', comuneNascita: 'Roma', provinciaNascita: 'RM' };
        assert.equal(await store.putPersons([person, { ...person, codiceFiscale: 'RSSMRA80A01H501U', cognome: 'Rossi', nome: 'Mario' }]), 2);
        assert.deepEqual(await store.findPerson(person.codiceFiscale), person);
        assert.equal(await store.countPersons(), 2);
        await assert.rejects(
          (async () => store.putPersons([{ ...person, codiceFiscale: 'BNCGPP75C41F205S', cognome: 'Bianchi' }, { ...person, codiceFiscale: 'VRDGPP75C41F205X', cognome: "D'Alò" }]))(),
          (err: unknown) => err instanceof InvalidPersonError,
        );
        assert.equal(await store.findPerson('BNCGPP75C41F205S'), undefined, 'nothing of the refused batch');

        const base: Employment = { workerCf: WORKER, employerCf: '01234567897', ragioneSociale: 'ACME', matricolaInps: '1234567890', codSede: '7000', from: '2024-01-10', to: '2024-06-30' };
        assert.equal(await store.putEmployments([base, { ...base, employerCf: '12345678903', from: '2025-01-01', to: null }]), 2);
        assert.equal(await store.employs('01234567897', WORKER, '2024-06-30', '2024-07-05'), true, 'last day');
        assert.equal(await store.employs('01234567897', WORKER, '2024-07-01', '2024-07-05'), false);
        assert.equal(await store.employs('12345678903', WORKER, '2030-01-01', '2030-01-01'), true, 'no end');
        assert.deepEqual((await store.employersOf(WORKER, '2020-01-01', '2030-01-01')).map((e) => e.employerCf), ['01234567897', '12345678903']);
        assert.deepEqual((await store.workersOf('01234567897', '2024-01-01', '2024-01-31')).map((e) => e.workerCf), [WORKER]);
        await store.putEmployments([{ ...base, to: '2024-03-31' }]);
        assert.equal(await store.employs('01234567897', WORKER, '2024-05-01', '2024-05-01'), false, 'the re-imported end replaces the old');
        assert.equal(await store.countEmployments(), 2);
      }));

    test("sandbox: a process that follows the settings sees another process's from its first settings() call", async (t) => {
      const s = await factory(t);
      if (s === undefined) return;
      const other = s.sibling();
      try {
        await s.store.sandbox.setShift('u', { offsetMs: 3_600_000, setAt: 1 });
        await s.store.sandbox.setFault('u', { outcome: 'errore', operation: 'InviaMalattia', remaining: 2, total: 2, retryAfterS: null, delayMs: null, tipoErrore: '4005', setAt: 2 });
        await other.sandbox.follow();
        const seen = other.sandbox.settings('u');
        assert.deepEqual(seen.shift, { offsetMs: 3_600_000, setAt: 1 }, 'the shift set elsewhere, at the first call');
        assert.equal(seen.fault?.remaining, 2);
        assert.equal(other.sandbox.settings('nessuno'), other.sandbox.settings('nessuno'), 'nothing set: the same empty settings');
        assert.equal(other.sandbox.settings('nessuno').shift, undefined);
      } finally {
        await other.close();
        await s.close();
      }
    });

    test('sandbox: inspector keeps the newest, the report counts, settings and one taker per injected answer', (t) =>
      opened(factory, t, async (store) => {
        const exchange = (i: number): SandboxExchange => ({
          at: `2026-11-25T10:00:0${i}.000+01:00`, username: 'u', operation: 'InviaMalattia', status: 200, outcome: 'ricevutaOk', codes: ['E1'], warnings: [],
          durationMs: 1.5, requestHeaders: { 'content-type': 'text/xml' }, requestBody: `<r${i}/>`, requestTruncated: false, responseBody: '<ok/>', responseTruncated: true,
        });
        for (let i = 0; i < 4; i++) await store.recordSandboxExchange(exchange(i), 2);
        const kept = await list(store.readSandboxExchanges('u'));
        assert.deepEqual(kept.map((e) => e.requestBody), ['<r3/>', '<r2/>']);
        assert.deepEqual(kept[0], exchange(3));
        const report = await list(store.readConformance('u'));
        assert.deepEqual(report.map((c) => [c.category, c.key, c.count, c.firstAt, c.lastAt]), [
          ['diagnostica', 'E1', 4, exchange(0).at, exchange(3).at],
          ['operazione', 'InviaMalattia', 4, exchange(0).at, exchange(3).at],
        ]);
        await store.resetSandbox('u', 'richieste');
        assert.deepEqual(await list(store.readSandboxExchanges('u')), []);
        assert.equal((await list(store.readConformance('u'))).length, 2);
        await store.resetSandbox('u', 'conformita');
        assert.deepEqual(await list(store.readConformance('u')), []);

        await store.sandbox.setShift('u', { offsetMs: 86_400_000, setAt: 1 });
        await store.sandbox.setFault('u', { outcome: 'sovraccarico', operation: null, remaining: 3, total: 3, retryAfterS: 5, delayMs: null, tipoErrore: null, setAt: 2 });
        const settings = await store.sandbox.settings('u');
        assert.deepEqual(settings.shift, { offsetMs: 86_400_000, setAt: 1 });
        assert.equal(settings.fault?.remaining, 3);
        const taken = await Promise.all(Array.from({ length: 6 }, () => store.sandbox.takeFault('u', 'InviaMalattia')));
        assert.deepEqual(taken.filter((f) => f !== undefined).map((f) => f!.remaining).sort(), [1, 2, 3], 'three answers, each taken once');
        await store.sandbox.setShift('u', undefined);
        assert.equal((await store.sandbox.settings('u')).shift, undefined);
      }));
  });
}
