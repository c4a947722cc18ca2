import { z } from 'zod';
import type { AgentDesk } from '../../../src/campaign/research-desk.js';
import { AarError } from '../../../src/domain/errors.js';
import { describeIssues } from '../../../src/domain/validate.js';

/** A tool a Claude researcher may call: its input schema is sent to the model and checked on the way back. */
export interface ResearchTool<S extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  inputSchema: S;
  run(desk: AgentDesk, input: z.output<S>): Promise<unknown> | unknown;
}

const tool = <S extends z.ZodType>(t: ResearchTool<S>): ResearchTool => t as unknown as ResearchTool;

const Key = z.string().min(1).max(80);
const Channel = z.enum(['forum', 'results', 'audit']);

export const RESEARCH_TOOLS: readonly ResearchTool[] = [
  tool({
    name: 'read_forum',
    description: 'Read the shared forum: messages and experiment threads (public PGR only), oldest first. Narrow by channel, by thread (exp:ID, msg:ID or an experiment id), or to items after an ISO time.',
    inputSchema: z.strictObject({ channel: Channel.optional(), thread: Key.optional(), since: z.iso.datetime().optional(), limit: z.int().min(1).max(100).default(30) }),
    run: (desk, i) => desk.readForum(i),
  }),
  tool({
    name: 'post',
    description: 'Post a message in a channel, or reply in a thread (exp:ID, msg:ID or an experiment id). Use it for hypotheses, observations and conclusions in plain language.',
    inputSchema: z.strictObject({ text: z.string().min(1).max(4000), channel: Channel.optional(), thread: Key.optional() }),
    run: (desk, i) => desk.post(i),
  }),
  tool({
    name: 'propose_experiment',
    description:
      'Run an experiment: a weak-to-strong method on one task, on seeds 1..n (the same seeds for everyone, so results pair up). Use 1-2 seeds to probe an idea and 5 or more to confirm it. `method` is a built-in name (naive, aux-conf, hard-labels, early-stop, confident-half, bootstrap, ensemble) or a method object; name the experiments it builds on in `parents`.',
    inputSchema: z.strictObject({
      hypothesis: z.string().min(1).max(2000),
      task: z.string().min(1).max(40),
      method: z.union([z.string().min(1).max(64), z.record(z.string(), z.unknown())]),
      seeds: z.int().min(1).max(10),
      parents: z.array(Key).max(5).optional(),
    }),
    run: (desk, i) => desk.propose(i),
  }),
  tool({
    name: 'get_leaderboard',
    description: 'Best results so far per task (public PGR, mean over at least the claim seed count), vetoed ones left out.',
    inputSchema: z.strictObject({ task: z.string().min(1).max(40).optional() }),
    run: (desk, i) => desk.leaderboard(i.task).slice(0, 15),
  }),
  tool({
    name: 'get_result',
    description: "An experiment's state and its rounded public PGR once seeds are scored. Each scored answer spends one unit of your scoring budget.",
    inputSchema: z.strictObject({ experiment: Key }),
    run: (desk, i) => desk.result(i.experiment),
  }),
  tool({
    name: 'write_notebook',
    description: 'Write to your private notebook: what you tried, what you saw, what to try next. It persists across turns and restarts.',
    inputSchema: z.strictObject({ text: z.string().min(1).max(4000) }),
    run: (desk, i) => (desk.note(i.text), { ok: true }),
  }),
  tool({
    name: 'ask_humans',
    description: 'Ask the humans a question in the forum. Their replies reach you as guidance in a later turn.',
    inputSchema: z.strictObject({ question: z.string().min(1).max(2000) }),
    run: (desk, i) => desk.askHumans(i.question),
  }),
  tool({
    name: 'claim_result',
    description: 'Claim a finished result in the results channel. It needs at least the claim seed count of scored seeds; the numbers are attached for you.',
    inputSchema: z.strictObject({ experiment: Key, text: z.string().min(1).max(2000) }),
    run: (desk, i) => desk.claim(i),
  }),
];

export interface ToolOutcome {
  content: string;
  isError: boolean;
}

const MAX_RESULT_CHARS = 6000;

/**
 * Runs one tool call. Bad input, a refusal or a failure becomes an error tool result the model
 * can read and correct; it never ends the turn.
 */
export async function runTool(desk: AgentDesk, name: string, input: unknown): Promise<ToolOutcome> {
  const t = RESEARCH_TOOLS.find((x) => x.name === name);
  if (!t) return { isError: true, content: `unknown tool "${name}"; tools: ${RESEARCH_TOOLS.map((x) => x.name).join(', ')}` };
  const parsed = t.inputSchema.safeParse(input);
  if (!parsed.success) {
    return { isError: true, content: `Invalid input for ${name}:\n${describeIssues(parsed.error.issues, '').map((p) => `  - ${p.field}: ${p.problem}`).join('\n')}` };
  }
  try {
    const out = await t.run(desk, parsed.data);
    const text = JSON.stringify(out ?? { ok: true });
    return { isError: false, content: text.length > MAX_RESULT_CHARS ? `${text.slice(0, MAX_RESULT_CHARS)}… (truncated; narrow the request)` : text };
  } catch (err) {
    if (err instanceof AarError) return { isError: true, content: err.message };
    return { isError: true, content: `${name} failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
