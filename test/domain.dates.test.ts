import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  addDays,
  daysBetween,
  endOfRomeDay,
  isCalendarDate,
  romeDate,
  romeDateTime,
  romeOffsetMinutes,
  startOfRomeDay,
} from '../src/domain/dates.js';

const HOUR = 3_600_000;

test('isCalendarDate: real days only', () => {
  for (const ok of ['2026-11-23', '2024-02-29', '2000-02-29', '0001-01-01', '9999-12-31', '2026-12-31']) {
    assert.equal(isCalendarDate(ok), true, ok);
  }
  for (const bad of [
    '2026-02-31', '2026-02-29', '1900-02-29', '2100-02-29', '0000-01-01', '2026-13-01', '2026-00-10',
    '2026-04-31', '2026-01-00', '2026-1-01', '26-01-01', '2026-01-01T00:00:00', ' 2026-01-01', '2026/01/01', '',
    '２０２６-01-01', // full-width digits
  ]) {
    assert.equal(isCalendarDate(bad), false, bad);
  }
});

test('romeDate: the Rome calendar day of an instant', () => {
  assert.equal(romeDate(new Date('2026-11-22T23:30:00Z')), '2026-11-23'); // 00:30 in Rome (+01:00)
  assert.equal(romeDate(new Date('2026-11-22T22:59:59.999Z')), '2026-11-22'); // 23:59:59.999 in Rome
  assert.equal(romeDate(new Date('2026-11-22T23:00:00Z')), '2026-11-23'); // midnight exactly
  assert.equal(romeDate(new Date('2026-07-14T22:00:00Z')), '2026-07-15'); // summer: +02:00
  assert.equal(romeDate(new Date('2026-07-14T21:59:59Z')), '2026-07-14');
  assert.equal(romeDate(new Date('2026-12-31T23:00:00Z')), '2027-01-01'); // new year in Rome first
});

test('romeDateTime: milliseconds and the offset in force', () => {
  assert.equal(romeDateTime(new Date('2026-11-23T08:45:12.345Z')), '2026-11-23T09:45:12.345+01:00');
  assert.equal(romeDateTime(new Date('2026-07-01T08:00:00Z')), '2026-07-01T10:00:00.000+02:00');
  assert.equal(romeDateTime(new Date('2026-11-22T23:30:00.007Z')), '2026-11-23T00:30:00.007+01:00');
  // Spring forward: 01:59:59.999 +01:00 is followed by 03:00 +02:00.
  assert.equal(romeDateTime(new Date('2026-03-29T00:59:59.999Z')), '2026-03-29T01:59:59.999+01:00');
  assert.equal(romeDateTime(new Date('2026-03-29T01:00:00Z')), '2026-03-29T03:00:00.000+02:00');
  // Fall back: 02:30 happens twice, told apart by the offset.
  assert.equal(romeDateTime(new Date('2026-10-25T00:30:00Z')), '2026-10-25T02:30:00.000+02:00');
  assert.equal(romeDateTime(new Date('2026-10-25T01:30:00Z')), '2026-10-25T02:30:00.000+01:00');
  // The string parses back to the same instant.
  const t = new Date('2026-10-25T01:30:00.123Z');
  assert.equal(new Date(romeDateTime(t)).getTime(), t.getTime());
});

test('romeOffsetMinutes', () => {
  assert.equal(romeOffsetMinutes(new Date('2026-01-15T12:00:00Z')), 60);
  assert.equal(romeOffsetMinutes(new Date('2026-08-15T12:00:00Z')), 120);
});

test('endOfRomeDay: first instant of the next day in Rome', () => {
  assert.equal(endOfRomeDay('2026-11-23').toISOString(), '2026-11-23T23:00:00.000Z');
  assert.equal(endOfRomeDay('2026-07-14').toISOString(), '2026-07-14T22:00:00.000Z');
  assert.equal(endOfRomeDay('2026-12-31').toISOString(), '2026-12-31T23:00:00.000Z');
  assert.equal(startOfRomeDay('2026-11-23').toISOString(), '2026-11-22T23:00:00.000Z');
  // The end of a day is the start of the next one, and in Rome it is midnight.
  const end = endOfRomeDay('2026-11-23');
  assert.equal(romeDate(end), '2026-11-24');
  assert.equal(romeDate(new Date(end.getTime() - 1)), '2026-11-23');
  assert.equal(romeDateTime(end), '2026-11-24T00:00:00.000+01:00');
});

test('DST days last 23 and 25 hours', () => {
  const len = (day: string) => (endOfRomeDay(day).getTime() - startOfRomeDay(day).getTime()) / HOUR;
  assert.equal(len('2026-03-29'), 23);
  assert.equal(len('2026-10-25'), 25);
  assert.equal(len('2026-03-28'), 24);
  assert.equal(len('2026-10-26'), 24);
  assert.equal(endOfRomeDay('2026-03-29').toISOString(), '2026-03-29T22:00:00.000Z');
  assert.equal(endOfRomeDay('2026-10-25').toISOString(), '2026-10-25T23:00:00.000Z');
  assert.equal(endOfRomeDay('2026-03-28').toISOString(), '2026-03-28T23:00:00.000Z');
  assert.equal(endOfRomeDay('2026-10-24').toISOString(), '2026-10-24T22:00:00.000Z');
});

test('a deadline "by the end of the day after" across a DST change', () => {
  // Issued on 2026-10-24: valid until the end of 2026-10-25 in Rome.
  const deadline = endOfRomeDay(addDays('2026-10-24', 1));
  assert.equal(deadline.toISOString(), '2026-10-25T23:00:00.000Z');
  assert.ok(new Date('2026-10-25T22:59:59.999Z') < deadline);
  assert.equal(new Date('2026-10-25T23:00:00Z') < deadline, false);
});

test('addDays and daysBetween', () => {
  assert.equal(addDays('2026-11-23', 1), '2026-11-24');
  assert.equal(addDays('2026-11-30', 1), '2026-12-01');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2024-02-28', 1), '2024-02-29');
  assert.equal(addDays('2026-02-28', 1), '2026-03-01');
  assert.equal(addDays('2024-03-01', -1), '2024-02-29');
  assert.equal(addDays('2026-03-28', 1), '2026-03-29'); // no DST drift
  assert.equal(addDays('2026-01-01', 365), '2027-01-01');
  assert.equal(addDays('0099-12-31', 1), '0100-01-01');
  assert.equal(addDays('2026-11-23', 0), '2026-11-23');
  assert.equal(daysBetween('2026-01-01', '2026-01-03'), 2);
  assert.equal(daysBetween('2026-01-03', '2026-01-01'), -2);
  assert.equal(daysBetween('2024-01-01', '2025-01-01'), 366);
  assert.equal(daysBetween('2026-03-01', '2026-11-01'), 245); // across both DST changes
  assert.throws(() => addDays('2026-02-30', 1), RangeError);
  assert.throws(() => addDays('2026-01-01', 0.5), RangeError);
  assert.throws(() => addDays('9999-12-31', 1), RangeError);
  assert.throws(() => daysBetween('2026-01-01', 'x'), RangeError);
});

test('valid days compare chronologically as strings', () => {
  const days = ['2026-11-23', '2025-12-31', '2026-01-01', '2026-11-03', '0999-01-01'];
  const sorted = [...days].sort();
  assert.deepEqual(sorted, ['0999-01-01', '2025-12-31', '2026-01-01', '2026-11-03', '2026-11-23']);
  for (let i = 1; i < sorted.length; i++) {
    assert.ok(daysBetween(sorted[i - 1] as string, sorted[i] as string) > 0);
  }
});

test('invalid Date instants throw', () => {
  assert.throws(() => romeDate(new Date(Number.NaN)), RangeError);
  assert.throws(() => romeDateTime(new Date('nope')), RangeError);
});
