"""The Hugging Face glue that needs no transformers: pooling, the byte tokenizer, lazy import."""

import os
import subprocess
import sys
import types
import unittest

import torch
from torch import nn

from workers.gpu.hf import ByteTokenizer, HFBackbone

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class EchoModel(nn.Module):
    """Stands in for a transformers model: hidden state = position-stamped token embedding."""

    def __init__(self):
        super().__init__()
        self.config = types.SimpleNamespace(hidden_size=2)

    def forward(self, input_ids, attention_mask, use_cache):
        positions = torch.arange(input_ids.shape[1]).expand_as(input_ids)
        return (torch.stack([input_ids.float(), positions.float()], dim=-1),)


class HFGlue(unittest.TestCase):
    def test_byte_tokenizer_pads_right_and_truncates(self):
        tok = ByteTokenizer()(["ab", "abcd"], padding=True, truncation=True, max_length=3, return_tensors="pt")
        self.assertEqual(tok["input_ids"].tolist(), [[98, 99, 0], [98, 99, 100]])
        self.assertEqual(tok["attention_mask"].tolist(), [[1, 1, 0], [1, 1, 1]])

    def test_features_are_the_last_real_token_under_right_padding(self):
        backbone = HFBackbone(EchoModel(), ByteTokenizer(), max_length=8)
        self.assertEqual(backbone.hidden_size, 2)
        feats = backbone(backbone.encode(["ab", "xyz", ""], "cpu"))
        # (token id, position) of each text's last byte; an empty text becomes one space.
        self.assertEqual(feats.tolist(), [[ord("b") + 1, 1], [ord("z") + 1, 2], [ord(" ") + 1, 0]])

    def test_transformers_is_imported_only_when_a_hugging_face_model_is_built(self):
        code = (
            "import sys; import workers.gpu.models, workers.gpu.hf, workers.gpu.training; "
            "from workers.gpu.models import build_classifier, config_from_env; "
            "build_classifier(config_from_env({'AAR_DEVICE': 'cpu'}, tiny=True), 'strong', 2, None, 0); "
            "print('transformers' in sys.modules)"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout.strip(), "False")


if __name__ == "__main__":
    unittest.main()
