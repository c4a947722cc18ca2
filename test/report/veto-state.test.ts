import { describe, expect, it } from 'vitest';
import type { VetoRecord } from '../../src/ledger/forum-records.js';
import { vetoState } from '../../src/report/veto-state.js';
import { Rng } from '../../workers/w2s/rng.js';

/** The rule read straight off the list: every record in order, latest action wins. */
function scanned(vetoes: readonly VetoRecord[], id: string, tag: string | null) {
  let vetoed = false;
  let approved = false;
  let reason: string | undefined;
  for (const v of vetoes) {
    if (v.target !== id && (tag === null || v.target !== tag)) continue;
    if (v.action === 'veto') (vetoed = true), (reason = v.reason);
    else if (v.action === 'unveto') vetoed = false;
    else if (v.target === id) approved = true;
  }
  return { vetoed, approved, reason };
}

describe('vetoState on long lists (read through an index by target)', () => {
  it('answers what a scan of the whole list answers, for ids, tags, both and neither, as the list grows', () => {
    const rng = new Rng(7, 'vetoes');
    const targets = ['e1', 'e2', 'e3', 'e4', 'aux-conf', 'naive', 'tweak', 'e5'];
    const actions = ['veto', 'unveto', 'approve'] as const;
    const vetoes: VetoRecord[] = [];
    for (let k = 0; k < 120; k++) {
      vetoes.push({ seq: k + 1, at: '2026-12-01T10:00:00.000Z', action: actions[Math.floor(rng.next() * 3)], target: targets[Math.floor(rng.next() * targets.length)], who: 'maria', reason: `r${k}` });
      for (const id of ['e1', 'e2', 'e3', 'e4', 'e5', 'e9', 'aux-conf']) {
        for (const tag of [null, 'aux-conf', 'naive', 'tweak', 'none', id]) expect(vetoState(vetoes, id, tag), `${vetoes.length} ${id} ${tag}`).toEqual(scanned(vetoes, id, tag));
      }
    }
  });
});
