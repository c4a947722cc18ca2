import type { webApi } from '@slack/bolt';
import type { ForumUser } from '../port.js';
import type { UserStub } from './inbound.js';

interface Known {
  name: string;
  isBot: boolean;
}

/**
 * Display names (and bot flags) of Slack users, looked up once each with users.info. A failed
 * lookup is not cached and never fails the event: the payload's name or the id stands in.
 */
export class UserDirectory {
  private readonly known = new Map<string, Known>();

  constructor(
    private readonly client: webApi.WebClient,
    private readonly warn: (line: string) => void,
  ) {}

  async resolve(stub: UserStub): Promise<ForumUser> {
    // Bots post as bot ids (B…) or under a username; users.info knows neither.
    if (stub.isBot && (stub.name || stub.id.startsWith('B'))) return { id: stub.id, name: stub.name ?? stub.id, isBot: true };
    const hit = this.known.get(stub.id) ?? (await this.lookup(stub.id));
    if (!hit) return { id: stub.id, name: stub.name ?? stub.id, isBot: stub.isBot };
    return { id: stub.id, name: hit.name, isBot: stub.isBot || hit.isBot };
  }

  private async lookup(id: string): Promise<Known | undefined> {
    try {
      const res = await this.client.users.info({ user: id });
      const u = res.user;
      if (!u) return undefined;
      const name = u.profile?.display_name || u.real_name || u.profile?.real_name || u.name || id;
      const known = { name, isBot: u.is_bot === true };
      this.known.set(id, known);
      return known;
    } catch (err) {
      const e = err as { code?: string; data?: { error?: string } };
      this.warn(`users.info for ${id} failed (${e.data?.error ?? e.code ?? 'error'}); using the id as the name`);
      return undefined;
    }
  }
}
