import unittest

import torch
from torch import nn

from workers.gpu.lora import LoRALinear, apply_lora, freeze_all_but_lora, lora_modules, merge_lora, unmerge_lora


class TinyBlock(nn.Module):
    """A transformer-like block: attention-style projections and an MLP."""

    def __init__(self, d: int = 12):
        super().__init__()
        self.q_proj = nn.Linear(d, d)
        self.v_proj = nn.Linear(d, d, bias=False)
        self.mlp = nn.Sequential(nn.Linear(d, 2 * d), nn.GELU(), nn.Linear(2 * d, d))

    def forward(self, x):
        return self.mlp(torch.tanh(self.q_proj(x)) * self.v_proj(x)) + x


class TinyModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([TinyBlock(), TinyBlock()])
        self.out = nn.Linear(12, 3)

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return self.out(x)


class LoRA(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.model = TinyModel()
        self.x = torch.randn(5, 12)

    def test_wraps_the_named_linears_only(self):
        names = apply_lora(self.model, ["q_proj", "v_proj"], r=2, alpha=4)
        self.assertEqual(names, ["layers.0.q_proj", "layers.0.v_proj", "layers.1.q_proj", "layers.1.v_proj"])
        self.assertIsInstance(self.model.layers[1].q_proj, LoRALinear)
        self.assertIsInstance(self.model.out, nn.Linear)
        self.assertEqual(len(lora_modules(self.model)), 4)
        self.assertEqual(self.model.layers[0].q_proj.scaling, 2.0)

    def test_a_full_name_selects_one_layer(self):
        self.assertEqual(apply_lora(self.model, ["layers.1.v_proj"], r=2, alpha=2), ["layers.1.v_proj"])

    def test_no_match_names_the_linear_layers(self):
        with self.assertRaises(ValueError) as ctx:
            apply_lora(self.model, ["k_proj"], r=2, alpha=2)
        self.assertIn("q_proj", str(ctx.exception))

    def test_zero_initialised_b_leaves_outputs_unchanged(self):
        before = self.model(self.x)
        apply_lora(self.model, ["q_proj", "v_proj"], r=4, alpha=8)
        self.assertTrue(torch.equal(self.model(self.x), before))

    def test_base_is_frozen_and_only_a_and_b_train(self):
        apply_lora(self.model, ["q_proj", "v_proj"], r=2, alpha=4)
        freeze_all_but_lora(self.model)
        trainable = sorted(n for n, p in self.model.named_parameters() if p.requires_grad)
        self.assertTrue(trainable)
        self.assertTrue(all(n.endswith(("lora_A", "lora_B")) for n in trainable))
        base_before = {n: p.clone() for n, p in self.model.named_parameters() if not p.requires_grad}
        opt = torch.optim.SGD([p for p in self.model.parameters() if p.requires_grad], lr=0.1)
        for _ in range(3):
            loss = self.model(self.x).pow(2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
        for n, p in self.model.named_parameters():
            if n in base_before:
                self.assertTrue(torch.equal(p, base_before[n]), n)
        self.assertGreater(float(self.model.layers[0].q_proj.lora_B.abs().sum()), 0)

    def test_merged_forward_equals_unmerged(self):
        apply_lora(self.model, ["q_proj", "v_proj", "out"], r=3, alpha=6)
        with torch.no_grad():
            for m in lora_modules(self.model):
                m.lora_B.normal_()
        unmerged = self.model(self.x)
        base_weight = self.model.layers[0].q_proj.base.weight.clone()
        merge_lora(self.model)
        self.assertTrue(self.model.layers[0].q_proj.merged)
        self.assertTrue(torch.allclose(self.model(self.x), unmerged, atol=1e-5))
        unmerge_lora(self.model)
        self.assertTrue(torch.allclose(self.model.layers[0].q_proj.base.weight, base_weight, atol=1e-6))
        self.assertTrue(torch.allclose(self.model(self.x), unmerged, atol=1e-5))

    def test_delta_is_scaled_b_times_a(self):
        layer = LoRALinear(nn.Linear(4, 3), r=2, alpha=8)
        with torch.no_grad():
            layer.lora_B.fill_(1.0)
        x = torch.randn(2, 4)
        expected = layer.base(x) + 4.0 * (x @ layer.lora_A.t() @ layer.lora_B.t())
        self.assertTrue(torch.allclose(layer(x), expected, atol=1e-6))
        self.assertEqual(layer.weight.shape, (3, 4))

    def test_low_precision_base_keeps_float32_adapters(self):
        layer = LoRALinear(nn.Linear(4, 3).to(torch.bfloat16), r=2, alpha=2)
        self.assertEqual(layer.lora_A.dtype, torch.float32)
        out = layer(torch.randn(2, 4, dtype=torch.bfloat16))
        self.assertEqual(out.dtype, torch.bfloat16)


if __name__ == "__main__":
    unittest.main()
