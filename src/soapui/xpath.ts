/**
 * SoapUI's XPath as the replayer evaluates it: `declare namespace p='uri';`
 * prologues (SoapUI's own syntax) followed by an XPath 1.0 expression,
 * evaluated by libxml2. SoapUI evaluates with Saxon (XPath 2.0): a 2.0-only
 * expression fails here with a clear message rather than passing.
 */
import { XmlDocument, XmlElement, type XmlNode } from 'libxml2-wasm';

export interface SoapuiXPath {
  readonly namespaces: Record<string, string>;
  readonly expression: string;
}

const DECLARATION = /^\s*declare\s+namespace\s+([A-Za-z_][\w.-]*)\s*=\s*(?:'([^']*)'|"([^"]*)")\s*;/;

export function parseSoapuiXPath(path: string): SoapuiXPath {
  const namespaces: Record<string, string> = {};
  let rest = path;
  for (let m = DECLARATION.exec(rest); m; m = DECLARATION.exec(rest)) {
    namespaces[m[1]!] = m[2] ?? m[3] ?? '';
    rest = rest.slice(m[0].length);
  }
  if (/^\s*declare\b/.test(rest)) throw new Error(`unsupported XPath prologue: ${rest.trim().slice(0, 60)}`);
  return { namespaces, expression: rest.trim() };
}

export type XPathResult = { readonly kind: 'nodes'; readonly nodes: XmlNode[] } | { readonly kind: 'value'; readonly value: string };

/** Evaluate on a parsed document; an invalid expression throws. */
export function evaluateXPath(doc: XmlDocument, path: string): XPathResult {
  const { namespaces, expression } = parseSoapuiXPath(path);
  let result: XmlNode[] | string | boolean | number;
  try {
    result = doc.root.eval(expression, namespaces);
  } catch (err) {
    throw new Error(`XPath not evaluable (${(err as Error).message.split('\n')[0]}): ${expression.slice(0, 120)}`);
  }
  if (Array.isArray(result)) return { kind: 'nodes', nodes: result };
  return { kind: 'value', value: typeof result === 'number' ? formatNumber(result) : String(result) };
}

/** An XPath number as text: integers without a decimal point, as XPath's string() writes them. */
function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (!Number.isFinite(n)) return n > 0 ? 'Infinity' : '-Infinity';
  return Number.isInteger(n) ? n.toFixed(0) : String(n);
}

/** Whether an element has element children (then it compares as XML, not as text). */
export function hasElementChildren(node: XmlNode): boolean {
  if (!(node instanceof XmlElement)) return false;
  for (let n: XmlNode | null = node.firstChild; n; n = (n as XmlElement).next) if (n instanceof XmlElement) return true;
  return false;
}
