import { AgentView } from '../campaign/agent-view.js';
import { FINDING_LABEL, type FindingData } from '../findings/types.js';
import { parseTypedText, personFinding, personVote } from '../findings/people.js';
import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import type { InboundContext, InboundEvent } from './port.js';

type MessageEvent = Extract<InboundEvent, { kind: 'message' }>;
type VoteEvent = Extract<InboundEvent, { kind: 'vote' }>;

/**
 * People's findings and votes as they arrive from the forum: a typed message (`insight: …`, or
 * the type picked in the local forum's composer) becomes a finding with its citations, and a
 * reaction or a vote button becomes a vote. Both adapters arrive here, so both behave alike.
 */
export class FindingsInbound {
  private readonly view: AgentView;

  constructor(
    private readonly o: { ledger: Ledger; records: ForumRecords; admins: ReadonlySet<string>; minSeeds?: number },
  ) {
    // Citations carry what every agent may read: public numbers of results with enough seeds.
    this.view = new AgentView(o.ledger, o.records, o.minSeeds ?? 1);
  }

  /**
   * What a person's message records: its text (the type prefix taken off) and the finding, or a
   * refusal to send back (a result that names no experiment with public numbers). Only people on
   * the allowlist make findings; anyone else's message stays plain conversation.
   */
  typed(event: MessageEvent): { text: string; finding?: FindingData } | { refusal: string } {
    const parsed = event.finding ? { type: event.finding, text: event.text } : parseTypedText(event.text);
    if (!parsed.type || !this.o.admins.has(event.user.id)) return { text: event.text };
    return personFinding(this.o.ledger, (e) => this.view.publicResult(e), parsed.type, parsed.text);
  }

  /** Tells a person (in Slack, in the thread) what their finding was recorded as; the local forum shows the badge instead. */
  async confirm(finding: FindingData, ctx: InboundContext): Promise<void> {
    await ctx.reply(`Recorded as ${finding.type === 'insight' ? 'an' : 'a'} ${FINDING_LABEL[finding.type].toLowerCase()}${finding.experiments.length ? ` citing ${finding.experiments.join(', ')}` : ''}. Vote on findings with :+1: or :-1:.`);
  }

  async vote(event: VoteEvent, ctx: InboundContext): Promise<void> {
    const outcome = personVote(this.o.ledger, this.o.records, {
      messageRef: event.messageRef,
      user: event.user,
      member: this.o.admins.has(event.user.id),
      value: event.value,
      removed: event.removed,
      reason: event.reason,
      via: event.quiet ? 'reaction' : 'button',
    });
    // A recorded vote shows on the finding itself; only a refusal needs words (a reaction never gets any).
    if (event.quiet || outcome.recorded) return;
    await ctx.reply(`Vote not recorded: ${outcome.why}`);
  }
}
