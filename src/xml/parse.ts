/**
 * The one parse of a request: libxml2 (WASM) over the raw bytes, with the
 * charset already decided. Entities are never substituted, no DTD or external
 * resource is loaded, and a document that carries a DOCTYPE is refused
 * outright, so entity tricks (billion laughs, XXE) have nothing to work on.
 */
import { ParseOption, XmlDocument, XmlParseError } from 'libxml2-wasm';
import { SoapFault } from '../sac/diagnostics.js';
import type { Charset } from '../soap/charset.js';

// No NOENT (no substitution), no DTDLOAD/DTDATTR/DTDVALID, no XInclude, no HUGE
// (keeps libxml2's default depth and size limits), no recovery mode.
const SAFE_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_NOERROR | ParseOption.XML_PARSE_NOWARNING;

/** Parse bytes; the caller owns the document and must dispose it. */
export function parseXml(body: Buffer, charset: Charset): XmlDocument {
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromBuffer(body, { encoding: charset, option: SAFE_OPTIONS });
  } catch (err) {
    if (err instanceof XmlParseError) {
      const detail = err.details[0];
      throw new SoapFault('NOT_XML', { riga: detail?.line ?? 0, colonna: detail?.col ?? 0 });
    }
    throw err;
  }
  if (doc.dtd !== null) {
    doc.dispose();
    throw new SoapFault('DTD_FORBIDDEN');
  }
  return doc;
}

/** Run fn over a parsed document and always release its WASM memory. */
export function withParsedXml<T>(body: Buffer, charset: Charset, fn: (doc: XmlDocument) => T): T {
  const doc = parseXml(body, charset);
  try {
    return fn(doc);
  } finally {
    doc.dispose();
  }
}
