/**
 * Reading a parsed document through libxml2's node structs instead of the
 * library's node wrappers. Every wrapper access (firstChild, next, ...)
 * allocates an object, and under load V8 kept re-optimising and throwing
 * away the wrapper code ("bailed out due to dependency change", over a
 * hundred times a second), which cost a quarter of a core in compiler
 * threads. The hot path — envelope, validation, payload walk — uses these
 * reads and no new wrapper (see ContractSchema.validateNode).
 *
 * The struct readers are the library's own (lib/libxml2.mjs), so the field
 * offsets always match the bundled libxml2.
 */
import { XmlElement, type XmlDocument } from 'libxml2-wasm';
import { XmlNodeStruct, XmlNsStruct, xmlDocGetRootElement, xmlNodeGetContent } from 'libxml2-wasm/lib/libxml2.mjs';

/** A libxml2 node pointer (0 = none). */
export type NodePtr = number;

export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;
export const CDATA_NODE = 4;

/** The root element of a document, 0 if it has none. */
export function rootOf(doc: XmlDocument): NodePtr {
  const ptr = (doc as unknown as { _ptr?: unknown })._ptr;
  if (typeof ptr !== 'number' || ptr === 0) throw new Error('libxml2-wasm document without its _ptr');
  return xmlDocGetRootElement(ptr);
}

/** The library's wrapper for an element node (what its validator and attribute API take). */
export function elementAt(ptr: NodePtr): XmlElement {
  return new (XmlElement as unknown as new (ptr: NodePtr) => XmlElement)(ptr);
}

/**
 * Point an existing element wrapper at another node. Only for a wrapper that
 * never leaves one synchronous call (ContractSchema.validateNode).
 */
export function repoint(element: XmlElement, ptr: NodePtr): XmlElement {
  (element as unknown as { _nodePtr: NodePtr })._nodePtr = ptr;
  return element;
}

export const nodeType = (ptr: NodePtr): number => XmlNodeStruct.type(ptr);
export const firstChild = (ptr: NodePtr): NodePtr => XmlNodeStruct.children(ptr);
export const nextSibling = (ptr: NodePtr): NodePtr => XmlNodeStruct.next(ptr);
/** The local name. */
export const localName = (ptr: NodePtr): string => XmlNodeStruct.name_(ptr);
/** All the text inside the node (libxml2's xmlNodeGetContent). */
export const textContent = (ptr: NodePtr): string => xmlNodeGetContent(ptr);

/** The namespace URI of an element, '' when it has none. */
export function namespaceUri(ptr: NodePtr): string {
  const ns = XmlNodeStruct.namespace(ptr);
  return ns ? XmlNsStruct.href(ns) : '';
}
