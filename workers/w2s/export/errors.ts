import { AarError, InvalidInputError } from '../../../src/domain/errors.js';
import type { TaskName } from '../data/types.js';

/**
 * A task folder is already in the export destination and overwriting was not asked for. It is
 * invalid input (exit 2 on the command line): running again unchanged would fail the same way.
 */
export class ExportExistsError extends InvalidInputError {
  readonly task: TaskName;
  readonly folder: string;

  constructor(task: TaskName, folder: string) {
    super('export destination', [{ field: 'out', problem: `"${folder}" already exists; accepted: a destination without a ${task}/ folder, or force (--force) to replace it` }]);
    this.task = task;
    this.folder = folder;
  }
}

/**
 * The texts rebuilt from a task's source package do not pair with the feature cache's items
 * (a stale cache, or another version of the package): exporting them would score predictions
 * against the wrong labels, so nothing is written.
 */
export class ExportMismatchError extends AarError {
  readonly task: TaskName;
  /** What differs: the item count, or one item's id, label or short input. */
  readonly field: 'count' | 'id' | 'label' | 'input';
  /** Row in the feature cache; -1 for the count. */
  readonly index: number;
  /** The two values; absent for a label, which an error message must not show. */
  readonly cached?: string;
  readonly rebuilt?: string;

  constructor(o: { task: TaskName; field: ExportMismatchError['field']; index: number; cached?: string; rebuilt?: string; cacheDir: string }) {
    const values = o.cached === undefined ? 'differs' : `cache ${JSON.stringify(o.cached)}, rebuilt ${JSON.stringify(o.rebuilt)}`;
    super(
      'export_mismatch',
      `${o.task}: the texts rebuilt from the source package do not match the feature cache in ${o.cacheDir} ` +
        `(${o.field}${o.index >= 0 ? ` of row ${o.index}` : ''}: ${values}); ` +
        `delete ${o.cacheDir}/features to rebuild the cache from the installed packages`,
    );
    this.task = o.task;
    this.field = o.field;
    this.index = o.index;
    this.cached = o.cached;
    this.rebuilt = o.rebuilt;
  }
}
