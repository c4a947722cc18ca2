import type { Config } from '../config/env.js';
import { ForumRecords } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { LocalForum } from './local/local-forum.js';
import type { Forum, Post } from './port.js';
import { SlackForum } from './slack/slack-forum.js';

/** The local forum's one human: always allowed to steer (it listens on 127.0.0.1 only, and posting needs the token it prints). */
export const OPERATOR_ID = 'operator';

/** The forum the configuration asks for, and who may change things in it. */
export async function openForum(config: Config, ledger: Ledger, log: (line: string) => void): Promise<{ forum: Forum; admins: ReadonlySet<string> }> {
  const f = config.forum;
  if (f.kind === 'slack') {
    const forum = new SlackForum({ botToken: f.botToken, mode: f.mode, channels: f.channels, slackApiUrl: f.apiUrl, log });
    return { forum, admins: new Set(f.admins) };
  }
  // What was delivered before a restart is shown again: the ledger is the forum's memory.
  const delivered = new ForumRecords(ledger).deliveredPosts();
  const refOf = new Map(delivered.map((d) => [d.key, d.ref]));
  const history = delivered.map((d) => ({ ref: d.ref, at: d.at, post: { ...(d.post as unknown as Post), threadRef: d.threadKey ? refOf.get(d.threadKey) : undefined } }));
  const forum = new LocalForum({ port: f.port, operator: { id: OPERATOR_ID, name: f.operator }, token: f.token, history, log });
  return { forum, admins: new Set([OPERATOR_ID]) };
}
