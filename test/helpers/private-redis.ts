import { createServer, connect } from 'node:net';
import type { Proc, ProcessGroup } from './processes.js';
import { waitUntil } from './processes.js';

/** A TCP port nobody listens on right now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** True when a Redis on `port` answers PING with PONG. */
export function ping(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let data = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('error', () => done(false));
    socket.on('data', (d) => {
      data += d.toString();
      if (data.includes('\r\n')) done(data.startsWith('+PONG'));
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

/**
 * A redis-server of the test's own on a free port, with no persistence: killed and started
 * again, it comes back empty. Its processes belong to `group`, so afterEach kills them.
 */
export class PrivateRedis {
  private proc?: Proc;

  private constructor(
    private readonly group: ProcessGroup,
    readonly port: number,
  ) {}

  /** Starts one on `port` (default: a free one). */
  static async start(group: ProcessGroup, port?: number): Promise<PrivateRedis> {
    const r = new PrivateRedis(group, port ?? (await freePort()));
    await r.startServer();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async startServer(): Promise<void> {
    const proc = this.group.spawn(`redis-server :${this.port}`, 'redis-server', ['--port', String(this.port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1']);
    this.proc = proc;
    await waitUntil(`redis-server on port ${this.port} answers PING`, async () => {
      if (!proc.alive()) throw new Error(`redis-server exited:\n${proc.output()}`);
      return ping(this.port);
    }, { timeoutMs: 10_000, intervalMs: 50 });
  }

  /** SIGKILL: no shutdown, no save; everything in it is gone. */
  async kill(): Promise<void> {
    await this.proc?.kill('SIGKILL');
  }
}
