/**
 * The store's errors. Each sets `name` and a stable `code` (see
 * src/errors.ts); an error made by the writer (a thread, or the cluster
 * primary's writer over its socket) crosses as { code, name, message } and is
 * rebuilt here from its code, so `instanceof` works on the request thread
 * exactly as it does with the in-process writer.
 */
import { GatewayError, codeOf } from '../errors.js';

/** A protocol number (or other unique key) already in use; nothing of the write was made. */
export class DuplicateKeyError extends GatewayError {
  static readonly code = 'SAC_STORE_DUPLICATE_KEY';
  readonly name = 'DuplicateKeyError';
  readonly code = DuplicateKeyError.code;
}

/** A person whose cognome or nome is not in the contract's form (src/domain/personName.ts); nothing of its batch was written. */
export class InvalidPersonError extends GatewayError {
  static readonly code = 'SAC_STORE_INVALID_PERSON';
  readonly name = 'InvalidPersonError';
  readonly code = InvalidPersonError.code;
}

/** The store cannot take writes now (its writer is gone); nothing of the write was made. */
export class StoreUnavailableError extends GatewayError {
  static readonly code = 'SAC_STORE_UNAVAILABLE';
  readonly name = 'StoreUnavailableError';
  readonly code = StoreUnavailableError.code;
}

/**
 * A write failed in the writer for a reason that is not one of ours (disk
 * full, a constraint, a bug). `cause` keeps the original's code (SQLITE_FULL,
 * SQLITE_CONSTRAINT_CHECK, ...) for the log.
 */
export class StoreWriteError extends GatewayError {
  static readonly code = 'SAC_STORE_WRITE_FAILED';
  readonly name = 'StoreWriteError';
  readonly code = StoreWriteError.code;
  /** The code of the underlying error, when it had one. */
  readonly sourceCode: string | undefined;

  constructor(message: string, sourceCode?: string) {
    super(message);
    this.sourceCode = sourceCode;
  }
}

/** A failure as it crosses a thread or process boundary. */
export interface WireError {
  readonly code: string | undefined;
  readonly name: string;
  readonly message: string;
}

/** Every store error that may cross the wire, by code: the one registry the channels rebuild from. */
const BY_CODE: ReadonlyMap<string, new (message: string) => GatewayError> = new Map<string, new (message: string) => GatewayError>([
  [DuplicateKeyError.code, DuplicateKeyError],
  [StoreUnavailableError.code, StoreUnavailableError],
  [StoreWriteError.code, StoreWriteError],
]);

export function toWireError(err: unknown): WireError {
  if (err instanceof StoreWriteError) return { code: err.sourceCode ?? err.code, name: err.name, message: err.message };
  if (err instanceof Error) return { code: codeOf(err), name: err.name, message: err.message };
  return { code: undefined, name: 'Error', message: String(err) };
}

/** An error from the writer as the store's callers see it: ours as they are, anything else as a StoreWriteError keeping its code. */
export function asStoreError(err: unknown): GatewayError {
  if (err instanceof GatewayError) return err;
  return err instanceof Error ? new StoreWriteError(err.message, codeOf(err)) : new StoreWriteError(String(err));
}

/** The error again, on this side: one of ours by its code, anything else as a StoreWriteError keeping the code. */
export function fromWireError(error: WireError): GatewayError {
  const known = error.code === undefined ? undefined : BY_CODE.get(error.code);
  if (known) return new known(error.message);
  return new StoreWriteError(error.message, error.code);
}
