/**
 * Isolation under concurrency (issue 12, point 6): two employers and two
 * workers fetch their exports, document lists and printed copies at the
 * same time, ~200 requests in flight together on a real gateway
 * (test/support/inpsWorld.ts); each answer holds only its requester's
 * data, and a document of someone else is a 404 every time.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { importXml } from './support/listaAttestati.js';
import { DATORE, DATORE2, LAVORATORE, LAVORATORE2, TODAY, VERDI, YESTERDAY, startInpsWorld, type InpsWorld, type Login } from './support/inpsWorld.js';

const ROUNDS = 10;

let world: InpsWorld;

before(async () => {
  // No per-user rate limit, no failure throttle, and room for every connection from the one
  // loopback address: every request must be answered, not refused (the refusals are tested elsewhere).
  world = await startInpsWorld({ SAC_RATE_LIMITS: 'off', SAC_LOOKUP_FAILURES: 'off', SAC_MAX_CONNECTIONS_PER_ADDRESS: '1000' });
});
after(async () => world?.gw.stop());

interface Check {
  readonly who: Login;
  readonly path: string;
  verify(response: Response): Promise<void>;
}

test(`${ROUNDS * 20} mixed concurrent requests from two employers and two workers: each answer only its requester's`, async () => {
  const { ids } = world;
  const everyId = Object.values(ids);
  const period = `?dal=${YESTERDAY}&al=${TODAY}`;

  /** The ids an answer may name, and the workers it may name. */
  const own = (allowedIds: readonly string[], allowedWorkers: readonly string[]) => (text: string) => {
    for (const id of everyId) if (!allowedIds.includes(id)) assert.ok(!text.includes(id), `${id} in an answer that may not hold it`);
    for (const cf of [LAVORATORE.user, LAVORATORE2.user, VERDI]) if (!allowedWorkers.includes(cf)) assert.ok(!text.includes(cf), `${cf} in an answer that may not hold it`);
  };
  const datoreIds = [ids.c0, ids.r1, ids.c1, ids.c1r, ids.c2, ids.d1];
  const lavoratoreIds = [ids.c0, ids.r1, ids.c1, ids.c1r, ids.d1];

  const exportOf = (who: Login, formato: 'xml' | 'csv', records: number, allowedIds: readonly string[], workers: readonly string[]): Check => ({
    who,
    path: `/inps/datore/attestati.${formato}${period}`,
    async verify(response) {
      assert.equal(response.status, 200);
      const body = Buffer.from(await response.arrayBuffer());
      own(allowedIds, workers)(body.toString('latin1'));
      if (formato === 'xml') {
        const imported = importXml(body);
        assert.equal(imported.length, records);
        for (const r of imported) assert.ok(workers.includes(r.fields['lavoratore/codicefiscale']!));
      }
    },
  });
  const documentsOf = (who: Login, allowedIds: readonly string[], certificati: number): Check => ({
    who,
    path: '/inps/lavoratore/documenti.json',
    async verify(response) {
      assert.equal(response.status, 200);
      const text = await response.text();
      own(allowedIds, [who.user])(text);
      const body = JSON.parse(text) as { lavoratore: string; certificati: unknown[] };
      assert.equal(body.lavoratore, who.user);
      assert.equal(body.certificati.length, certificati);
    },
  });
  const print = (who: Login, id: string, form: string | undefined, expected: string | 404): Check => ({
    who,
    path: `/inps/stampa/${id}.pdf${form ? `?allegato=${form}` : ''}`,
    async verify(response) {
      if (expected === 404) {
        assert.equal(response.status, 404, `${who.user} ${id}`);
        assert.equal(((await response.json()) as { codice: string }).codice, '7020');
        return;
      }
      assert.equal(response.status, 200, `${who.user} ${id}`);
      assert.equal(response.headers.get('content-disposition'), `inline; filename="allegato-${expected}_${id}.pdf"`);
      const pdf = Buffer.from(await response.arrayBuffer());
      assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-');
    },
  });

  const round: Check[] = [
    exportOf(DATORE, 'xml', 8, datoreIds, [LAVORATORE.user, LAVORATORE2.user]),
    exportOf(DATORE, 'csv', 8, datoreIds, [LAVORATORE.user, LAVORATORE2.user]),
    exportOf(DATORE2, 'xml', 1, [ids.c3], [VERDI]),
    exportOf(DATORE2, 'csv', 1, [ids.c3], [VERDI]),
    documentsOf(LAVORATORE, lavoratoreIds, 4),
    documentsOf(LAVORATORE2, [ids.c2], 1),
    print(LAVORATORE, ids.c1, undefined, 'A'),
    print(LAVORATORE, ids.d1, 'D', 'D'),
    print(LAVORATORE, ids.c2, undefined, 404),
    print(LAVORATORE2, ids.c2, 'B', 'B'),
    print(LAVORATORE2, ids.c1, undefined, 404),
    print(LAVORATORE2, ids.r1, undefined, 404),
    print(DATORE, ids.c1, undefined, 'B'),
    print(DATORE, ids.r1, undefined, 'E'),
    print(DATORE, ids.c3, undefined, 404),
    print(DATORE2, ids.c3, undefined, 'B'),
    print(DATORE2, ids.c1, undefined, 404),
    print(DATORE2, ids.d1, 'D', 404),
    documentsOf(LAVORATORE, lavoratoreIds, 4),
    exportOf(DATORE2, 'xml', 1, [ids.c3], [VERDI]),
  ];
  const checks: Check[] = [];
  for (let i = 0; i < ROUNDS; i++) checks.push(...round);
  // Shuffled deterministically, so each user's requests interleave with the others'.
  for (let i = checks.length - 1; i > 0; i--) {
    const j = (i * 7919 + 13) % (i + 1);
    [checks[i], checks[j]] = [checks[j]!, checks[i]!];
  }
  assert.equal(checks.length, ROUNDS * 20);
  // One login each first: a burst of 200 first logins would fill the bounded password-hash
  // queue (503 AUTH_BUSY, tested in gateway.logins); here the answers' contents are under test.
  for (const who of [DATORE, DATORE2, LAVORATORE, LAVORATORE2]) await (await world.get('/inps/stampa/0.pdf', who)).arrayBuffer();
  const outcomes = await Promise.allSettled(
    checks.map(async (check) => {
      const response = await world.get(check.path, check.who);
      if (response.status >= 500) assert.fail(`${response.status} ${await response.text()}`);
      await check.verify(response);
    }),
  );
  const failures = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  assert.deepEqual(failures.map((f) => String(f.reason)).slice(0, 5), []);
});
