export { BASELINE_METHODS, STEWARD, Steward, type StewardOptions } from './steward.js';
export { digestText, type DigestInput } from './digest.js';
