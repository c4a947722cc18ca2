export { transferCandidates, type TransferCandidate } from './choose-methods.js';
export { runTransfer, transferText, type LeaveOneOutRow, type TransferOptions, type TransferResult, type TransferRow, type WithSe } from './transfer.js';
