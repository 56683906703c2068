/**
 * The query strings of the INPS side's HTTP routes, read strictly: only the
 * parameters a route names, each at most once, each in its format; anything
 * else is refused (400) naming the parameter, never echoing its value.
 * Read from the raw URL (bounded by Node's header limit), not from the
 * framework's parsed object, which merges repetitions into arrays.
 */
import type { DiagnosticKey } from '../catalog/diagnostics.js';
import { isCalendarDate } from '../domain/dates.js';
import type { Allegato } from '../print/model.js';

/** What a parameter holds. */
export type ParameterKind = 'data' | 'allegato';

const FORMATS: Readonly<Record<ParameterKind, string>> = {
  data: 'una data AAAA-MM-GG',
  allegato: 'una lettera tra A, B, C, D ed E',
};

/** A refused query: the diagnostic to answer (400). */
export interface QueryRefusal {
  readonly key: DiagnosticKey;
  readonly params: Readonly<Record<string, string>>;
}

export type QueryResult<N extends string> = { readonly ok: true; readonly values: Partial<Record<N, string>> } | { readonly ok: false; readonly refusal: QueryRefusal };

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const ALLEGATO = /^[A-E]$/;

/** Longest parameter name echoed back in a refusal (a hostile client's name is bounded and made harmless). */
const NAME_MAX = 32;

function shown(name: string): string {
  const bounded = name.length > NAME_MAX ? `${name.slice(0, NAME_MAX)}…` : name;
  // Letters, digits and a few marks only: the text may be shown on a page or a terminal.
  return bounded.replace(/[^A-Za-z0-9_.\-[\]]/g, '?');
}

function valid(kind: ParameterKind, value: string): boolean {
  return kind === 'data' ? DATE.test(value) && isCalendarDate(value) : ALLEGATO.test(value);
}

/**
 * The parameters of `url` (path?query) per `spec` (name -> kind). Absent
 * ones are left out; `required` ones must be there.
 */
export function readQuery<N extends string>(url: string, spec: Readonly<Record<N, ParameterKind>>, required: readonly N[] = []): QueryResult<N> {
  const names = Object.keys(spec) as N[];
  const ammessi = names.length === 0 ? 'nessuno' : names.join(', ');
  const at = url.indexOf('?');
  const values: Partial<Record<N, string>> = {};
  if (at >= 0 && at < url.length - 1) {
    let params: URLSearchParams;
    try {
      params = new URLSearchParams(url.slice(at + 1));
    } catch {
      return { ok: false, refusal: { key: 'PARAMETRO_NON_PREVISTO', params: { parametro: '?', ammessi } } };
    }
    for (const [name, value] of params) {
      const kind = (spec as Record<string, ParameterKind | undefined>)[name];
      if (kind === undefined || !Object.hasOwn(spec, name) || values[name as N] !== undefined) {
        return { ok: false, refusal: { key: 'PARAMETRO_NON_PREVISTO', params: { parametro: shown(name), ammessi } } };
      }
      if (!valid(kind, value)) {
        const key = kind === 'data' && DATE.test(value) ? 'DATA_INESISTENTE' : 'PARAMETRO_NON_VALIDO';
        return { ok: false, refusal: { key, params: { parametro: name, campo: name, valore: value, formato: FORMATS[kind] } } };
      }
      values[name as N] = value;
    }
  }
  for (const name of required) {
    if (values[name] === undefined) return { ok: false, refusal: { key: 'PARAMETRO_MANCANTE', params: { parametro: name, formato: FORMATS[spec[name]] } } };
  }
  return { ok: true, values };
}

export function asAllegato(value: string | undefined): Allegato | undefined {
  return value as Allegato | undefined;
}
