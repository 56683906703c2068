/**
 * The base of every error class the gateway defines. As undici does, each
 * class sets `name` (the class's own, stable across refactors because it is
 * written out, not read from the constructor) and `code`, a stable string
 * that callers and the wire match on. An error that crosses a thread or a
 * socket is rebuilt from its code (see the store's write channels), never
 * from its message.
 *
 * Codes are SAC_<AREA>_<WHAT>, upper case, and never reused for another
 * meaning once released.
 */
export abstract class GatewayError extends Error {
  abstract override readonly name: string;
  abstract readonly code: string;
}

/** The code of an error, if it carries one (ours, or Node's own ERR_* / E* codes). */
export function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
