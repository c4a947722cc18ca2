import { randomBytes } from 'node:crypto';
import type { ReviewerBot } from '../../src/campaign/bot-loop.js';
import { AgentView } from '../../src/campaign/agent-view.js';
import { builtinMethod } from '../../src/domain/method.js';
import type { ForumRecords } from '../../src/ledger/forum-records.js';
import type { Ledger } from '../../src/ledger/ledger.js';
import type { SubmitRequest } from '../../src/pipeline/pipeline.js';
import { vetoState } from '../../src/report/leaderboard.js';
import { digestText } from './digest.js';

/** The steward's name: its posts, notes and baseline experiments carry it. */
export const STEWARD = 'steward';

/** Built-in methods every task gets as a reference (Burns et al.'s baselines). */
export const BASELINE_METHODS = ['naive', 'aux-conf'] as const;

export interface StewardOptions {
  ledger: Ledger;
  records: ForumRecords;
  tasks: readonly string[];
  campaignId?: string;
  /** Seeds per baseline, and scored seeds a result needs before it is announced (default 5). */
  claimSeeds?: number;
  now?: () => Date;
  newId?: () => string;
}

/** A leader the steward has announced, as kept in its `note` events. */
interface Announced {
  task: string;
  experiment: string;
  pgrPublic: number;
}

/**
 * The campaign's steward: it seeds the baselines everyone measures against, announces a new
 * leader on a task once, and writes digests for the people running the campaign. What it has
 * announced lives in its `note` events in the ledger, so a restart neither repeats nor misses
 * an announcement.
 */
export class Steward implements ReviewerBot {
  readonly name = STEWARD;
  private readonly now: () => Date;
  private readonly newId: () => string;
  private readonly claimSeeds: number;

  constructor(private readonly o: StewardOptions) {
    this.now = o.now ?? (() => new Date());
    this.newId = o.newId ?? (() => `m-${randomBytes(6).toString('hex')}`);
    this.claimSeeds = o.claimSeeds ?? 5;
  }

  /**
   * Proposes naive and aux-conf on every task with `claimSeeds` seeds, through `submit`
   * (Pipeline.submit). A pair that already has an experiment with that many seeds (by anyone)
   * is skipped, so calling it again, or after a restart, proposes nothing twice.
   * Returns the ids of the experiments it proposed now.
   */
  async seedBaselines(submit: (req: SubmitRequest) => Promise<string>): Promise<string[]> {
    const proposed: string[] = [];
    for (const task of this.o.tasks) {
      for (const name of BASELINE_METHODS) {
        if (this.hasBaseline(task, name)) continue;
        const seeds = Array.from({ length: this.claimSeeds }, (_, i) => i + 1);
        proposed.push(
          await submit({
            task,
            method: builtinMethod(name),
            seeds,
            agent: STEWARD,
            campaignId: this.o.campaignId,
            hypothesis: `Baseline: ${name} on ${task} over ${seeds.length} seeds, as the reference every method on ${task} is compared with.`,
          }),
        );
      }
    }
    return proposed;
  }

  private hasBaseline(task: string, name: string): boolean {
    const rows = this.o.ledger.db.prepare('SELECT seeds FROM experiments WHERE task = ? AND method_tag = ?').all(task, name) as { seeds: string }[];
    return rows.some((r) => (JSON.parse(r.seeds) as number[]).length >= this.claimSeeds);
  }

  /** After each round: announces each task whose leader changed since the last announcement. */
  async review(o: { signal?: AbortSignal } = {}): Promise<void> {
    // The agents' own view: the results channel is public, so only results with enough seeds
    // and public PGR (rounded) may appear there.
    const view = new AgentView(this.o.ledger, this.o.records, this.claimSeeds);
    const announced = this.announced();
    for (const task of this.o.tasks) {
      if (o.signal?.aborted) return;
      const leader = view.leaderboard(task)[0];
      if (!leader) continue;
      const last = announced.get(task);
      if (last?.experiment === leader.experiment) continue;
      let text = `New leader on ${task}: ${leader.experiment} (${leader.method}, ${leader.agent}) public PGR ${leader.pgrPublic.toFixed(2)} ± ${leader.sd.toFixed(2)} over ${leader.seeds} seeds`;
      if (!last) text += ', the first result on this task.';
      else if (this.vetoed(last.experiment)) text += `; the previous leader ${last.experiment} (${last.pgrPublic.toFixed(2)}) was vetoed.`;
      else text += `, ${leader.pgrPublic >= last.pgrPublic ? 'up' : 'down'} from ${last.pgrPublic.toFixed(2)} (${last.experiment}).`;
      const entry: Announced = { task, experiment: leader.experiment, pgrPublic: leader.pgrPublic };
      // Post and note together: a crash between them must not lose or repeat the announcement.
      this.o.ledger.db.transaction(() => {
        this.o.records.addMessage({ id: `steward-leader-${task}-${leader.experiment}`, channel: 'results', threadId: null, author: STEWARD, authorKind: 'agent', text });
        this.o.ledger.append('note', { agent: STEWARD, campaignId: this.o.campaignId, data: { text: `Announced the leader on ${task}: ${leader.experiment}`, leader: entry } });
      })();
    }
  }

  /** The last leader announced per task, read back from the steward's notes. */
  private announced(): Map<string, Announced> {
    const out = new Map<string, Announced>();
    for (const e of this.o.ledger.events({ kind: 'note' })) {
      if (e.agent !== STEWARD) continue;
      const l = e.data.leader as Announced | undefined;
      if (l && typeof l.task === 'string' && typeof l.experiment === 'string') out.set(l.task, l);
    }
    return out;
  }

  private vetoed(experiment: string): boolean {
    return vetoState(this.o.records.vetoes(), experiment, this.o.ledger.experiment(experiment)?.methodTag ?? null).vetoed;
  }

  /**
   * A plain-text digest for the people running the campaign: experiments since `since` (an
   * ISO time; default: the previous digest, or the start), the best result per task on the
   * public and the private half, verdicts and flags waiting for a person, and vetoes. It is
   * posted in the audit channel and returned.
   */
  digest(o: { since?: string } = {}): string {
    const since = o.since ?? this.lastDigestAt();
    const at = this.now().toISOString();
    const text = digestText({ ledger: this.o.ledger, records: this.o.records, tasks: this.o.tasks, claimSeeds: this.claimSeeds, since, at });
    this.o.ledger.db.transaction(() => {
      this.o.records.addMessage({ id: this.newId(), channel: 'audit', threadId: null, author: STEWARD, authorKind: 'agent', text });
      this.o.ledger.append('note', { agent: STEWARD, campaignId: this.o.campaignId, data: { text: `Posted a digest at ${at}`, digestAt: at } });
    })();
    return text;
  }

  private lastDigestAt(): string | undefined {
    const notes = this.o.ledger.events({ kind: 'note' }).filter((e) => e.agent === STEWARD && typeof e.data.digestAt === 'string');
    return notes.at(-1)?.data.digestAt as string | undefined;
  }
}
