import { join } from 'node:path';
import { campaignSpend } from '../../campaign/spend.js';
import type { Config } from '../../config/env.js';
import { AarError, InvalidInputError } from '../../domain/errors.js';
import { Ledger } from '../../ledger/ledger.js';
import { buildReport, writeReport, type ReportData, type WrittenReport } from '../../report/campaign-report.js';
import { readCampaignRecord } from '../../export/read.js';
import { UnknownCampaignError, campaignScope } from '../../report/campaign-scope.js';
import { parseFlags } from '../args.js';

export const REPORT_USAGE = `aar report [--campaign ID | --from FILE] [--out DIR] [--json]

Writes a campaign's report: report.md, report.html (self-contained) and a PGR-over-time chart
per task (pgr-<task>.svg and .png). It shows the baselines and the best result per task (public
and private PGR over seeds), the leaderboard, the best method's lineage, flagged results,
auditor verdicts, vetoes and spend next to the reference study's $22 per agent-hour.

  --campaign ID  the campaign to report (default: the latest one with experiments)
  --from FILE    render the report of a campaign record \`aar export\` wrote (no ledger needed)
  --out DIR      where to write (default: $AAR_HOME/reports/<campaign>/)
  --json         print the written paths as JSON`;

/** `aar report`: builds the report from the ledger and writes it; prints where it went. */
export async function reportCommand(argv: string[], config: Config, out: NodeJS.WritableStream, o: { now?: () => Date } = {}): Promise<void> {
  const flags = parseFlags('report', argv, {
    campaign: { type: 'string' },
    from: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  if (flags.from !== undefined && flags.campaign !== undefined) {
    throw new InvalidInputError('arguments to "aar report"', [{ field: '--from', problem: 'a record holds one campaign: give --from or --campaign, not both' }]);
  }
  if (flags.campaign !== undefined && !/^\S{1,200}$/.test(flags.campaign)) {
    throw new InvalidInputError('arguments to "aar report"', [{ field: '--campaign', problem: 'expected a campaign id (no spaces)' }]);
  }
  if (flags.out !== undefined && flags.out.trim() === '') {
    throw new InvalidInputError('arguments to "aar report"', [{ field: '--out', problem: 'expected a directory path' }]);
  }
  if (flags.from !== undefined) {
    // The record carries the report's data: rendered here exactly as where it was exported.
    const data = readCampaignRecord(flags.from).report;
    return printWritten(out, data, await writeReport(data, flags.out ?? join(config.home, 'reports', safeDirName(data.campaignId ?? 'all'))), flags.json);
  }
  const ledger = Ledger.open(config.ledgerPath);
  try {
    let scope;
    try {
      scope = campaignScope(ledger, flags.campaign);
    } catch (err) {
      if (!(err instanceof UnknownCampaignError)) throw err;
      const known = err.known.length ? `known campaigns: ${err.known.join(', ')}` : 'the ledger has no campaigns yet';
      throw new InvalidInputError('arguments to "aar report"', [{ field: '--campaign', problem: `unknown campaign "${err.campaignId}"; ${known}` }]);
    }
    if (!scope.experimentIds.length) {
      const where = scope.campaignId ? `campaign ${scope.campaignId} has` : `the ledger at ${config.ledgerPath} has`;
      throw new AarError('no_experiments', `nothing to report: ${where} no experiments yet; run a campaign first (\`npm start\` runs the embedded one)`);
    }
    const data = buildReport({
      ledger,
      campaignId: scope.campaignId ?? undefined,
      spend: scope.campaignId ? campaignSpend(ledger, scope.campaignId) : null,
      now: o.now,
    });
    const dir = flags.out ?? join(config.home, 'reports', safeDirName(scope.campaignId ?? 'all'));
    printWritten(out, data, await writeReport(data, dir), flags.json);
  } finally {
    ledger.close();
  }
}

function printWritten(out: NodeJS.WritableStream, data: ReportData, written: WrittenReport, json: boolean): void {
  if (json) {
    out.write(`${JSON.stringify({ campaign: data.campaignId, experiments: data.experiments, ...written })}\n`);
    return;
  }
  const lines = [
    `report of ${data.campaignId ? `campaign ${data.campaignId}` : 'all experiments (no campaign id)'}: ${data.experiments} experiments on ${data.tasks.length} tasks`,
    `  ${written.markdown}`,
    `  ${written.html}`,
    ...written.charts.flatMap((c) => [`  ${c.svg}`, `  ${c.png}`]),
  ];
  out.write(`${lines.join('\n')}\n`);
}

/** Campaign ids come from the ledger: keep them from reaching outside the reports folder. */
function safeDirName(id: string): string {
  return id.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^\.+/, '_').slice(0, 100) || 'campaign';
}
