/**
 * XSD validation against the contract schema, compiled once per process.
 * libxml2's messages are turned into catalog diagnostics with the field path
 * (sezioneErrata) relative to the payload, e.g. "malattia/dataFine".
 */
import { readFileSync } from 'node:fs';
import { XmlDocument, XmlElement, XmlValidateError, XsdValidator, type ErrorDetail } from 'libxml2-wasm';
import { XSD_PATH } from '../contract/files.js';
import { MAX_ERRORS, diagnostic, type Diagnostic } from '../sac/diagnostics.js';
import { elementAt, repoint, type NodePtr } from './nativeNodes.js';

export class ContractSchema {
  private readonly validator: XsdValidator;
  /** Re-pointed at each node validateNode checks; never handed out. */
  private wrapper: XmlElement | undefined;

  private constructor(validator: XsdValidator) {
    this.validator = validator;
  }

  static load(path: string = XSD_PATH): ContractSchema {
    const doc = XmlDocument.fromBuffer(readFileSync(path), { url: path });
    try {
      return new ContractSchema(XsdValidator.fromDoc(doc));
    } finally {
      doc.dispose();
    }
  }

  /** Validate one element subtree (the payload or a whole response root). */
  validate(element: XmlElement): Diagnostic[] {
    try {
      this.validator.validate(element);
      return [];
    } catch (err) {
      if (!(err instanceof XmlValidateError)) throw err;
      return toDiagnostics(err.details, element);
    }
  }

  /**
   * Validate the element at a libxml2 node pointer (the request path). One
   * wrapper serves every call: making one per request kept V8 re-optimising
   * the library's node code (see nativeNodes.ts). The diagnostics are plain
   * data, so nothing refers to the wrapper once this returns.
   */
  validateNode(ptr: NodePtr): Diagnostic[] {
    this.wrapper = this.wrapper ? repoint(this.wrapper, ptr) : elementAt(ptr);
    return this.validate(this.wrapper);
  }

  dispose(): void {
    this.validator.dispose();
  }
}

/** Element children of an element, in document order. */
function elementChildren(element: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let node = element.firstChild; node !== null; node = node.next) if (node instanceof XmlElement) out.push(node);
  return out;
}

/**
 * The element an error's XPath (libxml2's xmlGetNodePath) designates, found by
 * walking the document. Steps are "name", "prefix:name", or "*" for an element
 * in a default namespace, each with an optional [N]: for names N counts
 * same-named siblings, for "*" every element sibling.
 */
export function resolveXPath(root: XmlElement, xpath: string | undefined): XmlElement | undefined {
  if (!xpath) return undefined;
  const steps = xpath.split('/').filter((s) => s !== '');
  let node: XmlElement | undefined = root;
  for (const step of steps.slice(1)) {
    const m = /^(.*?)(?:\[(\d+)\])?$/.exec(step)!;
    const name = m[1]!;
    const index = m[2] === undefined ? 0 : Number(m[2]) - 1;
    const kids = elementChildren(node);
    const candidates =
      name === '*'
        ? kids
        : kids.filter((k) => (k.prefix ? `${k.prefix}:${k.name}` : k.name) === name && !(k.namespaceUri && !k.prefix));
    node = candidates[index];
    if (!node) return undefined;
  }
  return node;
}

/** Path of an element below the payload ("malattia/dataFine"); '' for the payload itself. */
export function pathBelow(payload: XmlElement, element: XmlElement): string | undefined {
  const names: string[] = [];
  for (let node: XmlElement | null = element; node !== null; node = node.parent) {
    if (node.isSameNode(payload)) return names.reverse().join('/');
    names.push(node.name);
  }
  return undefined;
}

function join(base: string, child: string): string {
  return base === '' ? child : `${base}/${child}`;
}

/** Element local name as libxml2 prints it ('x' or '{ns}x'). */
function localOf(name: string): string {
  return name.replace(/^\{[^}]*\}/, '');
}

function expectedList(raw: string | undefined): string[] {
  if (!raw) return [];
  return raw
    .split(',')
    .map((s) => localOf(s.trim()))
    .filter((s) => s !== '' && s !== '##other');
}

export function toDiagnostics(details: readonly ErrorDetail[], payload: XmlElement): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const documentRoot = payload.doc.root;
  for (const detail of details) {
    if (out.length >= MAX_ERRORS) break;
    const d = translate(detail, payload, resolveXPath(documentRoot, detail.xpath));
    // libxml2 reports a facet error and then "not a valid value" for the same node: keep the first.
    if (seen.has(d.sezioneErrata)) continue;
    seen.add(d.sezioneErrata);
    out.push(d);
  }
  return out;
}

/**
 * libxml2 reports a missing element as "X is not expected, expected is (Y)"
 * when something follows the gap. If no Y comes later among X and its
 * following siblings, Y is missing rather than misplaced.
 */
function missingInsteadOfUnexpected(node: XmlElement, expected: readonly string[]): boolean {
  for (let sibling: XmlElement | null = node; sibling !== null; ) {
    if (!sibling.namespaceUri && expected.includes(sibling.name)) return false;
    let next = sibling.next;
    while (next !== null && !(next instanceof XmlElement)) next = next.next;
    sibling = next as XmlElement | null;
  }
  return true;
}

function translate(detail: ErrorDetail, payload: XmlElement, node: XmlElement | undefined): Diagnostic {
  const message = detail.message.trim();
  const head = /^Element '([^']+)'(?:, attribute '([^']+)')?: (.*)$/s.exec(message);
  const elementName = localOf(head?.[1] ?? payload.name);
  const attribute = head?.[2];
  const text = head?.[3] ?? message;
  const here = (node && pathBelow(payload, node)) ?? elementName;
  const campo = here === '' ? payload.name : here;

  let m: RegExpExecArray | null;
  if ((m = /^Missing child element\(s\)\. Expected is(?: one of)? \( ([^)]*) \)/.exec(text))) {
    const expected = expectedList(m[1]);
    const missing = join(here, expected[0] ?? '?');
    const shown = expected.length > 1 ? join(here, `(${expected.join(' | ')})`) : missing;
    return diagnostic('SCHEMA_ELEMENTO_MANCANTE', { campo: shown }, missing);
  }
  if ((m = /^This element is not expected\.(?: Expected is(?: one of)? \( ([^)]*) \))?/.exec(text))) {
    const expected = expectedList(m[1]);
    if (node && node.namespaceUri && expected.includes(node.name)) {
      return diagnostic('SCHEMA_NAMESPACE_NON_AMMESSO', { campo }, campo);
    }
    if (node && node.parent && expected.length > 0 && missingInsteadOfUnexpected(node, expected)) {
      const parentPath = pathBelow(payload, node.parent) ?? '';
      const missing = join(parentPath, expected[0]!);
      const shown = expected.length > 1 ? join(parentPath, `(${expected.join(' | ')})`) : missing;
      return diagnostic('SCHEMA_ELEMENTO_MANCANTE', { campo: shown }, missing);
    }
    const atteso = expected.length > 0 ? `; atteso: ${expected.join(' oppure ')}` : '';
    return diagnostic('SCHEMA_ELEMENTO_NON_PREVISTO', { campo, atteso }, campo);
  }
  if ((m = /^\[facet 'maxLength'\] The value has a length of '(\d+)'; this exceeds the allowed maximum length of '(\d+)'/.exec(text))) {
    return diagnostic('SCHEMA_LUNGHEZZA_MASSIMA', { campo, lunghezza: m[1]!, limite: m[2]! }, campo);
  }
  if ((m = /^\[facet 'minLength'\] The value has a length of '(\d+)'; this underruns the allowed minimum length of '(\d+)'/.exec(text))) {
    return diagnostic('SCHEMA_LUNGHEZZA_MINIMA', { campo, lunghezza: m[1]!, limite: m[2]! }, campo);
  }
  if ((m = /^\[facet '(?:pattern|enumeration)'\] The value '(.*)' is not /s.exec(text)) || (m = /^'(.*)' is not a valid value of /s.exec(text))) {
    return diagnostic('SCHEMA_FORMATO', { campo, valore: m[1]!.slice(0, 60) }, campo);
  }
  if (/^Character content other than whitespace is not allowed/.test(text)) {
    return diagnostic('SCHEMA_TESTO_NON_AMMESSO', { campo }, campo);
  }
  if (attribute !== undefined) {
    return diagnostic('SCHEMA_ATTRIBUTO_NON_AMMESSO', { campo, attributo: localOf(attribute) }, campo);
  }
  return diagnostic('SCHEMA_NON_CONFORME', { campo }, campo);
}
