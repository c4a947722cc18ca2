export { beatsTheCeiling, CEILING_MARGIN, CEILING_MARGIN_ONE_SEED } from './beats-the-ceiling.js';
export { effectiveSignalLeak, honestRemovalPrecision, MIN_REMOVED, MIN_REMOVED_SHARE, REMOVAL_PRECISION_CAP, REMOVAL_PRECISION_MARGIN, SIGNAL_ACCURACY_MARGIN } from './effective-signal.js';
export { flagSource, jobFlag, type DetectorName, type Finding } from './finding.js';
export { CODE_LABEL_MARGIN, codeLabelsBeatCeiling, foreignItems } from './forbidden-information.js';
export { mostCommonAnswer, SHARE_EXCESS, SHARE_OUTRIGHT } from './most-common-answer.js';
export { defaultMinDistinct, distinctItems, MIN_DISTINCT_FLOOR, MIN_DISTINCT_SHARE } from './near-duplicate.js';
export { GAP, publicPrivateGap } from './public-private-gap.js';
export { experimentFindings, jobFindings } from './run.js';
export { NOISE_SE } from './seed-noise.js';
