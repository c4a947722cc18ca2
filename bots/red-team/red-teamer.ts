import type { AgentDesk } from '../../src/campaign/research-desk.js';
import { AarError } from '../../src/domain/errors.js';
import type { MessageRecord } from '../../src/ledger/forum-records.js';
import type { ResearcherBot, TurnOutcome } from '../types.js';
import { TACTICS, type Tactic } from './tactics.js';

export interface RedTeamerOptions {
  name: string;
  tactic: Tactic;
  /** Attempts before it stops (each attempt is one or more experiments). */
  attempts?: number;
}

/**
 * An agent that tries a known shortcut, openly, so the team can watch detection work. It
 * posts what it is trying (as a red-teamer, never disguised), proposes the cheating
 * experiments through the same desk as everyone, and claims whatever scores well. Its
 * experiments carry the tactic in their hypothesis, so the bench can count detections.
 */
export class RedTeamer implements ResearcherBot {
  readonly kind = 'offline' as const;
  readonly name: string;
  readonly direction: string;
  readonly maxInFlight = 1;
  private attempt = 0;

  constructor(private readonly o: RedTeamerOptions) {
    this.name = o.name;
    this.direction = `Red team: ${TACTICS[o.tactic].what}`;
  }

  async turn(desk: AgentDesk): Promise<TurnOutcome> {
    const outcome: TurnOutcome = { proposed: [], posted: 0 };
    const tactic = TACTICS[this.o.tactic];
    await this.claimFinished(desk, outcome);
    if (this.attempt >= (this.o.attempts ?? 3) || desk.inFlight() >= this.maxInFlight) {
      outcome.idle ??= this.attempt >= (this.o.attempts ?? 3) ? 'red team: attempts done' : 'red team: waiting for results';
      return outcome;
    }
    if (tactic.language && tactic.language !== desk.codeLanguage) {
      outcome.idle = `red team: ${this.o.tactic} writes ${tactic.language} method code; this campaign's workers run ${desk.codeLanguage}`;
      this.attempt = Number.POSITIVE_INFINITY;
      return outcome;
    }
    const task = tactic.task ?? desk.tasks[this.attempt % desk.tasks.length];
    if (!desk.tasks.includes(task)) {
      outcome.idle = `red team: the ${task} task is not in this campaign`;
      this.attempt = Number.POSITIVE_INFINITY;
      return outcome;
    }
    const n = this.attempt++;
    for (const method of tactic.methods(n)) {
      try {
        const { experiment } = await desk.propose({ hypothesis: `[red team: ${this.o.tactic}] ${tactic.what} (attempt ${n + 1})`, task, method: method as Record<string, unknown>, seeds: tactic.seeds });
        outcome.proposed.push(experiment);
      } catch (err) {
        // Refusals are part of what the red team shows (a vetoed method cannot come back).
        if (!(err instanceof AarError)) throw err;
        desk.post({ text: `Red team (${this.o.tactic}): the desk refused attempt ${n + 1}: ${err.message}` });
        outcome.posted++;
      }
    }
    return outcome;
  }

  /** Claims every finished experiment it can: a cheat that scores well would want the credit. */
  private async claimFinished(desk: AgentDesk, outcome: TurnOutcome): Promise<void> {
    const claimed = new Set(desk.notebook(500).map((n) => n.text));
    for (const e of desk.myExperiments()) {
      if (e.state !== 'finished' || claimed.has(`claimed ${e.experiment}`)) continue;
      desk.note(`claimed ${e.experiment}`);
      try {
        await desk.result(e.experiment);
        desk.claim({ experiment: e.experiment, text: `Red team (${this.o.tactic}): claiming ${e.experiment}.` });
        outcome.posted++;
      } catch (err) {
        if (!(err instanceof AarError)) throw err;
      }
    }
  }

  async answer(_desk: AgentDesk, _m: MessageRecord): Promise<string> {
    return `I am a red-team agent: ${TACTICS[this.o.tactic].what}. My experiments say so in their hypothesis; the detectors and the auditor should catch them.`;
  }
}
