import { z } from 'zod';

// A report's data as an export carries it (report-data.json), read back on another machine.
// Loose objects: the fields the report shows are checked here; anything newer versions add is
// kept, so a record renders the same as where it was made.
const Instant = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'an ISO date-time');
const MeanSd = z.looseObject({ mean: z.number(), sd: z.number() });
const Experiment = z.looseObject({
  id: z.string(),
  campaignId: z.string().nullable(),
  task: z.string(),
  agent: z.string().nullable(),
  methodTag: z.string().nullable(),
  method: z.record(z.string(), z.unknown()),
  hypothesis: z.string().nullable(),
  createdAt: Instant,
  parents: z.array(z.string()),
  seeds: z.int().min(0),
  seedsPlanned: z.int().min(0),
  pgrPublic: MeanSd.nullable(),
  pgrPrivate: MeanSd.nullable(),
  lastScoredAt: Instant.nullable(),
  flags: z.array(z.string()),
  vetoed: z.boolean(),
  approved: z.boolean(),
  held: z.boolean(),
});
const Ranked = Experiment.extend({ rank: z.int().min(1) });
const Task = z.looseObject({
  task: z.string(),
  experiments: z.int().min(0),
  baselines: z.looseObject({ naive: Experiment.nullable(), auxConf: Experiment.nullable() }),
  best: Ranked.nullable(),
  leaderboard: z.array(Ranked),
  points: z.array(z.looseObject({ at: Instant, pgr: z.number(), experiment: z.string() })),
  lineage: z
    .looseObject({ experiment: z.string(), nodes: z.array(Experiment.omit({ vetoed: true, approved: true, held: true }).extend({ depth: z.int().min(0) })), truncated: z.boolean(), missing: z.array(z.string()) })
    .nullable(),
});

export const ReportDataSchema = z.looseObject({
  campaignId: z.string().nullable(),
  generatedAt: Instant,
  span: z.looseObject({ from: Instant, to: Instant }).nullable(),
  claimSeeds: z.int().min(0),
  top: z.int().min(0),
  experiments: z.int().min(0),
  tasks: z.array(Task),
  flagged: z.array(z.looseObject({ experiment: z.string(), task: z.string(), agent: z.string().nullable(), seeds: z.array(z.int()), flags: z.array(z.string()), vetoed: z.boolean() })),
  verdicts: z.array(z.looseObject({ at: Instant, experiment: z.string(), auditor: z.string().nullable(), verdict: z.string(), reasons: z.array(z.string()), recommendVeto: z.boolean(), vetoed: z.boolean() })),
  vetoes: z.array(z.looseObject({ seq: z.int(), at: Instant, action: z.enum(['veto', 'unveto', 'approve']), target: z.string(), who: z.string(), reason: z.string() })),
  spend: z
    .looseObject({ usd: z.number(), agentHours: z.number(), usdPerAgentHour: z.number(), activeAgentHours: z.number(), usdPerActiveAgentHour: z.number(), gpuHours: z.number(), experiments: z.int() })
    .nullable(),
  referenceUsdPerAgentHour: z.number(),
});
