import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { HTTPModuleFunctions, verifySlackRequest } from '@slack/bolt';

/** How old a signed request may be: Slack's (and Bolt's) validity window. */
export const MAX_AGE_S = 5 * 60;
/** How far in the future a timestamp may be: clocks drift a little, not by minutes. */
export const FUTURE_SKEW_S = 30;

export interface ReplayGuardOptions {
  signingSecret: string;
  /** The path Slack posts to (the only one checked; Bolt answers every other as it would). */
  path: string;
  /** The largest body read (Bolt's default, 4 MB). */
  bodyLimit?: number;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  /** Most signatures remembered at once; past it the oldest are forgotten first. */
  capacity?: number;
  warn: (line: string) => void;
}

type Buffered = IncomingMessage & { rawBody?: Buffer };

/**
 * Stands in front of Bolt's HTTP receiver. Bolt verifies a request's signature and refuses
 * stale timestamps, but it accepts the same signed request as often as it arrives within its
 * five minutes, and timestamps from the future. This guard verifies the signature itself
 * (so only genuine requests are remembered), refuses timestamps beyond a small skew ahead,
 * and refuses a signature it has seen while that signature is still valid: a replayed
 * request gets 401 and never reaches the app. The body it read is handed to Bolt, which
 * reads a buffered request as it is.
 */
export class ReplayGuard {
  // Signature -> when it stops being valid (ms); insertion order is expiry order, near enough.
  private readonly seen = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly o: ReplayGuardOptions) {
    this.now = o.now ?? Date.now;
  }

  /** Wraps Bolt's request listener: signed POSTs go through the checks first; anything else passes as it is. */
  wrap(next: RequestListener): RequestListener {
    return (req, res) => {
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (req.method !== 'POST' || path !== this.o.path) return next(req, res);
      this.check(req as Buffered, res).then(
        (ok) => {
          if (ok) next(req, res);
        },
        (err: unknown) => {
          this.o.warn(`could not read a request: ${err instanceof Error ? err.message : String(err)}`);
          refuse(res, 400);
        },
      );
    };
  }

  private async check(req: Buffered, res: ServerResponse): Promise<boolean> {
    let body: Buffer;
    try {
      body = (await HTTPModuleFunctions.bufferIncomingMessage(req, this.o.bodyLimit ?? HTTPModuleFunctions.defaultBodyLimit)).rawBody;
    } catch (err) {
      if (HTTPModuleFunctions.isRawBodyError(err) && (err as { statusCode?: number }).statusCode === 413) return refuse(res, 413);
      throw err;
    }
    const signature = req.headers['x-slack-signature'];
    // Unsigned (Slack's ssl_check, or a forgery): Bolt answers it as it always has.
    if (typeof signature !== 'string') return true;
    const timestamp = Number(req.headers['x-slack-request-timestamp']);
    const now = this.now();
    try {
      verifySlackRequest({ signingSecret: this.o.signingSecret, body: body.toString(), headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp }, nowMilliseconds: now });
    } catch (err) {
      this.o.warn(`refused a request: ${(err as Error).message}`);
      return refuse(res, 401);
    }
    if (timestamp * 1000 > now + FUTURE_SKEW_S * 1000) {
      this.o.warn(`refused a request stamped ${Math.round(timestamp - now / 1000)} s in the future (at most ${FUTURE_SKEW_S} s is accepted)`);
      return refuse(res, 401);
    }
    this.forgetExpired(now);
    if (this.seen.has(signature)) {
      this.o.warn('refused a replayed request: its signature was already used');
      return refuse(res, 401);
    }
    this.seen.set(signature, (timestamp + MAX_AGE_S + FUTURE_SKEW_S) * 1000);
    while (this.seen.size > (this.o.capacity ?? 50_000)) this.seen.delete(this.seen.keys().next().value!);
    return true;
  }

  private forgetExpired(now: number): void {
    for (const [signature, until] of this.seen) {
      if (until > now) break;
      this.seen.delete(signature);
    }
  }

  /** How many signatures are remembered (for tests and diagnostics). */
  get size(): number {
    return this.seen.size;
  }
}

function refuse(res: ServerResponse, status: number): false {
  if (!res.headersSent) res.writeHead(status);
  res.end();
  return false;
}
