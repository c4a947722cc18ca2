import { AarError } from '../domain/errors.js';
import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { castVote } from './cast.js';
import { citationLine, mentionedExperiments, type PublicResultOf } from './cite.js';
import { FINDING_LABEL, type FindingData, type FindingType, type PostType, type Voter, type VoteValue } from './types.js';
import { currentVoteOf, votesOn } from './votes.js';

const TYPE_WORDS: Record<string, PostType> = {
  hypothesis: 'hypothesis',
  result: 'result',
  insight: 'insight',
  'dead-end': 'dead-end',
  'dead end': 'dead-end',
  deadend: 'dead-end',
  discussion: 'discussion',
};
const PREFIX_RE = /^\s*(?:\[(hypothesis|result|insight|dead[- ]?end|discussion)\]|(hypothesis|result|insight|dead[- ]?end)\s*:)\s*/i;

/** A person's `insight: …` (or `[dead-end] …`): the type it names and the text after it. */
export function parseTypedText(text: string): { type?: PostType; text: string } {
  const m = PREFIX_RE.exec(text);
  if (!m) return { text };
  const word = (m[1] ?? m[2]).toLowerCase();
  return { type: TYPE_WORDS[word], text: text.slice(m[0].length) };
}

/** What a person's typed message becomes: the finding to record and its text, or why it is refused. */
export type PersonFinding = { finding?: FindingData; text: string } | { refusal: string };

/**
 * A person's finding, as it is recorded: the experiments the text mentions are its citations,
 * with the desk's public numbers attached. A `result` is a claim, so it must name a finished
 * experiment with public numbers (enough scored seeds), which are attached as for an agent's
 * claim; without one it is refused and nothing is recorded.
 */
export function personFinding(ledger: Ledger, publicResult: PublicResultOf, type: PostType | undefined, text: string): PersonFinding {
  if (!type || type === 'discussion') return { text };
  const body = text.trim();
  if (!body) return { refusal: `A ${FINDING_LABEL[type].toLowerCase()} needs words after its type.` };
  const experiments = mentionedExperiments(ledger, body);
  if (type === 'result') {
    const first = experiments.find((id) => publicResult(ledger.experiment(id)!) !== undefined);
    if (!first) {
      return { refusal: 'A result is a claim: name a finished experiment with public numbers (enough scored seeds), e.g. `result: e12 beats aux-conf on spam`; its numbers are attached for you. Nothing was recorded.' };
    }
  }
  const cited = experiments.length ? `${body}\n${citationLine(ledger, publicResult, experiments)}` : body;
  return { finding: { type: type as FindingType, experiments }, text: cited };
}

/** The finding a forum post is, from its outbox key: an experiment's thread and result card are the experiment's; a message is itself. */
export function findingKeyOfPost(postKey: string): string | undefined {
  const exp = /^exp:([^:]+)(?::result)?$/.exec(postKey);
  if (exp) return `exp:${exp[1]}`;
  if (/^msg:[^:]+$/.test(postKey)) return postKey;
  return undefined;
}

/** What came of a person's vote: recorded (with the count people see), or why not. */
export type VoteOutcome = { recorded: true; key: string; up: number; down: number } | { recorded: false; why: string };

/**
 * A person's vote from the forum (a reaction, a button) on the post `messageRef`. Taking a
 * reaction away takes back only a vote of that sign, so removing :-1: after adding :+1: keeps
 * the +1. Anyone may vote; only allowlisted people's votes and reasons reach agents.
 */
export function personVote(
  ledger: Ledger,
  records: ForumRecords,
  o: { messageRef: string; user: { id: string; name: string }; member: boolean; value: VoteValue; removed?: 1 | -1; reason?: string; via: string },
): VoteOutcome {
  const postKey = records.keyOfRef(o.messageRef);
  const key = postKey ? findingKeyOfPost(postKey) : undefined;
  if (!key) return { recorded: false, why: 'that post is not a finding: votes are for hypotheses, results, insights and dead ends' };
  const voter: Voter = { id: o.user.id, name: o.user.name, kind: 'human', member: o.member };
  let value = o.value;
  if (o.removed !== undefined) {
    if (currentVoteOf(votesOn(ledger, key), voter) !== o.removed) return { recorded: false, why: `no ${o.removed > 0 ? '+1' : '-1'} vote of yours on ${key} to take back` };
    value = 0;
  }
  try {
    const f = castVote(ledger, records, { target: key, value, voter, reason: o.reason, via: o.via });
    return { recorded: true, key, up: f.votes.up, down: f.votes.down };
  } catch (err) {
    if (err instanceof AarError) return { recorded: false, why: err.message };
    throw err;
  }
}
