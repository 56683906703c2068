/**
 * Where the project's own contract files live. Compiled code sits in
 * dist/src/contract/, so the repository root is three levels up.
 */
import { fileURLToPath } from 'node:url';

const root = new URL('../../../', import.meta.url);

export const XSD_FILE_NAME = 'definitorio.xsd';
export const XSD_PATH = fileURLToPath(new URL(`xsd/${XSD_FILE_NAME}`, root));
export const WSDL_PATH = fileURLToPath(new URL('wsdl/CertificatiMedici.wsdl', root));
export const PROJECT_ROOT = fileURLToPath(root);
/** The SoapUI 5 project generated from the contract (sac-gateway soapui; a test keeps the committed file equal to it). */
export const SOAPUI_PROJECT_FILE = fileURLToPath(new URL('soapui/sac-gateway-soapui-project.xml', root));
