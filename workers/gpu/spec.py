"""The job spec on stdin and the method fields this trainer honours (src/domain/method.ts).

The spec is validated by aar before it is sent, but the trainer is also run by hand, so
every field it uses is checked again here, and every method field it does not implement is
refused by name: a method that silently ran as something else would be a wrong result.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional

from .errors import InvalidInput
from .losses import AuxConf
from .method_code import MethodCode, validate_code

SUPPORTED = ("name", "labels", "labelSmoothing", "auxConf", "filter", "earlyStopping", "epochs", "lr", "l2", "batchSize", "head", "code")
UNSUPPORTED = {
    "selfTraining": "self-training (bootstrapping) rounds",
    "ensemble": "ensembles of students",
    "knn": "kNN label propagation",
    "consistency": "consistency filtering with a first student",
}


@dataclass
class Plan:
    """What the student's training does, from the method."""

    name: Optional[str] = None
    hard: bool = False
    smoothing: float = 0.0
    aux: Optional[AuxConf] = None
    keep: Optional[float] = None
    patience: Optional[int] = None
    epochs: Optional[int] = None
    lr: Optional[float] = None
    l2: float = 0.0
    batch_size: Optional[int] = None
    head: Optional[Dict[str, Any]] = None
    # Python method code (method_code.py): hooks run in the method phase behind the guard.
    code: Optional[MethodCode] = None


@dataclass
class Spec:
    experiment_id: str
    task: str
    seed: int
    method: Dict[str, Any]
    # "baselines" for the trusted phase (weak teacher and ceiling, no method), else None.
    phase: Optional[str] = None
    # The trusted weak teacher's probabilities on split B: {"ids": [...], "probs": [[...], ...]}.
    weak_labels: Optional[Dict[str, Any]] = None


def read_spec(text: str) -> Spec:
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as e:
        raise InvalidInput(f"stdin: the job spec is not valid JSON ({e.msg} at line {e.lineno} column {e.colno})") from None
    if not isinstance(raw, dict):
        raise InvalidInput("stdin: the job spec must be a JSON object")
    exp = raw.get("experimentId")
    if not isinstance(exp, str) or not re.match(r"^[a-z0-9][a-z0-9-]{2,62}$", exp):
        raise InvalidInput(f"spec.experimentId: expected an experiment id, got {json.dumps(exp)}")
    task = raw.get("task")
    if not isinstance(task, str) or not re.match(r"^[a-z0-9][a-z0-9_-]{0,39}$", task):
        raise InvalidInput(f"spec.task: expected a task name (lower-case letters, digits, _ and -), got {json.dumps(task)}")
    seed = raw.get("seed")
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= 999_999_999:
        raise InvalidInput(f"spec.seed: expected an integer from 0 to 999999999, got {json.dumps(seed)}")
    method = raw.get("method", {})
    if not isinstance(method, dict):
        raise InvalidInput("spec.method: expected an object")
    phase = raw.get("phase")
    if phase not in (None, "baselines"):
        raise InvalidInput(f'spec.phase: expected "baselines" or nothing, got {json.dumps(phase)}')
    weak = raw.get("weakLabels")
    if weak is not None:
        ok = isinstance(weak, dict) and isinstance(weak.get("ids"), list) and isinstance(weak.get("probs"), list) and len(weak["ids"]) == len(weak["probs"])
        if not ok or not all(isinstance(p, list) and len(p) >= 2 for p in weak["probs"]):
            raise InvalidInput("spec.weakLabels: expected {ids, probs} of equal length, each probs row a list of class probabilities")
    return Spec(experiment_id=exp, task=task, seed=seed, method=method, phase=phase, weak_labels=weak)


def _number(value: Any, field: str, lo: float, hi: float, lo_open: bool = False, integer: bool = False) -> Any:
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type or value > hi or value < lo or (lo_open and value == lo):
        kind = "an integer" if integer else "a number"
        bound = f"greater than {lo}" if lo_open else f"at least {lo}"
        raise InvalidInput(f"method.{field}: expected {kind} {bound} and at most {hi}, got {json.dumps(value)}")
    return value


def _object(value: Any, field: str, allowed: tuple) -> Dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput(f"method.{field}: expected an object")
    for key in value:
        if key not in allowed:
            raise InvalidInput(f"method.{field}.{key}: unknown field; accepted: {', '.join(allowed)}")
    return value


def plan_from_method(method: Dict[str, Any]) -> Plan:
    """Maps the method onto a Plan, or raises InvalidInput naming the first field it cannot honour."""
    for key in method:
        if key in UNSUPPORTED:
            raise InvalidInput(
                f"method.{key}: {UNSUPPORTED[key]} is not supported by the GPU trainer (workers/gpu); "
                f"it supports {', '.join(SUPPORTED)}. Run this method on the w2s runner."
            )
        if key not in SUPPORTED:
            raise InvalidInput(f"method.{key}: unknown field; the GPU trainer supports {', '.join(SUPPORTED)}")
    plan = Plan(name=method.get("name") if isinstance(method.get("name"), str) else None)
    labels = method.get("labels", "soft")
    if labels not in ("soft", "hard"):
        raise InvalidInput(f'method.labels: expected "soft" or "hard", got {json.dumps(labels)}')
    plan.hard = labels == "hard"
    plan.smoothing = float(_number(method.get("labelSmoothing", 0), "labelSmoothing", 0, 0.5))
    if "auxConf" in method:
        a = _object(method["auxConf"], "auxConf", ("alphaMax", "warmup", "threshold", "fixedThreshold"))
        if "alphaMax" not in a:
            raise InvalidInput("method.auxConf.alphaMax: required")
        threshold = a.get("threshold", "adaptive")
        if threshold not in ("adaptive", "fixed"):
            raise InvalidInput(f'method.auxConf.threshold: expected "adaptive" or "fixed", got {json.dumps(threshold)}')
        fixed = _number(a.get("fixedThreshold", 0.5), "auxConf.fixedThreshold", 0, 1, lo_open=True)
        if fixed >= 1:
            raise InvalidInput("method.auxConf.fixedThreshold: expected a number below 1")
        plan.aux = AuxConf(
            alpha_max=float(_number(a["alphaMax"], "auxConf.alphaMax", 0, 1)),
            warmup=float(_number(a.get("warmup", 0.2), "auxConf.warmup", 0, 1)),
            threshold=threshold,
            fixed_threshold=float(fixed),
        )
    if "filter" in method:
        f = _object(method["filter"], "filter", ("keep",))
        plan.keep = float(_number(f.get("keep"), "filter.keep", 0, 1, lo_open=True))
    if "earlyStopping" in method:
        e = _object(method["earlyStopping"], "earlyStopping", ("patience",))
        plan.patience = int(_number(e.get("patience", 3), "earlyStopping.patience", 1, 50, integer=True))
    if "epochs" in method:
        plan.epochs = int(_number(method["epochs"], "epochs", 1, 200, integer=True))
    if "lr" in method:
        plan.lr = float(_number(method["lr"], "lr", 1e-5, 1))
    if "l2" in method:
        plan.l2 = float(_number(method["l2"], "l2", 0, 1))
    if "batchSize" in method:
        plan.batch_size = int(_number(method["batchSize"], "batchSize", 1, 4096, integer=True))
    if "head" in method:
        h = method["head"]
        if not isinstance(h, dict) or h.get("kind") not in ("linear", "mlp"):
            raise InvalidInput('method.head.kind: expected "linear" or "mlp"')
        if h["kind"] == "mlp":
            _object(h, "head", ("kind", "width"))
            _number(h.get("width"), "head.width", 4, 512, integer=True)
        else:
            _object(h, "head", ("kind",))
        plan.head = dict(h)
    if "code" in method:
        plan.code = validate_code(method["code"])
    return plan
