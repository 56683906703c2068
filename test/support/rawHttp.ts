/**
 * HTTP at the byte level, for the edge's tests: a connection that sends what
 * the test says when it says it (partial headers, a body that trickles or
 * stops short), and records what came back and when the server closed it.
 */
import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import net from 'node:net';
import { once } from 'node:events';
import { after } from 'node:test';

export interface RawConnection {
  readonly socket: net.Socket;
  /** Everything the server sent so far. */
  received(): string;
  /** Settles when the connection is closed (by either side), with the time it happened. */
  readonly closed: Promise<number>;
  isClosed(): boolean;
}

export async function rawConnect(port: number, localAddress = '127.0.0.1'): Promise<RawConnection> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress });
  const chunks: Buffer[] = [];
  let isClosed = false;
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  // Resets and broken pipes are expected when the server cuts a connection.
  socket.on('error', () => {});
  const closed = new Promise<number>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      resolve(performance.now());
    }),
  );
  await Promise.race([once(socket, 'connect'), closed]);
  return { socket, received: () => Buffer.concat(chunks).toString('utf8'), closed, isClosed: () => isClosed };
}

/** The request line and headers of a SOAP POST, ending with the blank line. */
export function soapHead(port: number, contentLength: number, authorization?: string, extra: Record<string, string> = {}): string {
  const lines = [
    'POST /CertServiceWeb/CertificatiMedici HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    'Content-Type: text/xml; charset=utf-8',
    `Content-Length: ${contentLength}`,
  ];
  if (authorization) lines.push(`Authorization: ${authorization}`);
  for (const [name, value] of Object.entries(extra)) lines.push(`${name}: ${value}`);
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** The status code of the first response in `text`, if one arrived. */
export function statusOf(text: string): number | undefined {
  const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** Resident set size of a process, in kB (Linux). */
export async function rssKb(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  if (!match) throw new Error(`no VmRSS for ${pid}`);
  return Number(match[1]);
}

/**
 * What an edge test starts (gateway processes, raw connections, data
 * directories), all ended by the test file's after(): children killed by PID.
 */
export function edgeTestResources() {
  const started = new Set<ChildProcess>();
  const dataDirs: string[] = [];
  const opened = new Set<RawConnection>();
  after(() => {
    for (const c of opened) c.socket.destroy();
    for (const child of started) {
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
    }
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });
  return { track: (child: ChildProcess) => started.add(child), dataDirs, opened };
}
