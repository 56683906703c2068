/**
 * A payload object (toObject.ts) as one string that two requests share when
 * they say the same thing: what the XML's form cannot change does not enter
 * it. Written by hand: XML C14N would keep what we want to drop (whitespace
 * in values, empty elements) and needs the document, which is gone by now.
 *
 * - names are local names (prefixes and namespace declarations are already
 *   gone in the object), members in document order, which the schema fixes
 *   (every type of the contract is a sequence; callers pass schema-valid
 *   payloads only);
 * - whitespace between elements never reaches the object; inside a value,
 *   runs of whitespace count as one space and the ends are trimmed;
 * - an empty value or an element with nothing in it counts as absent;
 * - members named in `omit` are left out at every depth.
 * Values are length-prefixed, so no value can imitate the structure.
 */
import type { XmlObject, XmlValue } from './toObject.js';

const WHITESPACE = /[\t\n\r ]+/g;
const HAS_LOOSE_WHITESPACE = /[\t\n\r]| {2}|^ | $/;

function collapse(value: string): string {
  return HAS_LOOSE_WHITESPACE.test(value) ? value.replace(WHITESPACE, ' ').trim() : value;
}

function write(value: XmlValue, omit: ReadonlySet<string>): string {
  if (typeof value === 'string') {
    const text = collapse(value);
    return text === '' ? '' : `${text.length}:${text}`;
  }
  let out = '';
  // Document order: the payload is schema-valid, and the contract's types are sequences, so two
  // requests that say the same thing list their members in the same order (no sort needed).
  for (const name in value) {
    const member = value[name];
    if (member === undefined || omit.has(name)) continue;
    const written = write(member, omit);
    if (written !== '') out += typeof member === 'string' ? `${name}=${written};` : `${name}{${written}}`;
  }
  return out;
}

export function canonicalText(value: XmlObject, omit: ReadonlySet<string> = new Set()): string {
  return write(value, omit);
}
