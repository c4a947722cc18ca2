"""Models: a backbone that turns a batch of texts into one feature vector per text, and a
classification head on top. LoRA wraps the backbone's target linear layers; the head (and
anything the backbone names in `trainable_base`) trains in full.

Factories (AAR_MODELS or train.py --tiny):
- hf (default): Hugging Face checkpoints, weak AAR_WEAK_MODEL (Qwen/Qwen1.5-0.5B-Chat) and strong
  AAR_STRONG_MODEL (Qwen/Qwen3-4B-Base), ids or local paths; see hf.py. transformers is imported
  only here, only when used.
- hf-random: tiny randomly initialised Qwen2 models through the same code path, no weights
  (the GPU smoke test).
- tiny: hashed bag-of-words + MLP in plain PyTorch, for CPU tests; no transformers.
"""

from __future__ import annotations

import os

import re
import zlib
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Sequence

import torch
from torch import nn

from .errors import InvalidInput
from .lora import apply_lora, freeze_all_but_lora

FACTORIES = ("hf", "hf-random", "tiny")
DEFAULT_WEAK = "Qwen/Qwen1.5-0.5B-Chat"
DEFAULT_STRONG = "Qwen/Qwen3-4B-Base"


@dataclass
class Defaults:
    """Hyperparameters a method leaves out (and the weak teacher's and ceiling's, always)."""

    epochs: int
    lr: float
    batch_size: int
    lora_r: int
    lora_alpha: float
    lora_targets: List[str]


@dataclass
class ModelConfig:
    factory: str
    weak: str
    strong: str
    device: str
    max_length: int = 512
    allow_download: bool = False
    defaults: Defaults = field(default_factory=lambda: Defaults(2, 1e-4, 16, 8, 16.0, ["q_proj", "k_proj", "v_proj", "o_proj"]))

    def name_of(self, role: str) -> str:
        return self.weak if role == "weak" else self.strong


def _env_int(env: Dict[str, str], key: str, default: int) -> int:
    raw = env.get(key, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"{key}={raw!r}: expected an integer") from None
    if value < 1:
        raise InvalidInput(f"{key}={raw!r}: expected a positive integer")
    return value


def config_from_env(env: Dict[str, str], tiny: bool = False) -> ModelConfig:
    factory = "tiny" if tiny else env.get("AAR_MODELS", "hf") or "hf"
    if factory not in FACTORIES:
        raise InvalidInput(f"AAR_MODELS={factory!r}: accepted {', '.join(FACTORIES)}")
    device = env.get("AAR_DEVICE") or ("cuda" if torch.cuda.is_available() else "cpu")
    if factory == "tiny":
        defaults = Defaults(epochs=20, lr=0.02, batch_size=32, lora_r=4, lora_alpha=8.0, lora_targets=["fc"])
    elif factory == "hf-random":
        defaults = Defaults(epochs=3, lr=3e-3, batch_size=16, lora_r=4, lora_alpha=8.0, lora_targets=["q_proj", "v_proj"])
    else:
        defaults = Defaults(epochs=2, lr=1e-4, batch_size=16, lora_r=8, lora_alpha=16.0, lora_targets=["q_proj", "k_proj", "v_proj", "o_proj"])
    defaults.lora_r = _env_int(env, "AAR_LORA_R", defaults.lora_r)
    defaults.lora_alpha = float(_env_int(env, "AAR_LORA_ALPHA", int(defaults.lora_alpha)))
    if env.get("AAR_LORA_TARGETS"):
        defaults.lora_targets = [t.strip() for t in env["AAR_LORA_TARGETS"].split(",") if t.strip()]
    return ModelConfig(
        factory=factory,
        weak=env.get("AAR_WEAK_MODEL") or (DEFAULT_WEAK if factory == "hf" else f"{factory}-weak"),
        strong=env.get("AAR_STRONG_MODEL") or (DEFAULT_STRONG if factory == "hf" else f"{factory}-strong"),
        device=device,
        max_length=_env_int(env, "AAR_MAX_LENGTH", 512),
        allow_download=env.get("AAR_ALLOW_DOWNLOAD") == "1",
        defaults=defaults,
    )


class TinyBackbone(nn.Module):
    """Hashed words -> mean embedding -> tanh(fc). Deterministic hashing (crc32), no vocabulary."""

    trainable_base = ("embed",)

    def __init__(self, buckets: int, dim: int, hidden: int):
        super().__init__()
        self.buckets = buckets
        self.embed = nn.EmbeddingBag(buckets, dim, mode="mean")
        self.fc = nn.Linear(dim, hidden)
        self.hidden_size = hidden

    def encode(self, texts: Sequence[str], device: str) -> Dict[str, torch.Tensor]:
        ids: List[int] = []
        offsets: List[int] = []
        for text in texts:
            offsets.append(len(ids))
            ids.extend(zlib.crc32(w.encode("utf-8")) % self.buckets for w in re.findall(r"\w+", text.lower()))
        return {"ids": torch.tensor(ids, dtype=torch.long, device=device), "offsets": torch.tensor(offsets, dtype=torch.long, device=device)}

    def forward(self, batch: Dict[str, torch.Tensor]) -> torch.Tensor:
        return torch.tanh(self.fc(self.embed(batch["ids"], batch["offsets"])))


class TextClassifier(nn.Module):
    """backbone features -> head logits (float32)."""

    def __init__(self, backbone: nn.Module, classes: int, head: Optional[dict], device: str):
        super().__init__()
        self.backbone = backbone
        hidden = backbone.hidden_size
        if head is not None and head.get("kind") == "mlp":
            width = int(head["width"])
            self.head = nn.Sequential(nn.Linear(hidden, width), nn.ReLU(), nn.Linear(width, classes))
        else:
            self.head = nn.Linear(hidden, classes)
        # Zero-initialised output layer, as in Burns et al.: every class starts equally likely,
        # so the first steps follow the targets, not a random head's preferences.
        last = self.head[-1] if isinstance(self.head, nn.Sequential) else self.head
        nn.init.zeros_(last.weight)
        nn.init.zeros_(last.bias)
        self.head.to(device=device, dtype=torch.float32)
        self.device = device
        # A method's format_text hook (method_run.py): applied to every text the model reads.
        self.text_format = None

    def encode(self, texts: Sequence[str]) -> Dict[str, torch.Tensor]:
        if self.text_format is not None:
            texts = self.text_format(list(texts))
        return self.backbone.encode(texts, self.device)

    def forward(self, batch: Dict[str, torch.Tensor]) -> torch.Tensor:
        return self.head(self.backbone(batch).float())

    def trainable_state(self) -> Dict[str, torch.Tensor]:
        """A copy of the trainable parameters only (LoRA and head): cheap best-epoch snapshots."""
        return {n: p.detach().clone() for n, p in self.named_parameters() if p.requires_grad}

    def load_trainable_state(self, state: Dict[str, torch.Tensor]) -> None:
        params = dict(self.named_parameters())
        with torch.no_grad():
            for n, value in state.items():
                params[n].copy_(value)


def build_backbone(config: ModelConfig, role: str, seed: int) -> nn.Module:
    torch.manual_seed(seed)
    if config.factory == "tiny":
        # The weak teacher is weak by construction: few hash buckets, so words collide.
        backbone = TinyBackbone(buckets=12, dim=8, hidden=8) if role == "weak" else TinyBackbone(buckets=4096, dim=32, hidden=32)
        return backbone.to(config.device)
    from . import hf  # transformers stays unimported unless a Hugging Face model is used

    if config.factory == "hf-random":
        size = os.environ.get("AAR_RANDOM_WEAK" if role == "weak" else "AAR_RANDOM_STRONG", "tiny") or "tiny"
        return hf.random_backbone(role, config.device, seed, size, config.max_length)
    return hf.load_backbone(config.name_of(role), config.device, config.max_length, config.allow_download)


def build_classifier(config: ModelConfig, role: str, classes: int, head: Optional[dict], seed: int) -> TextClassifier:
    """A fresh model for `role` ("weak" or "strong"): LoRA on the backbone's target layers,
    everything else in the backbone frozen except its `trainable_base` modules."""
    backbone = build_backbone(config, role, seed)
    d = config.defaults
    try:
        apply_lora(backbone, d.lora_targets, d.lora_r, d.lora_alpha)
    except ValueError as e:
        raise InvalidInput(f"AAR_LORA_TARGETS: {e}") from None
    freeze_all_but_lora(backbone)
    for name in getattr(backbone, "trainable_base", ()):
        for p in backbone.get_submodule(name).parameters():
            p.requires_grad_(True)
    torch.manual_seed(seed + 1)
    return TextClassifier(backbone, classes, head, config.device)


def describe(config: ModelConfig) -> Dict[str, object]:
    return {"factory": config.factory, "weak": config.weak, "strong": config.strong, "device": config.device}
