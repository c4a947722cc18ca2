#!/usr/bin/env bash
# Makes the Python environment the trainer's tests (and a local command-runner worker) use:
# a virtualenv at $AAR_VENV (default .venv-gpu in the repository) with requirements.txt.
# Does nothing when that environment already imports torch and transformers. Prints its path.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
venv=${AAR_VENV:-$root/.venv-gpu}
if "$venv/bin/python" -c 'import torch, transformers' >/dev/null 2>&1; then echo "$venv"; exit 0; fi
echo "setup-venv: creating $venv with workers/gpu/requirements.txt (torch, transformers; a few minutes the first time)" >&2
python3 -m venv "$venv"
# Few retries: where the public index is unreachable, pip falls through to configured local
# mirrors quickly. Its retry warnings are noise then: its output is shown only if it fails.
log=$(mktemp)
if ! "$venv/bin/pip" install -q --disable-pip-version-check --retries 1 --timeout 30 -r "$root/workers/gpu/requirements.txt" >"$log" 2>&1; then
  cat "$log" >&2; rm -f "$log"
  echo "setup-venv: pip could not install workers/gpu/requirements.txt into $venv (see above)" >&2
  exit 1
fi
rm -f "$log"
"$venv/bin/python" -c 'import torch, transformers; print(f"setup-venv: torch {torch.__version__}, transformers {transformers.__version__}")' >&2
echo "$venv"
