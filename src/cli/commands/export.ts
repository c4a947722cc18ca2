import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../../config/env.js';
import { AarError, InvalidInputError } from '../../domain/errors.js';
import { collectCampaignRecord, packCampaignRecord } from '../../export/campaign-export.js';
import { Ledger } from '../../ledger/ledger.js';
import { UnknownCampaignError } from '../../report/campaign-scope.js';
import { parseFlags } from '../args.js';

export const EXPORT_USAGE = `aar export [--campaign ID] --out FILE [--force] [--json]

Writes a campaign's shareable record as one .tar.gz: the report (report.md, report.html, a PGR
chart per task) and the data it was rendered from, the findings with their votes, the
leaderboard, every experiment's spec, provenance and public and private scores per seed, and
the audit log. No secrets and no evaluation labels. On another machine, \`aar report --from FILE\`
renders the report again and \`aar reproduce --from FILE <experiment>\` re-runs an experiment.

  --campaign ID  the campaign (default: the latest one with experiments)
  --out FILE     where to write it (e.g. nightly.tar.gz)
  --force        replace FILE if it exists
  --json         print what was written as JSON`;

/** `aar export`: the campaign's record as one self-contained file. */
export async function exportCommand(argv: string[], config: Config, out: NodeJS.WritableStream): Promise<void> {
  const flags = parseFlags('export', argv, {
    campaign: { type: 'string' },
    out: { type: 'string' },
    force: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  });
  const problems: { field: string; problem: string }[] = [];
  if (flags.out === undefined || flags.out.trim() === '') problems.push({ field: '--out', problem: 'required; accepted: a file path such as campaign.tar.gz' });
  else if (existsSync(flags.out) && !flags.force) problems.push({ field: '--out', problem: `"${flags.out}" exists; pass --force to replace it, or choose another path` });
  if (flags.campaign !== undefined && !/^\S{1,200}$/.test(flags.campaign)) problems.push({ field: '--campaign', problem: 'expected a campaign id (no spaces)' });
  if (problems.length) throw new InvalidInputError('arguments to "aar export"', problems);
  const target = resolve(flags.out!);
  const ledger = Ledger.open(config.ledgerPath);
  try {
    let record;
    try {
      record = await collectCampaignRecord(ledger, { campaignId: flags.campaign });
    } catch (err) {
      if (!(err instanceof UnknownCampaignError)) throw err;
      throw new InvalidInputError('arguments to "aar export"', [{ field: '--campaign', problem: `unknown campaign "${err.campaignId}"; ${err.known.length ? `known campaigns: ${err.known.join(', ')}` : 'the ledger has no campaigns yet'}` }]);
    }
    if (!record.report.experiments) {
      throw new AarError('no_experiments', `nothing to export: ${record.campaignId ? `campaign ${record.campaignId} has` : `the ledger at ${config.ledgerPath} has`} no experiments yet; run a campaign first (\`npm start\` runs the embedded one)`);
    }
    const archive = packCampaignRecord(record);
    mkdirSync(dirname(target), { recursive: true });
    // Written whole or not at all: a half-written record would fail its checksums elsewhere.
    const tmp = `${target}.${process.pid}.tmp`;
    writeFileSync(tmp, archive);
    renameSync(tmp, target);
    const summary = { campaign: record.campaignId, out: target, bytes: archive.length, experiments: record.report.experiments, files: record.files.map((f) => f.path) };
    out.write(flags.json ? `${JSON.stringify(summary)}\n` : `wrote the record of ${record.campaignId ? `campaign ${record.campaignId}` : 'all experiments'} (${record.report.experiments} experiments, ${record.files.length + 1} files, ${(archive.length / 1024).toFixed(0)} KiB) to ${target}\n`);
  } finally {
    ledger.close();
  }
}
