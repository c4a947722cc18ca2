"""The Hugging Face path on the CPU with transformers' own Qwen2 code and no weights to fetch:
a random tiny Qwen2 (AAR_MODELS=hf-random) and checkpoint folders written here and loaded
through from_pretrained (AAR_MODELS=hf), each through train.py end to end."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

import torch

from workers.gpu import hf, hf_smoke
from workers.gpu.models import build_classifier, config_from_env
from workers.gpu.synthetic import NEGATIVE, NEUTRAL, POSITIVE, write_task

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN = os.path.join(ROOT, "workers", "gpu", "train.py")
METHOD = {"labels": "soft", "labelSmoothing": 0, "auxConf": {"alphaMax": 0.5}, "earlyStopping": {"patience": 1}, "epochs": 2}


class HuggingFacePath(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="aar-hf-")
        cls.gold = write_task(cls.dir, "toy", labeled=48, unlabeled=64, test=24)
        corpus = [" ".join(POSITIVE), " ".join(NEGATIVE), " ".join(NEUTRAL)] * 4
        cls.weak_dir = hf.write_tiny_checkpoint(os.path.join(cls.dir, "weak-model"), corpus, width=32, layers=1)
        cls.strong_dir = hf.write_tiny_checkpoint(os.path.join(cls.dir, "strong-model"), corpus, width=64, layers=2, seed=1)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def train(self, env):
        full_env = {**os.environ, "AAR_DATA_DIR": self.dir, "AAR_DEVICE": "cpu", "AAR_CEILING_CACHE": "off", "PYTHONDONTWRITEBYTECODE": "1", **env}
        full_env.pop("AAR_ALLOW_DOWNLOAD", None)
        job = {"experimentId": "exp-hf-001", "task": "toy", "seed": 1, "method": METHOD}
        return subprocess.run([sys.executable, TRAIN], input=json.dumps(job), capture_output=True, text=True, cwd=self.dir, env=full_env, timeout=600)

    def check_result(self, proc):
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        result = json.loads(proc.stdout)
        for who in ("student", "weak", "ceiling"):
            self.assertEqual(result[who]["ids"], list(self.gold), who)
            self.assertTrue(all(c in (0, 1) for c in result[who]["classes"]), who)
        self.assertGreater(proc.stderr.count("AAR_PROGRESS "), 5)
        return result["stats"]

    def test_random_qwen2_lora_trains_and_merges(self):
        # The smoke test's own checks: LoRA placement, what trains, zero B, falling loss, merge.
        summary = hf_smoke.random_qwen("cpu")
        self.assertLess(summary["lastLoss"], summary["firstLoss"])

    def test_train_py_with_a_random_qwen2_reports_step_time_and_memory(self):
        stats = self.check_result(self.train({"AAR_MODELS": "hf-random"}))
        self.assertEqual(stats["models"]["factory"], "hf-random")
        self.assertGreater(stats["studentSteps"], 0)
        self.assertGreater(stats["studentSecondsPerStep"], 0)
        self.assertGreater(stats["peakRssGiB"], 0)
        self.assertIsNone(stats["peakGpuMemoryGiB"])  # on the CPU
        self.assertEqual(stats["gpuSeconds"], 0)

    def test_train_py_loads_local_checkpoint_folders_offline(self):
        stats = self.check_result(self.train({"AAR_MODELS": "hf", "AAR_WEAK_MODEL": self.weak_dir, "AAR_STRONG_MODEL": self.strong_dir,
                                              "AAR_GRADIENT_CHECKPOINTING": "1", "AAR_MAX_LENGTH": "32"}))
        self.assertEqual(stats["models"], {"factory": "hf", "weak": self.weak_dir, "strong": self.strong_dir, "device": "cpu"})

    def test_checkpoint_backbone_pads_with_eos_and_only_lora_and_head_train(self):
        config = config_from_env({"AAR_MODELS": "hf", "AAR_DEVICE": "cpu", "AAR_WEAK_MODEL": self.weak_dir})
        model = build_classifier(config, "weak", 2, None, seed=0)
        tokenizer = model.backbone.tokenizer
        self.assertEqual(tokenizer.pad_token, tokenizer.eos_token)  # the checkpoint had none
        trainable = {n for n, p in model.named_parameters() if p.requires_grad}
        self.assertTrue(trainable)
        self.assertTrue(all("lora_" in n or n.startswith("head.") for n in trainable), trainable)
        # Right padding: a text's feature does not depend on what it is batched with.
        model.eval()
        with torch.no_grad():
            alone = model(model.encode(["good day"]))
            padded = model(model.encode(["good day", "the film was a lovely calm day in the city"]))[:1]
        self.assertTrue(torch.allclose(alone, padded, atol=1e-5), (alone, padded))

    def test_a_model_that_is_not_on_disk_is_invalid_input_with_downloads_off(self):
        proc = self.train({"AAR_MODELS": "hf", "AAR_WEAK_MODEL": "aar-tests/no-such-model", "HF_HOME": os.path.join(self.dir, "hf-home")})
        self.assertEqual(proc.returncode, 2, proc.stderr[-2000:])
        self.assertIn("model 'aar-tests/no-such-model' is not in this worker's Hugging Face cache", proc.stderr)
        self.assertIn("AAR_ALLOW_DOWNLOAD=1", proc.stderr)

    def test_a_relative_folder_is_a_folder_not_a_hub_id(self):
        hf.check_available(os.path.relpath(self.weak_dir), allow_download=False)  # no error
        with self.assertRaisesRegex(Exception, "not in this worker's Hugging Face cache"):
            hf.check_available("no-such-folder/qwen", allow_download=False)

    def test_a_missing_strong_model_fails_before_the_weak_teacher_trains(self):
        missing = os.path.join(self.dir, "nowhere")
        proc = self.train({"AAR_MODELS": "hf", "AAR_STRONG_MODEL": missing, "AAR_WEAK_MODEL": self.weak_dir})
        self.assertEqual(proc.returncode, 2, proc.stderr[-2000:])
        self.assertIn(f"model folder '{missing}' does not exist", proc.stderr)
        self.assertNotIn("AAR_PROGRESS", proc.stderr)


if __name__ == "__main__":
    unittest.main()
