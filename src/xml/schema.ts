/**
 * XSD validation against the contract schema, compiled once per process.
 * libxml2's messages are turned into catalog diagnostics with the field path
 * (sezioneErrata) relative to the payload, e.g. "malattia/dataFine".
 */
import { readFileSync } from 'node:fs';
import { XmlDocument, XmlValidateError, XsdValidator, type ErrorDetail, type XmlElement } from 'libxml2-wasm';
import { XSD_PATH } from '../contract/files.js';
import { MAX_ERRORS, diagnostic, type Diagnostic } from '../sac/diagnostics.js';

export class ContractSchema {
  private readonly validator: XsdValidator;

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
      return toDiagnostics(err.details, element.name);
    }
  }

  dispose(): void {
    this.validator.dispose();
  }
}

/** Path of a node below the payload root, from libxml2's absolute XPath. */
export function sectionFromXPath(xpath: string | undefined, rootName: string, fallbackName: string): string {
  if (!xpath) return fallbackName;
  const steps = xpath.split('/').filter((s) => s !== '');
  const at = steps.findIndex((s) => s.replace(/^[^:]*:/, '').replace(/\[\d+\]$/, '') === rootName);
  if (at === -1) return fallbackName;
  const below = steps.slice(at + 1).map((s) => s.replace(/^[^:]*:/, ''));
  if (below.length > 0 && below[below.length - 1] === '*') below[below.length - 1] = fallbackName;
  return below.join('/');
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

export function toDiagnostics(details: readonly ErrorDetail[], rootName: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const detail of details) {
    if (out.length >= MAX_ERRORS) break;
    const d = translate(detail, rootName);
    // libxml2 reports a facet error and then "not a valid value" for the same node: keep the first.
    if (seen.has(d.sezioneErrata)) continue;
    seen.add(d.sezioneErrata);
    out.push(d);
  }
  return out;
}

function translate(detail: ErrorDetail, rootName: string): Diagnostic {
  const message = detail.message.trim();
  const head = /^Element '([^']+)'(?:, attribute '([^']+)')?: (.*)$/s.exec(message);
  const elementName = localOf(head?.[1] ?? rootName);
  const attribute = head?.[2];
  const text = head?.[3] ?? message;
  const here = sectionFromXPath(detail.xpath, rootName, elementName);
  const campo = here === '' ? rootName : here;

  let m: RegExpExecArray | null;
  if ((m = /^Missing child element\(s\)\. Expected is(?: one of)? \( ([^)]*) \)/.exec(text))) {
    const expected = expectedList(m[1]);
    const missing = join(here, expected[0] ?? '?');
    return diagnostic('SCHEMA_ELEMENTO_MANCANTE', { campo: expected.length > 1 ? `${join(here, `(${expected.join(' | ')})`)}` : missing }, missing);
  }
  if ((m = /^This element is not expected\.(?: Expected is(?: one of)? \( ([^)]*) \))?/.exec(text))) {
    const expected = expectedList(m[1]);
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
