/**
 * The registry import's bounds, in process on a real SQLite store: a large
 * file is written in bounded batches (one transaction each, never the whole
 * file in memory), and a line far beyond the limit is refused as it streams
 * by without being held.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { Readable } from 'node:stream';
import { syntheticPersons } from '../src/domain/codiceFiscale.js';
import { boundedLines } from '../src/registry/boundedLines.js';
import { splitCsvLine } from '../src/registry/csvLine.js';
import { importPersons, MAX_LINE_BYTES } from '../src/registry/importPersons.js';
import type { Person, PersonRegistry } from '../src/store/port.js';
import { openTestStore } from './support/testStore.js';
import type { Store } from '../src/store/port.js';
import { tempDir } from './support/gateway.js';

const dirs: string[] = [];
after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const HEADER = 'codiceFiscale,cognome,nome,sesso,dataNascita,comuneNascita,provinciaNascita\n';
const csvRow = (p: Person) => `${[p.codiceFiscale, p.cognome, p.nome, p.sesso, p.dataNascita, `"${p.comuneNascita}"`, p.provinciaNascita].join(',')}\n`;

/** The real store, with the size of every batch it is handed recorded. */
function recording(store: Store): { registry: PersonRegistry; batches: number[] } {
  const batches: number[] = [];
  return {
    batches,
    registry: {
      findPerson: (cf) => store.findPerson(cf),
      countPersons: () => store.countPersons(),
      putPersons(persons: Iterable<Person>) {
        const list = [...persons];
        batches.push(list.length);
        return store.putPersons(list);
      },
    },
  };
}

test('50,000 generated lines: all written, in batches of at most 1,000, every refused line reported', async () => {
  const dir = tempDir('sac-registry-');
  dirs.push(dir);
  const store = openTestStore(dir);
  try {
    const COUNT = 50_000;
    const BAD_EVERY = 5_000;
    // Streamed from a generator: the test does not hold the file either.
    function* lines(): Generator<string> {
      yield HEADER;
      let i = 0;
      for (const person of syntheticPersons(COUNT, 11)) {
        i++;
        // Every 5,000th line has its check character changed.
        const p = i % BAD_EVERY === 0 ? { ...person, codiceFiscale: person.codiceFiscale.slice(0, 15) + (person.codiceFiscale[15] === 'A' ? 'B' : 'A') } : person;
        yield csvRow(p);
      }
    }
    const refused: Array<[number, string]> = [];
    const { registry, batches } = recording(store);
    const report = await importPersons(Readable.from(lines()), registry, { today: '2026-11-25', onRefused: (n, reason) => refused.push([n, reason]) });
    const bad = COUNT / BAD_EVERY;
    assert.equal(report.lines, COUNT + 1);
    assert.equal(report.refused, bad);
    assert.equal(report.accepted, COUNT - bad);
    assert.equal(report.added, COUNT - bad);
    assert.equal(await store.countPersons(), COUNT - bad);
    // Line numbers count the header: person i is on line i + 1.
    assert.deepEqual(
      refused.map(([n]) => n),
      Array.from({ length: bad }, (_, k) => (k + 1) * BAD_EVERY + 1),
    );
    assert.ok(refused.every(([, reason]) => reason === 'codice fiscale: carattere di controllo errato'));
    assert.equal(batches.length, Math.ceil((COUNT - bad) / 1_000));
    assert.ok(Math.max(...batches) <= 1_000, `largest batch ${Math.max(...batches)}`);
  } finally {
    await store.close();
  }
});

test('a 32 MiB line is refused as it streams by (never held), and the lines around it are imported', async () => {
  const dir = tempDir('sac-registry-');
  dirs.push(dir);
  const store = openTestStore(dir);
  try {
    const [first, second] = [...syntheticPersons(2, 3)] as [Person, Person];
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let held = 0;
    async function* input(): AsyncGenerator<Buffer> {
      yield Buffer.from(HEADER + csvRow(first));
      for (let i = 0; i < 512; i++) yield chunk;
      yield Buffer.from(`\n${csvRow(second)}`);
    }
    // What the line splitter hands on is bounded by the limit, whatever the input.
    for await (const line of boundedLines(input(), MAX_LINE_BYTES)) held = Math.max(held, line.bytes?.length ?? 0);
    assert.ok(held <= MAX_LINE_BYTES + 1, `a line of ${held} bytes was held`);

    const refused: Array<[number, string]> = [];
    const report = await importPersons(input(), store, { today: '2026-11-25', onRefused: (n, reason) => refused.push([n, reason]) });
    assert.deepEqual(refused, [[3, `riga più lunga di ${MAX_LINE_BYTES} byte`]]);
    assert.equal(report.accepted, 2);
    assert.ok((await store.findPerson(first.codiceFiscale)) && (await store.findPerson(second.codiceFiscale)));
  } finally {
    await store.close();
  }
});

test('CSV fields: quotes, doubled quotes, empty fields; an unclosed quote is refused', () => {
  assert.deepEqual(splitCsvLine('a,"b,c","d ""e""",,f', ','), { fields: ['a', 'b,c', 'd "e"', '', 'f'] });
  assert.deepEqual(splitCsvLine('"a;b";c', ';'), { fields: ['a;b', 'c'] });
  assert.ok('error' in splitCsvLine('"a,b', ','));
  assert.ok('error' in splitCsvLine('"a"b,c', ','));
});
