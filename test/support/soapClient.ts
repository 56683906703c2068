/**
 * Raw SOAP over HTTP: the bytes go out exactly as built (Latin-1 included),
 * and the answer is parsed with libxml2 and checked against the project XSD.
 */
import { XmlDocument, XmlElement, type XmlNode } from 'libxml2-wasm';
import { CERT_NS } from '../../src/contract/operations.js';
import { ContractSchema } from '../../src/xml/schema.js';

export const DEMO = {
  medico: { user: 'MDCTST70A01H501K', password: 'Demo.Medico.2026', pincode: '1234567890' },
  medico2: { user: 'MDCSCN85M45F839N', password: 'Demo.Medico2.2026', pincode: '0987654321' },
  regione: { user: 'REGIONE120', password: 'Demo.Regione.2026' },
  operatore: { user: 'PRTOPR90B15G273Y', password: 'Demo.Operatore.2026' },
} as const;

export function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
}

export interface SoapResult {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
}

export async function post(
  endpoint: string,
  body: string | Buffer,
  options: { auth?: string | null; contentType?: string | null; soapAction?: string | null; charset?: 'utf8' | 'latin1' } = {},
): Promise<SoapResult> {
  const headers: Record<string, string> = {};
  if (options.auth !== null) headers.authorization = options.auth ?? basic(DEMO.medico.user, DEMO.medico.password);
  if (options.contentType !== null) headers['content-type'] = options.contentType ?? 'text/xml; charset=utf-8';
  if (options.soapAction !== null && options.soapAction !== undefined) headers.soapaction = options.soapAction;
  const bytes = typeof body === 'string' ? Buffer.from(body, options.charset ?? 'utf8') : body;
  const response = await fetch(endpoint, { method: 'POST', headers, body: bytes });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

let schema: ContractSchema | undefined;

/** Leaf text of the first element with this local name, anywhere. */
export function field(xml: string, name: string): string | undefined {
  const match = new RegExp(`<(?:\\w+:)?${name}>([^<]*)</(?:\\w+:)?${name}>`).exec(xml);
  return match?.[1];
}

export interface Errore {
  tipoErrore: string;
  sezioneErrata: string;
  descrizione: string;
}

export interface ParsedResponse {
  readonly root: string;
  readonly errors: Errore[];
  readonly ok: Record<string, string>;
  readonly xml: string;
}

function children(element: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n: XmlNode | null = element.firstChild; n; n = (n as XmlElement).next) if (n instanceof XmlElement) out.push(n);
  return out;
}

function flatten(element: XmlElement, prefix: string, into: Record<string, string>): void {
  const kids = children(element);
  if (kids.length === 0) into[prefix] = element.content;
  for (const kid of kids) flatten(kid, prefix === '' ? kid.name : `${prefix}/${kid.name}`, into);
}

/**
 * Parse a 200 response, assert it is a SOAP 1.1 envelope whose payload is
 * valid against the project's XSD, and return its content.
 */
export function parseResponse(result: SoapResult): ParsedResponse {
  if (result.status !== 200) throw new Error(`expected HTTP 200, got ${result.status}: ${result.text.slice(0, 300)}`);
  if (result.headers.get('content-type') !== 'text/xml; charset=utf-8') {
    throw new Error(`unexpected content-type ${result.headers.get('content-type')}`);
  }
  schema ??= ContractSchema.load();
  const doc = XmlDocument.fromString(result.text);
  try {
    const body = children(doc.root).find((e) => e.name === 'Body');
    const payload = body ? children(body)[0] : undefined;
    if (!payload || payload.namespaceUri !== CERT_NS) throw new Error(`no cert payload in ${result.text.slice(0, 300)}`);
    const problems = schema.validate(payload);
    if (problems.length > 0) throw new Error(`response not valid against the XSD: ${JSON.stringify(problems)}`);
    const errors: Errore[] = [];
    const ok: Record<string, string> = {};
    for (const part of children(payload)) {
      if (part.name === 'ricevutaNonOk') {
        for (const e of children(part)) {
          const f: Record<string, string> = {};
          flatten(e, '', f);
          errors.push({ tipoErrore: f.tipoErrore ?? '', sezioneErrata: f.sezioneErrata ?? '', descrizione: f.descrizione ?? '' });
        }
      } else if (part.name.startsWith('ricevutaOk')) {
        flatten(part, '', ok);
      }
    }
    return { root: payload.name, errors, ok, xml: result.text };
  } finally {
    doc.dispose();
  }
}

export interface ParsedFault {
  readonly faultcode: string;
  readonly faultstring: string;
}

/** A SOAP fault answered with `status` (500 for SOAP 1.1 faults; 503 for the refusals that carry Retry-After). */
export function parseFault(result: SoapResult, status = 500): ParsedFault {
  if (result.status !== status) throw new Error(`expected HTTP ${status}, got ${result.status}: ${result.text.slice(0, 300)}`);
  const doc = XmlDocument.fromString(result.text);
  try {
    const faultcode = doc.get('//*[local-name()="Fault"]/faultcode') as XmlElement | null;
    const faultstring = doc.get('//*[local-name()="Fault"]/faultstring') as XmlElement | null;
    if (!faultcode || !faultstring) throw new Error(`not a SOAP fault: ${result.text.slice(0, 300)}`);
    return { faultcode: faultcode.content, faultstring: faultstring.content };
  } finally {
    doc.dispose();
  }
}
