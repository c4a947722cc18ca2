import type { Ledger } from './ledger.js';

/** A scored job's student predictions on the public half, one class per item in the label vault's public order. */
export interface PublicPredictions {
  /** Order of recording: near-duplicates are judged against what was scored before. */
  seq: number;
  jobId: string;
  experimentId: string;
  /** The agent that proposed the experiment (null for a person). */
  agent: string | null;
  task: string;
  seed: number;
  classes: Uint8Array;
}

/** Bits per stored class: the fewest of 1, 2, 4 or 8 that hold the largest class. */
export function bitsFor(classes: Uint8Array): 1 | 2 | 4 | 8 {
  let max = 0;
  for (const c of classes) if (c > max) max = c;
  return max < 2 ? 1 : max < 4 ? 2 : max < 16 ? 4 : 8;
}

/**
 * Packs classes into `bits` bits each, lowest bits first: a binary task's 1,000 public items
 * take 125 bytes instead of 1,000, which is most of what a month of predictions costs on disk.
 */
export function packClasses(classes: Uint8Array, bits: 1 | 2 | 4 | 8): Uint8Array {
  if (bits === 8) return classes;
  const perByte = 8 / bits;
  const out = new Uint8Array(Math.ceil(classes.length / perByte));
  for (let k = 0; k < classes.length; k++) out[(k / perByte) | 0] |= classes[k] << ((k % perByte) * bits);
  return out;
}

export function unpackClasses(packed: Uint8Array, bits: number, items: number): Uint8Array {
  if (bits === 8) return packed;
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(items);
  for (let k = 0; k < items; k++) out[k] = (packed[(k / perByte) | 0] >> ((k % perByte) * bits)) & mask;
  return out;
}

/**
 * Records a job's public predictions once (a redelivered job is ignored). Call it after the
 * job's result is recorded, in the same transaction: the row refers to the result.
 */
export function recordPublicPredictions(ledger: Ledger, p: Omit<PublicPredictions, 'seq'>): boolean {
  const bits = bitsFor(p.classes);
  const packed = packClasses(p.classes, bits);
  const info = ledger.db
    .prepare('INSERT OR IGNORE INTO public_predictions (job_id, experiment_id, agent, task, seed, classes, bits, items) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(p.jobId, p.experimentId, p.agent, p.task, p.seed, Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength), bits, p.classes.length);
  return info.changes > 0;
}

/** Public predictions recorded after `afterSeq`, oldest first (everything with 0). */
export function publicPredictionsAfter(ledger: Ledger, afterSeq: number): PublicPredictions[] {
  const rows = ledger.db.prepare('SELECT seq, job_id, experiment_id, agent, task, seed, classes, bits, items FROM public_predictions WHERE seq > ? ORDER BY seq').all(afterSeq) as Record<string, unknown>[];
  return rows.map((r) => {
    const blob = r.classes as Buffer;
    const bytes = new Uint8Array(blob.buffer, blob.byteOffset, blob.byteLength);
    // Rows from before packing (migration 12) hold one byte per class and no item count.
    const bits = Number(r.bits);
    return {
      seq: Number(r.seq),
      jobId: String(r.job_id),
      experimentId: String(r.experiment_id),
      agent: (r.agent as string | null) ?? null,
      task: String(r.task),
      seed: Number(r.seed),
      classes: unpackClasses(bytes, bits, r.items === null ? bytes.length : Number(r.items)),
    };
  });
}

/** One seed's public predictions as stored: `bits` per class, `items` classes. */
export interface PackedPredictions {
  packed: Uint8Array;
  bits: number;
  items: number;
}

/** One experiment's public predictions per seed as stored (a redelivered seed keeps its first): compared without unpacking. */
export function packedPredictionsOf(ledger: Ledger, experimentId: string): Map<number, PackedPredictions> {
  return packedPredictionsOfMany(ledger, [experimentId]).get(experimentId) ?? new Map();
}

/**
 * The same for several experiments in one query. Through the experiments' results: public
 * predictions have no index by experiment (migration 81), and each result names its job's row.
 */
export function packedPredictionsOfMany(ledger: Ledger, experimentIds: readonly string[]): Map<string, Map<number, PackedPredictions>> {
  const rows = ledger.db
    .prepare('SELECT p.experiment_id AS id, p.seed, p.classes, p.bits, p.items FROM results r JOIN public_predictions p ON p.job_id = r.job_id WHERE r.experiment_id IN (SELECT value FROM json_each(?)) AND p.experiment_id = r.experiment_id ORDER BY p.seq')
    .all(JSON.stringify(experimentIds)) as { id: string; seed: number; classes: Buffer; bits: number; items: number | null }[];
  const out = new Map<string, Map<number, PackedPredictions>>();
  for (const r of rows) {
    let seeds = out.get(r.id);
    if (!seeds) out.set(r.id, (seeds = new Map()));
    if (seeds.has(r.seed)) continue;
    const packed = new Uint8Array(r.classes.buffer, r.classes.byteOffset, r.classes.byteLength);
    seeds.set(r.seed, { packed, bits: r.bits, items: r.items ?? packed.length });
  }
  return out;
}

/** Set bits per byte value. */
const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => b.toString(2).replace(/0/g, '').length);

/**
 * Items on which two seeds' predictions differ. Binary tasks (one bit per class, the unused
 * bits of the last byte zero in both) compare eight items per byte; other widths are unpacked.
 */
export function itemsThatDiffer(a: PackedPredictions, b: PackedPredictions): number {
  if (a.items !== b.items) throw new Error(`predictions of ${a.items} and ${b.items} items cannot be compared`);
  let n = 0;
  if (a.bits === 1 && b.bits === 1) {
    for (let k = 0; k < a.packed.length; k++) n += POPCOUNT[a.packed[k] ^ b.packed[k]];
    return n;
  }
  const x = unpackClasses(a.packed, a.bits, a.items);
  const y = unpackClasses(b.packed, b.bits, b.items);
  for (let k = 0; k < a.items; k++) n += x[k] === y[k] ? 0 : 1;
  return n;
}
