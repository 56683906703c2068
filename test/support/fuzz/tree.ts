/**
 * A plain, mutable XML tree for the fuzzer: read once from a well-formed
 * fixture with libxml2, changed freely by structure mutations, and written
 * back as text. `raw` nodes are written as they are (comments, CDATA, PIs,
 * entity references, deliberately broken markup).
 */
import { XmlDocument, XmlElement, XmlText, XmlCData, XmlComment, type XmlNode } from 'libxml2-wasm';

export interface El {
  readonly kind: 'el';
  /** Qualified name as written (prefix:local or local). */
  name: string;
  /** Attributes and namespace declarations, in order, as written. */
  attrs: Array<[string, string]>;
  children: Node[];
}
export interface Text {
  readonly kind: 'text';
  text: string;
}
export interface Raw {
  readonly kind: 'raw';
  text: string;
}
export type Node = El | Text | Raw;

export function el(name: string, attrs: Array<[string, string]> = [], children: Node[] = []): El {
  return { kind: 'el', name, attrs, children };
}
export function text(value: string): Text {
  return { kind: 'text', text: value };
}
export function raw(value: string): Raw {
  return { kind: 'raw', text: value };
}

function fromElement(element: XmlElement): El {
  const attrs: Array<[string, string]> = [];
  for (const [prefix, uri] of Object.entries(element.localNamespaces)) attrs.push([prefix ? `xmlns:${prefix}` : 'xmlns', uri]);
  for (const a of element.attrs) attrs.push([a.prefix ? `${a.prefix}:${a.name}` : a.name, a.value]);
  const children: Node[] = [];
  for (let n: XmlNode | null = element.firstChild; n; n = (n as XmlElement).next) {
    if (n instanceof XmlElement) children.push(fromElement(n));
    else if (n instanceof XmlCData) children.push(raw(`<![CDATA[${n.content}]]>`));
    else if (n instanceof XmlText) children.push(text(n.content));
    else if (n instanceof XmlComment) children.push(raw(`<!--${n.content}-->`));
  }
  return el(element.prefix ? `${element.prefix}:${element.name}` : element.name, attrs, children);
}

/** The root element of a well-formed document, as a plain tree. */
export function readTree(xml: string): El {
  const doc = XmlDocument.fromString(xml);
  try {
    return fromElement(doc.root);
  } finally {
    doc.dispose();
  }
}

export function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
export function escapeAttr(value: string): string {
  return escapeText(value).replace(/"/g, '&quot;');
}

export function write(node: Node): string {
  switch (node.kind) {
    case 'text':
      return escapeText(node.text);
    case 'raw':
      return node.text;
    case 'el': {
      let out = `<${node.name}`;
      for (const [name, value] of node.attrs) out += ` ${name}="${escapeAttr(value)}"`;
      if (node.children.length === 0) return `${out}/>`;
      out += '>';
      for (const child of node.children) out += write(child);
      return `${out}</${node.name}>`;
    }
  }
}

export function clone<T extends Node>(node: T): T {
  if (node.kind !== 'el') return { ...node };
  return { kind: 'el', name: node.name, attrs: node.attrs.map(([n, v]) => [n, v]), children: node.children.map(clone) } as T;
}

/** Every element below (and including) `root`, each with its parent (undefined for root). */
export function elements(root: El): Array<{ node: El; parent: El | undefined }> {
  const out: Array<{ node: El; parent: El | undefined }> = [];
  const walk = (node: El, parent: El | undefined): void => {
    out.push({ node, parent });
    for (const c of node.children) if (c.kind === 'el') walk(c, node);
  };
  walk(root, undefined);
  return out;
}

export function childElements(node: El): El[] {
  return node.children.filter((c): c is El => c.kind === 'el');
}

export function localOf(name: string): string {
  const colon = name.indexOf(':');
  return colon < 0 ? name : name.slice(colon + 1);
}

/** Leaf elements: no element children. */
export function leaves(root: El): El[] {
  return elements(root)
    .map((e) => e.node)
    .filter((n) => childElements(n).length === 0);
}
