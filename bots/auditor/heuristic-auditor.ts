import type { ReviewerBot } from '../../src/campaign/bot-loop.js';
import { AUDITOR, AuditTrail, type AuditTrailOptions } from './audit-trail.js';
import { verdictOf } from './checks.js';

export type HeuristicAuditorOptions = AuditTrailOptions;

/**
 * The offline auditor: after every round it reviews new leaders and flagged or claimed
 * results with the heuristic checks and posts a verdict in the audit channel. It needs no
 * model, so it runs in every campaign, embedded or not.
 */
export class HeuristicAuditor implements ReviewerBot {
  readonly name = AUDITOR;
  private readonly trail: AuditTrail;

  constructor(o: HeuristicAuditorOptions) {
    this.trail = new AuditTrail(o);
  }

  async review(o: { signal?: AbortSignal } = {}): Promise<void> {
    for (const c of this.trail.cases()) {
      if (o.signal?.aborted) return;
      this.trail.publish(c, verdictOf(c.findings), { source: 'heuristic' });
    }
  }
}
