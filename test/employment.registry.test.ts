/**
 * Who employs whom (issue 12, point 2), on real SQLite files:
 *  - the overlap rule an employer's view rests on ("an employer sees documents
 *    only for absences overlapping an employment with it"), at its boundaries:
 *    first and last day, a one-day employment, open-ended, two employers of
 *    one worker, a gap between two employments with the same employer;
 *  - re-importing an employment (same worker, company, first day) replaces it;
   (migration 9, the SQLite adapter's own, is tested in store.sqlite.employment.test.ts);
 *  - the company codice fiscale's check digit, and the demo employer's.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { checkCodiceFiscaleAzienda } from '../src/domain/codiceFiscaleAzienda.js';
import { loadDemoData } from '../src/seed.js';
import type { Employment, Store } from '../src/store/port.js';
import { openTestStore } from './support/testStore.js';
import { tempDir } from './support/gateway.js';

const dirs: string[] = [];
const stores: Store[] = [];
after(async () => {
  for (const store of stores) await store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function newStore(placement: 'direct' | 'thread' = 'direct'): Store {
  const dir = tempDir('sac-employment-');
  dirs.push(dir);
  const store = openTestStore(dir, placement);
  stores.push(store);
  return store;
}

const WORKER = 'RSSMRA80A01H501U';
const WORKER2 = 'BNCGPP75C41F205S';
const ACME = '12345678903';
/** Another valid company code (check digit computed by the same rule). */
const OTHER = '01234567897';

function job(workerCf: string, employerCf: string, from: string, to: string | null): Employment {
  return { workerCf, employerCf, ragioneSociale: `Azienda ${employerCf}`, matricolaInps: '1234567890', codSede: '7001', from, to };
}

describe('the company codice fiscale', () => {
  test('11 digits with the partita IVA check digit; the demo employer 12345678903 passes the standard algorithm', () => {
    assert.deepEqual(checkCodiceFiscaleAzienda(ACME), { ok: true });
    assert.deepEqual(checkCodiceFiscaleAzienda(OTHER), { ok: true });
    assert.deepEqual(checkCodiceFiscaleAzienda('12345678904'), { ok: false, reason: 'carattere_controllo' });
    assert.deepEqual(checkCodiceFiscaleAzienda('1234567890'), { ok: false, reason: 'formato' });
    assert.deepEqual(checkCodiceFiscaleAzienda('1234567890A'), { ok: false, reason: 'formato' });
    assert.deepEqual(checkCodiceFiscaleAzienda(WORKER), { ok: false, reason: 'formato' });
    assert.deepEqual(checkCodiceFiscaleAzienda('00000000000'), { ok: false, reason: 'formato' });
    // Every single-digit change of a valid code is caught.
    for (let i = 0; i < 11; i++) {
      for (let d = 0; d <= 9; d++) {
        const changed = ACME.slice(0, i) + String(d) + ACME.slice(i + 1);
        if (changed !== ACME) assert.equal(checkCodiceFiscaleAzienda(changed).ok, false, changed);
      }
    }
  });
});

describe('overlap: an employer sees an absence only if it shares a day with an employment', () => {
  test('boundaries: first day, last day, one-day employment, open end, two employers, a gap', async () => {
    const store = newStore();
    await store.putEmployments([
      job(WORKER, ACME, '2024-01-10', '2024-03-31'),
      // A gap of one month, then the same employer again, open-ended.
      job(WORKER, ACME, '2024-05-01', null),
      // A second employer at the same time (part-time): from 2024-03-01 to 2024-06-30.
      job(WORKER, OTHER, '2024-03-01', '2024-06-30'),
      // A one-day employment of another worker.
      job(WORKER2, ACME, '2025-07-15', '2025-07-15'),
    ]);
    const employs = (employer: string, worker: string, from: string, to: string) => store.employs(employer, worker, from, to);
    // The first employment's first and last day count; the days around do not.
    assert.equal(await employs(ACME, WORKER, '2024-01-10', '2024-01-10'), true, 'absence on the first day');
    assert.equal(await employs(ACME, WORKER, '2024-01-01', '2024-01-09'), false, 'absence ending the day before the start');
    assert.equal(await employs(ACME, WORKER, '2024-01-01', '2024-01-10'), true, 'absence ending on the first day');
    assert.equal(await employs(ACME, WORKER, '2024-03-31', '2024-04-05'), true, 'absence starting on the last day');
    // The gap: April 2024 belongs to no employment with ACME.
    assert.equal(await employs(ACME, WORKER, '2024-04-01', '2024-04-30'), false, 'absence inside the gap');
    assert.equal(await employs(ACME, WORKER, '2024-04-20', '2024-05-01'), true, 'absence reaching the next start');
    // Open-ended: every day after the start, however far.
    assert.equal(await employs(ACME, WORKER, '2099-12-30', '2099-12-31'), true, 'open-ended employment');
    assert.equal(await employs(ACME, WORKER, '2024-04-30', '2024-04-30'), false, 'the day before an open-ended start');
    // Two employers: each sees only its own days.
    assert.equal(await employs(OTHER, WORKER, '2024-02-01', '2024-02-29'), false, 'before the second employer');
    assert.equal(await employs(OTHER, WORKER, '2024-06-30', '2024-07-10'), true, "on the second employer's last day");
    assert.equal(await employs(OTHER, WORKER, '2024-07-01', '2024-07-10'), false, 'after the second employer');
    assert.equal((await employs(ACME, WORKER, '2024-04-01', '2024-04-30')) || (await employs(OTHER, WORKER, '2024-04-01', '2024-04-30')), true);
    // A one-day employment: that day only.
    assert.equal(await employs(ACME, WORKER2, '2025-07-15', '2025-07-15'), true);
    assert.equal(await employs(ACME, WORKER2, '2025-07-14', '2025-07-14'), false);
    assert.equal(await employs(ACME, WORKER2, '2025-07-16', '2025-07-20'), false);
    assert.equal(await employs(ACME, WORKER2, '2025-07-01', '2025-07-31'), true, 'an absence around the single day');
    // Nobody else: another worker, an employer with no employments.
    assert.equal(await employs(ACME, 'VRDLGU62T10L219V', '2000-01-01', '2099-12-31'), false);
    assert.equal(await employs('11111111115', WORKER, '2000-01-01', '2099-12-31'), false);

    // The same rule in the lists, in their order.
    const span = (e: Employment) => `${e.employerCf} ${e.from}..${e.to ?? ''}`;
    assert.deepEqual((await store.employersOf(WORKER, '2024-03-15', '2024-05-01')).map(span), [
      `${ACME} 2024-01-10..2024-03-31`,
      `${OTHER} 2024-03-01..2024-06-30`,
      `${ACME} 2024-05-01..`,
    ]);
    assert.deepEqual((await store.employersOf(WORKER, '2024-04-01', '2024-04-30')).map(span), [`${OTHER} 2024-03-01..2024-06-30`]);
    assert.deepEqual(await store.employersOf(WORKER, '2023-01-01', '2024-01-09'), []);
    const who = (e: Employment) => `${e.workerCf} ${e.from}`;
    assert.deepEqual((await store.workersOf(ACME, '2024-01-01', '2099-12-31')).map(who), [`${WORKER2} 2025-07-15`, `${WORKER} 2024-01-10`, `${WORKER} 2024-05-01`]);
    assert.deepEqual((await store.workersOf(ACME, '2025-07-15', '2025-07-15')).map(who), [`${WORKER2} 2025-07-15`, `${WORKER} 2024-05-01`]);
    assert.deepEqual(await store.workersOf(OTHER, '2024-07-01', '2099-12-31'), []);
  });

  test('the same worker, company and first day is the same employment: imported again, its end and codes are replaced', async () => {
    const store = newStore('thread');
    assert.equal(await store.putEmployments([job(WORKER, ACME, '2020-01-01', null)]), 1);
    assert.equal(await store.employs(ACME, WORKER, '2026-01-01', '2026-01-01'), true);
    await store.putEmployments([{ ...job(WORKER, ACME, '2020-01-01', '2025-12-31'), codSede: '7002' }]);
    assert.equal(await store.countEmployments(), 1);
    assert.equal(await store.employs(ACME, WORKER, '2026-01-01', '2026-01-01'), false, 'ended');
    assert.deepEqual((await store.employersOf(WORKER, '2020-01-01', '2020-01-01')).map((e) => [e.to, e.codSede]), [['2025-12-31', '7002']]);
  });

  test('an end before the start is refused by the store itself, and the batch is taken back whole', async () => {
    const store = newStore();
    await assert.rejects(store.putEmployments([job(WORKER2, ACME, '2020-01-01', null), job(WORKER, ACME, '2020-01-02', '2020-01-01')]));
    assert.equal(await store.countEmployments(), 0);
  });
});

describe('the demo data', () => {
  test('Demo Datore S.r.l. employs Rossi and Bianchi, not Verdi, today', () => {
    const demo = loadDemoData();
    const employer = demo.users.find((u) => u.kind === 'datore')!;
    assert.equal(employer.username, ACME);
    assert.equal(demo.users.find((u) => u.kind === 'lavoratore')?.username, WORKER);
    assert.deepEqual(demo.employments.map((e) => [e.workerCf, e.employerCf, e.ragioneSociale, e.matricolaInps, e.codSede, e.to]).sort(), [
      [WORKER2, ACME, 'Demo Datore S.r.l.', '1234567890', '7001', null],
      [WORKER, ACME, 'Demo Datore S.r.l.', '1234567890', '7001', null],
    ]);
  });
});
