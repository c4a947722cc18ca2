import { readSpamEmails, spamInput, type SpamEmail } from '../data/spam.js';
import { MASKED_LABEL } from '../data/cache.js';
import type { TaskFeatures } from '../data/types.js';
import { ExportMismatchError } from './errors.js';

/**
 * Characters of an email body kept in the export: about 1,000 tokens, enough for a message's
 * character while bounding a trainer's sequence length and the file size (the longest emails
 * carry hundreds of kilobytes of encoded attachments).
 */
export const SPAM_BODY_MAX_CHARS = 4000;

/**
 * The text a language model sees for each item, in the feature cache's row order. Sentiment
 * uses TaskFeatures.inputs; math and code too, without the question's threshold; spam's inputs
 * hold only the subject line, so its emails are re-read from the corpus and checked, item by
 * item, against the cache's ids, labels and inputs.
 */
export function itemTexts(features: TaskFeatures, cacheDir: string): string[] {
  // The question's threshold (the median answer) stays out of the text: with it, each text states its own label.
  if (features.task === 'math') return features.inputs.map((s) => s.replace(/ > -?[\d.]+$/, ''));
  if (features.task === 'code') return features.inputs.map((s) => s.replace(/; x > -?[\d.]+$/, ''));
  if (features.task !== 'spam') return features.inputs;
  const emails = readSpamEmails();
  checkSpamPairing(features, emails, cacheDir);
  return emails.map(spamText);
}

/** `Subject: ...`, a blank line, then the body with whitespace tidied, cut at SPAM_BODY_MAX_CHARS. */
export function spamText(email: Pick<SpamEmail, 'subject' | 'body'>): string {
  const body = email.body
    .replace(/\r\n?/g, '\n')
    // Control characters confuse tokenizers and carry nothing; tag removal leaves runs of blanks.
    .replace(/[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]/g, ' ')
    .replace(/[^\S\n]+/g, ' ')
    .replace(/ ?\n ?/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
  return `Subject: ${email.subject}\n\n${cutAt(body, SPAM_BODY_MAX_CHARS)}`;
}

// Never split a surrogate pair: half of one is not valid UTF-8 once written.
function cutAt(text: string, max: number): string {
  if (text.length <= max) return text;
  const code = text.charCodeAt(max - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? max - 1 : max);
}

function checkSpamPairing(features: TaskFeatures, emails: SpamEmail[], cacheDir: string): void {
  const mismatch = (field: ExportMismatchError['field'], index: number, cached?: string, rebuilt?: string) =>
    new ExportMismatchError({ task: features.task, field, index, cached, rebuilt, cacheDir });
  if (emails.length !== features.ids.length) throw mismatch('count', -1, String(features.ids.length), String(emails.length));
  emails.forEach((email, i) => {
    if (email.id !== features.ids[i]) throw mismatch('id', i, features.ids[i], email.id);
    // Test items' labels are not in the cache (MASKED_LABEL): nothing to compare there.
    if (features.labels[i] !== MASKED_LABEL && email.label !== features.labels[i]) throw mismatch('label', i);
    const input = spamInput(email);
    if (input !== features.inputs[i]) throw mismatch('input', i, features.inputs[i], input);
  });
}
