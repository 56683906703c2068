/**
 * Assertions on ricevutaNonOk shared by the end-to-end tests: the exact set
 * of errors answered, and that every descrizione is the catalog's own
 * Italian text (so a raw libxml2 message or an unfilled placeholder fails).
 */
import assert from 'node:assert/strict';
import { DIAGNOSTICS, type DiagnosticSpec } from '../../src/catalog/diagnostics.js';
import type { Errore, ParsedResponse } from './soapClient.js';

const specByCode = new Map<string, DiagnosticSpec>(Object.values(DIAGNOSTICS).map((spec: DiagnosticSpec) => [spec.code, spec]));

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The catalog template as an anchored pattern, each {placeholder} matching any text (some, like {atteso}, may be empty). */
function templatePattern(template: string): RegExp {
  return new RegExp(`^${template.split(/\{\w+\}/).map(escapeRegExp).join('[\\s\\S]*?')}$`);
}

/** The error's code is in the catalog and its text is that entry's text, filled. */
export function assertCatalogText(error: Errore): void {
  const spec = specByCode.get(error.tipoErrore);
  assert.ok(spec, `tipoErrore ${error.tipoErrore} is not in the diagnostics catalog`);
  assert.match(error.descrizione, templatePattern(spec.testo), `descrizione of ${error.tipoErrore} is not the catalog text`);
  assert.doesNotMatch(error.descrizione, /\{\w+\}/, `unfilled placeholder in ${JSON.stringify(error.descrizione)}`);
}

export type Expected = readonly [tipoErrore: string, sezioneErrata: string];

/**
 * The response is a ricevutaNonOk holding exactly these errors (any order),
 * no positive part, and catalog texts throughout.
 */
export function assertErrors(response: ParsedResponse, expected: readonly Expected[]): void {
  const got = response.errors.map((e) => `${e.tipoErrore} ${e.sezioneErrata}`).sort();
  const want = expected.map(([code, sezione]) => `${code} ${sezione}`).sort();
  assert.deepEqual(got, want, `errors answered: ${JSON.stringify(response.errors)}`);
  assert.deepEqual(response.ok, {}, 'a refused request carries no ricevutaOk part');
  for (const error of response.errors) assertCatalogText(error);
}

/** The tipoErrore codes of a response, in the order answered. */
export function codes(response: ParsedResponse): string[] {
  return response.errors.map((e) => e.tipoErrore);
}
