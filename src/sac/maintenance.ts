/**
 * Planned stops of the service (SAC_MAINTENANCE_WINDOWS) and the paper
 * fallback around them, as CertificatiMedici tells its clients in-band:
 *
 *   announced        from SAC_ANNOUNCE_DAYS before the start until the end,
 *                    every response carries a ricevutaInfo/info notice (8003);
 *   stopped          during the window every operation answers ricevutaNonOk
 *                    8002 (the window's end and the paper procedure);
 *   paper re-entry   after the end, through the SAC_PAPER_GRACE_DAYS-th day
 *                    after the window's last day (Rome), InviaMalattia takes a
 *                    dataRilascio on one of the window's days and every
 *                    response says so (8004); afterwards such a date is
 *                    refused with 8005.
 *
 * Everything that can be is computed once here, at start-up: per request the
 * state is one clock read and two comparisons against the cached phase (a
 * phase lasts until the next announcement, start, end or grace deadline).
 */
import { diagnostic, noticeText, type Diagnostic } from '../catalog/diagnostics.js';
import type { MaintenanceConfig, MaintenanceWindow } from '../config.js';
import { addDays, endOfRomeDay, romeDate, romeDateTime } from '../domain/dates.js';
import { MAX_NOTICES, type Notice, type ServiceState } from '../soap/pipeline.js';
import type { Clock } from './services.js';

const DAY_MS = 86_400_000;

// Written out rather than asked of Intl: the texts vendors see must not change with the ICU version.
const WEEKDAYS = ['domenica', 'lunedì', 'martedì', 'mercoledì', 'giovedì', 'venerdì', 'sabato'];
const MONTHS = ['gennaio', 'febbraio', 'marzo', 'aprile', 'maggio', 'giugno', 'luglio', 'agosto', 'settembre', 'ottobre', 'novembre', 'dicembre'];

/** "domenica 13 dicembre 2026": a Rome calendar day as the texts name it. */
export function italianDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const weekday = new Date(Date.UTC(y, m - 1, d)).getUTCDay();
  return `${WEEKDAYS[weekday]} ${d} ${MONTHS[m - 1]} ${y}`;
}

/** "sabato 5 dicembre 2026 alle ore 18:00": an instant in Rome's local time. */
export function italianInstant(instant: Date): string {
  const local = romeDateTime(instant);
  return `${italianDay(local.slice(0, 10))} alle ore ${local.slice(11, 16)}`;
}

/** One window with everything its phases answer, computed once. */
interface PlannedWindow {
  readonly window: MaintenanceWindow;
  readonly announceFrom: number;
  readonly start: number;
  readonly end: number;
  /** Exclusive: the first instant paper certificates of this window are no longer taken. */
  readonly graceUntil: number;
  /** First and last Rome day the window touches (a dataRilascio in between is "in the window"). */
  readonly firstDay: string;
  readonly lastDay: string;
  readonly announcement: Notice;
  readonly graceNotice: Notice;
  readonly refusal: readonly Diagnostic[];
  /** Placeholders of the texts: inizio, fine, termine. */
  readonly texts: Readonly<Record<'inizio' | 'fine' | 'termine', string>>;
}

/** A dataRilascio on a day of a window that has ended. */
export interface PaperEntry {
  /** The window, as configured: what a certificate re-entered from paper records. */
  readonly interval: string;
  /** Whether the grace period for re-entering paper certificates still runs. */
  readonly open: boolean;
  /** The refusal once it has run out (8005), in place of the usual "too old" one. */
  expired(rilascio: string, sezione: string): Diagnostic;
}

function plan(window: MaintenanceWindow, config: MaintenanceConfig): PlannedWindow {
  const start = window.start.getTime();
  const end = window.end.getTime();
  const announceFrom = start - config.announceDays * DAY_MS;
  const lastGraceDay = addDays(romeDate(window.end), config.paperGraceDays);
  const graceUntil = endOfRomeDay(lastGraceDay).getTime();
  const texts = { inizio: italianInstant(window.start), fine: italianInstant(window.end), termine: italianDay(lastGraceDay) };
  const at = (ms: number): string => romeDateTime(new Date(ms));
  return {
    window,
    announceFrom,
    start,
    end,
    graceUntil,
    firstDay: romeDate(window.start),
    lastDay: romeDate(new Date(end - 1)),
    announcement: {
      codice: '8003',
      dataInserimento: at(announceFrom),
      info: noticeText('MANUTENZIONE_PROGRAMMATA', texts),
      dataInizioVal: at(start),
      dataFineVal: at(end),
    },
    graceNotice: {
      codice: '8004',
      dataInserimento: at(end),
      info: noticeText('CARTACEI_DA_TRASMETTERE', texts),
      dataInizioVal: at(end),
      dataFineVal: at(graceUntil),
    },
    refusal: [diagnostic('SERVIZIO_IN_MANUTENZIONE', texts)],
    texts,
  };
}

export class MaintenanceSchedule {
  private readonly windows: readonly PlannedWindow[];
  /** Every instant the state can change at, ascending. */
  private readonly changes: readonly number[];
  // The phase last looked up: [from, until) and its state.
  private from = Number.POSITIVE_INFINITY;
  private until = Number.NEGATIVE_INFINITY;
  private state: ServiceState | undefined;

  constructor(config: MaintenanceConfig, private readonly clock: Clock) {
    this.windows = config.windows.map((w) => plan(w, config));
    this.changes = [...new Set(this.windows.flatMap((w) => [w.announceFrom, w.start, w.end, w.graceUntil]))].sort((a, b) => a - b);
  }

  /** Whether any window is configured (none: the pipeline is given no state source at all). */
  get configured(): boolean {
    return this.windows.length > 0;
  }

  /** For the SOAP pipeline: the state now, by the services' clock. */
  readonly stateNow: () => ServiceState | undefined = () => this.stateAt(this.clock.now().getTime());

  stateAt(t: number): ServiceState | undefined {
    if (t >= this.from && t < this.until) return this.state;
    this.state = this.compute(t);
    let from = Number.NEGATIVE_INFINITY;
    let until = Number.POSITIVE_INFINITY;
    for (const change of this.changes) {
      if (change <= t) from = change;
      else {
        until = change;
        break;
      }
    }
    this.from = from;
    this.until = until;
    return this.state;
  }

  private compute(t: number): ServiceState | undefined {
    const notices: Notice[] = [];
    let refusal: readonly Diagnostic[] | undefined;
    // Chronological: past windows still taking paper first, then the current one, then the next ones.
    for (const w of this.windows) {
      if (t >= w.end && t < w.graceUntil) notices.push(w.graceNotice);
      else if (t >= w.announceFrom && t < w.end) notices.push(w.announcement);
      if (t >= w.start && t < w.end) refusal = w.refusal;
    }
    if (notices.length === 0 && refusal === undefined) return undefined;
    const state = { notices: notices.slice(0, MAX_NOTICES) };
    return refusal === undefined ? state : { ...state, refusal };
  }

  /**
   * A dataRilascio on one of the days of a window that has ended by `now`:
   * the newest such window whose grace period still runs, else the newest
   * one. Undefined when the day touches no past window.
   */
  paperEntry(rilascio: string, now: Date): PaperEntry | undefined {
    const t = now.getTime();
    let found: PlannedWindow | undefined;
    for (const w of this.windows) {
      if (w.end > t) break;
      if (rilascio < w.firstDay || rilascio > w.lastDay) continue;
      if (found === undefined || t < w.graceUntil || t >= found.graceUntil) found = w;
    }
    if (found === undefined) return undefined;
    const w = found;
    return {
      interval: w.window.interval,
      open: t < w.graceUntil,
      expired: (value, sezione) => diagnostic('DATA_RILASCIO_CARTACEO_SCADUTA', { ...w.texts, rilascio: value }, sezione),
    };
  }
}
