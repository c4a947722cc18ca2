import type { CampaignSummary } from '../../campaign/summary.js';
import { REFERENCE_USD_PER_AGENT_HOUR } from '../../campaign/spend.js';
import type { Config } from '../../config/env.js';
import type { Ledger } from '../../ledger/ledger.js';
import { table } from '../format.js';

const f2 = (x: number | undefined) => (x === undefined ? '—' : x.toFixed(2));

/** The end of `aar run`: the outcome per task, spend, flags, the report's path, and with --json one object as the last line. */
export async function finishCampaign(o: { config: Config; ledger: Ledger; summary: CampaignSummary; json: boolean; out: NodeJS.WritableStream; writeReport?: () => Promise<string> }): Promise<void> {
  const s = o.summary;
  const rows = Object.entries(s.tasks).map(([task, t]) => [
    task,
    f2(t.baseline?.pgrPrivate),
    t.best ? `${t.best.experiment} (${t.best.method}, ${t.best.agent})` : '—',
    f2(t.best?.pgrPublic),
    f2(t.best?.pgrPrivate),
  ]);
  o.out.write(`\nCampaign ${s.campaign}: ${s.experiments} experiments\n${table(['task', 'aux-conf PGR (private)', 'best (claimed first, then by private PGR)', 'PGR public', 'PGR private'], rows)}\n`);
  o.out.write(
    `Spend: $${s.spend.usd.toFixed(2)} over ${s.spend.agentHours.toFixed(2)} agent-hours, ${s.spend.activeAgentHours.toFixed(2)} of them active ($${s.spend.usdPerAgentHour.toFixed(2)} per agent-hour, $${s.spend.usdPerActiveAgentHour.toFixed(2)} per active agent-hour; the reference study: $${REFERENCE_USD_PER_AGENT_HOUR}); ${s.spend.gpuHours.toFixed(3)} worker-hours.\n` +
      `Flags: ${s.flags} · vetoes: ${s.vetoes}\n`,
  );
  if (s.transfer) {
    const rows = Object.values(s.transfer).flatMap((t) => [
      [t.task, 'aux-conf', '—', `${f2(t.auxConf.mean)} ± ${f2(t.auxConf.se)}`, '—'],
      ...t.methods.map((m) => [t.task, `${m.role}: ${m.method}`, m.from, `${f2(m.pgr.mean)} ± ${f2(m.pgr.se)}`, `${m.gain.mean >= 0 ? '+' : ''}${f2(m.gain.mean)} ± ${f2(m.gain.se)}`]),
    ]);
    o.out.write(`Transfer to held-out tasks (fresh seeds, private half; ± combined SE: seed + item bootstrap):\n${table(['held-out task', 'method', 'found on', 'PGR', 'vs aux-conf'], rows)}\n`);
  }
  if (s.leaveOneTaskOut && Object.keys(s.leaveOneTaskOut).length) {
    const rows = Object.values(s.leaveOneTaskOut).map((l) => [l.task, `${f2(l.auxConf.mean)} ± ${f2(l.auxConf.se)}`, l.best ? `${l.best.method} (from ${l.best.from})` : '—', l.best ? `${f2(l.best.pgr.mean)} ± ${f2(l.best.pgr.se)}` : '—', l.best ? `${l.best.gain.mean >= 0 ? '+' : ''}${f2(l.best.gain.mean)} ± ${f2(l.best.gain.se)}` : '—']);
    o.out.write(`Leave one search task out (the pick of the other search tasks, run on it):\n${table(['left-out task', 'aux-conf', 'pick', 'PGR', 'vs aux-conf'], rows)}\n`);
  }
  const report = o.writeReport ? await o.writeReport() : undefined;
  if (report) o.out.write(`Report: ${report}\n`);
  if (!o.json) o.out.write('Keep reading the threads with `npx aar forum`; `npx aar audit` lists every flag, verdict and veto.\n');
  if (o.json) o.out.write(`${JSON.stringify({ ...s, ...(report ? { report } : {}) })}\n`);
}

/** What a stopping coordinator says about forum posts it could not deliver. */
export function pendingLine(command: string, pending: { posts: number; edits: number }): string {
  const what = [pending.posts ? `${pending.posts} post${pending.posts === 1 ? '' : 's'}` : '', pending.edits ? `${pending.edits} edit${pending.edits === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ');
  return `${command}: ${what} not delivered to the forum yet (kept in the ledger's outbox); \`aar forum\` (or the next aar run) delivers them`;
}
