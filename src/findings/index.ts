export { AgentFindings, UseClaimError, type FindingsDeskPort } from './agent-findings.js';
export { attachFindings, type ItemFinding } from './agent-items.js';
export { campaignFindings, type FindingRecord } from './campaign.js';
export { castVote, isOwnFinding, resolveFindingKey } from './cast.js';
export { citationLine, mentionedExperiments, type CitedResult, type PublicResultOf } from './cite.js';
export { NotAFindingError, OwnFindingVoteError } from './errors.js';
export { findingKeyOfPost, parseTypedText, personFinding, personVote, type PersonFinding, type VoteOutcome } from './people.js';
export { FindingsPublisher } from './publish.js';
export { findingDataOf, FindingsStore } from './store.js';
export {
  AGENT_WEIGHT,
  FINDING_LABEL,
  FINDING_TYPES,
  FindingDataSchema,
  FindingTypeSchema,
  PERSON_WEIGHT,
  POST_TYPES,
  type Finding,
  type FindingData,
  type FindingType,
  type PostFinding,
  type PostType,
  type Voter,
  type VoteRecord,
  type VoteTally,
  type VoteValue,
} from './types.js';
export { currentVoteOf, currentVotes, MAX_REASON, recordVote, tally, visibleTo, votesOn, type Audience } from './votes.js';
