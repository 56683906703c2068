/**
 * Reading a parsed document through libxml2's node structs instead of the
 * library's node wrappers. Every wrapper access (firstChild, next, ...)
 * allocates an object, and under load V8 kept re-optimising and throwing
 * away the wrapper code ("bailed out due to dependency change", over a
 * hundred times a second), which cost a quarter of a core in compiler
 * threads. The hot path — limits, envelope, validation, payload walk — uses
 * these reads and no wrapper at all (see ContractSchema.validateNode).
 *
 * The struct readers are the library's own (lib/libxml2.mjs), so the field
 * offsets always match the bundled libxml2. The one exception, the XML
 * limits walk (limits.ts), reads the memory as int32 words at fixed indexes
 * (NODE_WORD below), which are checked against those readers at load.
 */
import { XmlDocument } from 'libxml2-wasm';
import { XmlNodeSetStruct, XmlNodeStruct, XmlNsStruct, xmlDocGetRootElement, xmlNodeGetContent } from 'libxml2-wasm/lib/libxml2.mjs';

/** A libxml2 node pointer (0 = none). */
export type NodePtr = number;

export const ELEMENT_NODE = 1;
export const TEXT_NODE = 3;
export const CDATA_NODE = 4;
export const PI_NODE = 7;
export const COMMENT_NODE = 8;

/** The document node itself (its children are the prolog, the root element and the epilog). */
export function documentPtr(doc: XmlDocument): NodePtr {
  const ptr = (doc as unknown as { _ptr?: unknown })._ptr;
  if (typeof ptr !== 'number' || ptr === 0) throw new Error('libxml2-wasm document without its _ptr');
  return ptr;
}

/** The root element of a document, 0 if it has none. */
export function rootOf(doc: XmlDocument): NodePtr {
  return xmlDocGetRootElement(documentPtr(doc));
}

export const nodeType = (ptr: NodePtr): number => XmlNodeStruct.type(ptr);
export const firstChild = (ptr: NodePtr): NodePtr => XmlNodeStruct.children(ptr);
export const nextSibling = (ptr: NodePtr): NodePtr => XmlNodeStruct.next(ptr);
/** The parent node (for an element at the top, the document node). */
export const parentNode = (ptr: NodePtr): NodePtr => XmlNodeStruct.parent(ptr);
/** The local name. */
export const localName = (ptr: NodePtr): string => XmlNodeStruct.name_(ptr);
/** All the text inside the node (libxml2's xmlNodeGetContent). */
export const textContent = (ptr: NodePtr): string => xmlNodeGetContent(ptr);

/**
 * The value of the attribute {namespace}name of an element, undefined when
 * it has none. Walks the element's attributes: one call costs their number.
 */
export function attributeValue(element: NodePtr, namespace: string, name: string): string | undefined {
  for (let attr = XmlNodeStruct.properties(element); attr !== 0; attr = XmlNodeStruct.next(attr)) {
    if (XmlNodeStruct.name_(attr) === name && namespaceUri(attr) === namespace) return xmlNodeGetContent(attr);
  }
  return undefined;
}

/** The namespace URI of an element (or an attribute), '' when it has none. */
export function namespaceUri(ptr: NodePtr): string {
  const ns = XmlNodeStruct.namespace(ptr);
  return ns ? XmlNsStruct.href(ns) : '';
}

/**
 * Word indexes (int32) of the fields a whole-document walk reads, in the
 * 32-bit WASM build. xmlNode and xmlAttr share the first ten words; xmlNs is
 * its own struct. The library exposes readers for most of these but not for
 * the raw name and content pointers, and a walk over every node of a request
 * is the one place where a call per field shows: the layout is checked
 * against the library's own readers when this module loads (checkLayout).
 */
export const NODE_WORD = { type: 1, name: 2, children: 3, parent: 5, next: 6, content: 10, properties: 11, nsDef: 12 } as const;
export const NS_WORD = { next: 0, href: 2, prefix: 3 } as const;

/** Views over libxml2's WASM memory, valid until libxml2 next allocates (memory growth replaces the buffer). */
export interface Heap {
  readonly words: Int32Array;
  readonly bytes: Uint8Array;
}

let heapBuffer: ArrayBufferLike | undefined;
let heapViews: Heap | undefined;

/**
 * The current views over the WASM memory. The library keeps its module to
 * itself; its node-set reader returns a view of that memory, whose buffer is
 * the memory itself. Call again after anything that may allocate in libxml2.
 */
export function heap(): Heap {
  const buffer = XmlNodeSetStruct.nodeTable(0, 0).buffer;
  if (buffer !== heapBuffer || heapViews === undefined) {
    heapBuffer = buffer;
    heapViews = { words: new Int32Array(buffer), bytes: new Uint8Array(buffer) };
  }
  return heapViews;
}

/**
 * Whether the NUL-terminated string at ptr is longer than max bytes. Reads at
 * most max + 1 bytes: a plain loop, since a built-in indexOf costs more per
 * call than the few bytes of a usual name or text.
 */
export function longerThan(h: Heap, ptr: number, max: number): boolean {
  if (ptr === 0) return false;
  const bytes = h.bytes;
  const end = ptr + max;
  for (let at = ptr; at <= end; at++) if (bytes[at] === 0) return false;
  return true;
}

/** Length in bytes of a NUL-terminated string in the WASM memory (0 for a null pointer). */
export function cStringLength(h: Heap, ptr: number): number {
  return ptr === 0 ? 0 : h.bytes.indexOf(0, ptr) - ptr;
}

/** Fails at load if the word indexes above do not match the bundled libxml2's structs. */
function checkLayout(): void {
  const doc = XmlDocument.fromString('<a xmlns:p="urn:p" p:x="vv">text<b/></a>');
  try {
    const root = rootOf(doc);
    const h = heap();
    const w = (ptr: number, word: number): number => h.words[(ptr >>> 2) + word]!;
    const text = XmlNodeStruct.children(root);
    const attr = XmlNodeStruct.properties(root);
    const ns = XmlNodeStruct.nsDef(root);
    const ok =
      w(root, NODE_WORD.type) === XmlNodeStruct.type(root) &&
      w(root, NODE_WORD.children) === text &&
      w(text, NODE_WORD.next) === XmlNodeStruct.next(text) &&
      w(text, NODE_WORD.parent) === root &&
      cStringLength(h, w(root, NODE_WORD.name)) === 1 &&
      cStringLength(h, w(text, NODE_WORD.content)) === 4 &&
      w(root, NODE_WORD.properties) === attr &&
      w(root, NODE_WORD.nsDef) === ns &&
      cStringLength(h, w(w(attr, NODE_WORD.children), NODE_WORD.content)) === 2 &&
      w(ns, NS_WORD.href) !== 0 &&
      cStringLength(h, w(ns, NS_WORD.href)) === XmlNsStruct.href(ns).length &&
      cStringLength(h, w(ns, NS_WORD.prefix)) === 1 &&
      w(ns, NS_WORD.next) === 0;
    if (!ok) throw new Error('libxml2-wasm: the node struct layout is not the one nativeNodes.ts expects');
  } finally {
    doc.dispose();
  }
}
checkLayout();
