import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readTarGz, writeTarGz } from '../../src/export/tar.js';

const files = [
  { path: 'aar-export.json', bytes: Buffer.from('{"format":"x"}\n') },
  { path: 'report/report.md', bytes: Buffer.from('# Campaign\n'.repeat(200)) },
  { path: 'empty.json', bytes: Buffer.alloc(0) },
];

/** A raw ustar header for `name` with a given type flag and size (checksum computed), to build hostile archives. */
function header(name: string, type: string, size: number): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0);
  h.write('0000644\0', 100);
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  h.write('00000000000\0', 136);
  h.write('        ', 148);
  h.write(type, 156);
  h.write('ustar\0', 257);
  h.write('00', 263);
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return h;
}

describe('tar.gz writer and reader', () => {
  it('round-trips files byte for byte, writes the same bytes twice, and system tar reads it', () => {
    const gz = writeTarGz(files, 1_700_000_000);
    expect(writeTarGz(files, 1_700_000_000).equals(gz)).toBe(true);
    const back = readTarGz(gz, { maxBytes: 1 << 20 });
    expect([...back.keys()]).toEqual(files.map((f) => f.path));
    for (const f of files) expect(back.get(f.path)!.equals(f.bytes)).toBe(true);
    const dir = mkdtempSync(path.join(tmpdir(), 'aar-tar-'));
    writeFileSync(path.join(dir, 'a.tar.gz'), gz);
    const listed = spawnSync('tar', ['-tzf', 'a.tar.gz'], { cwd: dir, encoding: 'utf8' });
    expect(listed.stdout.trim().split('\n')).toEqual(files.map((f) => f.path));
    expect(spawnSync('tar', ['-xzf', 'a.tar.gz'], { cwd: dir }).status).toBe(0);
    expect(readFileSync(path.join(dir, 'report/report.md')).equals(files[1].bytes)).toBe(true);
  });

  it('refuses unsafe or damaged archives, naming the entry', () => {
    const wrap = (...parts: Buffer[]) => gzipSync(Buffer.concat([...parts, Buffer.alloc(1024)]));
    const body = Buffer.alloc(512, 65);
    expect(() => readTarGz(wrap(header('../etc/passwd', '0', 512), body), { maxBytes: 1 << 20 })).toThrow(/entry "\.\.\/etc\/passwd": unsafe path/);
    expect(() => readTarGz(wrap(header('/abs', '0', 512), body), { maxBytes: 1 << 20 })).toThrow(/unsafe path/);
    expect(() => readTarGz(wrap(header('link', '2', 0)), { maxBytes: 1 << 20 })).toThrow(/entry "link": not a regular file/);
    expect(() => readTarGz(wrap(header('a', '0', 1), Buffer.alloc(512), header('a', '0', 1), Buffer.alloc(512)), { maxBytes: 1 << 20 })).toThrow(/entry "a": appears twice/);
    const bad = header('a', '0', 1);
    bad[0] = 'b'.charCodeAt(0);
    expect(() => readTarGz(wrap(bad, Buffer.alloc(512)), { maxBytes: 1 << 20 })).toThrow(/header checksum does not match/);
    expect(() => readTarGz(gzipSync(Buffer.concat([header('a', '0', 5000), Buffer.alloc(512)])), { maxBytes: 1 << 20 })).toThrow(/size runs past the end/);
    expect(() => readTarGz(gzipSync(Buffer.concat([header('a', '0', 1), Buffer.alloc(512)])), { maxBytes: 1 << 20 })).toThrow(/truncated/);
    expect(() => readTarGz(Buffer.from('not gzip'), { maxBytes: 1 << 20 })).toThrow(/not a gzip file/);
    expect(() => readTarGz(writeTarGz([{ path: 'big', bytes: Buffer.alloc(1 << 16) }], 0), { maxBytes: 4096 })).toThrow(/unpacks to more than 4096 bytes/);
    expect(() => writeTarGz([{ path: '../x', bytes: Buffer.alloc(1) }], 0)).toThrow(/unsafe path/);
  });
});
