/**
 * Which features a task's weak teacher learns from.
 *
 * - `projection`: a linear probe on a fixed random low-dimensional projection of the strong
 *   student's own features (text tasks): the teacher is of the student's family, only smaller,
 *   as in Burns et al., so its mistakes are not a different view the student can see around.
 * - `narrow-prior`: a narrower, less pretrained hidden layer from the same auxiliary pretraining
 *   as the student's prior (math, code): same family again, weaker.
 * - `xview`: the original cross-view teacher (hashed n-grams, one-hot digits), kept as the
 *   `<task>@xview` variant; its errors are partly predictable from the student's features.
 */
export type TeacherSpec =
  | { family: 'projection'; dim: number }
  | { family: 'narrow-prior'; width: number; epochs: number }
  | { family: 'xview' };

/** One line naming the teacher, for `aar tasks` and the briefs. */
export function describeTeacher(t: TeacherSpec): string {
  if (t.family === 'projection') return `same family: linear probe on a random ${t.dim}-d projection of the strong features`;
  if (t.family === 'narrow-prior') return `same family: ${t.width}-unit hidden layer pretrained ${t.epochs} epoch${t.epochs === 1 ? '' : 's'} on the student's auxiliary task`;
  return 'cross view: a different, cruder view of the input';
}
