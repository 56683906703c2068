/**
 * SOAP 1.1 envelope checks, and the operation named by the payload root.
 *
 * Structure as SOAP 1.1 (section 4) has it: an optional Header, first; then
 * exactly one Body; then only namespace-qualified elements of other
 * vocabularies. A header entry is checked for mustUnderstand only when it is
 * addressed to this node (no soap:actor, or the "next" actor): entries for
 * other actors are none of this node's business (section 4.2.2).
 *
 * The one header entry this node understands is WS-Addressing's MessageID
 * (1.0 and the 2004/08 submission): the sender's identifier of the message,
 * handed to the handlers (the idempotency key of the Invia* operations), so a
 * mustUnderstand on it is honoured, not a fault. At most one may be addressed
 * here, and it must not be blank.
 */
import type { XmlDocument } from 'libxml2-wasm';
import { SoapFault } from '../catalog/diagnostics.js';
import {
  CDATA_NODE,
  ELEMENT_NODE,
  TEXT_NODE,
  attributeValue,
  firstChild,
  localName,
  namespaceUri,
  nextSibling,
  nodeType,
  rootOf,
  textContent,
  type NodePtr,
} from '../xml/nativeNodes.js';
import type { OperationIndex, SoapOperation } from './service.js';

export const SOAP11_NS = 'http://schemas.xmlsoap.org/soap/envelope/';
const SOAP12_NS = 'http://www.w3.org/2003/05/soap-envelope';
/** The actor that means "whoever processes the message next" (SOAP 1.1, 4.2.2): this node. */
export const SOAP11_NEXT_ACTOR = 'http://schemas.xmlsoap.org/soap/actor/next';

/** An envelope's structure, checked: its payload and the header's MessageID. */
export interface EnvelopeParts {
  /** The request payload element, still inside the document (valid until it is disposed). */
  readonly payload: NodePtr;
  /** The wsa:MessageID addressed to this node, trimmed; undefined when none was sent. */
  readonly messageId: string | undefined;
}

export interface ParsedEnvelope<Op extends SoapOperation = SoapOperation> extends EnvelopeParts {
  readonly operation: Op;
}

/** WS-Addressing 1.0 and the 2004/08 member submission, both still sent by toolkits. */
export const WSA_NAMESPACES: ReadonlySet<string> = new Set([
  'http://www.w3.org/2005/08/addressing',
  'http://schemas.xmlsoap.org/ws/2004/08/addressing',
]);

function isMessageId(entry: NodePtr): boolean {
  return localName(entry) === 'MessageID' && WSA_NAMESPACES.has(namespaceUri(entry));
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

/** A fault about the envelope's structure, naming what is wrong (values cut short). */
function structureFault(dettaglio: string): SoapFault {
  return new SoapFault('ENVELOPE_STRUCTURE', { dettaglio });
}

/** How an element is named in a fault: soap:X for the envelope's own, the local name otherwise. */
function shown(node: NodePtr): string {
  const name = localName(node).slice(0, 60);
  return namespaceUri(node) === SOAP11_NS ? `soap:${name}` : name;
}

/**
 * An xs:boolean as XML Schema reads it: whitespace collapsed, then exactly
 * "true"/"1" or "false"/"0". Anything else is not a boolean.
 */
export function xsBoolean(raw: string): boolean | undefined {
  const value = raw.replace(/[\t\n\r ]+/g, ' ').trim();
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  return undefined;
}

/** Whether a header entry is addressed to this node: no soap:actor, or the "next" actor. */
function addressedHere(entry: NodePtr): boolean {
  const actor = attributeValue(entry, SOAP11_NS, 'actor');
  return actor === undefined || actor.trim() === SOAP11_NEXT_ACTOR;
}

/**
 * The service understands only wsa:MessageID: any other entry addressed here
 * with mustUnderstand true is a MustUnderstand fault; a mustUnderstand that is
 * not a boolean, or an entry without a namespace, is the client's error.
 * Returns the MessageID addressed here, if any.
 */
function checkHeaderEntries(header: NodePtr): string | undefined {
  let messageId: string | undefined;
  for (const entry of elementChildren(header, 'Header')) {
    // SOAP 1.1, 4.2: every header entry MUST be namespace-qualified.
    if (!namespaceUri(entry)) throw structureFault(`l'intestazione ${shown(entry)} non ha un namespace`);
    if (!addressedHere(entry)) continue;
    const raw = attributeValue(entry, SOAP11_NS, 'mustUnderstand');
    const mustUnderstand = raw === undefined ? false : xsBoolean(raw);
    if (mustUnderstand === undefined) {
      const value = raw!.length > 40 ? `${raw!.slice(0, 40)}…` : raw!;
      throw structureFault(`soap:mustUnderstand di ${shown(entry)} vale '${value}', ammessi 0, 1, true, false`);
    }
    if (isMessageId(entry)) {
      if (messageId !== undefined) throw structureFault('più di un wsa:MessageID');
      messageId = textContent(entry).trim();
      if (messageId === '') throw structureFault('wsa:MessageID vuoto');
      continue;
    }
    if (mustUnderstand) throw new SoapFault('MUST_UNDERSTAND', { header: `{${namespaceUri(entry)}}${localName(entry)}`.slice(0, 200) });
  }
  return messageId;
}

/**
 * The envelope's parts, and the operation its payload root names among a
 * service's (`operations`); without them, the structure alone (for tools
 * that only validate payloads).
 */
export function readEnvelope<Op extends SoapOperation>(doc: XmlDocument, operations: OperationIndex<Op>): ParsedEnvelope<Op>;
export function readEnvelope(doc: XmlDocument): EnvelopeParts;
export function readEnvelope<Op extends SoapOperation>(doc: XmlDocument, operations?: OperationIndex<Op>): ParsedEnvelope<Op> | EnvelopeParts {
  const root = rootOf(doc);
  if (root === 0 || localName(root) !== 'Envelope') throw new SoapFault('NOT_SOAP');
  const rootNs = namespaceUri(root);
  if (rootNs === SOAP12_NS) throw new SoapFault('SOAP_VERSION');
  if (rootNs !== SOAP11_NS) throw new SoapFault('NOT_SOAP');

  const parts = elementChildren(root, 'Envelope');
  let index = 0;
  const first = parts[0];
  const header = first !== undefined && isSoap11(first, 'Header') ? first : undefined;
  if (header !== undefined) index = 1;
  const body = parts[index];
  if (body === undefined) throw structureFault('manca soap:Body');
  if (!isSoap11(body, 'Body')) {
    throw structureFault(isSoap11(body, 'Header') ? 'più di un soap:Header' : `manca soap:Body (trovato ${shown(body)} al suo posto)`);
  }
  // After the Body, SOAP 1.1 allows only namespace-qualified elements of other vocabularies.
  for (const extra of parts.slice(index + 1)) {
    if (isSoap11(extra, 'Body')) throw structureFault('più di un soap:Body');
    if (isSoap11(extra, 'Header')) throw structureFault('soap:Header dopo soap:Body: va prima del Body');
    if (namespaceUri(extra) === SOAP11_NS) throw structureFault(`elemento ${shown(extra)} dopo soap:Body`);
    if (!namespaceUri(extra)) throw structureFault(`elemento ${shown(extra)} dopo soap:Body`);
  }
  const messageId = header === undefined ? undefined : checkHeaderEntries(header);

  const entries = elementChildren(body, 'Body');
  if (entries.length === 0) throw structureFault('soap:Body vuoto');
  if (entries.length > 1) throw structureFault('soap:Body contiene più di un elemento');
  const payload = entries[0]!;
  if (operations === undefined) return { payload, messageId };
  const payloadNs = namespaceUri(payload);
  const operation = operations.find(payloadNs, localName(payload));
  if (!operation) {
    const ns = payloadNs ? `{${payloadNs}}` : '';
    throw new SoapFault('UNKNOWN_OPERATION', { elemento: `${ns}${localName(payload)}`.slice(0, 200), servizio: operations.serviceName });
  }
  return { operation, payload, messageId };
}

/**
 * SOAP 1.1 over HTTP carries a SOAPAction header. An empty or absent one is
 * tolerated (some toolkits send ""), since the payload root already names
 * the operation; a different operation's action is refused.
 */
export function checkSoapAction(header: string | undefined, operation: SoapOperation): void {
  if (header === undefined) return;
  const action = header.trim().replace(/^"(.*)"$/, '$1');
  if (action === '') return;
  if (action !== operation.soapAction && action !== operation.name) {
    throw new SoapFault('SOAPACTION_MISMATCH', { action: action.slice(0, 200), operazione: operation.name });
  }
}
