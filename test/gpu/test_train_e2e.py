"""train.py end to end with the tiny CPU models: spec on stdin, result on stdout, progress on stderr."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from workers.gpu.synthetic import write_task

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN = os.path.join(ROOT, "workers", "gpu", "train.py")


def spec(method, seed=1, task="toy"):
    return {"experimentId": "exp-gpu-001", "task": task, "seed": seed, "method": method}


class TrainEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="aar-gpu-e2e-")
        cls.gold = write_task(cls.dir, "toy")
        cls.cache = os.path.join(cls.dir, "cache")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def run_trainer(self, job, args=("--tiny",), env=None, stdin=None):
        full_env = {**os.environ, "AAR_DATA_DIR": self.dir, "AAR_CEILING_CACHE": self.cache, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
        # Run from another folder, as a worker would, by path: the script must find its package itself.
        return subprocess.run(
            [sys.executable, TRAIN, *args],
            input=stdin if stdin is not None else json.dumps(job) + "\n",
            capture_output=True,
            text=True,
            cwd=self.dir,
            env=full_env,
            timeout=300,
        )

    def progress(self, stderr):
        lines = [l for l in stderr.splitlines() if l.startswith("AAR_PROGRESS ")]
        return [json.loads(l[len("AAR_PROGRESS ") :]) for l in lines]

    def check_result(self, proc):
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        result = json.loads(proc.stdout)  # stdout holds exactly one JSON object
        self.assertEqual(set(result), {"student", "weak", "ceiling", "stats"})
        ids = list(self.gold)
        for who in ("student", "weak", "ceiling"):
            self.assertEqual(result[who]["ids"], ids, who)
            self.assertTrue(all(type(c) is int and c in (0, 1) for c in result[who]["classes"]), who)
        return result

    def accuracy(self, predictions):
        return sum(self.gold[i] == c for i, c in zip(predictions["ids"], predictions["classes"])) / len(self.gold)

    def test_naive_method_produces_a_valid_result_and_progress(self):
        proc = self.run_trainer(spec({"name": "naive", "labels": "soft", "labelSmoothing": 0}), env={"AAR_CEILING_CACHE": "off"})
        result = self.check_result(proc)
        events = self.progress(proc.stderr)
        self.assertGreater(len(events), 10)
        fractions = [e["fraction"] for e in events]
        self.assertEqual(fractions, sorted(fractions))
        self.assertEqual(fractions[-1], 1.0)
        self.assertTrue(any("step" in e and "loss" in e and e["note"].startswith("student step") for e in events))
        self.assertTrue(all(len(e["note"]) <= 500 for e in events))
        stats = result["stats"]
        self.assertEqual(stats["models"]["factory"], "tiny")
        self.assertEqual(stats["epochs"], 20)
        self.assertFalse(stats["ceilingCached"])
        # The task is easy for the strong model and harder for the weak one.
        self.assertGreater(self.accuracy(result["ceiling"]), 0.85)
        self.assertGreater(self.accuracy(result["weak"]), 0.55)

    def test_every_supported_option_together_and_the_ceiling_cache(self):
        method = {
            "name": "everything",
            "labels": "hard",
            "labelSmoothing": 0.1,
            "auxConf": {"alphaMax": 0.5, "warmup": 0.2, "threshold": "adaptive", "fixedThreshold": 0.5},
            "filter": {"keep": 0.7},
            "earlyStopping": {"patience": 2},
            "epochs": 8,
            "lr": 0.03,
            "batchSize": 16,
            "l2": 0.001,
            "head": {"kind": "mlp", "width": 8},
        }
        first = self.check_result(self.run_trainer(spec(method, seed=5)))
        stats = first["stats"]
        self.assertLessEqual(stats["epochs"], 8)
        self.assertIn("validationAgreement", stats)
        # 240 unlabeled, 48 held out for early stopping, 70% of the other 192 kept.
        self.assertEqual(stats["studentTrainItems"], 134)
        self.assertFalse(stats["ceilingCached"])
        again = self.check_result(self.run_trainer(spec({"name": "naive"}, seed=5)))
        self.assertTrue(again["stats"]["ceilingCached"])
        self.assertEqual(again["ceiling"], first["ceiling"])

    def test_same_seed_same_predictions(self):
        a = self.check_result(self.run_trainer(spec({"auxConf": {"alphaMax": 0.75}}, seed=9), env={"AAR_CEILING_CACHE": "off"}))
        b = self.check_result(self.run_trainer(spec({"auxConf": {"alphaMax": 0.75}}, seed=9), env={"AAR_CEILING_CACHE": "off"}))
        self.assertEqual(a["student"], b["student"])

    def test_invalid_input_exits_2_with_the_reason_last(self):
        cases = [
            (spec({"knn": {"k": 5}}), {}, "method.knn"),
            (spec({"ensemble": {"size": 3}}), {}, "method.ensemble"),
            (spec({}, task="missing"), {}, "does not exist"),
            (spec({}), {"AAR_DATA_DIR": ""}, "AAR_DATA_DIR"),
            (None, {}, "not valid JSON"),
        ]
        for job, env, reason in cases:
            with self.subTest(reason=reason):
                proc = self.run_trainer(job, env=env, stdin="{oops" if job is None else None)
                self.assertEqual(proc.returncode, 2, proc.stderr)
                self.assertEqual(proc.stdout, "")
                self.assertIn(reason, proc.stderr.strip().splitlines()[-1])

    def test_bad_data_line_exits_2_naming_file_line_and_field(self):
        data = tempfile.mkdtemp(prefix="aar-gpu-bad-", dir=self.dir)
        write_task(data, "toy", labeled=10, unlabeled=10, test=5)
        with open(os.path.join(data, "toy", "train_labeled.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps({"id": "toy-l-x", "text": "good", "label": "positive"}) + "\n")
        proc = self.run_trainer(spec({}), env={"AAR_DATA_DIR": data})
        self.assertEqual(proc.returncode, 2, proc.stderr)
        last = proc.stderr.strip().splitlines()[-1]
        self.assertIn("train_labeled.jsonl line 11", last)
        self.assertIn('field "label"', last)

    def test_the_hugging_face_path_without_transformers_is_invalid_input_saying_how_to_fix_it(self):
        # A transformers package that cannot be imported, first on the path, stands in for a worker without it.
        shadow = os.path.join(self.dir, "no-transformers")
        os.makedirs(os.path.join(shadow, "transformers"), exist_ok=True)
        with open(os.path.join(shadow, "transformers", "__init__.py"), "w") as f:
            f.write("raise ImportError('transformers is not installed here')\n")
        proc = self.run_trainer(spec({}), args=(), env={"AAR_MODELS": "hf", "AAR_DEVICE": "cpu", "PYTHONPATH": shadow})
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("the Hugging Face path needs the transformers package", proc.stderr.strip().splitlines()[-1])
        self.assertIn("AAR_MODELS=tiny", proc.stderr)

if __name__ == "__main__":
    unittest.main()
