/**
 * The kinds every job writes, several times per experiment (20 of 25 events): the events'
 * index by kind leaves them out (migration 80), so it costs bytes only for the kinds that are
 * read by kind. These are read per experiment (events_by_experiment_kind) or after a seq.
 */
export const DENSE_KINDS: readonly string[] = ['queued', 'started', 'finished', 'scored'];

/**
 * The condition of the partial index events_by_sparse_kind, exactly as the index has it: SQLite
 * uses a partial index only for a query whose WHERE has the same term. A query for one kind
 * outside DENSE_KINDS adds it (it changes no answer: such a kind is never dense), else it scans
 * every event. A test checks this text against the index's.
 */
export const SPARSE_KINDS = "kind NOT IN ('queued', 'started', 'finished', 'scored')";

/** Whether a query by this kind alone should add SPARSE_KINDS (to be planned on the partial index). */
export function isSparseKind(kind: string): boolean {
  return !DENSE_KINDS.includes(kind);
}
