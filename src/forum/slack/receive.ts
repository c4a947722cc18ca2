import type { App, RespondFn, SlackCommandMiddlewareArgs, webApi } from '@slack/bolt';
import { AarError } from '../../domain/errors.js';
import type { ChannelKey, InboundContext, InboundEvent, InboundHandler } from '../port.js';
import { messageText } from './blocks.js';
import { toForumError } from './errors.js';
import { parseBlockAction, parseMessageEvent, parseReactionEvent, parseSlashCommand, RecentKeys, type InboundCommand, type Skip } from './inbound.js';
import type { RedactingLogger } from './redact.js';
import type { BotIdentity } from './startup.js';
import type { UserDirectory } from './users.js';

/** The slash command the manifest declares. */
export const SLASH_COMMAND = '/aar';

/**
 * How long a slash command's answer may take to make it into the acknowledgement itself.
 * Slack waits 3 s for the ack; the rest is margin for the network.
 */
export const ACK_WINDOW_MS = 2_500;

// Slack must never turn our text into mentions or previews, whatever it contains.
export const QUIET = { parse: 'none', link_names: false, unfurl_links: false, unfurl_media: false } as const;

export interface ReceivingOptions {
  logger: RedactingLogger;
  handlers: readonly InboundHandler[];
  ackWindowMs?: number;
}

export interface Connection {
  app: App;
  client: webApi.WebClient;
  bot: BotIdentity;
  keys: Map<string, ChannelKey>;
  users: UserDirectory;
}

/**
 * The receiving side of the Slack forum: Bolt's listeners for messages, the `/aar` command,
 * card buttons and :+1: / :-1: reactions (votes), turned into InboundEvents for the handlers. Each message, command and click is
 * handled once however often Slack delivers it (a mention arrives as `message` and
 * `app_mention`; Socket Mode redelivers envelopes; a signed request can be replayed): they are
 * remembered by message ts, and by trigger_id for commands and clicks.
 */
export class Receiving {
  private readonly seen = new RecentKeys();

  constructor(private readonly o: ReceivingOptions) {}

  attach(r: Connection): void {
    const keyOf = (id: string): ChannelKey | undefined => r.keys.get(id);
    const self = { userId: r.bot.userId, botId: r.bot.botId };

    const onMessage = async (raw: unknown): Promise<void> => {
      const m = parseMessageEvent(raw, keyOf, self);
      if (this.skipped(m) || !this.firstTime(`msg:${m.channelId}:${m.ts}`)) return;
      const user = await r.users.resolve(m.user);
      const threadRef = m.threadTs ? `${m.channelId}:${m.threadTs}` : undefined;
      await this.dispatch(
        { kind: 'message', channel: m.channel, threadRef, messageRef: `${m.channelId}:${m.ts}`, user, text: m.text, mentionsApp: m.mentionsApp },
        this.threadReplier(r, m.channelId, m.threadTs ?? m.ts),
      );
    };
    r.app.event('message', async ({ event }) => onMessage(event));
    r.app.event('app_mention', async ({ event }) => onMessage(event));

    // A :+1: or :-1: reaction on a finding is a vote; taking it away takes the vote back.
    const onReaction = async (raw: unknown): Promise<void> => {
      const x = parseReactionEvent(raw, keyOf, self);
      if (this.skipped(x) || !this.firstTime(x.key)) return;
      const user = await r.users.resolve(x.user);
      const messageRef = `${x.channelId}:${x.ts}`;
      const vote: InboundEvent = x.added
        ? { kind: 'vote', channel: x.channel, messageRef, user, value: x.sign, quiet: true }
        : { kind: 'vote', channel: x.channel, messageRef, user, value: 0, removed: x.sign, quiet: true };
      await this.dispatch(vote, this.threadReplier(r, x.channelId, x.ts));
    };
    r.app.event('reaction_added', async ({ event }) => onReaction(event));
    r.app.event('reaction_removed', async ({ event }) => onReaction(event));

    r.app.command(SLASH_COMMAND, async (args) => this.onCommand(r, args, keyOf));

    r.app.action({ type: 'block_actions', action_id: /^aar_(veto|approve|details)$/ }, async ({ ack, body }) => {
      await ack();
      const a = parseBlockAction(body, keyOf);
      if (this.skipped(a) || !this.firstTime(a.key)) return;
      const user = await r.users.resolve(a.user);
      const event: InboundEvent = {
        kind: 'action',
        channel: a.channel,
        threadRef: a.threadTs ? `${a.channelId}:${a.threadTs}` : undefined,
        messageRef: `${a.channelId}:${a.messageTs}`,
        user,
        action: a.action,
        value: a.value,
      };
      await this.dispatch(event, this.threadReplier(r, a.channelId, a.threadTs ?? a.messageTs));
    });

    r.app.error(async (err) => {
      this.o.logger.error('Bolt could not handle a request:', err);
    });
  }

  /**
   * A slash command's answer goes back in the ack itself when it is ready within the ack
   * window, so it arrives even when the response_url does not work. A later answer goes to
   * the response_url, and when that fails, to the person alone with chat.postEphemeral.
   */
  private async onCommand(r: Connection, { ack, command, respond }: SlackCommandMiddlewareArgs, keyOf: (id: string) => ChannelKey | undefined): Promise<void> {
    const c = parseSlashCommand(command, keyOf);
    if (this.skipped(c) || !this.firstTime(c.key)) return ack();
    const early: string[] = [];
    let acked = false;
    const late = this.lateReplier(r, c, respond);
    const ctx: InboundContext = {
      reply: async (text) => {
        if (acked) return late(text);
        early.push(text);
      },
    };
    let timer: NodeJS.Timeout | undefined;
    const window = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.o.ackWindowMs ?? ACK_WINDOW_MS)));
    const handled = (async () => {
      const user = await r.users.resolve(c.user);
      await this.dispatch({ kind: 'command', channel: c.channel, user, text: c.text }, ctx);
    })();
    await Promise.race([handled, window]);
    clearTimeout(timer);
    acked = true;
    await ack(early.length ? { response_type: 'ephemeral', text: messageText(early.join('\n')) } : undefined);
    await handled;
  }

  private lateReplier(r: Connection, c: InboundCommand, respond: RespondFn): (text: string) => Promise<void> {
    return async (text) => {
      try {
        await respond({ response_type: 'ephemeral', text: messageText(text) });
        return;
      } catch (err) {
        this.o.logger.warn(`the response_url of a /aar command failed (${err instanceof Error ? err.message : String(err)}); answering with chat.postEphemeral`);
      }
      if (!c.channelId) throw new AarError('forum_reply_lost', 'the response_url failed and the command named no channel to answer in');
      const args = { channel: c.channelId, user: c.user.id, text: messageText(text), ...QUIET };
      await this.call('chat.postEphemeral', () => r.client.chat.postEphemeral(args as webApi.ChatPostEphemeralArguments));
    };
  }

  private firstTime(key: string): boolean {
    if (this.seen.firstTime(key)) return true;
    this.o.logger.info(`ignored a repeat delivery (${key.split(':')[0]})`);
    return false;
  }

  private skipped<T extends object>(x: T | Skip): x is Skip {
    if (!('skip' in x)) return false;
    this.o.logger.debug(`ignored: ${x.skip}`);
    return true;
  }

  private threadReplier(r: Connection, channelId: string, threadTs: string): InboundContext {
    return {
      reply: async (text: string) => {
        const args = { channel: channelId, thread_ts: threadTs, text: messageText(text), ...QUIET };
        await this.call('chat.postMessage', () => r.client.chat.postMessage(args as webApi.ChatPostMessageArguments));
      },
    };
  }

  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toForumError(method, err);
    }
  }

  /** Runs the handlers; a handler that throws is logged and the person told, never passed to Bolt. */
  private async dispatch(event: InboundEvent, ctx: InboundContext): Promise<void> {
    if (this.o.handlers.length === 0) {
      this.o.logger.debug(`no handler for a ${event.kind}`);
      return;
    }
    for (const handler of this.o.handlers) {
      try {
        await handler(event, ctx);
      } catch (err) {
        const code = err instanceof AarError ? err.code : 'internal_error';
        this.o.logger.error(`the ${event.kind} handler failed (${code}):`, err);
        await ctx
          .reply(`Sorry, that could not be handled (${code}). The coordinator's log has the details.`)
          .catch((e: unknown) => this.o.logger.error('could not send the error reply:', e));
      }
    }
  }
}
