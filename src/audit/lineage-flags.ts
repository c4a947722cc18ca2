import { addFlag, flagsOf } from '../ledger/flags.js';
import type { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { vetoState } from '../report/veto-state.js';
import { descendantsOf, experimentsNamed } from './targets.js';

/** The flag source lineage flags carry. */
export const LINEAGE_SOURCE = 'lineage';

const PREFIX = 'derived from vetoed ';
// Experiment ids follow the forum's name rule (no spaces, no colon), so the first ': ' after
// the prefix always ends the id, whatever the person's reason says.
const ANCESTOR_RE = /^derived from vetoed ([A-Za-z0-9._-]+): /;

/** The reason a lineage flag carries: which vetoed ancestor, and the veto's reason. */
export function lineageReason(ancestor: string, reason: string): string {
  return `${PREFIX}${ancestor}: ${reason}`;
}

/** The vetoed ancestor a lineage flag's reason names, if it is one. */
export function lineageAncestor(reason: string): string | undefined {
  return ANCESTOR_RE.exec(reason)?.[1];
}

/** One lineage flag raised by a veto. */
export interface LineageFlag {
  experiment: string;
  ancestor: string;
}

/**
 * Flags every experiment derived (through `parents`, transitively) from what a veto names: an
 * experiment id, or every experiment with a method tag. A result built on a vetoed one may
 * inherit the same trick, so it should not rank until a person has looked at it. Experiments
 * the veto names directly are vetoed already and are not flagged again. Flags are facts that
 * stay; `activeFlags` decides whether they still count (after an unveto or an approval).
 * Returns the flags newly recorded (a repeated veto records nothing twice).
 */
export function flagLineage(ledger: Ledger, target: string, reason: string): LineageFlag[] {
  const vetoed = experimentsNamed(ledger, target);
  const direct = new Set(vetoed);
  const out: LineageFlag[] = [];
  for (const ancestor of vetoed) {
    for (const id of descendantsOf(ledger, [ancestor])) {
      if (direct.has(id)) continue;
      const campaignId = ledger.experiment(id)?.campaignId ?? undefined;
      if (addFlag(ledger, id, LINEAGE_SOURCE, lineageReason(ancestor, reason), campaignId)) out.push({ experiment: id, ancestor });
    }
  }
  return out;
}

/**
 * Derived experiments whose lineage flags from what `target` names stopped counting: their
 * ancestor is no longer vetoed (it may still be, by its method tag). What an unveto restores.
 */
export function restoredByUnveto(ledger: Ledger, records: ForumRecords, target: string): string[] {
  const vetoes = records.vetoes();
  const lifted = new Set(experimentsNamed(ledger, target).filter((id) => !vetoState(vetoes, id, ledger.experiment(id)?.methodTag ?? null).vetoed));
  if (!lifted.size) return [];
  return descendantsOf(ledger, [...lifted]).filter((id) =>
    flagsOf(ledger, id).some((f) => {
      if (f.source !== LINEAGE_SOURCE) return false;
      const ancestor = lineageAncestor(f.reason);
      return ancestor !== undefined && lifted.has(ancestor);
    }),
  );
}
