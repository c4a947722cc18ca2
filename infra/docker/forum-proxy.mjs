// A TCP relay for the local web forum in a container. The forum listens on 127.0.0.1 only
// (src/forum/local), which a published port cannot reach. In infra/compose.yaml this relay
// owns the network namespace that the coordinator joins (network_mode "service:forum-proxy",
// so a coordinator restart does not cut the relay off) and forwards LISTEN_PORT on every
// interface to 127.0.0.1:TARGET_PORT. Bytes pass unchanged, so the forum's own Host/Origin
// checks still apply: publish it on the host as 127.0.0.1:7420, the same port as
// AAR_FORUM_PORT, and open http://127.0.0.1:7420/.
// Usage: node forum-proxy.mjs   (env LISTEN_PORT=7421 TARGET_PORT=7420 TARGET_HOST=127.0.0.1)
import { connect, createServer } from 'node:net';
import { pathToFileURL } from 'node:url';

/** Starts the relay; resolves with the server once it listens. */
export function startForumProxy({ listenPort = 7421, listenHost = '0.0.0.0', targetPort = 7420, targetHost = '127.0.0.1' } = {}) {
  const server = createServer((client) => {
    const upstream = connect(targetPort, targetHost);
    client.pipe(upstream).pipe(client);
    // The forum restarting (or not up yet) ends this connection only; the relay stays up.
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, listenHost, () => resolve(server));
  });
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const port = (name, fallback) => {
    const v = Number(process.env[name] ?? fallback);
    if (!Number.isInteger(v) || v < 0 || v > 65535) throw new Error(`${name}: "${process.env[name]}" is not a port (0..65535)`);
    return v;
  };
  const options = { listenPort: port('LISTEN_PORT', 7421), targetPort: port('TARGET_PORT', 7420), targetHost: process.env.TARGET_HOST ?? '127.0.0.1' };
  await startForumProxy(options);
  console.log(`forum-proxy: 0.0.0.0:${options.listenPort} -> ${options.targetHost}:${options.targetPort}`);
  // Open event streams would keep close() waiting forever: a relay has nothing to flush.
  process.once('SIGTERM', () => process.exit(0));
  process.once('SIGINT', () => process.exit(0));
}
