export { activeFlags, sequencedFlags, type SequencedFlag } from './active-flags.js';
export { behavesAsBuiltOn, flagInferredDescendants, flagInferredLineage, inferredDescendants, NEAR_PREDICTIONS, predictionAgreement, SAME_PREDICTIONS, type InferredParent } from './inferred-lineage.js';
export { auditLog, type AuditEntry, type AuditEntryKind, type AuditLog } from './audit-log.js';
export { LINEAGE_SOURCE, flagLineage, lineageAncestor, lineageReason, restoredByUnveto, type LineageFlag } from './lineage-flags.js';
export { overturnReply, overturnVerdict, type OverturnOutcome } from './overturn.js';
export { overturnStats, type OverturnStats } from './overturn-stats.js';
export { descendantsOf, experimentsNamed } from './targets.js';
export { HUMAN_SOURCE, isConcern, toVerdict, verdictFacts, type VerdictFact } from './verdicts.js';
