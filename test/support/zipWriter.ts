/**
 * A zip archive written by hand for the batch tests: the archives a vendor's
 * software makes (deflated entries, UTF-8 names) and the ones a hostile
 * client makes (names with `..` or a leading '/', duplicate names, a declared
 * size that lies, a huge declared size), which no zip tool writes on request.
 * Only what PKWARE's APPNOTE needs: local headers, central directory, end
 * record; no zip64. Written here rather than committed as binary samples, so
 * each test says what its archive holds.
 */
import { deflateRawSync, crc32 } from 'node:zlib';

export interface ZipItem {
  readonly name: string;
  readonly data: Buffer | string;
  /** 0 stored, 8 deflated (default). */
  readonly method?: 0 | 8;
  /** The uncompressed size written in the headers, when a test wants it to lie. */
  readonly declaredSize?: number;
  /** Flag bit 0: the entry claims to be encrypted. */
  readonly encrypted?: boolean;
}

export function zipArchive(items: readonly ZipItem[]): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const item of items) {
    const data = Buffer.isBuffer(item.data) ? item.data : Buffer.from(item.data, 'utf8');
    const method = item.method ?? 8;
    const stored = method === 8 ? deflateRawSync(data) : data;
    const name = Buffer.from(item.name, 'utf8');
    const flags = 0x800 | (item.encrypted ? 0x1 : 0);
    const crc = crc32(data);
    const size = item.declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(0, 10); // time
    local.writeUInt16LE(0x21, 12); // date 1980-01-01
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(stored.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    const head = Buffer.alloc(46);
    head.writeUInt32LE(0x02014b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt16LE(20, 6);
    head.writeUInt16LE(flags, 8);
    head.writeUInt16LE(method, 10);
    head.writeUInt16LE(0, 12);
    head.writeUInt16LE(0x21, 14);
    head.writeUInt32LE(crc, 16);
    head.writeUInt32LE(stored.length, 20);
    head.writeUInt32LE(size, 24);
    head.writeUInt16LE(name.length, 28);
    head.writeUInt32LE(offset, 42);
    central.push(head, name);
    parts.push(local, name, stored);
    offset += local.length + name.length + stored.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(items.length, 8);
  end.writeUInt16LE(items.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, cd, end]);
}
