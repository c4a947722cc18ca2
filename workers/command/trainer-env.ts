/**
 * What a trainer may inherit from the worker's environment: an allowlist, because a method phase
 * runs agent-controlled code. Anything not named here (REDIS_URL, AAR_CACHE_DIR, AAR_HOME,
 * ANTHROPIC_*, SLACK_*, cloud credentials) stays with the worker.
 */
export const TRAINER_ENV_ALLOWED: readonly (string | RegExp)[] = [
  'PATH',
  'HOME',
  'USER',
  'LANG',
  'TZ',
  'TMPDIR',
  'TERM',
  'LD_LIBRARY_PATH',
  'VIRTUAL_ENV',
  'OMP_NUM_THREADS',
  'MKL_NUM_THREADS',
  'NODE_OPTIONS',
  /^LC_[A-Z]+$/,
  /^PYTHON[A-Z_]*$/,
  /^CUDA_[A-Z_]+$/,
  /^NVIDIA_[A-Z_]+$/,
  /^TORCH_[A-Z_]+$/,
  /^HF_(HOME|HUB_OFFLINE|DATASETS_OFFLINE|HUB_CACHE)$/,
  /^TRANSFORMERS_(OFFLINE|CACHE)$/,
];

/** Names that look like credentials are refused even when a pattern above would allow them. */
const SECRET_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|API_?KEY|PRIVATE_?KEY)/i;

/** The part of `env` a trainer may see: allowlisted names that do not look like credentials. */
export function trainerEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || SECRET_NAME.test(name)) continue;
    if (TRAINER_ENV_ALLOWED.some((a) => (typeof a === 'string' ? a === name : a.test(name)))) out[name] = value;
  }
  return out;
}
