export { embeddedDataVersion, itemsHash, splitsHash, splitsHashOf, type DataVersion } from './data-version.js';
export { ReproduceRefusedError, ReproductionDiffersError, type ReproduceProblem } from './errors.js';
export { ExportedExperimentSchema, originalFromExport, originalFromLedger, type ExportedExperiment, type OriginalExperiment, type OriginalSeed } from './original.js';
export { buildProvenance, normaliseMethod, PROVENANCE_VERSION, provenanceOf, ProvenanceSchema, recordProvenance, RunnerInfoSchema, type Provenance, type RunnerInfo } from './provenance.js';
export { REPRODUCER, runOnQueue } from './queue-run.js';
export { compare, EXTERNAL_TOLERANCE, planReproduction, runInProcess, type ComparedSeed, type ReproducePlan, type SeedScore } from './reproduce.js';
export { KEY_PACKAGES, runtimeVersions, type RuntimeVersions } from './versions.js';
