/**
 * One request, one parse: bytes -> charset -> libxml2 -> XML limits ->
 * envelope -> operation (checked against SOAPAction) -> XSD (bounded
 * diagnostics) -> handler -> UTF-8 XML.
 * Envelope-level problems throw SoapFault; schema and business problems
 * become ricevutaNonOk in a normal response.
 */
import type { OperationSpec } from '../contract/operations.js';
import { SoapFault, type Diagnostic } from '../sac/diagnostics.js';
import type { HandlerTable, Outcome, Services } from '../sac/services.js';
import type { UserRecord } from '../store/port.js';
import { DEFAULT_XML_LIMITS, type XmlLimits } from '../xml/limits.js';
import { parseXml } from '../xml/parse.js';
import type { ContractSchema } from '../xml/schema.js';
import { elementToObject } from '../xml/toObject.js';
import { resolveCharset } from './charset.js';
import { checkSoapAction, readEnvelope } from './envelope.js';
import { writeEnvelope, writePayload, type OutObject } from './xmlWriter.js';

export interface SoapCall {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly soapAction: string | undefined;
  readonly caller: UserRecord;
  /** The client's address as the socket saw it (for the access journal and throttles). */
  readonly clientAddress: string;
}

export interface SoapAnswer {
  readonly xml: string;
  readonly operation: OperationSpec;
  /** tipoErrore codes answered, for the log (never the texts: they may echo values). */
  readonly errorCodes: readonly string[];
}

const SOAP11_TYPES = new Set(['text/xml', 'application/xml']);

function checkContentType(contentType: string | undefined): void {
  if (contentType === undefined || contentType === '') return;
  const mediaType = contentType.split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/soap+xml') throw new SoapFault('SOAP_VERSION');
  if (!SOAP11_TYPES.has(mediaType)) throw new SoapFault('CONTENT_TYPE', { valore: mediaType.slice(0, 80) });
}

export function responseXml(operation: OperationSpec, outcome: Outcome): string {
  const content: OutObject =
    'ok' in outcome
      ? { [operation.okElement]: outcome.ok }
      : { ricevutaNonOk: { errore: outcome.errors.map((e: Diagnostic) => ({ ...e })) } };
  return writeEnvelope(writePayload(operation.responseElement, content));
}

/** The services one call's handler gets (the access journal is bound to its caller, address and operation). */
export type ServicesFor = (call: SoapCall, operation: OperationSpec) => Services;

export class SoapPipeline {
  constructor(
    private readonly schema: ContractSchema,
    private readonly handlers: HandlerTable,
    private readonly servicesFor: ServicesFor,
    private readonly xmlLimits: XmlLimits = DEFAULT_XML_LIMITS,
  ) {}

  async handle(call: SoapCall): Promise<SoapAnswer> {
    if (call.body.length === 0) throw new SoapFault('BODY_EMPTY');
    checkContentType(call.contentType);
    const charset = resolveCharset(call.contentType, call.body);

    // Parsed once, held to the XML limits before the envelope or the schema sees it.
    const doc = parseXml(call.body, charset, this.xmlLimits);
    let operation: OperationSpec;
    let outcome: Outcome | undefined;
    let payload;
    try {
      const envelope = readEnvelope(doc);
      operation = envelope.operation;
      checkSoapAction(call.soapAction, operation);
      const schemaErrors = this.schema.validateNode(envelope.payload);
      if (schemaErrors.length > 0) outcome = { errors: schemaErrors };
      else payload = elementToObject(envelope.payload);
    } finally {
      // WASM memory is not garbage-collected: release before the handler runs.
      doc.dispose();
    }

    if (outcome === undefined) {
      const handler = this.handlers[operation.name];
      if (!handler) throw new SoapFault('NOT_IMPLEMENTED', { operazione: operation.name });
      outcome = await handler(payload!, call.caller, this.servicesFor(call, operation));
    }
    const errorCodes = 'errors' in outcome ? outcome.errors.map((e) => e.tipoErrore) : [];
    return { xml: responseXml(operation, outcome), operation, errorCodes };
  }
}
