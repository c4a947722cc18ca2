import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ReplayGuard } from '../../src/forum/slack/replay-guard.js';
import { sendSigned } from '../helpers/fake-slack.js';

const SECRET = 'guard-secret-0123456789';
let server: Server | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
});

/** A server whose requests go through the guard; `passed` lists the bodies that reached the app behind it. */
async function guarded(o: { now: () => number; capacity?: number }) {
  const passed: string[] = [];
  const warnings: string[] = [];
  const guard = new ReplayGuard({ signingSecret: SECRET, path: '/slack/events', now: o.now, capacity: o.capacity, warn: (l) => warnings.push(l) });
  server = createServer(
    guard.wrap((req, res) => {
      passed.push(String((req as { rawBody?: Buffer }).rawBody));
      res.writeHead(200).end();
    }),
  );
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server!.address() as AddressInfo).port}/slack/events`;
  return { guard, passed, warnings, url };
}

describe('ReplayGuard', () => {
  it('hands the body it read to the app, and forgets a signature once it could no longer be valid', async () => {
    let now = Date.now();
    const { guard, passed, url } = await guarded({ now: () => now });
    const ts = Math.floor(now / 1000);
    expect((await sendSigned(url, SECRET, '{"a":1}', { timestamp: ts })).status).toBe(200);
    expect(passed).toEqual(['{"a":1}']);
    expect(guard.size).toBe(1);
    expect((await sendSigned(url, SECRET, '{"a":1}', { timestamp: ts })).status).toBe(401);
    now += 6 * 60_000;
    // The first signature is stale now, so it is forgotten (the signature check refuses it anyway).
    expect((await sendSigned(url, SECRET, '{"b":2}', { timestamp: Math.floor(now / 1000) })).status).toBe(200);
    expect(guard.size).toBe(1);
    expect((await sendSigned(url, SECRET, '{"a":1}', { timestamp: ts })).status).toBe(401);
  });

  it('remembers at most `capacity` signatures', async () => {
    const { guard, url } = await guarded({ now: Date.now, capacity: 3 });
    for (let i = 0; i < 5; i++) expect((await sendSigned(url, SECRET, `{"n":${i}}`)).status).toBe(200);
    expect(guard.size).toBe(3);
  });

  it('lets other paths and methods through untouched', async () => {
    const { passed, url } = await guarded({ now: Date.now });
    const res = await fetch(url.replace('/slack/events', '/other'), { method: 'POST', body: 'x' });
    expect(res.status).toBe(200);
    expect(passed).toEqual(['undefined']);
  });
});
