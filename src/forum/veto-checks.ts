import type { Ledger } from '../ledger/ledger.js';
import type { VetoRecord } from '../ledger/forum-records.js';
import { vetoState } from '../report/veto-state.js';

// Vetoes and approvals are facts in an append-only table, so a repeated veto would add a
// second audit entry and a second "Vetoed by" post. Each check below answers the person with
// what already holds instead, and the command records nothing.

/** The latest veto or unveto naming exactly this target, if it is a veto. */
function activeVeto(vetoes: readonly VetoRecord[], target: string): VetoRecord | undefined {
  const last = vetoes.filter((v) => v.target === target && v.action !== 'approve').at(-1);
  return last?.action === 'veto' ? last : undefined;
}

const because = (v: VetoRecord) => `by ${v.who}${v.reason ? `: ${v.reason}` : ''}`;

/** Why a veto of `target` would change nothing (it, or its experiment's method tag, is vetoed already), or undefined. */
export function alreadyVetoed(ledger: Ledger, vetoes: readonly VetoRecord[], target: string): string | undefined {
  const own = activeVeto(vetoes, target);
  if (own) return `${target} is already vetoed (${because(own)}); nothing changed.`;
  const tag = ledger.experiment(target)?.methodTag ?? null;
  const viaTag = tag !== null && tag !== target ? activeVeto(vetoes, tag) : undefined;
  if (viaTag && tag) return `${target} is already vetoed through its method tag ${tag} (${because(viaTag)}); nothing changed.`;
  return undefined;
}

/** Why an unveto of `target` would change nothing (no veto on it holds now), or undefined. */
export function notVetoed(vetoes: readonly VetoRecord[], target: string): string | undefined {
  if (activeVeto(vetoes, target)) return undefined;
  return vetoes.some((v) => v.target === target && v.action === 'veto') ? `The veto on "${target}" is already lifted; nothing changed.` : `There is no veto on "${target}".`;
}

/** Why an approval of `experiment` would change nothing (someone approved it already), or undefined. */
export function alreadyApproved(vetoes: readonly VetoRecord[], experiment: string): string | undefined {
  if (!vetoState(vetoes, experiment, null).approved) return undefined;
  const by = vetoes.filter((v) => v.target === experiment && v.action === 'approve').at(-1);
  return `${experiment} is already approved${by ? ` (by ${by.who})` : ''}; nothing changed.`;
}
