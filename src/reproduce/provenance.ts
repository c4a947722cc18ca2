import { createHash } from 'node:crypto';
import { z } from 'zod';
import { parseMethod, type Method } from '../domain/method.js';
import type { Ledger } from '../ledger/ledger.js';
import type { DataVersion } from './data-version.js';
import { runtimeVersions, type RuntimeVersions } from './versions.js';

/** Bump when the record's meaning changes; readers refuse versions they do not know. */
export const PROVENANCE_VERSION = 1;

const Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 in hex');

/** What re-running an experiment needs, recorded when it is submitted (a `provenance` event). */
export const ProvenanceSchema = z.object({
  version: z.literal(PROVENANCE_VERSION),
  task: z.string().min(1).max(40),
  seeds: z.array(z.int().min(0)).min(1).max(100),
  /** The method with every default filled in and keys sorted: what the runner ran. */
  method: z.record(z.string(), z.unknown()),
  methodHash: Hex,
  /** sha256 of the method's code, when it has any. */
  codeHash: Hex.optional(),
  data: z.object({ task: z.string(), hash: Hex, splits: z.record(z.string(), Hex) }).optional(),
  /** Where its jobs were sent: in-process threads (the embedded runner) or a BullMQ queue (whichever runner its workers run). */
  queue: z.enum(['memory', 'bullmq']).optional(),
  versions: z.object({ aar: z.string(), commit: z.string().optional(), node: z.string(), packages: z.record(z.string(), z.string()) }),
});
export type Provenance = z.output<typeof ProvenanceSchema>;

/** What the embedded runner reports with each job (stats.runner): the data it actually trained on. */
export const RunnerInfoSchema = z.object({
  name: z.string(),
  dataHash: Hex.optional(),
  splitsHash: Hex.optional(),
  aar: z.string().optional(),
  node: z.string().optional(),
});
export type RunnerInfo = z.output<typeof RunnerInfoSchema>;

export function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** A method as a stable record: defaults filled in, keys sorted, with its hash and its code's. */
export function normaliseMethod(method: unknown): { method: Record<string, unknown>; methodHash: string; codeHash?: string } {
  const parsed: Method = parseMethod(method);
  const normalised = sortKeys(parsed) as Record<string, unknown>;
  return { method: normalised, methodHash: sha256(JSON.stringify(normalised)), ...(parsed.code ? { codeHash: sha256(parsed.code.source) } : {}) };
}

/** The provenance of a submission: method and hashes, seeds, task, its data version (when known), where it ran, and versions. */
export function buildProvenance(req: { task: string; method: unknown; seeds: number[] }, o: { data?: DataVersion; queue?: 'memory' | 'bullmq'; versions?: RuntimeVersions } = {}): Provenance {
  return {
    version: PROVENANCE_VERSION,
    task: req.task,
    seeds: [...req.seeds],
    ...normaliseMethod(req.method),
    ...(o.data ? { data: o.data } : {}),
    ...(o.queue ? { queue: o.queue } : {}),
    versions: o.versions ?? runtimeVersions(),
  };
}

export function recordProvenance(ledger: Ledger, experimentId: string, p: Provenance, campaignId?: string): void {
  ledger.append('provenance', { experimentId, campaignId, data: p as unknown as Record<string, unknown> });
}

/** An experiment's recorded provenance: the record itself, or why there is none usable. */
export function provenanceOf(ledger: Ledger, experimentId: string): { provenance: Provenance } | { missing: string } {
  const e = ledger.events({ experimentId, kind: 'provenance' }).at(-1);
  if (!e) return { missing: 'no provenance record (the experiment was submitted before aar recorded what re-running needs)' };
  const parsed = ProvenanceSchema.safeParse(e.data);
  if (!parsed.success) return { missing: `its provenance record is unreadable (${parsed.error.issues[0]?.path.join('.') || 'record'}: ${parsed.error.issues[0]?.message ?? 'invalid'})` };
  return { provenance: parsed.data };
}
