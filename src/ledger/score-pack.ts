/**
 * A result's score packed for the ledger: a score is 11-12 accuracies and PGRs, about 270 bytes
 * as JSON (17 digits each, and the key names, in every row), 75-83 bytes packed: a version byte,
 * a 2-byte mask of the slots present, then each present slot as a float64 (exact: a double read
 * back is the double written). The public and private PGR are not repeated: the row has them in
 * its pgr_public and pgr_private columns, written from the same numbers. Rows written before
 * (JSON text) stay as they were; readers take both. A score of any other shape (extra keys, a
 * non-number) is stored as JSON, as before.
 */

const HALVES = ['public', 'private', 'all'] as const;
const FIELDS = ['weak', 'ceiling', 'student', 'pgr'] as const;
/** Marks the format, so a future layout can be told apart. */
const VERSION = 1;

/** The row's own columns that hold the PGRs of the halves. */
export interface PgrColumns {
  public: number;
  private: number;
}

const fromColumn = (half: string, field: string) => field === 'pgr' && (half === 'public' || half === 'private');

/** The packed score, or undefined when its shape is not the slots above (then it goes in as JSON). */
export function packScore(score: unknown): Buffer | undefined {
  if (!isObject(score) || !Object.keys(score).every((k) => (HALVES as readonly string[]).includes(k))) return undefined;
  let mask = 0;
  const values: number[] = [];
  for (const [h, half] of HALVES.entries()) {
    const part = score[half];
    if (part === undefined) continue;
    // An empty half would come back missing: keep such a score as JSON.
    if (!isObject(part) || Object.keys(part).length === 0 || !Object.keys(part).every((k) => (FIELDS as readonly string[]).includes(k))) return undefined;
    for (const [f, field] of FIELDS.entries()) {
      const v = part[field];
      if (v === undefined) continue;
      if (typeof v !== 'number') return undefined;
      mask |= 1 << (h * FIELDS.length + f);
      if (!fromColumn(half, field)) values.push(v);
    }
  }
  const out = Buffer.alloc(3 + 8 * values.length);
  out.writeUInt8(VERSION, 0);
  out.writeUInt16LE(mask, 1);
  values.forEach((v, k) => out.writeDoubleLE(v, 3 + 8 * k));
  return out;
}

/** The score a results row holds: packed (a Buffer, with the row's PGR columns) or JSON text (rows from before, or of another shape). */
export function unpackScore(stored: unknown, pgr: PgrColumns): Record<string, Record<string, number>> {
  if (!Buffer.isBuffer(stored)) return JSON.parse(String(stored)) as Record<string, Record<string, number>>;
  if (stored.readUInt8(0) !== VERSION) throw new Error(`a results row has a score packed in an unknown format (version ${stored.readUInt8(0)})`);
  const mask = stored.readUInt16LE(1);
  const score: Record<string, Record<string, number>> = {};
  let k = 0;
  for (const [h, half] of HALVES.entries()) {
    for (const [f, field] of FIELDS.entries()) {
      if (!(mask & (1 << (h * FIELDS.length + f)))) continue;
      (score[half] ??= {})[field] = fromColumn(half, field) ? pgr[half as keyof PgrColumns] : stored.readDoubleLE(3 + 8 * k++);
    }
  }
  return score;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
