/**
 * Calendar days and instants in Europe/Rome, without dependencies (Intl only).
 *
 * A "day" is a string YYYY-MM-DD in the proleptic Gregorian calendar, years
 * 0001-9999. For valid days, plain string comparison (<, >, ===, sort()) is
 * chronological comparison, because the format is fixed-width and
 * most-significant first: use it freely once isCalendarDate has passed.
 *
 * Rome offsets come from the platform's time-zone database (+01:00 in winter,
 * +02:00 in summer since 1980; historical rules as ICU knows them).
 */

const DAY_MS = 86_400_000;
const DAY_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return isLeap(y) ? 29 : 28;
  return m === 4 || m === 6 || m === 9 || m === 11 ? 30 : 31;
}

/** Whether `s` is YYYY-MM-DD naming a real day (leap years included; year 0000 is not a year). */
export function isCalendarDate(s: string): boolean {
  const m = DAY_RE.exec(s);
  if (!m) return false;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** UTC midnight of a day, in ms; throws RangeError for an invalid day. */
function dayToUtcMs(day: string): number {
  if (!isCalendarDate(day)) throw new RangeError(`not a calendar day: ${day}`);
  const d = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  d.setUTCFullYear(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10)));
  return d.getTime();
}

function utcMsToDay(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** The day `n` days after `day` (before, if n < 0). Throws RangeError for an invalid day or a non-integer n. */
export function addDays(day: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`not a whole number of days: ${n}`);
  const out = utcMsToDay(dayToUtcMs(day) + n * DAY_MS);
  if (!isCalendarDate(out)) throw new RangeError(`out of range: ${day} + ${n}`);
  return out;
}

/**
 * The same day of the month `n` months later (earlier if n < 0), clamped to
 * the month's last day: 2026-08-31 minus 6 months is 2026-02-28.
 */
export function addMonths(day: string, n: number): string {
  if (!Number.isInteger(n)) throw new RangeError(`not a whole number of months: ${n}`);
  if (!isCalendarDate(day)) throw new RangeError(`not a calendar day: ${day}`);
  const monthIndex = Number(day.slice(0, 4)) * 12 + Number(day.slice(5, 7)) - 1 + n;
  const year = Math.floor(monthIndex / 12);
  const month = (monthIndex % 12) + 1;
  const out = `${pad(year, 4)}-${pad(month)}-${pad(Math.min(Number(day.slice(8, 10)), daysInMonth(year, month)))}`;
  if (!isCalendarDate(out)) throw new RangeError(`out of range: ${day} + ${n} months`);
  return out;
}

/** Days from `a` to `b`: positive when b is later (2026-01-01 -> 2026-01-03 is 2). */
export function daysBetween(a: string, b: string): number {
  return Math.round((dayToUtcMs(b) - dayToUtcMs(a)) / DAY_MS);
}

// One formatter, built once: constructing Intl formatters is the expensive part.
const romeParts = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Europe/Rome',
  hourCycle: 'h23',
  era: 'short',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

// formatToParts is the costly part and every request asks for "now" several
// times: remember the last second computed (the wall time is per second).
let lastSecond = Number.NaN;
let lastWall: WallTime | undefined;

/** Wall-clock time in Rome of an instant (to the second). */
function romeWall(instant: Date): WallTime {
  const t = instant.getTime();
  if (!Number.isFinite(t)) throw new RangeError('invalid Date');
  const second = Math.floor(t / 1000);
  if (second === lastSecond && lastWall) return lastWall;
  const wall = computeRomeWall(instant);
  lastSecond = second;
  lastWall = wall;
  return wall;
}

function computeRomeWall(instant: Date): WallTime {
  const w: WallTime = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  let bc = false;
  for (const p of romeParts.formatToParts(instant)) {
    switch (p.type) {
      case 'era': bc = p.value.startsWith('B'); break;
      case 'year': w.year = Number(p.value); break;
      case 'month': w.month = Number(p.value); break;
      case 'day': w.day = Number(p.value); break;
      case 'hour': w.hour = Number(p.value); break;
      case 'minute': w.minute = Number(p.value); break;
      case 'second': w.second = Number(p.value); break;
      default: break;
    }
  }
  // "1 BC" is astronomical year 0; outside the range days support anyway.
  if (bc) w.year = 1 - w.year;
  return w;
}

/** Offset of Rome from UTC at an instant, in minutes (60 or 120 nowadays). */
export function romeOffsetMinutes(instant: Date): number {
  return offsetOf(romeWall(instant), instant);
}

function offsetOf(w: WallTime, instant: Date): number {
  const d = new Date(0);
  d.setUTCFullYear(w.year, w.month - 1, w.day);
  d.setUTCHours(w.hour, w.minute, w.second, 0);
  const wallMs = d.getTime();
  const instantSec = Math.floor(instant.getTime() / 1000) * 1000;
  return Math.round((wallMs - instantSec) / 60_000);
}

/** Minutes since midnight on Rome's clocks at an instant (0-1439): 2026-11-25T09:30:00Z is 630 (10:30). */
export function romeMinuteOfDay(instant: Date): number {
  const w = romeWall(instant);
  return w.hour * 60 + w.minute;
}

/** The Europe/Rome calendar day of an instant: 2026-11-22T23:30:00Z is 2026-11-23. */
export function romeDate(instant: Date): string {
  const w = romeWall(instant);
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`;
}

/**
 * xs:dateTime of an instant in Rome time, with milliseconds and the offset in
 * force then: 2026-11-23T09:45:12.345+01:00, 2026-07-01T10:00:00.000+02:00.
 */
/** Rome's wall clock (HH:MM) at an instant in ms, rounded up to the minute: "retry after" in a diagnostic's text. */
export function romeHourMinuteAfter(ms: number): string {
  return romeDateTime(new Date(Math.ceil(ms / 60_000) * 60_000)).slice(11, 16);
}

export function romeDateTime(instant: Date): string {
  const w = romeWall(instant);
  const off = offsetOf(w, instant);
  const sign = off < 0 ? '-' : '+';
  const abs = Math.abs(off);
  const ms = ((instant.getTime() % 1000) + 1000) % 1000;
  return (
    `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}T${pad(w.hour)}:${pad(w.minute)}:${pad(w.second)}.${pad(ms, 3)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/**
 * The instant Rome's clocks show 00:00 on `day`. Midnight always exists in
 * Rome (clocks change at 02:00/03:00), so this is exact.
 */
export function startOfRomeDay(day: string): Date {
  const wallMs = dayToUtcMs(day);
  // First guess with the offset at UTC midnight, then correct once with the
  // offset in force at the guessed instant (they differ only on change days).
  let t = wallMs - romeOffsetMinutes(new Date(wallMs)) * 60_000;
  t = wallMs - romeOffsetMinutes(new Date(t)) * 60_000;
  return new Date(t);
}

/**
 * The first instant of the day after `day` in Rome: the exclusive end of
 * `day`. A deadline "by the end of day D" holds for instants < endOfRomeDay(D).
 * Right across DST: 2026-03-29 lasts 23 hours, 2026-10-25 lasts 25.
 */
export function endOfRomeDay(day: string): Date {
  return startOfRomeDay(addDays(day, 1));
}
