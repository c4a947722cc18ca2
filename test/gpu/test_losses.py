import unittest

import torch
import torch.nn.functional as F

from workers.gpu.losses import (
    AuxConf,
    adaptive_hard_labels,
    aux_alpha,
    aux_conf_targets,
    base_targets,
    fixed_hard_labels,
    keep_most_confident,
    soft_cross_entropy,
    w2s_loss,
)

WEAK = torch.tensor([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.55, 0.45]])


class BaseTargets(unittest.TestCase):
    def test_soft_targets_are_the_weak_probabilities(self):
        t = base_targets(WEAK, hard=False)
        self.assertTrue(torch.equal(t, WEAK))
        self.assertIsNot(t, WEAK)

    def test_hard_targets_are_one_hot_argmax(self):
        t = base_targets(WEAK, hard=True)
        self.assertTrue(torch.equal(t, torch.tensor([[1.0, 0], [0, 1], [0, 1], [1, 0]])))

    def test_label_smoothing_mixes_with_uniform(self):
        t = base_targets(WEAK, hard=True, smoothing=0.2)
        self.assertTrue(torch.allclose(t[0], torch.tensor([0.9, 0.1])))
        self.assertTrue(torch.allclose(t.sum(dim=1), torch.ones(4)))
        three = base_targets(torch.tensor([[0.0, 1.0, 0.0]]), hard=False, smoothing=0.3)
        self.assertTrue(torch.allclose(three, torch.tensor([[0.1, 0.8, 0.1]])))


class CrossEntropy(unittest.TestCase):
    def test_soft_cross_entropy_with_one_hot_targets_equals_torch(self):
        torch.manual_seed(0)
        logits = torch.randn(6, 3)
        labels = torch.tensor([0, 1, 2, 2, 1, 0])
        ours = soft_cross_entropy(logits, F.one_hot(labels, 3).float())
        self.assertAlmostEqual(float(ours), float(F.cross_entropy(logits, labels)), places=5)

    def test_weights_weigh_rows(self):
        logits = torch.tensor([[2.0, 0.0], [0.0, 2.0]])
        targets = torch.tensor([[1.0, 0.0], [1.0, 0.0]])
        only_first = soft_cross_entropy(logits, targets, torch.tensor([1.0, 0.0]))
        self.assertAlmostEqual(float(only_first), float(soft_cross_entropy(logits[:1], targets[:1])), places=6)


class AuxConfLoss(unittest.TestCase):
    def test_alpha_warms_up_linearly_then_stays_at_alpha_max(self):
        aux = AuxConf(alpha_max=0.8, warmup=0.2)
        self.assertEqual(aux_alpha(0.0, aux), 0.0)
        self.assertAlmostEqual(aux_alpha(0.1, aux), 0.4)
        self.assertAlmostEqual(aux_alpha(0.2, aux), 0.8)
        self.assertAlmostEqual(aux_alpha(0.9, aux), 0.8)
        self.assertEqual(aux_alpha(0.0, AuxConf(alpha_max=0.5, warmup=0)), 0.5)

    def test_adaptive_threshold_matches_the_weak_share_of_class_one(self):
        student = torch.tensor([[0.3, 0.7], [0.35, 0.65], [0.4, 0.6], [0.45, 0.55]])
        # Every row leans to class 1, but the weak labels put only a quarter there.
        base = torch.tensor([[1.0, 0], [1, 0], [0, 1], [1, 0]])
        self.assertEqual(adaptive_hard_labels(student, base).tolist(), [1, 0, 0, 0])
        half = torch.tensor([[1.0, 0], [0, 1], [0, 1], [1, 0]])
        self.assertEqual(adaptive_hard_labels(student, half).tolist(), [1, 1, 0, 0])
        none = torch.tensor([[1.0, 0]] * 4)
        self.assertEqual(adaptive_hard_labels(student, none).tolist(), [0, 0, 0, 0])

    def test_fixed_threshold_and_multiclass_argmax(self):
        student = torch.tensor([[0.3, 0.7], [0.5, 0.5], [0.8, 0.2]])
        self.assertEqual(fixed_hard_labels(student, 0.6).tolist(), [1, 0, 0])
        three = torch.tensor([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]])
        self.assertEqual(fixed_hard_labels(three, 0.6).tolist(), [1, 0])
        self.assertEqual(adaptive_hard_labels(three, torch.zeros(2, 3)).tolist(), [1, 0])

    def test_targets_mix_base_and_hardened_predictions(self):
        student = torch.tensor([[0.3, 0.7], [0.9, 0.1]])
        base = torch.tensor([[0.6, 0.4], [0.2, 0.8]])
        aux = AuxConf(alpha_max=1.0, threshold="fixed", fixed_threshold=0.5)
        mixed = aux_conf_targets(student, base, 0.25, aux)
        self.assertTrue(torch.allclose(mixed, torch.tensor([[0.45, 0.55], [0.4, 0.6]])))

    def test_loss_with_alpha_zero_is_plain_cross_entropy_and_grows_confidence_later(self):
        torch.manual_seed(1)
        logits = torch.randn(8, 2, requires_grad=True)
        base = torch.softmax(torch.randn(8, 2), dim=1)
        aux = AuxConf(alpha_max=0.75, warmup=0.5)
        at_start = w2s_loss(logits, base, 0.0, aux)
        self.assertAlmostEqual(float(at_start), float(soft_cross_entropy(logits, base)), places=6)
        later = w2s_loss(logits, base, 1.0, aux)
        expected = soft_cross_entropy(logits, aux_conf_targets(torch.softmax(logits, 1), base, 0.75, aux))
        self.assertAlmostEqual(float(later), float(expected), places=6)
        later.backward()
        self.assertIsNotNone(logits.grad)
        self.assertEqual(float(w2s_loss(logits, base, 1.0, None)), float(soft_cross_entropy(logits, base)))


class ConfidenceFilter(unittest.TestCase):
    def test_keeps_the_most_confident_fraction_in_row_order(self):
        self.assertEqual(keep_most_confident(WEAK, 0.5), [0, 2])
        self.assertEqual(keep_most_confident(WEAK, 1.0), [0, 1, 2, 3])
        self.assertEqual(keep_most_confident(WEAK, 0.01), [0])

    def test_ties_go_to_earlier_rows(self):
        tied = torch.tensor([[0.5, 0.5]] * 4)
        self.assertEqual(keep_most_confident(tied, 0.5), [0, 1])


if __name__ == "__main__":
    unittest.main()
