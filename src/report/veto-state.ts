import type { VetoRecord } from '../ledger/forum-records.js';

/** Is a veto in force on an experiment (by its id or its method tag)? Latest action wins. */
export function vetoState(vetoes: readonly VetoRecord[], experimentId: string, methodTag: string | null): { vetoed: boolean; approved: boolean; reason?: string } {
  let vetoed = false;
  let approved = false;
  let reason: string | undefined;
  for (const v of vetoes) {
    if (v.target !== experimentId && (methodTag === null || v.target !== methodTag)) continue;
    if (v.action === 'veto') {
      vetoed = true;
      reason = v.reason;
    } else if (v.action === 'unveto') vetoed = false;
    else if (v.target === experimentId) approved = true;
  }
  return { vetoed, approved, reason };
}
