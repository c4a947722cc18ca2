import { auditLog, type AuditLog } from '../../audit/audit-log.js';
import type { Config } from '../../config/env.js';
import { InvalidInputError } from '../../domain/errors.js';
import { Ledger } from '../../ledger/ledger.js';
import { knownCampaigns } from '../../report/campaign-scope.js';
import { parseFlags } from '../args.js';

export const AUDIT_USAGE = `aar audit [--campaign ID] [--json]

The integrity log: every flag, auditor verdict, veto, unveto, approval and overturn in the
order they happened, with who, when, which experiment or method tag, and why. Then how often
people overturned the auditor: false alarms (it raised a concern, a person approved the
result), missed (it said ok, a person vetoed), confirmed either way, and explicit overturns.

  --campaign ID  only what touches this campaign's experiments (default: the whole ledger)
  --json         print {campaign, entries, overturns} as one JSON object`;

// Reasons can be long paragraphs from the auditor; the table keeps one line per fact.
const MAX_WHY = 100;

/** `aar audit`: prints the ledger's integrity log and how often people overturned the auditor. */
export async function auditCommand(argv: string[], config: Config, out: NodeJS.WritableStream): Promise<void> {
  const flags = parseFlags('audit', argv, {
    campaign: { type: 'string' },
    json: { type: 'boolean', default: false },
  });
  const ledger = Ledger.open(config.ledgerPath);
  let log: AuditLog;
  try {
    if (flags.campaign !== undefined) {
      const known = knownCampaigns(ledger);
      if (!known.includes(flags.campaign)) {
        const listed = known.length ? `known campaigns: ${known.join(', ')}` : 'the ledger has no campaigns yet';
        // Only known ids are echoed in full: the flag's value may be anything a person pasted.
        throw new InvalidInputError('arguments to "aar audit"', [{ field: '--campaign', problem: `unknown campaign "${flags.campaign.slice(0, 200)}"; ${listed}` }]);
      }
    }
    log = auditLog(ledger, { campaignId: flags.campaign });
  } finally {
    ledger.close();
  }
  if (flags.json) {
    out.write(`${JSON.stringify({ campaign: log.campaignId, entries: log.entries, overturns: log.overturns })}\n`);
    return;
  }
  out.write(`${render(log)}\n`);
}

function render(log: AuditLog): string {
  const scope = log.campaignId ? `campaign ${log.campaignId}` : 'the whole ledger';
  const lines = [`Audit log of ${scope}: ${log.entries.length} ${log.entries.length === 1 ? 'entry' : 'entries'}.`];
  if (log.entries.length) {
    const short = (s: string) => (s.length > MAX_WHY ? `${s.slice(0, MAX_WHY - 1)}…` : s);
    lines.push(leftTable(['when', 'who', 'what', 'target', 'why'], log.entries.map((e) => [e.at, e.who, e.what, e.target, short(e.why.replace(/\s+/g, ' '))])));
  }
  const o = log.overturns;
  lines.push(
    '',
    'People vs the auditor:',
    `  overturned: false alarm  ${o.falseAlarms}  (it raised a concern; a person approved or cleared it)`,
    `  overturned: missed       ${o.missed}  (it said ok; a person vetoed it or its method)`,
    `  confirmed suspicious     ${o.confirmedSuspicious}`,
    `  confirmed ok             ${o.confirmedOk}`,
    `  explicit overturns       ${o.explicit}  (the forum's \`overturn\` command)`,
  );
  return lines.join('\n');
}

// format.ts's table right-aligns every column after the first, which suits numbers; this log is words.
function leftTable(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
