/**
 * SOAP 1.1 envelope checks, and the operation named by the payload root.
 */
import type { XmlDocument } from 'libxml2-wasm';
import { CERT_NS, operationByRequestElement, soapActionOf, type OperationSpec } from '../contract/operations.js';
import { SoapFault } from '../sac/diagnostics.js';
import {
  CDATA_NODE,
  ELEMENT_NODE,
  TEXT_NODE,
  elementAt,
  firstChild,
  localName,
  namespaceUri,
  nextSibling,
  nodeType,
  rootOf,
  textContent,
  type NodePtr,
} from '../xml/nativeNodes.js';

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';

export interface ParsedEnvelope {
  readonly operation: OperationSpec;
  /** The request payload element, still inside the document (valid until it is disposed). */
  readonly payload: NodePtr;
}

/** Element children of an element; non-blank text (or CDATA) between them is an error. */
function elementChildren(parent: NodePtr, where: string): NodePtr[] {
  const out: NodePtr[] = [];
  for (let node = firstChild(parent); node !== 0; node = nextSibling(node)) {
    const type = nodeType(node);
    if (type === ELEMENT_NODE) out.push(node);
    else if ((type === TEXT_NODE || type === CDATA_NODE) && textContent(node).trim() !== '') {
      throw new SoapFault('ENVELOPE_STRUCTURE', { dettaglio: `testo non ammesso in ${where}` });
    }
  }
  return out;
}

function isSoap11(node: NodePtr, name: string): boolean {
  return localName(node) === name && namespaceUri(node) === SOAP11_NS;
}

function rejectMustUnderstand(header: NodePtr): void {
  for (const entry of elementChildren(header, 'Header')) {
    // Rare enough for the library's attribute API.
    for (const attr of elementAt(entry).attrs) {
      if (attr.name === 'mustUnderstand' && attr.namespaceUri === SOAP11_NS && (attr.value === '1' || attr.value === 'true')) {
        throw new SoapFault('MUST_UNDERSTAND', { header: `{${namespaceUri(entry)}}${localName(entry)}` });
      }
    }
  }
}

export function readEnvelope(doc: XmlDocument): ParsedEnvelope {
  const root = rootOf(doc);
  if (root === 0 || localName(root) !== 'Envelope') throw new SoapFault('NOT_SOAP');
  const rootNs = namespaceUri(root);
  if (rootNs === SOAP12_NS) throw new SoapFault('SOAP_VERSION');
  if (rootNs !== SOAP11_NS) throw new SoapFault('NOT_SOAP');

  const parts = elementChildren(root, 'Envelope');
  let index = 0;
  const first = parts[0];
  if (first !== undefined && isSoap11(first, 'Header')) {
    rejectMustUnderstand(first);
    index = 1;
  }
  const body = parts[index];
  if (body === undefined || !isSoap11(body, 'Body')) {
    throw new SoapFault('ENVELOPE_STRUCTURE', { dettaglio: 'manca soap:Body' });
  }
  // SOAP 1.1 lets namespace-qualified elements follow the Body; unqualified ones it does not.
  for (const extra of parts.slice(index + 1)) {
    if (!namespaceUri(extra)) throw new SoapFault('ENVELOPE_STRUCTURE', { dettaglio: `elemento ${localName(extra)} dopo soap:Body` });
  }

  const entries = elementChildren(body, 'Body');
  if (entries.length === 0) throw new SoapFault('ENVELOPE_STRUCTURE', { dettaglio: 'soap:Body vuoto' });
  if (entries.length > 1) throw new SoapFault('ENVELOPE_STRUCTURE', { dettaglio: 'soap:Body contiene più di un elemento' });
  const payload = entries[0]!;
  const payloadNs = namespaceUri(payload);
  const operation = payloadNs === CERT_NS ? operationByRequestElement(localName(payload)) : undefined;
  if (!operation) {
    const ns = payloadNs ? `{${payloadNs}}` : '';
    throw new SoapFault('UNKNOWN_OPERATION', { elemento: `${ns}${localName(payload)}`.slice(0, 200) });
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
