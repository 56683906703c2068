/**
 * Limits on the shape of a parsed request, modelled on Apache CXF's defaults
 * for its StAX reader (depth 100, 50,000 child elements, 500 attributes,
 * 64 KiB attribute values). libxml2's own limits stay too (XML_PARSE_HUGE is
 * never set): these are tighter, and named in the fault a client gets.
 *
 * Written by hand as one walk over libxml2's node structs right after the
 * parse, before the envelope is read or any schema work starts: each node
 * is visited once, reading int32 words of the WASM memory, so the cost is
 * proportional to the request's size and almost nothing for a 1 KB request.
 * Lengths are in bytes of UTF-8 (how libxml2 stores text).
 */
import type { XmlDocument } from 'libxml2-wasm';
import { SoapFault } from '../catalog/diagnostics.js';
import {
  CDATA_NODE,
  COMMENT_NODE,
  ELEMENT_NODE,
  NODE_WORD,
  NS_WORD,
  PI_NODE,
  TEXT_NODE,
  cStringLength,
  longerThan,
  documentPtr,
  heap,
  localName,
  nodeType,
  parentNode,
  type Heap,
  type NodePtr,
} from './nativeNodes.js';

export interface XmlLimits {
  /** Nesting depth of elements; the root element is at depth 1. */
  readonly maxDepth: number;
  /** Element children of one element. */
  readonly maxChildren: number;
  /** Attributes of one element, namespace declarations included. */
  readonly maxAttributes: number;
  /** Bytes in one attribute value (or namespace URI). */
  readonly maxAttributeLength: number;
  /** Bytes in one text node (also a CDATA section or a comment). */
  readonly maxTextLength: number;
  /** Elements in the whole document. */
  readonly maxElements: number;
  /** Bytes in one name (element, attribute, namespace prefix). */
  readonly maxNameLength: number;
}

export const DEFAULT_XML_LIMITS: XmlLimits = {
  maxDepth: 100,
  maxChildren: 50_000,
  maxAttributes: 500,
  maxAttributeLength: 64 * 1024,
  maxTextLength: 1024 * 1024,
  maxElements: 100_000,
  maxNameLength: 1024,
};

/** How each limit is named in the fault (Italian: the fault strings are). */
export const XML_LIMIT_LABELS: Readonly<Record<keyof XmlLimits, string>> = {
  maxDepth: 'livelli di annidamento degli elementi',
  maxChildren: 'elementi figli di uno stesso elemento',
  maxAttributes: 'attributi (dichiarazioni di namespace incluse) in uno stesso elemento',
  maxAttributeLength: 'byte nel valore di un attributo',
  maxTextLength: 'byte in un nodo di testo',
  maxElements: 'elementi nel messaggio',
  maxNameLength: 'byte nel nome di un elemento o di un attributo',
};

/** Steps kept from each end of a long path, and characters kept of each name. */
const PATH_HEAD = 3;
const PATH_TAIL = 2;
const NAME_SHOWN = 40;

function shortName(ptr: NodePtr): string {
  const name = localName(ptr);
  return name.length > NAME_SHOWN ? `${name.slice(0, NAME_SHOWN)}…` : name;
}

/**
 * Where a limit was hit, as local names from the root ("Envelope/Body/x"),
 * with the middle of a deep path elided: bounded in length, and only the
 * names shown are decoded.
 */
export function shortPath(element: NodePtr): string {
  const chain: NodePtr[] = [];
  for (let node = element; node !== 0 && nodeType(node) === ELEMENT_NODE; node = parentNode(node)) chain.push(node);
  chain.reverse();
  if (chain.length === 0) return "fuori dall'elemento radice";
  if (chain.length <= PATH_HEAD + PATH_TAIL + 1) return chain.map(shortName).join('/');
  const head = chain.slice(0, PATH_HEAD).map(shortName);
  const tail = chain.slice(-PATH_TAIL).map(shortName);
  return [...head, '…', ...tail].join('/');
}

/** The fault for a limit, naming it and where it was hit. Its code is SAC_FAULT_XML_LIMIT. */
export function limitFault(limit: keyof XmlLimits, limits: XmlLimits, element: NodePtr): SoapFault {
  return new SoapFault('XML_LIMIT', { massimo: limits[limit], limite: XML_LIMIT_LABELS[limit], percorso: shortPath(element) });
}

/** Work done by the last checkXmlLimits call (nodes visited), for tests and measurements. */
export const limitsWork = { nodes: 0 };

/** counts[d]: element children seen so far of the open element at depth d - 1; reused across calls. */
let counts = new Int32Array(DEFAULT_XML_LIMITS.maxDepth + 2);

/**
 * Throw the XML_LIMIT fault at the first limit the document exceeds. One
 * pass over every node in document order (the prolog and epilog included),
 * climbing back through parent pointers: no recursion, no stack but the
 * per-depth child counters.
 */
export function checkXmlLimits(doc: XmlDocument, limits: XmlLimits = DEFAULT_XML_LIMITS): void {
  const top = documentPtr(doc);
  if (counts.length < limits.maxDepth + 2) counts = new Int32Array(limits.maxDepth + 2);
  const h = heap();
  const w = h.words;
  const { maxDepth, maxElements, maxChildren, maxNameLength, maxTextLength } = limits;
  const counters = counts;
  let elements = 0;
  let nodes = 0;
  let depth = 1;
  counters[1] = 0;
  let node = w[(top >>> 2) + NODE_WORD.children]!;
  while (node !== 0) {
    nodes++;
    const base = node >>> 2;
    const type = w[base + NODE_WORD.type];
    if (type === ELEMENT_NODE) {
      if (depth > maxDepth) throw limitFault('maxDepth', limits, node);
      if (++elements > maxElements) throw limitFault('maxElements', limits, node);
      if (++counters[depth]! > maxChildren) throw limitFault('maxChildren', limits, parentNode(node));
      if (longerThan(h, w[base + NODE_WORD.name]!, maxNameLength)) throw limitFault('maxNameLength', limits, node);
      if (w[base + NODE_WORD.properties] !== 0 || w[base + NODE_WORD.nsDef] !== 0) checkAttributes(h, node, limits);
      const child = w[base + NODE_WORD.children]!;
      if (child !== 0) {
        node = child;
        depth++;
        counters[depth] = 0;
        continue;
      }
    } else if (type === PI_NODE) {
      // The one walk that sees every node also refuses what SOAP 1.1 (section 3) forbids anywhere in a message.
      throw new SoapFault('ENVELOPE_STRUCTURE', { dettaglio: 'istruzioni di elaborazione non ammesse in un messaggio SOAP' });
    } else if (type === TEXT_NODE || type === CDATA_NODE || type === COMMENT_NODE) {
      if (longerThan(h, w[base + NODE_WORD.content]!, maxTextLength)) {
        throw limitFault('maxTextLength', limits, parentNode(node));
      }
    }
    // Next in document order: a sibling, or the sibling of the nearest ancestor that has one.
    for (;;) {
      const next = w[(node >>> 2) + NODE_WORD.next]!;
      if (next !== 0) {
        node = next;
        break;
      }
      node = w[(node >>> 2) + NODE_WORD.parent]!;
      depth--;
      if (node === top) {
        node = 0;
        break;
      }
    }
  }
  limitsWork.nodes = nodes;
}

/** Attributes and namespace declarations of one element (most elements have none). */
function checkAttributes(h: Heap, element: NodePtr, limits: XmlLimits): void {
  const w = h.words;
  const base = element >>> 2;
  let attributes = 0;
  for (let ns = w[base + NODE_WORD.nsDef]!; ns !== 0; ns = w[(ns >>> 2) + NS_WORD.next]!) {
    if (++attributes > limits.maxAttributes) throw limitFault('maxAttributes', limits, element);
    if (longerThan(h, w[(ns >>> 2) + NS_WORD.prefix]!, limits.maxNameLength)) throw limitFault('maxNameLength', limits, element);
    if (longerThan(h, w[(ns >>> 2) + NS_WORD.href]!, limits.maxAttributeLength)) throw limitFault('maxAttributeLength', limits, element);
  }
  for (let attr = w[base + NODE_WORD.properties]!; attr !== 0; attr = w[(attr >>> 2) + NODE_WORD.next]!) {
    if (++attributes > limits.maxAttributes) throw limitFault('maxAttributes', limits, element);
    if (longerThan(h, w[(attr >>> 2) + NODE_WORD.name]!, limits.maxNameLength)) throw limitFault('maxNameLength', limits, element);
    // The value is the attribute's text children (several only around entity references).
    let left = limits.maxAttributeLength;
    for (let part = w[(attr >>> 2) + NODE_WORD.children]!; part !== 0; part = w[(part >>> 2) + NODE_WORD.next]!) {
      const content = w[(part >>> 2) + NODE_WORD.content]!;
      if (longerThan(h, content, left)) throw limitFault('maxAttributeLength', limits, element);
      if (w[(part >>> 2) + NODE_WORD.next] !== 0) left -= cStringLength(h, content);
    }
  }
}
