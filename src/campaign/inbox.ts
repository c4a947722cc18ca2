import type { ForumRecords, MessageRecord } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { maySteer } from './steering.js';

/** The id of an agent's answer to a human message: one answer per message and agent, however often the loop runs. */
export const answerIdOf = (messageId: string, agent: string) => `a-${messageId}-${agent}`;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Which agents a person's message is for: those it @mentions or addresses by name
 * ("ada, why…"), the owner of the thread it replies in, or the agent of a `direct` command.
 * An empty list means it is guidance for everyone.
 */
export function addressees(m: MessageRecord, agents: readonly string[], ledger: Ledger, records: ForumRecords): string[] {
  const to = new Set<string>();
  if (m.channel.startsWith('direct:')) to.add(m.channel.slice('direct:'.length));
  for (const a of agents) {
    const name = escape(a);
    if (new RegExp(`(^|[^\\w])@${name}(?![\\w-])`, 'i').test(m.text) || new RegExp(`^\\s*${name}\\s*[,:]`, 'i').test(m.text)) to.add(a);
  }
  const owner = threadOwner(m.threadId, ledger, records);
  if (owner && agents.includes(owner)) to.add(owner);
  return [...to].filter((a) => agents.includes(a));
}

/** The agent whose thread a key names: an experiment's agent, or the author of the thread's first message. */
export function threadOwner(threadKey: string | null, ledger: Ledger, records: ForumRecords): string | undefined {
  if (!threadKey) return undefined;
  if (threadKey.startsWith('exp:')) return ledger.experiment(threadKey.slice(4))?.agent ?? undefined;
  if (threadKey.startsWith('msg:')) {
    const root = records.message(threadKey.slice(4));
    if (!root) return undefined;
    if (root.authorKind === 'agent') return root.author;
    // A person's thread that an agent answered in: follow-ups go to that agent.
    const answered = records.messages({ threadId: threadKey, authorKind: 'agent', limit: 1 })[0];
    return answered?.author ?? threadOwner(root.threadId, ledger, records);
  }
  return undefined;
}

/**
 * Allowlisted people's messages addressed to `agent` that it has not answered yet, oldest
 * first. An answer can act on what it answers (an offline agent takes a redirection from it),
 * so nobody else's messages are here.
 */
export function unanswered(agent: string, agents: readonly string[], ledger: Ledger, records: ForumRecords, limit = 200): MessageRecord[] {
  return records
    .messages({ authorKind: 'human', limit })
    .filter((m) => maySteer(m) && addressees(m, agents, ledger, records).includes(agent) && !records.message(answerIdOf(m.id, agent)))
    .reverse();
}
