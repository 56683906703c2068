/**
 * Which character encoding a request body is in, decided before any parse.
 * The disciplinare allows UTF-8 and ISO-8859-1; US-ASCII is a subset of both.
 * A body is never decoded with replacement characters: bytes that do not fit
 * the declared encoding are a Client fault.
 */
import { isUtf8 } from 'node:buffer';
import { SoapFault } from '../catalog/diagnostics.js';
import type { Charset } from '../xml/parse.js';

export type { Charset };

const ALIASES: Readonly<Record<string, Charset>> = {
  'utf-8': 'UTF-8',
  utf8: 'UTF-8',
  'iso-8859-1': 'ISO-8859-1',
  'iso8859-1': 'ISO-8859-1',
  'iso_8859-1': 'ISO-8859-1',
  'iso-ir-100': 'ISO-8859-1',
  latin1: 'ISO-8859-1',
  l1: 'ISO-8859-1',
  'us-ascii': 'US-ASCII',
  ascii: 'US-ASCII',
};

function canonical(name: string): Charset {
  const found = ALIASES[name.trim().toLowerCase()];
  if (!found) throw new SoapFault('CHARSET_UNSUPPORTED', { valore: name.slice(0, 40) });
  return found;
}

/** The charset parameter of a Content-Type header, if any. */
export function charsetFromContentType(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  const match = /;\s*charset\s*=\s*("?)([^";\s]+)\1/i.exec(contentType);
  return match?.[2];
}

/** The encoding pseudo-attribute of an XML declaration at the very start of the bytes. */
export function charsetFromXmlDeclaration(body: Buffer): string | undefined {
  // A declaration is ASCII and short; a UTF-8 BOM may precede it.
  const start = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf ? 3 : 0;
  const head = body.subarray(start, start + 200).toString('latin1');
  if (!head.startsWith('<?xml')) return undefined;
  const end = head.indexOf('?>');
  const decl = end === -1 ? head : head.slice(0, end);
  const match = /\sencoding\s*=\s*(["'])([A-Za-z][A-Za-z0-9._-]*)\1/.exec(decl);
  return match?.[2];
}

/** Where a byte sequence stops being valid UTF-8, for the fault text. */
function firstInvalidUtf8(body: Buffer): number {
  let i = 0;
  while (i < body.length) {
    const b = body[i]!;
    const len = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (len === 0 || i + len > body.length) return i;
    if (!isUtf8(body.subarray(i, i + len))) return i;
    i += len;
  }
  return body.length;
}

/**
 * Resolve and check the body's charset. Content-Type wins over nothing,
 * the XML declaration over nothing, UTF-8 is the default; when both speak
 * they must agree (US-ASCII agrees with either, being a subset).
 */
export function resolveCharset(contentType: string | undefined, body: Buffer): Charset {
  const fromHeaderRaw = charsetFromContentType(contentType);
  const fromXmlRaw = charsetFromXmlDeclaration(body);
  const fromHeader = fromHeaderRaw === undefined ? undefined : canonical(fromHeaderRaw);
  const fromXml = fromXmlRaw === undefined ? undefined : canonical(fromXmlRaw);
  if (fromHeader && fromXml && fromHeader !== fromXml && fromHeader !== 'US-ASCII' && fromXml !== 'US-ASCII') {
    throw new SoapFault('CHARSET_CONFLICT', { header: fromHeader, xml: fromXml });
  }
  const hasBom = body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
  let charset: Charset = fromHeader ?? fromXml ?? 'UTF-8';
  if (charset === 'US-ASCII') charset = fromXml && fromXml !== 'US-ASCII' ? fromXml : 'US-ASCII';
  if (hasBom && charset !== 'UTF-8') {
    throw new SoapFault('CHARSET_CONFLICT', { header: fromHeaderRaw ?? charset, xml: 'UTF-8 (BOM)' });
  }
  checkBytes(charset, body);
  return charset;
}

function checkBytes(charset: Charset, body: Buffer): void {
  if (charset === 'UTF-8') {
    if (!isUtf8(body)) throw new SoapFault('CHARSET_INVALID_BYTES', { charset, posizione: firstInvalidUtf8(body) });
    return;
  }
  if (charset === 'US-ASCII') {
    const at = body.findIndex((b) => b > 0x7f);
    if (at !== -1) throw new SoapFault('CHARSET_INVALID_BYTES', { charset, posizione: at });
    return;
  }
  // ISO-8859-1 decodes every byte, but 0x80-0x9F are C1 controls that no
  // person types: they are windows-1252 text (€, curly quotes) mislabelled.
  // Reading them as controls would store garbage, so refuse them clearly.
  const at = body.findIndex((b) => b >= 0x80 && b <= 0x9f);
  if (at !== -1) {
    throw new SoapFault('CHARSET_C1_CONTROL', { byte: body[at]!.toString(16).toUpperCase(), posizione: at });
  }
}
