import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { NotAFindingError, OwnFindingVoteError } from './errors.js';
import { FindingsStore } from './store.js';
import type { Finding, Voter, VoteValue } from './types.js';
import { recordVote, type Audience } from './votes.js';

/**
 * The key of the finding someone names: `exp:ID`, `msg:ID`, or a bare experiment or message
 * id. Undefined when it names nothing the ledger has.
 */
export function resolveFindingKey(ledger: Ledger, records: ForumRecords, name: string): string | undefined {
  const n = name.trim();
  if (/^(exp|msg):/.test(n)) return n;
  if (ledger.experiment(n)) return `exp:${n}`;
  if (records.message(n)) return `msg:${n}`;
  return undefined;
}

/** Whether a finding is the voter's own: an agent's by name, a person's by platform id. */
export function isOwnFinding(f: Finding, voter: Pick<Voter, 'id' | 'kind'>): boolean {
  if (f.authorId === undefined) return false;
  return voter.kind === 'agent' ? f.authorKind === 'agent' && f.authorId === voter.id : f.authorKind === 'human' && f.authorId === voter.id;
}

/**
 * Records a vote on a finding, after checking it is one and not the voter's own; returns the
 * finding with its new count (for `audience`). One path for agents and people alike.
 */
export function castVote(
  ledger: Ledger,
  records: ForumRecords,
  o: { target: string; value: VoteValue; voter: Voter; reason?: string; via: string; campaignId?: string; audience?: Audience },
): Finding {
  const store = new FindingsStore(ledger, records);
  const audience = o.audience ?? 'people';
  const finding = store.get(o.target, audience);
  if (!finding) throw new NotAFindingError(o.target, o.target.startsWith('exp:') || o.target.startsWith('msg:') ? 'nothing with that key is a typed finding you can see' : 'give exp:ID or msg:ID');
  if (isOwnFinding(finding, o.voter)) throw new OwnFindingVoteError(o.voter.name, o.target);
  recordVote(ledger, { target: o.target, value: o.value, voter: o.voter, reason: o.reason, via: o.via, campaignId: o.campaignId });
  return store.get(o.target, audience)!;
}
