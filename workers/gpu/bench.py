"""`npm run bench gpu`: the GPU trainer's phases at real model sizes with random weights.

    python3 workers/gpu/bench.py DATA_DIR LABELS_DIR TASK WEAK_SIZE STRONG_SIZE

Runs train.py's trusted baselines phase (weak teacher, ceiling) and one method phase (the LoRA
student, aux-conf) on the exported task with AAR_MODELS=hf-random and the named sizes (tiny,
qwen1.5-0.5b, qwen3-4b: hand-written configs, no download), and prints one JSON object: per
phase seconds per step, tokens per second, parameters, peak GPU memory and model FLOPs
utilisation. MFU counts 4 x params FLOPs per trained token (LoRA: forward and the backward pass
through activations; the frozen weights get no gradient; attention's own FLOPs left out) against
AAR_PEAK_TFLOPS, else the device's bf16 dense peak when known (H100/H200 989), else none.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
PEAK_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0}


def _peak() -> float | None:
    if os.environ.get("AAR_PEAK_TFLOPS"):
        return float(os.environ["AAR_PEAK_TFLOPS"])
    try:
        import torch

        if torch.cuda.is_available():
            name = torch.cuda.get_device_name(0)
            return next((v for k, v in PEAK_TFLOPS.items() if k in name), None)
    except ImportError:
        pass
    return None


def _run(job: dict, env: dict) -> dict:
    proc = subprocess.run([sys.executable, os.path.join(HERE, "train.py")], input=json.dumps(job) + "\n", capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise SystemExit(f"train.py failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout)


def main(argv: list) -> int:
    data_dir, labels_dir, task, weak_size, strong_size = argv
    env = {**os.environ, "AAR_MODELS": "hf-random", "AAR_RANDOM_WEAK": weak_size, "AAR_RANDOM_STRONG": strong_size,
           "AAR_DATA_DIR": data_dir, "AAR_LABELS_DIR": labels_dir, "AAR_CEILING_CACHE": "off"}
    env.setdefault("AAR_BASELINE_MIN_STEPS", "20")
    base = _run({"experimentId": "bl-bench", "task": task, "seed": 1, "phase": "baselines"}, {**env, "AAR_PHASE": "baselines"})
    method = {"name": "aux-conf", "auxConf": {"alphaMax": 0.75}, "epochs": 1}
    student = _run({"experimentId": "exp-bench-1", "task": task, "seed": 1, "method": method, "weakLabels": base["weakTrain"]}, {**env, "AAR_PHASE": "method"})
    peak = _peak()
    phases = {**base["stats"]["phases"], **student["stats"]["phases"]}
    for figures in phases.values():
        tps = figures.get("tokensPerSecond")
        figures["mfu"] = round(4 * figures["params"] * tps / (peak * 1e12), 4) if peak and tps else None
    out = {
        "task": task, "weak": weak_size, "strong": strong_size, "device": base["stats"]["models"].get("device"),
        "peakTflops": peak, "phases": phases,
        "peakGpuMemoryGiB": {"baselines": base["stats"].get("peakGpuMemoryGiB"), "method": student["stats"].get("peakGpuMemoryGiB")},
        "peakRssGiB": {"baselines": base["stats"].get("peakRssGiB"), "method": student["stats"].get("peakRssGiB")},
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
