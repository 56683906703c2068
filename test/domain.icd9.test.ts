import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ICD9_SOURCE, checkCodiceDiagnosi, normalizeCodiceDiagnosi } from '../src/domain/icd9.js';

test('formats from the contract are accepted', () => {
  for (const code of ['487', '487.1', 'V17.34', 'E812.0', '44', '001', '999', '250.00', 'V01', 'V86.1', 'E800', 'E999.1']) {
    assert.equal(checkCodiceDiagnosi(code).ok, true, code);
  }
});

test('category-only and category.subcode are both accepted', () => {
  assert.equal(checkCodiceDiagnosi('487').ok, true);
  assert.equal(checkCodiceDiagnosi('487.1').ok, true);
  assert.equal(checkCodiceDiagnosi('487.').ok, true); // the XSD allows an empty subcode
});

test('normalised forms', () => {
  assert.equal(normalizeCodiceDiagnosi('44'), '044');
  assert.equal(normalizeCodiceDiagnosi('487.'), '487');
  assert.equal(normalizeCodiceDiagnosi('V1'), 'V01');
  assert.equal(normalizeCodiceDiagnosi('V1.2'), 'V01.2');
  assert.equal(normalizeCodiceDiagnosi('E812.0'), 'E812.0');
  assert.equal(normalizeCodiceDiagnosi('250.01'), '250.01');
});

test('malformed codes are rejected', () => {
  for (const code of [
    '', '4', '4871', '487.123', '487,1', ' 487', '487 ', 'A01', 'v17.34', 'e812.0', 'VV1', '.1', '487..1',
    'J45', // ICD-10, not ICD-9-CM
  ]) {
    assert.deepEqual(checkCodiceDiagnosi(code), { ok: false }, code);
  }
});

test('out-of-range categories are rejected', () => {
  for (const code of [
    '000', '00', 'V00', 'V87', 'V91.0', // V87-V91 came after the 2007 revision
    'E799', 'E000', 'E81', 'E8', 'EV12',
    'E812.01', // E codes have one subcode digit
  ]) {
    assert.deepEqual(checkCodiceDiagnosi(code), { ok: false }, code);
  }
});

test('source is documented', () => {
  assert.match(ICD9_SOURCE, /ICD-9-CM/);
  assert.match(ICD9_SOURCE, /range/);
});
