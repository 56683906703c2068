import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  comuneHistory,
  comuneMatches,
  comuniCount,
  findComune,
  findComuneByName,
  nameKey,
} from '../src/domain/comuni.js';

test('big cities by code', () => {
  assert.deepEqual(findComune('H501'), { codiceCatastale: 'H501', nome: 'ROMA', provincia: 'RM', attivo: true });
  assert.equal(findComune('F205')?.nome, 'MILANO');
  assert.equal(findComune('F205')?.provincia, 'MI');
  assert.equal(findComune('L219')?.nome, 'TORINO');
  assert.equal(findComune('L219')?.provincia, 'TO');
  assert.equal(findComune('F839')?.nome, 'NAPOLI');
  assert.equal(findComune('F839')?.provincia, 'NA');
  assert.equal(findComune('G273')?.provincia, 'PA');
});

test('code lookup is case-insensitive (the XSD allows a lowercase letter)', () => {
  assert.equal(findComune('h501')?.nome, 'ROMA');
  assert.ok(comuneMatches('f205', 'Milano', 'mi'));
});

test('unknown codes', () => {
  assert.equal(findComune('Y999'), undefined);
  assert.equal(findComune(''), undefined);
  assert.equal(comuneMatches('Y999', 'ROMA', 'RM'), false);
});

test('data size: about 7,900 current comuni plus foreign states and history', () => {
  const { codes, current } = comuniCount();
  assert.ok(current > 7800 && current < 8300, String(current));
  assert.ok(codes > current, 'former comuni are kept');
});

test('foreign states are there with provincia EE', () => {
  const us = findComune('Z404');
  assert.equal(us?.provincia, 'EE');
  assert.ok(comuneMatches('Z404', "Stati Uniti d'America", 'EE'));
  assert.ok(comuneMatches('Z133', 'Svizzera', 'ee'));
  // Aliases ("FORMOSA=TAIWAN") and parentheses ("CAYMAN (ISOLE)") in foreign names.
  assert.ok(comuneMatches('Z217', 'Formosa', 'EE'));
  assert.ok(comuneMatches('Z217', 'Taiwan', 'EE'));
  assert.equal(comuneMatches('Z217', 'Giappone', 'EE'), false);
  assert.ok(comuneMatches('Z530', 'Cayman', 'EE'));
  assert.ok(comuneMatches('Z530', 'Cayman (Isole)', 'EE'));
});

test('recent mergers are present', () => {
  // Created 2023-2024.
  assert.equal(findComune('M433')?.provincia, 'VA');
  assert.equal(findComune('M438')?.provincia, 'PD');
  assert.ok(comuneMatches('M434', 'Moransengo-Tonengo', 'AT'));
});

test('accents are folded: Forlì = FORLI\' = Forli', () => {
  for (const name of ['Forlì', "FORLI'", 'Forli', 'forlí', "Forli'", ' FORLI ']) {
    assert.ok(comuneMatches('D704', name, 'FC'), name);
  }
  assert.equal(comuneMatches('D704', 'Forlimpopoli', 'FC'), false);
  assert.equal(comuneMatches('D704', 'Forlì', 'CB'), false); // wrong province
  assert.equal(nameKey('Forlì'), nameKey("FORLI'"));
});

test('apostrophes, spaces and hyphens are normalised', () => {
  assert.ok(comuneMatches('A345', "L'Aquila", 'AQ'));
  assert.ok(comuneMatches('A345', 'L AQUILA', 'AQ'));
  assert.ok(comuneMatches('A345', 'LAQUILA', 'AQ'));
  assert.ok(comuneMatches('A345', 'L’Aquila', 'AQ')); // typographic apostrophe
  assert.ok(comuneMatches('M434', 'MORANSENGO TONENGO', 'AT'));
  assert.ok(comuneMatches('H223', "Reggio nell'Emilia", 're'));
  assert.equal(comuneMatches('H501', 'Rome', 'RM'), false);
  assert.equal(comuneMatches('H501', '', 'RM'), false);
});

test('names longer than 25 characters match their 25-character truncation', () => {
  const c = findComune('M433');
  assert.ok(c && c.nome.length > 25, c?.nome);
  const full = 'Bardello con Malgesso e Bregano';
  assert.ok(comuneMatches('M433', full, 'VA'));
  assert.ok(comuneMatches('M433', full.slice(0, 25), 'VA'));
  assert.ok(comuneMatches('M433', full.slice(0, 25).trimEnd(), 'VA'));
  // A short prefix is not a truncation to 25.
  assert.equal(comuneMatches('M433', 'Bardello', 'VA'), false);
  // The truncation must be a prefix of this comune's name.
  assert.equal(comuneMatches('M433', 'Bardello con Malgesso e X', 'VA'), false);
  // Castrocaro Terme e Terra del Sole (33 characters).
  assert.ok(comuneMatches('C339', 'CASTROCARO TERME E TERRA ', 'FC'));
  assert.equal(findComuneByName('CASTROCARO TERME E TERRA ', 'FC')?.codiceCatastale, 'C339');
});

test('bilingual names match on the Italian side', () => {
  assert.ok(comuneMatches('A952', 'Bolzano/Bozen', 'BZ'));
  assert.ok(comuneMatches('A952', 'BOLZANO', 'bz'));
});

test('former names of a code are accepted, the current name is returned', () => {
  const history = comuneHistory('A001');
  assert.ok(history.length >= 2);
  assert.equal(findComune('A001')?.nome, 'ABANO TERME');
  assert.equal(findComune('A001')?.attivo, true);
  assert.ok(comuneMatches('A001', 'Abano Bagni', 'PD'));
  // A suppressed comune is still found (birth places in old codici fiscali).
  const abetone = findComune('A012');
  assert.equal(abetone?.attivo, false);
  assert.equal(findComune('M376')?.attivo, true);
});

test('findComuneByName', () => {
  assert.equal(findComuneByName('Roma', 'RM')?.codiceCatastale, 'H501');
  assert.equal(findComuneByName('forli', 'fc')?.codiceCatastale, 'D704');
  assert.equal(findComuneByName("Forli'", 'FC')?.nome, "FORLI'");
  assert.equal(findComuneByName('Roma', 'MI'), undefined);
  assert.equal(findComuneByName('Nowhere', 'RM'), undefined);
  // Same name in two provinces: the province decides.
  assert.equal(findComuneByName('Bolzano', 'BZ')?.codiceCatastale, 'A952');
  assert.equal(findComuneByName('Bolzano Vicentino', 'VI')?.codiceCatastale, 'A954');
  // A current comune wins over a former one with the same name.
  assert.equal(findComuneByName('Abano Terme', 'PD')?.attivo, true);
});
