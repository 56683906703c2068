/**
 * A schema-valid payload as a plain object: elements with children become
 * objects, leaves become their text. Runs only after XSD validation, so the
 * shape is already guaranteed and no mixed content can occur. Walks libxml2's
 * nodes directly (nativeNodes.ts): no wrapper object per node.
 */
import { ELEMENT_NODE, firstChild, localName, nextSibling, nodeType, textContent, type NodePtr } from './nativeNodes.js';

export type XmlValue = string | XmlObject;
export interface XmlObject {
  [name: string]: XmlValue | undefined;
}

export function elementToObject(element: NodePtr): XmlObject {
  const value = convert(element);
  return typeof value === 'object' ? value : {};
}

function convert(ptr: NodePtr): XmlValue {
  let out: XmlObject | undefined;
  for (let child = firstChild(ptr); child !== 0; child = nextSibling(child)) {
    if (nodeType(child) === ELEMENT_NODE) (out ??= {})[localName(child)] = convert(child);
  }
  return out ?? textContent(ptr);
}
