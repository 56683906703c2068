/**
 * A schema-valid payload as a plain object: elements with children become
 * objects, leaves become their text. Runs only after XSD validation, so the
 * shape is already guaranteed and no mixed content can occur.
 */
import { XmlElement } from 'libxml2-wasm';

export type XmlValue = string | XmlObject;
export interface XmlObject {
  [name: string]: XmlValue | undefined;
}

export function elementToObject(element: XmlElement): XmlObject {
  const out: XmlObject = {};
  for (let node = element.firstChild; node !== null; node = node.next) {
    if (!(node instanceof XmlElement)) continue;
    out[node.name] = hasElementChild(node) ? elementToObject(node) : node.content;
  }
  return out;
}

function hasElementChild(element: XmlElement): boolean {
  for (let node = element.firstChild; node !== null; node = node.next) {
    if (node instanceof XmlElement) return true;
  }
  return false;
}
