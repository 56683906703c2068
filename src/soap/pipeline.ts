/**
 * One request, one parse: bytes -> charset -> libxml2 -> XML limits ->
 * envelope -> operation (checked against SOAPAction) -> kind of user ->
 * XSD (bounded diagnostics) -> handler -> UTF-8 XML. The same steps for
 * every hosted service; what is a service's own comes from its descriptor
 * (service.ts).
 * Envelope-level problems throw SoapFault; schema and business problems
 * become ricevutaNonOk in a normal response.
 */
import { SoapFault, type Diagnostic } from '../catalog/diagnostics.js';
import { DEFAULT_XML_LIMITS, type XmlLimits } from '../xml/limits.js';
import { parseXml } from '../xml/parse.js';
import type { ContractSchema } from '../xml/schema.js';
import { elementToObject, type XmlObject } from '../xml/toObject.js';
import { resolveCharset } from './charset.js';
import { checkSoapAction, readEnvelope } from './envelope.js';
import { OperationIndex, type SoapOperation, type SoapServiceDescriptor } from './service.js';
import { writeEnvelope, writePayload, type OutObject } from './xmlWriter.js';

/**
 * One call as the HTTP layer hands it over. The pipeline is service-neutral:
 * it never looks inside the caller (whoever authenticated) or the services
 * its handlers get; the service (src/sac) names both types.
 */
export interface SoapCall<Caller> {
  readonly body: Buffer;
  readonly contentType: string | undefined;
  readonly soapAction: string | undefined;
  readonly caller: Caller;
  /** The client's address as the socket saw it (for the access journal and throttles). */
  readonly clientAddress: string;
}

export interface SoapAnswer<Op extends SoapOperation = SoapOperation> {
  readonly xml: string;
  readonly operation: Op;
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

/**
 * The response in the order of the contract's ricevuta base type:
 * ricevutaVarie?, ricevutaInfo?, ricevutaNonOk?, then the operation's ricevutaOk element.
 */
export function responseXml(namespace: string, operation: SoapOperation, outcome: Outcome, notices?: readonly Notice[], varie?: readonly Varie[]): string {
  const info = notices !== undefined && notices.length > 0 ? { info: notices as unknown as readonly OutObject[] } : undefined;
  const extra = varie !== undefined && varie.length > 0 ? { info: varie.slice(0, MAX_VARIE) as unknown as readonly OutObject[] } : undefined;
  const content: OutObject =
    'ok' in outcome
      ? { ricevutaInfo: info, [operation.okElement]: outcome.ok }
      : { ricevutaInfo: info, ricevutaNonOk: { errore: outcome.errors.map((e: Diagnostic) => ({ ...e })) } };
  // Without entries (always, outside the sandbox) the same object as without the feature.
  return writeEnvelope(writePayload(namespace, operation.responseElement, extra === undefined ? content : { ricevutaVarie: extra, ...content }));
}

/** The contract allows at most thirty info elements in ricevutaInfo. */
export const MAX_NOTICES = 30;

/** And at most thirty in ricevutaVarie. */
export const MAX_VARIE = 30;

/** A key/value entry as the contract's ricevutaVarie/info carries it (type cert:varie). */
export interface Varie {
  readonly chiave: string;
  readonly valore: string;
}

/**
 * Extra key/value entries for one call's response (the sandbox's conformance
 * warnings), asked once the payload is read; `payload` is undefined when the
 * request was not schema-valid or the service refused it. Absent in
 * production: nothing is asked.
 */
export type Annotate<Caller, Op extends SoapOperation = SoapOperation> = (call: SoapCall<Caller>, operation: Op, payload: XmlObject | undefined) => readonly Varie[] | undefined;

/** A system notice as the contract's ricevutaInfo/info carries it (type cert:info), in its element order. */
export interface Notice {
  readonly codice: string;
  /** xs:dateTime: when the notice was published. */
  readonly dataInserimento: string;
  /** The text. */
  readonly info: string;
  /** xs:dateTime: the period the notice is about. */
  readonly dataInizioVal: string;
  readonly dataFineVal: string;
}

/**
 * What the service says about itself at one instant: the notices every
 * response carries (at most MAX_NOTICES), and, while it is stopped, the
 * errors every operation answers instead of running (no schema check, no
 * handler).
 */
export interface ServiceState {
  readonly notices: readonly Notice[];
  readonly refusal?: readonly Diagnostic[];
  /** Wait this long (ms) before answering: a delay a sandbox user asked for. */
  readonly delayMs?: number;
}

/**
 * Asked once per call, after the envelope is read, with the call and its
 * operation; the service binds its own clock (a sandbox, the caller's). It
 * may throw a SoapFault, or answer later (a promise) when it must ask the
 * store. Undefined, the usual answer, adds nothing to the response.
 */
export type ServiceStateNow<Caller = unknown, Op extends SoapOperation = SoapOperation> = (
  call: SoapCall<Caller>,
  operation: Op,
) => ServiceState | undefined | Promise<ServiceState | undefined>;

/** A handler's outcome: the ricevutaOk content, or the errors for ricevutaNonOk. */
export type Outcome = { readonly ok: OutObject } | { readonly errors: readonly Diagnostic[] };

/** What the envelope's header told about the request (only what this service understands). */
export interface SoapHeaders {
  /** wsa:MessageID (WS-Addressing 1.0 or 2004/08), trimmed; undefined when none was sent. */
  readonly messageId: string | undefined;
}

/** An operation's handler: the schema-valid payload, who calls, what the service gives it, and the header's facts. */
export type SoapHandler<Caller, Services> = (
  request: XmlObject,
  caller: Caller,
  services: Services,
  headers: SoapHeaders,
) => Outcome | Promise<Outcome>;

export type SoapHandlerTable<Caller, Services, Name extends string = string> = Partial<Record<Name, SoapHandler<Caller, Services>>>;

/** The services one call's handler gets (e.g. the access journal bound to its caller, address and operation). */
export type ServicesFor<Caller, Services, Op extends SoapOperation = SoapOperation> = (call: SoapCall<Caller>, operation: Op) => Services;

/** One hosted service's pipeline, built from its descriptor (service.ts); the steps are the same for every service. */
export class SoapPipeline<Caller, Services, Op extends SoapOperation = SoapOperation> {
  private readonly schema: ContractSchema;
  private readonly namespace: string;
  private readonly operations: OperationIndex<Op>;
  private readonly handlers: SoapHandlerTable<Caller, Services, Op['name']>;
  private readonly servicesFor: ServicesFor<Caller, Services, Op>;
  private readonly xmlLimits: XmlLimits;
  private readonly stateNow: ServiceStateNow<Caller, Op> | undefined;
  private readonly annotate: Annotate<Caller, Op> | undefined;
  /** The kinds of user each operation admits, as sets (one look-up per call). */
  private readonly admits: ReadonlyMap<Op, ReadonlySet<string>>;
  private readonly kindOf: (caller: Caller) => string;
  private readonly kindRefused: (kind: string, operation: Op) => readonly Diagnostic[];

  constructor(readonly descriptor: SoapServiceDescriptor<Caller, Services, Op>) {
    this.schema = descriptor.schema;
    this.namespace = descriptor.contract.namespace;
    this.operations = new OperationIndex(descriptor.contract);
    this.handlers = descriptor.handlers;
    this.servicesFor = descriptor.servicesFor;
    this.xmlLimits = descriptor.xmlLimits ?? DEFAULT_XML_LIMITS;
    this.stateNow = descriptor.stateNow;
    this.annotate = descriptor.annotate;
    const kinds = descriptor.allowedKinds as Readonly<Record<string, readonly string[] | undefined>>;
    this.admits = new Map(descriptor.contract.operations.map((op) => [op, new Set(kinds[op.name] ?? [])]));
    this.kindOf = descriptor.kindOf;
    this.kindRefused = descriptor.kindRefused;
  }

  async handle(call: SoapCall<Caller>): Promise<SoapAnswer<Op>> {
    if (call.body.length === 0) throw new SoapFault('BODY_EMPTY');
    checkContentType(call.contentType);
    const charset = resolveCharset(call.contentType, call.body);

    // Parsed once, held to the XML limits before the envelope or the schema sees it.
    const doc = parseXml(call.body, charset, this.xmlLimits);
    let operation: Op;
    let outcome: Outcome | undefined;
    let payload;
    let state: ServiceState | undefined;
    let headers: SoapHeaders;
    try {
      const envelope = readEnvelope(doc, this.operations);
      operation = envelope.operation;
      headers = { messageId: envelope.messageId };
      checkSoapAction(call.soapAction, operation);
      const kind = this.kindOf(call.caller);
      if (!this.admits.get(operation)!.has(kind)) {
        // A kind of user this operation does not serve: refused before the service's state or schema is asked.
        outcome = { errors: this.kindRefused(kind, operation) };
      } else {
        const asked = this.stateNow?.(call, operation);
        state = asked instanceof Promise ? await asked : asked;
        if (state?.refusal !== undefined) {
          outcome = { errors: state.refusal };
        } else {
          const schemaErrors = this.schema.validateNode(envelope.payload);
          if (schemaErrors.length > 0) outcome = { errors: schemaErrors };
          else payload = elementToObject(envelope.payload);
        }
      }
    } finally {
      // WASM memory is not garbage-collected: release before the handler runs.
      doc.dispose();
    }

    if (state?.delayMs !== undefined) await new Promise((resolve) => setTimeout(resolve, state.delayMs));
    if (outcome === undefined) {
      const handler = this.handlers[operation.name as Op['name']];
      if (!handler) throw new SoapFault('NOT_IMPLEMENTED', { operazione: operation.name });
      outcome = await handler(payload!, call.caller, this.servicesFor(call, operation), headers!);
    }
    const errorCodes = 'errors' in outcome ? outcome.errors.map((e) => e.tipoErrore) : [];
    const varie = this.annotate?.(call, operation, payload);
    return { xml: responseXml(this.namespace, operation, outcome, state?.notices, varie), operation, errorCodes };
  }
}
