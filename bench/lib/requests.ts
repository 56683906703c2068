/**
 * Request lines for wrk: "<SOAPAction>\t<Authorization>\t<envelope>", the
 * envelope on one line, written the way vendor software writes it (payload
 * root prefixed in the cert namespace, children unqualified).
 */
import { writeFileSync } from 'node:fs';
import { OPERATIONS, soapActionOf, type OperationName } from '../../src/contract/operations.js';
import { defaultResidenza, envelope as testEnvelope, type Fields } from '../../test/support/requests.js';
import { DEMO, basic } from '../../test/support/soapClient.js';

// The bench builds its bodies like the tests do, with the same demo users.
export { basic, type Fields };
export const USERS = DEMO;

/** An envelope on one line, declaration included, as a wrk request line needs it. */
export function envelope(rootElement: string, fields: Fields): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${testEnvelope(rootElement, fields, { declaration: false })}`;
}

/** The demo operator's structure; a discharging doctor names the same one. */
export const STRUTTURA = { codiceRegione: '120', codiceAsl: '201', codiceStruttura: '120901' } as const;

export const RESIDENZA: Fields = defaultResidenza();

export interface RequestLine {
  readonly op: OperationName;
  readonly auth: string;
  readonly body: string;
}

export function line(op: OperationName, auth: string, fields: Fields): RequestLine {
  const spec = OPERATIONS.find((o) => o.name === op)!;
  return { op, auth, body: envelope(spec.requestElement, fields) };
}

export function soapAction(op: OperationName): string {
  return soapActionOf(OPERATIONS.find((o) => o.name === op)!);
}

export function writeLines(file: string, lines: readonly RequestLine[]): void {
  const text = lines.map((l) => {
    if (/[\t\n\r]/.test(l.body) || /[\t\n\r]/.test(l.auth)) throw new Error('request line would break the one-per-line format');
    return `${soapAction(l.op)}\t${l.auth}\t${l.body}`;
  });
  writeFileSync(file, `${text.join('\n')}\n`);
}

/** A certificate issued today: what every InviaMalattia line of the bench sends. */
/** Replaced by bench/wrk/bodies.lua with a value unique to each request (16 characters, like it). */
export const UNIQUE_MARK = '~~~~~~~~~~~~~~~~';

export function invioMalattia(today: string, medico: Fields, lavoratoreCf: string, dataFine = today): Fields {
  return {
    medico,
    lavoratore: { codiceFiscale: lavoratoreCf },
    residenza: RESIDENZA,
    malattia: {
      ruoloMedico: 'S',
      dataRilascio: today,
      dataInizio: today,
      dataFine,
      visita: 'A',
      tipoCertificato: 'I',
      // UNIQUE_MARK: bench/wrk/bodies.lua makes every request a new certificate (never an identical resubmission).
      diagnosi: { codiceDiagnosi: '487.1', noteDiagnosi: `Sindrome influenzale ${UNIQUE_MARK}` },
    },
  };
}

export function invioRicovero(lavoratoreCf: string, dataRicovero: string): Fields {
  return {
    operatore: { ...STRUTTURA },
    lavoratore: { codiceFiscale: lavoratoreCf },
    residenza: RESIDENZA,
    ricovero: { dataRicovero },
  };
}

export function invioDimissione(medico: Fields, lavoratoreCf: string, idInizioRicovero: string, dataRicovero: string, today: string, dataFine: string): Fields {
  return {
    medico: { ...medico, ...STRUTTURA },
    lavoratore: { codiceFiscale: lavoratoreCf },
    idInizioRicovero,
    residenza: RESIDENZA,
    dimissione: {
      ruoloMedico: 'S',
      dataRicovero,
      dataDimissione: today,
      dataFine,
      tipoCertificato: 'I',
      tipoRicovero: 'R',
      diagnosi: { codiceDiagnosi: '486', noteDiagnosi: 'Polmonite' },
    },
  };
}

/** One SOAP call through fetch (probes and set-up), with the headers wrk sends. */
export async function send(baseUrl: string, l: RequestLine): Promise<{ status: number; contentType: string | null; text: string }> {
  const r = await fetch(`${baseUrl}/CertServiceWeb/CertificatiMedici`, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${soapAction(l.op)}"`, authorization: l.auth },
    body: l.body,
  });
  return { status: r.status, contentType: r.headers.get('content-type'), text: await r.text() };
}

/** Send many with bounded concurrency, answers in order. */
export async function sendAll(baseUrl: string, lines: readonly RequestLine[], concurrency = 16): Promise<string[]> {
  const out: string[] = new Array(lines.length);
  let next = 0;
  const worker = async () => {
    while (next < lines.length) {
      const i = next++;
      const r = await send(baseUrl, lines[i]!);
      if (r.status !== 200) throw new Error(`${lines[i]!.op}: HTTP ${r.status}: ${r.text.slice(0, 400)}`);
      out[i] = r.text;
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, lines.length) }, worker));
  return out;
}

/** Leaf text of the first element with this local name. */
export function field(xml: string, name: string): string | undefined {
  return new RegExp(`<(?:\\w+:)?${name}>([^<]*)</(?:\\w+:)?${name}>`).exec(xml)?.[1];
}

/**
 * A real success: HTTP 200, XML, the operation's ricevutaOk part and no
 * ricevutaNonOk. Throws with the answer otherwise.
 */
export function assertOk(op: OperationName, r: { status: number; contentType: string | null; text: string }): void {
  const spec = OPERATIONS.find((o) => o.name === op)!;
  const problems: string[] = [];
  if (r.status !== 200) problems.push(`HTTP ${r.status}`);
  if (!(r.contentType ?? '').startsWith('text/xml')) problems.push(`content-type ${r.contentType}`);
  if (!r.text.includes(spec.responseElement)) problems.push(`no ${spec.responseElement}`);
  if (!r.text.includes(spec.okElement)) problems.push(`no ${spec.okElement}`);
  if (r.text.includes('ricevutaNonOk')) problems.push('ricevutaNonOk');
  if (problems.length > 0) throw new Error(`${op} probe is not a success (${problems.join(', ')}): ${r.text.slice(0, 600)}`);
}
