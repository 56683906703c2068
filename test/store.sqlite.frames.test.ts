/**
 * The frames that carry batches of writes and their answers between cluster
 * workers and the writer: whatever way the stream cuts them, every frame
 * comes out whole, once, in order; a length no batch could have is refused.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameReader, encodeFrame } from '../src/store/sqlite/frames.js';

const values = [
  { id: 1, write: { op: 'cancelCertificate', id: '123456789012345678', idAnnullamento: 'x', at: '2026-11-23T10:00:00+01:00' } },
  [{ id: 2, ok: true, value: 'ok' }],
  { text: 'Forlì — è così', empty: '', nested: { list: [1, 2, 3] } },
  'x'.repeat(70_000),
];

function readAll(chunks: readonly Buffer[]): unknown[] {
  const reader = new FrameReader();
  const out: unknown[] = [];
  for (const chunk of chunks) reader.push(chunk, (v) => out.push(v));
  return out;
}

describe('frames between cluster workers and the writer', () => {
  const stream = Buffer.concat(values.map((v) => encodeFrame(v)));

  test('all frames in one chunk', () => {
    assert.deepEqual(readAll([stream]), values);
  });

  test('cut at every size from 1 byte to 7 bytes, and in large pieces', () => {
    for (const size of [1, 2, 3, 4, 5, 7, 4096, 65_536]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < stream.length; i += size) chunks.push(stream.subarray(i, i + size));
      assert.deepEqual(readAll(chunks), values, `chunks of ${size} bytes`);
    }
  });

  test('a frame cut inside its length prefix, then the rest with the next frame', () => {
    const first = encodeFrame(values[0]);
    const second = encodeFrame(values[1]);
    assert.deepEqual(readAll([first.subarray(0, 2), Buffer.concat([first.subarray(2), second])]), [values[0], values[1]]);
  });

  test('nothing comes out of an incomplete frame', () => {
    const frame = encodeFrame(values[2]);
    assert.deepEqual(readAll([frame.subarray(0, frame.length - 1)]), []);
  });

  test('a length over the limit is refused before anything is buffered', () => {
    const reader = new FrameReader();
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0xffff_fff0);
    assert.throws(() => reader.push(header, () => assert.fail('no frame expected')), /refused/);
    // The same length arriving in two pieces.
    const split = new FrameReader();
    split.push(header.subarray(0, 2), () => assert.fail('no frame expected'));
    assert.throws(() => split.push(header.subarray(2), () => assert.fail('no frame expected')), /refused/);
  });

  test('a frame whose bytes are not JSON is an error, not a value', () => {
    const body = Buffer.from('{not json', 'utf8');
    const header = Buffer.alloc(4);
    header.writeUInt32BE(body.length);
    assert.throws(() => readAll([Buffer.concat([header, body])]), SyntaxError);
  });
});
