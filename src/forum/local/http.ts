import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FieldProblem } from '../../domain/errors.js';

/** Largest request body accepted; a message is at most 40k characters, so 64 KiB is plenty. */
export const MAX_BODY_BYTES = 64 * 1024;

/** A request the server answers with an error status and a JSON body naming what was wrong. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problems: FieldProblem[] = [],
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** Headers every answer carries: no caching of live data, no sniffing, no framing by other sites. */
const BASE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
} as const;

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { ...BASE_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: err.code, message: err.message, problems: err.problems });
}

export function sendHtml(res: ServerResponse, html: string, csp: string): void {
  res.writeHead(200, {
    ...BASE_HEADERS,
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'content-security-policy': csp,
  });
  res.end(html);
}

/**
 * A PNG. `immutable` when the URL names this very content (a hash in the query), so pages
 * that redraw their messages do not fetch it again; otherwise it is not cached at all.
 */
export function sendPng(res: ServerResponse, bytes: Buffer, immutable: boolean): void {
  res.writeHead(200, {
    ...BASE_HEADERS,
    'cache-control': immutable ? 'private, max-age=31536000, immutable' : 'no-store',
    'content-type': 'image/png',
    'content-length': bytes.length,
    // Opened on its own, it is still only a picture: nothing in it may run or load.
    'content-security-policy': "default-src 'none'; sandbox",
  });
  res.end(bytes);
}

export function startEventStream(res: ServerResponse): void {
  res.writeHead(200, { ...BASE_HEADERS, 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive' });
  // Tells EventSource how soon to reconnect, and flushes the headers so the client sees "open".
  res.write('retry: 2000\n\n');
}

/**
 * The request body parsed as JSON. Refuses anything but `application/json`, which a page on
 * another site cannot send without a CORS preflight that this server never grants.
 */
export async function readJson(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<unknown> {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    throw new HttpError(415, 'unsupported_media_type', 'send the body as application/json', [{ field: 'content-type', problem: 'must be application/json' }]);
  }
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  const body = await collect(req, limit);
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'invalid_json', 'the body is not valid JSON', [{ field: '(body)', problem: 'not valid JSON' }]);
  }
}

// Reads the whole body, but keeps at most `limit` bytes: past that it drains (so the 413 still
// reaches the client on a clean connection) and gives up on a sender that will not stop.
function collect(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else if (size > limit * 16) req.destroy();
    });
    req.on('end', () => (size > limit ? reject(tooLarge(limit)) : resolve(Buffer.concat(chunks))));
    req.on('error', reject);
    req.on('close', () => reject(new HttpError(400, 'aborted', 'the request was aborted')));
  });
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'payload_too_large', `the body is larger than ${limit} bytes`, [{ field: '(body)', problem: `at most ${limit} bytes` }]);
}

/**
 * Whether the request is addressed to this server by a loopback name. Checking Host stops DNS
 * rebinding (a hostile site re-pointing its own name at 127.0.0.1); checking Origin, when a
 * browser sends one, stops other sites' pages from posting as the operator.
 */
export function sameOrigin(req: IncomingMessage, port: number): { ok: true } | { ok: false; why: string } {
  const allowed = [`127.0.0.1:${port}`, `localhost:${port}`];
  const host = req.headers.host ?? '';
  if (!allowed.includes(host.toLowerCase())) return { ok: false, why: 'the Host header is not this server' };
  const origin = req.headers.origin;
  if (origin !== undefined && !allowed.some((a) => origin.toLowerCase() === `http://${a}`)) {
    return { ok: false, why: 'requests from other sites are refused' };
  }
  return { ok: true };
}

/**
 * Refuses a request that does not carry the forum's token (`authorization: Bearer <token>`).
 * Only the person who started the forum has it (it is printed in the URL at start), so no
 * other local process can post as the operator, who is an admin.
 */
export function requireToken(req: IncomingMessage, token: string): void {
  const given = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  if (a.length === b.length && timingSafeEqual(a, b)) return;
  req.resume();
  const problem = given ? 'not this forum\'s token' : 'missing: send authorization: Bearer <token>, the token in the URL aar printed at start';
  throw new HttpError(401, 'unauthorized', 'posting needs the forum\'s token: open the link aar printed when it started', [{ field: 'authorization', problem }]);
}
