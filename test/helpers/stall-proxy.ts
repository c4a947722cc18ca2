import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Client-to-server chunks held back while the proxy stalls. */
  held: Buffer[];
}

/**
 * A TCP proxy in front of Redis that can stall: while stalled, what clients send is held back
 * (replies to what already went through still arrive), so a process talking through it hangs
 * exactly where a stalled network would leave it. `stallWhen` stalls at a chosen command, for
 * example the first one that names a job. Closing either side closes the other, as a dead
 * Redis does. Test-only; every socket is closed by close().
 */
export class StallProxy {
  private readonly pairs = new Set<Pair>();
  private stalled = false;
  private trigger?: { match: (chunk: Buffer) => boolean; hold: boolean };
  private heldBytes = 0;

  private constructor(
    private readonly server: Server,
    private readonly target: { host: string; port: number },
  ) {}

  static async start(targetUrl: string): Promise<StallProxy> {
    const u = new URL(targetUrl);
    let proxy: StallProxy | undefined;
    const server = createServer((client) => proxy?.accept(client));
    proxy = new StallProxy(server, { host: u.hostname, port: Number(u.port || 6379) });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** The Redis URL to give the process under test. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Holds back everything clients send from now on. */
  stall(): void {
    this.stalled = true;
  }

  /** Stalls at the first client chunk `match` accepts: that chunk and all after it are held. */
  stallWhen(match: (chunk: Buffer) => boolean): void {
    this.trigger = { match, hold: true };
  }

  /** Stalls just after the first client chunk `match` accepts: that chunk goes through, the ones after it are held. */
  stallAfter(match: (chunk: Buffer) => boolean): void {
    this.trigger = { match, hold: false };
  }

  /** Bytes held back so far: more than 0 means a client is waiting on the stall. */
  held(): number {
    return this.heldBytes;
  }

  /** Lets what was held through, in order, and stops stalling. */
  release(): void {
    this.stalled = false;
    this.trigger = undefined;
    for (const p of this.pairs) for (const chunk of p.held.splice(0)) p.upstream.write(chunk);
    this.heldBytes = 0;
  }

  /** Drops what was held and cuts every connection (clients reconnect through the proxy, unstalled). */
  reset(): void {
    this.stalled = false;
    this.trigger = undefined;
    this.heldBytes = 0;
    for (const p of this.pairs) {
      p.held.length = 0;
      p.client.destroy();
      p.upstream.destroy();
    }
  }

  async close(): Promise<void> {
    this.reset();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    const upstream = connect(this.target);
    const pair: Pair = { client, upstream, held: [] };
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    upstream.on('data', (d: Buffer) => client.write(d));
    client.on('data', (d: Buffer) => {
      if (!this.stalled && this.trigger?.match(d)) {
        this.stalled = true;
        if (!this.trigger.hold) return void upstream.write(d);
      }
      if (this.stalled || pair.held.length) {
        pair.held.push(d);
        this.heldBytes += d.length;
        return;
      }
      upstream.write(d);
    });
  }
}
