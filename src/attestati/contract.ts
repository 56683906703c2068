/**
 * The AttestatiMalattia contract as the gateway hosts it: path, namespace,
 * files and operations (the shape of src/soap/service.ts's SoapContract).
 * Like src/contract/, this module imports nothing of the gateway: the HTTP
 * layer (the landing page) may name its path without importing the service.
 */
import { fileURLToPath } from 'node:url';

/** The repository root (compiled code sits in dist/src/attestati/). */
const root = new URL('../../../', import.meta.url);

export const ATTESTATI_SERVICE_NAME = 'AttestatiMalattia';
export const ATTESTATI_PATH = '/AttestatiServiceWeb/AttestatiMalattia';
/** The payloads' target namespace (attestati.xsd). */
export const ATTESTATI_NS = 'http://attestati.inps.sac-gateway.org/';
/** The WSDL's namespace, and the SOAPActions' prefix (as CertificatiMedici's ws. variant). */
export const ATTESTATI_WS_NS = 'http://ws.attestati.inps.sac-gateway.org/';
export const ATTESTATI_XSD_FILE_NAME = 'attestati.xsd';
export const ATTESTATI_XSD_PATH = fileURLToPath(new URL(`xsd/${ATTESTATI_XSD_FILE_NAME}`, root));
export const ATTESTATI_WSDL_PATH = fileURLToPath(new URL('wsdl/AttestatiMalattia.wsdl', root));
/** The soap:address in the WSDL file, replaced by this gateway's own when served. */
export const ATTESTATI_WSDL_ADDRESS = `http://127.0.0.1:8080${ATTESTATI_PATH}`;

export type AttestatiOperationName = 'ConsultaAttestato' | 'ConsultaDocumento' | 'ElencoDocumentiDatore' | 'ElencoDocumentiLavoratore' | 'StampaDocumento';

export interface AttestatiOperation {
  readonly name: AttestatiOperationName;
  readonly requestElement: string;
  readonly responseElement: string;
  readonly okElement: string;
  readonly soapAction: string;
}

function operation(name: AttestatiOperationName): AttestatiOperation {
  const element = name[0]!.toLowerCase() + name.slice(1);
  return {
    name,
    requestElement: `${element}Request`,
    responseElement: `${element}Response`,
    okElement: `ricevutaOk${name}`,
    soapAction: `${ATTESTATI_WS_NS}${name}`,
  };
}

export const ATTESTATI_OPERATIONS: readonly AttestatiOperation[] = (
  ['ConsultaAttestato', 'ConsultaDocumento', 'ElencoDocumentiDatore', 'ElencoDocumentiLavoratore', 'StampaDocumento'] as const
).map(operation);

export const ATTESTATI_MALATTIA = {
  name: ATTESTATI_SERVICE_NAME,
  path: ATTESTATI_PATH,
  namespace: ATTESTATI_NS,
  files: { wsdl: ATTESTATI_WSDL_PATH, wsdlAddress: ATTESTATI_WSDL_ADDRESS, xsd: [{ name: ATTESTATI_XSD_FILE_NAME, file: ATTESTATI_XSD_PATH }] },
  operations: ATTESTATI_OPERATIONS,
} as const;
