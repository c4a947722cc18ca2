/** Where a reader of a ChangeLog is: what it has seen so far. */
export interface ChangeCursor {
  readonly epoch: number;
  readonly position: number;
}

/**
 * Which experiments changed, in order, so that a derived structure (a sorted board) can apply
 * only those instead of passing over every experiment on each read. `reset` says "anything may
 * have changed" (a veto, which can touch any experiment's standing): every reader then rebuilds.
 * Only the newest `keep` entries are held; a reader further behind than that rebuilds too, so
 * the log's memory stays bounded however long the campaign runs.
 */
export class ChangeLog {
  private epoch = 0;
  private base = 0;
  private ids: string[] = [];

  constructor(private readonly keep = 50_000) {}

  add(id: string): void {
    this.ids.push(id);
    if (this.ids.length > 2 * this.keep) {
      const drop = this.ids.length - this.keep;
      this.ids = this.ids.slice(drop);
      this.base += drop;
    }
  }

  reset(): void {
    this.epoch++;
    this.base += this.ids.length;
    this.ids = [];
  }

  cursor(): ChangeCursor {
    return { epoch: this.epoch, position: this.base + this.ids.length };
  }

  /** The ids changed since `cursor` (repeats possible), or 'all' when the reader must rebuild. */
  since(cursor: ChangeCursor | undefined): readonly string[] | 'all' {
    if (!cursor || cursor.epoch !== this.epoch || cursor.position < this.base) return 'all';
    return this.ids.slice(cursor.position - this.base);
  }
}
