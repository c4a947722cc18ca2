import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { z } from 'zod';
import { AarError, InvalidInputError } from '../../domain/errors.js';
import { CHANNEL_KEYS, type ChannelKey, type Forum, type ForumUser, type InboundEvent, type InboundHandler, type Persona, type Post } from '../port.js';
import { redactSecrets } from '../redact.js';
import { HttpError, readJson, requireToken, sameOrigin, sendError, sendHtml, sendJson, sendPng } from './http.js';
import { pageCsp, renderPage } from './page.js';
import {
  ActionBodySchema,
  LocalForumOptionsSchema,
  MessageBodySchema,
  PanelSchema,
  PostSchema,
  problemsOf,
  StoredPostSchema,
  VoteBodySchema,
  type Panel,
  type StoredPost,
} from './schemas.js';
import { SseHub } from './sse.js';
import { PostStore, type Author, type PostView } from './store.js';

/** Options of the local web forum. */
export interface LocalForumOptions {
  /** Only loopback: the forum must never be reachable from the network. */
  host?: '127.0.0.1';
  /** What posting requires (24-128 URL-safe characters); default: a random one, in `operatorUrl`. */
  token?: string;
  /** 0 picks any free port; read the chosen one from `url` after start(). */
  port: number;
  /** The person at the browser: every message and button press is theirs. */
  operator: { id: string; name: string };
  /** Display names of the channels; defaults `#forum`, `#results`, `#audit`. */
  channelNames?: Partial<Record<ChannelKey, string>>;
  /** Posts delivered before a restart (from the ledger), shown again from the start: the newest threads of each channel. */
  history?: StoredPost[];
  /** Channels with older threads than `history` holds: the page offers to load them. */
  olderIn?: readonly ChannelKey[];
  /** Older threads of a channel, before the thread whose root was delivered as `beforeRef` (newest first). */
  older?: (channel: ChannelKey, beforeRef: string) => { posts: StoredPost[]; more: boolean };
  /** The highest `l-<n>` ref ever handed out, so one not in `history` is never reused. */
  highestRef?: number;
  /** Milliseconds between keep-alive comments on each event stream (default 15 s). */
  heartbeatMs?: number;
  /** The clock stamping new posts. */
  now?: () => Date;
  /** Where handler failures are reported (default: stderr). */
  log?: (line: string) => void;
}

/** The channels as the page lists them. */
export interface ChannelInfo {
  key: ChannelKey;
  name: string;
}

/** GET /api/state: everything the page needs to draw itself. */
export interface LocalForumState {
  /** This process's forum; the `hello` event names it too. */
  instance: string;
  channels: ChannelInfo[];
  operator: { id: string; name: string };
  posts: PostView[];
  /** Channels with older threads on the server: GET /api/history loads them. */
  olderIn: ChannelKey[];
  panel: z.output<typeof PanelSchema>;
  /** Bumped by every setPanel(); `panel` events carry it too, so the page keeps the newest. */
  panelVersion: number;
}

/** The persona of the forum's own replies (command answers, errors). */
export const SYSTEM_PERSONA: Persona = { id: 'aar', name: 'aar', icon: ':gear:' };

const DEFAULT_NAMES: Record<ChannelKey, string> = { forum: '#forum', results: '#results', audit: '#audit' };
const MENTION_RE = /@aar(?![\w.-])/i;
const ADDRESSED_RE = /^\/?aar(?:[\s:,]|$)/i;
const COMMAND_RE = /^\/aar(?:\s|$)/i;
const IMAGE_PATH_RE = /^\/api\/posts\/([^/]{1,400})\/image$/;

/**
 * The local web forum: a chat page on 127.0.0.1 (Node's http, Server-Sent Events for live
 * updates) where agents post and the operator reads, types messages and `/aar` commands, and
 * presses Veto / Approve. Everything lives in memory; the ledger is what survives a restart,
 * handed back through `history`.
 */
export class LocalForum implements Forum {
  readonly kind = 'local' as const;
  private readonly opts: z.output<typeof LocalForumOptionsSchema>;
  private readonly channels: ChannelInfo[];
  private readonly operator: ForumUser;
  private readonly store = new PostStore();
  private readonly hub: SseHub;
  private readonly handlers: InboundHandler[] = [];
  private readonly now: () => Date;
  private readonly log: (line: string) => void;
  private panel: z.output<typeof PanelSchema> = { leaderboard: [], series: [] };
  private panelVersion = 0;
  // Versions count from 1 in each process; a page that outlives a restart sees a new instance
  // in the stream's `hello` and starts over instead of keeping its (higher-versioned) old copies.
  private readonly instance = randomBytes(8).toString('hex');
  /** Posting needs it: only whoever holds `operatorUrl` can speak as the operator. */
  readonly token: string;
  private server?: Server;
  private boundPort?: number;
  private readonly olderIn: Set<ChannelKey>;
  private readonly older?: LocalForumOptions['older'];

  constructor(options: LocalForumOptions) {
    const parsed = LocalForumOptionsSchema.safeParse(options);
    if (!parsed.success) throw new InvalidInputError('local forum options', problemsOf(parsed.error));
    this.opts = parsed.data;
    this.channels = CHANNEL_KEYS.map((key) => ({ key, name: this.opts.channelNames?.[key] ?? DEFAULT_NAMES[key] }));
    this.operator = { id: this.opts.operator.id, name: this.opts.operator.name, isBot: false };
    this.hub = new SseHub(this.opts.heartbeatMs ?? 15_000);
    this.now = options.now ?? (() => new Date());
    this.token = this.opts.token ?? randomBytes(24).toString('base64url');
    this.log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.restore(this.opts.history ?? []);
    if (options.highestRef) this.store.reserve(`l-${options.highestRef}`);
    this.olderIn = new Set(options.olderIn ?? []);
    this.older = options.older;
  }

  /** The page's address, e.g. `http://127.0.0.1:4100/`; only known once start() resolved. */
  get url(): string {
    if (this.boundPort === undefined) throw new AarError('forum_not_started', 'the local forum has no URL until start() resolves');
    return `http://127.0.0.1:${this.boundPort}/`;
  }

  /**
   * The page's address with the token in its fragment: what start() returns and aar prints.
   * A fragment never reaches a server log or a Referer; the page keeps it for the tab.
   */
  get operatorUrl(): string {
    return `${this.url}#token=${this.token}`;
  }

  /** How many pages are connected to the live event stream. */
  get liveClients(): number {
    return this.hub.size;
  }

  async start(): Promise<{ url: string }> {
    if (this.server) return { url: this.operatorUrl };
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        throw new AarError('forum_port_in_use', `port ${this.opts.port} on 127.0.0.1 is in use: choose another forum port, or 0 for any free one`, { cause: err });
      }
      throw err;
    });
    // An error after listening (say, out of file descriptors) is reported, never left to crash the process.
    server.on('error', (err) => this.log(`local forum: server error: ${describe(err)}`));
    const address = server.address();
    this.boundPort = typeof address === 'object' && address !== null ? address.port : this.opts.port;
    this.server = server;
    return { url: this.operatorUrl };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.boundPort = undefined;
    // Open pages say the forum has stopped and how to reopen it, instead of retrying forever.
    this.hub.broadcast('bye', { reason: 'stopped', reopen: 'aar forum' });
    this.hub.closeAll();
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  async post(post: Post): Promise<string> {
    const view = this.store.add(parsePost(post), this.authorOf(post.persona), this.now().toISOString());
    this.hub.broadcast('post', view);
    return view.ref;
  }

  async update(ref: string, post: Post): Promise<void> {
    // A post of an older thread no page has loaded: loading it later reads its latest content.
    if (!this.store.get(ref) && this.olderIn.size) return;
    const view = this.store.update(ref, parsePost(post), this.now().toISOString());
    this.hub.broadcast('update', view);
  }

  onEvent(handler: InboundHandler): void {
    this.handlers.push(handler);
  }

  /** Replaces the right-hand panel (leaderboard and PGR over time) on every open page. */
  setPanel(panel: Panel): void {
    const parsed = PanelSchema.safeParse(panel);
    if (!parsed.success) throw new InvalidInputError('forum panel', problemsOf(parsed.error));
    this.panel = parsed.data;
    this.panelVersion += 1;
    this.hub.broadcast('panel', { version: this.panelVersion, panel: this.panel });
  }

  /** Everything GET /api/state answers. */
  state(): LocalForumState {
    return {
      instance: this.instance,
      channels: this.channels,
      operator: { id: this.operator.id, name: this.operator.name },
      posts: this.store.all(),
      olderIn: [...this.olderIn],
      panel: this.panel,
      panelVersion: this.panelVersion,
    };
  }

  /** GET /api/history?channel=…&before=<ref>: older threads of a channel, kept in memory from then on. */
  private history(url: URL): { posts: PostView[]; more: boolean } {
    const channel = url.searchParams.get('channel');
    const before = url.searchParams.get('before');
    if (!channel || !(CHANNEL_KEYS as readonly string[]).includes(channel)) throw new HttpError(400, 'invalid_request', `channel: accepted: ${CHANNEL_KEYS.join(', ')}`);
    if (!before || !this.store.get(before)) throw new HttpError(400, 'invalid_request', 'before: accepted: the ref of the oldest thread the page shows, e.g. l-42');
    const key = channel as ChannelKey;
    if (!this.older || !this.olderIn.has(key)) return { posts: [], more: false };
    const page = this.older(key, before);
    this.restore(page.posts.filter((h) => !this.store.get(String((h as { ref?: unknown }).ref))));
    if (!page.more) this.olderIn.delete(key);
    const refs = new Set(page.posts.map((h) => String((h as { ref?: unknown }).ref)));
    return { posts: this.store.all().filter((p) => refs.has(p.ref)), more: page.more };
  }

  private restore(history: unknown[]): void {
    history.forEach((raw, i) => {
      let parsed = StoredPostSchema.safeParse(raw);
      if (!parsed.success && parsed.error.issues.every((issue) => issue.path[0] === 'post' && issue.path[1] === 'image')) {
        // An image it cannot show does not cost the post: it comes back without it.
        this.log(`local forum: history entry ${i} is shown without its image (${problemsOf(parsed.error).map((p) => `${p.field}: ${p.problem}`).join('; ')})`);
        const entry = raw as { post: Record<string, unknown> };
        parsed = StoredPostSchema.safeParse({ ...entry, post: { ...entry.post, image: undefined } });
      }
      if (!parsed.success) {
        const problems = problemsOf(parsed.error).map((p) => `${p.field}: ${p.problem}`).join('; ');
        this.log(`local forum: history entry ${i} is not shown (${problems})`);
        // Its ref still belongs to it in the ledger, so it must never be handed out again.
        const ref = (raw as { ref?: unknown } | null)?.ref;
        if (typeof ref === 'string') this.store.reserve(ref);
        return;
      }
      const h = parsed.data;
      this.store.restore(h.ref, h.post, this.authorOf(h.post.persona), h.at);
    });
  }

  private authorOf(persona: Persona): Author {
    if (persona.id === SYSTEM_PERSONA.id) return 'system';
    return persona.id === this.operator.id ? 'operator' : 'agent';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.route(req, res);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, 'internal', 'the local forum could not answer that request');
      if (!(err instanceof HttpError)) this.log(`local forum: ${req.method} ${req.url} failed: ${describe(err)}`);
      if (!res.headersSent) sendError(res, e);
      else res.end();
    }
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const check = sameOrigin(req, this.boundPort ?? -1);
    if (!check.ok) throw new HttpError(403, 'forbidden', check.why);
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const image = IMAGE_PATH_RE.exec(path);
    if (image) {
      if (method !== 'GET') {
        res.setHeader('allow', 'GET');
        throw new HttpError(405, 'method_not_allowed', `${path.slice(0, 200)} answers GET`);
      }
      let ref = '';
      try {
        ref = decodeURIComponent(image[1]);
      } catch {
        // A malformed escape names no post: answered as not found below.
      }
      this.sendImage(res, ref, url.searchParams.get('v'));
      return;
    }
    const routes: Record<string, Partial<Record<string, () => Promise<void> | void>>> = {
      '/': { GET: () => this.sendPage(res) },
      '/api/state': { GET: () => sendJson(res, 200, this.state()) },
      '/api/history': { GET: () => sendJson(res, 200, this.history(url)) },
      '/api/events': { GET: () => this.hub.add(res, { instance: this.instance }) },
      '/api/messages': { POST: async () => (requireToken(req, this.token), sendJson(res, 202, await this.receiveMessage(await readJson(req)))) },
      '/api/actions': { POST: async () => (requireToken(req, this.token), sendJson(res, 202, await this.receiveAction(await readJson(req)))) },
      '/api/votes': { POST: async () => (requireToken(req, this.token), sendJson(res, 202, this.receiveVote(await readJson(req)))) },
    };
    const route = Object.hasOwn(routes, path) ? routes[path] : undefined;
    if (!route) throw new HttpError(404, 'not_found', `no such page: ${path.slice(0, 200)}`);
    const run = Object.hasOwn(route, method) ? route[method] : undefined;
    if (!run) {
      res.setHeader('allow', Object.keys(route).join(', '));
      throw new HttpError(405, 'method_not_allowed', `${path} answers ${Object.keys(route).join(', ')}`);
    }
    await run();
  }

  /** GET /api/posts/<ref>/image: a post's PNG; the URL the page has names it by a hash, so it can be cached. */
  private sendImage(res: ServerResponse, ref: string, version: string | null): void {
    const image = this.store.imageOf(ref);
    if (!image) throw new HttpError(404, 'not_found', 'no such image', [{ field: 'ref', problem: 'no post with an image under this ref' }]);
    sendPng(res, image.bytes, image.view.src.endsWith(`?v=${version ?? ''}`));
  }

  private sendPage(res: ServerResponse): void {
    const nonce = randomBytes(16).toString('base64');
    sendHtml(res, renderPage(nonce), pageCsp(nonce));
  }

  private async receiveMessage(raw: unknown): Promise<{ ok: true; ref: string }> {
    const body = parseBody(MessageBodySchema, raw);
    let threadRef: string | undefined;
    let channel = body.channel;
    if (body.threadRef !== undefined) {
      const root = this.store.rootOf(body.threadRef);
      if (!root) throw new HttpError(400, 'invalid_input', 'no such thread', [{ field: 'threadRef', problem: 'no post with this ref' }]);
      threadRef = root.ref;
      channel = root.channel;
    }
    const persona: Persona = { id: this.operator.id, name: this.operator.name, icon: '' };
    // A token pasted by the operator is neither shown nor passed on.
    const typed = redactSecrets(body.text);
    const view = this.store.add({ channel, threadRef, persona, text: typed }, 'operator', this.now().toISOString());
    this.hub.broadcast('post', view);

    const text = typed.trimStart();
    const user = { ...this.operator };
    const event: InboundEvent = COMMAND_RE.test(text)
      ? { kind: 'command', channel, threadRef, user, text: text.replace(COMMAND_RE, '').trim() }
      : { kind: 'message', channel, threadRef, messageRef: view.ref, user, text: typed, mentionsApp: MENTION_RE.test(text) || ADDRESSED_RE.test(text), ...(body.type ? { finding: body.type } : {}) };
    if (threadRef === undefined) delete event.threadRef;
    this.dispatch(event, channel, threadRef);
    return { ok: true, ref: view.ref };
  }

  private async receiveAction(raw: unknown): Promise<{ ok: true }> {
    const body = parseBody(ActionBodySchema, raw);
    const post = this.store.get(body.messageRef);
    if (!post) throw new HttpError(404, 'not_found', 'no such message', [{ field: 'messageRef', problem: 'no post with this ref' }]);
    // Only the buttons the card shows can be pressed, so a request cannot act on anything else.
    const button = post.card?.buttons.find((b) => b.action === body.action && b.value === body.value);
    if (!button) {
      const field = post.card?.buttons.some((b) => b.action === body.action) ? 'value' : 'action';
      throw new HttpError(400, 'invalid_input', 'that card has no such button', [{ field, problem: 'not a button of this card' }]);
    }
    // A card's answer belongs in its thread, or starts one under the card.
    const threadRef = post.threadRef ?? post.ref;
    const event: InboundEvent = { kind: 'action', channel: post.channel, threadRef, messageRef: post.ref, user: { ...this.operator }, action: button.action, value: button.value };
    this.dispatch(event, post.channel, threadRef);
    return { ok: true };
  }

  /** A vote button on a finding's post: only posts that are findings can be voted on, so a request cannot vote on anything else. */
  private receiveVote(raw: unknown): { ok: true } {
    const body = parseBody(VoteBodySchema, raw);
    const post = this.store.get(body.messageRef);
    if (!post) throw new HttpError(404, 'not_found', 'no such message', [{ field: 'messageRef', problem: 'no post with this ref' }]);
    if (!post.finding) throw new HttpError(400, 'invalid_input', 'that post is not a finding', [{ field: 'messageRef', problem: 'not a finding: only hypotheses, results, insights and dead ends take votes' }]);
    const reason = body.reason?.trim() ? redactSecrets(body.reason.trim()) : undefined;
    const event: InboundEvent = { kind: 'vote', channel: post.channel, messageRef: post.ref, user: { ...this.operator }, value: body.value, ...(reason ? { reason } : {}) };
    this.dispatch(event, post.channel, post.threadRef ?? post.ref);
    return { ok: true };
  }

  /** Runs every handler after the request was answered; a failure becomes a reply, never a crash. */
  private dispatch(event: InboundEvent, channel: ChannelKey, threadRef: string | undefined): void {
    const reply = async (text: string): Promise<void> => {
      const view = this.store.add({ channel, threadRef, persona: SYSTEM_PERSONA, text: String(text) }, 'system', this.now().toISOString());
      this.hub.broadcast('post', view);
    };
    const run = async (): Promise<void> => {
      if (this.handlers.length === 0 && event.kind !== 'message') {
        await reply('aar is not listening yet: try again in a moment.');
        return;
      }
      for (const handler of this.handlers) {
        try {
          await handler(event, { reply });
        } catch (err) {
          this.log(`local forum: handling a ${event.kind} failed: ${describe(err)}`);
          await reply(`Sorry, that failed: ${describe(err).slice(0, 500)}`);
        }
      }
    };
    setImmediate(() => void run().catch((err: unknown) => this.log(`local forum: ${describe(err)}`)));
  }
}

function parseBody<S extends z.ZodType>(schema: S, raw: unknown): z.output<S> {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const problems = problemsOf(parsed.error);
  throw new HttpError(400, 'invalid_input', `invalid ${problems.map((p) => p.field).join(', ')}`, problems);
}

function parsePost(post: Post): Post {
  const parsed = PostSchema.safeParse(post);
  if (!parsed.success) throw new InvalidInputError('forum post', problemsOf(parsed.error));
  return parsed.data;
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
