/**
 * SoapUI property expansion, as far as the replayer goes: ${#Project#name},
 * ${#TestSuite#name}, ${#TestCase#name}, ${#Env#NAME} (an environment
 * variable), ${Step#Response#XPath} and ${Step#Request#XPath} (a value
 * from an earlier step's response or request) and ${=...} for a fixed set of Groovy forms (today's date in a
 * zone, plus or minus days; a random UUID, or its first characters).
 * Anything else is an ExpansionError naming it: SoapUI would expand an
 * unknown property to an empty string, which hides mistakes; the replayer
 * refuses instead. Expansions nest, and a property's value is expanded too.
 */
import { randomUUID } from 'node:crypto';
import { XmlDocument, type XmlNode } from 'libxml2-wasm';
import { addDays, romeDate } from '../domain/dates.js';
import { GatewayError } from '../errors.js';
import type { Properties } from './projectFile.js';
import { evaluateXPath } from './xpath.js';

export class ExpansionError extends GatewayError {
  readonly name = 'ExpansionError';
  readonly code = 'SAC_SOAPUI_EXPANSION';
}

export interface ExpansionContext {
  readonly project: Properties;
  readonly suite: Properties;
  readonly testCase: Properties;
  /** Responses of the steps already run in this test case, by step name. */
  readonly responses: ReadonlyMap<string, string>;
  /** Requests (as sent, expanded) of the steps already run in this test case, by step name. */
  readonly requests: ReadonlyMap<string, string>;
  readonly now: () => Date;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Deeper than any sensible project: a property that refers to itself stops here. */
const MAX_DEPTH = 16;

const LOCAL_DATE = /^java\.time\.LocalDate\.now\(java\.time\.ZoneId\.of\((?:'([\w/+-]+)'|"([\w/+-]+)")\)\)(?:\.(plusDays|minusDays)\((\d{1,5})\))?(?:\.toString\(\))?$/;
const UUID = /^java\.util\.UUID\.randomUUID\(\)(?:\.toString\(\)(?:\.substring\(0,\s*(\d{1,2})\))?)?$/;

function dateIn(zone: string, now: Date): string {
  if (zone === 'Europe/Rome') return romeDate(now);
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
  } catch {
    throw new ExpansionError(`unknown time zone '${zone}' in \${=...}`);
  }
}

/** The Groovy forms the replayer knows; SoapUI runs any Groovy. */
function groovy(script: string, ctx: ExpansionContext): string {
  const s = script.trim();
  let m = LOCAL_DATE.exec(s);
  if (m) {
    const today = dateIn(m[1] ?? m[2]!, ctx.now());
    if (m[3] === undefined) return today;
    return addDays(today, m[3] === 'plusDays' ? Number(m[4]) : -Number(m[4]));
  }
  m = UUID.exec(s);
  if (m) {
    const uuid = randomUUID();
    if (m[1] !== undefined && Number(m[1]) > uuid.length) throw new ExpansionError(`\${=${s}}: substring beyond the UUID's 36 characters`);
    return m[1] === undefined ? uuid : uuid.slice(0, Number(m[1]));
  }
  throw new ExpansionError(`the replayer does not evaluate this Groovy expression: \${=${s.slice(0, 120)}}`);
}

function fromMessage(step: string, which: 'Request' | 'Response', path: string, ctx: ExpansionContext): string {
  const response = (which === 'Response' ? ctx.responses : ctx.requests).get(step);
  if (response === undefined) throw new ExpansionError(`\${${step}#${which}#...}: no earlier step named '${step}' has a ${which.toLowerCase()} in this test case`);
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromString(response);
  } catch {
    throw new ExpansionError(`\${${step}#${which}#...}: the response of '${step}' is not XML`);
  }
  try {
    const result = evaluateXPath(doc, path);
    if (result.kind === 'value') return result.value;
    const first: XmlNode | undefined = result.nodes[0];
    if (first === undefined) throw new ExpansionError(`\${${step}#${which}#...}: nothing matches ${path.slice(0, 160)}`);
    return first.content;
  } catch (err) {
    if (err instanceof ExpansionError) throw err;
    throw new ExpansionError(`\${${step}#${which}#...}: ${(err as Error).message}`);
  } finally {
    doc.dispose();
  }
}

function property(scope: string, name: string, ctx: ExpansionContext, depth: number): string {
  const table = scope === 'Project' ? ctx.project : scope === 'TestSuite' ? ctx.suite : scope === 'TestCase' ? ctx.testCase : undefined;
  if (scope === 'Env') {
    const value = ctx.env[name];
    if (value === undefined) throw new ExpansionError(`\${#Env#${name}}: the environment variable is not set`);
    return value;
  }
  if (table === undefined) throw new ExpansionError(`\${#${scope}#${name}}: the replayer knows the scopes Project, TestSuite, TestCase and Env`);
  const value = table.get(name);
  if (value === undefined) throw new ExpansionError(`\${#${scope}#${name}}: no such ${scope} property`);
  return expandAt(value, ctx, depth + 1);
}

function one(inner: string, ctx: ExpansionContext, depth: number): string {
  if (inner.startsWith('=')) return groovy(inner.slice(1), ctx);
  if (inner.startsWith('#')) {
    const second = inner.indexOf('#', 1);
    if (second < 0) throw new ExpansionError(`\${${inner}}: expected \${#Scope#name}`);
    return property(inner.slice(1, second), inner.slice(second + 1), ctx, depth);
  }
  const first = inner.indexOf('#');
  const second = first < 0 ? -1 : inner.indexOf('#', first + 1);
  const which = second > first && first > 0 ? inner.slice(first + 1, second) : '';
  if (which === 'Response' || which === 'Request') {
    return fromMessage(inner.slice(0, first), which, inner.slice(second + 1), ctx);
  }
  throw new ExpansionError(`the replayer does not expand \${${inner.slice(0, 120)}}`);
}

function expandAt(text: string, ctx: ExpansionContext, depth: number): string {
  if (depth > MAX_DEPTH) throw new ExpansionError(`property expansion nested deeper than ${MAX_DEPTH}: a property refers to itself?`);
  let out = '';
  let at = 0;
  for (;;) {
    const start = text.indexOf('${', at);
    if (start < 0) return out + text.slice(at);
    // The matching brace: expansions nest (${#Project#${#TestCase#name}}).
    let level = 0;
    let end = -1;
    for (let i = start + 2; i < text.length; i++) {
      const c = text[i];
      if (c === '{' && text[i - 1] === '$') level++;
      else if (c === '}') {
        if (level === 0) {
          end = i;
          break;
        }
        level--;
      }
    }
    if (end < 0) throw new ExpansionError(`unterminated \${ at character ${start}`);
    const inner = expandAt(text.slice(start + 2, end), ctx, depth + 1);
    out += text.slice(at, start) + one(inner, ctx, depth);
    at = end + 1;
  }
}

/** `text` with every expansion replaced. */
export function expand(text: string, ctx: ExpansionContext): string {
  return expandAt(text, ctx, 0);
}
