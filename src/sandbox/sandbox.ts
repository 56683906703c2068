/**
 * The sandbox as the gateway runs it: each user's clock (time travel) and
 * their next injected answers (fault injection), read from the store on
 * every request while the sandbox is on. Built only when SAC_SANDBOX is on:
 * otherwise nothing of it exists and the request path is unchanged.
 *
 * Per request: one cached settings look-up for the clock, one for the
 * service state; the store is asked (through the single writer) only while
 * the user has an injection left for the operation.
 */
import type { MaintenanceConfig, SandboxConfig } from '../config.js';
import type { OperationSpec } from '../contract/operations.js';
import type { MaintenanceSchedule } from '../sac/maintenance.js';
import type { Clock } from '../sac/services.js';
import type { ServiceState, SoapCall } from '../soap/pipeline.js';
import type { UserRecord } from '../store/port.js';
import type { FaultInjection, SandboxSettings, SandboxStore } from '../store/sandboxPort.js';
import { boundedOffset, parseInstant, parseOffset, shiftedClock } from './clockShift.js';
import { SandboxInputError } from './errors.js';
import { injectedState, parseFaultRequest, type FaultRequest } from './injection.js';

export interface SandboxParts {
  readonly store: SandboxStore;
  /** The gateway's own clock (the real time, or a test's). */
  readonly clock: Clock;
  readonly maintenance: MaintenanceSchedule;
  readonly maintenanceConfig: MaintenanceConfig;
  readonly limits: SandboxConfig;
}

/** What a user sees of their settings (the /sandbox page and its JSON). */
export interface SandboxView {
  readonly username: string;
  /** The user's instant now, and the real one (ms since the epoch). */
  readonly now: Date;
  readonly realNow: Date;
  readonly offsetMs: number;
  readonly fault: FaultInjection | undefined;
  readonly limits: SandboxConfig;
}

export class Sandbox {
  readonly limits: SandboxConfig;
  private readonly store: SandboxStore;
  private readonly clock: Clock;
  private readonly maintenance: MaintenanceSchedule;
  private readonly maintenanceConfig: MaintenanceConfig;

  constructor(parts: SandboxParts) {
    this.store = parts.store;
    this.clock = parts.clock;
    this.maintenance = parts.maintenance;
    this.maintenanceConfig = parts.maintenanceConfig;
    this.limits = parts.limits;
  }

  /** The clock a user's requests run on: the gateway's own, shifted when the user travelled. */
  clockFor(username: string): Clock {
    const shift = this.store.settings(username).shift;
    return shift === undefined || shift.offsetMs === 0 ? this.clock : shiftedClock(this.clock, shift.offsetMs);
  }

  private nowMs(settings: SandboxSettings): number {
    return this.clock.now().getTime() + (settings.shift?.offsetMs ?? 0);
  }

  /**
   * For the SOAP pipeline, once per call: the maintenance state at the
   * user's instant, or the injected answer when one is left for this
   * operation (taken from the store first: each injected answer is used once).
   */
  readonly stateFor = (call: SoapCall<UserRecord>, operation: OperationSpec): ServiceState | undefined | Promise<ServiceState | undefined> => {
    const username = call.caller.username;
    const settings = this.store.settings(username);
    const fault = settings.fault;
    const injecting = fault !== undefined && fault.remaining > 0 && (fault.operation === null || fault.operation === operation.name);
    // The usual case: no window configured, nothing to inject: no clock read.
    if (!injecting && !this.maintenance.configured) return undefined;
    const nowMs = this.nowMs(settings);
    const base = this.maintenance.configured ? this.maintenance.stateAt(nowMs) : undefined;
    if (!injecting) return base;
    return this.store.takeFault(username, operation.name).then((taken) =>
      taken === undefined ? base : injectedState(taken, nowMs, base, this.maintenanceConfig),
    );
  };

  view(username: string): SandboxView {
    const settings = this.store.settings(username);
    const realNow = this.clock.now();
    const offsetMs = settings.shift?.offsetMs ?? 0;
    return { username, now: new Date(realNow.getTime() + offsetMs), realNow, offsetMs, fault: settings.fault, limits: this.limits };
  }

  /**
   * Time travel: `istante` (the instant the user's clock shows now) or
   * `scarto` (an offset from the real time), or `azione=ripristina` to
   * reset. Committed when it resolves.
   */
  async setClock(username: string, input: FaultRequest): Promise<void> {
    const field = (name: string): string | undefined => {
      const v = input[name];
      if (v === undefined || v === null || v === '') return undefined;
      if (typeof v !== 'string') throw new SandboxInputError(`Il campo ${name} deve essere un testo.`);
      return v.length > 64 ? v.slice(0, 64) : v;
    };
    if (field('azione') === 'ripristina') return this.store.setShift(username, undefined);
    const istante = field('istante');
    const scarto = field('scarto');
    if ((istante === undefined) === (scarto === undefined)) {
      throw new SandboxInputError("Indicare l'istante oppure lo scarto (uno solo dei due), o azione=ripristina per tornare all'ora reale.");
    }
    const realNow = this.clock.now().getTime();
    const offset = istante !== undefined ? parseInstant(istante).getTime() - realNow : parseOffset(scarto!);
    const offsetMs = boundedOffset(offset, this.limits.maxShiftDays);
    return this.store.setShift(username, offsetMs === 0 ? undefined : { offsetMs, setAt: realNow });
  }

  /** Fault injection: the next `numero` requests answer `esito`; `azione=annulla` cancels. */
  async setFault(username: string, input: FaultRequest): Promise<void> {
    if (input.azione === 'annulla') return this.store.setFault(username, undefined);
    return this.store.setFault(username, parseFaultRequest(input, this.limits, this.clock.now().getTime()));
  }
}
