"""Smoke test of the Hugging Face path, for a machine with a GPU and transformers:

    python3 workers/gpu/hf_smoke.py                      # tiny random Qwen2, no weights, no network
    python3 workers/gpu/hf_smoke.py --model PATH_OR_ID   # also load a real local checkpoint (repeatable)

Checks, on cuda when available: a randomly initialised Qwen2 (transformers' own modelling code)
gets LoRA on q_proj/v_proj, only LoRA, embeddings and head train, zero-initialised B leaves the
features unchanged, a few steps lower the loss, merged LoRA matches unmerged; then train.py runs
end to end on a synthetic task and must print a valid result, once with AAR_MODELS=hf-random and
once with tiny Qwen2 checkpoint folders written here (from_pretrained, tokenizer, bf16 on cuda). With
--model, each checkpoint is loaded (local files only unless AAR_ALLOW_DOWNLOAD=1) and trained for
a few LoRA steps. The last stdout line is a JSON summary; exit 0 means every check passed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
if sys.path and os.path.abspath(sys.path[0] or ".") == HERE:
    sys.path[0] = ROOT
elif ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import torch  # noqa: E402

from workers.gpu import hf  # noqa: E402
from workers.gpu.lora import lora_modules, merge_lora, unmerge_lora  # noqa: E402
from workers.gpu.losses import soft_cross_entropy  # noqa: E402
from workers.gpu.models import build_classifier, config_from_env  # noqa: E402
from workers.gpu.synthetic import NEGATIVE, NEUTRAL, POSITIVE, write_task  # noqa: E402

TEXTS = ["good great fine day", "bad awful sad day", "happy kind warm film", "rude cold dark film"] * 4
LABELS = torch.tensor([1, 0, 1, 0] * 4)


def check(cond: bool, what: str) -> None:
    print(("ok    " if cond else "FAIL  ") + what, file=sys.stderr, flush=True)
    if not cond:
        raise SystemExit(1)


def train_steps(model, steps: int, lr: float) -> list:
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=lr)
    targets = torch.nn.functional.one_hot(LABELS, 2).float().to(model.device)
    losses = []
    model.train()
    for _ in range(steps):
        loss = soft_cross_entropy(model(model.encode(TEXTS)), targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
    return losses


def random_qwen(device: str) -> dict:
    config = config_from_env({"AAR_MODELS": "hf-random", "AAR_DEVICE": device})
    model = build_classifier(config, "strong", 2, None, seed=0)
    trainable = sorted({n.split(".")[-1] if "lora_" in n else n for n, p in model.named_parameters() if p.requires_grad})
    check(len(lora_modules(model)) == 4, "LoRA wraps q_proj and v_proj in both layers")
    check(all(t in ("lora_A", "lora_B") or t.startswith(("head.", "backbone.model.embed_tokens")) for t in trainable),
          f"only LoRA, embeddings and head train: {trainable}")
    model.eval()
    plain = hf.random_backbone("strong", device, seed=0).eval()  # the same weights, without LoRA
    with torch.no_grad():
        batch = model.encode(TEXTS[:4])
        check(torch.equal(model.backbone(batch), plain(batch)), "LoRA with zero B leaves the features unchanged")
    del plain
    losses = train_steps(model, 30, 3e-3)
    check(losses[-1] < losses[0], f"loss falls over 30 steps: {losses[0]:.4f} -> {losses[-1]:.4f}")
    model.eval()
    with torch.no_grad():
        before = model(batch)
        merge_lora(model)
        after = model(batch)
        unmerge_lora(model)
    tol = 5e-2 if device.startswith("cuda") else 1e-4  # bf16 weights on the GPU
    check(torch.allclose(before, after, atol=tol, rtol=tol), f"merged LoRA matches unmerged (max diff {float((before - after).abs().max()):.2e})")
    return {"firstLoss": losses[0], "lastLoss": losses[-1]}


def trainer_end_to_end(device: str, models: dict, what: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="aar-hf-smoke-") as data:
        gold = write_task(data, "toy", labeled=64, unlabeled=96, test=32)
        if models.get("AAR_MODELS") == "hf":  # checkpoint folders, loaded the way real ones are
            corpus = [" ".join(words) for words in (POSITIVE, NEGATIVE, NEUTRAL)] * 4
            models = {**models, "AAR_WEAK_MODEL": hf.write_tiny_checkpoint(os.path.join(data, "weak"), corpus, 32, 1),
                      "AAR_STRONG_MODEL": hf.write_tiny_checkpoint(os.path.join(data, "strong"), corpus, 64, 2, seed=1)}
        spec = {"experimentId": "exp-hf-smoke", "task": "toy", "seed": 0,
                "method": {"labels": "soft", "labelSmoothing": 0, "auxConf": {"alphaMax": 0.5}, "earlyStopping": {"patience": 2}}}
        env = {**os.environ, "AAR_DATA_DIR": data, "AAR_DEVICE": device, "AAR_CEILING_CACHE": "off", **models}
        started = time.time()
        proc = subprocess.run([sys.executable, os.path.join(HERE, "train.py")], input=json.dumps(spec), capture_output=True, text=True, env=env, timeout=900)
        if proc.returncode != 0:
            print(proc.stderr[-4000:], file=sys.stderr)
        check(proc.returncode == 0, f"train.py with {what} exits 0 (exit {proc.returncode})")
        result = json.loads(proc.stdout)
        ids = list(gold)
        check(all(result[w]["ids"] == ids for w in ("student", "weak", "ceiling")), f"{what}: result lists every test id in order")
        check(proc.stderr.count("AAR_PROGRESS ") > 5, f"{what}: progress lines on stderr")
        return {"seconds": round(time.time() - started, 1), "stats": result["stats"]}


def real_model(name: str, device: str) -> dict:
    started = time.time()
    config = config_from_env({**os.environ, "AAR_MODELS": "hf", "AAR_DEVICE": device, "AAR_WEAK_MODEL": name})
    model = build_classifier(config, "weak", 2, None, seed=0)
    loaded = time.time() - started
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    total = sum(p.numel() for p in model.parameters())
    losses = train_steps(model, 5, 1e-4)
    check(all(l == l for l in losses), f"{name}: 5 LoRA steps give finite losses {['%.4f' % l for l in losses]}")
    peak = torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else 0.0
    del model
    return {"model": name, "loadSeconds": round(loaded, 1), "trainable": trainable, "parameters": total, "peakGiB": round(peak, 2)}


def main(argv: list) -> int:
    models = [argv[i + 1] for i, a in enumerate(argv) if a == "--model" and i + 1 < len(argv)]
    device = os.environ.get("AAR_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        import transformers
    except ImportError:
        print("hf_smoke.py needs transformers (4.51 or later for Qwen3): pip install 'transformers>=4.51'", file=sys.stderr)
        return 1

    summary = {"device": device, "torch": torch.__version__, "transformers": transformers.__version__,
               "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
    print(f"hf smoke on {summary}", file=sys.stderr, flush=True)
    summary["randomQwen2"] = random_qwen(device)
    summary["trainer"] = trainer_end_to_end(device, {"AAR_MODELS": "hf-random"}, "a random Qwen2 (AAR_MODELS=hf-random)")
    summary["checkpointFolders"] = trainer_end_to_end(device, {"AAR_MODELS": "hf"}, "Qwen2 checkpoint folders (AAR_MODELS=hf)")
    summary["models"] = [real_model(m, device) for m in models]
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
