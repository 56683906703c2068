/**
 * The contract served over HTTP, so a client can be generated from the
 * running gateway: the WSDL with this gateway's own address (publicAddress.ts), the XSD it
 * imports, and the certificate whose public key encrypts the pincode.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { WSDL_PATH, XSD_FILE_NAME, XSD_PATH } from '../contract/files.js';
import type { PincodeKey } from '../auth/pincodeKey.js';
import { publicBaseUrl, type PublicAddressSettings } from './publicAddress.js';

export const SERVICE_PATH = '/CertServiceWeb/CertificatiMedici';
export const CERT_DER_PATH = '/CertServiceWeb/SanitelCF.cer';
export const CERT_PEM_PATH = '/CertServiceWeb/SanitelCF.pem';

// The literal values in wsdl/CertificatiMedici.wsdl that get replaced when served.
const WSDL_ADDRESS = 'location="http://127.0.0.1:8080/CertServiceWeb/CertificatiMedici"';
const WSDL_SCHEMA_LOCATION = `schemaLocation="${XSD_FILE_NAME}"`;

export function loadWsdlTemplate(): string {
  const wsdl = readFileSync(WSDL_PATH, 'utf8');
  for (const marker of [WSDL_ADDRESS, WSDL_SCHEMA_LOCATION]) {
    if (wsdl.split(marker).length !== 2) throw new Error(`${WSDL_PATH} must contain ${marker} exactly once`);
  }
  return wsdl;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function renderWsdl(template: string, baseUrl: string): string {
  const service = escapeAttribute(`${baseUrl}${SERVICE_PATH}`);
  return template
    .replace(WSDL_ADDRESS, `location="${service}"`)
    .replace(WSDL_SCHEMA_LOCATION, `schemaLocation="${service}?xsd=${XSD_FILE_NAME}"`);
}

const XML = 'text/xml; charset=utf-8';

/** The SOAP endpoint takes only POST (HTTP 405 with Allow, as RFC 9110 asks). */
function methodNotAllowed(reply: FastifyReply): FastifyReply {
  return reply
    .code(405)
    .header('allow', 'POST')
    .type('text/plain; charset=utf-8')
    .send(`Metodo non ammesso: usare POST per le operazioni, ${SERVICE_PATH}?wsdl per il contratto.\n`);
}

export function registerContractRoutes(app: FastifyInstance, key: PincodeKey, address: PublicAddressSettings): void {
  const wsdlTemplate = loadWsdlTemplate();
  const xsd = readFileSync(XSD_PATH);

  app.get(SERVICE_PATH, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    if ('wsdl' in query || 'WSDL' in query) {
      return reply.type(XML).send(renderWsdl(wsdlTemplate, publicBaseUrl(request, address)));
    }
    if (query.xsd === XSD_FILE_NAME) return reply.type(XML).send(xsd);
    // ?xsd= naming another file: nothing of that name is served.
    if ('xsd' in query) return reply.code(404).type('text/plain; charset=utf-8').send(`Schema non trovato: ${SERVICE_PATH}?wsdl per il contratto.\n`);
    return methodNotAllowed(reply);
  });
  // Every other method on the endpoint: 405, answered before any body is read (the root scope reads none).
  app.route({
    method: ['PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: SERVICE_PATH,
    // Answered in the hook, so no body is parsed; the connection closes since the body is left unread.
    onRequest: async (_request, reply) => methodNotAllowed(reply.header('connection', 'close')),
    handler: async (_request, reply) => reply,
  });

  app.get(CERT_DER_PATH, async (_request, reply) =>
    reply.type('application/pkix-cert').header('content-disposition', 'attachment; filename="SanitelCF.cer"').send(key.certificateDer),
  );
  app.get(CERT_PEM_PATH, async (_request, reply) => reply.type('application/x-pem-file').send(key.certificatePem));
}
