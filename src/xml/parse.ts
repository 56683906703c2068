/**
 * The one parse of a request: libxml2 (WASM) over the raw bytes, with the
 * charset already decided. Entities are never substituted, no DTD or external
 * resource is loaded, and a document that carries a DOCTYPE is refused
 * outright, so entity tricks (billion laughs, XXE) have nothing to work on.
 * A parsed document is then held to the XML limits (limits.ts) before anyone
 * reads it.
 */
import { ParseOption, XmlDocument, XmlParseError, type ErrorDetail } from 'libxml2-wasm';
import { SoapFault } from '../catalog/diagnostics.js';
import { DEFAULT_XML_LIMITS, checkXmlLimits, type XmlLimits } from './limits.js';

// No NOENT (no substitution), no DTDLOAD/DTDATTR/DTDVALID, no XInclude, no HUGE
// (keeps libxml2's default depth and size limits), no recovery mode. Errors
// are reported (no NOERROR): they go to the library's handler, never to
// stderr, and carry the position a client needs. libxml2 stops reporting
// after 100 errors per parse, so the details stay bounded.
const SAFE_OPTIONS = ParseOption.XML_PARSE_NONET | ParseOption.XML_PARSE_NO_XXE | ParseOption.XML_PARSE_NOWARNING;

/** libxml2's xmlErrorLevel for an error (2) or a fatal error (3); 1 is a warning. */
const XML_ERR_ERROR = 2;

/** Where the document stopped being well-formed: the first error, not a warning. */
function firstError(details: readonly ErrorDetail[]): ErrorDetail | undefined {
  return details.find((d) => d.level >= XML_ERR_ERROR) ?? details[0];
}

/** The encodings a request may be in (decided by src/soap/charset.ts before the parse). */
export type Charset = 'UTF-8' | 'ISO-8859-1' | 'US-ASCII';

/** Parse bytes and check the limits; the caller owns the document and must dispose it. */
export function parseXml(body: Buffer, charset: Charset, limits: XmlLimits = DEFAULT_XML_LIMITS): XmlDocument {
  let doc: XmlDocument;
  try {
    doc = XmlDocument.fromBuffer(body, { encoding: charset, option: SAFE_OPTIONS });
  } catch (err) {
    if (err instanceof XmlParseError) {
      const detail = firstError(err.details);
      throw new SoapFault('NOT_XML', { riga: detail?.line ?? 0, colonna: detail?.col ?? 0 });
    }
    throw err;
  }
  try {
    if (doc.dtd !== null) throw new SoapFault('DTD_FORBIDDEN');
    checkXmlLimits(doc, limits);
  } catch (err) {
    doc.dispose();
    throw err;
  }
  return doc;
}
