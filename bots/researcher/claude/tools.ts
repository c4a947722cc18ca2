import { z } from 'zod';
import type { AgentDesk } from '../../../src/campaign/research-desk.js';
import { AarError } from '../../../src/domain/errors.js';
import { BUILTIN_METHODS, MethodSchema } from '../../../src/domain/method.js';
import { describeIssues } from '../../../src/domain/validate.js';
import { methodGuide } from '../method-guide.js';
import { FINDING_TYPES } from '../../../src/findings/types.js';

/** A tool a Claude researcher may call: its input schema is sent to the model and checked on the way back. */
export interface ResearchTool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  inputSchema: S;
  /** What the model sees as the input schema when it should see more than inputSchema checks. */
  modelSchema?: z.ZodType;
  /** Reads only: allowed while answering a person (writes wait for the agent's own turn). */
  readOnly?: boolean;
  /** The characters of its answer, when it must be longer than MAX_RESULT_CHARS (a fixed text read whole). */
  maxChars?: number;
  run(desk: AgentDesk, input: z.output<S>): Promise<unknown> | unknown;
}

const tool = <S extends z.ZodType>(t: ResearchTool<S>): ResearchTool => t as unknown as ResearchTool;

const Key = z.string().min(1).max(80);
const Channel = z.enum(['forum', 'results', 'audit']);
const BuiltinName = z.enum(Object.keys(BUILTIN_METHODS) as [string, ...string[]]).describe('A built-in method by name.');

/** The characters of one tool answer: lists are cut at item boundaries to fit. */
export const MAX_RESULT_CHARS = 6000;

const proposal = {
  hypothesis: z.string().min(1).max(2000).describe('What you expect and why, in a sentence or two: it opens the experiment thread.'),
  task: z.string().min(1).max(40).describe('One of the tasks in your instructions.'),
  seeds: z.int().min(1).max(10).describe('Seeds 1..n, the same for everyone, so results pair up. 1-2 to probe, at least the claim seed count to confirm.'),
  parents: z.array(Key).max(5).optional().describe('Experiments this one builds on (their ids): your lineage, shown with what you changed.'),
};

export const RESEARCH_TOOLS: readonly ResearchTool[] = [
  tool({
    name: 'read_forum',
    description:
      'Read the shared forum: messages and experiment threads (public PGR only, as the Ladder answers it: see get_result), NEWEST FIRST. Narrow by channel, by thread (exp:ID, msg:ID or an experiment id), or to items after an ISO time. Items are whole; when there are more, the answer has `next`: pass it as `before` to page back to older items.',
    inputSchema: z.strictObject({
      channel: Channel.optional(),
      thread: Key.optional(),
      since: z.iso.datetime().optional(),
      before: z.string().min(1).max(200).optional().describe('The `next` cursor of an earlier answer: items older than those.'),
      limit: z.int().min(1).max(100).default(30),
    }),
    readOnly: true,
    run: (desk, i) => fitItems(desk.readForum(i)),
  }),
  tool({
    name: 'post',
    description: 'Post a message in a channel, or reply in a thread (exp:ID, msg:ID or an experiment id). Use it for hypotheses, observations and conclusions in plain language.',
    inputSchema: z.strictObject({ text: z.string().min(1).max(4000), channel: Channel.optional(), thread: Key.optional() }),
    run: (desk, i) => desk.post(i),
  }),
  tool({
    name: 'get_method_guide',
    description: "The method space in full: every method field, the built-in methods, and the method-code hook API in the language this campaign's workers run (JavaScript hooks transformLabels, weights, epochTargets on the embedded tasks; Python hooks format_text, pool, transform_labels, weights, epoch_targets, loss on the GPU trainer): their arguments, what they return, and one worked example each. Read it before you write method code.",
    inputSchema: z.strictObject({}),
    readOnly: true,
    // The guide is one fixed text with a worked example per hook: cut, it would lose the examples.
    maxChars: 16_000,
    run: (desk) => ({ language: desk.codeLanguage, guide: methodGuide(desk.codeLanguage) }),
  }),
  tool({
    name: 'propose_experiment',
    description:
      'Run an experiment: a weak-to-strong method on one task, on seeds 1..n. `method` is a built-in name or a method object (its fields, ranges and meanings are in this schema; method code is explained by get_method_guide). Name the experiments it builds on in `parents`. A refused proposal names every bad field and what is accepted there.',
    inputSchema: z.strictObject({ ...proposal, method: z.unknown() }),
    // The model sees the real method schema; the desk parses it, naming each bad field.
    modelSchema: z.strictObject({ ...proposal, method: z.union([BuiltinName, MethodSchema]).describe('A built-in method name, or a method object.') }),
    run: (desk, i) => desk.propose({ ...i, method: i.method as string | Record<string, unknown> }),
  }),
  tool({
    name: 'get_leaderboard',
    description: "Best results so far per task (public PGR as the Ladder answers it, mean over at least the claim seed count), vetoed and flagged ones left out, and so are results that beat their author's best on fewer than half their seeds (their number would be that best, not theirs).",
    inputSchema: z.strictObject({ task: z.string().min(1).max(40).optional() }),
    readOnly: true,
    run: (desk, i) => desk.leaderboard(i.task).slice(0, 15),
  }),
  tool({
    name: 'get_result',
    description:
      "An experiment's state, its public PGR once seeds are scored, each failed seed's reason (the error and the line in your code), and its parents with what changed. Scores are answered by the Ladder (a mechanism against overfitting the evaluation set by many queries): per seed, `pgrPublic` is its author's BEST public PGR so far on that task and seed, rounded to `margin` (0.05). `newBest: true` means this experiment beat that best by at least the margin and the value is its own score; `newBest: false` means only that it did not (it may be a little or a lot worse: you are not told), and the value is the earlier best. So compare methods by where they set new bests, not by small differences. The mean is over these per-seed answers. Each seed told to you for the first time (scored or failed) spends one unit of your scoring budget; asking again is free. A flagged or vetoed result's numbers are withheld (`withheld` says why).",
    inputSchema: z.strictObject({ experiment: Key }),
    readOnly: true,
    run: (desk, i) => desk.result(i.experiment),
  }),
  tool({
    name: 'get_experiment',
    description: 'Everything about one experiment: its method, hypothesis, author, state, per-seed public PGR as the Ladder answers it (see get_result), failures and its parents with what each changed. Spends scoring budget like get_result.',
    inputSchema: z.strictObject({ experiment: Key }),
    readOnly: true,
    run: (desk, i) => desk.experimentDetails(i.experiment),
  }),
  tool({
    name: 'write_notebook',
    description: 'Write to your private notebook: what you tried, what you saw, what to try next. It persists across turns and restarts.',
    inputSchema: z.strictObject({ text: z.string().min(1).max(4000) }),
    run: (desk, i) => (desk.note(i.text), { ok: true }),
  }),
  tool({
    name: 'read_notebook',
    description: 'Read your notebook, newest first (your turn summaries are in it too).',
    inputSchema: z.strictObject({ limit: z.int().min(1).max(50).default(20) }),
    readOnly: true,
    run: (desk, i) => desk.notebook(i.limit).reverse(),
  }),
  tool({
    name: 'ask_humans',
    description: 'Ask the humans a question in the forum. Their replies reach you as guidance in a later turn.',
    inputSchema: z.strictObject({ question: z.string().min(1).max(2000) }),
    run: (desk, i) => desk.askHumans(i.question),
  }),
  tool({
    name: 'post_finding',
    description:
      "Post a typed finding the team can vote on and cite: a `hypothesis` (what you expect and why), an `insight` (what the team learned) or a `dead-end` (what did not work and why). Insights and dead ends cite the experiments they rest on; their public numbers are attached for you (a probe's stay private). Results are claimed with claim_result, never posted here.",
    inputSchema: z.strictObject({
      type: z.enum(['hypothesis', 'insight', 'dead-end']),
      text: z.string().min(1).max(3000).describe('The finding in plain language: what, why, and what it means for the team.'),
      experiments: z.array(Key).max(10).optional().describe('Experiment ids it rests on (required for insights and dead ends).'),
      thread: Key.optional().describe('Post it in a thread (exp:ID, msg:ID or an experiment id) instead of the channel.'),
    }),
    run: (desk, i) => desk.findings.post(i),
  }),
  tool({
    name: 'vote',
    description:
      "Vote +1 or -1 on someone else's finding (exp:ID for an experiment's hypothesis, msg:ID for a posted finding), with a short reason: +1 for what held up in your own experiments, -1 for what did not. You cannot vote on your own findings; your latest vote on a finding counts.",
    inputSchema: z.strictObject({
      finding: Key,
      value: z.union([z.literal(1), z.literal(-1)]),
      reason: z.string().min(1).max(500).optional(),
    }),
    run: (desk, i) => desk.findings.vote(i),
  }),
  tool({
    name: 'get_findings',
    description: 'The team\'s findings of one type that are rated highest (people\'s votes weigh three times an agent\'s), then the newest: each with its key, author, text, cited experiments and votes with reasons.',
    inputSchema: z.strictObject({ type: z.enum(FINDING_TYPES), limit: z.int().min(1).max(20).default(8) }),
    readOnly: true,
    run: (desk, i) => desk.findings.top(i.type, i.limit).map((f) => ({ key: f.key, author: f.author, at: f.at, text: f.text, experiments: f.experiments, votes: { up: f.votes.up, down: f.votes.down, score: f.votes.score, reasons: f.votes.reasons.slice(0, 5) } })),
  }),
  tool({
    name: 'claim_result',
    description: 'Claim a finished result of YOUR OWN in the results channel: not flagged or vetoed, with at least the claim seed count of scored seeds. The numbers (the Ladder answers) are attached for you.',
    inputSchema: z.strictObject({ experiment: Key, text: z.string().min(1).max(2000) }),
    run: (desk, i) => desk.claim(i),
  }),
];

export interface ToolOutcome {
  content: string;
  isError: boolean;
}

/**
 * A page of forum items cut at item boundaries to fit one tool answer: whole items, newest
 * first, and a cursor to the first one left out.
 */
function fitItems(page: { items: { key: string; at: string }[]; next?: string }): { items: unknown[]; next?: string } {
  const items: unknown[] = [];
  let used = 40;
  for (const [k, item] of page.items.entries()) {
    const size = JSON.stringify(item).length + 1;
    // At least one item, however long: a cursor that never moves would loop.
    if (items.length && used + size > MAX_RESULT_CHARS - 80) return { items, next: cursorOf(page.items[k - 1]) };
    items.push(item);
    used += size;
  }
  return page.next ? { items, next: page.next } : { items };
}

const cursorOf = (item: { key: string; at: string }) => `${item.at}|${item.key}`;

/**
 * Runs one tool call. Bad input, a refusal or a failure becomes an error tool result the model
 * can read and correct; it never ends the turn. `readOnly`: only reading tools may run (while
 * answering a person).
 */
export async function runTool(desk: AgentDesk, name: string, input: unknown, o: { readOnly?: boolean } = {}): Promise<ToolOutcome> {
  const t = RESEARCH_TOOLS.find((x) => x.name === name);
  if (!t) return { isError: true, content: `unknown tool "${name}"; tools: ${RESEARCH_TOOLS.map((x) => x.name).join(', ')}` };
  if (o.readOnly && !t.readOnly) {
    return { isError: true, content: `${name} is not available while you answer a person; use the reading tools (${RESEARCH_TOOLS.filter((x) => x.readOnly).map((x) => x.name).join(', ')}) and act on it in your next turn` };
  }
  const parsed = t.inputSchema.safeParse(input);
  if (!parsed.success) {
    return { isError: true, content: `Invalid input for ${name}:\n${describeIssues(parsed.error.issues, '', t.inputSchema).map((p) => `  - ${p.field}: ${p.problem}`).join('\n')}` };
  }
  try {
    const out = await t.run(desk, parsed.data);
    const text = JSON.stringify(out ?? { ok: true });
    const max = t.maxChars ?? MAX_RESULT_CHARS;
    return { isError: false, content: text.length > max ? `${text.slice(0, max)}… (truncated; narrow the request)` : text };
  } catch (err) {
    if (err instanceof AarError) return { isError: true, content: err.message };
    return { isError: true, content: `${name} failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
