import { spawnSync } from 'node:child_process';

/**
 * How a job that runs method code is kept off the network: `unshare -rn` starts the trainer in a
 * new user and network namespace of its own (only a loopback device, down), so no socket it opens
 * reaches Redis, the coordinator or the internet, whatever the code does. Linux only, and only
 * where unprivileged user namespaces are allowed (most distributions; not under Docker's default
 * seccomp profile or with kernel.unprivileged_userns_clone=0): elsewhere the job runs without it
 * and says so in `stats.methodIsolation`, and the guard inside the trainer (workers/gpu) and the
 * pod's NetworkPolicy (infra/k8s/gpu-worker.yaml) are what stand between the code and the network.
 */
export interface NetworkIsolation {
  /** argv prefix that runs a command without network, or [] when none is available here. */
  prefix: string[];
  /** What stats.methodIsolation.network says. */
  network: 'namespace' | 'unavailable';
}

let probed: NetworkIsolation | undefined;

/** Probes once per process (a few milliseconds): can this machine start a process with no network? */
export function networkIsolation(): NetworkIsolation {
  if (probed) return probed;
  const ok = process.platform === 'linux' && spawnSync('unshare', ['-rn', 'true'], { stdio: 'ignore', timeout: 5000 }).status === 0;
  probed = ok ? { prefix: ['unshare', '-rn', '--'], network: 'namespace' } : { prefix: [], network: 'unavailable' };
  return probed;
}
