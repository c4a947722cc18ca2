import { AarError } from '../domain/errors.js';

/** A campaign record that cannot be read: not an aar export, damaged, or unsafe. The message says which file and what. */
export class ExportFormatError extends AarError {
  constructor(
    readonly file: string,
    readonly problem: string,
  ) {
    super('bad_export', `${file} is not a readable aar campaign record: ${problem}`);
  }
}
