import { randomBytes } from 'node:crypto';
import { AarError, InvalidInputError } from '../domain/errors.js';
import { builtinMethod, codeLanguage, GPU_TRAINER_UNSUPPORTED, parseMethod, type CodeLanguage, type Method } from '../domain/method.js';
import { methodBehaviourKey } from '../domain/method-normal-form.js';
import { SPARSE_KINDS } from '../ledger/event-kinds.js';
import { addFlag } from '../ledger/flags.js';
import type { ForumRecords, MessageRecord } from '../ledger/forum-records.js';
import type { ExperimentRow, Ledger } from '../ledger/ledger.js';
import type { Pipeline } from '../pipeline/pipeline.js';
import { standing } from '../report/leaderboard.js';
import { vetoState } from '../report/veto-state.js';
import type { ScoreDesk } from '../scoring/desk.js';
import { AgentView, messageItem, type ForumItem, type ForumPage, type Lineage, type PublicResult, type BoardWindow } from './agent-view.js';
import { seedFailures, type SeedFailure } from '../pipeline/failures.js';
import { addressees, answerIdOf } from './inbox.js';
import { maySteer } from './steering.js';
import { AgentFindings } from '../findings/agent-findings.js';
import type { FindingData } from '../findings/types.js';

export interface ResearchDeskOptions {
  ledger: Ledger;
  records: ForumRecords;
  pipeline: Pipeline;
  scores: ScoreDesk;
  tasks: readonly string[];
  /** Every agent's name, to route people's messages. */
  agents: readonly string[];
  campaignId?: string;
  /** Scored seeds a result needs before anyone may claim it, or see it in the forum (default 5). */
  claimSeeds?: number;
  /** Most seeds one experiment may ask for. */
  maxSeeds?: number;
  /** Asked before every proposal: a reason to refuse it (a budget cap reached), or undefined. */
  mayPropose?: (agent: string) => string | undefined;
  /** Where the campaign stands, for the turn prompt (a campaign near its end says so). */
  status?: () => CampaignStatus;
  /** Called once a claim is recorded: the desk's confirmation on fresh seeds (src/confirmation). */
  onClaim?: (experiment: string) => void;
  /** The method code language the campaign's workers run (default javascript: the embedded w2s runner). */
  codeLanguage?: CodeLanguage;
}

/** What a researcher is told about the campaign's limits at the start of a turn. */
export interface CampaignStatus {
  /** Milliseconds until the time limit. */
  msLeft?: number;
  /** Experiments the campaign may still start. */
  experimentsLeft?: number;
  /** Model spend left, in USD. */
  usdLeft?: number;
  /** Set when the campaign no longer takes proposals, or is about to stop: why. */
  closing?: string;
}

/** What get_result answers. */
export interface ExperimentResult {
  experiment: string;
  task: string;
  method: string;
  state: 'running' | 'finished';
  seeds: number;
  /** The Ladder's answer (see AgentScore): absent while nothing is scored, and for a flagged or vetoed result. */
  pgrPublic?: number;
  perSeed?: { seed: number; pgrPublic: number; newBest: boolean }[];
  /** Set when the numbers are withheld: why. */
  withheld?: string;
  seedsScored: number;
  seedsFailed: number;
  failures?: SeedFailure[];
  parents?: Lineage[];
}

export interface Proposal {
  hypothesis: string;
  task: string;
  /** A built-in method name, or a method object. */
  method: string | Record<string, unknown>;
  /** How many seeds: seeds are 1..n, the same for everyone, so results are paired across methods. */
  seeds: number;
  parents?: string[];
}

export interface MyExperiment {
  experiment: string;
  task: string;
  method: Method;
  seeds: number;
  state: 'running' | 'finished';
  parents: string[];
  /** Each parent and what this experiment changed against it. */
  lineage: Lineage[];
  /** Why seeds failed, for fixing the method. */
  failures: SeedFailure[];
}

const MAX_TEXT = 4000;

/**
 * Everything an agent can do, and nothing more: every research bot (Claude or offline) acts
 * through an AgentDesk bound to its own name, so it cannot post as someone else, read private
 * scores, or bypass validation, vetoes, the scoring budget or the campaign's caps.
 */
export class ResearchDesk {
  readonly view: AgentView;
  readonly claimSeeds: number;
  readonly maxSeeds: number;
  /** Why new proposals are refused (the campaign is winding down), if they are. */
  closed?: string;

  constructor(readonly o: ResearchDeskOptions) {
    this.claimSeeds = o.claimSeeds ?? 5;
    this.maxSeeds = o.maxSeeds ?? 10;
    this.view = new AgentView(o.ledger, o.records, this.claimSeeds, () => o.scores.answers());
  }

  forAgent(agent: string): AgentDesk {
    return new AgentDesk(this, agent);
  }
}

export class AgentDesk {
  constructor(
    private readonly desk: ResearchDesk,
    readonly agent: string,
  ) {}

  private get o() {
    return this.desk.o;
  }

  get tasks(): readonly string[] {
    return this.o.tasks;
  }

  get claimSeeds(): number {
    return this.desk.claimSeeds;
  }

  /** The language method code must be written in for this campaign's workers. */
  get codeLanguage(): CodeLanguage {
    return this.o.codeLanguage ?? 'javascript';
  }

  /** Why the campaign refuses new proposals now, if it does. */
  get closedReason(): string | undefined {
    return this.desk.closed ?? this.o.mayPropose?.(this.agent);
  }

  /** The forum newest first; pass a page's `next` as `before` to read older items. */
  readForum(o: { channel?: string; thread?: string; since?: string; before?: string; limit?: number } = {}): ForumPage {
    const thread = o.thread && !o.thread.includes(':') ? `exp:${o.thread}` : o.thread;
    return this.desk.view.forum({ ...o, thread, limit: Math.min(o.limit ?? 30, 200) });
  }

  /** Where the campaign stands (time, experiments and money left), if it has limits. */
  campaign(): CampaignStatus {
    return this.o.status?.() ?? {};
  }

  /** Posts in a channel, or replies in a thread (`exp:ID`, `msg:ID` or a bare experiment id); `finding` types it (see `findings`). */
  post(o: { text: string; channel?: 'forum' | 'results' | 'audit'; thread?: string; finding?: FindingData }): { message: string } {
    const text = o.text.trim();
    if (!text || text.length > MAX_TEXT) throw new InvalidInputError('post', [{ field: 'text', problem: `1 to ${MAX_TEXT} characters` }]);
    const thread = o.thread ? this.threadKey(o.thread) : undefined;
    const id = `m-${randomBytes(6).toString('hex')}`;
    const data = o.finding ? { finding: o.finding, ...(this.o.campaignId ? { campaignId: this.o.campaignId } : {}) } : undefined;
    this.o.records.addMessage({ id, channel: o.channel ?? 'forum', threadId: thread ?? null, author: this.agent, authorKind: 'agent', text, data });
    return { message: `msg:${id}` };
  }

  /** Typed findings: post hypotheses, insights and dead ends, vote on others' findings (never its own), read the top rated. */
  get findings(): AgentFindings {
    return new AgentFindings({
      agent: this.agent,
      campaignId: this.o.campaignId,
      ledger: this.o.ledger,
      records: this.o.records,
      publicResult: (e) => this.desk.view.publicResult(e),
      post: (p) => this.post(p),
    });
  }

  /** Answers a person's message in its thread, once (a second answer to the same message is ignored). */
  answer(question: MessageRecord, text: string): void {
    const id = answerIdOf(question.id, this.agent);
    if (this.o.records.message(id)) return;
    const channel = ['forum', 'results', 'audit'].includes(question.channel) ? question.channel : 'forum';
    const thread = question.threadId ?? (this.o.records.refOf(`msg:${question.id}`) ? `msg:${question.id}` : null);
    this.o.records.addMessage({ id, channel, threadId: thread, author: this.agent, authorKind: 'agent', text: text.slice(0, MAX_TEXT) });
  }

  /** Asks the people a question in the forum; their replies in its thread come back as guidance. */
  askHumans(question: string): { message: string } {
    return this.post({ text: `Question for the team: ${question}` });
  }

  async propose(p: Proposal): Promise<{ experiment: string; seeds: number[] }> {
    const problems: { field: string; problem: string }[] = [];
    if (!this.o.tasks.includes(p.task)) problems.push({ field: 'task', problem: `unknown task "${p.task}"; accepted: ${this.o.tasks.join(', ')}` });
    if (!Number.isInteger(p.seeds) || p.seeds < 1 || p.seeds > this.desk.maxSeeds) problems.push({ field: 'seeds', problem: `a whole number of seeds from 1 to ${this.desk.maxSeeds}` });
    if (!p.hypothesis?.trim() || p.hypothesis.length > MAX_TEXT) problems.push({ field: 'hypothesis', problem: `1 to ${MAX_TEXT} characters` });
    for (const parent of p.parents ?? []) if (!this.o.ledger.experiment(parent)) problems.push({ field: 'parents', problem: `no experiment "${parent}"` });
    if (problems.length) throw new InvalidInputError('proposal', problems);
    const method = typeof p.method === 'string' ? builtinMethod(p.method) : parseMethod(p.method);
    const language = codeLanguage(method);
    if (language && language !== this.codeLanguage) {
      // The workers could not run it: refused here, with the reason, rather than failed on every seed.
      const how = this.codeLanguage === 'python' ? 'code.language "python" (the GPU trainer, workers/gpu)' : 'JavaScript (code.language left out or "javascript": the embedded w2s runner)';
      throw new InvalidInputError('proposal', [{ field: 'method.code.language', problem: `this campaign's workers run ${how}; accepted: ${this.codeLanguage}` }]);
    }
    // A Python campaign runs on the GPU trainer: what it cannot run is refused here, not on every seed.
    const unrun = this.codeLanguage === 'python' ? GPU_TRAINER_UNSUPPORTED.filter((f) => method[f] !== undefined) : [];
    if (unrun.length) {
      throw new InvalidInputError('proposal', unrun.map((f) => ({ field: `method.${f}`, problem: `this campaign's workers (the GPU trainer) do not run ${f}; write it as Python method code (see get_method_guide)` })));
    }
    this.refuseVetoed(method, p.task);
    const refusal = this.desk.closed ?? this.o.mayPropose?.(this.agent);
    if (refusal) throw new AarError('proposal_refused', refusal);
    const seeds = Array.from({ length: p.seeds }, (_, i) => i + 1);
    const experiment = await this.o.pipeline.submit({ task: p.task, method, seeds, agent: this.agent, campaignId: this.o.campaignId, hypothesis: p.hypothesis.trim(), parents: p.parents });
    // Built on a vetoed result: flagged from the start, as a veto flags what was built on it before.
    const vetoes = this.o.records.vetoes();
    for (const parent of p.parents ?? []) {
      const state = vetoState(vetoes, parent, this.o.ledger.experiment(parent)?.methodTag ?? null);
      if (state.vetoed) addFlag(this.o.ledger, experiment, 'lineage', `derived from vetoed ${parent}: ${state.reason ?? ''}`, this.o.campaignId);
    }
    return { experiment, seeds };
  }

  /**
   * A vetoed method tag, or a method that behaves as a vetoed experiment's, cannot come back
   * under another name, with a comment added, reformatted or with a default written out: methods
   * are compared in their normal form on the task proposed (methodBehaviourKey).
   */
  private refuseVetoed(method: Method, task: string): void {
    const vetoes = this.o.records.vetoes();
    if (method.name && vetoState(vetoes, '', method.name).vetoed) throw new AarError('method_vetoed', `method "${method.name}" is vetoed: ${vetoState(vetoes, '', method.name).reason ?? ''}`);
    const key = methodBehaviourKey(method, task);
    for (const e of this.desk.view.experiments()) {
      const state = vetoState(vetoes, e.id, e.methodTag);
      if (state.vetoed && methodBehaviourKey(e.method, task) === key) {
        throw new AarError('method_vetoed', `this method is the same as vetoed experiment ${e.id} (${state.reason ?? 'no reason given'}); change the method, not its name`);
      }
    }
  }

  leaderboard(task?: string, window?: BoardWindow): (PublicResult & { rank: number })[] {
    return this.desk.view.leaderboard(task, window);
  }

  /** Claimed results on a task, best first: the team's established findings. */
  claimed(task: string): PublicResult[] {
    return this.desk.view.claimed(task);
  }

  /**
   * An experiment's state, the Ladder's answer once seeds are scored (each seed's outcome spends
   * one unit of scoring budget the first time this agent is told it), why each failed seed
   * failed, and its parents with what changed. A flagged or vetoed result's numbers are withheld.
   */
  async result(experiment: string): Promise<ExperimentResult> {
    const e = this.o.ledger.experiment(experiment);
    if (!e) throw new InvalidInputError('result request', [{ field: 'experiment', problem: `no experiment "${experiment}"` }]);
    const state = this.o.ledger.isFinished(experiment) ? 'finished' : 'running';
    const failures = seedFailures(this.o.ledger, experiment);
    const parents = this.desk.view.lineage(e);
    const base = { experiment, task: e.task, method: e.methodTag ?? 'custom', state, seeds: e.seeds.length, ...(failures.length ? { failures } : {}), ...(parents.length ? { parents } : {}) } as const;
    const failed = this.o.ledger.jobs(experiment).filter((j) => j.status === 'failed').length;
    const scored = this.o.ledger.results(experiment).length;
    const standing = resultStanding(this.o.ledger, this.o.records.vetoes(), e);
    if (standing !== 'ok') return { ...base, seedsScored: scored, seedsFailed: failed, withheld: WITHHELD[standing] };
    if (!scored && !failed) return { ...base, seedsScored: 0, seedsFailed: 0 };
    const s = await this.o.scores.answer(this.agent, experiment);
    return { ...base, ...(s.seedsScored ? { pgrPublic: s.pgrPublic, perSeed: s.perSeed } : {}), seedsScored: s.seedsScored, seedsFailed: s.seedsFailed };
  }

  /** Everything about one experiment: its result (as `result`), method, hypothesis and author. */
  async experimentDetails(experiment: string): Promise<ExperimentResult & { agent: string; hypothesis?: string; methodSettings: Method; createdAt: string }> {
    const r = await this.result(experiment);
    const e = this.o.ledger.experiment(experiment)!;
    const hypothesis = (this.o.ledger.db.prepare('SELECT h.text FROM hypotheses h JOIN experiments x ON x.hypothesis_id = h.id WHERE x.id = ?').get(experiment) as { text: string } | undefined)?.text;
    return { ...r, agent: e.agent ?? 'human', ...(hypothesis ? { hypothesis } : {}), methodSettings: e.method as Method, createdAt: e.createdAt };
  }

  /** The agent's experiments, oldest first (or the newest `limit`, newest first). */
  myExperiments(o: { newestFirst?: boolean; limit?: number } = {}): MyExperiment[] {
    const rows = o.newestFirst ? this.newestOwn(o.limit ?? 20) : this.desk.view.experiments({ agent: this.agent });
    const { view } = this.desk;
    const { ledger } = this.o;
    return (o.newestFirst ? rows : rows.slice(-(o.limit ?? rows.length))).map((e) => ({
      experiment: e.id,
      task: e.task,
      method: e.method as Method,
      seeds: e.seeds.length,
      state: ledger.isFinished(e.id) ? 'finished' : 'running',
      parents: e.parents,
      // Read when asked for: most callers only want states.
      get lineage() {
        return view.lineage(e);
      },
      get failures() {
        return seedFailures(ledger, e.id);
      },
    }));
  }

  private newestOwn(limit: number) {
    const ids = this.o.ledger.db.prepare('SELECT id FROM experiments WHERE agent = ? ORDER BY created_at DESC, rowid DESC LIMIT ?').all(this.agent, limit) as { id: string }[];
    return ids.map((r) => this.o.ledger.experiment(r.id)!);
  }

  /** Every experiment on a task (its method is public in the forum anyway), oldest first. */
  experimentsOn(task: string): { experiment: string; agent: string; method: Method; seeds: number; finished: boolean }[] {
    return this.desk.view
      .experiments()
      .filter((e) => e.task === task)
      .map((e) => ({ experiment: e.id, agent: e.agent ?? 'human', method: e.method as Method, seeds: e.seeds.length, finished: this.o.ledger.isFinished(e.id) }));
  }

  /** The agent's experiments still running: a read of the unfinished jobs only (their partial index), however many the agent has run. */
  inFlight(): number {
    const row = this.o.ledger.db
      .prepare("SELECT COUNT(DISTINCT j.experiment_id) AS n FROM job_states j INDEXED BY job_states_unfinished CROSS JOIN experiments x ON x.id = j.experiment_id WHERE j.status NOT IN ('scored', 'failed', 'cancelled') AND x.agent = ?")
      .get(this.agent) as { n: number };
    return row.n;
  }

  /**
   * A claim is posted with the numbers the desk computes (the Ladder's), never the agent's own:
   * only of the agent's own finished, unflagged, unvetoed experiment with `claimSeeds` scored seeds.
   */
  claim(o: { experiment: string; text: string }): { message: string; pgrPublic: number; sd: number; seeds: number } {
    const e = this.o.ledger.experiment(o.experiment);
    if (!e) throw new InvalidInputError('claim', [{ field: 'experiment', problem: `no experiment "${o.experiment}"` }]);
    const r = this.claimable(e);
    const text = `${o.text.trim().slice(0, MAX_TEXT)}\n(${o.experiment} · ${r.task} · ${r.method}: public PGR ${r.pgrPublic.toFixed(2)} ± ${r.sd.toFixed(2)} over ${r.seeds} seeds)`;
    const posted = this.post({ text, channel: 'results', thread: undefined, finding: { type: 'result', experiments: [o.experiment] } });
    this.o.ledger.append('claim', { agent: this.agent, experimentId: o.experiment, campaignId: this.o.campaignId, data: { message: posted.message, pgrPublic: r.pgrPublic, seeds: r.seeds } });
    this.o.onClaim?.(o.experiment);
    return { ...posted, pgrPublic: r.pgrPublic, sd: r.sd, seeds: r.seeds };
  }

  /** The public result of an experiment this agent may claim, or an error that says why not. */
  private claimable(e: ExperimentRow): PublicResult {
    const refuse = (problem: string) => new InvalidInputError('claim', [{ field: 'experiment', problem }]);
    if (e.agent !== this.agent) throw refuse(`${e.id} is ${e.agent ?? 'a person'}'s experiment; accepted: one of your own experiments`);
    if (!this.o.ledger.isFinished(e.id)) throw refuse(`${e.id} is still running; claim it once every seed is final`);
    const r = this.desk.view.publicResult(e);
    if (!r) {
      const n = this.o.ledger.results(e.id).length;
      throw refuse(`a claim needs ${this.claimSeeds} scored seeds of a finished experiment; ${e.id} has ${n}. Re-run the method with seeds: ${this.claimSeeds}`);
    }
    if (r.vetoed) throw refuse(`${e.id} is vetoed; accepted: an experiment that is not vetoed`);
    if (r.flagged) throw refuse(`${e.id} is flagged for review; it can be claimed once a person approves it`);
    return r;
  }

  note(text: string): void {
    const t = text.trim();
    if (!t || t.length > MAX_TEXT) throw new InvalidInputError('note', [{ field: 'text', problem: `1 to ${MAX_TEXT} characters` }]);
    this.o.ledger.append('note', { agent: this.agent, campaignId: this.o.campaignId, data: { text: t } });
  }

  /** The agent's notebook, oldest first (the last `limit` entries). */
  notebook(limit = 20): { at: string; text: string }[] {
    const rows = this.o.ledger.db.prepare(`SELECT at, data FROM events WHERE kind = 'note' AND ${SPARSE_KINDS} AND agent = ? ORDER BY seq DESC LIMIT ?`).all(this.agent, limit) as { at: string; data: string }[];
    return rows.reverse().map((r) => ({ at: r.at, text: String((JSON.parse(r.data) as { text: string }).text) }));
  }

  /** Allowlisted people's messages for this agent (addressed to it) or for everyone, newest first; nobody else's steer it. */
  guidance(limit = 20): (ForumItem & { forMe: boolean })[] {
    return this.o.records
      .messages({ authorKind: 'human', limit: limit * 5 })
      .filter(maySteer)
      .map((m) => ({ m, to: addressees(m, this.o.agents, this.o.ledger, this.o.records) }))
      .filter(({ to }) => to.length === 0 || to.includes(this.agent))
      .slice(0, limit)
      .map(({ m, to }) => ({ ...messageItem(m), forMe: to.includes(this.agent) }));
  }

  private threadKey(thread: string): string {
    const key = thread.includes(':') ? thread : `exp:${thread}`;
    const known = key.startsWith('exp:') ? this.o.ledger.experiment(key.slice(4)) : key.startsWith('msg:') ? this.o.records.message(key.slice(4)) : undefined;
    if (!known) throw new InvalidInputError('post', [{ field: 'thread', problem: `no thread "${thread}"; give exp:EXPERIMENT_ID, msg:MESSAGE_ID or an experiment id` }]);
    return key;
  }
}

const WITHHELD = {
  flagged: 'flagged for review: its numbers are withheld until a person approves it',
  vetoed: 'vetoed by a person: its numbers are withheld',
} as const;

/** Whether a result's numbers may be told: 'ok', or why not. */
function resultStanding(ledger: Ledger, vetoes: ReturnType<ForumRecords['vetoes']>, e: ExperimentRow): 'ok' | 'flagged' | 'vetoed' {
  const s = standing(ledger, vetoes, e);
  return s === 'flagged' || s === 'vetoed' ? s : 'ok';
}

/** A method's identity for veto purposes: its settings without its name. */
export function methodFingerprint(m: Method): string {
  const { name: _name, ...rest } = m;
  return JSON.stringify(sortKeys(rest));
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  return v;
}
