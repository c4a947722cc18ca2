import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ResearchDesk } from '../../src/campaign/research-desk.js';
import { ClaimConfirmer, claimStatus, type ConfirmationVerdict } from '../../src/confirmation/claim-confirmer.js';
import { DRAWN_SEED_MIN } from '../../src/confirmation/drawn-seeds.js';
import { builtinMethod, parseMethod, type Method } from '../../src/domain/method.js';
import { inlineItemEvaluator } from '../../src/eval/item-evaluator.js';
import { ForumRecords } from '../../src/ledger/forum-records.js';
import { ScoreBudget } from '../../src/scoring/budget.js';
import { ScoreDesk } from '../../src/scoring/desk.js';
import { embeddedVault } from '../../src/scoring/label-vault.js';
import { score } from '../../src/scoring/score.js';
import { runW2s } from '../../workers/w2s/runner.js';
import { testCacheDir } from '../helpers/cache-dir.js';
import { openEmbeddedPipeline, type EmbeddedPipeline } from '../helpers/embedded-pipeline.js';

/**
 * Issue 18, clean confirmation by construction: a claim made through the research desk is re-run
 * by the desk on the campaign's confirmation seeds (drawn once, recorded, never an agent's) and
 * stands only if its gain over aux-conf holds on the private half beyond the combined SE.
 */
const SEEDS = [1, 2, 3, 4, 5];
// Fixed here so the test is repeatable; a campaign draws them at random (crypto) above DRAWN_SEED_MIN.
const CONFIRMATION_SEEDS = [1_000_003, 1_000_017, 1_000_021, 1_000_033, 1_000_049];

let stack: EmbeddedPipeline;
let desk: ResearchDesk;
let confirmer: ClaimConfirmer;
const announced: string[] = [];

beforeAll(() => {
  stack = openEmbeddedPipeline({ prefix: 'aar-confirm-' });
  const records = new ForumRecords(stack.ledger);
  const draws = [...CONFIRMATION_SEEDS];
  confirmer = new ClaimConfirmer({ ledger: stack.ledger, campaignId: 'c1', evaluate: inlineItemEvaluator(testCacheDir()), drawSeed: () => draws.shift()!, announce: (_e, text) => announced.push(text) });
  desk = new ResearchDesk({
    ledger: stack.ledger,
    records,
    pipeline: stack.pipeline,
    scores: new ScoreDesk(stack.ledger, new ScoreBudget({ perHour: 1000, mode: 'refuse' })),
    tasks: ['code', 'math'],
    agents: ['ada'],
    campaignId: 'c1',
    claimSeeds: 5,
    onClaim: (e) => confirmer.schedule(e),
  });
});
afterAll(() => stack.close());

/** Mean public PGR gain over aux-conf on seeds 1-5: what an agent searching many variants looks at. */
function publicGain(task: 'code' | 'math', method: Method): number {
  const vault = embeddedVault(testCacheDir(), task);
  const pgrs = (m: Method) => SEEDS.map((seed) => score(vault, runW2s({ task, seed, method: m, cacheDir: testCacheDir() })).public.pgr);
  const aux = pgrs(builtinMethod('aux-conf'));
  return pgrs(method).reduce((a, p, i) => a + p - aux[i], 0) / SEEDS.length;
}

async function claimThroughDesk(task: 'code' | 'math', method: Method): Promise<{ experiment: string; verdict: ConfirmationVerdict }> {
  const agent = desk.forAgent('ada');
  const { experiment } = await agent.propose({ hypothesis: 'this beats aux-conf', task, method: method as Record<string, unknown>, seeds: 5 });
  await stack.pipeline.waitFor(experiment);
  agent.claim({ experiment, text: 'beats aux-conf' });
  await confirmer.idle();
  return { experiment, verdict: stack.ledger.events({ experimentId: experiment, kind: 'confirmation' })[0].data as unknown as ConfirmationVerdict };
}

describe('claim confirmation on the desk\'s own seeds', () => {
  it('rejects a lucky method: the best public result of 16 plain variants on seeds 1-5', async () => {
    const variants = Array.from({ length: 16 }, (_, i) => parseMethod({ name: `try-${i}`, epochs: 4 + i, batchSize: [16, 32, 64][i % 3] }));
    const ranked = variants.map((m) => ({ m, gain: publicGain('code', m) })).sort((a, b) => b.gain - a.gain);
    // It looked like a clear win where agents can see.
    expect(ranked[0].gain).toBeGreaterThan(0.1);
    const { experiment, verdict } = await claimThroughDesk('code', ranked[0].m);
    expect(verdict.stands).toBe(false);
    expect(verdict.seeds).toBe(5);
    expect(claimStatus(stack.ledger, experiment)).toBe('rejected');
    // A rejected claim is not among the team's established findings.
    expect(desk.forAgent('ada').claimed('code').map((r) => r.experiment)).not.toContain(experiment);
    expect(announced.at(-1)).toMatch(/^Not confirmed/);
  });

  it('confirms an honest real gain (strong L2 with aux-conf on math)', async () => {
    const { experiment, verdict } = await claimThroughDesk('math', parseMethod({ name: 'l2-aux', l2: 1, auxConf: { alphaMax: 0.75 } }));
    expect(verdict.stands).toBe(true);
    expect(verdict.gain.mean).toBeGreaterThan(2 * verdict.gain.se);
    expect(claimStatus(stack.ledger, experiment)).toBe('confirmed');
    expect(desk.forAgent('ada').claimed('math').map((r) => r.experiment)).toContain(experiment);
    // What agents are told carries one bit, no numbers.
    expect(announced.at(-1)).toMatch(/^Confirmed/);
    expect(announced.join(' ')).not.toMatch(/\d\.\d/);
  });

  it('uses the seeds it drew and recorded once for the campaign, far from any seed an agent may ask for', () => {
    const drawn = stack.ledger.events({ kind: 'seeds' });
    expect(drawn).toHaveLength(1);
    expect(drawn[0].data).toEqual({ purpose: 'confirmation', seeds: CONFIRMATION_SEEDS });
    for (const s of drawn[0].data.seeds as number[]) expect(s).toBeGreaterThanOrEqual(DRAWN_SEED_MIN);
    // No experiment in the ledger (what agents can list) ran on them.
    const rows = stack.ledger.db.prepare('SELECT seeds FROM experiments').all() as { seeds: string }[];
    for (const r of rows) for (const s of JSON.parse(r.seeds) as number[]) expect(s).toBeLessThan(DRAWN_SEED_MIN);
  });
});
