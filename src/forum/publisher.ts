import { flagsOf } from '../ledger/flags.js';
import type { ForumRecords } from '../ledger/forum-records.js';
import { seedFailures, type SeedFailure } from '../pipeline/failures.js';
import type { Ledger, LedgerEvent } from '../ledger/ledger.js';
import { experimentReport } from '../pipeline/report.js';
import { vetoState } from '../report/leaderboard.js';
import { FindingsPublisher } from '../findings/publish.js';
import type { Outbox, OutboxPost } from './outbox.js';
import { CHANNEL_KEYS, type Card, type ChannelKey, type Persona } from './port.js';
import { redactSecrets } from './redact.js';

export const SYSTEM: Persona = { id: 'aar', name: 'aar', icon: ':gear:' };

/** The persona an experiment's posts appear under: its agent's, else the system's. */
function personaOf(agent: string | null): Persona {
  return agent ? { id: agent, name: agent, icon: ':robot_face:' } : SYSTEM;
}

/** "detector:beats-the-ceiling, most common answer (seeds 1, 2)": who flagged it, without the reasons. */
function flagNames(flags: readonly { source: string; reason: string }[]): string {
  const names = new Map<string, string[]>();
  for (const f of flags) {
    const seed = /^seed (\d+)$/.exec(f.source)?.[1];
    // A per-seed flag from scoring reads "most common answer: …": its name is before the colon.
    const name = seed ? f.reason.split(':')[0] : f.source;
    names.set(name, [...(names.get(name) ?? []), ...(seed ? [seed] : [])]);
  }
  return [...names].map(([name, seeds]) => (seeds.length ? `${name} (seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')})` : name)).join(', ');
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const pm = (m: { mean: number; sd: number }) => `${m.mean.toFixed(2)} ± ${m.sd.toFixed(2)}`;

/**
 * Turns ledger facts into forum posts: every experiment gets a thread (its hypothesis), a
 * progress message edited in place, and a result card; vetoes are announced in the audit
 * channel and in the thread. Post keys are derived from the facts, so replaying the ledger
 * from the start (after a restart) posts nothing twice.
 */
export class Publisher {
  private readonly findings: FindingsPublisher;

  constructor(
    private readonly ledger: Ledger,
    private readonly records: ForumRecords,
    private readonly outbox: Outbox,
    /** Planned seeds from which an experiment's result card goes to the results channel (it can rank); fewer (a probe): its thread. */
    private readonly resultsSeeds = 1,
    /** Whether the forum lets aar edit people's own posts (the local forum), to show their findings' types and votes. */
    o: { editPeoplesPosts?: boolean } = {},
  ) {
    this.findings = new FindingsPublisher(ledger, records, outbox, { editPeoplesPosts: o.editPeoplesPosts ?? false });
  }

  /** Posts once per key, redacted. Posts that follow a changing state (progress, a card) pass `edit`: later calls replace the content. */
  private post(key: string, post: OutboxPost, threadKey?: string, o: { edit?: boolean } = {}): void {
    const safe = { ...post, text: redactSecrets(post.text) };
    // An image's words are agents' words too; its bytes are a PNG and are left alone.
    if (post.image) safe.image = { ...post.image, alt: redactSecrets(post.image.alt), title: redactSecrets(post.image.title) };
    if (!this.outbox.post(key, safe, threadKey) && o.edit) this.outbox.edit(key, safe);
  }

  /** A running job's worker reported progress (job_progress, not an event): its thread's progress line follows. */
  handleProgress(experimentId: string): void {
    this.progress(experimentId);
  }

  handle(e: LedgerEvent): void {
    if (e.kind === 'proposed' && e.experimentId) this.proposed(e.experimentId);
    else if ((e.kind === 'started' || e.kind === 'scored' || e.kind === 'failed' || e.kind === 'cancelled') && e.experimentId) this.progress(e.experimentId);
    else if (e.kind === 'veto') this.veto(e);
    // A flag raised after the card was posted (the auditor, lineage) changes its status.
    else if (e.kind === 'flag' && e.experimentId && this.outbox.has(`exp:${e.experimentId}:result`)) this.result(e.experimentId);
    else if (e.kind === 'message' && e.data.authorKind !== 'human') this.botMessage(String(e.data.id));
    // Votes, and people's typed findings, show on the findings' posts.
    this.findings.handle(e);
  }

  /** A bot's message (hypothesis, answer, verdict, digest) in its channel or thread. */
  private botMessage(id: string): void {
    const m = this.records.message(id);
    if (!m) return;
    const channel = (CHANNEL_KEYS as readonly string[]).includes(m.channel) ? (m.channel as ChannelKey) : 'forum';
    const finding = this.findings.badge(`msg:${id}`);
    this.post(`msg:${id}`, { channel, persona: personaOf(m.author), text: m.text, ...(finding ? { finding } : {}) }, m.threadId ?? undefined);
  }

  private proposed(id: string): void {
    const e = this.ledger.experiment(id);
    if (!e) return;
    const hypothesis = (this.ledger.db.prepare('SELECT h.text FROM hypotheses h JOIN experiments x ON x.hypothesis_id = h.id WHERE x.id = ?').get(id) as { text: string } | undefined)?.text;
    this.post(`exp:${id}`, {
      channel: 'forum',
      persona: personaOf(e.agent),
      text: `${hypothesis ?? 'New experiment'}\n${id} · task ${e.task} · method ${e.methodTag ?? 'custom'} · seeds ${e.seeds.join(', ')}${e.parents.length ? ` · builds on ${e.parents.join(', ')}` : ''}`,
      finding: this.findings.badge(`exp:${id}`),
    });
  }

  private progress(id: string): void {
    const e = this.ledger.experiment(id);
    if (!e) return;
    const jobs = this.ledger.jobs(id);
    const scored = jobs.filter((j) => j.status === 'scored').length;
    const failed = jobs.filter((j) => j.status === 'failed' || j.status === 'cancelled').length;
    const running = jobs.filter((j) => j.status === 'started').length;
    const done = scored + failed === e.seeds.length;
    const text = done
      ? `Finished: ${scored} of ${e.seeds.length} seeds scored${failed ? `, ${failed} failed` : ''}.${failureNotes(seedFailures(this.ledger, id))}`
      : `Running: ${scored} of ${e.seeds.length} seeds scored, ${running} in progress.${this.trainingNotes(id, jobs)}${failureNotes(seedFailures(this.ledger, id))}`;
    const key = `exp:${id}:progress`;
    // One message per experiment, edited as it runs, instead of a post per event.
    this.post(key, { channel: 'forum', persona: SYSTEM, text }, `exp:${id}`, { edit: true });
    if (done) this.result(id);
  }

  /** What the workers last said of each running seed (a GPU trainer's step and loss), one line per seed. */
  private trainingNotes(id: string, jobs: { jobId: string; seed: number; status: string }[]): string {
    const running = new Set(jobs.filter((j) => j.status === 'started').map((j) => j.jobId));
    const latest = new Map<string, { seed: number; fraction: number; note?: string }>();
    for (const p of this.ledger.progress.ofExperiment(id)) {
      if (running.has(p.jobId)) latest.set(p.jobId, { seed: p.seed, ...p.data } as { seed: number; fraction: number; note?: string });
    }
    return [...latest.values()].map((p) => `\nseed ${p.seed}: ${Math.round(p.fraction * 100)}%${p.note ? ` (${p.note})` : ''}`).join('');
  }

  /** The result card, or its new state after a veto or an approval. */
  result(id: string): void {
    const e = this.ledger.experiment(id);
    if (!e) return;
    const report = experimentReport({ experiment: id, task: e.task, method: e.methodTag ?? 'custom', results: this.ledger.results(id), failed: [] });
    const state = vetoState(this.records.vetoes(), id, e.methodTag);
    const flags = flagsOf(this.ledger, id);
    const card: Card = {
      title: `${e.task} · ${report.method} · PGR ${report.seeds.length ? report.pgr.public.mean.toFixed(2) : 'n/a'}`,
      fields: [
        { label: 'Experiment', value: id },
        { label: 'PGR public', value: report.seeds.length ? pm(report.pgr.public) : 'n/a' },
        { label: 'PGR private', value: report.seeds.length ? pm(report.pgr.private) : 'n/a' },
        { label: 'Student accuracy', value: report.seeds.length ? pct(report.student.mean) : 'n/a' },
        { label: 'Weak / ceiling', value: report.seeds.length ? `${pct(report.weak.mean)} / ${pct(report.ceiling.mean)}` : 'n/a' },
        { label: 'Seeds scored', value: `${report.seeds.length} of ${e.seeds.length}` },
        // Names only, so the card stays short: the reasons (with numbers) go to the auditor's review.
        ...(flags.length ? [{ label: 'Flagged by', value: flagNames(flags) }] : []),
      ],
      status: state.vetoed ? 'vetoed' : state.approved ? 'approved' : flags.length ? 'flagged' : undefined,
      buttons: [
        { action: 'veto', value: id },
        { action: 'approve', value: id },
        { action: 'details', value: id },
      ],
    };
    // Results that can rank are what the results channel is for; a probe's card stays in its thread.
    const ranks = e.seeds.length >= this.resultsSeeds;
    this.post(`exp:${id}:result`, { channel: ranks ? 'results' : 'forum', persona: personaOf(e.agent), text: `Result of ${id}`, card }, ranks ? undefined : `exp:${id}`, { edit: true });
  }

  private veto(e: LedgerEvent): void {
    const { action, target, who, reason } = e.data as { action: string; target: string; who: string; reason: string };
    const verb = action === 'veto' ? 'vetoed' : action === 'unveto' ? 'lifted the veto on' : 'approved';
    this.post(`veto:${e.seq}`, { channel: 'audit', persona: SYSTEM, text: `${who} ${verb} ${target}${reason ? `: ${reason}` : ''}` });
    for (const id of this.experimentsMatching(target)) {
      if (this.outbox.has(`exp:${id}:result`)) this.result(id);
      const tell =
        action === 'veto'
          ? `Vetoed by ${who}: ${reason}. This result is off the leaderboard, and this method may not be resubmitted.`
          : action === 'unveto'
            ? `${who} lifted the veto: this result counts again.`
            : `Approved by ${who}.`;
      this.post(`veto:${e.seq}:${id}`, { channel: 'forum', persona: SYSTEM, text: tell }, `exp:${id}`);
    }
  }

  /** Experiments a veto target names: an experiment id, or every experiment with that method tag. */
  experimentsMatching(target: string): string[] {
    return (this.ledger.db.prepare('SELECT id FROM experiments WHERE id = ? OR method_tag = ? ORDER BY created_at').all(target, target) as { id: string }[]).map((r) => r.id);
  }
}

/** Why seeds failed, one line each (the first line of the reason: the error and where), so the thread says what to fix. */
function failureNotes(failures: SeedFailure[]): string {
  const shown = failures.slice(0, 5).map((f) => `\nseed ${f.seed} failed: ${f.reason.split('\n')[0].slice(0, 300)}`);
  return shown.join('') + (failures.length > 5 ? `\n(${failures.length - 5} more failed seeds: get_result lists them)` : '');
}
