/**
 * A listening socket that cannot be opened (the port is taken, or needs
 * privileges), told in one line naming the setting to change instead of
 * Node's stack trace.
 */
import { GatewayError, codeOf } from '../errors.js';

export class ListenError extends GatewayError {
  readonly name = 'ListenError';
  readonly code = 'SAC_HTTP_LISTEN';
}

/** Exit status of `serve` when its port cannot be opened (the primary of a cluster stops on it rather than restarting workers). */
export const LISTEN_FAILED_EXIT = 4;

/** Node's EADDRINUSE / EACCES / EADDRNOTAVAIL as a ListenError naming `setting`; anything else unchanged. */
export function explainListenFailure(err: unknown, setting: string, host: string, port: number): unknown {
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (codeOf(err)) {
    case 'EADDRINUSE':
      return new ListenError(`${setting}: port ${port} is already in use on ${host} (another sac-gateway still running? stop it, or choose another ${setting})`);
    case 'EACCES':
      return new ListenError(`${setting}: not permitted to listen on ${where} (ports below 1024 need privileges: choose another ${setting})`);
    case 'EADDRNOTAVAIL':
      return new ListenError(`${setting}: address ${host} is not one of this machine's (check HOST)`);
    default:
      return err;
  }
}
