/**
 * A batch run: the files streamed from their source, each prepared, journaled
 * as 'sending', sent with bounded concurrency and recorded with its answer.
 * Files already answered in the journal are skipped. Memory is bounded by
 * the concurrency (and the journal's file-name sets), not by the batch.
 */
import type { Outcome } from './answer.js';
import { JournalWriter, readJournal, writeCsv, type ReportEntry } from './journal.js';
import { prepareRequest } from './request.js';
import type { Sender } from './sender.js';
import type { SourceFile } from './sources.js';

export interface Tally {
  total: number;
  skipped: number;
  accepted: number;
  refused: number;
  fault: number;
  failed: number;
  invalid: number;
  /** Entries of an archive that are no request file: reported, not sent. */
  ignored: number;
  retries: number;
  /** Files the source holds, once counted (the progress bar's total; undefined while counting). */
  expected?: number;
  /** Answered in an earlier run, not accepted. */
  earlierNotAccepted: number;
}

export function emptyTally(): Tally {
  return { total: 0, skipped: 0, accepted: 0, refused: 0, fault: 0, failed: 0, invalid: 0, ignored: 0, retries: 0, earlierNotAccepted: 0 };
}

/** `note` journals an interim line (e.g. 'sending') without counting it. */
export type Handler = (file: SourceFile, bytes: Buffer, resent: boolean, note: (e: ReportEntry) => void) => Promise<ReportEntry>;

export interface RunOptions {
  readonly files: AsyncIterable<SourceFile>;
  readonly journalPath: string;
  readonly csvPath: string;
  readonly concurrency: number;
  /** Sends the request, or (dry run) checks it locally: returns the entry to record. */
  readonly handle: Handler;
  readonly tally: Tally;
  readonly onEntry?: (entry: ReportEntry) => void;
}

export async function runBatch(o: RunOptions): Promise<Tally> {
  const past = await readJournal(o.journalPath);
  const journal = new JournalWriter(o.journalPath);
  const t = o.tally;
  t.earlierNotAccepted = past.notAccepted;
  const record = (entry: ReportEntry) => {
    journal.write(entry);
    t[entry.outcome as Outcome]++;
    o.onEntry?.(entry);
  };
  const inFlight = new Set<Promise<void>>();
  let sourceError: unknown;
  try {
    try {
      await walk();
    } catch (err) {
      sourceError = err; // the source broke (a corrupt archive): finish what is in flight, write the report, then say so
    }
    await Promise.all(inFlight);
  } finally {
    journal.close();
  }
  await writeCsv(o.journalPath, o.csvPath);
  if (sourceError !== undefined) throw sourceError;
  return t;

  async function walk(): Promise<void> {
    for await (const file of o.files) {
      t.total++;
      if (past.answered.has(file.name)) {
        t.skipped++;
        continue;
      }
      if (file.ignored !== undefined) {
        record({ file: file.name, outcome: 'ignored', reason: file.ignored });
        continue;
      }
      const task = (async () => {
        const got = await file.read();
        if (!got.ok) {
          record({ file: file.name, outcome: got.outcome, reason: got.reason });
          return;
        }
        record(await o.handle(file, got.bytes, past.unanswered.has(file.name), (e) => journal.write(e)));
      })();
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      if (inFlight.size >= o.concurrency) await Promise.race(inFlight);
    }
  }
}

/** The handler that sends: 'sending' journaled first, so a kill leaves a trace of what may have arrived. */
export function sendingHandler(sender: Sender): Handler {
  return async (file, bytes, resent, journal) => {
    const prepared = prepareRequest(bytes);
    if (!prepared.ok) return { file: file.name, outcome: 'invalid', reason: prepared.problem };
    const operation = prepared.operation.name;
    journal({ file: file.name, operation, outcome: 'sending' });
    const result = await sender.send(prepared.body, prepared.contentType, prepared.soapAction);
    const base = { file: file.name, operation, attempts: result.attempts, ...(resent ? { resent: true } : {}) };
    if (!result.answered) return { ...base, outcome: 'failed', reason: result.reason };
    const a = result.answer;
    if (a.outcome === 'fault') return { ...base, outcome: 'fault', fault: `${a.faultCode ?? ''} ${a.faultString ?? ''}`.trim() };
    if (a.outcome === 'refused') return { ...base, outcome: 'refused', errors: a.errors };
    return { ...base, outcome: 'accepted', puc: a.puc, pucir: a.pucir, dataRicezione: a.dataRicezione };
  };
}
