import type { MessageRecord } from '../ledger/forum-records.js';

/**
 * Who may steer the agents, decided in one place. Anything that changes what an agent does
 * (guidance, a redirection, a question it acts on, a `direct` command) is a command, and only
 * people on the allowlist may give it. The forum decides membership when a message arrives
 * (it alone knows the platform's user ids) and records it with the message; every reader of
 * people's messages on an agent's behalf (its guidance, its inbox) asks `maySteer`.
 *
 * Default deny: a person's message without the recorded decision (one stored by an older
 * version, or by code that forgot to decide) steers nobody.
 */

/** What the forum records with a person's message: who wrote it (a platform id) and whether they are on the allowlist. */
export interface Authorship {
  from: string;
  member: boolean;
}

/** The message data that records a person's authorship. */
export function authorship(userId: string, admins: ReadonlySet<string>): { authorship: Authorship } {
  return { authorship: { from: userId, member: admins.has(userId) } };
}

/** Whether a message may reach an agent as something to act on: a person's, recorded as from an allowlisted member. */
export function maySteer(m: MessageRecord): boolean {
  if (m.authorKind !== 'human') return false;
  const a = m.data?.authorship as Partial<Authorship> | undefined;
  return a?.member === true && typeof a.from === 'string';
}
