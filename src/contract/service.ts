/**
 * The CertificatiMedici contract as the gateway hosts it: path, namespace,
 * files and operations (the shape of src/soap/service.ts's SoapContract;
 * this folder imports nothing, so it is checked where it is used,
 * src/sac/service.ts).
 */
import { WSDL_PATH, XSD_FILE_NAME, XSD_PATH } from './files.js';
import { CERT_NS, OPERATIONS } from './operations.js';

export const SERVICE_NAME = 'CertificatiMedici';
export const SERVICE_PATH = '/CertServiceWeb/CertificatiMedici';

/** The soap:address in wsdl/CertificatiMedici.wsdl, replaced by this gateway's own when served. */
export const WSDL_ADDRESS = 'http://127.0.0.1:8080/CertServiceWeb/CertificatiMedici';

export const CERTIFICATI_MEDICI = {
  name: SERVICE_NAME,
  path: SERVICE_PATH,
  namespace: CERT_NS,
  files: { wsdl: WSDL_PATH, wsdlAddress: WSDL_ADDRESS, xsd: [{ name: XSD_FILE_NAME, file: XSD_PATH }] },
  operations: OPERATIONS,
} as const;
