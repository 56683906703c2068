/**
 * The INPS side's one rule of who gets which document (src/inps/entitlement.ts)
 * and the reads built on it (src/inps/consultation.ts), on a real SQLite store:
 *  - the whole matrix: worker, issuing doctor, a region that sent for the
 *    doctor, another doctor, the structure's operators and another
 *    structure's, the employer inside and outside the employment, CF+PUC right
 *    and wrong, for a sickness certificate, a discharge certificate and an
 *    admission;
 *  - an employer's records: only its workers, only absences overlapping an
 *    employment with it, only events received in the period (a cancellation
 *    dated by its own day), the employment's INPS position when it differs;
 *  - every answer journaled before it returns, every refusal journaled the
 *    same way whether the document exists or not;
 *  - bounds: a period longer than MAX_PERIOD_DAYS, a worker with more than
 *    MAX_DOCUMENTS_PER_WORKER documents.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { entitledForms, type InpsDocument, type InpsReader } from '../src/inps/entitlement.js';
import { InpsConsultation, InpsLimitError, MAX_DOCUMENTS_PER_WORKER, MAX_PERIOD_DAYS, periodDays, type ReadJournal } from '../src/inps/consultation.js';
import type { CertificateRecord, Employment, JournalStamp, JournalSubjectKind, RicoveroRecord, UserKind, UserRecord } from '../src/store/port.js';
import { openTestStore } from './support/testStore.js';
import type { Store } from '../src/store/port.js';
import { tempDir } from './support/gateway.js';

const WORKER = 'RSSMRA80A01H501U';
const WORKER2 = 'BNCGPP75C41F205S';
const DOCTOR = 'MDCTST70A01H501K';
const OTHER_DOCTOR = 'VRDLGU62T10L219V';
const REGION_USER = 'regione-lazio';
const EMPLOYER = '12345678903';
const OTHER_EMPLOYER = '01234567897';
const STRUCTURE = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' } as const;
const by: JournalStamp = { at: '2026-03-10T10:00:00+01:00', username: 'test', clientAddress: '127.0.0.1', operation: 'test' };

function user(kind: UserKind, username: string, structure: { codiceRegione?: string; codiceAsl?: string; codiceStruttura?: string } = {}): UserRecord {
  return {
    username,
    kind,
    passwordHash: 'x',
    pincodeHash: null,
    codiceRegione: structure.codiceRegione ?? null,
    codiceAsl: structure.codiceAsl ?? null,
    codiceStruttura: structure.codiceStruttura ?? null,
  };
}

const residenza = { via: 'Via Roma', civico: '1', cap: '00100' };

function malattia(id: string, worker: string, dataRicezione: string, days: { inizio: string; fine: string }, extra: Partial<CertificateRecord> = {}): CertificateRecord {
  return {
    idCertificato: id,
    kind: 'malattia',
    medicoCf: DOCTOR,
    lavoratoreCf: worker,
    dataRicezione,
    sentBy: DOCTOR,
    state: 'attivo',
    document: {
      residenza,
      malattia: { ruoloMedico: 'P', dataRilascio: days.inizio, dataInizio: days.inizio, dataFine: days.fine, visita: 'A', tipoCertificato: 'I', diagnosi: { codiceDiagnosi: '487.1', noteDiagnosi: 'SEGRETO' } },
    },
    ...extra,
  };
}

function dimissione(id: string, worker: string, dataRicezione: string, idInizioRicovero: string): CertificateRecord {
  return {
    idCertificato: id,
    kind: 'dimissione',
    medicoCf: DOCTOR,
    lavoratoreCf: worker,
    dataRicezione,
    sentBy: DOCTOR,
    state: 'attivo',
    idInizioRicovero,
    document: {
      residenza,
      dimissione: { ruoloMedico: 'S', dataRicovero: '2026-03-01', dataDimissione: '2026-03-05', dataFine: '2026-03-12', tipoCertificato: 'I', tipoRicovero: 'R', diagnosi: { codiceDiagnosi: '481' } },
    },
  };
}

function ricovero(id: string, worker: string, dataRicezione: string, dataRicovero: string): RicoveroRecord {
  return {
    idInizioRicovero: id,
    lavoratoreCf: worker,
    operatoreCf: 'OPRTST80A01H501X',
    ...STRUCTURE,
    sentBy: 'OPRTST80A01H501X',
    dataRicezione,
    state: 'attivo',
    document: { residenza, ricovero: { dataRicovero } },
  };
}

function job(workerCf: string, employerCf: string, from: string, to: string | null, codSede = '7001'): Employment {
  return { workerCf, employerCf, ragioneSociale: 'Azienda', matricolaInps: '1234567890', codSede, from, to };
}

/** A journal that records what it is told, as the request-bound one would store it. */
class RecordingJournal implements ReadJournal {
  readonly reads: [JournalSubjectKind, string][] = [];
  readonly denials: [JournalSubjectKind, string][] = [];
  read(kind: JournalSubjectKind, ids: readonly string[]): Promise<void> {
    for (const id of ids) this.reads.push([kind, id]);
    return Promise.resolve();
  }
  denied(kind: JournalSubjectKind, id: string): void {
    this.denials.push([kind, id]);
  }
}

let dir: string;
let store: Store;
let inps: InpsConsultation;

const ids = {
  malattia: '100000000000000001',
  dimissione: '100000000000000002',
  ricovero: '200000000000000001',
  /** WORKER2's, received in March, after the employment with EMPLOYER ended (February). */
  afterJob: '100000000000000003',
  /** Received on 2026-02-20, cancelled on 2026-03-02. */
  cancelled: '100000000000000004',
  /** Sent by the region on DOCTOR's behalf. */
  byRegion: '100000000000000005',
  /** WORKER's absence in the other sede of EMPLOYER. */
  otherSede: '100000000000000006',
};

before(async () => {
  dir = tempDir('sac-inps-consultation-');
  store = openTestStore(dir);
  inps = new InpsConsultation({ store, registry: store, employment: store });
  await store.putEmployments([
    job(WORKER, EMPLOYER, '2020-01-01', null),
    job(WORKER2, EMPLOYER, '2021-01-01', '2026-02-28'),
    job(WORKER2, OTHER_EMPLOYER, '2026-03-01', null),
    job(WORKER, EMPLOYER, '2019-01-01', '2019-12-31', '7002'),
  ]);
  await store.insertRicovero(ricovero(ids.ricovero, WORKER, '2026-03-01T09:00:00+01:00', '2026-03-01'), by);
  await store.insertCertificate(malattia(ids.malattia, WORKER, '2026-03-02T10:00:00+01:00', { inizio: '2026-03-02', fine: '2026-03-06' }), by);
  await store.insertDischarge(dimissione(ids.dimissione, WORKER, '2026-03-05T12:00:00+01:00', ids.ricovero), by);
  await store.insertCertificate(malattia(ids.afterJob, WORKER2, '2026-03-03T10:00:00+01:00', { inizio: '2026-03-03', fine: '2026-03-04' }), by);
  await store.insertCertificate(malattia(ids.cancelled, WORKER2, '2026-02-20T10:00:00+01:00', { inizio: '2026-02-20', fine: '2026-02-22' }), by);
  await store.cancelCertificate(ids.cancelled, '300000000000000001', '2026-03-02T08:00:00+01:00', by);
  await store.insertCertificate(malattia(ids.byRegion, WORKER, '2026-03-09T10:00:00+01:00', { inizio: '2026-03-09', fine: '2026-03-09' }, { sentBy: REGION_USER }), by);
  await store.insertCertificate(malattia(ids.otherSede, WORKER, '2026-03-08T10:00:00+01:00', { inizio: '2019-06-01', fine: '2019-06-02' }), by);
});

after(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function doc(id: string): Promise<InpsDocument> {
  const c = await store.getCertificate(id);
  if (c) return { tipo: 'certificato', record: c };
  return { tipo: 'ricovero', record: (await store.getRicovero(id))! };
}

const employs = (e: string, w: string, from: string, to: string): Promise<boolean> => store.employs(e, w, from, to);
const utente = (u: UserRecord): InpsReader => ({ by: 'utente', user: u });

describe('who gets which form', () => {
  const cases: [string, InpsReader, string, string][] = [
    // reader, document, expected forms
    ['the worker: a sickness certificate', utente(user('lavoratore', WORKER)), ids.malattia, 'A,B'],
    ['the worker: a discharge certificate', utente(user('lavoratore', WORKER)), ids.dimissione, 'C,D'],
    ['the worker: an admission', utente(user('lavoratore', WORKER)), ids.ricovero, 'E'],
    ["another worker: someone else's", utente(user('lavoratore', WORKER2)), ids.malattia, ''],
    ['the issuing doctor', utente(user('medico', DOCTOR)), ids.malattia, 'A,B'],
    ['the issuing doctor: discharge', utente(user('medico', DOCTOR)), ids.dimissione, 'C,D'],
    ['the issuing doctor: an admission he did not send', utente(user('medico', DOCTOR)), ids.ricovero, ''],
    ['another doctor', utente(user('medico', OTHER_DOCTOR)), ids.malattia, ''],
    ['the region that sent it', utente(user('regione', REGION_USER)), ids.byRegion, 'A,B'],
    ['the region, for a certificate it did not send', utente(user('regione', REGION_USER)), ids.malattia, ''],
    ["the structure's operator who sent the admission", utente(user('operatore', 'OPRTST80A01H501X')), ids.ricovero, 'E'],
    ['an operator of the same structure', utente(user('operatore', 'ALTRO', STRUCTURE)), ids.ricovero, 'E'],
    ['an operator of another structure', utente(user('operatore', 'ALTRO', { ...STRUCTURE, codiceStruttura: '120902' })), ids.ricovero, ''],
    ['an operator: a certificate', utente(user('operatore', 'ALTRO', STRUCTURE)), ids.dimissione, ''],
    ['the employer, inside the employment', utente(user('datore', EMPLOYER)), ids.malattia, 'B'],
    ['the employer: discharge', utente(user('datore', EMPLOYER)), ids.dimissione, 'D'],
    ['the employer: admission', utente(user('datore', EMPLOYER)), ids.ricovero, 'E'],
    ['the employer, after the employment ended', utente(user('datore', EMPLOYER)), ids.afterJob, ''],
    ['the new employer', utente(user('datore', OTHER_EMPLOYER)), ids.afterJob, 'B'],
    ['another employer', utente(user('datore', OTHER_EMPLOYER)), ids.malattia, ''],
    ['CF+PUC, right pair', { by: 'codice', codiceFiscale: WORKER }, ids.malattia, 'B'],
    ['CF+PUC, right pair, discharge', { by: 'codice', codiceFiscale: WORKER }, ids.dimissione, 'D'],
    ['CF+PUC, right pair, admission', { by: 'codice', codiceFiscale: WORKER }, ids.ricovero, 'E'],
    ['CF+PUC, wrong CF', { by: 'codice', codiceFiscale: WORKER2 }, ids.malattia, ''],
  ];
  for (const [name, reader, id, expected] of cases) {
    test(name, async () => {
      assert.equal((await entitledForms(reader, await doc(id), employs)).join(','), expected);
    });
  }
});

describe('one document by its protocol number', () => {
  test('found: journaled as read; refused and missing: journaled the same way, and the same answer', async () => {
    const journal = new RecordingJournal();
    const found = await inps.lookUp({ by: 'codice', codiceFiscale: WORKER }, ids.malattia, journal);
    assert.deepEqual(found?.forms, ['B']);
    assert.deepEqual(journal.reads, [['certificato', ids.malattia]]);

    const wrong = new RecordingJournal();
    const missing = new RecordingJournal();
    assert.equal(await inps.lookUp({ by: 'codice', codiceFiscale: WORKER2 }, ids.malattia, wrong), undefined);
    assert.equal(await inps.lookUp({ by: 'codice', codiceFiscale: WORKER2 }, '199999999999999999', missing), undefined);
    assert.deepEqual(wrong.reads, []);
    assert.deepEqual(missing.reads, []);
    assert.deepEqual(wrong.denials.map(([k]) => k), missing.denials.map(([k]) => k));
    assert.equal(wrong.denials.length, 1);
  });

  test('a printed form: the full one for the worker, the attestato for the employer, refused when not theirs', async () => {
    const journal = new RecordingJournal();
    const worker = await inps.print(utente(user('lavoratore', WORKER)), ids.malattia, undefined, journal);
    assert.ok(worker !== undefined && worker !== 'non_spettante');
    assert.equal(worker.form, 'A');
    assert.equal(worker.pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    assert.equal(await inps.print(utente(user('datore', EMPLOYER)), ids.malattia, 'A', journal), 'non_spettante');
    const employer = await inps.print(utente(user('datore', EMPLOYER)), ids.malattia, undefined, journal);
    assert.ok(employer !== undefined && employer !== 'non_spettante');
    assert.equal(employer.form, 'B');
    assert.equal(await inps.print(utente(user('datore', OTHER_EMPLOYER)), ids.malattia, 'B', journal), undefined);
  });
});

describe('a rectified certificate', () => {
  /** A worker of nobody's, so the employer tests below do not see these. */
  const RECTIFIED_WORKER = 'RTTFCT80A01H501X';
  test('names its current rectification and end, through a chain of rectifications; the rectification names what it rectifies', async () => {
    const original = malattia('100000000000000101', RECTIFIED_WORKER, '2026-03-10T10:00:00+01:00', { inizio: '2026-03-10', fine: '2026-03-20' });
    await store.insertCertificate(original, by);
    const first = { ...malattia('100000000000000102', RECTIFIED_WORKER, '2026-03-11T10:00:00+01:00', { inizio: '2026-03-10', fine: '2026-03-16' }), rettificaDi: original.idCertificato };
    assert.equal(await store.rectifyCertificate(original.idCertificato, first, by), 'ok');
    const reader: InpsReader = { by: 'codice', codiceFiscale: RECTIFIED_WORKER };
    const once = await inps.lookUp(reader, original.idCertificato, new RecordingJournal());
    assert.deepEqual(once?.successor, { idCertificato: first.idCertificato, dataFine: '2026-03-16' });
    const second = { ...malattia('100000000000000103', RECTIFIED_WORKER, '2026-03-12T10:00:00+01:00', { inizio: '2026-03-10', fine: '2026-03-13' }), rettificaDi: first.idCertificato };
    assert.equal(await store.rectifyCertificate(first.idCertificato, second, by), 'ok');
    const twice = await inps.lookUp(reader, original.idCertificato, new RecordingJournal());
    assert.deepEqual(twice?.successor, { idCertificato: second.idCertificato, dataFine: '2026-03-13' });
    const current = await inps.lookUp(reader, second.idCertificato, new RecordingJournal());
    assert.equal(current?.successor, undefined, 'an active certificate has no successor');
    assert.equal(current?.doc.tipo === 'certificato' && current.doc.record.rettificaDi, first.idCertificato);
    // The printed attestato of the original says where its dates went.
    const printed = await inps.print(reader, original.idCertificato, 'B', new RecordingJournal());
    assert.ok(printed !== undefined && printed !== 'non_spettante');
    const text = execFileSync('pdftotext', ['-', '-'], { input: printed.pdf }).toString('utf8').replace(/\s+/g, ' ');
    assert.match(text, /RETTIFICATO: sostituito da un certificato di rettifica/);
    assert.match(text, new RegExp(`Certificato di rettifica: PUC ${second.idCertificato}, fine prognosi attuale 13/03/2026`));
  });
});

describe("a worker's documents", () => {
  test('all of them and only theirs, journaled', async () => {
    const journal = new RecordingJournal();
    const docs = await inps.workerDocuments(WORKER, journal);
    assert.deepEqual(docs.certificati.map((c) => c.idCertificato).sort(), [ids.malattia, ids.dimissione, ids.byRegion, ids.otherSede].sort());
    assert.deepEqual(docs.ricoveri.map((r) => r.idInizioRicovero), [ids.ricovero]);
    assert.equal(journal.reads.length, 5);
  });
});

describe("an employer's records", () => {
  test("its workers, absences within an employment with it, events received in the period", async () => {
    const journal = new RecordingJournal();
    const { header, records } = await inps.employerRecords(EMPLOYER, '2026-03-01', '2026-03-31', journal);
    assert.equal(header.employer.codiceFiscale, EMPLOYER);
    const summary = records.map((r) => {
      switch (r.tipo) {
        case 'attestato':
          return `attestato ${r.attestato.idCertificato}${r.datore ? ` sede ${r.datore.codSede}` : ''}`;
        case 'annullamento':
          return `annullamento ${r.idCertificato}`;
        case 'ricovero':
          return `ricovero ${r.ricovero.idInizioRicovero}`;
        case 'dimissioni':
          return `dimissioni ${r.dimissioni.idDimissioni}`;
      }
    });
    assert.deepEqual(summary.sort(), [
      `annullamento ${ids.cancelled}`,
      `attestato ${ids.byRegion}`,
      `attestato ${ids.dimissione}`,
      `attestato ${ids.malattia}`,
      `attestato ${ids.otherSede} sede 7002`,
      `dimissioni ${ids.dimissione}`,
      `ricovero ${ids.ricovero}`,
    ].sort());
    // WORKER2's March certificate is the new employer's: absent.
    assert.ok(!summary.some((s) => s.includes(ids.afterJob)));
    assert.ok(!JSON.stringify(records).includes('SEGRETO'), 'no diagnosis in an employer record');
    assert.ok(!JSON.stringify(records).includes('487.1'), 'no diagnosis code in an employer record');
    assert.deepEqual(new Set(journal.reads.map(([, id]) => id)), new Set([ids.cancelled, ids.byRegion, ids.dimissione, ids.malattia, ids.otherSede, ids.ricovero]));

    const other = await inps.employerRecords(OTHER_EMPLOYER, '2026-03-01', '2026-03-31', new RecordingJournal());
    assert.deepEqual(other.records.map((r) => r.tipo === 'attestato' && r.attestato.idCertificato), [ids.afterJob]);
  });

  test('a period is 1 to MAX_PERIOD_DAYS days', async () => {
    assert.equal(periodDays('2026-01-01', '2026-01-01'), 1);
    assert.equal(periodDays('2024-01-01', '2024-12-31'), 366);
    assert.equal(periodDays('2026-03-28', '2026-03-30'), 3, 'across the DST change');
    await assert.rejects(inps.employerRecords(EMPLOYER, '2026-03-02', '2026-03-01', new RecordingJournal()), InpsLimitError);
    await assert.rejects(inps.employerRecords(EMPLOYER, '2025-01-01', '2026-01-02', new RecordingJournal()), InpsLimitError);
    assert.equal(MAX_PERIOD_DAYS, 366);
  });
});

describe('bounds', () => {
  test('a worker with more documents than the bound is refused, not read whole', async () => {
    const many = 'MNYDCM80A01H501X';
    const count = MAX_DOCUMENTS_PER_WORKER + 1;
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      writes.push(store.insertCertificate(malattia(`9${String(i).padStart(17, '0')}`, many, '2026-03-02T10:00:00+01:00', { inizio: '2026-03-02', fine: '2026-03-02' }), by));
    }
    await Promise.all(writes);
    await assert.rejects(inps.workerDocuments(many, new RecordingJournal()), InpsLimitError);
  });
});
