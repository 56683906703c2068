/**
 * Fault injection: what a user may ask for (validated here, bounded by the
 * configuration) and the answer an injected request gets, built from the
 * same catalog entries and the same maintenance plan the real refusals use.
 */
import { DIAGNOSTICS, SoapFault, diagnostic, type Diagnostic, type DiagnosticKey } from '../catalog/diagnostics.js';
import type { MaintenanceConfig, SandboxConfig } from '../config.js';
import { OPERATIONS } from '../contract/operations.js';
import { MaintenanceSchedule } from '../sac/maintenance.js';
import type { ServiceState } from '../soap/pipeline.js';
import { INJECTED_OUTCOMES, type FaultInjection, type InjectedOutcome } from '../store/sandboxPort.js';
import { SandboxInputError } from './errors.js';

/** Retry-After of an injected fault, s: bounds and default. */
export const RETRY_AFTER_BOUNDS = { min: 1, max: 600, fallback: 2 } as const;
/** An injected maintenance stop lasts this long from the request it answers (its texts name the end). */
export const INJECTED_STOP_MS = 60 * 60_000;

const OPERATION_NAMES: ReadonlySet<string> = new Set(OPERATIONS.map((op) => op.name));

const DIAGNOSTIC_BY_CODE: ReadonlyMap<string, DiagnosticKey> = new Map(
  (Object.keys(DIAGNOSTICS) as DiagnosticKey[]).map((key) => [DIAGNOSTICS[key].code, key]),
);

/** Every tipoErrore a user may inject, in catalog order (the page's list). */
export function injectableCodes(): ReadonlyArray<{ readonly code: string; readonly key: DiagnosticKey }> {
  return [...DIAGNOSTIC_BY_CODE].map(([code, key]) => ({ code, key }));
}

/** The request as the form or the JSON body gives it: every field text, or absent. */
export type FaultRequest = Readonly<Record<string, unknown>>;

function text(input: FaultRequest, name: string): string | undefined {
  const value = input[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') throw new SandboxInputError(`Il campo ${name} deve essere un testo o un numero.`);
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function integer(input: FaultRequest, name: string, min: number, max: number, fallback?: number): number {
  const raw = text(input, name);
  if (raw === undefined) {
    if (fallback !== undefined) return fallback;
    throw new SandboxInputError(`Indicare il campo ${name} (un intero tra ${min} e ${max}).`);
  }
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new SandboxInputError(`Il campo ${name} deve essere un intero tra ${min} e ${max}.`);
  }
  return Number(raw);
}

/** The injection a user asked for, checked against the limits; `setAt` is real time. */
export function parseFaultRequest(input: FaultRequest, limits: SandboxConfig, setAt: number): FaultInjection {
  const outcome = text(input, 'esito');
  if (outcome === undefined || !(INJECTED_OUTCOMES as readonly string[]).includes(outcome)) {
    throw new SandboxInputError(`Il campo esito deve essere uno tra: ${INJECTED_OUTCOMES.join(', ')}.`);
  }
  const operation = text(input, 'operazione') ?? null;
  if (operation !== null && !OPERATION_NAMES.has(operation)) {
    throw new SandboxInputError(`Operazione sconosciuta: '${operation.slice(0, 60)}'. Lasciare vuoto per tutte le operazioni.`);
  }
  const total = integer(input, 'numero', 1, limits.maxInjected);
  const kind = outcome as InjectedOutcome;
  let retryAfterS: number | null = null;
  let delayMs: number | null = null;
  let tipoErrore: string | null = null;
  if (kind === 'non_disponibile' || kind === 'sovraccarico') {
    retryAfterS = integer(input, 'secondi', RETRY_AFTER_BOUNDS.min, RETRY_AFTER_BOUNDS.max, RETRY_AFTER_BOUNDS.fallback);
  } else if (kind === 'ritardo') {
    if (limits.maxDelayMs === 0) throw new SandboxInputError('I ritardi sono disattivati su questo gateway (SAC_SANDBOX_MAX_DELAY_MS=0).');
    delayMs = integer(input, 'ritardoMs', 1, limits.maxDelayMs);
  } else if (kind === 'errore') {
    const code = text(input, 'tipoErrore');
    if (code === undefined || !DIAGNOSTIC_BY_CODE.has(code)) {
      throw new SandboxInputError(`Il campo tipoErrore deve essere un codice del catalogo delle diagnostiche (es. 3003), non '${(code ?? '').slice(0, 20)}'.`);
    }
    tipoErrore = code;
  }
  return { outcome: kind, operation, remaining: total, total, retryAfterS, delayMs, tipoErrore, setAt };
}

/** A catalog entry with its placeholders shown as [name]: the vendor sees which parts a real answer fills. */
function injectedDiagnostic(code: string): Diagnostic | undefined {
  const key = DIAGNOSTIC_BY_CODE.get(code);
  if (key === undefined) return undefined;
  const spec = DIAGNOSTICS[key];
  const params: Record<string, string> = {};
  for (const m of `${spec.sezione} ${spec.testo}`.matchAll(/\{(\w+)\}/g)) params[m[1]!] = `[${m[1]!}]`;
  // A field the request decides (schema errors): no request field is at fault here.
  const sezione = spec.sezione.startsWith('(') ? 'sandbox' : undefined;
  return diagnostic(key, params, sezione);
}

/**
 * The answer one injected request gets, at the user's instant `nowMs`; `base`
 * is what the service would say anyway (a real maintenance window's notices).
 * The two faults are thrown, as the real ones are.
 */
export function injectedState(
  fault: FaultInjection,
  nowMs: number,
  base: ServiceState | undefined,
  maintenance: MaintenanceConfig,
): ServiceState | undefined {
  switch (fault.outcome) {
    case 'non_disponibile':
      throw new SoapFault('UNAVAILABLE', {}, fault.retryAfterS ?? RETRY_AFTER_BOUNDS.fallback);
    case 'sovraccarico': {
      const secondi = fault.retryAfterS ?? RETRY_AFTER_BOUNDS.fallback;
      throw new SoapFault('OVERLOADED', { secondi }, secondi);
    }
    case 'ritardo':
      return { notices: base?.notices ?? [], ...(base?.refusal ? { refusal: base.refusal } : {}), delayMs: fault.delayMs ?? 0 };
    case 'manutenzione': {
      // A window from this minute for INJECTED_STOP_MS, planned as a configured one would be.
      const start = new Date(Math.floor(nowMs / 60_000) * 60_000);
      const end = new Date(start.getTime() + INJECTED_STOP_MS);
      const window = { start, end, interval: `${start.toISOString()}/${end.toISOString()}` };
      const plan = new MaintenanceSchedule({ ...maintenance, windows: [window] }, { now: () => new Date(nowMs) });
      return plan.stateAt(nowMs);
    }
    case 'errore': {
      // A code stored by an older version and gone from the catalog since: the normal answer.
      const error = injectedDiagnostic(fault.tipoErrore ?? '');
      return error === undefined ? base : { notices: base?.notices ?? [], refusal: [error] };
    }
  }
}
