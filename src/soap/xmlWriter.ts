/**
 * Responses are written as strings in schema order: the response objects are
 * built with their keys in the order of the contract's sequences, and this
 * writer emits them as they come. Always UTF-8.
 */
import { SOAP11_NS } from './envelope.js';

export type OutValue = string | number | boolean | OutObject | ReadonlyArray<OutObject | string> | undefined | null;
export interface OutObject {
  readonly [name: string]: OutValue;
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;' };

export function escapeXml(text: string): string {
  return text.replace(/[&<>"\r]/g, (c) => ESCAPES[c]!);
}

function writeValue(name: string, value: OutValue, out: string[]): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value as ReadonlyArray<OutObject | string>) writeValue(name, item, out);
    return;
  }
  if (typeof value === 'object') {
    out.push(`<${name}>`);
    for (const [child, childValue] of Object.entries(value as OutObject)) writeValue(child, childValue, out);
    out.push(`</${name}>`);
    return;
  }
  out.push(`<${name}>${escapeXml(String(value))}</${name}>`);
}

/** The payload root in the service's namespace, children unqualified (elementFormDefault="unqualified"). */
export function writePayload(namespace: string, rootName: string, content: OutObject): string {
  const out: string[] = [`<ns2:${rootName} xmlns:ns2="${namespace}">`];
  for (const [child, value] of Object.entries(content)) writeValue(child, value, out);
  out.push(`</ns2:${rootName}>`);
  return out.join('');
}

export function writeEnvelope(payloadXml: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?><soap:Envelope xmlns:soap="${SOAP11_NS}"><soap:Body>${payloadXml}</soap:Body></soap:Envelope>`;
}

export function writeFault(faultcode: string, faultstring: string): string {
  return writeEnvelope(
    `<soap:Fault><faultcode>soap:${faultcode}</faultcode><faultstring>${escapeXml(faultstring)}</faultstring></soap:Fault>`,
  );
}
