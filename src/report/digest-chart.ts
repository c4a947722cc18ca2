import type { OutboxPost } from '../forum/outbox.js';
import type { Ledger } from '../ledger/ledger.js';
import { buildReport } from './campaign-report.js';
import { pgrChart } from './chart.js';

/** The morning digest's picture: PGR over time per task, as a post in the results channel (undefined before anything ranks). */
export async function digestChart(ledger: Ledger, campaignId: string, claimSeeds: number): Promise<OutboxPost | undefined> {
  const data = buildReport({ ledger, campaignId, claimSeeds });
  const series = data.tasks.filter((t) => t.points.length).map((t) => ({ task: t.task, points: t.points }));
  if (!series.length) return undefined;
  const { png } = await pgrChart(series, { title: `PGR over time · ${campaignId}` });
  const best = data.tasks.map((t) => `${t.task} ${t.best?.pgrPublic ? t.best.pgrPublic.mean.toFixed(2) : '—'}`).join(' · ');
  return {
    channel: 'results',
    persona: { id: 'steward', name: 'steward', icon: ':clipboard:' },
    text: `PGR over time (public, experiments with ${claimSeeds}+ seeds). Best so far: ${best}.`,
    image: { png: Buffer.from(png).toString('base64'), alt: `PGR over time per task; best so far: ${best}`, title: `PGR over time · ${campaignId}` },
  };
}
