import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, SocketModeReceiver, webApi, type Receiver } from '@slack/bolt';
import { AarError } from '../../domain/errors.js';
import { checkPostImage } from '../image.js';
import type { ChannelKey, Forum, InboundHandler, Post } from '../port.js';
import { messageText, postBlocks } from './blocks.js';
import { SlackConfigError, toForumError } from './errors.js';
import { findPostTs, postMetadata } from './find-post.js';
import { apiBase, checkOptions, type SlackForumOptions } from './options.js';
import { Receiving, QUIET } from './receive.js';
import { RedactingLogger } from './redact.js';
import { ReplayGuard } from './replay-guard.js';
import { authenticate, resolveChannels, type BotIdentity } from './startup.js';
import { uploadImage, uploadMayRecover } from './upload.js';
import { UserDirectory } from './users.js';

/** The HTTP path Slack posts events, slash commands and interactivity to in HTTP mode. */
export const SLACK_EVENTS_PATH = '/slack/events';
export { SLASH_COMMAND } from './receive.js';

const REF_RE = /^([A-Z0-9]+):(\d+\.\d+)$/;

/** Splits a post ref (`${channelId}:${ts}`) into its parts. */
export function parseRef(ref: string): { channelId: string; ts: string } {
  const m = REF_RE.exec(ref);
  if (!m) throw new AarError('forum_bad_ref', `not a Slack post ref: ${JSON.stringify(ref.slice(0, 80))} (expected CHANNEL_ID:TS)`);
  return { channelId: m[1], ts: m[2] };
}

function identity(post: Post): { username: string; icon_emoji?: string; icon_url?: string } {
  const username = post.persona.name.slice(0, 80);
  const icon = post.persona.icon.trim();
  if (/^:[^:\s]+:$/.test(icon)) return { username, icon_emoji: icon };
  if (/^https:\/\/\S+$/.test(icon)) return { username, icon_url: icon };
  if (/^[a-z0-9_+-]+$/i.test(icon)) return { username, icon_emoji: `:${icon}:` };
  return { username };
}

/** Names a post by its whole content (image included), to find it again when it is retried. */
function postKey(post: Post): string {
  return createHash('sha256').update(JSON.stringify(post)).digest('hex');
}

const UPLOAD_TIMEOUT_MS = 60_000;

interface Running {
  app: App;
  client: webApi.WebClient;
  bot: BotIdentity;
  ids: Map<ChannelKey, string>;
  keys: Map<string, ChannelKey>;
  users: UserDirectory;
  url?: string;
}

/**
 * The Slack forum: Bolt receives events over Socket Mode or HTTP, and posts go out through the
 * WebClient under each agent's name and icon (chat:write.customize). Rate limits are not waited
 * out here: a 429 becomes ForumRateLimitError and the caller's outbox decides when to retry.
 * Post refs are `${channelId}:${ts}`.
 */
export class SlackForum implements Forum {
  readonly kind = 'slack' as const;
  private readonly logger: RedactingLogger;
  private readonly handlers: InboundHandler[] = [];
  private readonly receiving: Receiving;
  private readonly apiUrl: string;
  private running?: Running;
  private starting?: Promise<{ url?: string }>;
  private readonly textPosted = new Map<string, string>();

  private readonly o: SlackForumOptions;

  constructor(options: SlackForumOptions) {
    checkOptions(options);
    // Tokens pasted from a dashboard or an env file often carry a trailing newline.
    const m = options.mode;
    const mode = m.kind === 'socket' ? { ...m, appToken: m.appToken.trim() } : { ...m, signingSecret: m.signingSecret.trim() };
    const o = { ...options, botToken: options.botToken.trim(), mode };
    this.o = o;
    this.apiUrl = apiBase(o.slackApiUrl);
    const secrets = [o.botToken, o.mode.kind === 'socket' ? o.mode.appToken : o.mode.signingSecret];
    this.logger = new RedactingLogger(o.log, o.logLevel ?? 'info', secrets);
    this.receiving = new Receiving({ logger: this.logger, handlers: this.handlers, ackWindowMs: o.ackWindowMs });
  }

  onEvent(handler: InboundHandler): void {
    this.handlers.push(handler);
  }

  async start(): Promise<{ url?: string }> {
    if (this.running) return { url: this.running.url };
    this.starting ??= this.boot().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async boot(): Promise<{ url?: string }> {
    const sleep = this.o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const clientOptions = (): webApi.WebClientOptions => ({
      slackApiUrl: this.apiUrl,
      logger: this.logger,
      // Surface 429s instead of queueing behind them: the outbox owns waiting and retrying.
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: this.o.requestTimeoutMs ?? 30_000,
    });
    const client = new webApi.WebClient(this.o.botToken, clientOptions());
    const bot = await authenticate(client, this.apiUrl, sleep);
    const ids = await resolveChannels(client, this.o.channels, bot, this.apiUrl, sleep, (l) => this.logger.warn(l));
    const keys = new Map<string, ChannelKey>();
    // Two keys on one channel: inbound traffic there belongs to the first.
    for (const [key, id] of ids) if (!keys.has(id)) keys.set(id, key);

    const receiver = this.receiver();
    const app = new App({
      token: this.o.botToken,
      botId: bot.botId,
      botUserId: bot.userId,
      receiver,
      logger: this.logger,
      clientOptions: clientOptions(),
      convoStore: false,
    });
    const running: Running = { app, client, bot, ids, keys, users: new UserDirectory(client, (l) => this.logger.warn(l)) };
    this.receiving.attach(running);

    if (this.o.mode.kind === 'http') {
      // Loopback unless told otherwise (SLACK_HOST): a development receiver is not for the network.
      const { port, host = '127.0.0.1' } = this.o.mode;
      const server = await app.start({ port, host }).catch((err: unknown) => {
        throw new SlackConfigError('HTTP port', `cannot listen on ${host}:${port} (${(err as Error).message})`, 'Set SLACK_PORT to a free port, and SLACK_HOST to an address of this machine', { cause: err });
      });
      const addr = server.address() as AddressInfo;
      const shown = !host || host === '0.0.0.0' || host === '::' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
      running.url = `http://${shown}:${addr.port}${SLACK_EVENTS_PATH}`;
    } else {
      await this.connectSocket(app);
    }
    this.running = running;
    this.logger.info(`connected to Slack as @${bot.name} (${this.o.mode.kind} mode)`);
    return { url: running.url };
  }

  private receiver(): Receiver {
    const mode = this.o.mode;
    if (mode.kind === 'http') {
      const receiver = new HTTPReceiver({ signingSecret: mode.signingSecret, endpoints: SLACK_EVENTS_PATH, port: mode.port, logger: this.logger });
      // Bolt's server calls this property per request, so the guard sees every request first.
      const guard = new ReplayGuard({ signingSecret: mode.signingSecret, path: SLACK_EVENTS_PATH, now: this.o.now, warn: (l) => this.logger.warn(l) });
      receiver.requestListener = guard.wrap(receiver.requestListener);
      return receiver;
    }
    return new SocketModeReceiver({
      appToken: mode.appToken,
      logger: this.logger,
      // The socket client's own WebClient (apps.connections.open) keeps its patient retries.
      installerOptions: { clientOptions: { slackApiUrl: this.apiUrl } },
    });
  }

  private async connectSocket(app: App): Promise<void> {
    const ms = this.o.connectTimeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new SlackConfigError('Socket Mode', `no connection within ${ms / 1000} s`, 'Enable Socket Mode for the app and check SLACK_APP_TOKEN')),
        ms,
      );
    });
    try {
      await Promise.race([app.start(), timeout]);
    } catch (err) {
      await app.stop().catch(() => undefined);
      if (err instanceof SlackConfigError) throw err;
      const code = (err as { data?: { error?: string } }).data?.error;
      throw new SlackConfigError(
        'app token',
        `Socket Mode could not connect (${code ?? 'connection failed'})`,
        'Set SLACK_APP_TOKEN to an app-level token (xapp-…) with connections:write, and enable Socket Mode for the app',
        { cause: err },
      );
    } finally {
      clearTimeout(timer);
    }
  }

  async stop(): Promise<void> {
    if (this.starting) await this.starting.catch(() => undefined);
    const running = this.running;
    this.running = undefined;
    if (running) await running.app.stop().catch((err: unknown) => this.logger.warn('stopping Bolt failed:', err));
  }

  /**
   * Posts the text (and card) with chat.postMessage under the agent's name; a post with an image
   * then has the PNG uploaded into its thread (the thread it replies to, or its own). The ref is
   * always the text message's, which Slack answers with at once: the message an upload creates
   * has no ts in files.completeUploadExternal's answer (files[].shares fills in later, if at all).
   * If the upload meets a rate limit or an outage, the error goes to the caller (the outbox
   * retries) and the retry of the same post uploads without posting the text again. An upload
   * Slack refuses for good (say, no files:write scope) is logged, and the post stands without it.
   */
  async post(post: Post, o: { key?: string } = {}): Promise<string> {
    const r = this.require();
    if (post.image !== undefined) checkPostImage(post.image);
    const { channel, threadTs } = this.placeOf(r, post);
    const image = post.image;
    const key = image ? postKey(post) : undefined;
    let ref = key ? this.textPosted.get(key) : undefined;
    if (!ref) {
      // An image post with no words still needs a message for the image to hang under.
      const text = image && post.text.trim() === '' ? image.title : post.text;
      const args = {
        channel,
        text: messageText(text),
        ...identity(post),
        ...(threadTs ? { thread_ts: threadTs } : {}),
        ...(postBlocks(post) ? { blocks: postBlocks(post) } : {}),
        // The outbox key, so a retry can find this message if the answer to this call is lost.
        ...(o.key ? { metadata: postMetadata(o.key) } : {}),
        ...QUIET,
      };
      const res = await this.call('chat.postMessage', () => r.client.chat.postMessage(args as webApi.ChatPostMessageArguments));
      if (!res.ts) throw toForumError('chat.postMessage', new Error('Slack returned no ts'));
      ref = `${channel}:${res.ts}`;
    }
    if (!image || !key) return ref;

    this.rememberTextPosted(key, ref);
    try {
      await uploadImage(r.client, image, { channelId: channel, threadTs: threadTs ?? parseRef(ref).ts }, UPLOAD_TIMEOUT_MS);
    } catch (err) {
      if (uploadMayRecover(err)) throw err;
      this.logger.warn(`the image "${image.title}" of ${ref} was not uploaded, so the post stands without it: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.textPosted.delete(key);
    return ref;
  }

  /** Where a post goes: its channel, or the channel and ts of the thread it replies to. */
  private placeOf(r: Running, post: Post): { channel: string; threadTs?: string } {
    const channel = this.channelId(r, post.channel);
    if (post.threadRef === undefined) return { channel };
    const ref = parseRef(post.threadRef);
    // A reply belongs in its thread; refusing would leave the post stuck in the outbox.
    if (ref.channelId !== channel) this.logger.warn(`a ${post.channel} post replies to a thread in ${ref.channelId}; posting it there`);
    return { channel: ref.channelId, threadTs: ref.ts };
  }

  /** Looks in the post's channel (or thread) for a message an earlier attempt made under `key`. */
  async find(post: Post, key: string, since: Date): Promise<string | undefined> {
    const r = this.require();
    // An image post whose text this process posted and whose upload is still to do: post() finishes it.
    if (post.image && this.textPosted.has(postKey(post))) return undefined;
    const { channel, threadTs } = this.placeOf(r, post);
    const ts = await this.call(threadTs ? 'conversations.replies' : 'conversations.history', () => findPostTs(r.client, { channel, threadTs, key, since }));
    return ts ? `${channel}:${ts}` : undefined;
  }

  // Image posts whose text is in Slack but whose upload has not succeeded yet, by content; a
  // retry of the same post finds its ref here. Bounded: a post retried this late is posted anew.
  private rememberTextPosted(key: string, ref: string): void {
    this.textPosted.delete(key);
    this.textPosted.set(key, ref);
    while (this.textPosted.size > 100) this.textPosted.delete(this.textPosted.keys().next().value!);
  }

  /** Edits the text message (and its card); an uploaded image stays as it is. */
  async update(ref: string, post: Post): Promise<void> {
    const r = this.require();
    const { channelId, ts } = parseRef(ref);
    const text = post.image && post.text.trim() === '' ? post.image.title : post.text;
    const args = {
      channel: channelId,
      ts,
      text: messageText(text),
      // An empty list removes an earlier card; leaving blocks out would keep it.
      blocks: postBlocks(post) ?? [],
      parse: QUIET.parse,
      link_names: QUIET.link_names,
    };
    await this.call('chat.update', () => r.client.chat.update(args as webApi.ChatUpdateArguments));
  }

  private require(): Running {
    if (!this.running) throw new AarError('forum_not_started', 'the Slack forum is not started; call start() first');
    return this.running;
  }

  private channelId(r: Running, key: ChannelKey): string {
    const id = r.ids.get(key);
    if (!id) throw new AarError('forum_bad_channel', `no Slack channel for ${String(key)}`);
    return id;
  }

  private async call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw toForumError(method, err);
    }
  }
}
