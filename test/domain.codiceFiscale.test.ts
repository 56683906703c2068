import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  applyOmocodia,
  buildCodiceFiscale,
  checkCharacter,
  checkCodiceFiscale,
  decodeCodiceFiscale,
  decodeOmocodia,
  nameCode,
  surnameCode,
  syntheticCapacity,
  syntheticPersons,
} from '../src/domain/codiceFiscale.js';
import { comuneMatches } from '../src/domain/comuni.js';

const NOW = new Date('2026-11-23T10:00:00Z');

// The demo codes fixed by the issue: all have a correct check character.
const DEMO = [
  'RSSMRA80A01H501U',
  'BNCGPP75C41F205S',
  'VRDLGU62T10L219V',
  'MDCTST70A01H501K',
  'MDCSCN85M45F839N',
  'PRTOPR90B15G273Y',
];

test('demo codes are valid personal codes', () => {
  for (const cf of DEMO) {
    assert.deepEqual(checkCodiceFiscale(cf), { ok: true, kind: 'personale' }, cf);
  }
});

test('check character of known codes', () => {
  assert.equal(checkCharacter('RSSMRA80A01H501'), 'U');
  assert.equal(checkCharacter('BNCGPP75C41F205'), 'S');
});

test('a wrong check character is reported as such', () => {
  assert.deepEqual(checkCodiceFiscale('RSSMRA80A01H501A'), { ok: false, reason: 'carattere_controllo' });
  // Every other letter in the last position must fail.
  for (let c = 65; c <= 90; c++) {
    const letter = String.fromCharCode(c);
    if (letter === 'U') continue;
    assert.equal(checkCodiceFiscale(`RSSMRA80A01H501${letter}`).ok, false, letter);
  }
});

test('a transposition or a changed character is caught', () => {
  assert.equal(checkCodiceFiscale('RSSMRA08A01H501U').ok, false);
  assert.equal(checkCodiceFiscale('RSSMRA80A01H502U').ok, false);
});

test('format errors', () => {
  for (const bad of [
    '',
    'RSSMRA80A01H501', // 15 characters
    'RSSMRA80A01H501UX', // 17
    'rssmra80a01h501u', // lowercase is rejected (XSD is uppercase)
    'RSSMRa80A01H501U',
    'RSSMR480A01H501U', // digit among the name letters
    'RSSMRA80A01H5O1U', // letter O is not an omocodia letter
    'RSSMRA8AA01H501U', // A is not an omocodia letter
    'RSSMRA80101H501U', // digit in the month position
    'RSSMRA80A01H501 ',
    '1234567890',
    '1234567890A',
  ]) {
    assert.deepEqual(checkCodiceFiscale(bad), { ok: false, reason: 'formato' }, bad);
  }
});

test('invalid month letter or day is a birth-date error', () => {
  // Build codes with a correct check character around a bad date.
  const withCheck = (first15: string) => first15 + checkCharacter(first15);
  assert.deepEqual(checkCodiceFiscale(withCheck('RSSMRA80F01H501')), { ok: false, reason: 'data_nascita' }); // F is no month
  assert.deepEqual(checkCodiceFiscale(withCheck('RSSMRA80A00H501')), { ok: false, reason: 'data_nascita' });
  assert.deepEqual(checkCodiceFiscale(withCheck('RSSMRA80A32H501')), { ok: false, reason: 'data_nascita' });
  assert.deepEqual(checkCodiceFiscale(withCheck('RSSMRA80A40H501')), { ok: false, reason: 'data_nascita' });
  assert.deepEqual(checkCodiceFiscale(withCheck('RSSMRA80A72H501')), { ok: false, reason: 'data_nascita' });
  assert.deepEqual(checkCodiceFiscale(withCheck('RSSMRA80B30H501')), { ok: false, reason: 'data_nascita' }); // 30 Feb
  assert.deepEqual(checkCodiceFiscale(withCheck('RSSMRA80D31H501')), { ok: false, reason: 'data_nascita' }); // 31 Apr
  assert.deepEqual(checkCodiceFiscale(withCheck('RSSMRA81B29H501')), { ok: false, reason: 'data_nascita' }); // 1981 not leap
  assert.equal(checkCodiceFiscale(withCheck('RSSMRA80B29H501')).ok, true); // 1980 leap
  assert.equal(checkCodiceFiscale(withCheck('RSSMRA80B69H501')).ok, true); // woman, 29 Feb
});

test("women's days are 41-71", () => {
  const d = decodeCodiceFiscale('BNCGPP75C41F205S', NOW);
  assert.deepEqual(d, { sesso: 'F', dataNascita: '1975-03-01', codiceCatastale: 'F205' });
  assert.deepEqual(decodeCodiceFiscale('MDCSCN85M45F839N', NOW), {
    sesso: 'F',
    dataNascita: '1985-08-05',
    codiceCatastale: 'F839',
  });
  const f = buildCodiceFiscale({ cognome: 'Verdi', nome: 'Anna', sesso: 'F', dataNascita: '1990-12-31', codiceCatastale: 'H501' });
  assert.equal(f.slice(9, 11), '71');
  assert.equal(decodeCodiceFiscale(f, NOW)?.dataNascita, '1990-12-31');
});

test('decode: sex, date, century guess, place', () => {
  assert.deepEqual(decodeCodiceFiscale('RSSMRA80A01H501U', NOW), {
    sesso: 'M',
    dataNascita: '1980-01-01',
    codiceCatastale: 'H501',
  });
  const young = buildCodiceFiscale({ cognome: 'Rossi', nome: 'Luca', sesso: 'M', dataNascita: '2026-01-15', codiceCatastale: 'F205' });
  assert.equal(decodeCodiceFiscale(young, NOW)?.dataNascita, '2026-01-15'); // 26 <= 26: 2000s
  const old = buildCodiceFiscale({ cognome: 'Rossi', nome: 'Luca', sesso: 'M', dataNascita: '1927-01-15', codiceCatastale: 'F205' });
  assert.equal(decodeCodiceFiscale(old, NOW)?.dataNascita, '1927-01-15'); // 27 > 26: 1900s
  assert.equal(decodeCodiceFiscale('RSSMRA80A01H501A', NOW), undefined);
  assert.equal(decodeCodiceFiscale('12345678903', NOW), undefined);
});

test('omocodia: substitutions decoded, check recomputed, every level valid', () => {
  const base = 'RSSMRA80A01H501U';
  const expected = [
    'RSSMRA80A01H50MM',
    'RSSMRA80A01H5LMX',
    'RSSMRA80A01HRLMS',
    'RSSMRA80A0MHRLMK',
    'RSSMRA80ALMHRLMV',
    'RSSMRA8LALMHRLMG',
    'RSSMRAULALMHRLMD',
  ];
  for (let level = 1; level <= 7; level++) {
    const o = applyOmocodia(base, level);
    assert.equal(o, expected[level - 1]);
    assert.deepEqual(checkCodiceFiscale(o), { ok: true, kind: 'personale' }, o);
    assert.deepEqual(decodeCodiceFiscale(o, NOW), decodeCodiceFiscale(base, NOW));
    assert.equal(decodeOmocodia(o).slice(0, 15), base.slice(0, 15));
  }
  // An omocode with the base code's check character is wrong.
  assert.deepEqual(checkCodiceFiscale('RSSMRA80A01H50MU'), { ok: false, reason: 'carattere_controllo' });
  // Omocodia letters in the day: 4Q = 44 -> woman born on the 4th.
  const w = applyOmocodia('MDCSCN85M45F839N', 6);
  assert.equal(decodeCodiceFiscale(w, NOW)?.sesso, 'F');
  assert.equal(decodeCodiceFiscale(w, NOW)?.dataNascita, '1985-08-05');
});

test('provvisorio: 11 digits with the partita IVA check digit', () => {
  for (const ok of ['12345678903', '00743110157', '01234567897', '80213330584']) {
    assert.deepEqual(checkCodiceFiscale(ok), { ok: true, kind: 'provvisorio' }, ok);
  }
  assert.deepEqual(checkCodiceFiscale('12345678901'), { ok: false, reason: 'carattere_controllo' });
  assert.deepEqual(checkCodiceFiscale('00743110158'), { ok: false, reason: 'carattere_controllo' });
  assert.deepEqual(checkCodiceFiscale('1234567890X'), { ok: false, reason: 'formato' });
  assert.deepEqual(checkCodiceFiscale('123456789012'), { ok: false, reason: 'formato' });
});

test('surname and name codes', () => {
  assert.equal(surnameCode('Rossi'), 'RSS');
  assert.equal(surnameCode('Fo'), 'FOX');
  assert.equal(surnameCode('Ai'), 'AIX');
  assert.equal(surnameCode("D'Angelo"), 'DNG');
  assert.equal(surnameCode('De Luca'), 'DLC');
  assert.equal(surnameCode('Mùrgia'), 'MRG');
  assert.equal(nameCode('Mario'), 'MRA');
  assert.equal(nameCode('Giuseppe'), 'GPP'); // 3 consonants: all of them
  assert.equal(nameCode('Gianfranco'), 'GFR'); // G N F R N C: 1st, 3rd, 4th
  assert.equal(nameCode('Francesca'), 'FNC'); // F R N C S C: 1st, 3rd, 4th
  assert.equal(nameCode('Ugo'), 'GUO');
  assert.equal(nameCode('Al'), 'LAX');
  assert.equal(nameCode('Anna Maria'), 'NMR'); // N N M R: 1st, 3rd, 4th
});

test('build reproduces the demo codes', () => {
  assert.equal(
    buildCodiceFiscale({ cognome: 'Rossi', nome: 'Mario', sesso: 'M', dataNascita: '1980-01-01', codiceCatastale: 'H501' }),
    'RSSMRA80A01H501U',
  );
  assert.equal(
    buildCodiceFiscale({ cognome: 'Bianchi', nome: 'Giuseppina', sesso: 'F', dataNascita: '1975-03-01', codiceCatastale: 'f205' }),
    'BNCGPP75C41F205S',
  );
  assert.equal(
    buildCodiceFiscale({ cognome: 'Verdi', nome: 'Luigi', sesso: 'M', dataNascita: '1962-12-10', codiceCatastale: 'L219' }),
    'VRDLGU62T10L219V',
  );
});

test('build rejects impossible input', () => {
  const base = { cognome: 'Rossi', nome: 'Mario', sesso: 'M' as const, codiceCatastale: 'H501' };
  assert.throws(() => buildCodiceFiscale({ ...base, dataNascita: '2026-02-29' }), RangeError);
  assert.throws(() => buildCodiceFiscale({ ...base, dataNascita: '1980-13-01' }), RangeError);
  assert.throws(() => buildCodiceFiscale({ ...base, dataNascita: '1980-01-01', codiceCatastale: 'H50' }), RangeError);
  assert.throws(() => buildCodiceFiscale({ ...base, dataNascita: '1980-01-01', cognome: "' '" }), RangeError);
});

test('synthetic persons: 200,000 valid, unique, consistent and schema-friendly', () => {
  const seen = new Set<string>();
  const nameRe = /^[a-zA-Z ']*$/;
  let n = 0;
  for (const p of syntheticPersons(200_000, 42)) {
    n++;
    assert.equal(seen.has(p.codiceFiscale), false, `duplicate ${p.codiceFiscale}`);
    seen.add(p.codiceFiscale);
    const check = checkCodiceFiscale(p.codiceFiscale);
    if (!check.ok) assert.fail(`invalid ${p.codiceFiscale}: ${check.reason}`);
    // Every 97th person: the slower, full cross-checks.
    if (n % 97 === 0) {
      assert.equal(
        buildCodiceFiscale({
          cognome: p.cognome,
          nome: p.nome,
          sesso: p.sesso,
          dataNascita: p.dataNascita,
          codiceCatastale: p.codiceFiscale.slice(11, 15),
        }),
        p.codiceFiscale,
      );
      const d = decodeCodiceFiscale(p.codiceFiscale, NOW);
      assert.equal(d?.sesso, p.sesso);
      assert.equal(d?.dataNascita, p.dataNascita);
    }
    assert.ok(p.cognome.length >= 2 && p.cognome.length <= 24 && nameRe.test(p.cognome), p.cognome);
    assert.ok(p.nome.length >= 2 && p.nome.length <= 20 && nameRe.test(p.nome), p.nome);
    assert.ok(p.comuneNascita.length >= 1 && p.comuneNascita.length <= 25, p.comuneNascita);
    assert.match(p.provinciaNascita, /^[A-Z]{2}$/);
  }
  assert.equal(n, 200_000);
  assert.equal(seen.size, 200_000);
});

test('synthetic persons: birth places agree with the comuni data', () => {
  const places = new Map<string, [string, string]>();
  for (const p of syntheticPersons(20_000, 3)) {
    places.set(p.codiceFiscale.slice(11, 15), [p.comuneNascita, p.provinciaNascita]);
  }
  assert.ok(places.size > 20);
  for (const [code, [comune, prov]] of places) {
    assert.ok(comuneMatches(code, comune, prov), `${code} ${comune} ${prov}`);
  }
});

test('synthetic persons: deterministic per seed, different across seeds', () => {
  const a = [...syntheticPersons(1000, 5)];
  const b = [...syntheticPersons(1000, 5)];
  const c = [...syntheticPersons(1000, 6)];
  assert.deepEqual(a, b);
  assert.notDeepEqual(
    a.map((p) => p.codiceFiscale),
    c.map((p) => p.codiceFiscale),
  );
  // Prefix property: a longer stream starts with the shorter one.
  assert.deepEqual([...syntheticPersons(10, 5)], a.slice(0, 10));
  // Mixed from the start: not all the same surname or birth year.
  assert.ok(new Set(a.slice(0, 50).map((p) => p.cognome)).size > 10);
  assert.ok(new Set(a.slice(0, 50).map((p) => p.dataNascita.slice(0, 4))).size > 10);
  assert.ok(a.some((p) => p.sesso === 'F') && a.some((p) => p.sesso === 'M'));
});

test('synthetic persons: count limits', () => {
  assert.equal([...syntheticPersons(0)].length, 0);
  assert.ok(syntheticCapacity() > 1e9);
  assert.throws(() => [...syntheticPersons(-1)], RangeError);
  assert.throws(() => [...syntheticPersons(syntheticCapacity() + 1)], RangeError);
});
