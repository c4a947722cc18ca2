export { ClaimConfirmer, claimStatus, type ClaimConfirmerOptions, type ClaimStatus, type ConfirmationVerdict } from './claim-confirmer.js';
export { DRAWN_SEED_MIN, drawnSeeds, type SeedPurpose } from './drawn-seeds.js';
