import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/** A channel the fake workspace has. */
export interface FakeChannel {
  id: string;
  name: string;
  is_private?: boolean;
  /** Whether the app is in it (default true). */
  is_member?: boolean;
}

export interface FakeUser {
  name: string;
  real_name?: string;
  display_name?: string;
  is_bot?: boolean;
}

export interface FakeSlackOptions {
  botToken?: string;
  appToken?: string;
  channels?: FakeChannel[];
  bot?: { userId: string; botId: string; name: string };
  users?: Record<string, FakeUser>;
  /** conversations.list page size, to exercise pagination. */
  pageSize?: number;
  /** Send Socket Mode's `hello` as soon as a client connects (default true). */
  hello?: boolean;
}

/**
 * A file shared by files.completeUploadExternal, joined with what came before it: the bytes
 * posted to its upload_url and the alt text given to files.getUploadURLExternal.
 */
export interface SharedFile {
  fileId: string;
  channel: string;
  threadTs?: string;
  /** `initial_comment`, as sent (Slack-escaped). */
  comment?: string;
  title?: string;
  filename: string;
  alt?: string;
  bytes: Buffer;
  /** The ts of the message the share made (which completeUploadExternal does not answer with). */
  ts: string;
}

/** One Web API call as the fake received it; `params` are the decoded form (JSON values parsed). */
export interface RecordedCall {
  method: string;
  params: Record<string, unknown>;
  /** The bearer token the call carried. */
  token?: string;
}

export const DEFAULT_CHANNELS: FakeChannel[] = [
  { id: 'C0FORUM', name: 'aar-forum' },
  { id: 'C0RESULTS', name: 'aar-results' },
  { id: 'C0AUDIT', name: 'aar-audit' },
  { id: 'C0OTHER', name: 'random' },
];

type Answer = { status: number; headers?: Record<string, string>; body: unknown };

/** A message the fake workspace holds (what chat.postMessage stored), as conversations.history shows it. */
export interface StoredMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text: string;
  username?: string;
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
}

/**
 * What happens to a call after Slack has accepted it: `hold` never answers (until close), `drop`
 * closes the connection without an answer, `delay` answers after `ms`. The message is stored
 * either way, as Slack would have it.
 */
export type AfterAccept = { kind: 'hold' } | { kind: 'drop' } | { kind: 'delay'; ms: number };

/**
 * A local Slack Web API on 127.0.0.1 that records every call: auth.test, conversations.list,
 * users.info, chat.postMessage, chat.update, apps.connections.open (whose URL leads to a
 * local Socket Mode websocket server) and the external file upload: files.getUploadURLExternal
 * answers with an upload_url on this server, where the bytes are POSTed (recorded as method
 * `upload`, params `{ file_id, bytes, contentType }`), then files.completeUploadExternal shares
 * them. It also takes response_url posts at /respond/<id> (and refuses them at /expired/<id>),
 * and chat.postEphemeral.
 */
export class FakeSlack {
  readonly calls: RecordedCall[] = [];
  /** Bodies posted to response URLs (slash command replies), by URL id. */
  readonly responses: { id: string; body: Record<string, unknown> }[] = [];
  /** Bodies posted to expired response URLs (deadResponseUrl), by URL id. */
  readonly deadResponses: { id: string; body: Record<string, unknown> }[] = [];
  /** Messages clients sent over the websocket (acks), parsed. */
  readonly socketMessages: Record<string, unknown>[] = [];
  readonly botToken: string;
  readonly appToken: string;
  readonly bot: { userId: string; botId: string; name: string };
  channels: FakeChannel[];
  private readonly users: Record<string, FakeUser>;
  private readonly scripted = new Map<string, Answer[]>();
  private readonly sockets = new Set<WebSocket>();
  private readonly waiters: (() => void)[] = [];
  private readonly wss: WebSocketServer;
  private seq = 100;
  private port = 0;
  private fileSeq = 0;
  private readonly files = new Map<string, { filename: string; length: number; alt?: string; bytes?: Buffer }>();
  /** Files shared into channels and threads, in order. */
  readonly shared: SharedFile[] = [];
  /** Every message chat.postMessage stored, in order: count these to find doubles. */
  readonly messages: StoredMessage[] = [];
  private readonly afterAccept = new Map<string, AfterAccept[]>();
  private readonly held = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    private readonly o: FakeSlackOptions,
  ) {
    this.botToken = o.botToken ?? 'xoxb-fake-bot-token';
    this.appToken = o.appToken ?? 'xapp-fake-app-token';
    this.bot = o.bot ?? { userId: 'UBOT', botId: 'BBOT', name: 'aar' };
    this.channels = o.channels ?? DEFAULT_CHANNELS.map((c) => ({ ...c }));
    this.users = o.users ?? {};
    this.wss = new WebSocketServer({ server, path: '/socket' });
    this.wss.on('connection', (ws) => {
      this.sockets.add(ws);
      ws.on('close', () => this.sockets.delete(ws));
      ws.on('message', (data) => {
        try {
          this.socketMessages.push(JSON.parse(String(data)) as Record<string, unknown>);
        } catch {
          this.socketMessages.push({ unparsed: String(data) });
        }
        this.wake();
      });
      if (this.o.hello !== false) ws.send(JSON.stringify({ type: 'hello', num_connections: 1, connection_info: { app_id: 'A0APP' } }));
      this.wake();
    });
  }

  static async start(o: FakeSlackOptions = {}): Promise<FakeSlack> {
    let fake: FakeSlack | undefined;
    const server = createServer((req, res) => {
      void fake?.handle(req, res);
    });
    fake = new FakeSlack(server, o);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  /** The base URL to give the WebClient as slackApiUrl. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/socket`;
  }

  /** A response_url for a slash command or action payload. */
  responseUrl(id: string): string {
    return `http://127.0.0.1:${this.port}/respond/${id}`;
  }

  /** A response_url that has expired: posts to it are recorded in `deadResponses` and answered 404 `expired_url`, as Slack does. */
  deadResponseUrl(id: string): string {
    return `http://127.0.0.1:${this.port}/expired/${id}`;
  }

  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** The URL files.getUploadURLExternal hands out for a file. */
  uploadUrl(fileId: string): string {
    return `http://127.0.0.1:${this.port}/upload/${fileId}`;
  }

  /** Answers the next `n` calls to `method` (`upload` for the upload URL) with 429 and `Retry-After: retryAfterSec`. */
  rateLimitNext(method: string, n: number, retryAfterSec: number): void {
    this.script(method, n, { status: 429, headers: { 'retry-after': String(retryAfterSec) }, body: { ok: false, error: 'ratelimited' } });
  }

  /** Answers the next `n` calls to `method` with an HTTP error status (a 5xx outage): nothing is stored. */
  httpErrorNext(method: string, n: number, status: number): void {
    this.script(method, n, { status, body: { ok: false, error: 'fatal_error' } });
  }

  /** The next call to `method` is accepted (and stored) and then held, dropped or answered late. */
  acceptThen(method: string, what: AfterAccept): void {
    this.afterAccept.set(method, [...(this.afterAccept.get(method) ?? []), what]);
  }

  /** Calls held open by `acceptThen(..., { kind: 'hold' })`. */
  get heldCount(): number {
    return this.held.size;
  }

  /** Answers the next `n` calls to `method` with a Slack platform error. */
  failNext(method: string, n: number, error: string, extra: Record<string, unknown> = {}): void {
    this.script(method, n, { status: 200, body: { ok: false, error, ...extra } });
  }

  private script(method: string, n: number, a: Answer): void {
    const list = this.scripted.get(method) ?? [];
    for (let i = 0; i < n; i++) list.push(a);
    this.scripted.set(method, list);
  }

  /** Resolves when `check` returns something other than undefined (re-checked on every call, response and socket message). */
  async until<T>(check: () => T | undefined, timeoutMs = 5_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = check();
      if (v !== undefined) return v;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`fake Slack: timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for a call to `method` matching `match`. */
  waitForCall(method: string, match: (c: RecordedCall) => boolean = () => true, timeoutMs?: number): Promise<RecordedCall> {
    return this.until(() => this.calls.find((c) => c.method === method && match(c)), timeoutMs, `a ${method} call`);
  }

  /** Sends one Socket Mode frame to every connected client. */
  sendSocket(frame: Record<string, unknown>): void {
    const text = JSON.stringify(frame);
    for (const ws of this.sockets) ws.send(text);
  }

  get socketCount(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    for (const res of this.held) res.destroy();
    this.held.clear();
    for (const ws of this.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/respond/')) {
      this.responses.push({ id: url.pathname.slice('/respond/'.length), body: safeJson(raw) });
      res.writeHead(200).end('ok');
      this.wake();
      return;
    }
    if (url.pathname.startsWith('/expired/')) {
      this.deadResponses.push({ id: url.pathname.slice('/expired/'.length), body: safeJson(raw) });
      res.writeHead(404, { 'content-type': 'text/plain' }).end('expired_url');
      this.wake();
      return;
    }
    if (url.pathname.startsWith('/upload/')) {
      const auth = String(req.headers.authorization ?? '');
      await this.upload(url.pathname.slice('/upload/'.length), Buffer.concat(chunks), String(req.headers['content-type'] ?? ''), auth.startsWith('Bearer ') ? auth.slice(7) : undefined, res);
      this.wake();
      return;
    }
    if (!url.pathname.startsWith('/api/')) {
      res.writeHead(404).end();
      return;
    }
    const method = url.pathname.slice('/api/'.length);
    const params = parseParams(raw, String(req.headers['content-type'] ?? ''));
    const auth = String(req.headers.authorization ?? '');
    const token = auth.startsWith('Bearer ') ? auth.slice(7) : typeof params.token === 'string' ? params.token : undefined;
    this.calls.push({ method, params, token });
    const answer = this.scripted.get(method)?.shift() ?? this.answer(method, params, token);
    const after = answer.status === 200 ? this.afterAccept.get(method)?.shift() : undefined;
    this.wake();
    if (after?.kind === 'hold') {
      this.held.add(res);
      return;
    }
    if (after?.kind === 'drop') {
      res.destroy();
      return;
    }
    if (after?.kind === 'delay') await new Promise((r) => setTimeout(r, after.ms));
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(JSON.stringify(answer.body));
    this.wake();
  }

  // The upload URL takes the file as raw bytes or as the one file in a multipart form, as Slack's does.
  private async upload(fileId: string, body: Buffer, contentType: string, token: string | undefined, res: ServerResponse): Promise<void> {
    let bytes = body;
    if (contentType.startsWith('multipart/form-data')) {
      const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
      const file = [...form.values()].find((v): v is File => typeof v !== 'string');
      bytes = file ? Buffer.from(await file.arrayBuffer()) : Buffer.alloc(0);
    }
    this.calls.push({ method: 'upload', params: { file_id: fileId, bytes, contentType }, token });
    const scripted = this.scripted.get('upload')?.shift();
    const file = this.files.get(fileId);
    if (scripted) {
      res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers }).end(JSON.stringify(scripted.body));
    } else if (!file) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('no such upload');
    } else {
      file.bytes = bytes;
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`OK - ${bytes.length}`);
    }
  }

  private answer(method: string, params: Record<string, unknown>, token: string | undefined): Answer {
    const ok = (body: Record<string, unknown>): Answer => ({ status: 200, body: { ok: true, ...body } });
    const fail = (error: string): Answer => ({ status: 200, body: { ok: false, error } });
    if (method === 'apps.connections.open') {
      if (token !== this.appToken) return fail(token?.startsWith('xoxb-') ? 'not_allowed_token_type' : 'invalid_auth');
      return ok({ url: this.wsUrl });
    }
    if (token !== this.botToken) return fail(token ? 'invalid_auth' : 'not_authed');
    const channel = this.channels.find((c) => c.id === params.channel);
    switch (method) {
      case 'auth.test':
        return ok({ url: 'https://fake.slack.test/', team: 'Fake', user: this.bot.name, team_id: 'T0FAKE', user_id: this.bot.userId, bot_id: this.bot.botId });
      case 'conversations.list': {
        const types = String(params.types ?? 'public_channel').split(',');
        const visible = this.channels.filter((c) => types.includes(c.is_private ? 'private_channel' : 'public_channel'));
        const size = this.o.pageSize ?? 1000;
        const start = Number(params.cursor ?? 0);
        const page = visible.slice(start, start + size);
        const next = start + size < visible.length ? String(start + size) : '';
        return ok({
          channels: page.map((c) => ({ id: c.id, name: c.name, is_private: c.is_private ?? false, is_member: c.is_member ?? true })),
          response_metadata: { next_cursor: next },
        });
      }
      case 'users.info': {
        const u = this.users[String(params.user)];
        if (!u) return fail('user_not_found');
        return ok({ user: { id: params.user, name: u.name, real_name: u.real_name, is_bot: u.is_bot ?? false, profile: { display_name: u.display_name ?? '', real_name: u.real_name } } });
      }
      case 'chat.postMessage': {
        if (!channel) return fail('channel_not_found');
        const ts = this.ts();
        const metadata = params.metadata as StoredMessage['metadata'] | undefined;
        this.messages.push({ channel: channel.id, ts, thread_ts: params.thread_ts as string | undefined, text: String(params.text ?? ''), username: params.username as string | undefined, metadata });
        return ok({ channel: channel.id, ts, message: { text: params.text, ts, thread_ts: params.thread_ts } });
      }
      case 'chat.postEphemeral':
        if (!channel) return fail('channel_not_found');
        if (typeof params.user !== 'string' || params.user === '') return fail('user_not_in_channel');
        return ok({ message_ts: this.ts() });
      case 'conversations.history':
      case 'conversations.replies': {
        if (!channel) return fail('channel_not_found');
        // Metadata only when asked for, as Slack does; newest first; `oldest` is exclusive.
        const all = params.include_all_metadata === true || params.include_all_metadata === 'true';
        const oldest = Number(params.oldest ?? 0);
        const inThread = (m: StoredMessage) => m.ts === params.ts || m.thread_ts === params.ts;
        const list = this.messages
          .filter((m) => m.channel === channel.id && Number(m.ts) > oldest && (method === 'conversations.replies' ? inThread(m) : !m.thread_ts))
          .map((m) => ({ type: 'message', ts: m.ts, text: m.text, ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}), ...(all && m.metadata ? { metadata: m.metadata } : {}) }));
        if (method === 'conversations.history') list.reverse();
        return ok({ messages: list, has_more: false, response_metadata: { next_cursor: '' } });
      }
      case 'chat.update':
        if (!channel) return fail('channel_not_found');
        return ok({ channel: channel.id, ts: params.ts, text: params.text });
      case 'files.getUploadURLExternal': {
        const length = Number(params.length);
        if (typeof params.filename !== 'string' || params.filename === '' || !Number.isInteger(length) || length <= 0) return fail('invalid_arguments');
        this.fileSeq += 1;
        const fileId = `F0FILE${String(this.fileSeq).padStart(4, '0')}`;
        this.files.set(fileId, { filename: params.filename, length, alt: typeof params.alt_txt === 'string' ? params.alt_txt : undefined });
        return ok({ upload_url: this.uploadUrl(fileId), file_id: fileId });
      }
      case 'files.completeUploadExternal':
        return this.complete(params);
      default:
        return fail('unknown_method');
    }
  }

  private complete(params: Record<string, unknown>): Answer {
    const fail = (error: string): Answer => ({ status: 200, body: { ok: false, error } });
    const list = Array.isArray(params.files) ? (params.files as { id?: unknown; title?: unknown }[]) : undefined;
    if (!list?.length) return fail('invalid_arguments');
    const channelId = typeof params.channel_id === 'string' ? params.channel_id : undefined;
    if (channelId !== undefined && !this.channels.some((c) => c.id === channelId)) return fail('channel_not_found');
    const found = list.map((f) => ({ id: String(f.id), title: typeof f.title === 'string' ? f.title : undefined, file: this.files.get(String(f.id)) }));
    if (found.some((f) => !f.file?.bytes)) return fail('file_not_found');
    if (found.some((f) => f.file!.bytes!.length !== f.file!.length)) return fail('file_upload_size_mismatch');
    const ts = channelId ? this.ts() : '';
    for (const f of found) {
      if (!channelId) continue;
      this.shared.push({
        fileId: f.id,
        channel: channelId,
        threadTs: typeof params.thread_ts === 'string' ? params.thread_ts : undefined,
        comment: typeof params.initial_comment === 'string' ? params.initial_comment : undefined,
        title: f.title,
        filename: f.file!.filename,
        alt: f.file!.alt,
        bytes: f.file!.bytes!,
        ts,
      });
    }
    // Like Slack's own answer: the files, but no message ts; shares are filled in
    // asynchronously there and are often missing here, so nothing may rely on them.
    return {
      status: 200,
      body: { ok: true, files: found.map((f) => ({ id: f.id, title: f.title ?? f.file!.filename, name: f.file!.filename, mimetype: 'image/png', size: f.file!.length })) },
    };
  }

  // Like Slack's: seconds since the epoch now, made unique and increasing by the counter.
  private ts(): string {
    this.seq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.seq).padStart(6, '0')}`;
  }
}

function safeJson(raw: string): Record<string, unknown> {
  try {
    return JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return { raw };
  }
}

function parseParams(raw: string, contentType: string): Record<string, unknown> {
  if (contentType.includes('application/json')) return safeJson(raw);
  const out: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    // The WebClient sends arrays and objects (blocks) as JSON strings inside the form.
    out[k] = /^[[{]/.test(v) ? (safeJsonValue(v) ?? v) : v;
  }
  return out;
}

function safeJsonValue(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return undefined;
  }
}

/** Slack's v0 request signature: HMAC-SHA256 of `v0:${timestamp}:${body}` with the signing secret. */
export function slackSignature(secret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

export interface SignedOptions {
  contentType?: string;
  /** Seconds since the epoch; default now. */
  timestamp?: number;
  /** Overrides the computed signature (to send a bad one). */
  signature?: string;
}

/** POSTs `body` to a Bolt HTTP endpoint, signed as Slack signs it. */
export async function sendSigned(url: string, secret: string, body: string, o: SignedOptions = {}): Promise<{ status: number; text: string }> {
  const timestamp = o.timestamp ?? Math.floor(Date.now() / 1000);
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': o.contentType ?? 'application/json',
      'x-slack-request-timestamp': String(timestamp),
      'x-slack-signature': o.signature ?? slackSignature(secret, timestamp, body),
    },
    body,
  });
  return { status: res.status, text: await res.text() };
}

let eventSeq = 0;

/** An Events API `event_callback` body around one event. */
export function eventCallback(event: Record<string, unknown>): Record<string, unknown> {
  eventSeq += 1;
  return {
    token: 'legacy-verification-token',
    team_id: 'T0FAKE',
    api_app_id: 'A0APP',
    event,
    type: 'event_callback',
    event_id: `Ev${String(eventSeq).padStart(8, '0')}`,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: 'T0FAKE', user_id: 'UBOT', is_bot: true, is_enterprise_install: false }],
  };
}

/** A form-encoded body (slash commands; interactivity as `payload=<json>`). */
export function formBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}

export const FORM = 'application/x-www-form-urlencoded';
