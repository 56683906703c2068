/**
 * The employer's export as the XML document existing HR and payroll software
 * imports (issue 12): ISO-8859-1, root `listaAttestati`, one child per record
 * (`attestato`, `annullamento`, `ricovero`, `dimissioni`), no namespace. The
 * root's attributes name the employer and the period; importers that read
 * text elements by name ignore them.
 *
 * Written by hand, not with a DOM serializer: the format is fixed and small,
 * and it is produced in chunks (bounded memory for 100,000 records) with
 * Latin-1 output that libxml2-wasm's serializer (UTF-8 only) does not offer.
 */
import { elementOf, inDateOrder, type ExportElement, type ExportHeader, type ExportRecord } from './exportRecords.js';

export const XML_CONTENT_TYPE = 'application/xml; charset=ISO-8859-1';

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;' };
/** What cannot be written as itself: markup (the apostrophe can: attributes are double-quoted), CR (normalized away by parsers), anything outside Latin-1 or outside XML's characters. */
const SPECIAL = /[&<>"\r]|[^\t\n\x20-\xFF]/gu;
const HAS_SPECIAL = /[&<>"\r]|[^\t\n\x20-\xFF]/u;

/** XML 1.0's Char production. */
function isXmlChar(cp: number): boolean {
  return cp === 0x9 || cp === 0xa || cp === 0xd || (cp >= 0x20 && cp <= 0xd7ff) || (cp >= 0xe000 && cp <= 0xfffd) || (cp >= 0x10000 && cp <= 0x10ffff);
}

/**
 * Text safe in a Latin-1 XML document: markup escaped, every character
 * beyond U+00FF as a numeric character reference (never "?"), and a
 * character XML cannot carry at all (a control character, a lone surrogate)
 * as U+FFFD, visibly replaced.
 */
export function escapeLatin1Xml(text: string): string {
  if (!HAS_SPECIAL.test(text)) return text;
  return text.replace(SPECIAL, (c) => {
    const named = ESCAPES[c];
    if (named) return named;
    const cp = c.codePointAt(0)!;
    return `&#${isXmlChar(cp) ? cp : 0xfffd};`;
  });
}

function writeElement(element: ExportElement, out: string[]): void {
  if (element.children) {
    out.push(`<${element.name}>`);
    for (const child of element.children) writeElement(child, out);
    out.push(`</${element.name}>`);
  } else {
    out.push(`<${element.name}>${escapeLatin1Xml(element.text ?? '')}</${element.name}>`);
  }
}

/** Records per chunk: each chunk is one Buffer of a few tens of KB. */
const RECORDS_PER_CHUNK = 200;

/**
 * The document in chunks of ISO-8859-1 bytes, records in date order
 * (exportRecords.ts inDateOrder). Linear in the records: each chunk joins
 * its own parts once.
 */
export function* listaAttestatiXml(header: ExportHeader, records: readonly ExportRecord[]): Generator<Buffer> {
  const e = header.employer;
  let out: string[] = [
    '<?xml version="1.0" encoding="ISO-8859-1"?>\n',
    `<listaAttestati codFiscAzienda="${escapeLatin1Xml(e.codiceFiscale)}" matricolaInps="${escapeLatin1Xml(e.matricolaInps)}" ` +
      `codSede="${escapeLatin1Xml(e.codSede)}" dal="${escapeLatin1Xml(header.dal)}" al="${escapeLatin1Xml(header.al)}">\n`,
  ];
  let inChunk = 0;
  for (const record of inDateOrder(records)) {
    writeElement(elementOf(record, e), out);
    out.push('\n');
    if (++inChunk === RECORDS_PER_CHUNK) {
      yield Buffer.from(out.join(''), 'latin1');
      out = [];
      inChunk = 0;
    }
  }
  out.push('</listaAttestati>\n');
  yield Buffer.from(out.join(''), 'latin1');
}

/** The whole document as one Buffer (for tests and small exports; stream listaAttestatiXml for large ones). */
export function listaAttestatiXmlBuffer(header: ExportHeader, records: readonly ExportRecord[]): Buffer {
  return Buffer.concat([...listaAttestatiXml(header, records)]);
}
