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
  const value = convert(element);
  return typeof value === 'object' ? value : {};
}

// One walk per element: every node access crosses into WASM and creates a wrapper.
function convert(element: XmlElement): XmlValue {
  let out: XmlObject | undefined;
  for (let node = element.firstChild; node !== null; node = node.next) {
    if (node instanceof XmlElement) (out ??= {})[node.name] = convert(node);
  }
  return out ?? element.content;
}
