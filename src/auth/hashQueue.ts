/**
 * A bounded queue in front of the slow password hash (scrypt on libuv's
 * thread pool). Without it every login attempt queues a hash on the pool,
 * even after its client has gone: 1,500 abandoned wrong-password requests
 * delayed every new login by 47 s. Here at most `concurrency` hashes run at
 * once, at most `maxWaiting` wait, a full queue is refused at once with a
 * Retry-After estimate, and work whose every requester went away before it
 * started is dropped.
 *
 * Written by hand (not p-limit or similar) because the product's own rules
 * live here: single flight per key, drop-on-abort per requester, refusal
 * instead of waiting.
 */
import { GatewayError } from '../errors.js';

/** The hash queue is full: answer 503 with Retry-After, do not wait. */
export class HashQueueFullError extends GatewayError {
  readonly name = 'HashQueueFullError';
  readonly code = 'SAC_AUTH_QUEUE_FULL';
  constructor(readonly retryAfterS: number) {
    super('password-hash queue full');
  }
}

/** The requester went away before its hash started: the work was dropped. */
export class HashWorkAbortedError extends GatewayError {
  readonly name = 'HashWorkAbortedError';
  readonly code = 'SAC_AUTH_ABORTED';
  constructor() {
    super('password-hash work abandoned by its client');
  }
}

export interface HashQueueOptions {
  /** Hashes running at once (at most the libuv pool size). */
  readonly concurrency: number;
  /** Distinct hashes waiting to start. */
  readonly maxWaiting: number;
  /** Starting estimate of one hash, for Retry-After before anything was measured. */
  readonly initialTaskMs?: number;
}

export interface HashQueueStats {
  /** Hashes actually started (each is one scrypt run). */
  readonly started: number;
  /** Requests refused because the queue was full. */
  readonly refused: number;
  /** Queued hashes dropped because every requester went away first. */
  readonly dropped: number;
  /** Requests that joined an identical hash already queued or running. */
  readonly joined: number;
  readonly running: number;
  readonly waiting: number;
}

interface Waiter<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (err: unknown) => void;
  readonly signal: AbortSignal | undefined;
  readonly onAbort: () => void;
}

interface Job<T> {
  readonly key: string;
  readonly task: () => Promise<T>;
  readonly waiters: Set<Waiter<T>>;
  started: boolean;
}

const MAX_RETRY_AFTER_S = 30;

export class HashQueue {
  private readonly concurrency: number;
  private readonly maxWaiting: number;
  // Insertion-ordered: the first entry not started is the next to run.
  private readonly waiting = new Map<string, Job<unknown>>();
  private readonly running = new Map<string, Job<unknown>>();
  private avgTaskMs: number;
  private counts = { started: 0, refused: 0, dropped: 0, joined: 0 };

  constructor(options: HashQueueOptions) {
    if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new RangeError('concurrency must be a positive integer');
    if (!Number.isInteger(options.maxWaiting) || options.maxWaiting < 0) throw new RangeError('maxWaiting must be a non-negative integer');
    this.concurrency = options.concurrency;
    this.maxWaiting = options.maxWaiting;
    this.avgTaskMs = options.initialTaskMs ?? 100;
  }

  /**
   * Run `task` (or join the identical one already queued or running under
   * `key`). Rejects at once with HashQueueFullError when it can neither start
   * nor wait, and with HashWorkAbortedError when `signal` aborts before the
   * hash started (a hash already running cannot be stopped; it completes and
   * its verdict is still cached by the caller).
   */
  run<T>(key: string, task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) {
      this.counts.dropped++;
      return Promise.reject(new HashWorkAbortedError());
    }
    const existing = (this.running.get(key) ?? this.waiting.get(key)) as Job<T> | undefined;
    if (existing) {
      this.counts.joined++;
      return this.subscribe(existing, signal);
    }
    if (this.running.size >= this.concurrency && this.waiting.size >= this.maxWaiting) {
      this.counts.refused++;
      return Promise.reject(new HashQueueFullError(this.retryAfterS()));
    }
    const job: Job<T> = { key, task, waiters: new Set(), started: false };
    this.waiting.set(key, job as Job<unknown>);
    const promise = this.subscribe(job, signal);
    this.pump();
    return promise;
  }

  /** Seconds a refused client should wait: the queue ahead of it, at the measured pace. */
  retryAfterS(): number {
    const ahead = this.waiting.size + this.running.size;
    const seconds = Math.ceil(((ahead / this.concurrency + 1) * this.avgTaskMs) / 1000);
    return Math.min(MAX_RETRY_AFTER_S, Math.max(1, seconds));
  }

  stats(): HashQueueStats {
    return { ...this.counts, running: this.running.size, waiting: this.waiting.size };
  }

  private subscribe<T>(job: Job<T>, signal: AbortSignal | undefined): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter<T> = {
        resolve,
        reject,
        signal,
        onAbort: () => {
          job.waiters.delete(waiter);
          reject(new HashWorkAbortedError());
          if (!job.started && job.waiters.size === 0) {
            this.waiting.delete(job.key);
            this.counts.dropped++;
          }
        },
      };
      job.waiters.add(waiter);
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
    });
  }

  private pump(): void {
    while (this.running.size < this.concurrency) {
      const next = this.waiting.values().next();
      if (next.done) return;
      const job = next.value;
      this.waiting.delete(job.key);
      this.start(job);
    }
  }

  private start<T>(job: Job<T>): void {
    job.started = true;
    this.running.set(job.key, job as Job<unknown>);
    this.counts.started++;
    const began = performance.now();
    let outcome: Promise<T>;
    try {
      outcome = job.task();
    } catch (err) {
      outcome = Promise.reject(err);
    }
    outcome.then(
      (value) => this.finish(job, began, (w) => w.resolve(value)),
      (err: unknown) => this.finish(job, began, (w) => w.reject(err)),
    );
  }

  private finish<T>(job: Job<T>, began: number, settle: (waiter: Waiter<T>) => void): void {
    // Moving average: Retry-After follows the real cost of a hash on this machine.
    this.avgTaskMs = this.avgTaskMs * 0.8 + (performance.now() - began) * 0.2;
    this.running.delete(job.key);
    for (const waiter of job.waiters) {
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      settle(waiter);
    }
    job.waiters.clear();
    this.pump();
  }
}
