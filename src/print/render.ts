/**
 * The printed copies as PDF (pdfkit): one A4 page per form, header (INPS,
 * the form's title, Allegato X), the identifier prominent with its Code 128
 * barcode, `dataRicezione`, then the sections with every datum sent. A
 * cancelled document carries a banner and a diagonal mark; a rectification
 * names the PUC it rectifies and its current end.
 *
 * Deterministic: the PDF's dates are the document's dataRicezione, so the
 * same record prints the same bytes.
 */
import PDFDocument from 'pdfkit';
import { identifierBarcode } from './barcode.js';
import { PrintRenderError } from './errors.js';
import { BOLD, CONTENT_WIDTH, FormPage, PAGE, REGULAR, formFonts, italianDate, italianDateTime, keepParsedFonts, yesNo, type Cell } from './layout.js';
import { FORM_TITLES, type PrintableAttestato, type PrintableCertificato, type PrintableForm, type PrintableRicovero, type PrintedPerson } from './model.js';
import type { Address, Reperibilita } from '../domain/certificate.js';

const VISITA = { A: 'ambulatoriale', D: 'domiciliare', P: 'pronto soccorso' } as const;
const TIPO_CERTIFICATO = { I: 'inizio', C: 'continuazione', R: 'ricaduta' } as const;
const RUOLO = { S: 'SSN', P: 'libero professionista' } as const;
const TIPO_RICOVERO = { R: 'ricovero ordinario', H: 'day hospital' } as const;
const AGEVOLAZIONI = { T: 'T – terapia salvavita', C: 'C – causa di servizio', I: 'I – invalidità riconosciuta' } as const;

/** Render one form as a one-page PDF. Rejects with PrintRenderError. */
export async function renderForm(form: PrintableForm): Promise<Buffer> {
  const barcode = await identifierBarcode(form.id);
  try {
    return await draw(form, barcode);
  } catch (err) {
    if (err instanceof PrintRenderError) throw err;
    throw new PrintRenderError(`stampa dell'allegato ${form.allegato} non riuscita`, { cause: err });
  }
}

function draw(form: PrintableForm, barcode: Buffer): Promise<Buffer> {
  const created = new Date(form.dataRicezione);
  const when = Number.isNaN(created.getTime()) ? new Date(0) : created;
  const doc = new PDFDocument({
    size: 'A4',
    margin: 0,
    bufferPages: true,
    info: {
      Title: `${FORM_TITLES[form.allegato]} ${form.id}`,
      Subject: `Allegato ${form.allegato}`,
      Creator: 'sac-gateway',
      Producer: 'sac-gateway (pdfkit)',
      CreationDate: when,
      ModDate: when,
    },
  });
  const fonts = formFonts();
  doc.registerFont(REGULAR, fonts.regular as Buffer);
  doc.registerFont(BOLD, fonts.bold as Buffer);
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const page = new FormPage(doc, PAGE.margin);
  header(page, form);
  identifier(page, form, barcode);
  stateNotice(page, form);
  if (form.allegato === 'E') ricoveroBody(page, form);
  else certificateBody(page, form);
  footer(doc, form);
  if (form.state.kind !== 'attivo') stamp(doc, form.state.kind === 'annullato' ? 'ANNULLATO' : 'RETTIFICATO');

  keepParsedFonts(doc);
  const pages = doc.bufferedPageRange().count;
  if (pages !== 1) throw new PrintRenderError(`l'allegato ${form.allegato} non sta in una pagina (${pages})`);
  doc.end();
  return done;
}

function header(page: FormPage, form: PrintableForm): void {
  const { doc } = page;
  const top = page.y;
  doc.font(BOLD).fontSize(22).fillColor('#0b4f9c').text('INPS', PAGE.margin, top, { lineBreak: false });
  doc.font(REGULAR).fontSize(7.5).fillColor('#000000').text('Istituto Nazionale della Previdenza Sociale', PAGE.margin, top + 26, { lineBreak: false });
  const right = PAGE.width - PAGE.margin - 160;
  doc.font(BOLD).fontSize(12).text(`Allegato ${form.allegato}`, right, top, { width: 160, align: 'right', lineBreak: false });
  doc.font(REGULAR).fontSize(7).text('Disciplinare tecnico SAC, § 6 – copia cartacea', right, top + 16, { width: 160, align: 'right', lineBreak: false });
  page.y = top + 40;
  doc.moveTo(PAGE.margin, page.y).lineTo(PAGE.width - PAGE.margin, page.y).lineWidth(1.2).stroke('#0b4f9c');
  page.y += 8;
  doc.font(BOLD).fontSize(15).fillColor('#000000').text(FORM_TITLES[form.allegato], PAGE.margin, page.y, { width: CONTENT_WIDTH, align: 'center', lineBreak: false });
  page.y += 20;
  const audience =
    form.allegato === 'A' || form.allegato === 'C'
      ? 'Copia per il lavoratore: riporta tutti i dati inviati, diagnosi compresa'
      : form.allegato === 'E'
        ? 'Copia per il lavoratore: riporta tutti i dati della comunicazione inviata'
        : 'Copia per il datore di lavoro: non riporta la diagnosi';
  doc.font(REGULAR).fontSize(8).fillColor('#333333').text(audience, PAGE.margin, page.y, { width: CONTENT_WIDTH, align: 'center', lineBreak: false });
  page.y += 16;
}

function identifier(page: FormPage, form: PrintableForm, barcode: Buffer): void {
  const { doc } = page;
  const top = page.y;
  const height = 72;
  doc.rect(PAGE.margin, top, CONTENT_WIDTH, height).lineWidth(1.2).stroke('#000000');
  const label =
    form.allegato === 'E'
      ? 'Numero di protocollo univoco della comunicazione di inizio ricovero (PUCIR)'
      : 'Numero di protocollo univoco del certificato (PUC)';
  const left = PAGE.margin + 8;
  doc.font(REGULAR).fontSize(7).fillColor('#555555').text(label, left, top + 6, { width: 300, lineBreak: false, ellipsis: true });
  doc.font(BOLD).fontSize(24).fillColor('#000000').text(form.id, left, top + 16, { width: 300, lineBreak: false, ellipsis: true });
  doc.font(REGULAR).fontSize(7).fillColor('#555555').text('Data di ricezione (dataRicezione)', left, top + 46, { width: 300, lineBreak: false });
  doc.font(BOLD).fontSize(10).fillColor('#000000').text(form.dataRicezione, left, top + 55, { width: 300, lineBreak: false, ellipsis: true });
  const bw = 190;
  const bx = PAGE.width - PAGE.margin - bw - 8;
  doc.image(barcode, bx, top + 8, { fit: [bw, 46], align: 'center', valign: 'center' });
  doc.font(REGULAR).fontSize(7).fillColor('#000000').text(form.id, bx, top + 58, { width: bw, align: 'center', lineBreak: false });
  page.y = top + height + 6;
}

function stateNotice(page: FormPage, form: PrintableForm): void {
  const lines: string[] = [];
  const what = form.allegato === 'E' ? 'Comunicazione' : 'Certificato';
  if (form.state.kind === 'annullato') {
    const on = form.state.dataAnnullamento ? ` il ${italianDateTime(form.state.dataAnnullamento)}` : '';
    const by = form.state.idAnnullamento ? ` (protocollo di annullamento ${form.state.idAnnullamento})` : '';
    lines.push(`${what} ANNULLATO${on}${by}`);
  } else if (form.state.kind === 'rettificato') {
    lines.push(`${what} RETTIFICATO: sostituito da un certificato di rettifica, le sue date non valgono più.`);
    if (form.state.rettificatoDa) {
      const end = form.state.dataFineAttuale ? `, fine prognosi attuale ${italianDate(form.state.dataFineAttuale)}` : '';
      lines.push(`Certificato di rettifica: PUC ${form.state.rettificatoDa}${end}.`);
    }
  }
  if (form.allegato !== 'E' && form.rettificaDi) {
    lines.push(`Rettifica del certificato PUC ${form.rettificaDi}: fine prognosi attuale ${italianDate(form.absence.dataFine)}.`);
  }
  if (form.paperWindow) lines.push(`Rilasciato su carta durante la sospensione del servizio (${form.paperWindow}) e inviato dopo.`);
  if (lines.length === 0) return;
  const { doc } = page;
  const height = 8 + lines.length * 12;
  const red = form.state.kind === 'annullato';
  doc.rect(PAGE.margin, page.y, CONTENT_WIDTH, height).lineWidth(1).stroke(red ? '#b00020' : '#000000');
  doc.font(BOLD).fontSize(9).fillColor(red ? '#b00020' : '#000000');
  lines.forEach((line, i) => doc.text(line, PAGE.margin + 6, page.y + 5 + i * 12, { width: CONTENT_WIDTH - 12, height: 11, lineBreak: false, ellipsis: true }));
  doc.fillColor('#000000');
  page.y += height + 6;
}

function workerCells(p: PrintedPerson): Cell[] {
  return [
    { label: 'Codice fiscale', value: p.codiceFiscale },
    { label: 'Cognome', value: p.cognome ?? '' },
    { label: 'Nome', value: p.nome ?? '' },
    { label: 'Data e luogo di nascita', value: p.dataNascita ? `${italianDate(p.dataNascita)} ${p.luogoNascita ?? ''}`.trim() : '' },
  ];
}

/** A doctor or operator: codice fiscale, then the name when the registry has it. */
function signerCells(p: PrintedPerson, role: string, nameSpan = 2): Cell[] {
  const name = p.cognome !== undefined ? `${p.cognome} ${p.nome ?? ''}`.trim() : "non presente nell'anagrafe degli assistiti";
  return [
    { label: `${role} – codice fiscale`, value: p.codiceFiscale },
    { label: `${role} – cognome e nome`, value: name, span: nameSpan },
  ];
}

function addressCells(a: Address): Cell[] {
  return [
    { label: 'Via / piazza', value: a.via, span: 2 },
    { label: 'Numero civico', value: a.civico },
    { label: 'CAP', value: a.cap },
    { label: 'Comune', value: a.comune ?? '', span: 2 },
    { label: 'Provincia', value: a.provincia ?? '' },
    { label: 'Codice catastale', value: a.codiceCatastale ?? '' },
  ];
}

function addressRows(page: FormPage, a: Address): void {
  const cells = addressCells(a);
  page.row(cells.slice(0, 3));
  page.row(cells.slice(3));
}

function reperibilitaRows(page: FormPage, r: Reperibilita | undefined): void {
  page.section('Indirizzo di reperibilità durante la malattia');
  if (!r || (!r.cognome && !r.indirizzo)) {
    page.row([{ label: 'Reperibilità', value: 'Non indicata: il lavoratore è reperibile alla residenza o domicilio abituale', span: 4 }]);
    return;
  }
  page.row([{ label: 'Presso (cognome)', value: r.cognome ?? '', span: 4 }]);
  if (r.indirizzo) addressRows(page, r.indirizzo);
}

function certificateBody(page: FormPage, form: PrintableCertificato | PrintableAttestato): void {
  page.section('Lavoratore');
  page.row(workerCells(form.lavoratore));
  page.section('Residenza o domicilio abituale');
  addressRows(page, form.residenza);
  reperibilitaRows(page, form.reperibilita);
  page.gap(4);
  page.section(form.struttura ? 'Medico e struttura sanitaria' : 'Medico');
  page.row([...signerCells(form.medico, 'Medico'), { label: 'Ruolo', value: RUOLO[form.absence.ruoloMedico] }]);
  if (form.struttura) {
    page.row([
      { label: 'Codice regione', value: form.struttura.codiceRegione },
      { label: 'Codice ASL', value: form.struttura.codiceAsl },
      { label: 'Codice struttura', value: form.struttura.codiceStruttura ?? '', span: 2 },
    ]);
  }
  page.gap(4);
  const a = form.absence;
  if (form.allegato === 'A' || form.allegato === 'B') {
    page.section('Dati della malattia');
    page.row([
      { label: 'Tipo di certificato', value: TIPO_CERTIFICATO[a.tipoCertificato] },
      { label: 'Visita', value: a.visita ? VISITA[a.visita] : '' },
      { label: 'Data di rilascio', value: italianDate(a.dataRilascio) },
      { label: 'Giornata lavorata', value: yesNo(a.giornataLavorata) },
    ]);
    page.row([
      { label: 'Inizio prognosi (dichiarato dal lavoratore)', value: italianDate(a.dataInizio), span: 2 },
      { label: 'Fine prognosi (compreso)', value: italianDate(a.dataFine), span: 2 },
    ]);
  } else {
    page.section('Dati del ricovero e della dimissione');
    page.row([
      { label: 'Comunicazione di inizio ricovero (PUCIR)', value: form.idInizioRicovero ?? '', span: 2 },
      { label: 'Tipo di ricovero', value: a.tipoRicovero ? TIPO_RICOVERO[a.tipoRicovero] : '' },
      { label: 'Tipo di certificato', value: TIPO_CERTIFICATO[a.tipoCertificato] },
    ]);
    page.row([
      { label: 'Data di ricovero', value: italianDate(a.dataRicovero) },
      { label: 'Data di dimissione', value: italianDate(a.dataDimissione) },
      { label: 'Fine prognosi (compreso)', value: italianDate(a.dataFine) },
      { label: 'Giornata lavorata', value: yesNo(a.giornataLavorata) },
    ]);
  }
  page.row([
    { label: 'Evento traumatico', value: yesNo(a.trauma), span: 2 },
    { label: 'Agevolazioni', value: a.agevolazioni ? AGEVOLAZIONI[a.agevolazioni] : 'nessuna', span: 2 },
  ]);
  page.gap(4);
  if (form.allegato === 'A' || form.allegato === 'C') {
    page.section('Diagnosi');
    page.row([{ label: 'Codice nosologico (ICD-9-CM)', value: form.diagnosi.codiceDiagnosi ?? '', span: 4 }]);
    page.row([{ label: 'Note di diagnosi', value: form.diagnosi.noteDiagnosi ?? '', span: 4 }], 4, 5);
  } else {
    page.section('Diagnosi');
    page.row([{ label: 'Diagnosi', value: "Non riportata nell'attestato: è riservata al lavoratore e all'INPS", span: 4 }]);
  }
}

function ricoveroBody(page: FormPage, form: PrintableRicovero): void {
  page.section('Lavoratore');
  page.row(workerCells(form.lavoratore));
  page.section('Residenza o domicilio abituale');
  addressRows(page, form.residenza);
  page.gap(4);
  page.section('Struttura sanitaria');
  page.row([
    { label: 'Codice regione', value: form.struttura.codiceRegione },
    { label: 'Codice ASL', value: form.struttura.codiceAsl },
    { label: 'Codice struttura', value: form.struttura.codiceStruttura ?? '', span: 2 },
  ]);
  page.row(signerCells(form.operatore, 'Operatore', 3));
  page.gap(4);
  page.section('Dati del ricovero');
  page.row([
    { label: 'Data di inizio ricovero', value: italianDate(form.dataRicovero), span: 2 },
    { label: 'Giornata lavorata', value: yesNo(form.giornataLavorata) },
    { label: 'Evento traumatico', value: yesNo(form.trauma) },
  ]);
}

function footer(doc: PDFKit.PDFDocument, form: PrintableForm): void {
  const y = PAGE.height - PAGE.margin - 22;
  doc.moveTo(PAGE.margin, y - 4).lineTo(PAGE.width - PAGE.margin, y - 4).lineWidth(0.5).stroke('#7a7a7a');
  const text =
    form.allegato === 'E'
      ? "Copia cartacea della comunicazione di inizio ricovero ricevuta dal SAC, con i valori di dataRicezione e idInizioRicovero. Le informazioni sono messe a disposizione del lavoratore e del datore di lavoro."
      : "Copia cartacea del documento ricevuto dal SAC, con i valori di dataRicezione e idCertificato. Il datore di lavoro riceve l'attestato, senza diagnosi.";
  doc.font(REGULAR).fontSize(6.5).fillColor('#555555').text(text, PAGE.margin, y, { width: CONTENT_WIDTH, height: 20, ellipsis: true });
  doc.fillColor('#000000');
}

/** A large diagonal mark across the page (a cancelled or replaced document). */
function stamp(doc: PDFKit.PDFDocument, word: string): void {
  doc.save();
  doc.rotate(-35, { origin: [PAGE.width / 2, PAGE.height / 2] });
  doc.font(BOLD).fontSize(84).fillColor('#b00020').fillOpacity(0.18);
  doc.text(word, 0, PAGE.height / 2 - 45, { width: PAGE.width, align: 'center', lineBreak: false });
  doc.restore();
}
