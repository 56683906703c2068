/**
 * Schema diagnostics in bounded work, without the XML limits in front: the
 * validator itself keeps at most MAX_DETAILS of libxml2's errors, resolves at
 * most MAX_ERRORS paths by climbing parents (steps = depth), and never
 * computes an XPath per error. An invalid element always yields at least one
 * diagnostic.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { XmlDocument } from 'libxml2-wasm';
import { MAX_ERRORS } from '../src/catalog/diagnostics.js';
import { readEnvelope } from '../src/soap/envelope.js';
import { ContractSchema, MAX_DETAILS, validationWork } from '../src/xml/schema.js';
import { envelope, invioMalattia } from './support/requests.js';

const schema = ContractSchema.load();
after(() => schema.dispose());

const attrs = (n: number) => Array.from({ length: n }, (_, i) => ` a${i}=""`).join('');

/** Validate the payload of an envelope parsed without the limits (XmlDocument directly). */
function validate(xml: string) {
  const doc = XmlDocument.fromString(xml);
  try {
    const t0 = performance.now();
    const errors = schema.validateNode(readEnvelope(doc).payload);
    return { errors, ms: performance.now() - t0, work: { ...validationWork } };
  } finally {
    doc.dispose();
  }
}

function request(rootAttributes: string, afterBody = '', medico = '<medico><pincode>x</pincode></medico>'): string {
  return (
    '<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" xmlns:x="urn:x"><s:Body>' +
    `<c:invioMalattiaRequest xmlns:c="http://cert.sanita.finanze.it/"${rootAttributes}>${medico}</c:invioMalattiaRequest>` +
    `</s:Body>${afterBody}</s:Envelope>`
  );
}

describe('bounded validation work', () => {
  test('the request that froze the gateway (20,000 attributes, 10,000 elements after Body): 40 details kept, 1 path', () => {
    const { errors, work, ms } = validate(request(attrs(20_000), '<x:e/>'.repeat(10_000)));
    assert.equal(work.reported, 20_000 + 1, 'every attribute, then the missing lavoratore');
    assert.equal(work.kept, MAX_DETAILS);
    assert.equal(work.pathsResolved, 1);
    assert.equal(work.pathSteps, 1);
    assert.deepEqual(errors.map((e) => [e.tipoErrore, e.sezioneErrata]), [['1007', 'invioMalattiaRequest']]);
    // A generous bound (seconds before): the work above is what the test is about.
    assert.ok(ms < 5000, `${ms} ms`);
  });

  test('a bad attribute on every one of ~35 fields: 10 diagnostics, 10 paths, each as long as its depth', () => {
    const valid = envelope('invioMalattiaRequest', invioMalattia('2026-11-25', { medico: { pincode: 'x' } }));
    let n = 0;
    const everywhere = valid.replace(/<(\w+)>/g, (_m, name: string) => `<${name} b${n++}="1">`);
    assert.ok(n > 20, `${n} elements`);
    const { errors, work } = validate(everywhere);
    assert.equal(errors.length, MAX_ERRORS);
    assert.equal(new Set(errors.map((e) => e.sezioneErrata)).size, MAX_ERRORS);
    assert.equal(work.pathsResolved, MAX_ERRORS);
    // The deepest field is 3 below the payload: at most 4 steps each.
    assert.ok(work.pathSteps <= MAX_ERRORS * 4, `${work.pathSteps} steps`);
  });

  test('telling a missing element from a misplaced one looks at a bounded number of siblings', () => {
    const { errors, work } = validate(request('', '', `${'<u/>'.repeat(20_000)}<medico><pincode>x</pincode></medico>`));
    assert.ok(work.siblingsScanned <= 1000, `${work.siblingsScanned}`);
    assert.deepEqual(errors.map((e) => e.tipoErrore), ['1002']);
  });

  test('a value so long that libxml2 cuts its message is still a format error, its first 60 characters shown', () => {
    const valid = envelope('invioMalattiaRequest', invioMalattia('2026-11-25', { medico: { pincode: 'x' } }));
    const { errors } = validate(valid.replace(/<dataFine>[^<]*/, `<dataFine>${'2'.repeat(100_000)}`));
    assert.deepEqual(errors.map((e) => [e.tipoErrore, e.sezioneErrata]), [['1003', 'malattia/dataFine']]);
    assert.ok(errors[0]!.descrizione.includes(`'${'2'.repeat(60)}'`), errors[0]!.descrizione);
  });

  test('the counters describe the last validation only', () => {
    validate(request(attrs(1000)));
    const small = validate(request(attrs(2)));
    assert.equal(small.work.kept, small.work.reported);
    assert.ok(small.work.reported < 10);
  });
});
