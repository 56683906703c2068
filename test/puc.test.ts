/**
 * Protocol numbers and their setting: length, leading digit, spread of the
 * draws, and SAC_PUC_DIGITS refused outside 9..18 with the variable named.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../src/config.js';
import { PUC_DEFAULT_DIGITS, PUC_MAX_DIGITS, PUC_MIN_DIGITS, newProtocolNumber, protocolNumberSource } from '../src/sac/puc.js';

describe('newProtocolNumber', () => {
  test('the default is 10 digits, numeric, the first not 0', () => {
    assert.equal(PUC_DEFAULT_DIGITS, 10);
    for (let i = 0; i < 1000; i++) assert.match(newProtocolNumber(), /^[1-9][0-9]{9}$/);
  });

  test('every allowed length, including those beyond one draw (15..18)', () => {
    for (let digits = PUC_MIN_DIGITS; digits <= PUC_MAX_DIGITS; digits++) {
      const next = protocolNumberSource(digits);
      for (let i = 0; i < 200; i++) assert.match(next(), new RegExp(`^[1-9][0-9]{${digits - 1}}$`), `${digits} digits`);
    }
  });

  test('draws are spread: 10,000 of 10 digits, no repeat, every digit in every position', () => {
    const seen = new Set<string>();
    const digitsAt = Array.from({ length: 10 }, () => new Set<string>());
    for (let i = 0; i < 10_000; i++) {
      const n = newProtocolNumber(10);
      seen.add(n);
      for (let p = 0; p < 10; p++) digitsAt[p]!.add(n[p]!);
    }
    // A repeat among 10^4 draws from 9 x 10^9 has probability ~0.6%: allow one.
    assert.ok(seen.size >= 9_999, `${10_000 - seen.size} repeats`);
    assert.equal(digitsAt[0]!.size, 9);
    for (let p = 1; p < 10; p++) assert.equal(digitsAt[p]!.size, 10, `position ${p}`);
  });

  test('a length outside 9..18 is refused at once', () => {
    for (const bad of [8, 19, 9.5, Number.NaN]) assert.throws(() => protocolNumberSource(bad), RangeError);
  });
});

describe('SAC_PUC_DIGITS', () => {
  test('defaults to 10 and takes 9..18', () => {
    assert.equal(loadConfig({}).protocolNumbers.digits, 10);
    assert.equal(loadConfig({ SAC_PUC_DIGITS: '9' }).protocolNumbers.digits, 9);
    assert.equal(loadConfig({ SAC_PUC_DIGITS: '18' }).protocolNumbers.digits, 18);
  });

  test('a bad value is a ConfigError naming the variable', () => {
    for (const bad of ['8', '19', 'dieci', '-10', '10.5']) {
      assert.throws(
        () => loadConfig({ SAC_PUC_DIGITS: bad }),
        (err: unknown) => err instanceof ConfigError && /SAC_PUC_DIGITS/.test(err.message),
        bad,
      );
    }
  });
});
