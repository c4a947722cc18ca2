import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditLog } from '../audit/audit-log.js';
import { campaignSpend } from '../campaign/spend.js';
import { campaignFindings } from '../findings/campaign.js';
import { redactSecrets } from '../forum/redact.js';
import { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { seedFailures } from '../pipeline/failures.js';
import { buildReport, writeReport, type ReportData } from '../report/campaign-report.js';
import { campaignScope } from '../report/campaign-scope.js';
import { provenanceOf, RunnerInfoSchema } from '../reproduce/provenance.js';
import { runtimeVersions } from '../reproduce/versions.js';
import { writeTarGz, type TarEntry } from './tar.js';

/** What an export says it is: read back only when both match. */
export const EXPORT_FORMAT = 'aar-campaign-record';
export const EXPORT_VERSION = 1;
/** The manifest's path in the archive. */
export const MANIFEST = 'aar-export.json';

/** Every string of a value with tokens and passwords redacted: nothing secret leaves in an export, whatever the ledger holds. */
export function redactDeep<T>(v: T): T {
  if (typeof v === 'string') return redactSecrets(v) as T;
  if (Array.isArray(v)) return v.map(redactDeep) as T;
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, redactDeep(x)])) as T;
  return v;
}

const json = (v: unknown) => Buffer.from(`${JSON.stringify(v, null, 2)}\n`);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** One experiment as an export carries it: its spec and provenance, each seed's public and private scores, flags and failures. */
function experimentRecord(ledger: Ledger, id: string) {
  const e = ledger.experiment(id)!;
  const p = provenanceOf(ledger, id);
  const hypothesis = (ledger.db.prepare('SELECT h.text FROM hypotheses h JOIN experiments x ON x.hypothesis_id = h.id WHERE x.id = ?').get(id) as { text: string } | undefined)?.text ?? null;
  return {
    id,
    campaignId: e.campaignId,
    agent: e.agent,
    task: e.task,
    method: e.method,
    methodTag: e.methodTag,
    seeds: e.seeds,
    parents: e.parents,
    hypothesis,
    createdAt: e.createdAt,
    provenance: 'provenance' in p ? p.provenance : null,
    // Accuracies and PGR per half: what people see. Never predictions, never anything per item.
    results: ledger.results(id).map((r) => {
      const runner = RunnerInfoSchema.safeParse(r.stats.runner);
      return { seed: r.seed, scoredAt: r.scoredAt, pgrPublic: r.score.public.pgr, pgrPrivate: r.score.private.pgr, public: r.score.public, private: r.score.private, flags: r.flags, ...(runner.success ? { runner: runner.data } : {}) };
    }),
    failures: seedFailures(ledger, id),
  };
}

/** The files of an export, before packing: the manifest lists each with its hash. */
export interface CampaignRecord {
  campaignId: string | null;
  files: TarEntry[];
  report: ReportData;
}

/**
 * A campaign's shareable record: the report (Markdown, HTML, charts) and the data it was
 * rendered from, the findings with their votes, the leaderboard, every experiment's spec,
 * provenance and public and private scores, and the audit log. No secrets (every string is
 * redacted), no evaluation labels and nothing per item (only scores per seed).
 */
export async function collectCampaignRecord(ledger: Ledger, o: { campaignId?: string; now?: () => Date } = {}): Promise<CampaignRecord> {
  const records = new ForumRecords(ledger);
  const scope = campaignScope(ledger, o.campaignId);
  const report = redactDeep(buildReport({ ledger, campaignId: scope.campaignId ?? undefined, spend: scope.campaignId ? campaignSpend(ledger, scope.campaignId) : null, now: o.now }));
  const files: TarEntry[] = [{ path: 'report-data.json', bytes: json(report) }];
  files.push(...(await renderedReport(report)));
  files.push({ path: 'experiments.json', bytes: json(redactDeep(scope.experimentIds.map((id) => experimentRecord(ledger, id)))) });
  files.push({ path: 'findings.json', bytes: json(redactDeep(campaignFindings(ledger, records, { ...scope, span: report.span }))) });
  const leaderboard = report.tasks.map((t) => ({
    task: t.task,
    rows: t.leaderboard.map((e) => ({ rank: e.rank, experiment: e.id, method: e.methodTag ?? 'custom', agent: e.agent, pgrPublic: e.pgrPublic, pgrPrivate: e.pgrPrivate, seeds: e.seeds, approved: e.approved })),
  }));
  files.push({ path: 'leaderboard.json', bytes: json(leaderboard) });
  files.push({ path: 'audit.json', bytes: json(redactDeep(auditLog(ledger, scope.campaignId ? { campaignId: scope.campaignId } : {}))) });
  return { campaignId: scope.campaignId, files, report };
}

/** The report as `aar report` writes it, rendered in a scratch folder and read back (report/…). */
export async function renderedReport(report: ReportData): Promise<TarEntry[]> {
  const dir = mkdtempSync(join(tmpdir(), 'aar-export-'));
  try {
    await writeReport(report, dir);
    return readdirSync(dir)
      .sort()
      .map((name) => ({ path: `report/${name}`, bytes: readFileSync(join(dir, name)) }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The record packed as one .tar.gz, its manifest first (format, version, campaign, versions, each file's size and sha256). */
export function packCampaignRecord(r: CampaignRecord, o: { now?: () => Date } = {}): Buffer {
  const created = (o.now ?? (() => new Date()))();
  const manifest = {
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    campaign: r.campaignId,
    createdAt: created.toISOString(),
    versions: runtimeVersions(),
    files: r.files.map((f) => ({ path: f.path, bytes: f.bytes.length, sha256: sha256(f.bytes) })),
  };
  return writeTarGz([{ path: MANIFEST, bytes: json(manifest) }, ...r.files], Math.floor(created.getTime() / 1000));
}
