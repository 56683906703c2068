/**
 * Progress of a run on stderr: a one-line bar redrawn in place on a terminal
 * (done/total, rate, ETA, accepted/refused/failed), plain periodic lines
 * otherwise. Written by hand: a dozen lines, and no progress library is
 * installed. The total grows while the folder is still being walked.
 */
import type { Tally } from './run.js';

export interface Progress {
  stop(): void;
}

function line(t: Tally, startedMs: number, bar: boolean): string {
  const done = t.accepted + t.refused + t.fault + t.failed + t.invalid + t.skipped;
  const elapsedS = Math.max(0.001, (Date.now() - startedMs) / 1000);
  const rate = (done - t.skipped) / elapsedS;
  const left = t.total - done;
  const eta = rate > 0 && left > 0 ? `${Math.ceil(left / rate)}s` : '-';
  const counts = `accettati ${t.accepted} rifiutati ${t.refused} fault ${t.fault} falliti ${t.failed} non validi ${t.invalid}` +
    (t.skipped > 0 ? ` già risposti ${t.skipped}` : '') + (t.retries > 0 ? ` ritentativi ${t.retries}` : '');
  const head = `${done}/${t.total} ${rate.toFixed(1)}/s ETA ${eta}`;
  if (!bar) return `${head} ${counts}`;
  const width = 20;
  const filled = t.total > 0 ? Math.min(width, Math.round((done / t.total) * width)) : 0;
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${head} ${counts}`;
}

export function startProgress(t: Tally, stream: NodeJS.WriteStream, intervalMs: number): Progress {
  const started = Date.now();
  const tty = stream.isTTY === true;
  const draw = () => stream.write(tty ? `\r\x1b[K${line(t, started, true)}` : `${line(t, started, false)}\n`);
  const timer = setInterval(draw, tty ? Math.min(intervalMs, 250) : intervalMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      draw();
      if (tty) stream.write('\n');
    },
  };
}
