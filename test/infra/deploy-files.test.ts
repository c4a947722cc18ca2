import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { main } from '../../src/cli.js';
import { WORKER_USAGE } from '../../src/cli/commands/worker.js';
import { loadCampaignFile, parseCampaign } from '../../src/campaign/campaign-file.js';
import { loadConfig } from '../../src/config/env.js';
import { startForumProxy } from '../../infra/docker/forum-proxy.mjs';

// The deployment files cannot be run here (no Docker, no cluster): these tests read them and
// check what would otherwise only fail on a real deployment: wiring (Redis, Secret, GPU),
// graceful shutdown, and that every command they run is a real `aar` command and flag.

const ROOT = resolve(import.meta.dirname, '../..');
const INFRA = join(ROOT, 'infra');
const K8S = join(INFRA, 'k8s');
const read = (path: string) => readFileSync(path, 'utf8');

// The env vars that are credentials: never a literal value in a manifest.
const SECRET_VARS = ['ANTHROPIC_API_KEY', 'SLACK_BOT_TOKEN', 'SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET'];
// Strings that look like real credentials (Anthropic keys, Slack tokens with a body).
const CREDENTIAL_RE = /sk-ant-[A-Za-z0-9_-]{8,}|xox[abpr]-\d|xapp-\d/;

// How long `aar worker` lets running jobs finish on SIGTERM before handing them back, as its
// usage documents its default ("default 30 s"), unless a file sets AAR_SHUTDOWN_GRACE_MS; a
// stop grace must outlast it with a margin for closing.
const DRAIN_S = Number(/default (\d+) s\)/.exec(WORKER_USAGE)?.[1]);
const CLOSE_MARGIN_S = 30;

type Obj = Record<string, any>;

/** `${VAR:-default}` as compose resolves it with VAR unset. */
const interpolate = (v: string) => v.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_m, _name, def) => def ?? '');

/** compose durations such as "1m30s", "60s", "90". */
function seconds(duration: string | number): number {
  if (typeof duration === 'number') return duration;
  const parts = [...duration.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)?/g)];
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 };
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * unit[u ?? 's'], 0);
}

function capture(): { stream: Writable; text: () => string } {
  let text = '';
  return {
    stream: new Writable({
      write(chunk, _enc, cb) {
        text += String(chunk);
        cb();
      },
    }),
    text: () => text,
  };
}

/** Checks argv is a real aar command whose every --flag its usage lists; returns the usage. */
async function expectAarCommand(argv: string[], where: string): Promise<string> {
  const out = capture();
  const err = capture();
  const code = await main([argv[0], '--help'], out.stream, err.stream);
  expect(code, `${where}: "aar ${argv.join(' ')}": ${err.text()}`).toBe(0);
  const usage = out.text();
  expect(usage, where).toMatch(new RegExp(`^aar ${argv[0]}\\b`));
  for (const flag of argv.filter((a) => a.startsWith('--'))) {
    expect(usage, `${where}: ${flag} is not a flag of aar ${argv[0]}`).toMatch(new RegExp(`${flag}\\b`));
  }
  return usage;
}

describe('deployment files: compose', () => {
  const text = read(join(INFRA, 'compose.yaml'));
  const compose = parse(text, { merge: true }) as Obj;
  const services = compose.services as Record<string, Obj>;
  const aarServices = ['coordinator', 'worker', 'gpu-worker'];

  it('has redis, one coordinator, workers and a gpu-profile GPU worker', () => {
    expect(Object.keys(services)).toEqual(expect.arrayContaining(['redis', ...aarServices]));
    expect(services.redis.image).toMatch(/^redis:7/);
    expect(services.redis.healthcheck.test).toEqual(['CMD', 'redis-cli', 'ping']);
    expect(services.redis.command).toEqual(expect.arrayContaining(['--maxmemory-policy', 'noeviction']));
    expect(services['gpu-worker'].profiles).toEqual(['gpu']);
    // The coordinator owns the ledger: it is never replicated.
    expect(services.coordinator.deploy?.replicas ?? 1).toBe(1);
    expect(interpolate(String(services.worker.deploy.replicas))).toBe('2');
    expect(services.worker.deploy.replicas).toMatch(/^\$\{WORKERS:-\d+\}$/);
  });

  it('gives every coordinator and worker REDIS_URL pointing at the redis service', () => {
    for (const name of aarServices) {
      const url = new URL(interpolate(String(services[name].environment.REDIS_URL)));
      expect(url.protocol, name).toBe('redis:');
      expect(url.hostname, name).toBe('redis');
      expect(url.port || '6379', name).toBe('6379');
      expect(services[name].depends_on.redis.condition, name).toBe('service_healthy');
    }
  });

  it('gives every aar service settings that aar accepts', () => {
    for (const name of aarServices) {
      const env = Object.fromEntries(
        Object.entries(services[name].environment as Obj)
          .filter(([, v]) => v !== null)
          .map(([k, v]) => [k, interpolate(String(v))]),
      );
      expect(() => loadConfig(env), name).not.toThrow();
    }
  });

  it('reserves an NVIDIA GPU for the GPU worker, built from Dockerfile.gpu', () => {
    const gpu = services['gpu-worker'];
    expect(gpu.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 1, capabilities: ['gpu'] }]);
    expect(gpu.build.dockerfile).toBe('infra/docker/Dockerfile.gpu');
    expect(gpu.command).toEqual(['worker', '--runner', 'command']);
  });

  it('builds from the repository root with Dockerfiles that exist', () => {
    for (const [name, s] of Object.entries(services)) {
      if (!s.build) continue;
      expect(resolve(INFRA, s.build.context), name).toBe(ROOT);
      expect(existsSync(join(ROOT, s.build.dockerfile)), `${name}: ${s.build.dockerfile}`).toBe(true);
    }
  });

  it('keeps everything git ignores (node_modules, .venv-gpu, local state) out of the build context', () => {
    const entries = (file: string) => read(join(ROOT, file)).split('\n').map((l) => l.trim().replace(/\/$/, '')).filter((l) => l && !l.startsWith('#'));
    expect(entries('.dockerignore')).toEqual(expect.arrayContaining(entries('.gitignore')));
  });

  it('publishes ports on 127.0.0.1 only, the forum on 7420 with AAR_FORUM_PORT 7420', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const port of (s.ports ?? []) as string[]) expect(port, name).toMatch(/^127\.0\.0\.1:/);
    }
    // The forum checks Host against its own port, so the host side must be the same port.
    expect(services['forum-proxy'].ports).toEqual(['127.0.0.1:7420:7421']);
    expect(services['forum-proxy'].environment).toMatchObject({ LISTEN_PORT: '7421', TARGET_PORT: '7420' });
    expect(services.coordinator.network_mode).toBe('service:forum-proxy');
    expect(services.coordinator.environment.AAR_FORUM_PORT).toBe('7420');
  });

  it('takes credentials from the env file, never from literals', () => {
    expect(services.coordinator.env_file).toEqual([{ path: '../.env', required: false }]);
    for (const [name, s] of Object.entries(services)) {
      for (const key of Object.keys(s.environment ?? {})) expect(SECRET_VARS, `${name}: ${key}`).not.toContain(key);
    }
    // Workers get no credentials at all.
    expect(services.worker.env_file).toBeUndefined();
    expect(services['gpu-worker'].env_file).toBeUndefined();
    expect(text).not.toMatch(CREDENTIAL_RE);
  });

  it('gives workers a stop grace longer than their drain on SIGTERM', () => {
    expect(DRAIN_S).toBeGreaterThan(0);
    for (const name of ['worker', 'gpu-worker']) {
      expect(services[name].stop_signal ?? 'SIGTERM', name).toBe('SIGTERM');
      const drain = services[name].environment?.AAR_SHUTDOWN_GRACE_MS ? Number(interpolate(String(services[name].environment.AAR_SHUTDOWN_GRACE_MS))) / 1000 : DRAIN_S;
      expect(seconds(services[name].stop_grace_period), name).toBeGreaterThanOrEqual(drain + CLOSE_MARGIN_S);
    }
    expect(seconds(services.coordinator.stop_grace_period)).toBeGreaterThanOrEqual(30);
  });

  it('mounts volumes that are declared, and a campaign that parses', () => {
    for (const [name, s] of Object.entries(services)) {
      for (const v of (s.volumes ?? []) as string[]) {
        const source = interpolate(v).split(':')[0];
        if (source.startsWith('.') || source.startsWith('/')) continue;
        expect(Object.keys(compose.volumes), `${name}: ${v}`).toContain(source);
      }
    }
    const [campaignDir] = (services.coordinator.volumes as string[]).filter((v) => v.endsWith(':/campaigns:ro')).map((v) => v.split(':')[0]);
    const configPath = interpolate(services.coordinator.command[services.coordinator.command.indexOf('--config') + 1]);
    expect(configPath.startsWith('/campaigns/')).toBe(true);
    const file = resolve(INFRA, campaignDir, configPath.slice('/campaigns/'.length));
    expect(loadCampaignFile(file).name).toBe('nightly');
  });

  it('runs real aar commands', async () => {
    for (const [name, s] of Object.entries(services)) {
      if (!s.command || s.image?.startsWith('redis') || s.entrypoint) continue;
      await expectAarCommand((s.command as string[]).map(interpolate), `compose ${name}`);
    }
    const usage = await expectAarCommand(services['gpu-worker'].command, 'compose gpu-worker');
    expect(usage).toContain('w2s|command');
  });
});

describe('deployment files: kubernetes', () => {
  const kustomization = parse(read(join(K8S, 'kustomization.yaml'))) as Obj;
  const files = kustomization.resources as string[];
  const docs: Obj[] = files.flatMap((f) =>
    parseAllDocuments(read(join(K8S, f))).map((d) => {
      expect(d.errors, f).toEqual([]);
      return { ...(d.toJS() as Obj), file: f };
    }),
  );
  const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
  const named = (kind: string, name: string) => {
    const doc = docs.find((d) => d.kind === kind && d.metadata.name === name);
    expect(doc, `${kind}/${name}`).toBeDefined();
    return doc as Obj;
  };
  const workloads = docs.filter((d) => ['Deployment', 'StatefulSet'].includes(d.kind));
  // Containers running the aar images (not Redis).
  const aarContainers = workloads.flatMap((w) =>
    (w.spec.template.spec.containers as Obj[]).filter((c) => /^aar(-gpu)?(:|$)/.test(c.image)).map((c) => ({ workload: w, container: c })),
  );
  const configMap = named('ConfigMap', 'aar-config');
  const grace = (name: string) => named('Deployment', name).spec.template.spec.terminationGracePeriodSeconds as number;

  /** A container's environment as Kubernetes builds it: envFrom ConfigMaps, then env values. */
  function envOf(c: Obj): Record<string, string> {
    const env: Record<string, string> = {};
    for (const from of (c.envFrom ?? []) as Obj[]) {
      expect(from.secretRef, 'credentials come per key, never a whole Secret').toBeUndefined();
      Object.assign(env, named('ConfigMap', from.configMapRef.name).data);
    }
    for (const e of (c.env ?? []) as Obj[]) if (e.value !== undefined) env[e.name] = e.value;
    return env;
  }

  it('lists every manifest in kustomization.yaml except the example secret, none namespaced', () => {
    const yamls = readdirSync(K8S).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml');
    expect([...files].sort()).toEqual(yamls.filter((f) => f !== 'secret.example.yaml').sort());
    expect(kustomization.namespace).toBeUndefined();
    for (const d of docs) {
      expect(d.apiVersion, d.file).toBeTruthy();
      expect(d.metadata.name, d.file).toMatch(/^aar-[a-z0-9-]+$/);
      expect(d.metadata.namespace, `${d.file}: ${d.metadata.name}`).toBeUndefined();
    }
    for (const w of workloads) {
      const labels = w.spec.template.metadata.labels;
      expect(labels, w.metadata.name).toMatchObject(w.spec.selector.matchLabels);
    }
  });

  it('gives every aar container REDIS_URL pointing at the Redis Service', () => {
    const redis = named('StatefulSet', 'aar-redis');
    expect(redis.spec.template.spec.containers[0].image).toMatch(/^redis:7/);
    expect(redis.spec.volumeClaimTemplates[0].spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(aarContainers.map((a) => a.workload.metadata.name).sort()).toEqual(['aar-coordinator', 'aar-gpu-worker', 'aar-worker']);
    for (const { workload, container } of aarContainers) {
      const url = new URL(envOf(container).REDIS_URL);
      const service = named('Service', url.hostname);
      expect(redis.spec.template.metadata.labels, workload.metadata.name).toMatchObject(service.spec.selector);
      expect(service.spec.ports.map((p: Obj) => String(p.port)), workload.metadata.name).toContain(url.port || '6379');
    }
  });

  it('keeps non-secret settings in a ConfigMap that aar accepts', () => {
    expect(Object.keys(configMap.data)).toEqual(expect.arrayContaining(['REDIS_URL', 'AAR_QUEUE', 'AAR_JOB_TIMEOUT_MS', 'AAR_STALLED_INTERVAL_MS']));
    for (const [k, v] of Object.entries(configMap.data)) expect(typeof v, k).toBe('string');
    for (const { workload, container } of aarContainers) {
      expect(() => loadConfig(envOf(container)), workload.metadata.name).not.toThrow();
    }
  });

  it('runs one coordinator with the Recreate strategy and its ledger on a PVC', () => {
    const c = named('Deployment', 'aar-coordinator');
    expect(c.spec.replicas).toBe(1);
    expect(c.spec.strategy.type).toBe('Recreate');
    const spec = c.spec.template.spec;
    const home = spec.volumes.find((v: Obj) => v.persistentVolumeClaim);
    const pvc = named('PersistentVolumeClaim', home.persistentVolumeClaim.claimName);
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    const mount = spec.containers[0].volumeMounts.find((m: Obj) => m.name === home.name);
    expect(mount.mountPath).toBe(envOf(spec.containers[0]).AAR_HOME);
  });

  it('runs the campaign from its ConfigMap, a copy of infra/campaigns/nightly.yaml', () => {
    const spec = named('Deployment', 'aar-coordinator').spec.template.spec;
    const args = spec.containers[0].args as string[];
    const config = args[args.indexOf('--config') + 1];
    const mount = spec.containers[0].volumeMounts.find((m: Obj) => config.startsWith(`${m.mountPath}/`));
    const volume = spec.volumes.find((v: Obj) => v.name === mount.name);
    const campaign = named('ConfigMap', volume.configMap.name);
    const text = campaign.data[config.slice(mount.mountPath.length + 1)];
    expect(parseCampaign(parse(text))).toEqual(loadCampaignFile(join(INFRA, 'campaigns', 'nightly.yaml')));
  });

  it('requests one NVIDIA GPU per GPU worker, on GPU nodes', () => {
    const spec = named('Deployment', 'aar-gpu-worker').spec.template.spec;
    const c = spec.containers[0];
    expect(c.image).toMatch(/^aar-gpu(:|$)/);
    expect(c.resources.limits['nvidia.com/gpu']).toBe(1);
    expect(c.resources.requests?.['nvidia.com/gpu'] ?? 1).toBe(1);
    expect(spec.tolerations).toContainEqual(expect.objectContaining({ key: 'nvidia.com/gpu', effect: 'NoSchedule' }));
    expect(Object.keys(spec.nodeSelector).length).toBeGreaterThan(0);
    // CPU workers do not take GPUs.
    expect(named('Deployment', 'aar-worker').spec.template.spec.containers[0].resources.limits?.['nvidia.com/gpu']).toBeUndefined();
  });

  it('gives the GPU workers, where agent-written Python runs, no API token, a read-only image and egress to Redis only', () => {
    const spec = named('Deployment', 'aar-gpu-worker').spec.template.spec;
    expect(spec.automountServiceAccountToken).toBe(false);
    const c = spec.containers[0];
    expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    // What the trainer writes has a volume: caches and temporary files.
    const env = Object.fromEntries((c.env as Obj[]).map((e) => [e.name, e.value]));
    const mounts = (c.volumeMounts as Obj[]).map((m) => m.mountPath as string);
    for (const dir of [env.XDG_CACHE_HOME, env.TMPDIR, '/tmp']) expect(mounts.some((m) => dir === m || dir.startsWith(`${m}/`)), dir).toBe(true);
    const policy = named('NetworkPolicy', 'aar-gpu-worker-egress').spec;
    expect(policy.podSelector.matchLabels).toEqual(named('Deployment', 'aar-gpu-worker').spec.selector.matchLabels);
    expect(policy.policyTypes).toEqual(['Egress']);
    const redis = policy.egress.find((e: Obj) => e.to);
    expect(redis.to[0].podSelector.matchLabels).toEqual(named('StatefulSet', 'aar-redis').spec.selector.matchLabels);
    expect(redis.ports).toEqual([{ port: 6379, protocol: 'TCP' }]);
    expect(policy.egress.filter((e: Obj) => !e.to).flatMap((e: Obj) => e.ports.map((p: Obj) => p.port))).toEqual([53, 53]);
  });

  it('takes credentials only from the aar-secrets Secret, and only in the coordinator', () => {
    expect(byKind('Secret')).toEqual([]);
    for (const d of docs) expect(JSON.stringify(d), d.file).not.toMatch(CREDENTIAL_RE);
    for (const key of SECRET_VARS) expect(Object.keys(configMap.data)).not.toContain(key);
    for (const { workload, container } of aarContainers) {
      const secretEnv = ((container.env ?? []) as Obj[]).filter((e) => SECRET_VARS.includes(e.name));
      for (const e of secretEnv) {
        expect(e.value, `${workload.metadata.name}: ${e.name}`).toBeUndefined();
        expect(e.valueFrom.secretKeyRef, `${workload.metadata.name}: ${e.name}`).toMatchObject({ name: 'aar-secrets', key: e.name });
      }
      if (workload.metadata.name === 'aar-coordinator') expect(secretEnv.map((e) => e.name).sort()).toEqual([...SECRET_VARS].sort());
      else expect(secretEnv, workload.metadata.name).toEqual([]);
    }
  });

  it('has an example Secret with placeholders only', () => {
    const [secret, ...rest] = parseAllDocuments(read(join(K8S, 'secret.example.yaml'))).map((d) => d.toJS() as Obj);
    expect(rest).toEqual([]);
    expect(secret).toMatchObject({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'aar-secrets' } });
    expect(Object.keys(secret.stringData).sort()).toEqual(['ANTHROPIC_API_KEY', 'SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN']);
    for (const [k, v] of Object.entries(secret.stringData as Record<string, string>)) expect(v, k).toMatch(/^(xoxb-|xapp-)?REPLACE_ME$/);
    expect(secret.data).toBeUndefined();
  });

  it('gives workers a termination grace longer than their drain, the job timeout being longer', () => {
    const jobTimeoutS = Number(configMap.data.AAR_JOB_TIMEOUT_MS) / 1000;
    // The worker hands a job back after DRAIN_S, so waiting for a whole job (jobTimeoutS)
    // would only delay the pod's end: the minimum is the drain plus a closing margin.
    const drain = configMap.data.AAR_SHUTDOWN_GRACE_MS ? Number(configMap.data.AAR_SHUTDOWN_GRACE_MS) / 1000 : DRAIN_S;
    const minimum = Math.min(jobTimeoutS, drain) + CLOSE_MARGIN_S;
    for (const name of ['aar-worker', 'aar-gpu-worker']) expect(grace(name), name).toBeGreaterThanOrEqual(minimum);
    expect(grace('aar-coordinator')).toBeGreaterThanOrEqual(30);
  });

  it('runs aar as a non-root user', () => {
    for (const { workload, container } of aarContainers) {
      const pod = workload.spec.template.spec.securityContext;
      expect(pod.runAsNonRoot, workload.metadata.name).toBe(true);
      expect(pod.runAsUser, workload.metadata.name).not.toBe(0);
      expect(container.securityContext.allowPrivilegeEscalation, workload.metadata.name).toBe(false);
    }
  });

  it('runs real aar commands', async () => {
    for (const { workload, container } of aarContainers) {
      expect(container.command, `${workload.metadata.name}: keep the image's entrypoint`).toBeUndefined();
      await expectAarCommand(container.args, `k8s ${workload.metadata.name}`);
    }
  });
});

describe('deployment files: images', () => {
  /** A Dockerfile's instructions (continuation lines joined), and those of its last stage (the runtime). */
  function dockerfile(path: string): { all: string; instructions: [string, string][]; stage: [string, string][] } {
    const all = read(path);
    const lines = all.replace(/\\\n/g, ' ').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    const instructions = lines.map((l) => {
      const [, op, rest] = /^(\w+)\s+(.*)$/.exec(l) ?? [];
      return [op.toUpperCase(), rest] as [string, string];
    });
    const lastFrom = instructions.map(([op]) => op).lastIndexOf('FROM');
    return { all, instructions, stage: instructions.slice(lastFrom) };
  }
  const last = (stage: [string, string][], op: string) => stage.filter(([o]) => o === op).at(-1)?.[1];

  for (const [file, cmd] of [
    ['Dockerfile', ['worker']],
    ['Dockerfile.gpu', ['worker', '--runner', 'command']],
  ] as const) {
    it(`${file}: runs dist/src/cli.js as a non-root user, stops on SIGTERM, state in /data`, async () => {
      const { all, instructions, stage } = dockerfile(join(INFRA, 'docker', file));
      const entrypoint = JSON.parse(last(stage, 'ENTRYPOINT') ?? 'null') as string[];
      expect(entrypoint.slice(-2)).toEqual(['node', 'dist/src/cli.js']);
      expect(JSON.parse(last(stage, 'CMD') ?? 'null')).toEqual(cmd);
      expect(last(stage, 'STOPSIGNAL')).toBe('SIGTERM');
      const user = last(stage, 'USER');
      expect(user).toBeTruthy();
      expect(user).not.toMatch(/^(root|0)(:|$)/);
      expect(last(stage, 'VOLUME')).toBe('["/data"]');
      expect(stage.some(([op, rest]) => op === 'ENV' && /AAR_HOME=\/data/.test(rest))).toBe(true);
      expect(stage.some(([op, rest]) => op === 'ENV' && /NODE_OPTIONS=--no-node-snapshot/.test(rest))).toBe(true);
      expect(all).not.toMatch(/apt-get install[^\n]*chromium/);
      // A multi-stage build: native modules and TypeScript are built, dev dependencies pruned.
      expect(all).toMatch(/npm ci/);
      expect(all).toMatch(/npm run build/);
      expect(all).toMatch(/npm prune --omit=dev/);
      // Every file copied from the build context exists.
      for (const [op, rest] of instructions) {
        if (op !== 'COPY' || rest.startsWith('--from')) continue;
        const sources = rest.split(/\s+/).filter((a) => !a.startsWith('--')).slice(0, -1);
        for (const source of sources) expect(existsSync(join(ROOT, source)), `${file}: COPY ${source}`).toBe(true);
      }
      await expectAarCommand(cmd as unknown as string[], file);
    });
  }

  it('Dockerfile is based on node:20-bookworm-slim', () => {
    expect(read(join(INFRA, 'docker', 'Dockerfile'))).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
  });

  it('Dockerfile.gpu defaults AAR_TRAINER to the Python trainer it ships', () => {
    const { stage } = dockerfile(join(INFRA, 'docker', 'Dockerfile.gpu'));
    const env = stage.filter(([op]) => op === 'ENV').map(([, rest]) => rest).join(' ');
    const trainer = /AAR_TRAINER="([^"]+)"/.exec(env)?.[1];
    expect(trainer).toBe('python3 /app/workers/gpu/train.py');
    expect(existsSync(join(ROOT, 'workers', 'gpu', 'train.py'))).toBe(true);
    expect(last(stage, 'WORKDIR')).toBe('/app');
    expect(stage).toContainEqual(['COPY', 'workers/gpu ./workers/gpu']);
    expect(env).toMatch(/AAR_DATA_DIR=\/data\/w2s/);
  });
});

describe('deployment files: the forum relay', () => {
  const servers: { close: () => unknown }[] = [];
  afterEach(() => {
    for (const s of servers.splice(0)) s.close();
  });
  const listen = (server: Server) => new Promise<number>((r) => server.listen(0, '127.0.0.1', () => r((server.address() as AddressInfo).port)));

  it('relays to a 127.0.0.1-only server with the Host header unchanged, and outlives its restarts', async () => {
    let seen: IncomingHttpHeaders | undefined;
    const forum = createServer((req, res) => {
      seen = req.headers;
      res.end('forum');
    });
    const forumPort = await listen(forum);
    const relay = await startForumProxy({ listenPort: 0, listenHost: '127.0.0.1', targetPort: forumPort });
    servers.push(relay);
    const relayPort = (relay.address() as AddressInfo).port;

    const res = await fetch(`http://127.0.0.1:${relayPort}/`);
    expect(await res.text()).toBe('forum');
    expect(seen?.host).toBe(`127.0.0.1:${relayPort}`);

    // The forum down: this request fails, the relay stays up for the next one.
    forum.closeAllConnections();
    await new Promise((r) => forum.close(r));
    await expect(fetch(`http://127.0.0.1:${relayPort}/`)).rejects.toThrow();
    const again = createServer((_req, res) => res.end('back'));
    await new Promise<void>((r) => again.listen(forumPort, '127.0.0.1', () => r()));
    servers.push(again);
    expect(await (await fetch(`http://127.0.0.1:${relayPort}/`)).text()).toBe('back');
  });
});
