/**
 * A SOAP service as the gateway hosts it: one descriptor names everything
 * that is the service's own (where it answers, its namespace, its contract
 * files, its compiled schema, its operations and who may call each, its
 * handlers, what they are given, its notices and stops). Everything else is
 * shared by every hosted service: the pipeline (pipeline.ts), the envelope
 * checks (envelope.ts), the writer, fault rendering, limits, login and
 * admission control (src/http).
 *
 * This module knows no service: CertificatiMedici is one descriptor
 * (src/sac/service.ts), a second one is another value of the same type.
 */
import type { Diagnostic } from '../catalog/diagnostics.js';
import type { XmlLimits } from '../xml/limits.js';
import type { ContractSchema } from '../xml/schema.js';
import type { Annotate, ServicesFor, ServiceStateNow, SoapHandlerTable } from './pipeline.js';

/** One operation as it goes on the wire (document/literal, SOAP 1.1). */
export interface SoapOperation {
  /** wsdl:operation name (also the metrics' and access log's operation label: unique across hosted services). */
  readonly name: string;
  /** Local name of the request payload root, in the service's namespace. */
  readonly requestElement: string;
  /** Local name of the response payload root, in the service's namespace. */
  readonly responseElement: string;
  /** Child of the response that carries a positive outcome. */
  readonly okElement: string;
  /** The SOAPAction a client sends for it (the bare operation name is accepted too). */
  readonly soapAction: string;
}

/** One XSD served at `{path}?xsd={name}`. */
export interface ContractXsd {
  readonly name: string;
  /** Where the file is on disk. */
  readonly file: string;
}

/**
 * The files a client generates its stubs from. The WSDL on disk is a
 * template: its soap:address `location="…"` (the literal `wsdlAddress`) and
 * each `schemaLocation="NAME"` of a served XSD are replaced when served, so
 * the WSDL names this gateway's own address.
 */
export interface ContractFiles {
  readonly wsdl: string;
  /** The literal soap:address location in the WSDL file, replaced when served (it must occur once). */
  readonly wsdlAddress: string;
  readonly xsd: readonly ContractXsd[];
}

/** The static part of a service: what is on the wire and on disk, nothing that runs. */
export interface SoapContract<Op extends SoapOperation = SoapOperation> {
  /** The service's name (wsdl:service), e.g. "CertificatiMedici". */
  readonly name: string;
  /** Its HTTP path, e.g. "/CertServiceWeb/CertificatiMedici": POST for calls, GET ?wsdl / ?xsd=NAME for the contract. */
  readonly path: string;
  /** The target namespace of its payloads (requests and responses). */
  readonly namespace: string;
  readonly files: ContractFiles;
  readonly operations: readonly Op[];
}

/**
 * A hosted service: its contract and what runs it. `Caller` is whoever the
 * login produced (the same for every service on a gateway), `Services` what
 * its handlers get.
 */
export interface SoapServiceDescriptor<Caller, Services, Op extends SoapOperation = SoapOperation> {
  readonly contract: SoapContract<Op>;
  /** The contract's XSD, compiled once (requests are validated against it). */
  readonly schema: ContractSchema;
  /**
   * The kinds of user each operation admits (an operation absent here admits
   * nobody). Checked right after the envelope and the SOAPAction, before the
   * schema: a kind of user the service does not serve costs no validation.
   */
  readonly allowedKinds: Readonly<Record<Op['name'], readonly string[]>>;
  /** The kind of a caller, as allowedKinds names it. */
  readonly kindOf: (caller: Caller) => string;
  /** What a refused kind of user is answered (a ricevutaNonOk, in the service's own catalog entries). */
  readonly kindRefused: (kind: string, operation: Op) => readonly Diagnostic[];
  readonly handlers: SoapHandlerTable<Caller, Services, Op['name']>;
  /** What one call's handler is given. */
  readonly servicesFor: ServicesFor<Caller, Services, Op>;
  /** XML limits for its requests (the defaults when absent). */
  readonly xmlLimits?: XmlLimits | undefined;
  /** Its notices and stops (e.g. maintenance windows); none when absent: nothing asked per call. */
  readonly stateNow?: ServiceStateNow<Caller, Op> | undefined;
  /** Extra ricevutaVarie entries per call (the sandbox's); none when absent. */
  readonly annotate?: Annotate<Caller, Op> | undefined;
}

/**
 * The operation a payload root names in a contract: its namespace, then its
 * local name. Built once per service; one Map look-up per call.
 */
export class OperationIndex<Op extends SoapOperation> {
  private readonly byRequestElement: ReadonlyMap<string, Op>;

  constructor(private readonly contract: SoapContract<Op>) {
    this.byRequestElement = new Map(contract.operations.map((op) => [op.requestElement, op]));
    if (this.byRequestElement.size !== contract.operations.length) throw new Error(`${contract.name}: two operations share a request element`);
  }

  get namespace(): string {
    return this.contract.namespace;
  }

  /** The service's name, as its faults name it (an unknown operation "of" this service). */
  get serviceName(): string {
    return this.contract.name;
  }

  find(namespace: string, localName: string): Op | undefined {
    return namespace === this.contract.namespace ? this.byRequestElement.get(localName) : undefined;
  }
}
