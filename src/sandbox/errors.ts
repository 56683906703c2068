/** What a sandbox user asked for and cannot have: the message is Italian, answered as it is (HTTP 400). */
import { GatewayError } from '../errors.js';

export class SandboxInputError extends GatewayError {
  readonly name = 'SandboxInputError';
  readonly code = 'SAC_SANDBOX_INPUT_INVALID';
}
