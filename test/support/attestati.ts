/**
 * A client of the AttestatiMalattia service as a third party would write one:
 * envelopes in the service's namespace with a prefix, children unqualified;
 * every answer parsed with libxml2 and its payload validated against
 * xsd/attestati.xsd (ok and non-ok alike), or a SOAP fault.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { XmlDocument, XmlElement, type XmlNode } from 'libxml2-wasm';
import { ATTESTATI_NS, ATTESTATI_OPERATIONS, ATTESTATI_PATH, ATTESTATI_XSD_PATH, type AttestatiOperationName } from '../../src/attestati/contract.js';
import { ContractSchema } from '../../src/xml/schema.js';
import { fieldsXml, type Fields } from './requests.js';
import type { SoapResult } from './soapClient.js';

export const DATORE = { user: '12345678903', password: 'Demo.Datore.2026' } as const;
export const LAVORATORE = { user: 'RSSMRA80A01H501U', password: 'Demo.Lavoratore.2026' } as const;

let schema: ContractSchema | undefined;
/** attestati.xsd, compiled once per test process. */
export function attestatiSchema(): ContractSchema {
  schema ??= ContractSchema.load(ATTESTATI_XSD_PATH);
  return schema;
}


export function operationOf(name: AttestatiOperationName) {
  return ATTESTATI_OPERATIONS.find((o) => o.name === name)!;
}

export function attestatiEnvelope(name: AttestatiOperationName, fields: Fields): string {
  const root = operationOf(name).requestElement;
  return (
    `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:att="${ATTESTATI_NS}">` +
    `<soapenv:Body><att:${root}>${fieldsXml(fields)}</att:${root}></soapenv:Body></soapenv:Envelope>`
  );
}

export function basicAuth(who: { user: string; password: string }): string {
  return `Basic ${Buffer.from(`${who.user}:${who.password}`, 'utf8').toString('base64')}`;
}

/**
 * One call over a fresh connection from `localAddress` (any 127.x.y.z: the
 * gateway sees it as the client's address), the bytes exactly as built.
 */
export function callFrom(
  url: string,
  name: AttestatiOperationName,
  fields: Fields,
  who: { user: string; password: string },
  localAddress = '127.0.0.1',
): Promise<SoapResult> {
  const body = Buffer.from(attestatiEnvelope(name, fields), 'utf8');
  const target = new URL(`${url}${ATTESTATI_PATH}`);
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        localAddress,
        agent: false,
        headers: {
          authorization: basicAuth(who),
          'content-type': 'text/xml; charset=utf-8',
          soapaction: `"${operationOf(name).soapAction}"`,
          'content-length': String(body.length),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (c: Buffer) => chunks.push(c));
        response.on('end', () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(response.headers)) if (typeof v === 'string') headers.set(k, v);
          resolve({ status: response.statusCode ?? 0, headers, text: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', reject);
      },
    );
    request.setTimeout(60_000, () => request.destroy(new Error('timeout')));
    request.on('error', reject);
    request.end(body);
  });
}

export async function call(url: string, name: AttestatiOperationName, fields: Fields, who: { user: string; password: string }): Promise<SoapResult> {
  const response = await fetch(`${url}${ATTESTATI_PATH}`, {
    method: 'POST',
    headers: { authorization: basicAuth(who), 'content-type': 'text/xml; charset=utf-8', soapaction: `"${operationOf(name).soapAction}"` },
    body: attestatiEnvelope(name, fields),
  });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export interface Answer {
  /** The whole response text. */
  readonly xml: string;
  /** The payload root's local name. */
  readonly root: string;
  readonly errors: { tipoErrore: string; sezioneErrata: string; descrizione: string }[];
  /** Whether the ricevutaOk element is there. */
  readonly ok: boolean;
  /** Every leaf's text by its path below the ricevutaOk element (repeated paths: the first). */
  readonly fields: Record<string, string>;
  /** Every leaf's text by local name, all occurrences. */
  readonly all: (name: string) => string[];
}

function children(element: XmlElement): XmlElement[] {
  const out: XmlElement[] = [];
  for (let n: XmlNode | null = element.firstChild; n; n = (n as XmlElement).next) if (n instanceof XmlElement) out.push(n);
  return out;
}

/** A 200 answer of `name`, valid against attestati.xsd, parsed. */
export function parseAnswer(result: SoapResult, name: AttestatiOperationName): Answer {
  assert.equal(result.status, 200, result.text.slice(0, 500));
  assert.equal(result.headers.get('content-type'), 'text/xml; charset=utf-8');
  const doc = XmlDocument.fromString(result.text);
  try {
    const body = children(doc.root).find((e) => e.name === 'Body');
    assert.ok(body, 'a soap:Body');
    const payload = children(body)[0]!;
    const op = operationOf(name);
    assert.equal(payload.namespaceUri, ATTESTATI_NS);
    assert.equal(payload.name, op.responseElement);
    assert.deepEqual(attestatiSchema().validate(payload), [], `valid against attestati.xsd: ${result.text.slice(0, 600)}`);
    const errors = children(payload)
      .filter((e) => e.name === 'ricevutaNonOk')
      .flatMap((nonOk) => children(nonOk))
      .map((e) => {
        const f = Object.fromEntries(children(e).map((c) => [c.name, c.content]));
        return { tipoErrore: f.tipoErrore!, sezioneErrata: f.sezioneErrata!, descrizione: f.descrizione! };
      });
    const okElement = children(payload).find((e) => e.name === op.okElement);
    const fields: Record<string, string> = {};
    const byName = new Map<string, string[]>();
    const walk = (e: XmlElement, path: string): void => {
      const kids = children(e);
      if (kids.length === 0) {
        if (!(path in fields)) fields[path] = e.content;
        const list = byName.get(e.name) ?? [];
        list.push(e.content);
        byName.set(e.name, list);
      }
      for (const k of kids) walk(k, path === '' ? k.name : `${path}/${k.name}`);
    };
    if (okElement) walk(okElement, '');
    return { xml: result.text, root: payload.name, errors, ok: okElement !== undefined, fields, all: (n) => byName.get(n) ?? [] };
  } finally {
    doc.dispose();
  }
}

/** The answer's single error code, asserting there is no ricevutaOk. */
export function errorCode(answer: Answer): string {
  assert.equal(answer.ok, false, 'no ricevutaOk');
  assert.equal(answer.errors.length, 1, JSON.stringify(answer.errors));
  return answer.errors[0]!.tipoErrore;
}
