/**
 * SOAP 1.1 envelope checks, and the operation named by the payload root.
 */
import { XmlElement, XmlText, type XmlDocument } from 'libxml2-wasm';
import { CERT_NS, operationByRequestElement, soapActionOf, type OperationSpec } from '../contract/operations.js';
import { SoapFault } from '../sac/diagnostics.js';

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';

export interface ParsedEnvelope {
  readonly operation: OperationSpec;
  /** The request payload element, still inside the document. */
  readonly payload: XmlElement;
}

/** Element children of an element; non-blank text between them is an error. */
export function elementChildren(parent: XmlElement, where: string): XmlElement[] {
  const out: XmlElement[] = [];
  for (let node = parent.firstChild; node !== null; node = node.next) {
    if (node instanceof XmlElement) out.push(node);
    else if (node instanceof XmlText && node.content.trim() !== '') {
      throw new SoapFault('ENVELOPE_STRUCTURE', { dettaglio: `testo non ammesso in ${where}` });
    }
  }
  return out;
}

function rejectMustUnderstand(header: XmlElement): void {
  for (const entry of elementChildren(header, 'Header')) {
    for (const attr of entry.attrs) {
      if (attr.name === 'mustUnderstand' && attr.namespaceUri === SOAP11_NS && (attr.value === '1' || attr.value === 'true')) {
        throw new SoapFault('MUST_UNDERSTAND', { header: `{${entry.namespaceUri}}${entry.name}` });
      }
    }
  }
}

export function readEnvelope(doc: XmlDocument): ParsedEnvelope {
  const root = doc.root;
  if (root.name !== 'Envelope') throw new SoapFault('NOT_SOAP');
  if (root.namespaceUri === SOAP12_NS) throw new SoapFault('SOAP_VERSION');
  if (root.namespaceUri !== SOAP11_NS) throw new SoapFault('NOT_SOAP');

  const parts = elementChildren(root, 'Envelope');
  let index = 0;
  const first = parts[0];
  if (first && first.name === 'Header' && first.namespaceUri === SOAP11_NS) {
    rejectMustUnderstand(first);
    index = 1;
  }
  const body = parts[index];
  if (!body || body.name !== 'Body' || body.namespaceUri !== SOAP11_NS) {
    throw new SoapFault('ENVELOPE_STRUCTURE', { dettaglio: 'manca soap:Body' });
  }
  // SOAP 1.1 lets namespace-qualified elements follow the Body; unqualified ones it does not.
  for (const extra of parts.slice(index + 1)) {
    if (!extra.namespaceUri) throw new SoapFault('ENVELOPE_STRUCTURE', { dettaglio: `elemento ${extra.name} dopo soap:Body` });
  }

  const entries = elementChildren(body, 'Body');
  if (entries.length === 0) throw new SoapFault('ENVELOPE_STRUCTURE', { dettaglio: 'soap:Body vuoto' });
  if (entries.length > 1) throw new SoapFault('ENVELOPE_STRUCTURE', { dettaglio: 'soap:Body contiene più di un elemento' });
  const payload = entries[0]!;
  const operation = payload.namespaceUri === CERT_NS ? operationByRequestElement(payload.name) : undefined;
  if (!operation) {
    const ns = payload.namespaceUri ? `{${payload.namespaceUri}}` : '';
    throw new SoapFault('UNKNOWN_OPERATION', { elemento: `${ns}${payload.name}`.slice(0, 200) });
  }
  return { operation, payload };
}

/**
 * SOAP 1.1 over HTTP carries a SOAPAction header. An empty or absent one is
 * tolerated (some toolkits send ""), since the payload root already names
 * the operation; a different operation's action is refused.
 */
export function checkSoapAction(header: string | undefined, operation: OperationSpec): void {
  if (header === undefined) return;
  const action = header.trim().replace(/^"(.*)"$/, '$1');
  if (action === '') return;
  if (action !== soapActionOf(operation) && action !== operation.name) {
    throw new SoapFault('SOAPACTION_MISMATCH', { action: action.slice(0, 200), operazione: operation.name });
  }
}
