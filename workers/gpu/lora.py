"""A minimal LoRA (Hu et al. 2021) for nn.Linear, in plain PyTorch.

W x + (alpha / r) * B A x, with W (and the bias) frozen, A (r x in) initialised like a linear
layer and B (out x r) at zero, so a freshly wrapped model computes exactly what it did before.
A and B are kept in float32 even when the base weight is bf16.
"""

from __future__ import annotations

import math
from typing import Iterable, List

import torch
from torch import nn


class LoRALinear(nn.Module):
    def __init__(self, base: nn.Linear, r: int, alpha: float, dropout: float = 0.0):
        super().__init__()
        if r < 1:
            raise ValueError(f"LoRA rank must be at least 1, got {r}")
        self.base = base
        for p in base.parameters():
            p.requires_grad_(False)
        self.r = r
        self.alpha = alpha
        self.scaling = alpha / r
        device = base.weight.device
        self.lora_A = nn.Parameter(torch.empty(r, base.in_features, dtype=torch.float32, device=device))
        self.lora_B = nn.Parameter(torch.zeros(base.out_features, r, dtype=torch.float32, device=device))
        nn.init.kaiming_uniform_(self.lora_A, a=math.sqrt(5))
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.merged = False

    @property
    def in_features(self) -> int:
        return self.base.in_features

    @property
    def out_features(self) -> int:
        return self.base.out_features

    @property
    def weight(self) -> torch.Tensor:
        """The base weight, for code that inspects `.weight` (its dtype, device)."""
        return self.base.weight

    def delta_weight(self) -> torch.Tensor:
        return (self.lora_B @ self.lora_A) * self.scaling

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.base(x)
        if self.merged:
            return out
        update = (self.dropout(x).to(self.lora_A.dtype) @ self.lora_A.t()) @ self.lora_B.t()
        return out + (update * self.scaling).to(out.dtype)

    @torch.no_grad()
    def merge(self) -> None:
        """Folds B A into the base weight (for inference); forward then skips the low-rank path."""
        if not self.merged:
            self.base.weight += self.delta_weight().to(self.base.weight.dtype)
            self.merged = True

    @torch.no_grad()
    def unmerge(self) -> None:
        if self.merged:
            self.base.weight -= self.delta_weight().to(self.base.weight.dtype)
            self.merged = False

    def extra_repr(self) -> str:
        return f"r={self.r}, alpha={self.alpha}"


def _matches(name: str, targets: Iterable[str]) -> bool:
    return any(name == t or name.endswith("." + t) for t in targets)


def apply_lora(model: nn.Module, targets: List[str], r: int, alpha: float, dropout: float = 0.0) -> List[str]:
    """Wraps every nn.Linear whose name (or its last components) is in `targets`, e.g. "q_proj"
    or "layers.0.self_attn.q_proj"; returns the wrapped names. No match is an error."""
    chosen = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Linear) and _matches(n, targets)]
    if not chosen:
        linears = sorted({n.rsplit(".", 1)[-1] for n, m in model.named_modules() if isinstance(m, nn.Linear)})
        raise ValueError(f"LoRA targets {targets} match no nn.Linear module; this model's linear layers are named {linears}")
    for name, module in chosen:
        parent_name, _, child = name.rpartition(".")
        parent = model.get_submodule(parent_name) if parent_name else model
        setattr(parent, child, LoRALinear(module, r, alpha, dropout))
    return [n for n, _ in chosen]


def lora_modules(model: nn.Module) -> List[LoRALinear]:
    return [m for m in model.modules() if isinstance(m, LoRALinear)]


def freeze_all_but_lora(model: nn.Module) -> None:
    """Only the LoRA A/B matrices of `model` stay trainable."""
    for name, p in model.named_parameters():
        p.requires_grad_(name.endswith("lora_A") or name.endswith("lora_B"))


def merge_lora(model: nn.Module) -> None:
    for m in lora_modules(model):
        m.merge()


def unmerge_lora(model: nn.Module) -> None:
    for m in lora_modules(model):
        m.unmerge()
