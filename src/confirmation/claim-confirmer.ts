import { builtinMethod, parseMethod, type Method } from '../domain/method.js';
import type { ItemEvaluator } from '../eval/item-evaluator.js';
import { COMBINED_SE_LABEL, pairedGain, type PairedGain, type SeedItems } from '../eval/paired-se.js';
import type { Ledger } from '../ledger/ledger.js';
import { drawnSeeds } from './drawn-seeds.js';

export interface ClaimConfirmerOptions {
  ledger: Ledger;
  campaignId?: string;
  evaluate: ItemEvaluator;
  /** How many confirmation seeds the campaign draws (default 5). */
  seeds?: number;
  /** The gain must exceed this many combined SEs (default 2). */
  z?: number;
  /** Draws one fresh seed (default: crypto random, DRAWN_SEED_MIN and up); tests pass a fixed sequence. */
  drawSeed?: () => number;
  /** Posts the verdict (without numbers) where the claim was made. */
  announce?: (experiment: string, text: string) => void;
  log?: (line: string) => void;
}

/** The desk's verdict on one claim: people see the numbers; agents only whether it stands. */
export interface ConfirmationVerdict {
  experiment: string;
  task: string;
  /** What the claimed method was compared with, on the same seeds. */
  against: 'aux-conf';
  seeds: number;
  /** PGR(claimed) - PGR(aux-conf) on the private half, with the combined SE. */
  gain: PairedGain;
  stands: boolean;
}

/** A claim's state: confirmed or rejected by the desk, or pending (not yet re-run, or a task the desk cannot run). */
export type ClaimStatus = 'confirmed' | 'rejected' | 'pending';

/** The desk's last verdict on an experiment's claim. */
export function claimStatus(ledger: Ledger, experimentId: string): ClaimStatus {
  const last = ledger.events({ experimentId, kind: 'confirmation' }).at(-1);
  return last === undefined ? 'pending' : last.data.stands === true ? 'confirmed' : 'rejected';
}

/**
 * Clean confirmation by construction (issue 18): when a result is claimed, the desk re-runs the
 * claimed method and aux-conf on the campaign's confirmation seeds (drawn once, recorded in the
 * ledger, never chosen or seen by an agent, never used by any tuning or study), scores both on
 * the private half, and the claim stands only if the paired gain exceeds z combined SEs there.
 * A method that led on seeds 1-5 by luck among many tries does not survive fresh seeds.
 */
export class ClaimConfirmer {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly log: (line: string) => void;

  constructor(private readonly o: ClaimConfirmerOptions) {
    this.log = o.log ?? (() => {});
  }

  /** Queues a claim's confirmation (one at a time, in claim order); errors are logged, never thrown at the claimant. */
  schedule(experimentId: string): void {
    this.chain = this.chain.then(() => this.confirm(experimentId)).catch((err: unknown) => this.log(`confirmation of ${experimentId}: ${err instanceof Error ? err.message : String(err)}`));
  }

  /** Resolves when every scheduled confirmation has finished. */
  async idle(): Promise<void> {
    await this.chain;
  }

  /** Re-runs one claim now and records the verdict (once per experiment: a second claim reuses it). */
  async confirm(experimentId: string): Promise<ConfirmationVerdict> {
    const { ledger } = this.o;
    const recorded = ledger.events({ experimentId, kind: 'confirmation' }).at(-1);
    if (recorded) return recorded.data as unknown as ConfirmationVerdict;
    const e = ledger.experiment(experimentId);
    if (!e) throw new Error(`no experiment "${experimentId}"`);
    const method = parseMethod(e.method);
    const seeds = drawnSeeds(ledger, this.o.campaignId, 'confirmation', this.o.seeds ?? 5, this.o.drawSeed);
    const claimed: SeedItems[] = [];
    const base: SeedItems[] = [];
    const auxConf: Method = builtinMethod('aux-conf');
    for (const seed of seeds) {
      claimed.push(await this.o.evaluate.evaluate(e.task, method, seed));
      base.push(await this.o.evaluate.evaluate(e.task, auxConf, seed));
    }
    const gain = pairedGain(claimed, base);
    const stands = gain.mean > (this.o.z ?? 2) * gain.se;
    const verdict: ConfirmationVerdict = { experiment: experimentId, task: e.task, against: 'aux-conf', seeds: seeds.length, gain, stands };
    ledger.append('confirmation', { experimentId, campaignId: this.o.campaignId, data: verdict as unknown as Record<string, unknown> });
    this.log(`confirmation of ${experimentId} (${e.task}): vs aux-conf ${gain.mean >= 0 ? '+' : ''}${gain.mean.toFixed(3)} ± ${gain.se.toFixed(3)} (${COMBINED_SE_LABEL}) on ${seeds.length} confirmation seeds, private half: ${stands ? 'stands' : 'rejected'}`);
    // What agents may learn is one bit: whether the claim stands. The numbers are for people.
    this.o.announce?.(
      experimentId,
      stands
        ? `Confirmed: the desk re-ran ${experimentId} and aux-conf on the campaign's confirmation seeds and the gain held.`
        : `Not confirmed: the desk re-ran ${experimentId} and aux-conf on the campaign's confirmation seeds and the gain did not hold; the claim does not stand.`,
    );
    return verdict;
  }
}
