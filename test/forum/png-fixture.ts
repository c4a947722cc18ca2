import { deflateSync } from 'node:zlib';
import type { PostImage } from '../../src/forum/port.js';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A real PNG (RGB, 8 bits) of one colour with a diagonal stripe, so browsers can draw it. */
export function pngBytes(width = 40, height = 24, rgb: [number, number, number] = [30, 110, 200]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows: number[] = [];
  for (let y = 0; y < height; y++) {
    rows.push(0);
    for (let x = 0; x < width; x++) rows.push(...(x === y ? [255, 255, 255] : rgb));
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A chart-like image for a post. */
export function chartImage(o: Partial<PostImage> = {}): PostImage {
  return { png: pngBytes().toString('base64'), alt: 'PGR over time: spam rises from 0.30 to 0.72', title: 'PGR over time', ...o };
}

/** Base64 of a PNG-signed blob one byte over 2 MB decoded. */
export function oversizedPng(): string {
  const big = Buffer.alloc(2 * 1024 * 1024 + 1, 7);
  pngBytes().copy(big);
  return big.toString('base64');
}
