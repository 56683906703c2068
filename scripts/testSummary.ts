/**
 * A node:test reporter for scripts/test.ts: writes, once the run ends, one
 * JSON object:
 *   files   { file: milliseconds }, the durations of each file's top-level
 *           tests and suites summed (hooks of suites included), so that the
 *           runner can name each half's slowest files;
 *   counts  node:test's own closing figures (tests, pass, fail, cancelled,
 *           skipped, todo), from the summary diagnostics it sends last.
 * Nothing else: node:test's own reporter shows the run. One reporter for both
 * keeps the run at two (a third makes node:test warn of a listener leak).
 */
interface TestEvent {
  readonly type: string;
  readonly data?: {
    readonly nesting?: number;
    readonly file?: string;
    readonly message?: string;
    readonly details?: { readonly duration_ms?: number };
  };
}

/** The figures node:test closes a run with ("tests 12", "pass 11", ...). */
export const COUNT_KEYS = ['tests', 'pass', 'fail', 'cancelled', 'skipped', 'todo'] as const;
export type Counts = Record<(typeof COUNT_KEYS)[number], number>;

export interface RunSummary {
  readonly files: Record<string, number>;
  /** Absent when the run ended before node:test summed it up. */
  readonly counts?: Counts;
}

const COUNT_RE = new RegExp(`^(${COUNT_KEYS.join('|')}) (\\d+)$`);

export default async function* testSummary(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const files: Record<string, number> = {};
  const counts: Partial<Counts> = {};
  for await (const event of source) {
    const data = event.data;
    if (event.type === 'test:diagnostic') {
      // The run's summary comes from no file; a test's own diagnostics name theirs.
      const m = data?.file === undefined && data?.nesting === 0 ? COUNT_RE.exec(data.message ?? '') : null;
      if (m) counts[m[1] as keyof Counts] = Number(m[2]);
      continue;
    }
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    if (data?.nesting !== 0 || data.file === undefined) continue;
    files[data.file] = (files[data.file] ?? 0) + (data.details?.duration_ms ?? 0);
  }
  const summary: RunSummary = counts.tests === undefined ? { files } : { files, counts: { tests: 0, pass: 0, fail: 0, cancelled: 0, skipped: 0, todo: 0, ...counts } };
  yield `${JSON.stringify(summary)}\n`;
}
