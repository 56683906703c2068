/**
 * A strict reader of the Prometheus text exposition format (0.0.4), written
 * for the tests (prom-client has no parser): every line must be a HELP, a
 * TYPE or a sample of a declared family; names, labels, escapes and values
 * are checked; a series may appear only once. Throws on the first violation.
 */

export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly types: ReadonlyMap<string, string>;
  readonly samples: readonly Sample[];
  /** The value of one series, labels given exactly (order free); undefined when absent. */
  value(name: string, labels?: Record<string, string>): number | undefined;
  /** The sum over every series of `name` whose labels include `match`. */
  sum(name: string, match?: Record<string, string>): number;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);
// Prometheus reads values with Go's ParseFloat: NaN and Inf in any letter case (prom-client writes "Nan").
const FLOAT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^[+-]?inf(inity)?$|^nan$/i;

function familyOf(name: string, types: ReadonlyMap<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (name.endsWith(suffix)) {
      const base = name.slice(0, -suffix.length);
      const type = types.get(base);
      if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
    }
  }
  return undefined;
}

function parseLabels(text: string, line: number): Record<string, string> {
  const labels: Record<string, string> = {};
  let i = 0;
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq === -1) throw new Error(`line ${line}: label without '='`);
    const name = text.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`line ${line}: bad label name ${JSON.stringify(name)}`);
    if (name in labels) throw new Error(`line ${line}: label ${name} twice`);
    if (text[eq + 1] !== '"') throw new Error(`line ${line}: label value not quoted`);
    let value = '';
    let j = eq + 2;
    for (;;) {
      const c = text[j];
      if (c === undefined) throw new Error(`line ${line}: unterminated label value`);
      if (c === '"') break;
      if (c === '\\') {
        const next = text[j + 1];
        if (next === '\\') value += '\\';
        else if (next === '"') value += '"';
        else if (next === 'n') value += '\n';
        else throw new Error(`line ${line}: bad escape \\${next}`);
        j += 2;
        continue;
      }
      if (c === '\n') throw new Error(`line ${line}: raw newline in a label value`);
      value += c;
      j++;
    }
    labels[name] = value;
    i = j + 1;
    if (text[i] === ',') i++;
    else if (i < text.length) throw new Error(`line ${line}: expected ',' between labels`);
  }
  return labels;
}

function seriesKey(name: string, labels: Record<string, string>): string {
  return `${name}{${Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',')}}`;
}

export function parsePrometheus(text: string): Exposition {
  if (text.length > 0 && !text.endsWith('\n')) throw new Error('the exposition must end with a newline');
  const types = new Map<string, string>();
  const helped = new Set<string>();
  const samples: Sample[] = [];
  const seen = new Map<string, number>();
  text.split('\n').forEach((raw, index) => {
    const line = index + 1;
    if (raw === '') return;
    if (raw.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(raw);
      if (!m) {
        if (/^# (HELP|TYPE)/.test(raw)) throw new Error(`line ${line}: malformed ${raw}`);
        return; // a comment
      }
      const [, kind, name, rest] = m as unknown as [string, string, string, string];
      if (!METRIC_NAME.test(name)) throw new Error(`line ${line}: bad metric name ${name}`);
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`line ${line}: unknown type ${rest}`);
        if (types.has(name)) throw new Error(`line ${line}: TYPE of ${name} twice`);
        if (samples.some((s) => familyOf(s.name, new Map([[name, rest]])) === name)) throw new Error(`line ${line}: TYPE of ${name} after its samples`);
        types.set(name, rest);
      } else {
        if (helped.has(name)) throw new Error(`line ${line}: HELP of ${name} twice`);
        helped.add(name);
      }
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: (-?\d+))?$/.exec(raw);
    if (!m) throw new Error(`line ${line}: not a sample: ${raw}`);
    const [, name, labelText, valueText] = m as unknown as [string, string, string | undefined, string];
    if (familyOf(name, types) === undefined) throw new Error(`line ${line}: sample of undeclared family ${name}`);
    if (!FLOAT.test(valueText)) throw new Error(`line ${line}: bad value ${valueText}`);
    const labels = labelText ? parseLabels(labelText, line) : {};
    const key = seriesKey(name, labels);
    if (seen.has(key)) throw new Error(`line ${line}: series ${key} twice`);
    const special = valueText.toLowerCase().replace(/^\+/, '');
    const value = special.startsWith('inf') ? Infinity : special.startsWith('-inf') ? -Infinity : special === 'nan' ? NaN : Number(valueText);
    seen.set(key, value);
    samples.push({ name, labels, value });
  });
  for (const [name, type] of types) {
    if (type !== 'histogram') continue;
    // Every histogram series ends with le="+Inf" equal to its _count.
    for (const s of samples.filter((x) => x.name === `${name}_count`)) {
      const inf = seen.get(seriesKey(`${name}_bucket`, { ...s.labels, le: '+Inf' }));
      if (inf !== s.value) throw new Error(`${name}: +Inf bucket ${inf} differs from _count ${s.value}`);
    }
  }
  const matches = (s: Sample, match: Record<string, string>) => Object.entries(match).every(([k, v]) => s.labels[k] === v);
  return {
    types,
    samples,
    value: (name, labels = {}) => seen.get(seriesKey(name, labels)),
    sum: (name, match = {}) => samples.filter((s) => s.name === name && matches(s, match)).reduce((a, s) => a + s.value, 0),
  };
}
