/**
 * The ten operations of the CertificatiMedici contract v2.0: how each one is
 * named on the wire. The gateway routes on the payload root element and checks
 * it against the SOAPAction, so this table is the single source of both.
 */
export const CERT_NS = 'http://cert.sanita.finanze.it/';
export const WS_NS = 'http://ws.cert.sanita.finanze.it/';

export interface OperationSpec {
  /** wsdl:operation name, also the last segment of the SOAPAction. */
  readonly name: OperationName;
  /** Local name of the request payload root (namespace CERT_NS). */
  readonly requestElement: string;
  /** Local name of the response payload root (namespace CERT_NS). */
  readonly responseElement: string;
  /** Child of the response that carries a positive outcome. */
  readonly okElement: string;
  /** The SOAPAction: WS_NS followed by the name. */
  readonly soapAction: string;
}

export type OperationName =
  | 'InviaMalattia'
  | 'RettificaMalattia'
  | 'AnnullaMalattia'
  | 'RicercaMalattia'
  | 'RistampaMalattia'
  | 'InviaRicovero'
  | 'AnnullaRicovero'
  | 'InviaDimissione'
  | 'RettificaDimissione'
  | 'InterrogazioneLavoratore';

const table: ReadonlyArray<[OperationName, string, string]> = [
  ['InviaMalattia', 'invioMalattia', 'ricevutaOkInvioMalattia'],
  ['RettificaMalattia', 'rettificaMalattia', 'ricevutaOkRettificaMalattia'],
  ['AnnullaMalattia', 'annullamentoMalattia', 'ricevutaOkAnnullamentoMalattia'],
  ['RicercaMalattia', 'ricercaMalattia', 'ricevutaOkRicercaMalattia'],
  ['RistampaMalattia', 'ristampaMalattia', 'ricevutaOkRistampaMalattia'],
  ['InviaRicovero', 'invioRicovero', 'ricevutaOkInvioRicovero'],
  ['AnnullaRicovero', 'annullamentoRicovero', 'ricevutaOkAnnullamentoRicovero'],
  ['InviaDimissione', 'invioDimissione', 'ricevutaOkInvioDimissione'],
  ['RettificaDimissione', 'rettificaDimissione', 'ricevutaOkRettificaDimissione'],
  ['InterrogazioneLavoratore', 'interrogazioneLavoratore', 'ricevutaOkInterrogazioneLavoratore'],
];

export const OPERATIONS: ReadonlyArray<OperationSpec> = table.map(([name, stem, okElement]) => ({
  name,
  requestElement: `${stem}Request`,
  responseElement: `${stem}Response`,
  okElement,
  soapAction: `${WS_NS}${name}`,
}));

const byRequestElement = new Map(OPERATIONS.map((op) => [op.requestElement, op]));

export function operationByRequestElement(localName: string): OperationSpec | undefined {
  return byRequestElement.get(localName);
}

export function soapActionOf(op: Pick<OperationSpec, 'soapAction'>): string {
  return op.soapAction;
}
