"""The training loop shared by the weak teacher, the student and the ceiling: Adam on the
trainable parameters, per-batch targets from losses.py, optional early stopping on agreement
with held-out weak labels (the only validation signal a weak-to-strong method may use), and
progress lines for the command runner."""

from __future__ import annotations

import json
import math
import sys
import time
from dataclasses import dataclass
from typing import Callable, List, Optional, Sequence, TextIO

import torch

from .losses import AuxConf, w2s_loss
from .models import TextClassifier


class Progress:
    """Writes `AAR_PROGRESS {"fraction", "note", "step", "loss"}` lines; each phase maps its own
    0..1 onto a slice [start, end] of the whole job."""

    def __init__(self, stream: TextIO = sys.stderr):
        self.stream = stream
        self.last = 0.0

    def emit(self, fraction: float, note: str, step: Optional[int] = None, loss: Optional[float] = None) -> None:
        # The campaign shows progress as a bar: never let it go backwards.
        self.last = max(self.last, min(1.0, max(0.0, fraction)))
        line = {"fraction": round(self.last, 4), "note": note[:500]}
        if step is not None:
            line["step"] = step
        if loss is not None and math.isfinite(loss):
            line["loss"] = round(loss, 5)
        self.stream.write("AAR_PROGRESS " + json.dumps(line) + "\n")
        self.stream.flush()

    def phase(self, name: str, start: float, end: float) -> Callable[[float, int, Optional[float]], None]:
        def report(done: float, step: int, loss: Optional[float]) -> None:
            note = f"{name} step {step}" + (f" loss {loss:.4f}" if loss is not None else "")
            self.emit(start + (end - start) * done, note, step, loss)

        return report


@dataclass
class FitConfig:
    epochs: int
    lr: float
    batch_size: int
    weight_decay: float = 0.0
    aux: Optional[AuxConf] = None
    patience: Optional[int] = None


@dataclass
class FitHooks:
    """What method code changes in fit (method_run.py builds these; all optional).
    weights: one per training row. before_epoch(epoch, epochs) -> new training targets or None.
    loss(logits, targets, weights, rows, step, total, default) -> the batch's loss.
    after_backward(rows, logits, logits.grad, weights): for the effective signal report."""

    weights: Optional[torch.Tensor] = None
    before_epoch: Optional[Callable[[int, int], Optional[torch.Tensor]]] = None
    loss: Optional[Callable[..., torch.Tensor]] = None
    after_backward: Optional[Callable[..., None]] = None


@dataclass
class FitResult:
    epochs: int
    steps: int
    final_loss: float
    agreement: Optional[float] = None
    # Wall time of the optimisation steps alone (no validation or prediction), for seconds per step.
    step_seconds: float = 0.0
    # Real (unpadded) tokens the training steps read, when the backbone counts them (Hugging Face).
    tokens: Optional[int] = None


@torch.no_grad()
def predict_proba(model: TextClassifier, texts: Sequence[str], batch_size: int) -> torch.Tensor:
    """Probabilities (n x classes, float32, on the CPU)."""
    was_training = model.training
    model.eval()
    out: List[torch.Tensor] = []
    for i in range(0, len(texts), batch_size):
        out.append(torch.softmax(model(model.encode(texts[i : i + batch_size])), dim=-1).float().cpu())
    model.train(was_training)
    return torch.cat(out)


def make_optimizer(model: torch.nn.Module, lr: float, l2: float) -> torch.optim.Optimizer:
    """Adam with a coupled L2 penalty (l2 * w added to the gradient of every weight matrix, not to
    biases or norms): what method.l2 means on the w2s runner (workers/w2s/models/adam.ts), so a
    method means the same on both runners. AdamW's decoupled decay would be another method."""
    params = [p for p in model.parameters() if p.requires_grad]
    decay = [p for p in params if p.ndim >= 2]
    plain = [p for p in params if p.ndim < 2]
    groups = [g for g in ({"params": decay, "weight_decay": l2}, {"params": plain, "weight_decay": 0.0}) if g["params"]]
    return torch.optim.Adam(groups, lr=lr)


def fit(
    model: TextClassifier,
    texts: Sequence[str],
    targets: torch.Tensor,
    cfg: FitConfig,
    seed: int,
    report: Callable[[float, int, Optional[float]], None],
    validation: Optional[tuple] = None,
    hooks: Optional[FitHooks] = None,
) -> FitResult:
    """Trains `model` on `texts` against probability `targets` (n x classes). With
    `cfg.patience` and `validation` = (texts, weak classes), stops once agreement with the
    held-out weak labels has not improved for `patience` epochs and restores the best epoch."""
    optimizer = make_optimizer(model, cfg.lr, cfg.weight_decay)
    gen = torch.Generator().manual_seed(seed)
    n = len(texts)
    per_epoch = math.ceil(n / cfg.batch_size)
    total = per_epoch * cfg.epochs
    every = max(1, total // 25)
    targets = targets.to(model.device)
    step = 0
    loss_value = float("nan")
    best, best_state, since_best, epochs_done = -1.0, None, 0, 0
    stopping = cfg.patience is not None and validation is not None
    step_seconds = 0.0
    train_tokens = 0
    hooks = hooks or FitHooks()
    weights = hooks.weights.to(model.device) if hooks.weights is not None else None
    model.train()
    for epoch in range(cfg.epochs):
        if hooks.before_epoch is not None:
            new_targets = hooks.before_epoch(epoch, cfg.epochs)
            if new_targets is not None:
                targets = new_targets.to(model.device)
            model.train()
        order = torch.randperm(n, generator=gen).tolist()
        epoch_started = time.perf_counter()
        for b in range(0, n, cfg.batch_size):
            rows = order[b : b + cfg.batch_size]
            batch = model.encode([texts[i] for i in rows])
            if "attention_mask" in batch:
                train_tokens += int(batch["attention_mask"].sum())
            logits = model(batch)
            w = weights[rows] if weights is not None else None
            progress_now, batch_targets = step / max(1, total), targets[rows]
            if hooks.loss is not None:
                logits.retain_grad()
                loss = hooks.loss(logits, batch_targets, w, rows, step, total,
                                  lambda: w2s_loss(logits, batch_targets, progress_now, cfg.aux, w))
            else:
                loss = w2s_loss(logits, batch_targets, progress_now, cfg.aux, w)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if hooks.after_backward is not None:
                hooks.after_backward(rows, logits.detach(), logits.grad, w)
            optimizer.step()
            step += 1
            loss_value = float(loss.detach())
            if not math.isfinite(loss_value):
                raise FloatingPointError(f"loss became {loss_value} at step {step}: lower lr (method.lr) or batch size")
            if step % every == 0:
                report(step / total, step, loss_value)
        # float(loss) above synchronises with the device each step, so this is the real time.
        step_seconds += time.perf_counter() - epoch_started
        epochs_done = epoch + 1
        if stopping:
            val_texts, val_weak = validation
            agreement = float((predict_proba(model, val_texts, cfg.batch_size).argmax(dim=-1) == val_weak).float().mean())
            if agreement > best:
                best, best_state, since_best = agreement, model.trainable_state(), 0
            else:
                since_best += 1
                if since_best >= cfg.patience:
                    break
    if best_state is not None:
        model.load_trainable_state(best_state)
    report(1.0, step, loss_value)
    return FitResult(epochs=epochs_done, steps=step, final_loss=loss_value, agreement=best if stopping else None, step_seconds=step_seconds,
                     tokens=train_tokens or None)
