import type { Knob } from '../../directions.js';

/** What a person asked an offline researcher to do differently. */
export interface Redirect {
  tasks: string[];
  prefer: Knob[];
  avoid: Knob[];
}

const KNOB_WORDS: [Knob, RegExp][] = [
  ['auxConf', /\baux(iliary)?[- ]?conf|\bconfidence loss|\bself[- ]?trust/i],
  ['filter', /\bfilter|\bconfident (half|labels)|\bdrop(ping)? (the )?(least |un)confident/i],
  ['labels', /\bhard labels?|\bsoft labels?|\bsmoothing/i],
  ['earlyStopping', /\bearly[- ]?stop/i],
  ['selfTraining', /\bself[- ]?training|\bbootstrap/i],
  ['ensemble', /\bensembl/i],
  ['knn', /\bknn\b|\bneighbou?rs?\b|\blabel propagation|\blabel spreading/i],
  ['consistency', /\bconsisten|\bdisagree/i],
  ['optimiser', /\blearning rate|\blr\b|\bepochs?\b|\bl2\b|\bregulari[sz]/i],
  ['recombine', /\bcombin|\bmerge|\bmix (the|two)/i],
];
const NEGATION = /\b(stop|avoid|don'?t|do not|no more|drop|quit|abandon)\b/i;

/**
 * Reads a person's message for a redirection: the tasks it names become the focus, and each
 * technique it names is preferred, or avoided when the sentence negates it ("stop using
 * ensembles"). Text that names nothing changes nothing.
 */
export function parseRedirect(text: string, tasks: readonly string[]): Redirect {
  const r: Redirect = { tasks: [], prefer: [], avoid: [] };
  for (const t of tasks) if (new RegExp(`\\b${t}\\b`, 'i').test(text)) r.tasks.push(t);
  for (const sentence of text.split(/[.!?;\n]+/)) {
    for (const [knob, re] of KNOB_WORDS) {
      if (!re.test(sentence)) continue;
      // The technique's own words ("early stopping", "drop the least confident") must not count as a negation.
      (NEGATION.test(sentence.replace(re, ' ')) ? r.avoid : r.prefer).push(knob);
    }
  }
  return r;
}

export function isEmpty(r: Redirect): boolean {
  return !r.tasks.length && !r.prefer.length && !r.avoid.length;
}

export function describeRedirect(r: Redirect): string {
  const parts: string[] = [];
  if (r.tasks.length) parts.push(`focus on ${r.tasks.join(' and ')}`);
  if (r.prefer.length) parts.push(`try ${r.prefer.join(', ')}`);
  if (r.avoid.length) parts.push(`stop using ${r.avoid.join(', ')}`);
  return parts.join('; ');
}
