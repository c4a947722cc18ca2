import { z } from 'zod';

// Ids, method tags, agent and task names share one shape, so a value that passed it is safe
// to echo back into a forum message (no markup, no mentions, bounded length).
const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;
const NAME_RULE = 'letters, digits, -, _ or . (1-64 characters)';
const Name = z.string().regex(NAME_RE, NAME_RULE);
/**
 * The most a person's message or command may hold, in characters: Slack's own cap, so every
 * adapter accepts the same input; anything longer is not something a person typed.
 */
export const MAX_MESSAGE_TEXT = 40_000;
const MAX_TEXT = MAX_MESSAGE_TEXT;

/** Each command and its one-line usage with a short description, in the order help lists them. */
export const COMMAND_USAGE = {
  status: 'status — what is running, queued and waiting for approval',
  leaderboard: 'leaderboard [task] — best methods so far, overall or for one task',
  veto: 'veto <experiment|method-tag> <reason> — stop an experiment or ban a method tag',
  unveto: 'unveto <id> — lift a veto',
  approve: 'approve <experiment> — let an experiment that waits for approval run',
  overturn: "overturn <experiment> <reason> — record that the auditor's verdict on an experiment was wrong",
  pause: 'pause [agent|all] — pause one agent or all of them (default all)',
  resume: 'resume [agent|all] — resume one agent or all of them (default all)',
  direct: 'direct <agent> <text> — give one agent a direction to follow',
  budget: 'budget [set <usd>] — show the spend, or set the budget in dollars',
  stop: 'stop — stop the campaign: no new experiments, agents stand down',
  report: 'report — post a summary of the findings so far',
  help: 'help [command] — list commands, or show one command',
} as const satisfies Record<string, string>;

/** A command name the parser knows. */
export type CommandName = keyof typeof COMMAND_USAGE;
/** Every command name, in help order. */
export const COMMAND_NAMES = Object.keys(COMMAND_USAGE) as CommandName[];
const isCommandName = (w: string): w is CommandName => Object.hasOwn(COMMAND_USAGE, w);

const AgentOrAll = z.union([z.literal('all'), Name]);
/** usd > 0, at most 2 decimals, at most 1e6; cents are checked by rounding because binary floats cannot be multiples of 0.01. */
const Usd = z.number().gt(0).max(1e6).refine((n) => Math.round(n * 100) / 100 === n, 'at most 2 decimal places');

/** A parsed human command; `kind` tells which. */
export const ParsedCommandSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('status') }),
  z.strictObject({ kind: z.literal('leaderboard'), task: Name.optional() }),
  z.strictObject({ kind: z.literal('veto'), target: Name, reason: z.string().min(1) }),
  z.strictObject({ kind: z.literal('unveto'), id: Name }),
  z.strictObject({ kind: z.literal('approve'), experiment: Name }),
  z.strictObject({ kind: z.literal('overturn'), experiment: Name, reason: z.string().min(1) }),
  z.strictObject({ kind: z.literal('pause'), agent: AgentOrAll }),
  z.strictObject({ kind: z.literal('resume'), agent: AgentOrAll }),
  z.strictObject({ kind: z.literal('direct'), agent: Name, text: z.string().min(1) }),
  z.strictObject({ kind: z.literal('budget'), set: Usd.optional() }),
  z.strictObject({ kind: z.literal('stop') }),
  z.strictObject({ kind: z.literal('report') }),
  z.strictObject({ kind: z.literal('help'), command: z.enum(COMMAND_NAMES as [CommandName, ...CommandName[]]).optional() }),
]);
/** A parsed human command; `kind` tells which. */
export type ParsedCommand = z.infer<typeof ParsedCommandSchema>;

/** Why some text could not be parsed: what is wrong, and the usage line(s) to show the person. */
export const CommandErrorSchema = z.strictObject({
  kind: z.literal('error'),
  command: z.enum(COMMAND_NAMES as [CommandName, ...CommandName[]]).optional(),
  message: z.string(),
  usage: z.string(),
});
/** Why some text could not be parsed: what is wrong, and the usage line(s) to show the person. */
export type CommandError = z.infer<typeof CommandErrorSchema>;

/**
 * The usage of one command, or every command with a header when `command` is absent or
 * unknown (so a help request for a misspelt name still shows something useful).
 */
export function helpText(command?: string): string {
  const name = command?.toLowerCase();
  if (name !== undefined && isCommandName(name)) return COMMAND_USAGE[name];
  return [
    'Commands (type /aar <command>, or mention @aar):',
    ...COMMAND_NAMES.map((n) => `  ${COMMAND_USAGE[n]}`),
    'Findings: start a message with hypothesis:, insight:, dead-end: or result: (naming its experiment); vote on findings with :+1: / :-1: (Slack) or the vote buttons (local forum).',
  ].join('\n');
}

/**
 * Whether the command changes anything. Adapters accept these only from allowlisted people;
 * a `budget` without `set` only reads, so anyone may ask.
 */
export function isMutating(cmd: ParsedCommand): boolean {
  switch (cmd.kind) {
    case 'veto':
    case 'unveto':
    case 'approve':
    case 'overturn':
    case 'pause':
    case 'resume':
    case 'direct':
    case 'stop':
      return true;
    case 'budget':
      return cmd.set !== undefined;
    default:
      return false;
  }
}

// `@aar`, then `/aar` or `aar`, each optional and each followed by an optional `:` or `,` as
// people type after a name. A Slack mention of the app arrives already rewritten to `@aar` by
// the adapter, which alone knows the app's user id; any other mention (`<@U123>`) addresses
// someone else and is never stripped. The negative lookahead keeps words like "aardvark" or
// "aar.x" from losing their first letters.
const MENTION_RE = /^@aar(?![\w.-])[:,]?/i;
const AAR_RE = /^\/?aar(?![\w.-])[:,]?/i;

function stripPrefix(text: string): { body: string; slash: boolean; addressed: boolean } {
  let s = text.trimStart();
  const mention = MENTION_RE.exec(s);
  if (mention) s = s.slice(mention[0].length).trimStart();
  const aar = AAR_RE.exec(s);
  if (aar) s = s.slice(aar[0].length).trimStart();
  return { body: s.trimEnd(), slash: aar !== null && aar[0].startsWith('/'), addressed: mention !== null || aar !== null };
}

/** The first whitespace-separated word and the rest, trimmed but otherwise verbatim. */
function splitFirst(s: string): [string, string] {
  const i = s.search(/\s/);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i).trim()];
}

/**
 * Whether a message in a channel is a command. Addressed to aar (`/aar`, `aar` or `@aar`
 * first; in Slack, a mention of the app's own id), it is one when its next word is a command
 * name (any case), so a mistyped command gets its usage back; a bare `/aar` counts, since the
 * slash is explicit. Not addressed, it is one only when the whole text is a valid command
 * ("status", "veto e1 leaky"): "stop using ensembles" is guidance, and a message that opens
 * with someone else's mention ("<@U123> stop") is conversation. Adapters route everything
 * else to the agents as guidance.
 */
export function looksLikeCommand(text: string): boolean {
  if (typeof text !== 'string' || text.length > MAX_TEXT) return false;
  const { body, slash, addressed } = stripPrefix(text);
  if (addressed) return body === '' ? slash : isCommandName(splitFirst(body)[0].toLowerCase());
  if (body === '') return false;
  return parseCommand(body).kind !== 'error';
}

/**
 * Parses one human command, as typed in Slack (`/aar …`, a mention) or the local forum.
 * Never throws: malformed input comes back as a `CommandError` naming what is wrong.
 * Reasons and directions are kept verbatim (quotes, markup, newlines); adapters must escape
 * them before reposting. Error messages never echo raw input, only values that passed the
 * name rule, so an error reply cannot carry `<!channel>` or similar. Empty text means help.
 * `o.tasks`, when given, is the set of tasks `leaderboard` accepts.
 */
export function parseCommand(text: string, o: { tasks?: readonly string[] } = {}): ParsedCommand | CommandError {
  try {
    if (typeof text !== 'string') return fail(undefined, 'a command must be text');
    if (text.length > MAX_TEXT) return fail(undefined, `a command is at most ${MAX_TEXT} characters`);
    const { body } = stripPrefix(text);
    if (body === '') return { kind: 'help' };
    const [head, rest] = splitFirst(body);
    const name = head.toLowerCase();
    if (!isCommandName(name)) {
      const shown = NAME_RE.test(head) ? `"${head}"` : 'command';
      return fail(undefined, `unknown ${shown}; commands are: ${COMMAND_NAMES.join(', ')}`);
    }
    const parsed = parseArgs(name, rest, o);
    if (parsed.kind === 'error') return parsed;
    // The schema is the contract adapters rely on; checking here keeps the hand-written
    // argument code from ever returning something the types promise it cannot.
    const checked = ParsedCommandSchema.safeParse(parsed);
    return checked.success ? checked.data : fail(name, checked.error.issues[0]?.message ?? 'invalid arguments');
  } catch {
    return fail(undefined, 'could not read that command');
  }
}

function fail(command: CommandName | undefined, message: string): CommandError {
  return command
    ? { kind: 'error', command, message, usage: `usage: ${COMMAND_USAGE[command]}` }
    : { kind: 'error', message, usage: helpText() };
}

function parseArgs(name: CommandName, rest: string, o: { tasks?: readonly string[] }): ParsedCommand | CommandError {
  const words = rest === '' ? [] : rest.split(/\s+/);
  const none = (): CommandError | null => (words.length > 0 ? fail(name, `${name} takes no arguments`) : null);
  const atMostOne = (what: string): CommandError | null =>
    words.length > 1 ? fail(name, `${name} takes at most one ${what}`) : null;
  // People often write an agent as they would mention it; the name itself has no `@`.
  const agentName = (w: string): string => (w.startsWith('@') ? w.slice(1) : w);

  switch (name) {
    case 'status':
    case 'stop':
    case 'report':
      return none() ?? { kind: name };
    case 'leaderboard': {
      if (words.length === 0) return { kind: 'leaderboard' };
      const err = atMostOne('task');
      if (err) return err;
      const accepted = o.tasks;
      if (accepted === undefined) {
        return NAME_RE.test(words[0]) ? { kind: 'leaderboard', task: words[0] } : fail(name, `a task name is ${NAME_RULE}`);
      }
      // Match case-insensitively but answer with the campaign's own spelling of the task.
      const task = accepted.find((t) => t.toLowerCase() === words[0].toLowerCase());
      if (task !== undefined) return { kind: 'leaderboard', task };
      return fail(name, `unknown task; accepted tasks: ${accepted.length ? accepted.join(', ') : '(none)'}`);
    }
    case 'veto': {
      const [target, reason] = splitFirst(rest);
      if (target === '') return fail(name, 'veto needs an experiment id or method tag, then a reason');
      if (!NAME_RE.test(target)) return fail(name, `an experiment id or method tag is ${NAME_RULE}`);
      if (reason === '') return fail(name, 'veto needs a reason');
      return { kind: 'veto', target, reason };
    }
    case 'overturn': {
      const [experiment, reason] = splitFirst(rest);
      if (experiment === '') return fail(name, 'overturn needs an experiment id, then a reason');
      if (!NAME_RE.test(experiment)) return fail(name, `an experiment id is ${NAME_RULE}`);
      if (reason === '') return fail(name, 'overturn needs a reason');
      return { kind: 'overturn', experiment, reason };
    }
    case 'unveto':
    case 'approve': {
      const noun = name === 'unveto' ? 'veto id' : 'experiment id';
      const what = name === 'unveto' ? 'a veto id' : 'an experiment id';
      if (words.length === 0) return fail(name, `${name} needs ${what}`);
      const err = atMostOne(noun);
      if (err) return err;
      if (!NAME_RE.test(words[0])) return fail(name, `${what} is ${NAME_RULE}`);
      return name === 'unveto' ? { kind: 'unveto', id: words[0] } : { kind: 'approve', experiment: words[0] };
    }
    case 'pause':
    case 'resume': {
      const err = atMostOne('agent');
      if (err) return err;
      const agent = words.length === 0 || words[0].toLowerCase() === 'all' ? 'all' : agentName(words[0]);
      if (!NAME_RE.test(agent)) return fail(name, `an agent name is ${NAME_RULE}, or all`);
      return { kind: name, agent };
    }
    case 'direct': {
      const [first, text] = splitFirst(rest);
      if (first === '') return fail(name, 'direct needs an agent and the text to send it');
      const agent = agentName(first);
      if (!NAME_RE.test(agent)) return fail(name, `an agent name is ${NAME_RULE}`);
      if (text === '') return fail(name, 'direct needs text to send the agent');
      return { kind: 'direct', agent, text };
    }
    case 'budget': {
      if (words.length === 0) return { kind: 'budget' };
      if (words[0].toLowerCase() !== 'set') return fail(name, 'budget takes nothing, or set <usd>');
      if (words.length === 1) return fail(name, 'budget set needs an amount in dollars');
      if (words.length > 2) return fail(name, 'budget set takes one amount');
      const set = parseUsd(words[1]);
      return typeof set === 'number' ? { kind: 'budget', set } : fail(name, set.problem);
    }
    case 'help': {
      if (words.length === 0) return { kind: 'help' };
      const err = atMostOne('command');
      if (err) return err;
      const command = words[0].toLowerCase();
      return isCommandName(command) ? { kind: 'help', command } : fail(name, `no such command; commands are: ${COMMAND_NAMES.join(', ')}`);
    }
  }
}

/** Dollars as people write them (`50`, `$12.5`, `0.99`), with a message for each way to get it wrong. */
function parseUsd(raw: string): number | { problem: string } {
  const s = raw.startsWith('$') ? raw.slice(1) : raw;
  if (!/^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/.test(s)) return { problem: 'the budget must be a dollar amount such as 25 or 12.50' };
  const n = Number(s);
  if (!(n > 0)) return { problem: 'the budget must be more than $0' };
  if ((s.split('.')[1] ?? '').replace(/0+$/, '').length > 2) return { problem: 'the budget has at most 2 decimal places (cents)' };
  if (n > 1e6) return { problem: 'the budget is at most $1000000' };
  return n;
}
