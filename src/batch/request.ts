/**
 * One file of a batch as a request: a whole SOAP 1.1 envelope, or a bare
 * payload whose root element names the operation (src/contract/operations.ts)
 * and which is wrapped here in an envelope in its own encoding. Detection
 * reads only the prolog and the first element names (the gateway validates
 * the rest): cheap for 100,000 files.
 */
import { operationByRequestElement, soapActionOf, type OperationSpec } from '../contract/operations.js';
import { charsetFromXmlDeclaration } from '../soap/charset.js';

export const SOAP_ENV_NS = 'http://schemas.xmlsoap.org/soap/envelope/';

export type Prepared =
  | { readonly ok: true; readonly operation: OperationSpec; readonly body: Buffer; readonly contentType: string; readonly soapAction: string; readonly wrapped: boolean }
  | { readonly ok: false; readonly problem: string };

/** Start tags (name only), skipping the declaration, comments, PIs and the doctype. */
const TAG = /<([A-Za-z_][\w.-]*(?::[A-Za-z_][\w.-]*)?)[\s/>]/g;
const HEAD_BYTES = 64 * 1024;

function localName(qname: string): string {
  const i = qname.indexOf(':');
  return i < 0 ? qname : qname.slice(i + 1);
}

function startTags(text: string, count: number): string[] {
  const cleaned = text.replace(/<!--[\s\S]*?-->/g, '').replace(/<\?[\s\S]*?\?>/g, '').replace(/<!DOCTYPE[^>]*>/gi, '');
  const out: string[] = [];
  TAG.lastIndex = 0;
  for (let m = TAG.exec(cleaned); m && out.length < count; m = TAG.exec(cleaned)) out.push(m[1]!);
  return out;
}

type Encoding = 'UTF-8' | 'ISO-8859-1';

function encodingOf(bytes: Buffer): Encoding | undefined {
  const declared = charsetFromXmlDeclaration(bytes);
  if (declared === undefined) return 'UTF-8';
  const upper = declared.toUpperCase();
  if (upper === 'UTF-8' || upper === 'UTF8' || upper === 'US-ASCII' || upper === 'ASCII') return 'UTF-8';
  if (upper === 'ISO-8859-1' || upper === 'LATIN1' || upper === 'ISO_8859-1') return 'ISO-8859-1';
  return undefined;
}

export function prepareRequest(bytes: Buffer): Prepared {
  if (bytes.length === 0) return { ok: false, problem: 'file vuoto' };
  const encoding = encodingOf(bytes);
  if (encoding === undefined) return { ok: false, problem: 'codifica non supportata (UTF-8 o ISO-8859-1)' };
  const text = bytes.subarray(0, HEAD_BYTES).toString(encoding === 'UTF-8' ? 'utf8' : 'latin1').replace(/^\uFEFF/, '');
  const tags = startTags(text, 4);
  if (tags.length === 0) return { ok: false, problem: 'nessun elemento XML' };
  const contentType = `text/xml; charset=${encoding === 'UTF-8' ? 'utf-8' : 'iso-8859-1'}`;
  if (localName(tags[0]!) === 'Envelope') {
    // Header? then Body, then the payload root.
    let i = 1;
    if (tags[i] !== undefined && localName(tags[i]!) === 'Header') {
      const bodyTag = /<([A-Za-z_][\w.-]*:)?Body[\s>]/.exec(text);
      if (!bodyTag) return { ok: false, problem: 'busta SOAP senza Body' };
      const after = startTags(text.slice(bodyTag.index + bodyTag[0].length - 1), 1);
      return withOperation(after[0], bytes, contentType, false);
    }
    if (tags[i] === undefined || localName(tags[i]!) !== 'Body') return { ok: false, problem: 'busta SOAP senza Body' };
    i++;
    return withOperation(tags[i], bytes, contentType, false);
  }
  // A bare payload: wrap it, keeping its bytes and its encoding.
  const op = operationByRequestElement(localName(tags[0]!));
  if (!op) return { ok: false, problem: `elemento radice ${tags[0]!.slice(0, 64)} non è una richiesta del contratto` };
  const withoutDecl = stripDeclaration(bytes);
  const head = Buffer.from(
    `<?xml version="1.0" encoding="${encoding}"?>\n<soapenv:Envelope xmlns:soapenv="${SOAP_ENV_NS}"><soapenv:Body>`,
    'latin1',
  );
  const tail = Buffer.from('</soapenv:Body></soapenv:Envelope>\n', 'latin1');
  return { ok: true, operation: op, body: Buffer.concat([head, withoutDecl, tail]), contentType, soapAction: `"${soapActionOf(op)}"`, wrapped: true };
}

function withOperation(root: string | undefined, bytes: Buffer, contentType: string, wrapped: boolean): Prepared {
  if (root === undefined) return { ok: false, problem: 'Body SOAP vuoto' };
  const op = operationByRequestElement(localName(root));
  if (!op) return { ok: false, problem: `elemento ${root.slice(0, 64)} nel Body non è una richiesta del contratto` };
  return { ok: true, operation: op, body: bytes, contentType, soapAction: `"${soapActionOf(op)}"`, wrapped };
}

/** The bytes after a BOM and an XML declaration (the wrapper writes its own). */
function stripDeclaration(bytes: Buffer): Buffer {
  let start = bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const head = bytes.subarray(start, start + 512).toString('latin1');
  const decl = /^\s*<\?xml[\s\S]*?\?>/.exec(head);
  if (decl) start += decl[0].length;
  return bytes.subarray(start);
}
