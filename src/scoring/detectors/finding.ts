/** The shortcut detectors scoring runs; a flag's source is `detector:<name>`. */
export type DetectorName = 'most-common-answer' | 'beats-the-ceiling' | 'public-private-gap' | 'forbidden-information';

/** What a detector found: which detector, and a sentence with the numbers a person needs to judge it. */
export interface Finding {
  detector: DetectorName;
  reason: string;
}

/** The source an experiment-level flag is recorded under. */
export function flagSource(detector: DetectorName): string {
  return `detector:${detector}`;
}

/** How a per-job finding is written into the result's `flags` column: "most common answer: class 1 is …". */
export function jobFlag(f: Finding): string {
  return `${f.detector.replaceAll('-', ' ')}: ${f.reason}`;
}

export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
export const f3 = (x: number) => x.toFixed(3);
