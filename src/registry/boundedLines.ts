/**
 * Lines of a byte stream, each at most `maxBytes` long. Hand-written rather
 * than node:readline because readline keeps a line of any length in memory:
 * a file with no newline would be read whole. Here a longer line is skipped
 * as it streams by and reported as too long; memory stays at one chunk plus
 * one line.
 */
export type RawLine =
  | { readonly lineNo: number; readonly bytes: Buffer; readonly tooLong?: undefined }
  | { readonly lineNo: number; readonly tooLong: true; readonly bytes?: undefined };

const LF = 0x0a;
const CR = 0x0d;

export async function* boundedLines(input: AsyncIterable<Buffer | string>, maxBytes: number): AsyncGenerator<RawLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let overflow = false;
  let lineNo = 0;
  const take = (): RawLine => {
    lineNo++;
    if (overflow) return { lineNo, tooLong: true };
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    if (bytes.length > 0 && bytes[bytes.length - 1] === CR) bytes = bytes.subarray(0, bytes.length - 1);
    return { lineNo, bytes };
  };
  for await (const raw of input) {
    const chunk = typeof raw === 'string' ? Buffer.from(raw) : raw;
    let start = 0;
    while (start <= chunk.length) {
      const nl = chunk.indexOf(LF, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!overflow && end > start) {
        // +1: room for the CR of a CRLF line at the limit.
        if (size + (end - start) > maxBytes + 1) {
          overflow = true;
          parts = [];
          size = 0;
        } else {
          // A copy: holding a view would keep the whole chunk alive.
          parts.push(Buffer.from(chunk.subarray(start, end)));
          size += end - start;
        }
      }
      if (nl === -1) break;
      yield take();
      parts = [];
      size = 0;
      overflow = false;
      start = nl + 1;
    }
  }
  if (size > 0 || overflow) yield take();
}
