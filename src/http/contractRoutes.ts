/**
 * The contracts served over HTTP, so a client can be generated from the
 * running gateway: for each hosted service, its WSDL with this gateway's own
 * address (publicAddress.ts) and the XSD files it imports; and the
 * certificate whose public key encrypts the pincode.
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { CERTIFICATI_MEDICI, SERVICE_PATH } from '../contract/service.js';
import type { PincodeKey } from '../auth/pincodeKey.js';
import type { SoapContract } from '../soap/service.js';
import { publicBaseUrl, type PublicAddressSettings } from './publicAddress.js';

export { SERVICE_PATH };
export const CERT_DER_PATH = '/CertServiceWeb/SanitelCF.cer';
export const CERT_PEM_PATH = '/CertServiceWeb/SanitelCF.pem';

/** What serving a contract needs of a service: its name, path and files. */
export type ServedContract = Pick<SoapContract, 'path' | 'files'>;

// The literal values in the WSDL file that get replaced when served.
const addressMarker = (contract: ServedContract): string => `location="${contract.files.wsdlAddress}"`;
const schemaMarker = (name: string): string => `schemaLocation="${name}"`;

/** The WSDL file of a service (CertificatiMedici by default), checked to hold each marker exactly once. */
export function loadWsdlTemplate(contract: ServedContract = CERTIFICATI_MEDICI): string {
  const file = contract.files.wsdl;
  const wsdl = readFileSync(file, 'utf8');
  for (const marker of [addressMarker(contract), ...contract.files.xsd.map((x) => schemaMarker(x.name))]) {
    if (wsdl.split(marker).length !== 2) throw new Error(`${file} must contain ${marker} exactly once`);
  }
  return wsdl;
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

/** The WSDL as served from `baseUrl`: its soap:address and schemaLocations point at this gateway. */
export function renderWsdl(template: string, baseUrl: string, contract: ServedContract = CERTIFICATI_MEDICI): string {
  const service = escapeAttribute(`${baseUrl}${contract.path}`);
  let wsdl = template.replace(addressMarker(contract), `location="${service}"`);
  for (const xsd of contract.files.xsd) wsdl = wsdl.replace(schemaMarker(xsd.name), `schemaLocation="${service}?xsd=${xsd.name}"`);
  return wsdl;
}

const XML = 'text/xml; charset=utf-8';

/** A SOAP endpoint takes only POST (HTTP 405 with Allow, as RFC 9110 asks). */
function methodNotAllowed(reply: FastifyReply, path: string): FastifyReply {
  return reply
    .code(405)
    .header('allow', 'POST')
    .type('text/plain; charset=utf-8')
    .send(`Metodo non ammesso: usare POST per le operazioni, ${path}?wsdl per il contratto.\n`);
}

/** One service's contract routes: GET ?wsdl and ?xsd=NAME on its path, 405 for the other methods. */
export function registerServiceContract(app: FastifyInstance, contract: ServedContract, address: PublicAddressSettings): void {
  const path = contract.path;
  const wsdlTemplate = loadWsdlTemplate(contract);
  const xsdFiles = new Map(contract.files.xsd.map((x) => [x.name, readFileSync(x.file)]));

  app.get(path, async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    if ('wsdl' in query || 'WSDL' in query) {
      return reply.type(XML).send(renderWsdl(wsdlTemplate, publicBaseUrl(request, address), contract));
    }
    const xsd = query.xsd === undefined ? undefined : xsdFiles.get(query.xsd);
    if (xsd !== undefined) return reply.type(XML).send(xsd);
    // ?xsd= naming another file: nothing of that name is served.
    if ('xsd' in query) return reply.code(404).type('text/plain; charset=utf-8').send(`Schema non trovato: ${path}?wsdl per il contratto.\n`);
    return methodNotAllowed(reply, path);
  });
  // Every other method on the endpoint: 405, answered before any body is read (the root scope reads none).
  app.route({
    method: ['PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: path,
    // Answered in the hook, so no body is parsed; the connection closes since the body is left unread.
    onRequest: async (_request, reply) => methodNotAllowed(reply.header('connection', 'close'), path),
    handler: async (_request, reply) => reply,
  });
}

/** Every hosted service's contract, and the pincode key's certificate. */
export function registerContractRoutes(
  app: FastifyInstance,
  key: PincodeKey,
  address: PublicAddressSettings,
  contracts: readonly ServedContract[] = [CERTIFICATI_MEDICI],
): void {
  for (const contract of contracts) registerServiceContract(app, contract, address);

  app.get(CERT_DER_PATH, async (_request, reply) =>
    reply.type('application/pkix-cert').header('content-disposition', 'attachment; filename="SanitelCF.cer"').send(key.certificateDer),
  );
  app.get(CERT_PEM_PATH, async (_request, reply) => reply.type('application/x-pem-file').send(key.certificatePem));
}
