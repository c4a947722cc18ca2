"""Hugging Face backbones (imported only when AAR_MODELS is hf or hf-random).

The feature of a text is the last hidden state at its last real token (right padding), which
suits decoder-only models such as Qwen. Nothing is downloaded unless AAR_ALLOW_DOWNLOAD=1:
otherwise transformers runs with local_files_only=True and HF_HUB_OFFLINE=1, and a model that
is not on disk is invalid input (exit 2) with a message saying how to provide it.
"""

from __future__ import annotations

import os
from typing import Dict, List, Sequence

import torch
from torch import nn

from .errors import InvalidInput


def _transformers(allow_download: bool):
    if not allow_download:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    try:
        import transformers
    except ImportError:
        raise InvalidInput(
            "the Hugging Face path needs the transformers package (4.51 or later for Qwen3): "
            "pip install 'transformers>=4.51' on this worker, or run with AAR_MODELS=tiny"
        ) from None
    transformers.logging.set_verbosity_error()
    return transformers


class HFBackbone(nn.Module):
    def __init__(self, model: nn.Module, tokenizer, max_length: int):
        super().__init__()
        self.model = model
        self.tokenizer = tokenizer
        self.max_length = max_length
        self.hidden_size = int(model.config.hidden_size)
        # AAR_TRUNCATE=end keeps a long text's end (where a chat's answer or a program's last step is).
        self.keep_end = os.environ.get("AAR_TRUNCATE", "start") == "end"
        tokenizer.truncation_side = "left" if self.keep_end else "right"
        # Texts encoded, how many were cut to max_length, and real (unpadded) tokens: logged per phase.
        self.texts_seen = 0
        self.texts_truncated = 0
        self.tokens_seen = 0
        self.pool = None

    def encode(self, texts: Sequence[str], device: str) -> Dict[str, torch.Tensor]:
        # An empty text would have no token to read a feature from.
        texts = [t if t else " " for t in texts]
        # One token more than kept: a row that fills it was longer than max_length, i.e. truncated.
        n = self.max_length
        tok = self.tokenizer(list(texts), padding=True, truncation=True, max_length=n + 1, return_tensors="pt")
        ids, mask = tok["input_ids"], tok["attention_mask"]
        cut = mask.sum(dim=1) > n
        if bool(cut.any()):
            if self.keep_end:
                # Rows are right-padded: drop the first real token of each cut row.
                ids, mask = ids.clone(), mask.clone()
                ids[cut, :-1], mask[cut, :-1] = ids[cut, 1:].clone(), mask[cut, 1:].clone()
                mask[cut, -1] = 0
            ids, mask = ids[:, :n], mask[:, :n]
        self.texts_seen += len(texts)
        self.texts_truncated += int(cut.sum())
        self.tokens_seen += int(mask.sum())
        return {"input_ids": ids.to(device), "attention_mask": mask.to(device)}

    def forward(self, batch: Dict[str, torch.Tensor]) -> torch.Tensor:
        mask = batch["attention_mask"]
        out = self.model(input_ids=batch["input_ids"], attention_mask=mask, use_cache=False)
        hidden = out[0]
        if self.pool is not None:  # a method's pool hook (method_run.py)
            return self.pool(hidden, mask)
        last = (mask.sum(dim=1) - 1).clamp_min(0)
        return hidden[torch.arange(hidden.shape[0], device=hidden.device), last]


def _looks_like_a_path(name: str) -> bool:
    return name.startswith((os.sep, ".", "~")) or os.path.isabs(name)


def check_available(name: str, allow_download: bool) -> None:
    """Fails fast, before hours of training the weak teacher, when a model cannot be loaded:
    a local folder that is not there, or (downloads off) a hub id not in the local cache."""
    if os.path.isdir(os.path.expanduser(name)):  # a folder, relative ones included
        return
    if _looks_like_a_path(name):
        if not os.path.isdir(os.path.expanduser(name)):
            raise InvalidInput(f"model folder {name!r} does not exist on this worker (AAR_WEAK_MODEL / AAR_STRONG_MODEL take a hub id or a local folder)")
        return
    _transformers(allow_download)
    if allow_download:
        return
    from huggingface_hub import try_to_load_from_cache

    if not isinstance(try_to_load_from_cache(name, "config.json"), str):
        raise InvalidInput(f"model {name!r} is not in this worker's Hugging Face cache (HF_HOME) and downloads are off: "
                           "download it once (huggingface-cli download), pass a local folder, or set AAR_ALLOW_DOWNLOAD=1")


def load_backbone(name: str, device: str, max_length: int, allow_download: bool) -> HFBackbone:
    check_available(name, allow_download)
    name = os.path.expanduser(name)
    tf = _transformers(allow_download)
    dtype = torch.bfloat16 if device.startswith("cuda") else torch.float32
    # transformers 4.56 renamed torch_dtype to dtype (the old name warns, and will go).
    major, minor = (int(x) for x in tf.__version__.split(".")[:2])
    dtype_kw = "dtype" if (major, minor) >= (4, 56) else "torch_dtype"
    try:
        tokenizer = tf.AutoTokenizer.from_pretrained(name, local_files_only=not allow_download)
        model = tf.AutoModel.from_pretrained(name, local_files_only=not allow_download, **{dtype_kw: dtype})
    except (OSError, ValueError) as e:
        how = "" if allow_download else " Downloads are off: put it in the Hugging Face cache (HF_HOME) or pass a local path, or set AAR_ALLOW_DOWNLOAD=1."
        raise InvalidInput(f"cannot load model {name!r} with transformers {tf.__version__}: {e}.{how}") from None
    tokenizer.padding_side = "right"
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    model.config.use_cache = False
    if os.environ.get("AAR_GRADIENT_CHECKPOINTING") == "1":
        model.gradient_checkpointing_enable()
        # With frozen embeddings nothing before the first layer needs grad; checkpointing needs some.
        model.enable_input_require_grads()
    return HFBackbone(model.to(device), tokenizer, max_length)


class ByteTokenizer:
    """UTF-8 bytes as token ids (0 is padding), with the call signature transformers' tokenizers have."""

    vocab_size = 257
    truncation_side = "right"

    def __call__(self, texts: List[str], padding: bool, truncation: bool, max_length: int, return_tensors: str) -> Dict[str, torch.Tensor]:
        rows = [[b + 1 for b in t.encode("utf-8")] for t in texts]
        rows = [r[-max_length:] if self.truncation_side == "left" else r[:max_length] for r in rows]
        width = max(len(r) for r in rows)
        ids = torch.zeros(len(rows), width, dtype=torch.long)
        mask = torch.zeros(len(rows), width, dtype=torch.long)
        for i, r in enumerate(rows):
            ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
            mask[i, : len(r)] = 1
        return {"input_ids": ids, "attention_mask": mask}


# Hand-written configs of real model sizes (from the models' published config.json), for
# benchmarks with random weights: AAR_RANDOM_WEAK / AAR_RANDOM_STRONG name one (default tiny).
RANDOM_SIZES = {
    "qwen1.5-0.5b": ("Qwen2Config", dict(vocab_size=151936, hidden_size=1024, intermediate_size=2816, num_hidden_layers=24,
                                          num_attention_heads=16, num_key_value_heads=16, max_position_embeddings=32768, tie_word_embeddings=True)),
    "qwen3-4b": ("Qwen3Config", dict(vocab_size=151936, hidden_size=2560, intermediate_size=9728, num_hidden_layers=36, num_attention_heads=32,
                                     num_key_value_heads=8, head_dim=128, max_position_embeddings=40960, tie_word_embeddings=True)),
}


def random_backbone(role: str, device: str, seed: int, size: str = "tiny", max_length: int = 256) -> HFBackbone:
    """A randomly initialised Qwen (no weights anywhere): the Hugging Face code path, LoRA
    included, without a checkpoint. "tiny" (the tests), or a real size from RANDOM_SIZES."""
    tf = _transformers(False)
    torch.manual_seed(seed)
    if size == "tiny":
        width = 32 if role == "weak" else 64
        config = tf.Qwen2Config(
            vocab_size=ByteTokenizer.vocab_size,
            hidden_size=width,
            intermediate_size=2 * width,
            num_hidden_layers=1 if role == "weak" else 2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=512,
            tie_word_embeddings=False,
        )
    elif size in RANDOM_SIZES:
        kind, fields = RANDOM_SIZES[size]
        config = getattr(tf, kind)(**fields)
    else:
        raise InvalidInput(f"AAR_RANDOM_{role.upper()}={size!r}: accepted tiny, {', '.join(RANDOM_SIZES)}")
    model = tf.AutoModel.from_config(config)
    if device.startswith("cuda"):
        model = model.to(torch.bfloat16)
    backbone = HFBackbone(model.to(device), ByteTokenizer(), 256 if size == "tiny" else max_length)
    # Random weights carry no prior: at the tiny size let the token embeddings learn, as the tiny
    # CPU model does; at real sizes train LoRA and the head only, as with a checkpoint.
    backbone.trainable_base = ("model.embed_tokens",) if size == "tiny" else ()
    return backbone


def write_tiny_checkpoint(folder: str, corpus: Sequence[str], width: int = 32, layers: int = 1, seed: int = 0) -> str:
    """Saves a tiny random Qwen2 and a byte-level BPE tokenizer trained on `corpus` to `folder`,
    laid out as a real Qwen checkpoint: the `hf` factory's from_pretrained path, no download.
    Like Qwen base models, the tokenizer has no pad token, so the eos fallback is exercised."""
    tf = _transformers(False)
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    eos = "<|endoftext|>"
    core = Tokenizer(models.BPE())
    core.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    core.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=400, special_tokens=[eos], initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    core.train_from_iterator(list(corpus), trainer)
    tokenizer = tf.PreTrainedTokenizerFast(tokenizer_object=core, eos_token=eos)
    torch.manual_seed(seed)
    config = tf.Qwen2Config(
        vocab_size=core.get_vocab_size(), hidden_size=width, intermediate_size=2 * width, num_hidden_layers=layers,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512, tie_word_embeddings=False,
        eos_token_id=core.token_to_id(eos),
    )
    tf.AutoModelForCausalLM.from_config(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
