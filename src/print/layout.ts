/**
 * Drawing primitives of the printed forms, on one A4 page laid out by hand
 * (fixed positions, no page flow): section bars and bordered cells with a
 * small label over the value, as on the official fac-similes. Every text is
 * bounded to its cell (ellipsis), so nothing spills onto a second page.
 * Written here because the form's look is the product's own.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PAGE = { width: 595.28, height: 841.89, margin: 36 } as const;
export const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;

const FONT_DIR = new URL('../../../resources/fonts/', import.meta.url);

/** What pdfkit's registerFont takes: the TTF bytes, or a font it already parsed (fontkit). */
type FontSource = Buffer | object;
let fonts: { regular: FontSource; bold: FontSource } | undefined;

/**
 * DejaVu Sans, regular and bold (resources/fonts, licence there): the bytes,
 * read once per process; once a document has parsed them, the parsed fonts
 * (see keepParsedFonts).
 */
export function formFonts(): { regular: FontSource; bold: FontSource } {
  fonts ??= {
    regular: readFileSync(fileURLToPath(new URL('DejaVuSans.ttf', FONT_DIR))),
    bold: readFileSync(fileURLToPath(new URL('DejaVuSans-Bold.ttf', FONT_DIR))),
  };
  return fonts;
}

/**
 * Keep the fonts a document parsed, for the next documents: parsing the TTF
 * is most of a form's cost (about 75 ms of 80). pdfkit accepts a parsed
 * (fontkit) font in registerFont and keeps the ones it opened in
 * `_fontFamilies`, an internal field: when it is not there (another pdfkit
 * version), nothing is kept and every document parses the bytes again.
 * Each document still makes its own subset, so the output is unchanged.
 */
export function keepParsedFonts(doc: PDFKit.PDFDocument): void {
  if (fonts === undefined || Buffer.isBuffer(fonts.regular) === false) return;
  const families = (doc as unknown as { _fontFamilies?: Record<string, { font?: { layout?: unknown } } | undefined> })._fontFamilies;
  const regular = families?.[REGULAR]?.font;
  const bold = families?.[BOLD]?.font;
  if (typeof regular?.layout === 'function' && typeof bold?.layout === 'function') fonts = { regular, bold };
}

export const REGULAR = 'DejaVuSans';
export const BOLD = 'DejaVuSans-Bold';

const INK = '#000000';
const GREY = '#555555';
const LINE = '#7a7a7a';
const BAR = '#e3e8ef';

/** One cell of a row: a label and its value; `span` columns of the row's grid. */
export interface Cell {
  readonly label: string;
  readonly value: string;
  readonly span?: number;
}

/**
 * A cursor down the page: each call draws at `y` and moves it down.
 */
export class FormPage {
  y: number;
  constructor(
    readonly doc: PDFKit.PDFDocument,
    y: number,
  ) {
    this.y = y;
  }

  /** A section's title bar across the page. */
  section(title: string): void {
    const { doc } = this;
    doc.save().rect(PAGE.margin, this.y, CONTENT_WIDTH, 15).fill(BAR).restore();
    doc.rect(PAGE.margin, this.y, CONTENT_WIDTH, 15).lineWidth(0.6).stroke(LINE);
    doc.font(BOLD).fontSize(8.5).fillColor(INK).text(title.toUpperCase(), PAGE.margin + 5, this.y + 3.5, { width: CONTENT_WIDTH - 10, height: 10, lineBreak: false, ellipsis: true });
    this.y += 15;
  }

  /** A row of bordered cells over `columns` equal columns; `lines` value lines per cell. */
  row(cells: readonly Cell[], columns = 4, lines = 1): void {
    const { doc } = this;
    const colWidth = CONTENT_WIDTH / columns;
    const height = 12 + lines * 12 + 2;
    let x = PAGE.margin;
    for (const cell of cells) {
      const w = colWidth * (cell.span ?? 1);
      doc.rect(x, this.y, w, height).lineWidth(0.6).stroke(LINE);
      doc.font(REGULAR).fontSize(6.5).fillColor(GREY).text(cell.label, x + 4, this.y + 2.5, { width: w - 8, height: 9, lineBreak: false, ellipsis: true });
      doc.font(BOLD).fontSize(9.5).fillColor(INK).text(cell.value === '' ? '—' : cell.value, x + 4, this.y + 12, { width: w - 8, height: lines * 12, ellipsis: true, lineGap: 0.5 });
      x += w;
    }
    this.y += height;
  }

  gap(points = 7): void {
    this.y += points;
  }
}

/** YYYY-MM-DD as an Italian date, dd/mm/yyyy; anything else as is. */
export function italianDate(day: string | undefined): string {
  if (!day) return '';
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : day;
}

/** An xs:dateTime as dd/mm/yyyy hh:mm (its own offset, as written); anything else as is. */
export function italianDateTime(instant: string): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(instant);
  return m ? `${m[3]}/${m[2]}/${m[1]} ${m[4]}:${m[5]}` : instant;
}

export function yesNo(flag: 'true' | 'false' | undefined): string {
  return flag === undefined ? 'non indicato' : flag === 'true' ? 'sì' : 'no';
}
