/**
 * Length-prefixed JSON frames: how batches of writes and their answers cross
 * the Unix socket between cluster workers and the writer. A 4-byte big-endian
 * length, then that many bytes of UTF-8 JSON.
 */

/** A frame larger than this is a broken peer, not a batch of writes. */
const MAX_FRAME_BYTES = 256 * 1024 * 1024;

export function encodeFrame(value: unknown): Buffer {
  const json = JSON.stringify(value);
  const length = Buffer.byteLength(json);
  const out = Buffer.allocUnsafe(4 + length);
  out.writeUInt32BE(length, 0);
  out.write(json, 4, 'utf8');
  return out;
}

/** The length announced at `offset`; one no batch could have is refused before anything waits for it. */
function frameLength(data: Buffer, offset: number): number {
  const length = data.readUInt32BE(offset);
  if (length > MAX_FRAME_BYTES) throw new Error(`frame of ${length} bytes refused`);
  return length;
}

/** Reassembles frames from stream chunks of any size. */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  /** Feed a chunk; `onFrame` gets every complete frame it finishes, in order. */
  push(chunk: Buffer, onFrame: (value: unknown) => void): void {
    let data = chunk;
    if (this.pendingBytes > 0) {
      this.pending.push(chunk);
      this.pendingBytes += chunk.length;
      // Concatenate only once the frame under way is complete (a large frame arrives in many chunks).
      // Keep the length prefix in the first piece, so a frame arriving in many small chunks is not re-joined on every one.
      if (this.pending[0]!.length < 4) this.pending = [Buffer.concat(this.pending, this.pendingBytes)];
      const head = this.pending[0]!;
      if (head.length >= 4 && this.pendingBytes < 4 + frameLength(head, 0)) return;
      data = Buffer.concat(this.pending, this.pendingBytes);
      this.pending = [];
      this.pendingBytes = 0;
    }
    let offset = 0;
    while (data.length - offset >= 4) {
      const length = frameLength(data, offset);
      if (data.length - offset - 4 < length) break;
      onFrame(JSON.parse(data.toString('utf8', offset + 4, offset + 4 + length)));
      offset += 4 + length;
    }
    if (offset < data.length) {
      const rest = data.subarray(offset);
      this.pending.push(rest);
      this.pendingBytes = rest.length;
    }
  }
}
