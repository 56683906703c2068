/**
 * The employer's export as CSV (RFC 4180): a header row, one row per record
 * in the XML's order, a `tipo` column (attestato, annullamento, ricovero,
 * dimissioni), the XML's elements as columns named by their path
 * (`lavoratore.cognome`, `reperibilita.indirizzo.via`). Empty cell: the
 * record has no such element.
 *
 * Charset UTF-8 with a byte-order mark: CSV has no place to declare its
 * charset, UTF-8 carries every name exactly (CSV has no character
 * references to fall back on, as the XML has), and spreadsheet programs
 * read UTF-8 as such only when the BOM is there. CRLF line ends, per RFC 4180.
 *
 * Spreadsheet formula injection: a cell starting with = + - @ TAB or CR
 * (never the start of a date, code or name the gateway stores) is prefixed
 * with an apostrophe, as OWASP advises, so a street typed by a client
 * cannot become a formula on the payroll office's screen.
 */
import { elementOf, inDateOrder, type ExportElement, type ExportHeader, type ExportRecord } from './exportRecords.js';

export const CSV_CONTENT_TYPE = 'text/csv; charset=UTF-8; header=present';

export const CSV_COLUMNS: readonly string[] = [
  'tipo',
  'idCertificato',
  'idCertificatoRettificato',
  'tipoCertificato',
  'dataRilascio',
  'dataInizio',
  'dataFine',
  'codFiscAzienda',
  'matricolaInps',
  'codSede',
  'giornataLavorata',
  'trauma',
  'agevolazioni',
  'tipoRicovero',
  'idInizioRicovero',
  'idDimissioni',
  'dataRicovero',
  'dataDimissioni',
  'lavoratore.codiceFiscale',
  'lavoratore.cognome',
  'lavoratore.nome',
  'reperibilita.cognome',
  'reperibilita.indirizzo.via',
  'reperibilita.indirizzo.civico',
  'reperibilita.indirizzo.cap',
  'reperibilita.indirizzo.comune',
  'reperibilita.indirizzo.provincia',
];

const COLUMN_INDEX: ReadonlyMap<string, number> = new Map(CSV_COLUMNS.map((c, i) => [c, i]));

const NEEDS_QUOTES = /[",\r\n]/;
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: neutralized if it could start a formula, quoted when it holds a quote, comma or line break. */
export function csvCell(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function fill(element: ExportElement, prefix: string, row: string[]): void {
  for (const child of element.children ?? []) {
    const path = prefix === '' ? child.name : `${prefix}.${child.name}`;
    if (child.children) fill(child, path, row);
    else {
      const index = COLUMN_INDEX.get(path);
      // Every path elementOf writes has its column; a new one must be added above.
      if (index === undefined) throw new Error(`export column missing for ${path}`);
      row[index] = csvCell(child.text ?? '');
    }
  }
}

const RECORDS_PER_CHUNK = 200;

/** The CSV in chunks of UTF-8 bytes (BOM first), rows in date order. */
export function* listaAttestatiCsv(header: ExportHeader, records: readonly ExportRecord[]): Generator<Buffer> {
  let out: string[] = ['\uFEFF' + CSV_COLUMNS.join(',') + '\r\n'];
  let inChunk = 0;
  for (const record of inDateOrder(records)) {
    const element = elementOf(record, header.employer);
    const row: string[] = new Array<string>(CSV_COLUMNS.length).fill('');
    row[0] = element.name;
    fill(element, '', row);
    out.push(row.join(',') + '\r\n');
    if (++inChunk === RECORDS_PER_CHUNK) {
      yield Buffer.from(out.join(''), 'utf8');
      out = [];
      inChunk = 0;
    }
  }
  yield Buffer.from(out.join(''), 'utf8');
}

export function listaAttestatiCsvBuffer(header: ExportHeader, records: readonly ExportRecord[]): Buffer {
  return Buffer.concat([...listaAttestatiCsv(header, records)]);
}
