"""Entry point for `aar worker --runner command`: python3 workers/gpu/train.py [--tiny]

Reads one job spec on stdin and runs one phase. The trusted baselines phase (AAR_PHASE=baselines)
trains the weak teacher on gold split A and the strong ceiling on split B with its true labels
(both from AAR_LABELS_DIR) and prints their test predictions and the weak labels on split B. The
method phase (AAR_PHASE=method) fine-tunes the strong student (LoRA) on the weak labels the spec
carries, as the method says, and prints its test predictions; it reads no label file. Run by
hand without AAR_PHASE it does both. Progress goes to stderr as AAR_PROGRESS lines; exit 2 means invalid input (never
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
EXIT_METHOD_FAILED = 3
VALIDATION_SHARE = 0.2
CACHE_VERSION = 2


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
    from workers.gpu.method_code import MethodError

    try:
        result = _run(argv)
    except InvalidInput as e:
        return _invalid(str(e))
    except MethodError as e:
        # The method's code failed (raised, returned something invalid, was refused by the guard,
        # ran past its limit or out of memory): the seed's failure, never retried. Last line on stderr.
        from workers.gpu.guard import error_line

        print(error_line(e.message, e.hook, e.line), file=sys.stderr, flush=True)
        return EXIT_METHOD_FAILED
    json.dump(result, result_out, separators=(",", ":"))
    result_out.write("\n")
    result_out.flush()
    return 0


def _invalid(message: str) -> int:
    print(f"aar-gpu: invalid input, not retrying: {message}", file=sys.stderr, flush=True)
    return EXIT_INVALID_INPUT


def _run(argv: list) -> dict:
    """Runs the phase the job asks for. "baselines" (AAR_PHASE=baselines, spec.phase): the trusted
    weak teacher and ceiling, from the labels folder. "method" (AAR_PHASE=method): the student on
    the trusted weak labels the spec carries, with no label file anywhere in reach. Run by hand
    (no AAR_PHASE): both, in one process."""
    import torch

    from workers.gpu.data import load_inputs
    from workers.gpu.errors import InvalidInput
    from workers.gpu.models import config_from_env, describe
    from workers.gpu.spec import plan_from_method, read_spec
    from workers.gpu.training import Progress

    extra = [a for a in argv if a != "--tiny"]
    if extra:
        raise InvalidInput(f"unknown argument {extra[0]!r}; usage: train.py [--tiny]")
    spec = read_spec(sys.stdin.read())
    env_phase = os.environ.get("AAR_PHASE", "")
    if env_phase not in ("", "baselines", "method"):
        raise InvalidInput(f'AAR_PHASE: expected "baselines" or "method", got {env_phase!r}')
    phase = "baselines" if "baselines" in (env_phase, spec.phase) else (env_phase or "standalone")
    plan = plan_from_method(spec.method if phase != "baselines" else {})
    data_dir = os.environ.get("AAR_DATA_DIR")
    if not data_dir:
        raise InvalidInput("AAR_DATA_DIR is not set: it must point at the folder holding <task>/train_unlabeled.jsonl and test.jsonl")
    labels_dir = os.environ.get("AAR_LABELS_DIR") or (data_dir if phase == "standalone" else None)
    if phase == "baselines" and not labels_dir:
        raise InvalidInput("AAR_LABELS_DIR is not set: the baselines phase trains on <task>/train_labeled.jsonl and train_unlabeled_labels.jsonl there")
    if phase == "method" and spec.weak_labels is None:
        raise InvalidInput("spec.weakLabels: required in the method phase (the trusted baselines job's weak labels on split B); "
                           "run through aar with AAR_BASELINES=trainer, or by hand without AAR_PHASE")
    config = config_from_env(dict(os.environ), tiny="--tiny" in argv)
    if plan.code is not None:
        from workers.gpu.method_code import check_source

        if plan.code.uses("pool") and config.factory == "tiny":
            raise InvalidInput("method.code.hooks: pool needs a Hugging Face backbone (AAR_MODELS hf or hf-random); "
                               "the tiny models have no hidden states to pool")
        check_source(plan.code)  # the AST check, before any training (exit 3: the method's code is refused)
    if config.factory == "hf":
        from workers.gpu.hf import check_available

        for name in (config.weak, config.strong):
            check_available(name, config.allow_download)
    unlabeled, test = load_inputs(data_dir, spec.task)
    started = time.time()
    progress = Progress(sys.stderr)
    log = lambda msg: print(f"aar-gpu: {msg}", file=sys.stderr, flush=True)  # noqa: E731
    log(f"job {spec.experiment_id} seed {spec.seed} ({phase}): task {spec.task}, {len(unlabeled)} unlabeled, {len(test)} test; models {describe(config)}")
    progress.emit(0.0, "data loaded")
    stats = {"trainer": "workers/gpu", "phase": phase, "models": describe(config)}
    out = {}
    if phase != "method":
        base, base_stats = _baselines(config, spec, unlabeled, test, labels_dir, progress, log, 0.0 if phase == "baselines" else 0.0, 1.0 if phase == "baselines" else 0.4)
        stats.update(base_stats)
        out.update(base)
        if phase == "baselines":
            progress.emit(1.0, "done")
            return _finish(out, stats, started, config, torch)
        weak_probs = torch.tensor(base["weakTrain"]["probs"], dtype=torch.float32)
    else:
        weak_probs = _weak_in_order(spec.weak_labels, unlabeled)
    student_test, student_stats, signal = _student(config, spec, plan, unlabeled, test, weak_probs, progress, 0.4 if phase == "standalone" else 0.0)
    stats.update(student_stats)
    out["student"] = {"ids": test.ids, "classes": [int(c) for c in student_test]}
    if signal is not None:
        out["signal"] = signal
    out.pop("weakTrain", None)
    progress.emit(1.0, "done")
    return _finish(out, stats, started, config, torch)


def _finish(out: dict, stats: dict, started: float, config, torch) -> dict:
    seconds = round(time.time() - started, 3)
    stats["gpuSeconds"] = seconds if config.device.startswith("cuda") else 0
    stats["wallSeconds"] = seconds
    stats.update(_peak_memory(torch, config.device))
    out["stats"] = stats
    return out


def _phase_figures(model, result, log, name: str) -> dict:
    """Seconds per step, tokens per second and the share of texts cut to max_length, for one phase
    (the last two when the backbone counts tokens: the Hugging Face path)."""
    backbone = model.backbone
    figures = {"steps": result.steps, "secondsPerStep": round(result.step_seconds / max(1, result.steps), 5),
               # Parameters without the token embeddings: what model FLOPs per token are counted on.
               "params": sum(p.numel() for n, p in backbone.named_parameters() if "embed" not in n)}
    if result.tokens:
        figures["tokensPerSecond"] = round(result.tokens / max(1e-9, result.step_seconds), 1)
        figures["tokens"] = result.tokens
    seen = getattr(backbone, "texts_seen", 0)
    if seen:
        figures["truncatedShare"] = round(backbone.texts_truncated / seen, 4)
        log(f"{name}: {backbone.texts_truncated} of {seen} texts ({100 * backbone.texts_truncated / seen:.1f}%) were cut to "
            f"{backbone.max_length} tokens, keeping the {'end' if backbone.keep_end else 'start'} (AAR_TRUNCATE)")
    return figures


def _weak_in_order(weak: dict, unlabeled):
    """The spec's weak labels, one row per split B item in the unlabeled file's order."""
    import torch

    from workers.gpu.errors import InvalidInput

    by_id = dict(zip(weak["ids"], weak["probs"]))
    missing = [i for i in unlabeled.ids if i not in by_id]
    if missing or len(by_id) != len(unlabeled.ids):
        raise InvalidInput(f"spec.weakLabels: expected one row for each of the {len(unlabeled.ids)} items of {unlabeled.path} and no other" + (f'; "{missing[0]}" has none' if missing else ""))
    return torch.tensor([by_id[i] for i in unlabeled.ids], dtype=torch.float32)


def _sized(d, n: int):
    """The weak teacher's and the ceiling's training, sized in optimiser steps: small gold sets get
    more epochs, so neither stops after a handful of steps (AAR_BASELINE_MIN_STEPS, default 200)."""
    import math

    from workers.gpu.training import FitConfig

    min_steps = int(os.environ.get("AAR_BASELINE_MIN_STEPS", "200"))
    per_epoch = max(1, math.ceil(n / d.batch_size))
    return FitConfig(epochs=max(d.epochs, math.ceil(min_steps / per_epoch)), lr=d.lr, batch_size=d.batch_size)


def _baselines(config, spec, unlabeled, test, labels_dir, progress, log, start: float, end: float):
    """The trusted phase: weak teacher on gold split A, ceiling on split B with its true labels."""
    import torch

    from workers.gpu.data import LABELED, read_split, read_unlabeled_labels, task_dir
    from workers.gpu.models import build_classifier
    from workers.gpu.training import fit, predict_proba

    labeled = read_split(os.path.join(task_dir(labels_dir, spec.task), LABELED), labeled=True)
    b_labels = read_unlabeled_labels(labels_dir, spec.task, unlabeled)
    seen = set(unlabeled.ids) | set(test.ids)
    clash = [i for i in labeled.ids if i in seen]
    if clash:
        from workers.gpu.errors import InvalidInput

        raise InvalidInput(f'id "{clash[0]}" is in both {labeled.path} and the unlabeled or test file: gold, student and test items must be distinct')
    from workers.gpu.pairwise import augmented, symmetric

    k, seed, d = max(2, max(labeled.labels + b_labels) + 1), spec.seed, config.defaults
    if (labeled.pairs or unlabeled.pairs or test.pairs) and k != 2:
        from workers.gpu.errors import InvalidInput

        raise InvalidInput(f"pairwise items need labels 0 (A is better) and 1 (B is better); {labeled.path} has {k} classes")
    mid = start + (end - start) * 0.4
    weak = build_classifier(config, "weak", k, None, seed * 4)
    weak_cfg = _sized(d, len(labeled))
    gold = torch.nn.functional.one_hot(torch.tensor(labeled.labels), k).float()
    weak_fit = fit(weak, *augmented(labeled.texts, gold, labeled.pairs), weak_cfg, seed * 4, progress.phase("weak", start, mid))
    weak_unlabeled = symmetric(lambda t: predict_proba(weak, t, d.batch_size), unlabeled.texts, unlabeled.pairs)
    weak_test = symmetric(lambda t: predict_proba(weak, t, d.batch_size), test.texts, test.pairs).argmax(dim=-1).tolist()
    timing = {"weak": _phase_figures(weak, weak_fit, log, "weak")}
    del weak
    _free(torch)

    cache_path = _ceiling_cache_path(config, spec.task, k, labeled, unlabeled, test, labels_dir, seed)
    ceiling_test = _read_cache(cache_path, test.ids)
    ceiling_epochs = None
    if ceiling_test is None:
        ceiling = build_classifier(config, "strong", k, None, seed * 4 + 2)
        truth = torch.nn.functional.one_hot(torch.tensor(b_labels), k).float()
        ceiling_fit = fit(ceiling, *augmented(unlabeled.texts, truth, unlabeled.pairs), _sized(d, len(unlabeled)), seed * 4 + 2, progress.phase("ceiling", mid, end))
        ceiling_test = symmetric(lambda t: predict_proba(ceiling, t, d.batch_size), test.texts, test.pairs).argmax(dim=-1).tolist()
        ceiling_epochs = ceiling_fit.epochs
        timing["ceiling"] = _phase_figures(ceiling, ceiling_fit, log, "ceiling")
        del ceiling
        _free(torch)
        _write_cache(cache_path, test.ids, ceiling_test, log)
    else:
        log(f"ceiling read from cache {cache_path}")
    out = {
        "weak": {"ids": test.ids, "classes": [int(c) for c in weak_test]},
        "ceiling": {"ids": test.ids, "classes": [int(c) for c in ceiling_test]},
        "weakTrain": {"ids": unlabeled.ids, "probs": [[round(min(1.0, max(0.0, float(p))), 6) for p in row] for row in weak_unlabeled.tolist()]},
    }
    stats = {
        "goldItems": len(labeled),
        "weakEpochs": weak_fit.epochs,
        "weakSteps": weak_fit.steps,
        "ceilingTrainItems": len(unlabeled),
        "ceilingEpochs": ceiling_epochs,
        "ceilingCached": ceiling_epochs is None,
        "phases": timing,
    }
    return out, stats


def _student(config, spec, plan, unlabeled, test, weak_unlabeled, progress, start: float):
    """The method phase: the strong student on the weak labels only, as the method says. With
    method code, the guard goes up once the student and the data are loaded (method_run.py), and
    any failure from then on is the method's (MethodError, exit 3)."""
    if plan.code is None:
        return _train_student(config, spec, plan, unlabeled, test, weak_unlabeled, progress, start, None)
    from workers.gpu.errors import InvalidInput
    from workers.gpu.method_code import MethodError, translate

    try:
        return _train_student(config, spec, plan, unlabeled, test, weak_unlabeled, progress, start, plan.code)
    except (InvalidInput, MethodError):
        raise
    except BaseException as e:  # noqa: BLE001 - training that runs method code fails as the method
        raise translate(e, None, "training") from None


def _train_student(config, spec, plan, unlabeled, test, weak_unlabeled, progress, start: float, code):
    import torch

    from workers.gpu.errors import InvalidInput
    from workers.gpu.losses import base_targets, keep_most_confident
    from workers.gpu.models import build_classifier
    from workers.gpu.pairwise import augmented, symmetric
    from workers.gpu.training import FitConfig, fit, predict_proba

    k, seed, d = weak_unlabeled.shape[1], spec.seed, config.defaults
    n = len(unlabeled)
    student_cfg = FitConfig(
        epochs=plan.epochs or d.epochs, lr=plan.lr or d.lr, batch_size=plan.batch_size or d.batch_size,
        weight_decay=plan.l2, aux=plan.aux, patience=plan.patience,
    )
    student = build_classifier(config, "strong", k, plan.head, seed * 4 + 1)
    runner = signal = weights_all = None
    if code is not None:
        from workers.gpu.method_run import prepare

        runner, signal, weak_unlabeled, weights_all = prepare(code, student, unlabeled, weak_unlabeled, seed, student_cfg.batch_size)
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
    all_targets = base_targets(weak_unlabeled, plan.hard, plan.smoothing)
    targets = all_targets[train_rows]
    validation = ([unlabeled.texts[i] for i in val_rows], weak_unlabeled[val_rows].argmax(dim=-1)) if val_rows else None
    pairs = [unlabeled.pairs[i] for i in train_rows] if unlabeled.pairs else None
    fit_hooks = None
    if runner is not None:
        from workers.gpu.method_run import fit_hooks_for

        fit_hooks = fit_hooks_for(runner, signal, student, unlabeled, all_targets, weights_all, train_rows, pairs, seed, student_cfg.batch_size)
    student_fit = fit(student, *augmented([unlabeled.texts[i] for i in train_rows], targets, pairs), student_cfg, seed * 4 + 1,
                      progress.phase("student", start, 0.98), validation, fit_hooks)
    student_test = symmetric(lambda t: predict_proba(student, t, student_cfg.batch_size), test.texts, test.pairs).argmax(dim=-1).tolist()
    report = None
    if signal is not None:
        signal.finish_loss()
        train_probs = symmetric(lambda t: predict_proba(student, t, student_cfg.batch_size), unlabeled.texts, unlabeled.pairs)
        signal.stage("student", train_probs)
        report = signal.to_json()
    figures = _phase_figures(student, student_fit, lambda m: print(f"aar-gpu: {m}", file=sys.stderr, flush=True), "student")
    del student
    _free(torch)
    stats = {
        "epochs": student_fit.epochs,
        "studentTrainItems": len(train_rows),
        "studentSteps": student_fit.steps,
        "studentSecondsPerStep": round(student_fit.step_seconds / max(1, student_fit.steps), 5),
        "studentFinalLoss": student_fit.final_loss,
        "phases": {"student": figures},
    }
    if code is not None:
        stats["methodHooks"] = list(code.hooks)
    if student_fit.agreement is not None:
        stats["validationAgreement"] = student_fit.agreement
    return student_test, stats, report


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


def _ceiling_cache_path(config, task: str, k: int, labeled, unlabeled, test, labels_dir: str, seed: int):
    """AAR_CEILING_CACHE: a folder (default ~/.cache/aar-gpu/ceiling) or "off"."""
    from workers.gpu.data import UNLABELED_LABELS, task_dir

    where = os.environ.get("AAR_CEILING_CACHE", "")
    if where == "off":
        return None
    if where == "":
        where = os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "aar-gpu", "ceiling")
    h = hashlib.sha256()
    d = config.defaults
    h.update(json.dumps([CACHE_VERSION, config.factory, config.strong, config.max_length, d.epochs, d.lr, d.batch_size,
                         d.lora_r, d.lora_alpha, d.lora_targets, k, seed, os.environ.get("AAR_BASELINE_MIN_STEPS", "200")]).encode())
    for path in (unlabeled.path, os.path.join(task_dir(labels_dir, task), UNLABELED_LABELS), test.path):
        with open(path, "rb") as f:
            h.update(hashlib.sha256(f.read()).digest())
    return os.path.join(where, f"{task}-s{seed}-{h.hexdigest()[:24]}.json")


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
