"""Running Python method code in the method phase: the guard is installed, the source executed in
its restricted namespace, and each hook called under the per-call limit with its result checked
(the same rules as the JS hooks: workers/w2s/method/code/validate.ts). Also the effective signal
report, computed here in trusted code from what the hooks returned, never by the hooks."""

from __future__ import annotations

from typing import Callable, Dict, List, Optional, Sequence

import torch

from . import guard as guard_mod
from .method_code import METHOD_FILENAME, MethodCode, MethodError, check_source, safe_builtins, translate

SUM_TOLERANCE = 1e-3
MAX_STAGES = 50
MAX_FORWARD_TEXTS = 4096


class Context:
    """What transform_labels, weights and epoch_targets get as `ctx`."""

    def __init__(self, weak: torch.Tensor, texts: List[str], classes: int, seed: int, features: Callable[[], torch.Tensor]):
        self.weak = weak
        self.texts = texts
        self.classes = classes
        self.n = len(texts)
        self.seed = seed
        self.features = features


class Batch:
    """What the loss hook gets as `batch`."""

    def __init__(self, logits, targets, weights, texts, step, total_steps, default, forward):
        self.logits = logits
        self.targets = targets
        self.weights = weights
        self.texts = texts
        self.step = step
        self.total_steps = total_steps
        self.default = default
        self.forward = forward


def _fail(hook: str, what: str) -> MethodError:
    return MethodError(f"method code: {hook} {what}", hook)


def check_probs(value, n: int, k: int, hook: str) -> torch.Tensor:
    """n x k probabilities: finite, in [0, 1], rows summing to 1 within 1e-3; renormalised, float32."""
    try:
        t = torch.as_tensor(value.detach().cpu() if isinstance(value, torch.Tensor) else value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as e:
        raise _fail(hook, f"returned something that is not {n} x {k} numbers ({e})") from None
    if tuple(t.shape) != (n, k):
        raise _fail(hook, f"returned shape {list(t.shape)}, expected [{n}, {k}] (one row of class probabilities per train item)")
    bad = ~torch.isfinite(t) | (t < 0) | (t > 1 + SUM_TOLERANCE)
    if bool(bad.any()):
        r, j = (int(x) for x in bad.nonzero()[0])
        raise _fail(hook, f"row {r} class {j} is {float(t[r, j])}; accepted: probabilities, finite numbers in [0, 1]")
    sums = t.sum(dim=1)
    off = (sums - 1).abs() > SUM_TOLERANCE
    if bool(off.any()):
        r = int(off.nonzero()[0])
        raise _fail(hook, f"row {r} sums to {float(sums[r])}; accepted: each row sums to 1")
    return (t / sums.unsqueeze(1)).float()


def check_weights(value, n: int, hook: str = "weights") -> torch.Tensor:
    """n finite weights >= 0, not all 0, scaled to mean 1."""
    try:
        w = torch.as_tensor(value.detach().cpu() if isinstance(value, torch.Tensor) else value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError) as e:
        raise _fail(hook, f"returned something that is not {n} numbers ({e})") from None
    if tuple(w.shape) != (n,):
        raise _fail(hook, f"returned shape {list(w.shape)}, expected [{n}] (one weight per train item)")
    bad = ~torch.isfinite(w) | (w < 0)
    if bool(bad.any()):
        i = int(bad.nonzero()[0])
        raise _fail(hook, f"[{i}] is {float(w[i])}; accepted: finite numbers >= 0")
    top = float(w.max())
    if top == 0:
        raise _fail(hook, "are all 0; accepted: at least one weight > 0")
    w = w / top
    return (w * n / w.sum()).float()


class MethodRunner:
    """The method's hooks, loaded under the guard. Start it once the model and data are loaded."""

    def __init__(self, code: MethodCode, guard, fns: Dict[str, Callable]):
        self.code, self.guard, self.fns = code, guard, fns
        self.format_cache: Dict[str, str] = {}
        # Set by prepare(): the train items' texts after format_text, classes, seed, features().
        self.texts: List[str] = []
        self.classes, self.seed = 0, 0
        self.features: Callable[[], torch.Tensor] = lambda: torch.zeros(0)

    @classmethod
    def start(cls, code: MethodCode) -> "MethodRunner":
        check_source(code)
        compiled = compile(code.tree, METHOD_FILENAME, "exec", dont_inherit=True)
        guard = guard_mod.install()
        namespace = {"__builtins__": safe_builtins(), "__name__": "method"}
        try:
            guard.call("module", exec, compiled, namespace)
        except BaseException as e:  # noqa: BLE001 - everything the source does is the method's failure
            raise translate(e, None) from None
        fns = {}
        for hook in code.hooks:
            fn = namespace.get(hook)
            if not (callable(fn) and getattr(getattr(fn, "__code__", None), "co_filename", None) == METHOD_FILENAME):
                raise MethodError(f"method code: {hook} is not a function of the source when the module has run (was it rebound?)", hook)
            fns[hook] = fn
        return cls(code, guard, fns)

    def context(self, weak: torch.Tensor) -> Context:
        """A fresh ctx for a target hook (copies: a hook that changes them in place changes nothing here)."""
        return Context(weak.detach().clone().float().cpu(), list(self.texts), self.classes, self.seed, self.features)

    def has(self, hook: str) -> bool:
        return hook in self.fns

    def call(self, hook: str, fn: Callable, *args):
        try:
            return self.guard.call(hook, fn, *args)
        except BaseException as e:  # noqa: BLE001
            raise translate(e, hook) from None

    # -- hooks the model calls -------------------------------------------------------------------
    def format_texts(self, texts: Sequence[str]) -> List[str]:
        missing = [t for t in dict.fromkeys(texts) if t not in self.format_cache]
        if missing:
            fn = self.fns["format_text"]

            def run():
                out = []
                for t in missing:
                    r = fn(t)
                    if not isinstance(r, str):
                        raise _fail("format_text", f"returned {type(r).__name__}, expected a str")
                    if len(r) > 20_000:
                        raise _fail("format_text", f"returned {len(r)} characters; at most 20000")
                    out.append(r)
                return out

            self.format_cache.update(zip(missing, self.call("format_text", run)))
        return [self.format_cache[t] for t in texts]

    def pool(self, hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        out = self.call("pool", self.fns["pool"], hidden, mask)
        want = (hidden.shape[0], hidden.shape[2])
        if not isinstance(out, torch.Tensor) or tuple(out.shape) != want or not out.is_floating_point():
            shape = list(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
            raise _fail("pool", f"returned {shape}, expected a float tensor [batch, hidden_size] = {list(want)}")
        if not bool(torch.isfinite(out).all()):
            raise _fail("pool", "returned a value that is not finite")
        return out.to(hidden.dtype)

    def attach(self, model) -> None:
        """format_text on every text the student reads (train, validation, test, forward());
        pool in place of the last-token feature."""
        if self.has("format_text"):
            model.text_format = self.format_texts
        if self.has("pool"):
            model.backbone.pool = self.pool

    # -- target hooks ----------------------------------------------------------------------------
    def transform_labels(self, ctx: Context) -> torch.Tensor:
        return self.call("transform_labels", lambda: check_probs(self.fns["transform_labels"](ctx), ctx.n, ctx.classes, "transform_labels"))

    def weights(self, ctx: Context) -> torch.Tensor:
        return self.call("weights", lambda: check_weights(self.fns["weights"](ctx), ctx.n))

    def epoch_targets(self, ctx: Context, student: torch.Tensor, epoch: int, epochs: int) -> torch.Tensor:
        fn = self.fns["epoch_targets"]
        return self.call("epoch_targets", lambda: check_probs(fn(ctx, student, epoch, epochs), ctx.n, ctx.classes, "epoch_targets"))

    def loss(self, batch: Batch) -> torch.Tensor:
        def run():
            out = self.fns["loss"](batch)
            if not isinstance(out, torch.Tensor) or out.numel() != 1 or not out.is_floating_point():
                raise _fail("loss", f"returned {type(out).__name__}, expected a scalar float tensor (e.g. batch.default() or a function of batch.logits)")
            if not out.requires_grad:
                raise _fail("loss", "returned a tensor without grad: compute it from batch.logits (or batch.default(), batch.forward(...))")
            if not bool(torch.isfinite(out.detach()).all()):
                raise _fail("loss", f"returned {float(out.detach().reshape(()))} at step {batch.step}; accepted: a finite number")
            return out.reshape(())

        return self.call("loss", run)


class SignalReport:
    """The effective training signal (result.signal), judged against gold by trusted Node code."""

    def __init__(self, ids: List[str], classes: int):
        self.ids, self.classes = ids, classes
        self.weights: Optional[List[float]] = None
        self.head: List[dict] = []
        self.epochs: List[dict] = []
        self.tail: List[dict] = []
        self.implied: Optional[torch.Tensor] = None

    @staticmethod
    def _flat(t: torch.Tensor) -> List[float]:
        return [round(float(x), 4) for x in t.detach().float().cpu().reshape(-1).tolist()]

    def stage(self, hook: str, targets: torch.Tensor) -> None:
        entry = {"hook": hook, "targets": self._flat(targets)}
        {"transform_labels": self.head, "epoch_targets": self.epochs}.get(hook, self.tail).append(entry)

    def start_epoch(self, targets: torch.Tensor) -> None:
        """For a loss hook: items not in any batch this epoch keep the epoch's targets."""
        self.implied = targets.detach().float().cpu().clone()

    def loss_gradient(self, items: List[Optional[int]], logits: torch.Tensor, grad: Optional[torch.Tensor], weights: Optional[torch.Tensor]) -> None:
        """The target a loss pulls each item toward: for cross-entropy, d loss / d logits of item i
        is w_i (p_i - t_i) / sum(w) (w = 1 without weights, so sum(w) = batch size), so
        t_i = p_i - grad_i x sum(w) / w_i. For a loss that is not cross-entropy this is the
        direction it moves the item's prediction, at cross-entropy's scale: a loss that trains
        toward answers it computed itself shows up here even when the targets it was given look weak."""
        if self.implied is None:
            return
        p = torch.softmax(logits.detach().float(), dim=-1).cpu()
        g = grad.detach().float().cpu() if grad is not None else torch.zeros_like(p)
        if weights is None:
            scale = torch.full((p.shape[0],), float(p.shape[0]))
        else:
            w = weights.detach().float().cpu()
            scale = torch.where(w > 0, w.sum() / w.clamp_min(1e-12), torch.zeros_like(w))
        t = (p - g * scale.unsqueeze(1)).clamp(0, 1)
        sums = t.sum(dim=1, keepdim=True)
        t = torch.where(sums > 0, t / sums.clamp_min(1e-12), torch.full_like(t, 1.0 / t.shape[1]))
        for row, item in enumerate(items):
            if item is not None and (weights is None or float(weights[row]) > 0):
                self.implied[item] = t[row]

    def finish_loss(self) -> None:
        if self.implied is not None:
            self.tail.append({"hook": "loss", "targets": self._flat(self.implied)})

    def to_json(self) -> dict:
        epochs = self.epochs
        if len(epochs) > MAX_STAGES:
            m = len(epochs)
            keep = sorted({round(i * (m - 1) / (MAX_STAGES - 1)) for i in range(MAX_STAGES)})
            epochs = [epochs[i] for i in keep]
        return {"ids": self.ids, "weights": self.weights, "stages": self.head + epochs + self.tail}


@torch.no_grad()
def _features(model, texts: Sequence[str], batch_size: int) -> torch.Tensor:
    """The frozen strong model's features of `texts` (format_text applied, default pooling: the
    last real token), before any training: n x hidden, float32, on the CPU."""
    was_training, pool = model.training, getattr(model.backbone, "pool", None)
    model.eval()
    if pool is not None:
        model.backbone.pool = None
    try:
        out = [model.backbone(model.encode(list(texts[i : i + batch_size]))).float().cpu() for i in range(0, len(texts), batch_size)]
    finally:
        if pool is not None:
            model.backbone.pool = pool
        model.train(was_training)
    return torch.cat(out)


def _warm_up() -> None:
    """Lazy imports and probes that trusted training does on first use (torch.optim imports
    torch._dynamo, which asks tempfile for a writable folder by writing a file), done before the
    guard refuses writes."""
    import tempfile

    tempfile.gettempdir()
    p = torch.nn.Parameter(torch.zeros(2))
    opt = torch.optim.Adam([p], lr=0.1)
    (p * p).sum().backward()
    opt.step()


def prepare(code: MethodCode, student, unlabeled, weak: torch.Tensor, seed: int, batch_size: int):
    """Installs the guard, runs the source, attaches format_text/pool to the student, and applies
    transform_labels and weights. Returns (runner, signal report, weak targets, weights or None)."""
    _warm_up()
    runner = MethodRunner.start(code)
    runner.attach(student)
    k = weak.shape[1]
    runner.classes, runner.seed = k, seed
    runner.texts = runner.format_texts(unlabeled.texts) if runner.has("format_text") else list(unlabeled.texts)
    # Computed before training and outside any hook's time limit, when the source asks for them.
    cached = _features(student, unlabeled.texts, batch_size) if "features" in code.source else None
    runner.features = (lambda: cached.clone()) if cached is not None else (lambda: _features(student, unlabeled.texts, batch_size))
    signal = SignalReport(list(unlabeled.ids), k)
    if runner.has("transform_labels"):
        weak = runner.transform_labels(runner.context(weak))
    weights = None
    if runner.has("weights"):
        weights = runner.weights(runner.context(weak))
        signal.weights = [round(float(x), 6) for x in weights.tolist()]
    return runner, signal, weak, weights


def fit_hooks_for(runner: MethodRunner, signal: SignalReport, student, unlabeled, all_targets: torch.Tensor,
                  weights_all: Optional[torch.Tensor], train_rows: List[int], pairs, seed: int, batch_size: int):
    """FitHooks for training.fit from the method's hooks. Training rows are the train items (in
    `train_rows`), then for pairwise items the same pairs swapped (targets reversed)."""
    from .pairwise import symmetric, texts_of
    from .training import FitHooks, predict_proba

    signal.stage("transform_labels", all_targets)

    def expand(t: torch.Tensor) -> torch.Tensor:
        return torch.cat([t, t.flip(-1)]) if pairs else t

    weights = None
    if weights_all is not None:
        w = weights_all[train_rows]
        weights = torch.cat([w, w]) if pairs else w
    items: List[Optional[int]] = list(train_rows) + ([None] * len(train_rows) if pairs else [])
    texts = [unlabeled.texts[i] for i in train_rows] + (texts_of(pairs, swapped=True) if pairs else [])
    current = {"full": all_targets}
    hooks = FitHooks(weights=weights)
    if runner.has("epoch_targets") or runner.has("loss"):
        def before_epoch(epoch: int, epochs: int):
            new = None
            if runner.has("epoch_targets"):
                probs = symmetric(lambda t: predict_proba(student, t, batch_size), unlabeled.texts, unlabeled.pairs)
                full = runner.epoch_targets(runner.context(all_targets), probs, epoch, epochs)
                signal.stage("epoch_targets", full)
                current["full"] = full
                new = expand(full[train_rows])
            if runner.has("loss"):
                signal.start_epoch(current["full"])
            return new

        hooks.before_epoch = before_epoch
    if runner.has("loss"):
        def forward(more):
            if not isinstance(more, (list, tuple)) or not more or len(more) > MAX_FORWARD_TEXTS or not all(isinstance(t, str) for t in more):
                raise _fail("loss", f"called batch.forward with {type(more).__name__}; accepted: a list of 1 to {MAX_FORWARD_TEXTS} str")
            return student(student.encode(list(more)))

        def loss(logits, targets, w, rows, step, total, default):
            batch = Batch(logits, targets.detach().clone(), None if w is None else w.detach().clone(), [texts[r] for r in rows],
                          step, total, default, forward)
            return runner.loss(batch)

        hooks.loss = loss
        hooks.after_backward = lambda rows, logits, grad, w: signal.loss_gradient([items[r] for r in rows], logits, grad, w)
    return hooks
