"""Entry point for `aar worker --runner command`: python3 workers/gpu/train.py [--tiny]

Reads one job spec on stdin, trains the weak teacher on gold, labels the unlabeled items,
fine-tunes the strong student (LoRA) on those weak labels as the method says, trains (or reads
a cached) strong ceiling on gold, and prints predictions for every test item as one JSON object
on stdout. Progress goes to stderr as AAR_PROGRESS lines; exit 2 means invalid input (never
retried). See README.md in this folder and workers/command/README.md for the contract.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# Run as a script, this folder would shadow top-level modules named data, models...: import it as a package instead.
if sys.path and os.path.abspath(sys.path[0] or ".") == HERE:
    sys.path[0] = ROOT
elif ROOT not in sys.path:
    sys.path.insert(0, ROOT)

EXIT_INVALID_INPUT = 2
VALIDATION_SHARE = 0.2
CACHE_VERSION = 1


def main(argv: list) -> int:
    # Libraries that print (from Python or native code) would corrupt the result: file
    # descriptor 1 becomes stderr, and only the result is written to the original stdout.
    sys.stdout.flush()
    result_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    try:
        import torch  # noqa: F401
    except ImportError:
        return _invalid(f"PyTorch is not installed for {sys.executable}: apt-get install python3-torch (Debian) or pip install torch")
    from workers.gpu.errors import InvalidInput

    try:
        result = _run(argv)
    except InvalidInput as e:
        return _invalid(str(e))
    json.dump(result, result_out, separators=(",", ":"))
    result_out.write("\n")
    result_out.flush()
    return 0


def _invalid(message: str) -> int:
    print(f"aar-gpu: invalid input, not retrying: {message}", file=sys.stderr, flush=True)
    return EXIT_INVALID_INPUT


def _run(argv: list) -> dict:
    import torch

    from workers.gpu.data import load_task
    from workers.gpu.errors import InvalidInput
    from workers.gpu.losses import base_targets, keep_most_confident
    from workers.gpu.models import build_classifier, config_from_env, describe
    from workers.gpu.spec import plan_from_method, read_spec
    from workers.gpu.training import FitConfig, Progress, fit, predict_proba

    extra = [a for a in argv if a != "--tiny"]
    if extra:
        raise InvalidInput(f"unknown argument {extra[0]!r}; usage: train.py [--tiny]")
    spec = read_spec(sys.stdin.read())
    plan = plan_from_method(spec.method)
    data_dir = os.environ.get("AAR_DATA_DIR")
    if not data_dir:
        raise InvalidInput("AAR_DATA_DIR is not set: it must point at the folder holding <task>/train_labeled.jsonl etc.")
    config = config_from_env(dict(os.environ), tiny="--tiny" in argv)
    if config.factory == "hf":
        from workers.gpu.hf import check_available

        for name in (config.weak, config.strong):
            check_available(name, config.allow_download)
    data = load_task(data_dir, spec.task)
    k, seed, d = data.classes, spec.seed, config.defaults
    started = time.time()
    progress = Progress(sys.stderr)
    log = lambda msg: print(f"aar-gpu: {msg}", file=sys.stderr, flush=True)  # noqa: E731
    log(f"job {spec.experiment_id} seed {seed}: task {spec.task}, {k} classes, {len(data.labeled)} gold, "
        f"{len(data.unlabeled)} unlabeled, {len(data.test)} test; models {describe(config)}")
    progress.emit(0.0, "data loaded")
    gold = torch.nn.functional.one_hot(torch.tensor(data.labeled.labels), k).float()
    defaults_fit = FitConfig(epochs=d.epochs, lr=d.lr, batch_size=d.batch_size)

    # 1. Weak teacher on gold; its probabilities on the unlabeled items are the weak labels.
    weak = build_classifier(config, "weak", k, None, seed * 4)
    weak_fit = fit(weak, data.labeled.texts, gold, defaults_fit, seed * 4, progress.phase("weak", 0.0, 0.25))
    weak_unlabeled = predict_proba(weak, data.unlabeled.texts, d.batch_size)
    weak_test = predict_proba(weak, data.test.texts, d.batch_size).argmax(dim=-1).tolist()
    del weak
    _free(torch)
    progress.emit(0.3, "weak labels ready")

    # 2. Strong student on weak labels only, as the method says.
    n = len(data.unlabeled)
    order = torch.randperm(n, generator=torch.Generator().manual_seed(seed * 4 + 3)).tolist()
    if plan.patience is not None:
        if n < 2:
            raise InvalidInput("method.earlyStopping needs at least 2 unlabeled items to hold some out")
        held = max(1, int(n * VALIDATION_SHARE))
        val_rows, train_rows = sorted(order[:held]), sorted(order[held:])
    else:
        val_rows, train_rows = [], list(range(n))
    if plan.keep is not None:
        train_rows = [train_rows[i] for i in keep_most_confident(weak_unlabeled[train_rows], plan.keep)]
    targets = base_targets(weak_unlabeled[train_rows], plan.hard, plan.smoothing)
    student_cfg = FitConfig(
        epochs=plan.epochs or d.epochs, lr=plan.lr or d.lr, batch_size=plan.batch_size or d.batch_size,
        weight_decay=plan.l2, aux=plan.aux, patience=plan.patience,
    )
    validation = ([data.unlabeled.texts[i] for i in val_rows], weak_unlabeled[val_rows].argmax(dim=-1)) if val_rows else None
    student = build_classifier(config, "strong", k, plan.head, seed * 4 + 1)
    student_fit = fit(student, [data.unlabeled.texts[i] for i in train_rows], targets, student_cfg, seed * 4 + 1,
                      progress.phase("student", 0.3, 0.7), validation)
    student_test = predict_proba(student, data.test.texts, student_cfg.batch_size).argmax(dim=-1).tolist()
    del student
    _free(torch)

    # 3. Strong ceiling on gold: the same for every method, so cached by seed, model and data.
    cache_path = _ceiling_cache_path(config, data, seed)
    ceiling_test = _read_cache(cache_path, data.test.ids)
    ceiling_epochs = None
    if ceiling_test is None:
        ceiling = build_classifier(config, "strong", k, None, seed * 4 + 2)
        ceiling_fit = fit(ceiling, data.labeled.texts, gold, defaults_fit, seed * 4 + 2, progress.phase("ceiling", 0.7, 0.95))
        ceiling_test = predict_proba(ceiling, data.test.texts, d.batch_size).argmax(dim=-1).tolist()
        ceiling_epochs = ceiling_fit.epochs
        del ceiling
        _write_cache(cache_path, data.test.ids, ceiling_test, log)
    else:
        log(f"ceiling read from cache {cache_path}")
    progress.emit(1.0, "done")

    seconds = round(time.time() - started, 3)
    stats = {
        "trainer": "workers/gpu",
        "epochs": student_fit.epochs,
        "gpuSeconds": seconds if config.device.startswith("cuda") else 0,
        "wallSeconds": seconds,
        "models": describe(config),
        "studentTrainItems": len(train_rows),
        "studentSteps": student_fit.steps,
        "studentSecondsPerStep": round(student_fit.step_seconds / max(1, student_fit.steps), 5),
        "studentFinalLoss": student_fit.final_loss,
        "weakEpochs": weak_fit.epochs,
        "ceilingEpochs": ceiling_epochs,
        "ceilingCached": ceiling_epochs is None,
    }
    stats.update(_peak_memory(torch, config.device))
    if student_fit.agreement is not None:
        stats["validationAgreement"] = student_fit.agreement
    ids = data.test.ids
    return {
        "student": {"ids": ids, "classes": [int(c) for c in student_test]},
        "weak": {"ids": ids, "classes": [int(c) for c in weak_test]},
        "ceiling": {"ids": ids, "classes": [int(c) for c in ceiling_test]},
        "stats": stats,
    }


def _peak_memory(torch, device: str) -> dict:
    """The job's high-water marks: tensors on the GPU (what sizes a GPU) and the process's RSS."""
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss_kib = rss / 1024 if sys.platform == "darwin" else rss  # bytes on macOS, KiB on Linux
    gpu = torch.cuda.max_memory_allocated() / 2**30 if device.startswith("cuda") else None
    return {"peakGpuMemoryGiB": None if gpu is None else round(gpu, 3), "peakRssGiB": round(rss_kib / 2**20, 3)}


def _free(torch) -> None:
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def _ceiling_cache_path(config, data, seed: int):
    """AAR_CEILING_CACHE: a folder (default ~/.cache/aar-gpu/ceiling) or "off"."""
    where = os.environ.get("AAR_CEILING_CACHE", "")
    if where == "off":
        return None
    if where == "":
        where = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "aar-gpu", "ceiling")
    h = hashlib.sha256()
    d = config.defaults
    h.update(json.dumps([CACHE_VERSION, config.factory, config.strong, config.max_length, d.epochs, d.lr, d.batch_size,
                         d.lora_r, d.lora_alpha, d.lora_targets, data.classes, seed]).encode())
    for path in (data.labeled.path, data.test.path):
        with open(path, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    return os.path.join(where, f"{data.task}-s{seed}-{h.hexdigest()[:24]}.json")


def _read_cache(path, ids):
    if path is None or not os.path.isfile(path):
        return None
    try:
        with open(path, "r", encoding="utf-8") as f:
            cached = json.load(f)
        if cached.get("ids") == ids and len(cached.get("classes", [])) == len(ids):
            return [int(c) for c in cached["classes"]]
    except (OSError, ValueError, TypeError, AttributeError):
        pass
    return None


def _write_cache(path, ids, classes, log) -> None:
    if path is None:
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"ids": ids, "classes": classes}, f)
        os.replace(tmp, path)
    except OSError as e:
        log(f"could not cache the ceiling at {path}: {e}")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
