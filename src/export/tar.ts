import { gunzipSync, gzipSync } from 'node:zlib';

/** One regular file of an archive: a relative path and its bytes. */
export interface TarEntry {
  path: string;
  bytes: Buffer;
}

const BLOCK = 512;
/** Paths aar writes and accepts: relative, plain characters, no `..`, at most 100 bytes (ustar's name field). */
const SAFE_PATH = /^(?!\/)(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9._-]+(?:\/[A-Za-z0-9._-]+)*$/;

export function isSafePath(path: string): boolean {
  return path.length <= 100 && SAFE_PATH.test(path);
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(path: string, size: number, mtime: number): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(path, 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(mtime, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write('0', 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/**
 * A gzipped POSIX ustar archive of regular files, the same bytes for the same input (fixed
 * mtime, owner 0, mode 644): any tar can list and unpack it, and aar reads it back with
 * readTarGz. Node's zlib and this writer, so no archive package is needed.
 */
export function writeTarGz(entries: readonly TarEntry[], mtimeSeconds: number): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    if (!isSafePath(e.path)) throw new Error(`tar: unsafe path ${JSON.stringify(e.path)}`);
    parts.push(header(e.path, e.bytes.length, mtimeSeconds), e.bytes);
    const pad = (BLOCK - (e.bytes.length % BLOCK)) % BLOCK;
    if (pad) parts.push(Buffer.alloc(pad));
  }
  parts.push(Buffer.alloc(BLOCK * 2));
  return gzipSync(Buffer.concat(parts), { level: 9 });
}

/** Why an archive could not be read: `where` is the entry (or the archive), `problem` what is wrong. */
export class TarError extends Error {
  constructor(
    readonly where: string,
    readonly problem: string,
  ) {
    super(`${where}: ${problem}`);
  }
}

/**
 * Reads a gzipped ustar archive written by writeTarGz, as untrusted input: at most `maxBytes`
 * unpacked, only regular files, every checksum checked, no absolute paths, no `..`, no
 * duplicates. Nothing is written to disk here.
 */
export function readTarGz(gz: Buffer, o: { maxBytes: number }): Map<string, Buffer> {
  let tar: Buffer;
  try {
    tar = gunzipSync(gz, { maxOutputLength: o.maxBytes });
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new TarError('archive', code === 'ERR_BUFFER_TOO_LARGE' ? `unpacks to more than ${o.maxBytes} bytes` : 'not a gzip file');
  }
  const files = new Map<string, Buffer>();
  for (let at = 0; at + BLOCK <= tar.length; ) {
    const h = tar.subarray(at, at + BLOCK);
    if (h.every((b) => b === 0)) return files;
    const name = cString(h.subarray(0, 100));
    const where = name ? `entry ${JSON.stringify(name.slice(0, 100))}` : `the entry at byte ${at}`;
    if (cString(h.subarray(257, 263)) !== 'ustar') throw new TarError(where, 'not a ustar header');
    const stored = parseInt(cString(h.subarray(148, 156)).trim(), 8);
    let sum = 0;
    for (let k = 0; k < BLOCK; k++) sum += k >= 148 && k < 156 ? 32 : h[k];
    if (stored !== sum) throw new TarError(where, 'header checksum does not match');
    const prefix = cString(h.subarray(345, 500));
    const path = prefix ? `${prefix}/${name}` : name;
    const type = String.fromCharCode(h[156]);
    if (type !== '0' && type !== '\0') throw new TarError(where, 'not a regular file (links and devices are refused)');
    if (!isSafePath(path)) throw new TarError(where, 'unsafe path (absolute, with .., or unusual characters)');
    if (files.has(path)) throw new TarError(where, 'appears twice');
    const size = parseInt(cString(h.subarray(124, 136)).trim(), 8);
    if (!Number.isSafeInteger(size) || size < 0 || at + BLOCK + size > tar.length) throw new TarError(where, 'its size runs past the end of the archive');
    files.set(path, Buffer.from(tar.subarray(at + BLOCK, at + BLOCK + size)));
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
  }
  throw new TarError('archive', 'ends without the closing blocks (truncated)');
}

function cString(b: Buffer): string {
  const end = b.indexOf(0);
  return b.toString('utf8', 0, end < 0 ? b.length : end);
}
