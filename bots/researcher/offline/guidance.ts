import type { Knob } from '../../directions.js';
import { knobWords } from './words.js';

/** What a person asked an offline researcher to do differently. */
export interface Redirect {
  /** Tasks to work on now. */
  tasks: string[];
  /** Techniques to try now. */
  prefer: Knob[];
  /** Techniques to stop using. */
  avoid: Knob[];
  /** Techniques to try once the preferred ones have had their turn ("X before Y": Y). */
  later: Knob[];
  /** Tasks to move to after the current focus ("math before code": code). */
  laterTasks: string[];
}

/** A message read for a redirection, and the parts that asked for something it could not place. */
export interface Reading {
  redirect: Redirect;
  /** Clauses that ask for a change but name no task or technique it knows, as written (clipped). */
  unclear: string[];
}

const KNOB_WORDS: [Knob, RegExp][] = [
  ['auxConf', /\baux(iliary)?[- ]?conf(idence)?( loss)?|\bconfidence loss|\bself[- ]?trust/gi],
  ['filter', /\bfilter(ing|s)?\b|\b(keep|use) only (the )?(most )?confident( weak)? labels|\bconfident (half|labels)|\bdrop(ping)? (the )?(least[- ]|un)confident( weak)?( labels)?/gi],
  ['labels', /\bhard labels?|\bsoft labels?|\blabel smoothing|\bsmoothing/gi],
  ['earlyStopping', /\bearly[- ]?stop(ping)?/gi],
  ['selfTraining', /\bself[- ]?training|\bbootstrap(ping)?/gi],
  ['ensemble', /\bensembl\w*/gi],
  ['knn', /\bknn\b|\bnearest neighbou?rs?|\bneighbou?rs?\b|\blabel propagation|\blabel spreading/gi],
  ['consistency', /\bconsisten\w*|\bdisagree\w*/gi],
  ['optimiser', /\blearning rates?|\blr\b|\bepochs?\b|\bl2\b|\bregulari[sz]\w*/gi],
  ['recombine', /\bcombin\w*|\bmerg\w*|\bmix (the|two)\b/gi],
  ['code', /\bmethod code\b|\bhooks?\b|\bcustom loss(es)?\b|\bwrit(e|ing) (your own )?code\b/gi],
];

// Words that turn what follows in the clause against a technique (with the verb they govern:
// "stop using", "don't bother with"), and words that turn it back ("…, try").
const NEGATIVE =
  /\b(?:stop|avoid|don'?t|do not|no more|no|not|never|without|quit|abandon|drop(?:ping)?|skip|ignore|instead of|rather than|enough(?: of)?)(?:\s+(?:(?:the|any)\s+)?(?:using|use|trying|try|doing|running|bother(?:ing)? with|working on|work on|focusing on|focus on|with))?\b/gi;
const POSITIVE = /\b(?:try|trying|use|using|focus|prefer|go with|switch to|start|add|more|keep|look at|work on)\b/gi;
// Clause breaks: a comma, "but", or a new instruction after "and"/"then".
const CLAUSE = /,|\bbut\b|\band then\b|\bthen\b/i;

interface Mention {
  at: number;
  knob?: Knob;
  task?: string;
}

/**
 * Reads a person's message for a redirection. Tasks it names become the focus; each technique
 * it names is preferred, or avoided when a negation governs it in its clause ("stop using
 * ensembles and self-training, try filtering": ensembles and self-training avoided, filtering
 * preferred; "use filtering instead of ensembles"). "X before Y", "after X, Y" and "first X,
 * then Y" put X now and Y later. Text that names nothing changes nothing; a clause that asks
 * for something unknown ("switch to transformers") is returned as unclear.
 */
export function readGuidance(text: string, tasks: readonly string[]): Reading {
  const r: Redirect = { tasks: [], prefer: [], avoid: [], later: [], laterTasks: [] };
  const unclear: string[] = [];
  for (const piece of text.split(/(?<=[.!?;\n])/)) {
    // In a question ("why hard labels?") naming a technique is not asking for it: only an explicit cue ("could you try…?") counts.
    const question = isQuestion(piece);
    const sentence = piece.replace(/[.!?;\n]+$/, '');
    for (const { part, later } of orderParts(sentence)) {
      for (const clause of part.split(CLAUSE)) read(clause, later, question, tasks, r, unclear);
    }
  }
  const uniq = <T>(xs: T[]) => [...new Set(xs)];
  r.tasks = uniq(r.tasks);
  r.laterTasks = uniq(r.laterTasks).filter((t) => !r.tasks.includes(t));
  r.avoid = uniq(r.avoid);
  r.prefer = uniq(r.prefer).filter((k) => !r.avoid.includes(k));
  r.later = uniq(r.later).filter((k) => !r.avoid.includes(k) && !r.prefer.includes(k));
  return { redirect: r, unclear };
}

/** The redirection in a message (see readGuidance). */
export function parseRedirect(text: string, tasks: readonly string[]): Redirect {
  return readGuidance(text, tasks).redirect;
}

/** Splits a sentence by "before", "after" and "first … then" into what comes now and what comes later. */
function orderParts(sentence: string): { part: string; later: boolean }[] {
  const s = sentence.trim();
  let m = /^\s*(before|after)\b([^,]*),(.*)$/i.exec(s);
  if (m) {
    // "before Y, X": Y later; "after X, Y": X now.
    const governed = m[1].toLowerCase() === 'before';
    return [
      { part: m[2], later: governed },
      { part: m[3], later: !governed },
    ];
  }
  m = /^(.*?)\b(before|after)\b(.*)$/i.exec(s);
  if (m) {
    // "X before Y": X now, Y later; "Y after X": X now, Y later.
    const before = m[2].toLowerCase() === 'before';
    return [
      { part: m[1], later: !before },
      { part: m[3], later: before },
    ];
  }
  m = /^(.*\bfirst\b.*?)\bthen\b(.*)$/i.exec(s);
  if (m) return [{ part: m[1], later: false }, { part: m[2], later: true }];
  return [{ part: s, later: false }];
}

/** Whether a sentence asks rather than tells: it ends with "?" or opens with a question word. */
export function isQuestion(sentence: string): boolean {
  return /\?\s*$/.test(sentence) || /^\s*(why|what|how|when|where|which|who|whose)\b/i.test(sentence);
}

/** The techniques a text names, in the order of their first mention. */
export function knobsIn(text: string): Knob[] {
  const found = KNOB_WORDS.flatMap(([knob, re]) => [...text.matchAll(re)].map((m) => ({ knob, at: m.index })));
  return [...new Set(found.sort((a, b) => a.at - b.at).map((f) => f.knob))];
}

function read(clause: string, later: boolean, question: boolean, tasks: readonly string[], r: Redirect, unclear: string[]): void {
  const mentions: Mention[] = [];
  // The technique's own words ("early stopping", "drop the least confident") are masked before
  // negations are looked for, so they never count as one.
  let masked = clause;
  for (const [knob, re] of KNOB_WORDS) {
    for (const m of clause.matchAll(re)) {
      mentions.push({ at: m.index, knob });
      masked = masked.slice(0, m.index) + ' '.repeat(m[0].length) + masked.slice(m.index + m[0].length);
    }
  }
  for (const t of tasks) for (const m of clause.matchAll(new RegExp(`\\b${t}\\b`, 'gi'))) mentions.push({ at: m.index, task: t });
  const negatives = [...masked.matchAll(NEGATIVE)];
  // A negation's own verb ("stop using") is not a positive cue: mask it before looking for those.
  for (const m of negatives) masked = masked.slice(0, m.index) + ' '.repeat(m[0].length) + masked.slice(m.index + m[0].length);
  const cues = [...negatives.map((m) => ({ at: m.index, negative: true })), ...[...masked.matchAll(POSITIVE)].map((m) => ({ at: m.index, negative: false }))].sort((a, b) => a.at - b.at);
  mentions.sort((a, b) => a.at - b.at);
  // A cue that governs nothing it knows ("ignore earlier directions", "switch to transformers") is unclear.
  if (!question) {
    cues.forEach((c, i) => {
      const end = cues[i + 1]?.at ?? clause.length;
      const words = clause.slice(c.at, end).trim().replace(/\s+(and|or)$/i, '');
      if (!mentions.some((m) => m.at > c.at && m.at < end) && words.split(/\s+/).length > 1) unclear.push(clip(words));
    });
  }
  for (const m of mentions) {
    // The nearest cue before a mention decides it ("stop using X and Y": both; "use X instead of Y": Y avoided).
    const cue = cues.filter((c) => c.at < m.at).at(-1);
    if (!cue && question) continue;
    const negative = cue?.negative ?? false;
    if (m.task) {
      if (!negative) (later ? r.laterTasks : r.tasks).push(m.task);
    } else if (m.knob) {
      (negative ? r.avoid : later ? r.later : r.prefer).push(m.knob);
    }
  }
}

const clip = (s: string) => (s.length > 80 ? `${s.slice(0, 79)}…` : s);

export function isEmpty(r: Redirect): boolean {
  return !r.tasks.length && !r.prefer.length && !r.avoid.length && !r.later.length && !r.laterTasks.length;
}

/** The redirection in plain words ("focus on math, then code; try hard or soft labels first, then ensembles of students"). */
export function describeRedirect(r: Redirect): string {
  const parts: string[] = [];
  const list = (ks: readonly Knob[]) => ks.map(knobWords).join(', ');
  if (r.tasks.length || r.laterTasks.length) parts.push(`focus on ${r.tasks.join(' and ') || 'my current task'}${r.laterTasks.length ? `, then ${r.laterTasks.join(' and ')}` : ''}`);
  if (r.prefer.length) parts.push(`try ${list(r.prefer)}${r.later.length ? ` first, then ${list(r.later)}` : ''}`);
  else if (r.later.length) parts.push(`try ${list(r.later)} after my current probes`);
  if (r.avoid.length) parts.push(`stop using ${list(r.avoid)}`);
  return parts.join('; ');
}
