/**
 * What the inspector may keep of a request: never the pincode, never a
 * password. Written by hand: a regular expression over the text, because the
 * body may not be XML at all (the inspector also keeps what was refused), and
 * a parser would mask nothing in a body it cannot read.
 */
import { isUtf8 } from 'node:buffer';

export const MASK = '****';

/**
 * The content of every pincode and WS-Security Password element (any case,
 * any prefix, attributes, CDATA); an element left open (a cut or malformed
 * body) is masked to the end. Linear in the text, whatever it holds: each
 * search starts where the previous one ended, and a search that finds
 * nothing masks the rest and stops (no later one could find more).
 */
const SECRET_NAME = /<((?:[A-Za-z_][\w.-]*:)?(?:pincode|password))(?=[\s/>])/gi;

export function maskSecrets(text: string): string {
  let out = '';
  let copied = 0;
  SECRET_NAME.lastIndex = 0;
  for (let m = SECRET_NAME.exec(text); m !== null; m = SECRET_NAME.exec(text)) {
    const tagEnd = text.indexOf('>', SECRET_NAME.lastIndex);
    if (tagEnd === -1) break; // an unfinished tag: no content follows it
    if (text[tagEnd - 1] === '/') {
      SECRET_NAME.lastIndex = tagEnd + 1;
      continue;
    }
    const contentStart = tagEnd + 1;
    const close = new RegExp(`</${m[1]!.replace(/\./g, '\\.')}\\s*>`, 'gi');
    close.lastIndex = contentStart;
    const c = close.exec(text);
    const contentEnd = c === null ? text.length : c.index;
    out += text.slice(copied, contentStart) + (contentEnd > contentStart ? MASK : '');
    copied = contentEnd;
    if (c === null) break;
    SECRET_NAME.lastIndex = c.index + c[0].length;
  }
  return out + text.slice(copied);
}

/** The body as text: UTF-8 when it is valid UTF-8, else Latin-1 (the other charset the contract allows). */
export function bodyText(body: Buffer): string {
  return isUtf8(body) ? body.toString('utf8') : body.toString('latin1');
}

/** Cut to at most `maxBytes` UTF-8 bytes, at a character boundary. */
export function cut(text: string, maxBytes: number): { text: string; truncated: boolean } {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return { text, truncated: false };
  const bytes = Buffer.from(text, 'utf8');
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so no character is split.
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return { text: bytes.subarray(0, end).toString('utf8'), truncated: true };
}

const MASKED_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie']);
const MAX_HEADERS = 40;
const MAX_HEADER_CHARS = 1_024;

/** Request headers for the inspector: bounded; credentials shown as their scheme only ("Basic ****"). */
export function maskHeaders(headers: Readonly<Record<string, string | string[] | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  let n = 0;
  for (const [name, raw] of Object.entries(headers)) {
    if (raw === undefined) continue;
    if (n++ >= MAX_HEADERS) break;
    const value = Array.isArray(raw) ? raw.join(', ') : raw;
    if (MASKED_HEADERS.has(name)) {
      const scheme = /^\s*([A-Za-z][\w-]{0,19})\s/.exec(value)?.[1];
      out[name] = scheme !== undefined && name !== 'cookie' ? `${scheme} ${MASK}` : MASK;
    } else out[name] = value.slice(0, MAX_HEADER_CHARS);
  }
  return out;
}
