/**
 * The peer: a node-soap server for the project's WSDL whose operations echo
 * the request back. No validation, no identity, no storage: what a naive
 * SOAP server costs per request.
 *
 * node-soap resolves the schema import itself, so it is given the WSDL text
 * with schemaLocation pointing at the absolute path of xsd/definitorio.xsd.
 *
 * Env: HOST, PORT, WORKERS (node:cluster processes, default 1).
 */
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import * as soap from 'soap';
import { OPERATIONS } from '../../src/contract/operations.js';
import { WSDL_PATH, XSD_FILE_NAME, XSD_PATH } from '../../src/contract/files.js';

// Same path as the gateway's (src/http/contractRoutes.ts), without loading Fastify here.
const SERVICE_PATH = '/CertServiceWeb/CertificatiMedici';
const workers = Number(process.env.WORKERS ?? '1');

function wsdlText(): string {
  const original = readFileSync(WSDL_PATH, 'utf8');
  const text = original.replace(`schemaLocation="${XSD_FILE_NAME}"`, `schemaLocation="${XSD_PATH}"`);
  if (text === original) throw new Error(`no schemaLocation="${XSD_FILE_NAME}" in ${WSDL_PATH}`);
  return text;
}

if (workers > 1 && cluster.isPrimary) {
  for (let i = 0; i < workers; i++) cluster.fork();
  const stop = () => {
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  cluster.on('exit', () => {
    if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
  });
} else {
  const echo = (args: unknown) => args;
  const port: Record<string, (args: unknown) => unknown> = {};
  for (const op of OPERATIONS) port[op.name] = echo;
  // service name -> port name -> operations, as in the WSDL's wsdl:service.
  const services = { CertificatiMedici: { CertificatiMedici: port } };
  const server = http.createServer((_req, res) => {
    res.writeHead(404).end();
  });
  server.listen(Number(process.env.PORT), process.env.HOST ?? '127.0.0.1', () => {
    // Positional form: the WSDL's base URI is then '', and the absolute schemaLocation resolves as is.
    soap.listen(server, SERVICE_PATH, services, wsdlText());
  });
  // Nothing to flush: stop at once (keep-alive connections would hold close() open).
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
}
