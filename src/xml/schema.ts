/**
 * XSD validation against the contract schema, compiled once per process.
 * libxml2's messages are turned into catalog diagnostics with the field path
 * (sezioneErrata) relative to the payload, e.g. "malattia/dataFine".
 *
 * The work is bounded by the cap on diagnostics, never by the document: the
 * library's own validate() resolves an XPath for every error it collects
 * (libxml2's xmlGetNodePath walks every sibling at every step), so a request
 * with thousands of bad attributes and thousands of elements beside the Body
 * cost seconds. Validation here goes through the same libxml2 functions with
 * its own error collector (written by hand: the library offers no cap), which
 * keeps the node pointer and the message of the first MAX_DETAILS errors and
 * only counts the rest; at most MAX_ERRORS paths are then resolved, each by
 * climbing parent pointers from the node to the payload (the node's depth).
 */
import { readFileSync } from 'node:fs';
import { XmlDocument, XsdValidator, type XmlElement } from 'libxml2-wasm';
import * as libxml2 from 'libxml2-wasm/lib/libxml2.mjs';
import { XSD_PATH } from '../contract/files.js';
import { MAX_ERRORS, diagnostic, type Diagnostic } from '../catalog/diagnostics.js';
import { ContentModels } from './contentModels.js';
import { ELEMENT_NODE, localName, namespaceUri, nextSibling, nodeType, parentNode, type NodePtr } from './nativeNodes.js';

const { XmlErrorStruct, xmlSchemaFreeValidCtxt, xmlSchemaNewValidCtxt, xmlSchemaSetValidStructuredErrors, xmlSchemaValidateOneElement } = libxml2;
// Exported at run time, missing from the library's type declarations.
const { addFunction } = libxml2 as unknown as { addFunction: (fn: (data: number, error: number) => void, signature: string) => number };

/**
 * libxml2 errors kept per validation. libxml2 often reports two errors for
 * one field (a facet, then "not a valid value"), folded into one diagnostic:
 * four per diagnostic leaves room for MAX_ERRORS distinct ones.
 */
export const MAX_DETAILS = 4 * MAX_ERRORS;

/** Following siblings looked at to tell a missing element from a misplaced one (a contract type has a few dozen children). */
const MAX_SIBLINGS_SCANNED = 1000;

/** One libxml2 error as kept: its message and the node it is about (0 if none). */
export interface RawDetail {
  readonly message: string;
  readonly node: NodePtr;
}

/** The work the last validation did, for tests and measurements: each figure has a fixed bound. */
export interface ValidationWork {
  /** Errors libxml2 reported (unbounded: each cost one call into JS, nothing more). */
  reported: number;
  /** Errors kept with their message (<= MAX_DETAILS). */
  kept: number;
  /** Paths resolved from a node up to the payload (<= MAX_ERRORS). */
  pathsResolved: number;
  /** Parent steps taken while resolving them (<= MAX_ERRORS x depth). */
  pathSteps: number;
  /** Siblings looked at to tell missing from misplaced (<= MAX_ERRORS x MAX_SIBLINGS_SCANNED). */
  siblingsScanned: number;
}

export const validationWork: ValidationWork = { reported: 0, kept: 0, pathsResolved: 0, pathSteps: 0, siblingsScanned: 0 };

/** The validation running now: validation is synchronous, so one at a time per thread. */
let sink: RawDetail[] | undefined;

const collector = addFunction((_data: number, error: number): void => {
  validationWork.reported++;
  if (sink !== undefined && sink.length < MAX_DETAILS) sink.push({ message: XmlErrorStruct.message(error), node: XmlErrorStruct.node(error) });
}, 'vii');

export class ContractSchema {
  /** Owns the compiled schema (dispose frees it); validation uses its pointer directly. */
  private readonly validator: XsdValidator;
  private readonly schemaPtr: number;
  private ctx = 0;
  private readonly models: ContentModels;

  private constructor(validator: XsdValidator, models: ContentModels) {
    this.validator = validator;
    this.models = models;
    this.schemaPtr = (validator as unknown as { _ptr: number })._ptr;
  }

  static load(path: string = XSD_PATH): ContractSchema {
    const doc = XmlDocument.fromBuffer(readFileSync(path), { url: path });
    try {
      return new ContractSchema(XsdValidator.fromDoc(doc), ContentModels.fromXsd(doc));
    } finally {
      doc.dispose();
    }
  }

  /** Validate one element subtree (the payload or a whole response root). */
  validate(element: XmlElement): Diagnostic[] {
    return this.validateNode((element as unknown as { _nodePtr: NodePtr })._nodePtr);
  }

  /**
   * Validate the element at a libxml2 node pointer (the request path: no
   * wrapper object, see nativeNodes.ts). The diagnostics are plain data.
   */
  validateNode(ptr: NodePtr): Diagnostic[] {
    Object.assign(validationWork, { reported: 0, kept: 0, pathsResolved: 0, pathSteps: 0, siblingsScanned: 0 });
    const ctx = this.context();
    const details: RawDetail[] = [];
    let ret: number;
    sink = details;
    try {
      ret = xmlSchemaValidateOneElement(ctx, ptr);
    } finally {
      sink = undefined;
    }
    if (ret < 0) throw new Error('libxml2 schema validation failed (invalid input or internal error)');
    if (ret === 0) return [];
    validationWork.kept = details.length;
    const out = toDiagnostics(details, ptr, this.models);
    // Invalid, yet nothing to say about it: still never answered as valid.
    return out.length > 0 ? out : [diagnostic('SCHEMA_NON_CONFORME', { campo: localName(ptr) }, localName(ptr))];
  }

  /**
   * One validation context for every call: libxml2 resets it at the start of
   * each validation, and validation is synchronous (one at a time per
   * thread), so allocating and freeing one per request bought nothing.
   */
  private context(): number {
    if (this.ctx === 0) {
      this.ctx = xmlSchemaNewValidCtxt(this.schemaPtr);
      if (this.ctx === 0) throw new Error('libxml2 could not allocate a schema validation context');
      xmlSchemaSetValidStructuredErrors(this.ctx, collector, 0);
    }
    return this.ctx;
  }

  dispose(): void {
    if (this.ctx !== 0) xmlSchemaFreeValidCtxt(this.ctx);
    this.ctx = 0;
    this.validator.dispose();
  }
}

/**
 * Path of an element below the payload ("malattia/dataFine"); '' for the
 * payload itself; undefined for a node that is not an element inside it.
 * Climbs parent pointers: time proportional to the node's depth.
 */
export function pathBelow(payload: NodePtr, node: NodePtr): string | undefined {
  if (node === 0 || nodeType(node) !== ELEMENT_NODE) return undefined;
  const names: string[] = [];
  for (let at = node; at !== 0 && nodeType(at) === ELEMENT_NODE; at = parentNode(at)) {
    validationWork.pathSteps++;
    if (at === payload) return names.reverse().join('/');
    names.push(localName(at));
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

/**
 * At most MAX_ERRORS diagnostics from the kept details, de-duplicated by
 * sezioneErrata; each node's path is resolved once, and at most MAX_ERRORS
 * nodes are resolved in all.
 */
export function toDiagnostics(details: readonly RawDetail[], payload: NodePtr, models: ContentModels): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  const paths = new Map<NodePtr, string | undefined>();
  for (const detail of details) {
    if (out.length >= MAX_ERRORS) break;
    let path: string | undefined;
    if (paths.has(detail.node)) {
      path = paths.get(detail.node);
    } else {
      if (paths.size >= MAX_ERRORS) break;
      validationWork.pathsResolved++;
      path = pathBelow(payload, detail.node);
      paths.set(detail.node, path);
    }
    const d = translate(detail.message, payload, detail.node, path, models);
    // libxml2 reports a facet error and then "not a valid value" for the same node: keep the first.
    if (seen.has(d.sezioneErrata)) continue;
    seen.add(d.sezioneErrata);
    out.push(d);
  }
  return out;
}

/**
 * libxml2 reports a missing element as "X is not expected, expected is (Y)"
 * when something follows the gap. If X is declared after Y (ContentModels)
 * and no Y comes later among X and its following siblings, Y is missing
 * rather than misplaced.
 */
function missingInsteadOfUnexpected(node: NodePtr, expected: readonly string[]): boolean {
  let scanned = 0;
  for (let sibling = node; sibling !== 0; sibling = nextSibling(sibling)) {
    if (nodeType(sibling) !== ELEMENT_NODE) continue;
    // Past the bound (only a hostile request gets there) the element is reported as not expected, which it is.
    if (++scanned > MAX_SIBLINGS_SCANNED) return false;
    validationWork.siblingsScanned++;
    if (!namespaceUri(sibling) && expected.includes(localName(sibling))) return false;
  }
  return true;
}

function translate(rawMessage: string, payload: NodePtr, node: NodePtr, path: string | undefined, models: ContentModels): Diagnostic {
  const message = rawMessage.trim();
  const payloadName = localName(payload);
  const head = /^Element '([^']+)'(?:, attribute '([^']+)')?: (.*)$/s.exec(message);
  const elementName = localOf(head?.[1] ?? payloadName);
  const attribute = head?.[2];
  const text = head?.[3] ?? message;
  const here = path ?? elementName;
  const campo = here === '' ? payloadName : here;
  const isElement = path !== undefined;

  let m: RegExpExecArray | null;
  if ((m = /^Missing child element\(s\)\. Expected is(?: one of)? \( ([^)]*) \)/.exec(text))) {
    const expected = expectedList(m[1]);
    const missing = join(here, expected[0] ?? '?');
    const shown = expected.length > 1 ? join(here, `(${expected.join(' | ')})`) : missing;
    return diagnostic('SCHEMA_ELEMENTO_MANCANTE', { campo: shown }, missing);
  }
  if ((m = /^This element is not expected\.(?: Expected is(?: one of)? \( ([^)]*) \))?/.exec(text))) {
    const expected = expectedList(m[1]);
    if (isElement && namespaceUri(node) && expected.includes(localName(node))) {
      // The namespace named is the payload root's: the validated service's own, whichever it is.
      return diagnostic('SCHEMA_NAMESPACE_NON_AMMESSO', { campo, namespace: namespaceUri(payload) }, campo);
    }
    // A missing element only when this one is declared after it (a gap before a known field);
    // a stray or undeclared element is reported as itself, at its own path.
    const mandatory = isElement && !namespaceUri(node) && expected.length > 0 ? models.missingBefore(localName(node), expected) : undefined;
    if (mandatory !== undefined && missingInsteadOfUnexpected(node, expected)) {
      // The parent's path is this one without its last step.
      const parentPath = path!.includes('/') ? path!.slice(0, path!.lastIndexOf('/')) : '';
      const missing = join(parentPath, mandatory[0]!);
      const shown = mandatory.length > 1 ? join(parentPath, `(${mandatory.join(' | ')})`) : missing;
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
  if (
    (m = /^\[facet '(?:pattern|enumeration)'\] The value '(.*)' is not /s.exec(text)) ||
    (m = /^'(.*)' is not a valid value of /s.exec(text)) ||
    // libxml2 cuts its messages near 64,000 bytes: a long enough value loses the end of the sentence.
    (m = /^\[facet '(?:pattern|enumeration)'\] The value '(.{60})/s.exec(text))
  ) {
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
