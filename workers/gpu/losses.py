"""Targets and losses for the strong student, in plain PyTorch.

Mirrors workers/w2s/method/targets.ts (the embedded benchmark) so a method means the same on
both runners:
- soft targets are the weak teacher's probabilities, hard ones their one-hot argmax;
- label smoothing mixes targets with the uniform distribution;
- Burns et al.'s auxiliary confidence loss, (1 - a) CE(p, weak) + a CE(p, hardened p), with a
  ramping linearly from 0 to alphaMax over the first `warmup` fraction of training. Because
  cross-entropy is linear in its targets this is CE against the mixed target. The student's
  predictions are hardened with an adaptive threshold (binary tasks: the batch quantile that
  gives the batch the weak labels' share of class 1, as in Burns et al.) or a fixed one;
- confidence filtering keeps the `keep` fraction of items with the most confident weak labels.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import List, Optional

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class AuxConf:
    alpha_max: float
    warmup: float = 0.2
    threshold: str = "adaptive"  # or "fixed"
    fixed_threshold: float = 0.5


def harden(probs: torch.Tensor) -> torch.Tensor:
    """One-hot of each row's argmax."""
    return F.one_hot(probs.argmax(dim=-1), probs.shape[-1]).to(probs.dtype if probs.is_floating_point() else torch.float32)


def base_targets(weak_probs: torch.Tensor, hard: bool, smoothing: float = 0.0) -> torch.Tensor:
    """The student's targets before the auxiliary loss: weak probabilities or their argmax, smoothed."""
    targets = harden(weak_probs.float()) if hard else weak_probs.float().clone()
    if smoothing > 0:
        targets = (1 - smoothing) * targets + smoothing / targets.shape[-1]
    return targets


def soft_cross_entropy(logits: torch.Tensor, targets: torch.Tensor, weights: Optional[torch.Tensor] = None) -> torch.Tensor:
    """Mean cross-entropy against probability targets (optionally weighted per row)."""
    per_row = -(targets * F.log_softmax(logits.float(), dim=-1)).sum(dim=-1)
    if weights is None:
        return per_row.mean()
    return (per_row * weights).sum() / weights.sum().clamp_min(1e-12)


def aux_alpha(progress: float, aux: AuxConf) -> float:
    """Weight of the confidence term at `progress` (0 to 1) through training: a linear warm-up."""
    if aux.warmup <= 0:
        return aux.alpha_max
    return aux.alpha_max * min(1.0, max(0.0, progress) / aux.warmup)


def adaptive_hard_labels(student_probs: torch.Tensor, base: torch.Tensor) -> torch.Tensor:
    """Hardened student predictions. Binary: class 1 for the rows above the batch quantile that
    matches the weak targets' share of class 1. More classes: the argmax."""
    n, k = student_probs.shape
    if k != 2:
        return student_probs.argmax(dim=-1)
    share = float(base[:, 1].sum()) / n
    if share <= 0:
        return torch.zeros(n, dtype=torch.long, device=student_probs.device)
    ordered = torch.sort(student_probs[:, 1]).values
    # round, not floor: the reference quantile's index (Burns et al.'s np.quantile on the batch).
    cut = ordered[min(n - 1, max(0, round(n * (1 - share))))]
    return (student_probs[:, 1] >= cut).long()


def fixed_hard_labels(student_probs: torch.Tensor, threshold: float) -> torch.Tensor:
    """Binary: class 1 where its probability reaches `threshold`. More classes: the argmax."""
    if student_probs.shape[1] != 2:
        return student_probs.argmax(dim=-1)
    return (student_probs[:, 1] >= threshold).long()


def aux_conf_targets(student_probs: torch.Tensor, base: torch.Tensor, alpha: float, aux: AuxConf) -> torch.Tensor:
    """(1 - alpha) * base + alpha * one-hot(hardened student predictions); no gradient flows through."""
    probs = student_probs.detach().float()
    hard = adaptive_hard_labels(probs, base) if aux.threshold == "adaptive" else fixed_hard_labels(probs, aux.fixed_threshold)
    return (1 - alpha) * base + alpha * F.one_hot(hard, base.shape[1]).float()


def w2s_loss(logits: torch.Tensor, base: torch.Tensor, progress: float, aux: Optional[AuxConf], weights: Optional[torch.Tensor] = None) -> torch.Tensor:
    """The student's loss on one batch: CE against base targets, or against the aux-conf mix
    (per-item weights from a method's weights hook, when it has one)."""
    if aux is None or aux.alpha_max == 0:
        return soft_cross_entropy(logits, base, weights)
    alpha = aux_alpha(progress, aux)
    targets = aux_conf_targets(torch.softmax(logits.detach().float(), dim=-1), base, alpha, aux)
    return soft_cross_entropy(logits, targets, weights)


def keep_most_confident(weak_probs: torch.Tensor, keep: float) -> List[int]:
    """Row indices (ascending) of the `keep` fraction of rows whose weak label is most confident;
    ties go to the earlier row. At least one row is kept."""
    conf = weak_probs.float().max(dim=-1).values.tolist()
    n = len(conf)
    count = max(1, min(n, math.floor(n * keep + 0.5)))
    order = sorted(range(n), key=lambda i: (-conf[i], i))
    return sorted(order[:count])
