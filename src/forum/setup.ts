import type { Config } from '../config/env.js';
import { ForumRecords, type DeliveredPost } from '../ledger/forum-records.js';
import type { Ledger } from '../ledger/ledger.js';
import { LocalForum } from './local/local-forum.js';
import type { StoredPost } from './local/schemas.js';
import { CHANNEL_KEYS, type ChannelKey, type Forum, type Post } from './port.js';

/** The local forum's one human: always allowed to steer (it listens on 127.0.0.1 only, and posting needs the token it prints). */
export const OPERATOR_ID = 'operator';

/** The forum the configuration asks for, and who may change things in it. */
export async function openForum(config: Config, ledger: Ledger, log: (line: string) => void): Promise<{ forum: Forum; admins: ReadonlySet<string> }> {
  const f = config.forum;
  if (f.kind === 'slack') {
    // Loaded only for Slack: Bolt and its clients take a second to load that the local forum would pay at every start.
    const { SlackForum } = await import('./slack/slack-forum.js');
    const forum = new SlackForum({ botToken: f.botToken, mode: f.mode, channels: f.channels, slackApiUrl: f.apiUrl, log });
    return { forum, admins: new Set(f.admins) };
  }
  // What was delivered before a restart is shown again (the ledger is the forum's memory): the
  // newest threads of each channel at start, older ones a page at a time when asked for.
  const records = new ForumRecords(ledger);
  const page = (channel: ChannelKey, beforeRef?: string) => {
    const { posts, more } = records.deliveredThreads({ channel, roots: THREADS_PER_PAGE, beforeRef });
    return { posts: asStored(posts), more };
  };
  const first = CHANNEL_KEYS.map((channel) => ({ channel, ...page(channel) }));
  const forum = new LocalForum({
    port: f.port,
    operator: { id: OPERATOR_ID, name: f.operator },
    token: f.token,
    history: first.flatMap((p) => p.posts),
    olderIn: first.filter((p) => p.more).map((p) => p.channel),
    older: page,
    highestRef: records.highestLocalRef(),
    log,
  });
  return { forum, admins: new Set([OPERATOR_ID]) };
}

/** Threads of a channel the local forum loads at a time (and at start). */
export const THREADS_PER_PAGE = 100;

/** Delivered posts as the local forum restores them: a reply names its root by the root's ref. */
function asStored(posts: DeliveredPost[]): StoredPost[] {
  const refOf = new Map(posts.map((d) => [d.key, d.ref]));
  return posts.map((d) => ({ ref: d.ref, at: d.at, post: { ...(d.post as unknown as Post), threadRef: d.threadKey ? refOf.get(d.threadKey) : undefined } }));
}
