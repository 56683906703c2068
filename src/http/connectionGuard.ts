/**
 * Caps on open connections, overall and per client address, applied the
 * moment a connection is accepted and before TLS or HTTP parsing start: an
 * excess connection costs one write and a close, never a parser, a handshake
 * or a timer. Over plain HTTP it is sent a fixed 503 with Retry-After first
 * (a client may still see a reset if it had already sent its request);
 * over TLS it is closed.
 *
 * Hand-written: Node's `maxConnections` has no per-address cap and cannot answer.
 */
import type { Server, Socket } from 'node:net';

export interface ConnectionLimits {
  readonly maxConnections: number;
  readonly maxConnectionsPerAddress: number;
}

const REFUSED_TEXT = 'Troppe connessioni aperte: riprovare tra qualche istante.\n';
const REFUSED_HTTP = Buffer.from(
  'HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nConnection: close\r\n' +
    `Content-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(REFUSED_TEXT)}\r\n\r\n${REFUSED_TEXT}`,
);

export interface ConnectionCounts {
  readonly open: number;
  readonly refused: number;
}

/**
 * Puts the caps in front of the server's own 'connection' listeners (HTTP's
 * parser or TLS's handshake). Call before listen.
 */
export function guardConnections(server: Server, limits: ConnectionLimits, tls: boolean): () => ConnectionCounts {
  const inner = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  let open = 0;
  let refused = 0;
  const perAddress = new Map<string, number>();

  server.on('connection', (socket: Socket) => {
    const address = socket.remoteAddress ?? '';
    const fromAddress = perAddress.get(address) ?? 0;
    if (open >= limits.maxConnections || fromAddress >= limits.maxConnectionsPerAddress) {
      refused++;
      socket.on('error', () => {}); // a reset from the client is expected here
      if (!tls) socket.write(REFUSED_HTTP);
      socket.destroy();
      return;
    }
    open++;
    perAddress.set(address, fromAddress + 1);
    socket.once('close', () => {
      open--;
      const left = (perAddress.get(address) ?? 1) - 1;
      if (left === 0) perAddress.delete(address);
      else perAddress.set(address, left);
    });
    for (const listener of inner) listener.call(server, socket);
  });
  return () => ({ open, refused });
}
