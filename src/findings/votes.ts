import type { Ledger } from '../ledger/ledger.js';
import { AGENT_WEIGHT, PERSON_WEIGHT, type Voter, type VoteRecord, type VoteTally, type VoteValue } from './types.js';

/** Longest vote reason kept; a reason is a sentence, not an essay. */
export const MAX_REASON = 500;

/** Who may see a vote: people see every vote; agents only agents' and allowlisted people's (anyone else's words reach no agent). */
export type Audience = 'people' | 'agents';

/** Records a vote as a `vote` event: append-only, with who and when. A later vote by the same voter replaces it in counts, never in the ledger. */
export function recordVote(ledger: Ledger, v: { target: string; value: VoteValue; voter: Voter; reason?: string; via: string; campaignId?: string }): number {
  const reason = v.reason?.trim().slice(0, MAX_REASON);
  const experimentId = v.target.startsWith('exp:') ? v.target.slice(4) : undefined;
  return ledger.append('vote', {
    agent: v.voter.kind === 'agent' ? v.voter.id : undefined,
    experimentId,
    campaignId: v.campaignId,
    data: { target: v.target, value: v.value, voter: v.voter, ...(reason ? { reason } : {}), via: v.via },
  });
}

/** Every vote on a finding, oldest first (an indexed read: migration 30). */
export function votesOn(ledger: Ledger, target: string): VoteRecord[] {
  const rows = ledger.db
    .prepare("SELECT seq, at, data FROM events WHERE kind = 'vote' AND json_extract(data, '$.target') = ? ORDER BY seq")
    .all(target) as { seq: number; at: string; data: string }[];
  return rows.map((r) => toVote(r.seq, r.at, JSON.parse(r.data) as Record<string, unknown>));
}

function toVote(seq: number, at: string, d: Record<string, unknown>): VoteRecord {
  const voter = d.voter as Voter;
  const value = d.value === 1 || d.value === -1 ? d.value : 0;
  return { seq, at, target: String(d.target), value, voter, ...(typeof d.reason === 'string' ? { reason: d.reason } : {}), via: String(d.via ?? '') };
}

/** Each voter's latest vote (a taken-back vote, value 0, counts as none). */
export function currentVotes(votes: readonly VoteRecord[]): VoteRecord[] {
  const latest = new Map<string, VoteRecord>();
  for (const v of votes) latest.set(`${v.voter.kind}:${v.voter.id}`, v);
  return [...latest.values()].filter((v) => v.value !== 0);
}

/** Whether an audience may see a vote (and its reason). */
export function visibleTo(v: VoteRecord, audience: Audience): boolean {
  return audience === 'people' || v.voter.kind === 'agent' || v.voter.member === true;
}

/** Counts the current votes an audience may see; people's weigh PERSON_WEIGHT, agents' AGENT_WEIGHT. */
export function tally(votes: readonly VoteRecord[], audience: Audience): VoteTally {
  const t: VoteTally = { up: 0, down: 0, people: { up: 0, down: 0 }, agents: { up: 0, down: 0 }, score: 0, reasons: [] };
  for (const v of currentVotes(votes).filter((x) => visibleTo(x, audience))) {
    const side = v.voter.kind === 'human' ? t.people : t.agents;
    if (v.value === 1) (t.up++, side.up++);
    else (t.down++, side.down++);
    t.score += v.value * (v.voter.kind === 'human' ? PERSON_WEIGHT : AGENT_WEIGHT);
    if (v.reason) t.reasons.push({ by: v.voter.name, kind: v.voter.kind, value: v.value as 1 | -1, reason: v.reason });
  }
  t.reasons.reverse();
  return t;
}

/** The voter's current vote on a finding, if any. */
export function currentVoteOf(votes: readonly VoteRecord[], voter: Pick<Voter, 'id' | 'kind'>): VoteValue {
  return votes.filter((v) => v.voter.id === voter.id && v.voter.kind === voter.kind).at(-1)?.value ?? 0;
}
