/**
 * SoapUI's assertions, evaluated with SoapUI's semantics on one exchange.
 * The type ids are SoapUI's own, with its inversion: "SOAP Fault Assertion"
 * is the one labelled Not SOAP Fault (passes when the response is not a
 * fault) and "Not SOAP Fault Assertion" the one labelled SOAP Fault. A type
 * the replayer does not know fails: it is never passed silently.
 */
import { XmlDocument, XmlElement, type XmlNode } from 'libxml2-wasm';
import type { ContractSchema } from '../xml/schema.js';
import type { OperationSpec } from '../contract/operations.js';
import { CERT_NS } from '../contract/operations.js';
import type { AssertionConfig } from './projectFile.js';
import { evaluateXPath, hasElementChildren } from './xpath.js';

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
export const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';

export interface Exchange {
  readonly status: number;
  readonly body: string;
  /** The interface's SOAP version ("1_1" or "1_2"). */
  readonly soapVersion: string;
  /** The step's operation, when it is one of the contract's (for Schema Compliance). */
  readonly operation: OperationSpec | undefined;
  /** Property expansion for values in the assertion's configuration. */
  readonly expand: (text: string) => string;
}

export interface AssertionResult {
  readonly name: string;
  readonly type: string;
  readonly passed: boolean;
  /** Why it failed (empty when passed). */
  readonly message: string;
}

interface Ctx {
  readonly exchange: Exchange;
  readonly schema: ContractSchema;
  /** The parsed response, or why it could not be parsed. */
  readonly doc: XmlDocument | string;
}

type Check = (config: AssertionConfig, ctx: Ctx) => string | undefined;

function elementChildren(element: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n: XmlNode | null = element.firstChild; n; n = (n as XmlElement).next) if (n instanceof XmlElement) out.push(n);
  return out;
}

/** The SOAP Body of the response, or why there is none. */
function soapBody(ctx: Ctx): XmlElement | string {
  if (typeof ctx.doc === 'string') return ctx.doc;
  const envNs = ctx.exchange.soapVersion === '1_2' ? SOAP12_NS : SOAP11_NS;
  const root = ctx.doc.root;
  if (root.name !== 'Envelope' || root.namespaceUri !== envNs) return `the response's root is not a SOAP ${ctx.exchange.soapVersion.replace('_', '.')} Envelope`;
  const body = elementChildren(root).find((e) => e.name === 'Body' && e.namespaceUri === envNs);
  return body ?? 'the SOAP Envelope has no Body';
}

function isFault(ctx: Ctx): boolean | string {
  const body = soapBody(ctx);
  if (typeof body === 'string') return body;
  const first = elementChildren(body)[0];
  return first !== undefined && first.name === 'Fault' && first.namespaceUri === body.namespaceUri;
}

function flag(config: AssertionConfig, name: string): boolean {
  return config.configuration.get(name)?.trim() === 'true';
}

/** Java's Pattern with leading inline flags ((?s), (?i), (?is), ...) as a JavaScript RegExp over the whole text. */
function wholeMatch(pattern: string, ignoreCase: boolean): RegExp {
  let flags = ignoreCase ? 'i' : '';
  let source = pattern;
  for (let m = /^\(\?([imsux]+)\)/.exec(source); m; m = /^\(\?([imsux]+)\)/.exec(source)) {
    for (const f of m[1]!) if ('ims'.includes(f) && !flags.includes(f)) flags += f;
    source = source.slice(m[0].length);
  }
  // String.matches in Java: the pattern must match the whole text.
  return new RegExp(`^(?:${source})$`, `${flags}u`);
}

function contains(config: AssertionConfig, ctx: Ctx): boolean | string {
  const token = ctx.exchange.expand(config.configuration.get('token') ?? '');
  const ignoreCase = flag(config, 'ignoreCase');
  if (flag(config, 'useRegEx')) {
    try {
      return wholeMatch(token, ignoreCase).test(ctx.exchange.body);
    } catch (err) {
      return `invalid regular expression: ${(err as Error).message}`;
    }
  }
  return ignoreCase ? ctx.exchange.body.toLowerCase().includes(token.toLowerCase()) : ctx.exchange.body.includes(token);
}

function statusList(config: AssertionConfig, ctx: Ctx): number[] | string {
  const raw = ctx.exchange.expand(config.configuration.get('codes') ?? '');
  const codes = raw.split(',').map((c) => c.trim()).filter((c) => c !== '');
  if (codes.length === 0 || codes.some((c) => !/^\d{3}$/.test(c))) return `no valid status code list in '${raw.slice(0, 60)}'`;
  return codes.map(Number);
}

/** Whitespace between tags does not count when an element compares as XML. */
function normalizeXml(xml: string): string {
  return xml.replace(/>\s+</g, '><').trim();
}

function wildcardMatch(expected: string, actual: string): boolean {
  const source = expected.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[\\s\\S]*');
  return new RegExp(`^${source}$`).test(actual);
}

function xpathMatch(config: AssertionConfig, ctx: Ctx): string | undefined {
  if (typeof ctx.doc === 'string') return ctx.doc;
  const path = ctx.exchange.expand(config.configuration.get('path') ?? '');
  const expected = ctx.exchange.expand(config.configuration.get('content') ?? '').trim();
  if (path.trim() === '') return 'no XPath in the assertion';
  let actual: string;
  try {
    const result = evaluateXPath(ctx.doc, path);
    if (result.kind === 'value') actual = result.value;
    else {
      const node = result.nodes[0];
      if (node === undefined) return `Missing content for xpath [${path.trim()}] in the response`;
      actual = hasElementChildren(node) ? normalizeXml((node as XmlElement).toString()) : node.content;
    }
  } catch (err) {
    return (err as Error).message;
  }
  const want = expected.startsWith('<') ? normalizeXml(expected) : expected;
  const got = actual.trim();
  const same = flag(config, 'allowWildcards') ? wildcardMatch(want, got) : want === got;
  return same ? undefined : `XPath [${path.trim().split('\n').pop()}]: expected '${want.slice(0, 200)}', got '${got.slice(0, 200)}'`;
}

function schemaCompliance(_config: AssertionConfig, ctx: Ctx): string | undefined {
  const body = soapBody(ctx);
  if (typeof body === 'string') return body;
  const payload = elementChildren(body);
  if (payload.length !== 1) return `the SOAP Body holds ${payload.length} elements, the contract's messages one`;
  const root = payload[0]!;
  if (root.name === 'Fault' && root.namespaceUri === body.namespaceUri) {
    const parts = elementChildren(root).map((e) => e.name);
    return parts[0] === 'faultcode' && parts[1] === 'faultstring' ? undefined : `the SOAP Fault is not faultcode, faultstring[, faultactor][, detail]: ${parts.join(', ')}`;
  }
  const op = ctx.exchange.operation;
  if (op === undefined) return 'the step names no operation of the WSDL';
  if (root.name !== op.responseElement || root.namespaceUri !== CERT_NS) return `expected {${CERT_NS}}${op.responseElement} in the Body, got {${root.namespaceUri}}${root.name}`;
  const errors = ctx.schema.validate(root);
  return errors.length === 0 ? undefined : errors.map((e) => `${e.sezioneErrata}: ${e.descrizione}`).join('; ');
}

const CHECKS: Readonly<Record<string, Check>> = {
  'SOAP Response': (_c, ctx) => {
    const body = soapBody(ctx);
    return typeof body === 'string' ? body : undefined;
  },
  // Labelled "Not SOAP Fault" in SoapUI.
  'SOAP Fault Assertion': (_c, ctx) => {
    const fault = isFault(ctx);
    return typeof fault === 'string' ? fault : fault ? 'Response is a SOAP Fault' : undefined;
  },
  // Labelled "SOAP Fault" in SoapUI.
  'Not SOAP Fault Assertion': (_c, ctx) => {
    const fault = isFault(ctx);
    return typeof fault === 'string' ? fault : fault ? undefined : 'Response is not a SOAP Fault';
  },
  'Schema Compliance': schemaCompliance,
  'Valid HTTP Status Codes': (config, ctx) => {
    const codes = statusList(config, ctx);
    if (typeof codes === 'string') return codes;
    return codes.includes(ctx.exchange.status) ? undefined : `Response status code ${ctx.exchange.status} is not in acceptable list of status codes (${codes.join(',')})`;
  },
  'Invalid HTTP Status Codes': (config, ctx) => {
    const codes = statusList(config, ctx);
    if (typeof codes === 'string') return codes;
    return codes.includes(ctx.exchange.status) ? `Response status code ${ctx.exchange.status} is in the list of invalid status codes` : undefined;
  },
  'Simple Contains': (config, ctx) => {
    const found = contains(config, ctx);
    return typeof found === 'string' ? found : found ? undefined : `Missing token [${config.configuration.get('token')?.slice(0, 120)}] in Response`;
  },
  'Simple NotContains': (config, ctx) => {
    const found = contains(config, ctx);
    return typeof found === 'string' ? found : found ? `Response contains token [${config.configuration.get('token')?.slice(0, 120)}]` : undefined;
  },
  'XPath Match': xpathMatch,
};

export const KNOWN_ASSERTION_TYPES: readonly string[] = Object.keys(CHECKS);

/** Every enabled assertion of a step, evaluated on its exchange. */
export function evaluateAssertions(assertions: readonly AssertionConfig[], exchange: Exchange, schema: ContractSchema): AssertionResult[] {
  let doc: XmlDocument | string;
  try {
    doc = XmlDocument.fromString(exchange.body);
  } catch {
    doc = 'the response is not well-formed XML';
  }
  try {
    const ctx: Ctx = { exchange, schema, doc };
    return assertions
      .filter((a) => !a.disabled)
      .map((a) => {
        const check = CHECKS[a.type];
        let message: string | undefined;
        if (check === undefined) message = `assertion type '${a.type}' is not known to the replayer (known: ${KNOWN_ASSERTION_TYPES.join(', ')})`;
        else {
          try {
            message = check(a, ctx);
          } catch (err) {
            message = (err as Error).message;
          }
        }
        return { name: a.name, type: a.type, passed: message === undefined, message: message ?? '' };
      });
  } finally {
    if (typeof doc !== 'string') doc.dispose();
  }
}
