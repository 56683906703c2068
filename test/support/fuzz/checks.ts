/**
 * What every answer must look like, whatever was sent (issue 9, item 9):
 *  - 200: a SOAP 1.1 envelope whose payload is a valid contract response;
 *  - 5xx: only 500 carrying a SOAP 1.1 Fault, or 503 carrying a Fault and Retry-After;
 *    never the INTERNAL fault, which only a bug produces;
 *  - 4xx: only the edge's refusals (400, 401, 408, 411, 413, 415, 429, 431), with a short body;
 *  - never a stack trace, an internal path, a framework or database code,
 *    a JavaScript error name, or one of libxml2's raw English messages.
 */
import { XmlDocument, XmlElement } from 'libxml2-wasm';
import { FAULTS } from '../../../src/catalog/diagnostics.js';
import { parseResponse } from '../soapClient.js';
import { SOAP11_NS } from './bases.js';
import type { Answer } from './send.js';

export interface Verdict {
  /** A short class for the summary: "ricevutaOk", "ricevutaNonOk", "fault soap:Client", "http 401", "no answer". */
  readonly outcome: string;
  /** A write operation was accepted: the store may have changed. */
  readonly writeAccepted: boolean;
  readonly problems: string[];
}

const EDGE_REFUSALS = new Set([400, 401, 408, 411, 413, 415, 429, 431]);
const SHORT_BODY = 4096;
const WRITE_RESPONSE = /^(invio|rettifica|annullamento)\w+Response$/;

/** Things no answer may contain, with what each one would reveal. */
export const LEAKS: ReadonlyArray<readonly [RegExp, string]> = [
  [/\n\s+at [^\n]*[(:]/, 'stack trace'],
  [/\/work\/|\/home\/|\/usr\/|\/tmp\/|[A-Z]:\\/, 'file-system path'],
  [/node_modules|\bdist\/|\bsrc\//, 'source path'],
  [/\.[cm]?[jt]s:\d+/, 'source position'],
  [/\b(?:Type|Range|Reference|Syntax|Eval|URI|Aggregate|Sqlite|Xml\w*|Runtime)?Error: /, 'JavaScript error text'],
  [/\bFST_[A-Z_]+|\bERR_[A-Z_]{4,}/, 'framework error code'],
  [/SQLITE_|better-sqlite3|\bSELECT\b.*\bFROM\b/, 'database internals'],
  [/RuntimeError|Aborted\(|wasm|\bmemory access out of bounds/, 'WASM internals'],
  [/\[object Object\]|\bundefined\b|\bNaN\b/, 'JavaScript value'],
  [/Cannot read propert|is not a function|is not iterable|Maximum call stack/, 'JavaScript runtime message'],
  [
    /parser error|Opening and ending tag mismatch|Premature end of data|Extra content at the end|Start tag expected|Document is empty|not proper UTF-8|Couldn't find end of Start Tag|attributes construct error|EntityRef: expecting|Element '[^']*': |This element is not expected|is not a valid value of|Missing child element|failed to load external entity|StartTag: invalid|out of allowed range|Specification mandates|Unescaped '<' not allowed|Comment not terminated|Entity '[^']*' not defined|Namespace prefix \S+ (?:on|for) \S+ (?:is|are) not defined|Huge input lookup|Excessive depth|Memory allocation failed|xmlParse|libxml/,
    "libxml2's raw message",
  ],
];

export function findLeaks(answer: Answer): string[] {
  const headerText = Object.entries(answer.headers)
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : (v ?? '')}`)
    .join('\n');
  const text = `${headerText}\n\n${answer.body.toString('latin1')}`;
  const out: string[] = [];
  for (const [pattern, what] of LEAKS) {
    const match = pattern.exec(text);
    if (match) out.push(`${what} in the answer: ${JSON.stringify(excerptAround(text, match.index))}`);
  }
  return out;
}

function excerptAround(text: string, at: number): string {
  return text.slice(Math.max(0, at - 40), at + 80);
}

function elementChildren(element: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n = element.firstChild; n; n = n.next) if (n instanceof XmlElement) out.push(n);
  return out;
}

/** The faultcode of a SOAP 1.1 fault body, or the reason it is not one. */
export function readFault(body: Buffer): { faultcode: string; faultstring: string } | { problem: string } {
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromBuffer(body);
  } catch {
    return { problem: `not XML: ${JSON.stringify(body.toString('latin1').slice(0, 120))}` };
  }
  try {
    const root = doc.root;
    if (root.name !== 'Envelope' || root.namespaceUri !== SOAP11_NS) return { problem: 'not a SOAP 1.1 Envelope' };
    const parts = elementChildren(root);
    const soapBody = parts.find((p) => p.name === 'Body' && p.namespaceUri === SOAP11_NS);
    const fault = soapBody ? elementChildren(soapBody)[0] : undefined;
    if (!fault || fault.name !== 'Fault' || fault.namespaceUri !== SOAP11_NS) return { problem: 'no soap:Fault in the Body' };
    const items = elementChildren(fault);
    const code = items.find((i) => i.name === 'faultcode' && i.namespaceUri === '');
    const reason = items.find((i) => i.name === 'faultstring' && i.namespaceUri === '');
    if (!code || !reason) return { problem: 'Fault without faultcode or faultstring' };
    if (reason.content.trim() === '') return { problem: 'empty faultstring' };
    const value = code.content.trim();
    const colon = value.indexOf(':');
    const prefix = colon < 0 ? '' : value.slice(0, colon);
    const local = value.slice(colon + 1);
    if (code.namespaceForPrefix(prefix) !== SOAP11_NS) return { problem: `faultcode ${JSON.stringify(value)} is not a SOAP 1.1 QName` };
    if (!/^(Client|Server|MustUnderstand|VersionMismatch)(\.[A-Za-z0-9]+)*$/.test(local)) return { problem: `faultcode ${JSON.stringify(value)} is not a SOAP 1.1 code` };
    return { faultcode: `soap:${local}`, faultstring: reason.content };
  } finally {
    doc.dispose();
  }
}

function isXmlUtf8(answer: Answer): boolean {
  return String(answer.headers['content-type'] ?? '').toLowerCase().replace(/\s/g, '') === 'text/xml;charset=utf-8';
}

export function judge(answer: Answer): Verdict {
  const problems: string[] = [];
  if (answer.status === 0) return { outcome: 'no answer', writeAccepted: false, problems: [answer.error ?? 'no answer'] };
  if (answer.error !== undefined) problems.push(answer.error);
  problems.push(...findLeaks(answer));
  const status = answer.status;

  if (status === 200) {
    try {
      const parsed = parseResponse({
        status,
        headers: new Headers(Object.entries(answer.headers).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? v.join(', ') : v] as [string, string]]))),
        text: answer.body.toString('utf8'),
      });
      const ok = parsed.errors.length === 0;
      if (!ok && parsed.errors.some((e) => !/^\d{4}$/.test(e.tipoErrore))) problems.push(`tipoErrore not a 4-digit code: ${JSON.stringify(parsed.errors.map((e) => e.tipoErrore))}`);
      return { outcome: ok ? 'ricevutaOk' : 'ricevutaNonOk', writeAccepted: ok && WRITE_RESPONSE.test(parsed.root), problems };
    } catch (err) {
      problems.push(`200 that is not a contract response: ${(err as Error).message.slice(0, 300)}`);
      return { outcome: 'http 200 (bad)', writeAccepted: false, problems };
    }
  }
  if (status === 500 || status === 503) {
    const fault = readFault(answer.body);
    if ('problem' in fault) problems.push(`HTTP ${status} without a SOAP fault: ${fault.problem}`);
    else if (!isXmlUtf8(answer)) problems.push(`fault with Content-Type ${JSON.stringify(answer.headers['content-type'])}`);
    if (status === 503 && answer.headers['retry-after'] === undefined) problems.push('503 without Retry-After');
    // "Internal error" is the answer to a bug: whatever a client sends must get a Client fault or a ricevuta.
    if ('faultstring' in fault && fault.faultstring === FAULTS.INTERNAL.faultstring) problems.push('internal error fault (soap:Server INTERNAL) for a client\'s request');
    const code = 'faultcode' in fault ? fault.faultcode : 'not a fault';
    return { outcome: status === 503 ? `503 ${code}` : `fault ${code}`, writeAccepted: false, problems };
  }
  if (status >= 400 && status < 500) {
    if (!EDGE_REFUSALS.has(status)) problems.push(`HTTP ${status} is not one of the edge's refusals`);
    if (answer.body.length > SHORT_BODY) problems.push(`HTTP ${status} with a ${answer.body.length}-byte body`);
    if (status === 401 && answer.headers['www-authenticate'] === undefined) problems.push('401 without WWW-Authenticate');
    return { outcome: `http ${status}`, writeAccepted: false, problems };
  }
  problems.push(`unexpected HTTP ${status}`);
  return { outcome: `http ${status}`, writeAccepted: false, problems };
}
