/**
 * The sandbox's port: each user's own settings (time travel, fault
 * injection), kept in the store so that every cluster worker sees them.
 * One row of each per user at most: bounded by the users themselves.
 */

/** What an injected answer is instead of the normal one. */
export type InjectedOutcome =
  /** The UNAVAILABLE fault (HTTP 503, Retry-After), as when the store's writer is gone. */
  | 'non_disponibile'
  /** The OVERLOADED fault (HTTP 503, Retry-After), as admission control answers it. */
  | 'sovraccarico'
  /** The normal answer, after a delay. */
  | 'ritardo'
  /** The maintenance refusal (8002) and its notice, as during a planned stop. */
  | 'manutenzione'
  /** A ricevutaNonOk with one diagnostic of the catalog. */
  | 'errore';

export const INJECTED_OUTCOMES: readonly InjectedOutcome[] = ['non_disponibile', 'sovraccarico', 'ritardo', 'manutenzione', 'errore'];

/** A fault injection as stored: the next `remaining` requests (of `operation`, or any) answer `outcome`. */
export interface FaultInjection {
  readonly outcome: InjectedOutcome;
  /** Only this operation's requests (an operation name), or every one when null. */
  readonly operation: string | null;
  /** Answers still to replace; 0 once used up. */
  readonly remaining: number;
  /** How many were asked for. */
  readonly total: number;
  /** Retry-After of the two faults, s. */
  readonly retryAfterS: number | null;
  /** The delay, ms. */
  readonly delayMs: number | null;
  /** The catalog code of 'errore'. */
  readonly tipoErrore: string | null;
  /** When it was set (ms since the epoch, real time). */
  readonly setAt: number;
}

/** Time travel as stored: the user's clock is the real one plus `offsetMs` (so it keeps running). */
export interface ClockShift {
  readonly offsetMs: number;
  /** When it was set (ms since the epoch, real time). */
  readonly setAt: number;
}

export interface SandboxSettings {
  readonly shift: ClockShift | undefined;
  readonly fault: FaultInjection | undefined;
}

export const NO_SANDBOX_SETTINGS: SandboxSettings = Object.freeze({ shift: undefined, fault: undefined });

export interface SandboxStore {
  /**
   * A user's settings: synchronous and cheap (read on every request while
   * the sandbox is on), at most SANDBOX_EPOCH_MAX_AGE_MS stale after a
   * change made by another process.
   */
  settings(username: string): SandboxSettings;
  /**
   * The sandbox is on: keep every user's settings at hand from now on.
   * Settles once they are read, so that settings() answers what is stored
   * from its first call, also for a change another process (a cluster
   * worker, another node) made; the gateway awaits it before serving.
   */
  follow(): Promise<void>;
  /** Set (or, with undefined, reset) a user's clock shift; settles once committed. */
  setShift(username: string, shift: ClockShift | undefined): Promise<void>;
  /** Set (or, with undefined, cancel) a user's fault injection; settles once committed. */
  setFault(username: string, fault: FaultInjection | undefined): Promise<void>;
  /**
   * Take one injected answer for this request, decided by the single writer
   * (two workers never take the same one): the injection as it was before
   * this one was taken, or undefined when none is left for this operation.
   */
  takeFault(username: string, operation: string): Promise<FaultInjection | undefined>;
}

/** How stale a process's view of the settings may be after another process changed them. */
export const SANDBOX_EPOCH_MAX_AGE_MS = 25;
