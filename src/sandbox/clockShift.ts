/**
 * Time travel: a user's clock is the real one plus an offset, so it keeps
 * running from the instant the user chose. Asked for as an instant (ISO 8601
 * with an offset, or a Rome wall time as an HTML datetime-local field sends
 * it) or as an offset ("+3d", "-1d12h", "+90m"); bounded either way.
 */
import { romeOffsetMinutes } from '../domain/dates.js';
import type { Clock } from '../sac/services.js';
import { SandboxInputError } from './errors.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

/** A clock `offsetMs` ahead of `base` (behind when negative). */
export function shiftedClock(base: Clock, offsetMs: number): Clock {
  return { now: () => new Date(base.now().getTime() + offsetMs) };
}

const WITH_ZONE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const ROME_WALL = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/;
const OFFSET = /^([+-])?(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?$/;

/**
 * The instant a user typed: with a zone it is exact; without one it is
 * Rome's wall time (a bare day is 10:00 that day, an hour of surgery).
 */
export function parseInstant(text: string): Date {
  // `curl -d istante=...T10:00+01:00` sends the '+' unencoded, and a form decodes it as a space.
  const value = text.trim().replace(/ (\d{2}:\d{2})$/, '+$1');
  if (WITH_ZONE.test(value)) {
    const t = Date.parse(value);
    if (Number.isFinite(t)) return new Date(t);
  }
  const wall = ROME_WALL.exec(value);
  if (wall) {
    const [, y, mo, d, h = '10', mi = '00', s = '00'] = wall;
    const wallMs = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    const check = new Date(wallMs);
    if (check.getUTCMonth() === Number(mo) - 1 && check.getUTCDate() === Number(d) && Number(h) < 24 && Number(mi) < 60 && Number(s) < 60) {
      // First guess with the offset at the wall time read as UTC, corrected once (as startOfRomeDay does).
      let t = wallMs - romeOffsetMinutes(new Date(wallMs)) * MINUTE_MS;
      t = wallMs - romeOffsetMinutes(new Date(t)) * MINUTE_MS;
      return new Date(t);
    }
  }
  throw new SandboxInputError(
    `Istante non valido: '${value.slice(0, 40)}'. Usare AAAA-MM-GGThh:mm (ora italiana), AAAA-MM-GG, oppure un istante ISO 8601 con fuso (es. 2026-12-01T10:00:00+01:00).`,
  );
}

/**
 * An offset typed as "+3d", "-1d12h", "+90m" (days/hours/minutes in this
 * order; no sign is ahead, as is a '+' that a form decoded as a space).
 */
export function parseOffset(text: string): number {
  const value = text.trim().toLowerCase();
  const m = OFFSET.exec(value);
  if (!m || (m[2] === undefined && m[3] === undefined && m[4] === undefined)) {
    throw new SandboxInputError(`Scarto non valido: '${value.slice(0, 40)}'. Usare giorni/ore/minuti con il segno, es. +3d, -1d12h, +90m.`);
  }
  const ms = Number(m[2] ?? 0) * DAY_MS + Number(m[3] ?? 0) * HOUR_MS + Number(m[4] ?? 0) * MINUTE_MS;
  return m[1] === '-' ? -ms : ms;
}

/** The offset held to ±maxDays; whole milliseconds. */
export function boundedOffset(offsetMs: number, maxDays: number): number {
  if (!Number.isFinite(offsetMs) || Math.abs(offsetMs) > maxDays * DAY_MS) {
    throw new SandboxInputError(`Lo spostamento dell'orologio è limitato a ${maxDays} giorni in avanti o indietro.`);
  }
  return Math.round(offsetMs);
}

/** "+3 giorni 2 ore 5 minuti", "-1 giorno", "nessuno": an offset as the page shows it. */
export function describeOffset(offsetMs: number): string {
  if (offsetMs === 0) return 'nessuno';
  const sign = offsetMs < 0 ? '-' : '+';
  let rest = Math.abs(Math.round(offsetMs / MINUTE_MS));
  const days = Math.floor(rest / (24 * 60));
  rest -= days * 24 * 60;
  const hours = Math.floor(rest / 60);
  const minutes = rest - hours * 60;
  const parts: string[] = [];
  if (days > 0) parts.push(`${days} ${days === 1 ? 'giorno' : 'giorni'}`);
  if (hours > 0) parts.push(`${hours} ${hours === 1 ? 'ora' : 'ore'}`);
  if (minutes > 0 || parts.length === 0) parts.push(`${minutes} ${minutes === 1 ? 'minuto' : 'minuti'}`);
  return `${sign}${parts.join(' ')}`;
}
