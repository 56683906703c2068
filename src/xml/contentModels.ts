/**
 * The element sequences the contract schema declares, read from the XSD
 * once when it is compiled: for each xsd:sequence (a complexContent
 * extension's base sequence first), its elements in order with their
 * minOccurs. libxml2 says only "X is not expected, expected is (Y...)"; this
 * tells a declared element that follows a gap where a mandatory one is
 * missing from a stray or undeclared element that merely sits where only
 * optional fields could go. Written by hand: libxml2-wasm exposes no
 * content-model API, and the contract's XSD uses only plain sequences.
 */
import type { XmlDocument, XmlElement } from 'libxml2-wasm';

const XSD_NS = { xsd: 'http://www.w3.org/2001/XMLSchema' };

export interface DeclaredChild {
  readonly name: string;
  readonly mandatory: boolean;
}

export class ContentModels {
  private constructor(private readonly sequences: readonly (readonly DeclaredChild[])[]) {}

  static fromXsd(doc: XmlDocument): ContentModels {
    const named = new Map<string, XmlElement>();
    for (const t of doc.find('/xsd:schema/xsd:complexType[@name]', XSD_NS) as XmlElement[]) named.set(t.attr('name')!.value, t);
    const sequences: DeclaredChild[][] = [];
    for (const seq of doc.find('//xsd:sequence', XSD_NS) as XmlElement[]) {
      sequences.push([...baseChildren(seq, named, 0), ...childrenOf(seq)]);
    }
    return new ContentModels(sequences);
  }

  /**
   * The expected elements that are missing, when `found` is an element the
   * contract declares later in a sequence holding every expected one and at
   * least one of those is mandatory; undefined when `found` is out of place
   * (undeclared there, or only optional fields could come before it).
   */
  missingBefore(found: string, expected: readonly string[]): string[] | undefined {
    for (const seq of this.sequences) {
      const at = seq.findIndex((c) => c.name === found);
      if (at < 0) continue;
      const before = seq.slice(0, at);
      if (!expected.every((e) => before.some((c) => c.name === e))) continue;
      const missing = before.filter((c) => c.mandatory && expected.includes(c.name)).map((c) => c.name);
      if (missing.length > 0) return missing;
    }
    return undefined;
  }
}

function childrenOf(seq: XmlElement): DeclaredChild[] {
  return (seq.find('xsd:element[@name]', XSD_NS) as XmlElement[]).map((e) => ({
    name: e.attr('name')!.value,
    mandatory: (e.attr('minOccurs')?.value ?? '1') !== '0',
  }));
}

/** A sequence inside complexContent/extension continues its base type's sequence. */
function baseChildren(seq: XmlElement, named: ReadonlyMap<string, XmlElement>, depth: number): DeclaredChild[] {
  const extension: XmlElement | null = seq.parent;
  if (depth > 8 || extension === null || extension.name !== 'extension') return [];
  const base = extension.attr('base')?.value.replace(/^.*:/, '');
  const type = base === undefined ? undefined : named.get(base);
  const baseSeq = type?.get('xsd:sequence', XSD_NS) as XmlElement | null | undefined;
  return baseSeq ? [...baseChildren(baseSeq, named, depth + 1), ...childrenOf(baseSeq)] : [];
}
