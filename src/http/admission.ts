/**
 * Admission control for the SOAP scope: a call is admitted at once or
 * refused at once (503, Retry-After, a soap:Server fault), never queued for
 * long. Checked in the scope's first onRequest hook, before the login and
 * before any byte of the body is read:
 *
 *  - the event loop (sampled by @fastify/under-pressure every
 *    SAC_PRESSURE_SAMPLE_MS, judged here over two samples in a row): its
 *    mean delay is how long every piece of work already waits to run, i.e.
 *    the queue the process has;
 *  - calls in flight (admitted, not answered yet): bounded work, and by
 *    Little's law a bounded time in the process for those admitted;
 *  - the store's write backlog (writes waiting for the single writer's
 *    commit): a slow disk shows here before anywhere else.
 *
 * The password-hash queue bounds itself (src/auth/hashQueue.ts): only the
 * logins that need a hash wait there, and a full queue refuses them at once.
 * Information routes (WSDL, XSD, certificate, /healthz, /readyz) live in the
 * root scope and are never refused here.
 */
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { SoapFault } from '../catalog/diagnostics.js';
import type { AdmissionConfig } from '../config.js';
import { sendFault } from './faultReply.js';

/** Why a call was refused (logs, /readyz, and later metrics). */
export type RefusalReason = 'in_flight' | 'write_backlog' | 'event_loop_delay' | 'event_loop_utilization' | 'rate_limited';

export interface AdmissionState {
  readonly inFlight: number;
  readonly writeBacklog: number;
  /** Mean event-loop delay over the last sample, ms (0 before the first sample). */
  readonly eventLoopDelayMs: number;
  readonly eventLoopUtilization: number;
}

interface Backlog {
  pendingWrites(): number;
}

/** How a scope answers an overload (the OVERLOADED fault, with its Retry-After). */
export type OverloadAnswer = (reply: FastifyReply, fault: SoapFault, retryAfterS: number) => void;

/** The SOAP scope's answer: the fault; the body is not read, so the connection ends with the answer. */
const soapOverload: OverloadAnswer = (reply, fault, retryAfterS) => {
  sendFault(reply, fault, { retryAfterS, close: true });
};

/** A refusal this long after the previous one starts a new spell of overload (logged at warn). */
const OVERLOAD_SPELL_GAP_MS = 5_000;

/** Samples over the limits in a row before calls are refused: a sustained overload, not one pause. */
const SUSTAINED_SAMPLES = 2;

export class Admission {
  private inFlight = 0;
  private readonly leave = (): void => {
    this.inFlight--;
  };
  private pressure: FastifyInstance | undefined;
  private lastSample = { delay: Number.NaN, utilization: Number.NaN };
  private highSamples = 0;
  /** Set while the event loop has been over its limits for SUSTAINED_SAMPLES samples in a row. */
  private loopPressure: RefusalReason | undefined;
  /** Refusals so far, by reason. */
  readonly refused: Record<RefusalReason, number> = {
    in_flight: 0,
    write_backlog: 0,
    event_loop_delay: 0,
    event_loop_utilization: 0,
    rate_limited: 0,
  };

  private lastRefusalAt = -Infinity;

  constructor(
    private readonly settings: AdmissionConfig,
    private readonly store: Backlog,
  ) {}

  /** Retry-After of an overload refusal: between the setting and twice it, so refused clients do not all come back together. */
  retryAfterS(): number {
    const base = this.settings.retryAfterS;
    return base + Math.floor(Math.random() * (base + 1));
  }

  /**
   * Register the checks in a scope (before its login hook): the SOAP scope,
   * and the INPS side's HTTP routes, each answering an overload in its own
   * words (`refuse`; a SOAP fault by default). The event loop is sampled once
   * however many scopes register. under-pressure samples the event loop
   * (delay histogram, utilisation); the verdict is taken here, on
   * SUSTAINED_SAMPLES samples in a row, so that one pause (a long GC, a
   * start-up step) does not refuse a whole sample's calls.
   */
  async register(app: FastifyInstance, refuse: OverloadAnswer = soapOverload): Promise<void> {
    const s = this.settings;
    if (this.pressure === undefined) {
      // No thresholds given to the plugin: it samples, and installs no hook of its own.
      await app.register(underPressure, { sampleInterval: s.sampleIntervalMs, eventLoopUtilizationMode: 'interval' });
      this.pressure = app;
      if (s.maxEventLoopDelayMs > 0 || s.maxEventLoopUtilization > 0) {
        const timer = setInterval(() => this.readSample(), s.sampleIntervalMs);
        timer.unref();
        app.addHook('onClose', (_instance, done) => {
          clearInterval(timer);
          done();
        });
      }
    }
    app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
      if (this.loopPressure !== undefined) return this.refuse(request, reply, this.loopPressure, refuse);
      if (this.inFlight >= s.maxInFlight) return this.refuse(request, reply, 'in_flight', refuse);
      if (this.store.pendingWrites() >= s.maxWriteBacklog) return this.refuse(request, reply, 'write_backlog', refuse);
      this.inFlight++;
      // 'close' comes once per response, answered or abandoned.
      reply.raw.once('close', this.leave);
      done();
    });
  }

  /** Read under-pressure's latest sample (once per sample) and update the event-loop verdict. */
  private readSample(): void {
    const usage = this.pressure?.memoryUsage();
    if (usage === undefined) return;
    if (usage.eventLoopDelay === this.lastSample.delay && usage.eventLoopUtilized === this.lastSample.utilization) return;
    this.lastSample = { delay: usage.eventLoopDelay, utilization: usage.eventLoopUtilized };
    const s = this.settings;
    const reason: RefusalReason | undefined =
      s.maxEventLoopDelayMs > 0 && usage.eventLoopDelay > s.maxEventLoopDelayMs
        ? 'event_loop_delay'
        : s.maxEventLoopUtilization > 0 && usage.eventLoopUtilized > s.maxEventLoopUtilization
          ? 'event_loop_utilization'
          : undefined;
    this.highSamples = reason === undefined ? 0 : this.highSamples + 1;
    this.loopPressure = this.highSamples >= SUSTAINED_SAMPLES ? reason : undefined;
  }

  private refuse(request: FastifyRequest, reply: FastifyReply, reason: RefusalReason, answer: OverloadAnswer): void {
    this.refused[reason]++;
    const retryAfterS = this.retryAfterS();
    // Each refusal is in its access line (outcome OVERLOADED) and in /metrics; the log says when a spell of refusals begins.
    const now = performance.now();
    if (now - this.lastRefusalAt > OVERLOAD_SPELL_GAP_MS) request.log.warn({ reason, ...this.state() }, 'overload: refusing calls');
    this.lastRefusalAt = now;
    answer(reply, new SoapFault('OVERLOADED', { secondi: retryAfterS }), retryAfterS);
  }

  /** Why this process should get no new calls now (for /readyz), or undefined. */
  overload(): RefusalReason | undefined {
    if (this.loopPressure !== undefined) return this.loopPressure;
    if (this.inFlight >= this.settings.maxInFlight) return 'in_flight';
    if (this.store.pendingWrites() >= this.settings.maxWriteBacklog) return 'write_backlog';
    return undefined;
  }

  state(): AdmissionState {
    const usage = this.pressure?.memoryUsage();
    return {
      inFlight: this.inFlight,
      writeBacklog: this.store.pendingWrites(),
      eventLoopDelayMs: usage?.eventLoopDelay ?? 0,
      eventLoopUtilization: usage?.eventLoopUtilized ?? 0,
    };
  }
}
