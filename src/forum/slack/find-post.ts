import type { webApi } from '@slack/bolt';

/** The metadata event type every aar post carries, with its outbox key as payload. */
export const POST_EVENT_TYPE = 'aar_post';

/** Message metadata that names a post by its outbox key (what find looks for). */
export function postMetadata(key: string): { event_type: string; event_payload: { key: string } } {
  return { event_type: POST_EVENT_TYPE, event_payload: { key } };
}

interface Listed {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: { key?: unknown } };
}

/** Pages read at most: an attempt's post is among the newest messages since the attempt. */
const MAX_PAGES = 10;

/**
 * Looks for a message carrying `key` in its metadata, posted after `since`: in the thread when
 * `threadTs` is given (conversations.replies), else in the channel (conversations.history).
 * Returns its ts. Slack returns metadata only with include_all_metadata, and only messages the
 * app can read (channels:history / groups:history, which the manifest asks for).
 */
export async function findPostTs(client: webApi.WebClient, o: { channel: string; threadTs?: string; key: string; since: Date }): Promise<string | undefined> {
  // A margin for clock skew between this machine and Slack's.
  const oldest = (Math.max(0, o.since.getTime() - 5 * 60_000) / 1000).toFixed(6);
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const args = { channel: o.channel, oldest, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) };
    const res = o.threadTs ? await client.conversations.replies({ ...args, ts: o.threadTs }) : await client.conversations.history(args);
    for (const m of (res.messages ?? []) as Listed[]) {
      if (m.metadata?.event_type === POST_EVENT_TYPE && m.metadata.event_payload?.key === o.key && m.ts) return m.ts;
    }
    cursor = res.response_metadata?.next_cursor || undefined;
    if (!res.has_more || !cursor) return undefined;
  }
  return undefined;
}
