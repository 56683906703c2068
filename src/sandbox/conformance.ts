/**
 * Conformance warnings: what this gateway tolerates but a strict SAC might
 * refuse. Only computed in the sandbox; answered there as ricevutaVarie
 * key/value entries (chiave "conformita.CODICE", valore the Italian text) and
 * counted in the user's conformance report. Written here, not in the
 * diagnostics catalog: they are not errors (no tipoErrore), and never change
 * the outcome of a request.
 */
import type { XmlObject } from '../xml/toObject.js';

export const WARNINGS = {
  SOAPACTION_ASSENTE: "Manca l'intestazione HTTP SOAPAction: SOAP 1.1 la richiede (anche vuota). Questo gateway ricava l'operazione dal corpo; un SAC rigoroso potrebbe rifiutare la richiesta.",
  SOAPACTION_VUOTA: "L'intestazione SOAPAction è vuota: questo gateway ricava l'operazione dal corpo, un SAC rigoroso potrebbe richiedere l'azione dell'operazione indicata nel WSDL.",
  SOAPACTION_SENZA_VIRGOLETTE: "Il valore di SOAPAction non è tra virgolette doppie, come SOAP 1.1 lo scrive: questo gateway lo accetta, un SAC rigoroso potrebbe no.",
  SOAPACTION_NOME_OPERAZIONE: "SOAPAction riporta il solo nome dell'operazione e non l'azione completa indicata nel WSDL: questo gateway lo accetta, un SAC rigoroso potrebbe no.",
  CONTENT_TYPE_ASSENTE: "Manca l'intestazione Content-Type: per SOAP 1.1 va inviata come text/xml; charset=utf-8.",
  CONTENT_TYPE_APPLICATION_XML: 'Content-Type è application/xml: SOAP 1.1 prevede text/xml. Questo gateway lo accetta, un SAC rigoroso potrebbe no.',
  CHARSET_ASSENTE: 'Content-Type non indica il charset: questo gateway lo ricava dalla dichiarazione XML (o assume UTF-8); meglio indicarlo (charset=utf-8).',
  BOM_UTF8: 'Il corpo inizia con il BOM UTF-8 (EF BB BF): questo gateway lo ignora, alcuni server SOAP lo rifiutano.',
  SPAZI_INIZIALI: 'Il corpo inizia con spazi o a capo prima del primo elemento: questo gateway li ignora, alcuni server SOAP no.',
  PINCODE_A_CAPO: 'Il pincode cifrato (Base64) contiene a capo, come lo spezzano alcune librerie ogni 64 o 76 caratteri: questo gateway li ignora, un SAC rigoroso potrebbe no. Inviare il Base64 su una sola riga.',
  PINCODE_SPAZI: 'Il pincode cifrato ha spazi prima o dopo il valore: questo gateway li ignora, un SAC rigoroso potrebbe no.',
  CF_LAVORATORE_IN_CHIARO: 'Il codice fiscale del lavoratore è in chiaro: il contratto lo prevede cifrato con il certificato del servizio, come il pincode. Questo gateway lo accetta in chiaro, un SAC rigoroso potrebbe no.',
  CF_LAVORATORE_A_CAPO: 'Il codice fiscale cifrato del lavoratore (Base64) contiene a capo o spazi: questo gateway li ignora, un SAC rigoroso potrebbe no.',
  CF_LAVORATORE_SOLO_BASE64: 'Il codice fiscale del lavoratore è solo codificato in Base64, non cifrato: va cifrato con il certificato del servizio (RSA PKCS#1 v1.5) come il pincode.',
} as const;

export type WarningCode = keyof typeof WARNINGS;

export const WARNING_CODES = Object.keys(WARNINGS) as WarningCode[];

/** A ricevutaVarie/info entry (type cert:varie), in its element order. */
export interface Varie {
  readonly chiave: string;
  readonly valore: string;
}

export const WARNING_KEY_PREFIX = 'conformita.';

export function warningEntries(codes: readonly WarningCode[]): Varie[] {
  return codes.map((code) => ({ chiave: `${WARNING_KEY_PREFIX}${code}`, valore: WARNINGS[code] }));
}

/** What the HTTP request said about itself, before the body is read as XML. */
export interface RequestFacts {
  readonly contentType: string | undefined;
  /** The SOAPAction header as sent; undefined when absent. */
  readonly soapAction: string | undefined;
  readonly body: Buffer;
  /** The operation's full SOAPAction and its name, once the envelope named it. */
  readonly operation?: { readonly action: string; readonly name: string };
}

/** Warnings from the headers and the first bytes: cheap, no parse. */
export function requestWarnings(facts: RequestFacts): WarningCode[] {
  const out: WarningCode[] = [];
  const action = facts.soapAction;
  if (action === undefined) out.push('SOAPACTION_ASSENTE');
  else {
    const trimmed = action.trim();
    const quoted = trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"');
    const bare = quoted ? trimmed.slice(1, -1) : trimmed;
    if (bare === '') out.push('SOAPACTION_VUOTA');
    else {
      if (!quoted) out.push('SOAPACTION_SENZA_VIRGOLETTE');
      if (facts.operation !== undefined && bare === facts.operation.name && bare !== facts.operation.action) out.push('SOAPACTION_NOME_OPERAZIONE');
    }
  }
  const contentType = facts.contentType;
  if (contentType === undefined || contentType.trim() === '') out.push('CONTENT_TYPE_ASSENTE');
  else {
    if (contentType.split(';')[0]!.trim().toLowerCase() === 'application/xml') out.push('CONTENT_TYPE_APPLICATION_XML');
    if (!/;\s*charset\s*=/i.test(contentType)) out.push('CHARSET_ASSENTE');
  }
  const body = facts.body;
  const bom = body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
  if (bom) out.push('BOM_UTF8');
  const first = body[bom ? 3 : 0];
  if (first === 0x20 || first === 0x09 || first === 0x0a || first === 0x0d) out.push('SPAZI_INIZIALI');
  return out;
}

const PLAIN_CF = /^(?:[A-Za-z0-9]{16}|[0-9]{11})$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Warnings from the schema-valid payload: the pincode (wherever the payload
 * carries one: medico/pincode, operatore/pincode) and the worker's codice
 * fiscale. The heuristic for "meant to encrypt": a CF in clear (the contract
 * says it travels encrypted, hence its string200 type); a Base64 value that
 * decodes to a CF (encoded but not encrypted); a ciphertext wrapped on lines.
 */
export function payloadWarnings(payload: XmlObject): WarningCode[] {
  const out: WarningCode[] = [];
  for (const child of Object.values(payload)) {
    if (typeof child !== 'object' || typeof child.pincode !== 'string') continue;
    const pin = child.pincode;
    if (/[\r\n]/.test(pin.trim())) out.push('PINCODE_A_CAPO');
    if (pin !== pin.trim()) out.push('PINCODE_SPAZI');
    break;
  }
  const worker = payload.lavoratore;
  const cf = typeof worker === 'object' ? worker.codiceFiscale : undefined;
  if (typeof cf === 'string') {
    const value = cf.trim();
    const compact = value.replace(/\s+/g, '');
    if (PLAIN_CF.test(value)) out.push('CF_LAVORATORE_IN_CHIARO');
    else if (compact.length >= 20 && BASE64.test(compact)) {
      if (compact !== value) out.push('CF_LAVORATORE_A_CAPO');
      const decoded = Buffer.from(compact, 'base64').toString('latin1').trim();
      if (PLAIN_CF.test(decoded)) out.push('CF_LAVORATORE_SOLO_BASE64');
    }
  }
  return out;
}
