import type { ServerResponse } from 'node:http';
import { startEventStream } from './http.js';

/** The events the page listens for. */
export type SseEvent = 'hello' | 'post' | 'update' | 'panel' | 'bye';

/**
 * The open Server-Sent Events streams. Each broadcast goes to every page; a comment line every
 * `heartbeatMs` keeps proxies and idle timeouts from closing a quiet stream and lets a dead
 * one be noticed (the write fails and the stream is dropped).
 */
export class SseHub {
  private readonly clients = new Set<ServerResponse>();
  private timer?: NodeJS.Timeout;

  constructor(private readonly heartbeatMs: number) {}

  get size(): number {
    return this.clients.size;
  }

  /** Adopts a stream; `hello` is its first event (before any broadcast reaches it). */
  add(res: ServerResponse, hello: unknown): void {
    startEventStream(res);
    res.write(frame('hello', hello));
    this.clients.add(res);
    const drop = (): void => {
      this.clients.delete(res);
    };
    res.on('close', drop);
    res.on('error', drop);
    this.timer ??= setInterval(() => this.heartbeat(), this.heartbeatMs);
    this.timer.unref();
  }

  broadcast(event: SseEvent, data: unknown): void {
    this.write(frame(event, data));
  }

  closeAll(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private heartbeat(): void {
    if (this.clients.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    this.write(': heartbeat\n\n');
  }

  private write(chunk: string): void {
    for (const res of this.clients) {
      if (res.destroyed || res.writableEnded) this.clients.delete(res);
      else res.write(chunk);
    }
  }
}

// JSON.stringify escapes newlines, so the payload is always one `data:` line.
function frame(event: SseEvent, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}
