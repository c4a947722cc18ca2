import { FindingsStore } from '../../src/findings/store.js';
import type { Finding } from '../../src/findings/types.js';
import type { ForumRecords } from '../../src/ledger/forum-records.js';
import type { Ledger } from '../../src/ledger/ledger.js';

/** Insights and dead ends a digest lists: enough to read on a phone. */
const LISTED = 5;

const firstLine = (text: string) => {
  const line = text.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
};

function line(f: Finding): string {
  const v = f.votes;
  const people = v.people.up || v.people.down ? `; people +${v.people.up}/-${v.people.down}` : '';
  return `- ${f.key} by ${f.author} (+${v.up}/-${v.down}${people}): ${firstLine(f.text)}`;
}

/**
 * The digest's findings: the most upvoted insights (people's votes weigh more than agents') and
 * the dead ends, best rated first, so the morning reader sees what the team learned and what
 * not to try again.
 */
export function findingsDigest(ledger: Ledger, records: ForumRecords): string[] {
  const store = new FindingsStore(ledger, records);
  const insights = store.top('insight', { n: LISTED });
  const deadEnds = store.top('dead-end', { n: LISTED });
  return [
    `Top insights (most upvoted; a person's vote weighs three agents'): ${insights.length ? '' : 'none yet.'}`.trimEnd(),
    ...insights.map(line),
    '',
    `Dead ends: ${deadEnds.length ? '' : 'none recorded.'}`.trimEnd(),
    ...deadEnds.map(line),
  ];
}
