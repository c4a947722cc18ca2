import { AarError } from '../domain/errors.js';

/** A vote on one's own finding: votes are for what others found. */
export class OwnFindingVoteError extends AarError {
  constructor(
    readonly voter: string,
    readonly target: string,
  ) {
    super('own_finding', `${voter} cannot vote on ${target}: it is ${voter}'s own finding; votes are for what others found`);
  }
}

/** A vote or a citation that names something that is not a finding. */
export class NotAFindingError extends AarError {
  constructor(
    readonly target: string,
    readonly why: string,
  ) {
    super('not_a_finding', `${target} is not a finding (${why}); vote on a hypothesis, result, insight or dead end: exp:EXPERIMENT_ID or msg:MESSAGE_ID`);
  }
}
