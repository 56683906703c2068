/**
 * A reader of the employer's export written the way the issue describes the
 * public importer HR and payroll software uses (each text element as "name
 * within parent", case-insensitive, records filtered by
 * lavoratore/codiceFiscale), parsed with libxml2; and an RFC 4180 reader
 * for the CSV. Shared by test/inps.export.test.ts and test/inps.http*.test.ts.
 */
import assert from 'node:assert/strict';
import { XmlDocument, XmlElement, type XmlNode } from 'libxml2-wasm';

export interface Imported {
  /** Lower-cased element name of the record. */
  readonly tipo: string;
  /** Each text element as "parent/name", lower-cased. */
  readonly fields: Record<string, string>;
}

function elementChildren(element: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n: XmlNode | null = element.firstChild; n; n = (n as XmlElement).next) if (n instanceof XmlElement) out.push(n);
  return out;
}

function collect(element: XmlElement, into: Record<string, string>): void {
  for (const child of elementChildren(element)) {
    const kids = elementChildren(child);
    if (kids.length === 0) {
      const key = `${element.name}/${child.name}`.toLowerCase();
      assert.equal(into[key], undefined, `${key} twice in one record`);
      into[key] = child.content;
    } else collect(child, into);
  }
}

/** Reads the document as the public importer does; only the records of one worker when `cf` is given. */
export function importXml(bytes: Buffer, cf?: string): Imported[] {
  const doc = XmlDocument.fromBuffer(bytes);
  try {
    assert.equal(doc.root.name.toLowerCase(), 'listaattestati');
    const out: Imported[] = [];
    for (const record of elementChildren(doc.root)) {
      const fields: Record<string, string> = {};
      collect(record, fields);
      if (cf === undefined || fields['lavoratore/codicefiscale'] === cf) out.push({ tipo: record.name.toLowerCase(), fields });
    }
    return out;
  } finally {
    doc.dispose();
  }
}

/** RFC 4180 reader (quoted cells, doubled quotes, CRLF), for the test only. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(cell), (cell = '');
    else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      (row = []), (cell = ''), i++;
    } else cell += c;
  }
  assert.equal(cell + row.join(''), '', 'CSV ends with CRLF');
  return rows;
}

