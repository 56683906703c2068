/**
 * The report of a batch, which is also its journal: JSON Lines appended one
 * line per event with a synchronous write (a kill loses at most the line
 * being written), read back on the next run to send only what has no answer
 * yet. A file's last line wins. The CSV is rewritten from it at the end of a
 * run (two streamed passes; only a file -> line-number map is held).
 */
import { closeSync, createReadStream, existsSync, openSync, readSync, fstatSync, writeSync, renameSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { ErrorEntry, Outcome } from './answer.js';

export interface ReportEntry {
  readonly file: string;
  readonly operation?: string;
  /** 'sending': written before a send, replaced by the answer; a kill leaves it as the last line. */
  readonly outcome: Outcome | 'sending';
  readonly puc?: string;
  readonly pucir?: string;
  readonly dataRicezione?: string;
  readonly errors?: readonly ErrorEntry[];
  readonly fault?: string;
  readonly reason?: string;
  readonly attempts?: number;
  /** Sent again after a run that stopped without its answer: a creating operation gets its first receipt. */
  readonly resent?: boolean;
}

export const ANSWERED: ReadonlySet<string> = new Set(['accepted', 'refused', 'fault']);
/** Never sent again: answered, or no request at all. */
const SETTLED: ReadonlySet<string> = new Set([...ANSWERED, 'ignored']);

export interface PastRun {
  /** Files with an answer (or ignored entries of an archive): never sent again. */
  readonly answered: ReadonlySet<string>;
  /** Files sent (or being sent) without a recorded answer. */
  readonly unanswered: ReadonlySet<string>;
  /** Of the answered files, how many were not accepted (for the exit status of a resumed run). */
  readonly notAccepted: number;
}

export async function readJournal(path: string): Promise<PastRun> {
  const last = new Map<string, string>();
  if (existsSync(path)) {
    const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
    for await (const line of lines) {
      if (line === '') continue;
      try {
        const e = JSON.parse(line) as ReportEntry;
        if (typeof e.file === 'string' && typeof e.outcome === 'string') last.set(e.file, e.outcome);
      } catch {
        // A line cut by a kill: that file has no answer recorded.
      }
    }
  }
  const answered = new Set<string>();
  const unanswered = new Set<string>();
  let notAccepted = 0;
  for (const [file, outcome] of last) {
    (SETTLED.has(outcome) ? answered : unanswered).add(file);
    if (ANSWERED.has(outcome) && outcome !== 'accepted') notAccepted++;
  }
  return { answered, unanswered, notAccepted };
}

export class JournalWriter {
  private readonly fd: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'a+');
    // A kill mid-line left no newline: start clean on the next line.
    const size = fstatSync(this.fd).size;
    if (size > 0) {
      const b = Buffer.alloc(1);
      readSync(this.fd, b, 0, 1, size - 1);
      if (b[0] !== 0x0a) writeSync(this.fd, '\n');
    }
  }

  write(entry: ReportEntry): void {
    writeSync(this.fd, `${JSON.stringify(entry)}\n`);
  }

  close(): void {
    closeSync(this.fd);
  }
}

export function csvField(value: string): string {
  return /[",\r\n;]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

export const CSV_HEADER = 'file,operazione,esito,puc,puc_ricovero,data_ricezione,errori,dettaglio,reinviato';

export function csvRow(e: ReportEntry): string {
  const errors = (e.errors ?? []).map((x) => `${x.tipoErrore}:${x.sezioneErrata}`).join(' ');
  return [e.file, e.operation ?? '', e.outcome, e.puc ?? '', e.pucir ?? '', e.dataRicezione ?? '', errors, e.fault ?? e.reason ?? '', e.resent ? 'si' : '']
    .map(csvField)
    .join(',');
}

/** Rewrite the CSV from the journal: one row per file, its last recorded outcome (not 'sending'). */
export async function writeCsv(journalPath: string, csvPath: string): Promise<void> {
  const lastLine = new Map<string, number>();
  const pass = async (each: (e: ReportEntry, n: number) => void) => {
    const lines = createInterface({ input: createReadStream(journalPath, 'utf8'), crlfDelay: Infinity });
    let n = 0;
    for await (const line of lines) {
      n++;
      if (line === '') continue;
      try {
        const e = JSON.parse(line) as ReportEntry;
        if (typeof e.file === 'string' && e.outcome !== 'sending') each(e, n);
      } catch {
        /* cut line */
      }
    }
  };
  await pass((e, n) => lastLine.set(e.file, n));
  const tmp = `${csvPath}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, `${CSV_HEADER}\n`);
    await pass((e, n) => {
      if (lastLine.get(e.file) === n) writeSync(fd, `${csvRow(e)}\n`);
    });
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, csvPath);
}
