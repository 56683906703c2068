/**
 * docs/diagnostics.md is generated from the catalog; this keeps them equal,
 * and keeps the catalog itself well-formed for the wire.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DIAGNOSTICS_DOC_PATH, renderDiagnosticsDoc } from '../src/docs/diagnosticsDoc.js';
import { DIAGNOSTICS, FAULTS } from '../src/catalog/diagnostics.js';

test('docs/diagnostics.md is what the catalog renders (run `npm run docs` after changing it)', () => {
  assert.equal(readFileSync(DIAGNOSTICS_DOC_PATH, 'utf8'), renderDiagnosticsDoc());
});

test('every tipoErrore is unique and fits the contract type string1-5', () => {
  const codes = Object.values(DIAGNOSTICS).map((d) => d.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const code of codes) assert.match(code, /^[0-9]{1,5}$/);
});

test('every entry appears in the document with its code and text', () => {
  const doc = renderDiagnosticsDoc();
  for (const spec of Object.values(DIAGNOSTICS)) assert.ok(doc.includes(`| ${spec.code} |`), spec.code);
  for (const spec of Object.values(FAULTS)) assert.ok(doc.includes(spec.faultstring.replace(/\|/g, '\\|')), spec.faultstring);
});
