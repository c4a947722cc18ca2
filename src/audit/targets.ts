import type { Ledger } from '../ledger/ledger.js';

/**
 * The experiments a veto target names: the experiment with that id, or every experiment with
 * that method tag. Mirrors the publisher's matching, which is what people see announced.
 */
export function experimentsNamed(ledger: Ledger, target: string): string[] {
  const rows = ledger.db.prepare('SELECT id FROM experiments WHERE id = ? OR method_tag = ? ORDER BY created_at, rowid').all(target, target) as { id: string }[];
  return rows.map((r) => r.id);
}

/**
 * Every experiment derived from any of `roots` through `parents`, transitively, in the order
 * they were reached (children before grandchildren). The roots themselves are left out, and
 * each descendant appears once even when it descends from several roots or along several paths.
 */
export function descendantsOf(ledger: Ledger, roots: readonly string[]): string[] {
  const childrenOf = ledger.db.prepare('SELECT experiment_id FROM experiment_parents WHERE parent_id = ? ORDER BY experiment_id');
  const seen = new Set(roots);
  const out: string[] = [];
  const frontier = [...roots];
  while (frontier.length) {
    const id = frontier.shift()!;
    for (const { experiment_id: child } of childrenOf.all(id) as { experiment_id: string }[]) {
      if (seen.has(child)) continue;
      seen.add(child);
      out.push(child);
      frontier.push(child);
    }
  }
  return out;
}
