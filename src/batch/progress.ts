/**
 * Progress of a run on stderr: a one-line bar redrawn in place on a terminal
 * (done/total, rate, ETA, accepted/refused/failed), plain periodic lines
 * otherwise. cli-progress draws it (redraw in place, cut to the terminal's
 * width, the schedule on and off a terminal); the line's text is ours. The
 * total is the source's count once a second pass has counted it
 * (tally.expected); until then the files met so far, shown as `≥N`, and no ETA.
 *
 * The terminal's modes are left alone (no hidden cursor, no wrapping turned
 * off): a run stopped with Ctrl-C must not leave the user's terminal changed,
 * and cli-progress's own SIGINT handler would keep the process running.
 */
import cliProgress from 'cli-progress';
import type { Tally } from './run.js';

export interface Progress {
  stop(): void;
}

function line(t: Tally, startedMs: number, bar: boolean): string {
  const done = t.accepted + t.refused + t.fault + t.failed + t.invalid + t.ignored + t.skipped;
  const elapsedS = Math.max(0.001, (Date.now() - startedMs) / 1000);
  const rate = (done - t.skipped - t.ignored) / elapsedS;
  const total = t.expected ?? t.total;
  const left = total - done;
  const eta = t.expected !== undefined && rate > 0 && left > 0 ? formatEta(left / rate) : '-';
  const counts = `accettati ${t.accepted} rifiutati ${t.refused} fault ${t.fault} falliti ${t.failed} non validi ${t.invalid}` +
    (t.ignored > 0 ? ` ignorati ${t.ignored}` : '') + (t.skipped > 0 ? ` già risposti ${t.skipped}` : '') + (t.retries > 0 ? ` ritentativi ${t.retries}` : '');
  const head = `${done}/${t.expected !== undefined ? total : `≥${total}`} ${rate.toFixed(1)}/s ETA ${eta}`;
  if (!bar) return `${head} ${counts}`;
  const width = 20;
  const filled = t.expected !== undefined && total > 0 ? Math.min(width, Math.round((done / total) * width)) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${head} ${counts}`;
}

function formatEta(seconds: number): string {
  const s = Math.ceil(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function startProgress(t: Tally, stream: NodeJS.WriteStream, intervalMs: number): Progress {
  const started = Date.now();
  const tty = stream.isTTY === true;
  const bar = new cliProgress.SingleBar({
    stream,
    format: () => line(t, started, tty),
    // On a terminal at most 4 draws a second; off one, a line every interval.
    fps: 1000 / Math.min(intervalMs, 250),
    noTTYOutput: true,
    notTTYSchedule: intervalMs,
    hideCursor: false,
    linewrap: true,
    gracefulExit: false,
    // Off a terminal the last line already ends the output: no empty line after it.
    clearOnComplete: !tty,
  });
  bar.start(0, 0);
  return {
    stop() {
      bar.stop();
    },
  };
}
