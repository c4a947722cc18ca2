/**
 * Starting points for researchers. As in the reference study, each agent gets a slightly
 * different, deliberately vague direction, so the team covers more ground than nine copies
 * of one idea. `knobs` are the method settings an offline researcher varies first.
 */
export interface Direction {
  name: string;
  text: string;
  knobs: readonly Knob[];
}

/** A dimension of the method space an offline researcher can move along. */
export type Knob = 'auxConf' | 'filter' | 'labels' | 'earlyStopping' | 'selfTraining' | 'ensemble' | 'knn' | 'consistency' | 'optimiser' | 'code' | 'recombine';

export const DIRECTIONS: readonly Direction[] = [
  { name: 'ada', text: 'Explore how much the student should trust itself over the weak teacher as training goes on.', knobs: ['auxConf', 'earlyStopping'] },
  { name: 'bayes', text: 'Think about which weak labels deserve trust, and what to do with the rest.', knobs: ['consistency', 'labels', 'filter', 'code'] },
  { name: 'curie', text: 'Look at when to stop learning from a teacher that is sometimes wrong.', knobs: ['earlyStopping', 'optimiser', 'auxConf'] },
  { name: 'darwin', text: 'See whether the student can teach itself, round after round.', knobs: ['selfTraining', 'auxConf', 'code'] },
  { name: 'euler', text: 'Try many students instead of one, and students of different shapes.', knobs: ['ensemble', 'selfTraining', 'auxConf'] },
  { name: 'fermi', text: 'Question the training recipe itself: rates, regularisation, schedules.', knobs: ['optimiser', 'auxConf', 'earlyStopping'] },
  { name: 'gauss', text: 'Read what the others found and combine the ideas that work.', knobs: ['recombine', 'auxConf', 'filter'] },
  { name: 'hopper', text: 'Look for what transfers: does what works on one task work on another?', knobs: ['recombine', 'knn', 'selfTraining'] },
  { name: 'noether', text: 'Find the simplest method that still recovers most of the gap, and stress-test the leaders.', knobs: ['labels', 'optimiser', 'knn'] },
];

/** The direction of the i-th agent (directions repeat, with a suffix, beyond nine agents). */
export function directionOf(i: number): Direction {
  const d = DIRECTIONS[i % DIRECTIONS.length];
  const round = Math.floor(i / DIRECTIONS.length);
  return round ? { ...d, name: `${d.name}${round + 1}` } : d;
}
