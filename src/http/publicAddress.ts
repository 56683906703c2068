/**
 * The base URL written into the served WSDL's soap:address. Never the
 * client's claim: the configured public URL, else a Host header the operator
 * allow-listed, else the address and port the request actually arrived on.
 */
import type { FastifyRequest } from 'fastify';

export interface PublicAddressSettings {
  /** SAC_PUBLIC_URL, without a trailing slash. */
  readonly publicUrl: string | undefined;
  /** SAC_PUBLIC_HOSTS, lower case host[:port] entries. */
  readonly publicHosts: ReadonlySet<string>;
}

/** host:port of the socket's own end, as a URL authority (IPv6 in brackets, IPv4-mapped as IPv4). */
export function listeningAuthority(localAddress: string | undefined, localPort: number | undefined): string {
  let host = localAddress ?? '127.0.0.1';
  if (host.startsWith('::ffff:') && host.includes('.')) host = host.slice('::ffff:'.length);
  else if (host.includes(':')) host = `[${host.replace(/%/g, '%25')}]`;
  return `${host}:${localPort ?? 0}`;
}

export function publicBaseUrl(request: FastifyRequest, settings: PublicAddressSettings): string {
  if (settings.publicUrl) return settings.publicUrl;
  const host = request.headers.host?.toLowerCase();
  if (host !== undefined && settings.publicHosts.has(host)) return `${request.protocol}://${host}`;
  const socket = request.socket;
  return `${request.protocol}://${listeningAuthority(socket.localAddress, socket.localPort)}`;
}
