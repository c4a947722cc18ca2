// Fills a ledger the way a campaign leaves it, through the project's own APIs: experiments of
// 9 agents on 4 tasks with 5 seeds each, every job's events (queued, started, progress,
// finished, scored) and result, its public predictions (3% near-duplicates of an earlier
// one), two messages per experiment, each experiment's thread posts with their progress
// edits, a turn and a note per experiment, one veto and flag in a hundred, and the forum's place
// in the ledger (the coordinator's forum followed the campaign).
import { randomBytes } from 'node:crypto';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { addFlag } from '../../src/ledger/flags.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import { recordPublicPredictions } from '../../src/ledger/predictions.js';
import { Ladder } from '../../src/scoring/ladder.js';
import { Rng } from '../../workers/w2s/rng.js';

export const SCALE_AGENTS = ['ada', 'bayes', 'curie', 'darwin', 'euler', 'fermi', 'gauss', 'hopper', 'noether'];
export const SCALE_TASKS = ['spam', 'sentiment', 'math', 'code'];
const SEEDS = [1, 2, 3, 4, 5];
const PUBLIC_ITEMS = 1000;
export const SCALE_CAMPAIGN = 'scale';

/** Adds `count` experiments (numbered from `from`) to the ledger; returns their ids. */
export function populate(ledger: Ledger, from: number, count: number, rng = new Rng(from, 'scale')): string[] {
  const records = new ForumRecords(ledger);
  const ids: string[] = [];
  const anchors = new Map<string, Uint8Array>();
  ledger.db.transaction(() => {
    for (let k = from; k < from + count; k++) {
      const agent = SCALE_AGENTS[k % SCALE_AGENTS.length];
      const task = SCALE_TASKS[Math.floor(k / SCALE_AGENTS.length) % SCALE_TASKS.length];
      const id = `e${String(k).padStart(6, '0')}-${randomBytes(3).toString('hex')}`;
      const parents = ids.length > 3 && k % 3 === 0 ? [ids[ids.length - 3]] : [];
      ledger.proposeExperiment({
        id,
        task,
        method: { name: `${agent}-${k}`, labels: 'soft', labelSmoothing: 0, auxConf: { alphaMax: Math.round(rng.next() * 100) / 100, warmup: 0.2, threshold: 'adaptive', fixedThreshold: 0.5 } },
        seeds: SEEDS,
        campaignId: SCALE_CAMPAIGN,
        agent,
        hypothesis: { id: `h-${id}`, text: `Hypothesis ${k}: less self-trust early should help on ${task}, because the weak labels are noisy near the boundary.` },
        parents,
      });
      const persona = { id: agent, name: agent, icon: ':robot_face:' };
      const system = { id: 'aar', name: 'aar', icon: ':gear:' };
      records.addPost(`exp:${id}`, undefined, { channel: 'forum', persona, text: `Hypothesis ${k}` });
      records.markDelivered(`exp:${id}`, `ref-${id}`);
      records.addPost(`exp:${id}:progress`, `exp:${id}`, { channel: 'forum', persona: system, text: 'Running: 0 of 5 seeds scored' });
      records.markDelivered(`exp:${id}:progress`, `ref-${id}-p`);
      for (const seed of SEEDS) {
        const jobId = `${id}-s${seed}`;
        ledger.append('queued', { experimentId: id, jobId, data: { seed } });
        ledger.append('started', { experimentId: id, jobId, data: { seed } });
        for (const fraction of [0.3, 0.6]) ledger.append('progress', { experimentId: id, jobId, data: { seed, fraction } });
        ledger.append('finished', { experimentId: id, jobId, data: { seed } });
        const pgr = 0.2 + 0.6 * rng.next();
        ledger.recordResult({
          jobId,
          experimentId: id,
          seed,
          predictionsDigest: randomBytes(8).toString('hex'),
          score: { all: { weak: 0.8, ceiling: 0.95, student: 0.8 + 0.15 * pgr, pgr }, public: { weak: 0.8, ceiling: 0.95, student: 0.8 + 0.15 * pgr, pgr }, private: { weak: 0.8, ceiling: 0.95, student: 0.8 + 0.15 * pgr, pgr: pgr + 0.02 } } as never,
          stats: { runner: 'w2s', ms: 500 },
        });
        const key = `${agent}:${task}:${seed}`;
        let classes = Uint8Array.from({ length: PUBLIC_ITEMS }, () => (rng.next() < 0.5 ? 1 : 0));
        // 3% resubmit an earlier job's predictions with one flip: what the near-duplicate guard sees.
        const anchor = anchors.get(key);
        if (anchor && rng.next() < 0.03) {
          classes = Uint8Array.from(anchor);
          classes[Math.floor(rng.next() * PUBLIC_ITEMS)] ^= 1;
        } else anchors.set(key, classes);
        recordPublicPredictions(ledger, { jobId, experimentId: id, agent, task, seed, classes });
        // The forum renders each seed's progress into the thread and delivers it, as a live one does.
        if (records.addEdit(`exp:${id}:progress`, { channel: 'forum', persona: system, text: `Running: ${seed} of 5 seeds scored` })) {
          records.markEditDelivered((ledger.db.prepare('SELECT seq FROM outbox_pending_edits WHERE key = ?').get(`exp:${id}:progress`) as { seq: number }).seq);
        }
      }
      records.addPost(`exp:${id}:result`, `exp:${id}`, { channel: 'forum', persona, text: `Result of ${id}` });
      records.markDelivered(`exp:${id}:result`, `ref-${id}-r`);
      records.addMessage({ id: `m-${id}-a`, channel: 'forum', threadId: `exp:${id}`, author: agent, authorKind: 'agent', text: `Seed results for ${id}: looks ${k % 2 ? 'promising' : 'flat'}; next I will vary alpha.` });
      records.addMessage({ id: `m-${id}-b`, channel: k % 5 === 0 ? 'results' : 'forum', threadId: null, author: agent, authorKind: 'agent', text: `Note on ${task}: experiment ${id} done.` });
      ledger.append('turn', { agent, campaignId: SCALE_CAMPAIGN, data: { ok: true, proposed: [id], posted: 1, activeMs: 900 } });
      ledger.append('note', { agent, campaignId: SCALE_CAMPAIGN, data: { text: `Tried ${id} on ${task}.` } });
      if (k % 100 === 7) addFlag(ledger, id, 'probe', 'bench flag', SCALE_CAMPAIGN);
      if (k % 100 === 53) records.addVeto('veto', id, 'maria', 'bench veto');
      ids.push(id);
    }
    // The coordinator's forum followed the campaign: it left its place in the ledger.
    records.setCursor((ledger.db.prepare('SELECT MAX(seq) AS n FROM events').get() as { n: number }).n);
  })();
  // A campaign's coordinator answers each result through the Ladder as it reads it; so does this.
  new Ladder(ledger).job('');
  return ids;
}
