/**
 * `sac-gateway employment import` and `employment list` (issue 12, point 2):
 * in process on a real SQLite store (bounded batches, every refused line
 * reported with its reason, a huge line refused as it streams by), and
 * through the real binary (the report, exit statuses, --help, list).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { syntheticPersons } from '../src/domain/codiceFiscale.js';
import { importEmployments, MAX_EMPLOYMENT_LINE_BYTES } from '../src/employment/importEmployments.js';
import type { Employment, EmploymentRegistry } from '../src/store/port.js';
import { openTestStore } from './support/testStore.js';
import type { Store } from '../src/store/port.js';
import { adminCli, type AdminRun } from './support/adminCli.js';
import { tempDir } from './support/gateway.js';

const dirs: string[] = [];
const children: ChildProcess[] = [];
after(() => {
  for (const child of children) if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function dir(): string {
  const d = tempDir('sac-employment-import-');
  dirs.push(d);
  return d;
}

const HEADER = 'codiceFiscaleLavoratore,codFiscAzienda,ragioneSociale,matricolaInps,codSede,dataInizio,dataFine\n';
const ACME = '12345678903';

/** The real store, with the size of every batch it is handed recorded. */
function recording(store: Store): { registry: EmploymentRegistry; batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    registry: {
      employersOf: (...a) => store.employersOf(...a),
      workersOf: (...a) => store.workersOf(...a),
      employs: (...a) => store.employs(...a),
      countEmployments: () => store.countEmployments(),
      putEmployments(employments: readonly Employment[]) {
        batches.push(employments.length);
        return store.putEmployments(employments);
      },
    },
  };
}

describe('in process', () => {
  test('20,000 generated lines: written in batches of at most 1,000, each kind of bad line refused with its reason', async () => {
    const store = openTestStore(dir(), 'thread');
    try {
      const COUNT = 20_000;
      const bad: Record<number, [string, string]> = {
        // line number -> [what is changed, the reason expected]
        101: ['worker', 'codiceFiscaleLavoratore: carattere di controllo errato'],
        202: ['company', 'codFiscAzienda: cifra di controllo errata'],
        303: ['matricola', 'matricolaInps: 10 cifre'],
        404: ['sede', 'codSede: 4 cifre'],
        505: ['date', 'dataInizio: non è una data (AAAA-MM-GG o GG/MM/AAAA)'],
        606: ['order', 'dataFine 2019-12-31 precede dataInizio 2020-01-01'],
        707: ['name', 'ragioneSociale: caratteri fuori da ISO-8859-1 (lettere accentate italiane ammesse)'],
        808: ['fields', '6 campi invece di 7'],
      };
      function* lines(): Generator<string> {
        yield HEADER;
        let lineNo = 1;
        for (const person of syntheticPersons(COUNT, 5)) {
          lineNo++;
          const f = [person.codiceFiscale, ACME, '"Società Benefit Caffè, S.p.A."', '1234567890', '7001', '2020-01-01', lineNo % 2 === 0 ? '' : '31/12/2030'];
          switch (bad[lineNo]?.[0]) {
            case 'worker': f[0] = person.codiceFiscale.slice(0, 15) + (person.codiceFiscale[15] === 'A' ? 'B' : 'A'); break;
            case 'company': f[1] = '12345678904'; break;
            case 'matricola': f[3] = '12345'; break;
            case 'sede': f[4] = '70011'; break;
            case 'date': f[5] = '2020-02-30'; break;
            case 'order': f[6] = '2019-12-31'; break;
            case 'name': f[2] = 'Società 株式会社'; break;
            case 'fields': f.pop(); break;
          }
          yield `${f.join(',')}\n`;
        }
      }
      const refused: Array<[number, string]> = [];
      const { registry, batches } = recording(store);
      const report = await importEmployments(Readable.from(lines()), registry, { onRefused: (n, reason) => refused.push([n, reason]) });
      const badCount = Object.keys(bad).length;
      assert.deepEqual(refused, Object.entries(bad).map(([n, [, reason]]) => [Number(n), reason]));
      assert.equal(report.lines, COUNT + 1);
      assert.equal(report.accepted, COUNT - badCount);
      assert.equal(report.added, COUNT - badCount);
      assert.equal(await store.countEmployments(), COUNT - badCount);
      assert.equal(batches.length, Math.ceil((COUNT - badCount) / 1_000));
      assert.ok(Math.max(...batches) <= 1_000, `largest batch ${Math.max(...batches)}`);
      // The quoted company name with its comma and accents is stored whole.
      const [one] = await store.workersOf(ACME, '2020-01-01', '2020-01-01');
      assert.equal(one?.ragioneSociale, 'Società Benefit Caffè, S.p.A.');
    } finally {
      await store.close();
    }
  });

  test('a 16 MiB line is refused as it streams by; a dry run writes nothing; a bad header imports nothing', async () => {
    const store = openTestStore(dir());
    try {
      const row = (cf: string) => `${cf},${ACME},Demo Datore S.r.l.,1234567890,7001,2020-01-01,\n`;
      const chunk = Buffer.alloc(64 * 1024, 'x');
      async function* input(): AsyncGenerator<Buffer> {
        yield Buffer.from(HEADER + row('RSSMRA80A01H501U'));
        for (let i = 0; i < 256; i++) yield chunk;
        yield Buffer.from(`\n${row('BNCGPP75C41F205S')}`);
      }
      const refused: Array<[number, string]> = [];
      const dry = await importEmployments(input(), store, { dryRun: true, onRefused: (n, r) => refused.push([n, r]) });
      assert.deepEqual([dry.accepted, dry.added, dry.batches, await store.countEmployments()], [2, 0, 0, 0]);
      assert.deepEqual(refused, [[3, `riga più lunga di ${MAX_EMPLOYMENT_LINE_BYTES} byte`]]);
      const report = await importEmployments(input(), store, { onRefused: () => {} });
      assert.equal(report.accepted, 2);
      assert.equal(await store.countEmployments(), 2);
      await assert.rejects(
        importEmployments(Readable.from(['codiceFiscale,azienda\n', row('VRDLGU62T10L219V')]), store, { onRefused: () => {} }),
        { name: 'EmploymentFileError', message: /mancano nell'intestazione le colonne codiceFiscaleLavoratore, codFiscAzienda/ },
      );
      await assert.rejects(importEmployments(Readable.from(['\n\n']), store, { onRefused: () => {} }), { name: 'EmploymentFileError' });
      assert.equal(await store.countEmployments(), 2);
    } finally {
      await store.close();
    }
  });
});

function cli(dataDir: string, args: string[], stdin = ''): Promise<AdminRun> {
  return adminCli(dataDir, args, stdin, (c) => children.push(c));
}

// As a payroll office might export it: ; separated, Italian dates, a BOM, an extra column, headers in another case.
const CSV = [
  '\uFEFFCodice Fiscale Lavoratore;COD_FISC_AZIENDA;Ragione Sociale;Matricola INPS;Cod Sede;Data Inizio;Data Fine;Reparto',
  'RSSMRA80A01H501U;12345678903;Demo Datore S.r.l.;1234567890;7001;01/09/2015;;Vendite', // 2 ok, open-ended
  'BNCGPP75C41F205S;12345678903;Demo Datore S.r.l.;1234567890;7001;2019-04-15;;', // 3 ok
  'VRDLGU62T10L219V;12345678904;Altra S.r.l.;1234567890;7001;2019-04-15;;', // 4 company check digit
  'VRDLGU62T10L219V;01234567897;Altra S.r.l.;1234567890;7001;2019-04-15;2019-04-14;', // 5 end before start
  'vrdlgu62t10l219v;01234567897;Altra S.r.l.;1234567890;7001;2019-04-15;30/06/2024;', // 6 ok (lowercase CF)
].join('\r\n');

describe('the binary', () => {
  test('import: the refused lines by number and reason (never their content), a summary, exit 3; list by worker and by employer', async () => {
    const dataDir = dir();
    const file = path.join(dataDir, 'rapporti.csv');
    writeFileSync(file, `${CSV}\r\n`);
    const run = await cli(dataDir, ['employment', 'import', file]);
    assert.equal(run.code, 3, run.stderr);
    assert.equal(
      run.stdout,
      [
        'riga 4: codFiscAzienda: cifra di controllo errata',
        'riga 5: dataFine 2019-04-14 precede dataInizio 2019-04-15',
        `${file}: 6 righe lette; 3 rapporti di lavoro scritti (3 nuovi, 0 già presenti o ripetuti nel file, sostituiti); 2 righe rifiutate; colonne ignorate: Reparto`,
        'il registro contiene 3 rapporti di lavoro',
        '',
      ].join('\n'),
    );
    assert.doesNotMatch(run.stdout, /Altra|VRDLGU/, 'a refused line is reported without its content');

    const again = await cli(dataDir, ['employment', 'import', '-'], `${CSV.split('\r\n').slice(0, 3).join('\n')}\n`);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /2 rapporti di lavoro scritti \(0 nuovi, 2 già presenti/);

    const byEmployer = await cli(dataDir, ['employment', 'list', '--employer', ACME]);
    assert.equal(byEmployer.code, 0, byEmployer.stderr);
    assert.match(byEmployer.stdout, /^BNCGPP75C41F205S +12345678903 +1234567890 +7001 +2019-04-15 +- +Demo Datore S\.r\.l\.$/m);
    assert.match(byEmployer.stdout, /^RSSMRA80A01H501U +12345678903 +1234567890 +7001 +2015-09-01 +- +Demo Datore S\.r\.l\.$/m);
    assert.match(byEmployer.stdout, /^2 rapporti di lavoro$/m);
    const byWorker = await cli(dataDir, ['employment', 'list', '--worker', 'VRDLGU62T10L219V', '--json']);
    assert.deepEqual(JSON.parse(byWorker.stdout), [
      { workerCf: 'VRDLGU62T10L219V', employerCf: '01234567897', ragioneSociale: 'Altra S.r.l.', matricolaInps: '1234567890', codSede: '7001', from: '2019-04-15', to: '2024-06-30' },
    ]);
    const later = await cli(dataDir, ['employment', 'list', '--worker', 'VRDLGU62T10L219V', '--from', '2024-07-01']);
    assert.match(later.stdout, /^0 rapporti di lavoro$/m);
  });

  test('--help, wrong arguments (exit 2), a file without the columns (exit 1, nothing written)', async () => {
    const dataDir = dir();
    const help = await cli(dataDir, ['employment', 'import', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /usage: sac-gateway employment import FILE\.csv \[--dry-run\]/);
    assert.match(help.stdout, /codiceFiscaleLavoratore;codFiscAzienda;ragioneSociale;matricolaInps;codSede;dataInizio;dataFine/);
    assert.match((await cli(dataDir, ['employment'])).stdout, /import FILE\.csv[\s\S]*list --worker CF \| --employer CF/);
    const cases: Array<[string[], RegExp]> = [
      [['employment', 'list'], /needs exactly one of --worker CF, --employer CF/],
      [['employment', 'list', '--worker', 'RSSMRA80A01H501U', '--employer', ACME], /needs exactly one of/],
      [['employment', 'list', '--employer', '12345678904'], /not a valid company codice fiscale/],
      [['employment', 'list', '--worker', ACME.slice(0, 10)], /not a valid codice fiscale/],
      [['employment', 'list', '--worker', 'RSSMRA80A01H501U', '--from', '2026-02-30'], /--from must be a day/],
      [['employment', 'import'], /employment import: missing FILE/],
      [['employment', 'import', path.join(dataDir, 'missing.csv')], /cannot read .*missing\.csv: ENOENT/],
      [['employment', 'fire'], /employment: unknown command 'fire'/],
    ];
    for (const [args, expected] of cases) {
      const run = await cli(dataDir, args);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, expected);
    }
    const bad = path.join(dataDir, 'persone.csv');
    writeFileSync(bad, 'codiceFiscale;cognome;nome\nRSSMRA80A01H501U;Rossi;Mario\n');
    const run = await cli(dataDir, ['employment', 'import', bad]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /riga 1 \(intestazione\): mancano nell'intestazione le colonne/);
  });
});
