import { request } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AarError, InvalidInputError } from '../../src/domain/errors.js';
import { LocalForum, type LocalForumOptions, type LocalForumState, type StoredPost } from '../../src/forum/local/index.js';
import { PAGE_SCRIPT } from '../../src/forum/local/page.js';
import type { Card, InboundContext, InboundEvent, Post } from '../../src/forum/port.js';
import { invalidInput } from '../helpers/invalid-input.js';
import { chartImage, oversizedPng, pngBytes } from './png-fixture.js';

const OPERATOR = { id: 'U-ada', name: 'Ada' };
const AGENT = { id: 'researcher-1', name: 'researcher-1', icon: ':robot_face:' };
const CARD: Card = {
  title: 'exp-7: aux-conf on spam',
  fields: [{ label: 'PGR (public)', value: '0.71' }],
  status: 'flagged',
  buttons: [
    { action: 'veto', value: 'exp-7' },
    { action: 'approve', value: 'exp-7' },
  ],
};

const forums: LocalForum[] = [];
const streams: AbortController[] = [];
afterEach(async () => {
  for (const s of streams.splice(0)) s.abort();
  await Promise.all(forums.splice(0).map((f) => f.stop()));
});

async function started(o: Partial<LocalForumOptions> = {}): Promise<LocalForum> {
  const forum = new LocalForum({ port: 0, operator: OPERATOR, log: () => {}, ...o });
  forums.push(forum);
  await forum.start();
  return forum;
}

/** Records inbound events; each handler call can be awaited, in order. */
function inbound(forum: LocalForum, react?: (e: InboundEvent, ctx: InboundContext) => Promise<void>) {
  const events: InboundEvent[] = [];
  forum.onEvent(async (e, ctx) => {
    events.push(e);
    await react?.(e, ctx);
  });
  return { events, next: (n = 1) => vi.waitFor(() => { expect(events.length).toBeGreaterThanOrEqual(n); return events[n - 1]; }) };
}

/** POSTs as the operator's page does: JSON, with the forum's token. */
function postJson(forum: LocalForum, path: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(new URL(path, forum.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${forum.token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function state(forum: LocalForum): Promise<LocalForumState> {
  return (await (await fetch(new URL('/api/state', forum.url))).json()) as LocalForumState;
}

/** An open event stream and a way to wait for the next event (or comment) that matches. */
async function events(forum: LocalForum) {
  const ac = new AbortController();
  streams.push(ac);
  const res = await fetch(new URL('/api/events', forum.url), { signal: ac.signal });
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  const blocks: string[] = [];
  async function nextBlock(match: (block: string) => boolean): Promise<string> {
    for (;;) {
      const i = blocks.findIndex(match);
      if (i >= 0) return blocks.splice(0, i + 1)[i];
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream ended');
      buffer += value;
      const parts = buffer.split('\n\n');
      buffer = parts.pop()!;
      blocks.push(...parts);
    }
  }
  return {
    close: () => ac.abort(),
    comment: () => nextBlock((b) => b.startsWith(':')),
    async next(event: string): Promise<any> {
      const block = await nextBlock((b) => b.startsWith(`event: ${event}\n`));
      return JSON.parse(block.split('\n').find((l) => l.startsWith('data: '))!.slice(6));
    },
  };
}

const say = (text: string, extra: Partial<Post> = {}): Post => ({ channel: 'forum', persona: AGENT, text, ...extra });

describe('LocalForum: page and state', () => {
  it('serves the page with a strict CSP, listening on 127.0.0.1 only', async () => {
    const forum = await started();
    expect(forum.kind).toBe('local');
    expect(forum.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const res = await fetch(forum.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'nonce-[^']+'/);
    const html = await res.text();
    expect(html).toContain('data-testid="composer"');
    expect(() => new LocalForum({ host: '0.0.0.0' as '127.0.0.1', port: 0, operator: OPERATOR })).toThrow(/host/);
  });

  it('the page script builds the DOM from text only, and parses', () => {
    expect(PAGE_SCRIPT).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(|<\/script/i);
    expect(() => new Function(PAGE_SCRIPT)).not.toThrow();
  });

  it('lists the channels (default and custom names), posts and the panel', async () => {
    expect((await state(await started())).channels).toEqual([
      { key: 'forum', name: '#forum' },
      { key: 'results', name: '#results' },
      { key: 'audit', name: '#audit' },
    ]);
    const forum = await started({ channelNames: { forum: '#w2s-forum', results: '#w2s-results', audit: '#w2s-audit' } });
    const ref = await forum.post(say('hypothesis: more seeds'));
    forum.setPanel({ leaderboard: [{ rank: 1, task: 'spam', experiment: 'exp-7', method: 'aux-conf', agent: 'researcher-1', pgrPublic: 0.71 }], series: [] });
    const s = await state(forum);
    expect(s.channels.map((c) => c.name)).toEqual(['#w2s-forum', '#w2s-results', '#w2s-audit']);
    expect(s.operator).toEqual(OPERATOR);
    expect(s.posts).toMatchObject([{ ref, channel: 'forum', persona: AGENT, text: 'hypothesis: more seeds', author: 'agent' }]);
    expect(s.panel.leaderboard[0]).toMatchObject({ experiment: 'exp-7', pgrPublic: 0.71 });
  });
});

describe('LocalForum: posting', () => {
  it('post() returns l-<n> refs, places replies under the root, and update() replaces content in place', async () => {
    const forum = await started();
    const root = await forum.post(say('root'));
    const reply = await forum.post(say('reply', { threadRef: root }));
    // A reply to a reply joins the root's thread, in the root's channel.
    const nested = await forum.post(say('nested', { channel: 'results', threadRef: reply, card: CARD }));
    expect([root, reply, nested]).toEqual(['l-1', 'l-2', 'l-3']);
    await forum.update(nested, say('nested, vetoed', { card: { ...CARD, status: 'vetoed' } }));
    const posts = (await state(forum)).posts;
    expect(posts.map((p) => [p.ref, p.channel, p.threadRef])).toEqual([['l-1', 'forum', undefined], ['l-2', 'forum', 'l-1'], ['l-3', 'forum', 'l-1']]);
    expect(posts[2]).toMatchObject({ text: 'nested, vetoed', card: { status: 'vetoed' } });
    expect(posts[2].editedAt).toBeDefined();
  });

  it('rejects an unknown ref and an invalid post, naming the field', async () => {
    const forum = await started();
    await expect(forum.update('l-99', say('x'))).rejects.toMatchObject({ code: 'forum_unknown_ref' });
    const bad = forum.post({ ...say('x'), channel: 'general' as 'forum' });
    await expect(bad).rejects.toBeInstanceOf(InvalidInputError);
    await expect(bad).rejects.toThrow(/channel/);
    expect(() => forum.setPanel({ leaderboard: [], series: [{ task: 'spam', points: [{ at: 'yesterday', pgr: 0.3 }] }] })).toThrow(/series\.0\.points\.0\.at/);
  });

  it('streams post, update and panel events, heartbeats, and forgets a page that disconnects', async () => {
    const forum = await started({ heartbeatMs: 20 });
    const stream = await events(forum);
    expect(await stream.next('hello')).toEqual({ instance: (await state(forum)).instance });
    await vi.waitFor(() => expect(forum.liveClients).toBe(1));
    const ref = await forum.post(say('live hypothesis', { card: CARD }));
    expect(await stream.next('post')).toMatchObject({ ref, text: 'live hypothesis', persona: AGENT, author: 'agent' });
    await forum.update(ref, say('live hypothesis', { card: { ...CARD, status: 'vetoed' } }));
    expect(await stream.next('update')).toMatchObject({ ref, card: { status: 'vetoed' } });
    forum.setPanel({ leaderboard: [], series: [{ task: 'spam', points: [{ at: '2025-01-01T00:00:00Z', pgr: 0.5 }] }] });
    expect(await stream.next('panel')).toMatchObject({ version: 1, panel: { series: [{ task: 'spam' }] } });
    expect(await stream.comment()).toMatch(/^: heartbeat/);
    stream.close();
    await vi.waitFor(() => expect(forum.liveClients).toBe(0));
  });
});

describe('LocalForum: images', () => {
  it('/api/state and the post event carry the image; its URL serves the exact PNG, cacheable', async () => {
    const forum = await started();
    const stream = await events(forum);
    await stream.next('hello');
    const image = chartImage();
    const ref = await forum.post(say('Morning digest', { channel: 'results', image }));
    const view = { src: expect.stringMatching(new RegExp(`^/api/posts/${ref}/image\\?v=[0-9a-f]{16}$`)), alt: image.alt, title: image.title, width: 40, height: 24, size: pngBytes().length };
    expect(await stream.next('post')).toMatchObject({ ref, image: view });
    const [post] = (await state(forum)).posts;
    expect(post).toMatchObject({ ref, text: 'Morning digest', image: view });
    expect(JSON.stringify(post)).not.toContain(image.png.slice(0, 40)); // the bytes are not in the state

    const res = await fetch(new URL(post.image!.src, forum.url));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toMatch(/immutable/);
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'; sandbox/);
    expect(Buffer.from(await res.arrayBuffer()).equals(pngBytes())).toBe(true);
    // Any other version of the URL gets the current image, but uncached.
    expect((await fetch(new URL(`/api/posts/${ref}/image`, forum.url))).headers.get('cache-control')).toBe('no-store');

    // An edit without an image keeps it; one with an image replaces it (the URL names the new bytes).
    await forum.update(ref, say('Morning digest (edited)', { channel: 'results' }));
    expect(await stream.next('update')).toMatchObject({ ref, text: 'Morning digest (edited)', image: { src: post.image!.src } });
    const other = pngBytes(10, 10, [200, 40, 40]);
    await forum.update(ref, say('Morning digest (new chart)', { channel: 'results', image: chartImage({ png: other.toString('base64') }) }));
    const updated = (await stream.next('update')) as { image: { src: string; width: number } };
    expect(updated.image).toMatchObject({ width: 10, height: 10 });
    expect(updated.image.src).not.toBe(post.image!.src);
    expect(Buffer.from(await (await fetch(new URL(updated.image.src, forum.url))).arrayBuffer()).equals(other)).toBe(true);
  });

  it('answers 404 for a post without an image or an unknown ref, and 405 to anything but GET', async () => {
    const forum = await started();
    const ref = await forum.post(say('no image'));
    expect((await fetch(new URL(`/api/posts/${ref}/image`, forum.url))).status).toBe(404);
    expect((await fetch(new URL('/api/posts/l-99/image', forum.url))).status).toBe(404);
    expect((await fetch(new URL('/api/posts/%E0%A4%A/image', forum.url))).status).toBe(404);
    const withImage = await forum.post(say('image', { image: chartImage() }));
    expect((await postJson(forum, `/api/posts/${withImage}/image`, {})).status).toBe(405);
  });

  it('refuses an image over 2 MB, not a PNG or without alt text, naming the field', async () => {
    const forum = await started();
    const err = await forum.post(say('digest', { image: chartImage({ png: oversizedPng() }) })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as InvalidInputError).problems).toEqual([{ field: 'image.png', problem: 'the image is larger than 2097152 bytes (2 MB) decoded' }]);
    await expect(forum.post(say('digest', { image: chartImage({ alt: ' ' }) }))).rejects.toThrow(/image\.alt: must describe the image/);
    expect((await state(forum)).posts).toEqual([]);
  });

  it('serves the page with img-src limited to this server (and data: for the empty favicon)', async () => {
    const forum = await started();
    const csp = (await fetch(forum.url)).headers.get('content-security-policy')!;
    expect(csp.split('; ')).toContain("img-src 'self' data:");
    expect(csp).toMatch(/default-src 'none'/);
  });
});

describe('LocalForum: inbound from the operator', () => {
  it('a message becomes an inbound message from the operator (not a bot) and shows in the channel', async () => {
    const forum = await started();
    const got = inbound(forum);
    const res = await postJson(forum, '/api/messages', { channel: 'forum', text: 'try five seeds please' });
    expect(res.status).toBe(202);
    const { ref } = (await res.json()) as { ref: string };
    expect(await got.next()).toEqual({
      kind: 'message', channel: 'forum', messageRef: ref, user: { id: 'U-ada', name: 'Ada', isBot: false }, text: 'try five seeds please', mentionsApp: false,
    });
    expect((await state(forum)).posts).toMatchObject([{ ref, author: 'operator', persona: { id: 'U-ada', name: 'Ada' }, text: 'try five seeds please' }]);
  });

  it.each([
    ['what next, @aar?', true],
    ['aar status?', true],
    ['AAR: hello', true],
    ['an aardvark @aardvark', false],
  ])('mentionsApp for %j is %s', async (text, mentions) => {
    const forum = await started();
    const got = inbound(forum);
    await postJson(forum, '/api/messages', { channel: 'audit', text });
    expect(await got.next()).toMatchObject({ kind: 'message', channel: 'audit', text, mentionsApp: mentions });
  });

  it('/aar <command> becomes a command; the reply lands in the same thread as aar', async () => {
    const forum = await started();
    const root = await forum.post(say('hypothesis'));
    const got = inbound(forum, (e, ctx) => ctx.reply(`got ${e.kind}`));
    await postJson(forum, '/api/messages', { channel: 'forum', threadRef: root, text: '/aar veto exp-7 leaky seeds' });
    expect(await got.next()).toEqual({ kind: 'command', channel: 'forum', threadRef: root, user: { id: 'U-ada', name: 'Ada', isBot: false }, text: 'veto exp-7 leaky seeds' });
    await vi.waitFor(async () => {
      const reply = (await state(forum)).posts.find((p) => p.author === 'system');
      expect(reply).toMatchObject({ channel: 'forum', threadRef: root, text: 'got command', persona: { id: 'aar', name: 'aar', icon: ':gear:' } });
    });
  });

  it('a card button becomes an action with the card, its thread and the operator', async () => {
    const forum = await started();
    const root = await forum.post(say('hypothesis'));
    const card = await forum.post(say('result', { threadRef: root, card: CARD }));
    const got = inbound(forum);
    const res = await postJson(forum, '/api/actions', { messageRef: card, action: 'veto', value: 'exp-7' });
    expect(res.status).toBe(202);
    expect(await got.next()).toEqual({
      kind: 'action', channel: 'forum', threadRef: root, messageRef: card, user: { id: 'U-ada', name: 'Ada', isBot: false }, action: 'veto', value: 'exp-7',
    });
    // Only buttons the card shows can be pressed.
    const other = await postJson(forum, '/api/actions', { messageRef: card, action: 'approve', value: 'exp-8' });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ problems: [{ field: 'value' }] });
    const missing = await postJson(forum, '/api/actions', { messageRef: 'l-404', action: 'veto', value: 'exp-7' });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ problems: [{ field: 'messageRef' }] });
  });

  it('a failing handler is answered with a reply and the server keeps serving', async () => {
    const forum = await started();
    forum.onEvent(async () => {
      throw new Error('ledger is busy');
    });
    await postJson(forum, '/api/messages', { channel: 'results', text: '/aar status' });
    await vi.waitFor(async () => {
      expect((await state(forum)).posts.find((p) => p.author === 'system')).toMatchObject({ channel: 'results', text: expect.stringContaining('ledger is busy') });
    });
    expect((await fetch(forum.url)).status).toBe(200);
  });
});

describe('LocalForum: bad requests', () => {
  it.each<[string, string, unknown, string]>([
    ['malformed JSON', '/api/messages', '{"channel": "forum", ', '(body)'],
    ['an unknown channel', '/api/messages', { channel: 'general', text: 'hi' }, 'channel'],
    ['a missing text', '/api/messages', { channel: 'forum' }, 'text'],
    ['a blank text', '/api/messages', { channel: 'forum', text: '   ' }, 'text'],
    ['a non-string threadRef', '/api/messages', { channel: 'forum', text: 'hi', threadRef: 3 }, 'threadRef'],
    ['an unknown thread', '/api/messages', { channel: 'forum', text: 'hi', threadRef: 'l-77' }, 'threadRef'],
    ['an unknown field', '/api/messages', { channel: 'forum', text: 'hi', user: 'root' }, 'user'],
    ['an unknown action', '/api/actions', { messageRef: 'l-1', action: 'delete', value: 'exp-7' }, 'action'],
    ['a body that is not an object', '/api/actions', [1, 2], '(body)'],
  ])('%s -> 400 naming %s', async (_what, path, body, field) => {
    const forum = await started();
    const res = await postJson(forum, path, body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { problems: { field: string }[] };
    expect(answer.problems.map((p) => p.field)).toContain(field);
  });

  it('refuses bodies over 64 KiB (413), non-JSON bodies (415), unknown routes (404) and wrong methods (405)', async () => {
    const forum = await started();
    const big = await postJson(forum, '/api/messages', { channel: 'forum', text: 'x'.repeat(70 * 1024) });
    expect(big.status).toBe(413);
    const plain = await postJson(forum, '/api/messages', JSON.stringify({ channel: 'forum', text: 'hi' }), { 'content-type': 'text/plain' });
    expect(plain.status).toBe(415);
    expect((await fetch(new URL('/api/nope', forum.url))).status).toBe(404);
    expect((await fetch(new URL('/index.php', forum.url))).status).toBe(404);
    const wrong = await fetch(new URL('/api/messages', forum.url));
    expect(wrong.status).toBe(405);
    expect((await state(forum)).posts).toEqual([]);
  });

  it('refuses other sites: a foreign Origin or Host gets 403', async () => {
    const forum = await started();
    const got = inbound(forum);
    const cross = await postJson(forum, '/api/messages', { channel: 'forum', text: '/aar stop' }, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(new URL('/api/state', forum.url), { headers: { host: 'rebound.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject).end();
    });
    expect(status).toBe(403);
    expect(got.events).toEqual([]);
  });
});

describe('LocalForum: restart', () => {
  it('shows the history after a restart and never reuses a ref', async () => {
    const first = await started();
    const root = await first.post(say('hypothesis before the crash'));
    const card = await first.post(say('result', { threadRef: root, card: CARD }));
    await first.update(card, say('result', { card: { ...CARD, status: 'vetoed' } }));
    const before = (await state(first)).posts;
    await first.stop();
    // What the ledger hands back: each delivered post with its latest content.
    const history: StoredPost[] = before.map((p) => ({ ref: p.ref, at: p.at, post: { channel: p.channel, threadRef: p.threadRef, persona: p.persona, text: p.text, card: p.card } }));
    history[0].at = '2025-01-31 12:00:00';

    const second = await started({ history });
    const after = (await state(second)).posts;
    expect(after.map((p) => [p.ref, p.threadRef, p.text, p.card?.status])).toEqual([
      [root, undefined, 'hypothesis before the crash', undefined],
      [card, root, 'result', 'vetoed'],
    ]);
    expect(after[0].at).toBe(new Date('2025-01-31 12:00:00').toISOString());
    expect(await second.post(say('after the restart'))).toBe('l-3');
    await expect(second.update(card, say('result', { card: CARD }))).resolves.toBeUndefined();
  });

  it('shows an image again after a restart, and a post whose image it cannot read without it', async () => {
    const image = chartImage();
    const lines: string[] = [];
    const history: StoredPost[] = [
      { ref: 'l-1', at: '2025-01-31T08:00:00Z', post: say('Morning digest', { channel: 'results', image }) },
      { ref: 'l-2', at: '2025-01-31T08:01:00Z', post: say('Broken chart', { image: { ...image, png: 'bm90IGEgcG5n' } }) },
    ];
    const forum = await started({ history, log: (l) => lines.push(l) });
    const posts = (await state(forum)).posts;
    expect(posts.map((p) => [p.ref, p.text, p.image?.alt])).toEqual([
      ['l-1', 'Morning digest', image.alt],
      ['l-2', 'Broken chart', undefined],
    ]);
    expect(Buffer.from(await (await fetch(new URL(posts[0].image!.src, forum.url))).arrayBuffer()).toString('base64')).toBe(image.png);
    expect(lines).toEqual([expect.stringMatching(/history entry 1 is shown without its image \(post\.image\.png: is not a PNG/)]);
  });

  it('skips a history entry it cannot read, and says which', async () => {
    const lines: string[] = [];
    const good: StoredPost = { ref: 'l-4', at: '2025-01-31T12:00:00Z', post: say('kept') };
    const forum = await started({ history: [{ ref: 'l-9', at: 'x', post: say('bad date') }, good], log: (l) => lines.push(l) });
    expect((await state(forum)).posts.map((p) => p.text)).toEqual(['kept']);
    expect(lines).toEqual([expect.stringMatching(/history entry 0 .*at:/)]);
    expect(await forum.post(say('next'))).toBe('l-10');
  });

  it('fails at start with a clear message when the port is taken', async () => {
    const first = await started();
    const port = Number(new URL(first.url).port);
    const second = new LocalForum({ port, operator: OPERATOR });
    const err = await second.start().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AarError);
    expect(err).toMatchObject({ code: 'forum_port_in_use', message: expect.stringContaining(String(port)) });
  });
});

describe('LocalForum: only the person who started it can post', () => {
  it('start() returns the URL with its token; posting without it, or with another, is 401 naming authorization', async () => {
    const forum = new LocalForum({ port: 0, operator: OPERATOR, log: () => {} });
    forums.push(forum);
    const got = inbound(forum);
    const { url } = await forum.start();
    expect(url).toBe(`${forum.url}#token=${forum.token}`);
    expect(forum.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    for (const headers of [{ authorization: '' }, { authorization: 'Bearer not-the-token' }, { authorization: forum.token }]) {
      for (const [path, body] of [['/api/messages', { channel: 'forum', text: '/aar stop' }], ['/api/actions', { messageRef: 'l-1', action: 'veto', value: 'e1' }]] as const) {
        const res = await postJson(forum, path, body, headers);
        expect(res.status).toBe(401);
        expect(await res.json()).toMatchObject({ error: 'unauthorized', problems: [{ field: 'authorization' }] });
      }
    }
    // Reading needs no token; nothing was posted or handled.
    expect((await state(forum)).posts).toEqual([]);
    expect(got.events).toEqual([]);
    expect((await postJson(forum, '/api/messages', { channel: 'forum', text: 'hello' })).status).toBe(202);
  });

  it('takes a fixed token (AAR_FORUM_TOKEN) and refuses a malformed one by name', async () => {
    const forum = await started({ token: 'a'.repeat(40) });
    expect(forum.token).toBe('a'.repeat(40));
    expect(() => new LocalForum({ port: 0, operator: OPERATOR, token: 'short' })).toThrow(InvalidInputError);
    const e = invalidInput(() => new LocalForum({ port: 0, operator: OPERATOR, token: 'has spaces in it, which no URL fragment keeps' }));
    expect(e.problems.map((p) => p.field)).toEqual(['token']);
  });

  it("shows and passes on a token the operator pasted only redacted", async () => {
    const forum = await started();
    const got = inbound(forum);
    await postJson(forum, '/api/messages', { channel: 'forum', text: 'the key is sk-ant-api03-abcdefghijklmnop, keep it safe' });
    const e = await got.next();
    expect(e).toMatchObject({ kind: 'message', text: 'the key is [redacted], keep it safe' });
    expect((await state(forum)).posts.map((p) => p.text)).toEqual(['the key is [redacted], keep it safe']);
  });

  it('tells open pages it has stopped (a bye event) before closing their streams', async () => {
    const forum = await started();
    const stream = await events(forum);
    await stream.next('hello');
    const stopping = forum.stop();
    expect(await stream.next('bye')).toEqual({ reason: 'stopped', reopen: 'aar forum' });
    await stopping;
  });
});
