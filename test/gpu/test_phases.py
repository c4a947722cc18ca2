"""train.py's two phases, the optimiser's L2, the zero head and the hardening quantile (tiny CPU models)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import torch

from workers.gpu.losses import adaptive_hard_labels
from workers.gpu.models import build_classifier, config_from_env
from workers.gpu.synthetic import write_task
from workers.gpu.training import make_optimizer

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN = os.path.join(ROOT, "workers", "gpu", "train.py")


class Phases(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="aar-gpu-phases-")
        cls.data = os.path.join(cls.dir, "data")
        cls.labels = os.path.join(cls.dir, "labels")
        # 24 gold items: one step an epoch at batch 32, so the step floor decides the weak teacher's length.
        cls.gold = write_task(cls.data, "toy", labeled=24, unlabeled=160, test=60, labels_dir=cls.labels)
        # Gold split A is wrong on every item: a ceiling trained on A would be nearly always wrong,
        # one trained on split B's true labels nearly always right.
        path = os.path.join(cls.labels, "toy", "train_labeled.jsonl")
        with open(path, encoding="utf-8") as f:
            rows = [json.loads(l) for l in f if l.strip()]
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(json.dumps({**r, "label": 1 - r["label"]}) + "\n" for r in rows))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def run_phase(self, phase, job, labels=True):
        env = {k: v for k, v in os.environ.items() if k not in ("AAR_LABELS_DIR",)}
        env.update({"AAR_DATA_DIR": self.data, "AAR_PHASE": phase, "AAR_CEILING_CACHE": "off", "AAR_BASELINE_MIN_STEPS": "60", "PYTHONDONTWRITEBYTECODE": "1"})
        if labels:
            env["AAR_LABELS_DIR"] = self.labels
        return subprocess.run([sys.executable, TRAIN, "--tiny"], input=json.dumps(job) + "\n", capture_output=True, text=True, cwd=self.dir, env=env, timeout=300)

    def accuracy(self, p):
        return sum(self.gold[i] == c for i, c in zip(p["ids"], p["classes"])) / len(self.gold)

    def baselines(self):
        if not hasattr(self.__class__, "_base"):
            proc = self.run_phase("baselines", {"experimentId": "bl-toy", "task": "toy", "seed": 1, "phase": "baselines"})
            self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
            self.__class__._base = json.loads(proc.stdout)
        return self.__class__._base

    def test_the_ceiling_trains_on_split_b_with_its_true_labels(self):
        base = self.baselines()
        self.assertEqual(set(base), {"weak", "ceiling", "weakTrain", "stats"})
        # The weak teacher learnt A's (inverted) labels; the ceiling learnt B's true ones.
        self.assertLess(self.accuracy(base["weak"]), 0.4)
        self.assertGreater(self.accuracy(base["ceiling"]), 0.85)
        self.assertEqual(base["stats"]["ceilingTrainItems"], 160)
        # Sized in steps: 24 gold items at batch 32 are 1 step an epoch, so 60 steps take 60 epochs (not the default 20).
        self.assertEqual(base["stats"]["weakEpochs"], 60)
        self.assertEqual(base["stats"]["weakSteps"], 60)

    def test_the_method_phase_trains_on_the_specs_weak_labels_without_any_label_file(self):
        base = self.baselines()
        job = {"experimentId": "exp-m-1", "task": "toy", "seed": 1, "method": {"name": "naive"}, "weakLabels": base["weakTrain"]}
        proc = self.run_phase("method", job, labels=False)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        out = json.loads(proc.stdout)
        self.assertEqual(set(out), {"student", "stats"})
        # It copied the (inverted) weak labels it was given: it had nothing else to learn from.
        self.assertLess(self.accuracy(out["student"]), 0.4)

    def test_the_method_phase_without_weak_labels_is_invalid_input(self):
        proc = self.run_phase("method", {"experimentId": "exp-m-2", "task": "toy", "seed": 1, "method": {}}, labels=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("spec.weakLabels: required in the method phase", proc.stderr.strip().splitlines()[-1])

    def test_the_baselines_phase_without_a_labels_folder_is_invalid_input(self):
        proc = self.run_phase("baselines", {"experimentId": "bl-toy", "task": "toy", "seed": 1, "phase": "baselines"}, labels=False)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("AAR_LABELS_DIR is not set", proc.stderr.strip().splitlines()[-1])


class Pieces(unittest.TestCase):
    def test_l2_is_a_coupled_penalty_on_weights_only_as_on_the_w2s_runner(self):
        model = build_classifier(config_from_env({}, tiny=True), "strong", 2, {"kind": "mlp", "width": 8}, 0)
        opt = make_optimizer(model, 0.01, 0.001)
        self.assertIs(type(opt), torch.optim.Adam)
        by_decay = {g["weight_decay"]: g["params"] for g in opt.param_groups}
        self.assertTrue(all(p.ndim >= 2 for p in by_decay[0.001]))
        self.assertTrue(all(p.ndim < 2 for p in by_decay[0.0]))
        # Coupled: one Adam step from zero moments moves each weight by lr * sign(grad + l2 * w).
        w = torch.nn.Parameter(torch.tensor([[1.0, -2.0]]))
        lin = torch.nn.Module()
        lin.w = w
        step = make_optimizer(lin, 0.1, 0.5)
        w.grad = torch.tensor([[-0.4, 0.9]])
        step.step()
        # grad + l2*w = [0.1, -0.1]: both weights move against it; AdamW (decoupled) would move the first the other way.
        self.assertTrue(torch.allclose(w.detach(), torch.tensor([[0.9, -1.9]]), atol=1e-4))

    def test_the_head_starts_at_zero(self):
        model = build_classifier(config_from_env({}, tiny=True), "strong", 3, None, 0)
        self.assertEqual(float(model.head.weight.detach().abs().sum()), 0.0)
        self.assertEqual(float(model.head.bias.detach().abs().sum()), 0.0)

    def test_adaptive_hardening_rounds_the_quantile_index(self):
        probs = torch.tensor([[1 - p, p] for p in [i / 10 for i in range(10)]])
        base = torch.tensor([[0.78, 0.22]] * 10)  # class 1 share 0.22: round(10 * 0.78) = 8, floor = 7
        hard = adaptive_hard_labels(probs, base)
        self.assertEqual(int(hard.sum()), 2)


if __name__ == "__main__":
    unittest.main()


class Pairwise(unittest.TestCase):
    def test_a_pairwise_task_trains_symmetrised_and_swapping_a_and_b_swaps_every_answer(self):
        import random

        from workers.gpu.pairwise import symmetric, texts_of
        from workers.gpu.synthetic import NEGATIVE, POSITIVE

        rng = random.Random(3)
        folder = tempfile.mkdtemp(prefix="aar-gpu-pairs-")
        self.addCleanup(shutil.rmtree, folder, True)

        def item(i, prefix):
            good, bad = " ".join(rng.sample(POSITIVE, 3)), " ".join(rng.sample(NEGATIVE, 3))
            label = rng.randrange(2)
            a, b = (good, bad) if label == 0 else (bad, good)
            return {"id": f"pw-{prefix}-{i}", "prompt": "how was it?", "a": a, "b": b}, label

        def write(where, name, rows):
            os.makedirs(os.path.join(where, "pw"), exist_ok=True)
            with open(os.path.join(where, "pw", name), "w", encoding="utf-8") as f:
                f.write("".join(json.dumps(r) + "\n" for r in rows))

        gold, unl, test = [item(i, "l") for i in range(24)], [item(i, "u") for i in range(40)], [item(i, "t") for i in range(20)]
        data, labels = os.path.join(folder, "data"), os.path.join(folder, "labels")
        write(labels, "train_labeled.jsonl", [{**r, "label": y} for r, y in gold])
        write(labels, "train_unlabeled_labels.jsonl", [{"id": r["id"], "label": y} for r, y in unl])
        write(data, "train_unlabeled.jsonl", [r for r, _ in unl])
        write(data, "test.jsonl", [r for r, _ in test])
        env = {**os.environ, "AAR_DATA_DIR": data, "AAR_LABELS_DIR": labels, "AAR_CEILING_CACHE": "off", "AAR_BASELINE_MIN_STEPS": "10", "PYTHONDONTWRITEBYTECODE": "1"}
        env.pop("AAR_PHASE", None)
        proc = subprocess.run([sys.executable, TRAIN, "--tiny"], input=json.dumps({"experimentId": "exp-pw-1", "task": "pw", "seed": 1, "method": {}}) + "\n",
                              capture_output=True, text=True, cwd=folder, env=env, timeout=300)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        out = json.loads(proc.stdout)
        # The tiny model is a bag of words, blind to which response comes first: it runs the format, it cannot learn it.
        for who in ("student", "weak", "ceiling"):
            self.assertEqual(out[who]["ids"], [r["id"] for r, _ in test])
            self.assertTrue(all(c in (0, 1) for c in out[who]["classes"]))
        # Symmetrised prediction: whatever the model, the answer on (B, A) is the reverse of (A, B).
        model = build_classifier(config_from_env({}, tiny=True), "strong", 2, None, 0)
        with torch.no_grad():
            model.head.weight.normal_()
        predict = lambda texts: torch.softmax(model(model.encode(texts)), dim=-1)  # noqa: E731
        pairs = [(p["prompt"], p["a"], p["b"]) for p, _ in test]
        swapped = [(q, b, a) for q, a, b in pairs]
        with torch.no_grad():
            straight = symmetric(predict, texts_of(pairs), pairs)
            reverse = symmetric(predict, texts_of(swapped), swapped)
        self.assertTrue(torch.allclose(straight, reverse.flip(-1), atol=1e-6))


class RealSizes(unittest.TestCase):
    def test_the_hand_written_configs_have_the_published_sizes(self):
        import transformers as tf

        from workers.gpu.hf import RANDOM_SIZES

        # Built on the meta device: shapes only, no memory. Published: Qwen1.5-0.5B 0.46B, Qwen3-4B 4.02B (tied embeddings).
        expected = {"qwen1.5-0.5b": 0.464, "qwen3-4b": 4.022}
        for name, (kind, fields) in RANDOM_SIZES.items():
            with torch.device("meta"):
                model = tf.AutoModel.from_config(getattr(tf, kind)(**fields))
            self.assertAlmostEqual(sum(p.numel() for p in model.parameters()) / 1e9, expected[name], places=2, msg=name)
