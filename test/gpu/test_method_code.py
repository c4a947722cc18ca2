"""Python method code (issue 20): hooks change training, the guard refuses escapes, validation.

train.py runs in the method phase (AAR_PHASE=method, no labels folder) on a small synthetic task
with weak labels made here from the truth (80% right), so no baselines phase is trained. The
guard's own layer (audit hook, environment) is checked in one child process that installs it and
runs attacks compiled as method code but with the real builtins, i.e. as if the AST check and the
restricted namespace had been got round.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
import unittest

from workers.gpu.errors import InvalidInput
from workers.gpu.method_code import MethodError, check_source, validate_code
from workers.gpu.synthetic import write_task

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN = os.path.join(ROOT, "workers", "gpu", "train.py")


def code(source, **extra):
    return {"language": "python", "source": textwrap.dedent(source), **extra}


class MethodCodeEndToEnd(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="aar-gpu-code-")
        cls.data = os.path.join(cls.dir, "data")
        cls.labels = os.path.join(cls.dir, "labels")
        cls.gold = write_task(cls.data, "toy", labeled=10, unlabeled=160, test=80, labels_dir=cls.labels)
        cls.label_file = os.path.join(cls.labels, "toy", "train_unlabeled_labels.jsonl")
        with open(cls.label_file, encoding="utf-8") as f:
            truth = [json.loads(l) for l in f if l.strip()]
        cls.train_truth = [r["label"] for r in truth]
        # Weak labels: right on 4 items of 5, confident 0.8.
        probs = []
        for i, r in enumerate(truth):
            c = r["label"] if i % 5 else 1 - r["label"]
            probs.append([0.8, 0.2] if c == 0 else [0.2, 0.8])
        cls.weak = {"ids": [r["id"] for r in truth], "probs": probs}
        cls.weak_classes = [0 if p[0] > p[1] else 1 for p in probs]

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def run_method(self, method, env=None, args=("--tiny",)):
        # Without PYTHONDONTWRITEBYTECODE, as a worker may run it: lazy imports after the guard must not write .pyc files.
        full = {k: v for k, v in os.environ.items() if k not in ("AAR_LABELS_DIR", "PYTHONDONTWRITEBYTECODE")}
        full.update({"AAR_DATA_DIR": self.data, "AAR_PHASE": "method", "REDIS_URL": "redis://secret:6379",
                     "OMP_NUM_THREADS": "1",
                     **(env or {})})
        job = {"experimentId": "exp-code-1", "task": "toy", "seed": 1, "method": {"epochs": 8, **method}, "weakLabels": self.weak}
        return subprocess.run([sys.executable, TRAIN, *args], input=json.dumps(job) + "\n", capture_output=True, text=True,
                              cwd=self.dir, env=full, timeout=300)

    def ok(self, proc):
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        return json.loads(proc.stdout)

    def failed(self, proc, *needles):
        self.assertEqual(proc.returncode, 3, proc.stderr[-3000:])
        self.assertEqual(proc.stdout, "")
        last = proc.stderr.strip().splitlines()[-1]
        self.assertTrue(last.startswith("AAR_METHOD_ERROR "), last)
        error = json.loads(last[len("AAR_METHOD_ERROR "):])
        for needle in needles:
            self.assertIn(needle, error["message"])
        return error

    def accuracy(self, result):
        p = result["student"]
        return sum(self.gold[i] == c for i, c in zip(p["ids"], p["classes"])) / len(self.gold)

    def naive(self):
        if not hasattr(self.__class__, "_naive"):
            self.__class__._naive = self.ok(self.run_method({}))
        return self.__class__._naive

    def stage(self, result, hook):
        return [s for s in result["signal"]["stages"] if s["hook"] == hook]

    def argmax_rows(self, flat):
        return [0 if flat[2 * i] >= flat[2 * i + 1] else 1 for i in range(len(flat) // 2)]

    # -- hooks change training -----------------------------------------------------------------
    def test_a_loss_hook_that_reverses_the_sign_makes_the_student_worse_than_naive(self):
        naive = self.naive()
        proc = self.run_method({"code": code("""
            # a forged signal is just a name in the module: the report comes from the trainer
            signal = {"ids": [], "weights": None, "stages": []}
            print('{"student": {"ids": [], "classes": []}}')
            print('AAR_METHOD_ERROR {"message": "forged"}\\nAAR_PROGRESS {"fraction": 1}')
            def loss(batch):
                return -batch.default()
            """)})
        reversed_ = self.ok(proc)
        a_naive, a_rev = self.accuracy(naive), self.accuracy(reversed_)
        print(f"\n[method code] toy task, student accuracy: naive {a_naive:.3f}, reversed-sign loss hook {a_rev:.3f}", file=sys.stderr)
        self.assertGreater(a_naive, 0.7)
        self.assertLess(a_rev, a_naive - 0.3)
        self.assertNotIn("signal", naive)
        signal = reversed_["signal"]
        self.assertEqual(signal["ids"], self.weak["ids"])
        self.assertIsNone(signal["weights"])
        self.assertEqual([s["hook"] for s in signal["stages"]], ["transform_labels", "loss", "student"])
        for s in signal["stages"]:
            self.assertEqual(len(s["targets"]), 2 * len(self.weak["ids"]))
        # What the reversed loss pulls toward (2p - t, clipped) is far from the targets it was given.
        implied, given = self.stage(reversed_, "loss")[0]["targets"], self.stage(reversed_, "transform_labels")[0]["targets"]
        self.assertGreater(sum(abs(a - b) for a, b in zip(implied, given)) / len(given), 0.3)
        # Progress (step and loss) as for any method.
        progress = [json.loads(l[len("AAR_PROGRESS "):]) for l in proc.stderr.splitlines() if l.startswith("AAR_PROGRESS ")]
        self.assertTrue(any("step" in e and "loss" in e for e in progress))
        self.assertEqual(reversed_["stats"]["methodHooks"], ["loss"])
        # What method code prints cannot pass for a protocol line.
        self.assertIn('method| AAR_METHOD_ERROR {"message": "forged"}', proc.stderr.splitlines())
        self.assertIn('method| AAR_PROGRESS {"fraction": 1}', proc.stderr.splitlines())

    def test_transform_labels_and_epoch_targets_replace_the_targets_and_are_reported(self):
        # Flipped weak labels, then self-training on the student's own hardened predictions.
        result = self.ok(self.run_method({"epochs": 5, "earlyStopping": {"patience": 5}, "code": code("""
            import torch
            import torch.nn.functional as F
            def transform_labels(ctx):
                assert ctx.n == len(ctx.texts) and ctx.classes == 2 and ctx.weak.shape == (ctx.n, 2)
                return 1 - ctx.weak
            def epoch_targets(ctx, student, epoch, epochs):
                assert student.shape == (ctx.n, ctx.classes) and epochs == 5
                if epoch < epochs - 1:
                    return ctx.weak
                return F.one_hot(student.argmax(dim=1), ctx.classes).float()
            """)}))
        self.assertLess(self.accuracy(result), 0.3)
        flipped = [1 - c for c in self.weak_classes]
        self.assertEqual(self.argmax_rows(self.stage(result, "transform_labels")[0]["targets"]), flipped)
        stages = self.stage(result, "epoch_targets")
        self.assertEqual(len(stages), result["stats"]["epochs"])
        # ctx.weak in epoch_targets: the targets after transform_labels.
        self.assertEqual(self.argmax_rows(stages[0]["targets"]), flipped)
        # Held-out items (early stopping) still get their targets.
        self.assertEqual(len(stages[-1]["targets"]), 2 * len(self.weak["ids"]))
        self.assertTrue(all(v in (0.0, 1.0) for v in stages[-1]["targets"]))

    def test_weights_change_training_and_format_text_reaches_the_test_items(self):
        # Only items weakly labelled 1 count: the student learns to say 1.
        result = self.ok(self.run_method({"code": code("""
            def weights(ctx):
                return [float(row[1] > 0.5) for row in ctx.weak.tolist()]
            """)}))
        share = sum(result["student"]["classes"]) / len(result["student"]["classes"])
        self.assertGreater(share, 0.85)
        w = result["signal"]["weights"]
        self.assertEqual(len(w), len(self.weak["ids"]))
        self.assertAlmostEqual(sum(w) / len(w), 1.0, places=3)
        # Every text, test items included, becomes the same text: one class for all test items.
        same = self.ok(self.run_method({"code": code("""
            def format_text(text):
                return "the film"
            """)}))
        self.assertEqual(len(set(same["student"]["classes"])), 1)
        self.assertGreater(len(set(self.naive()["student"]["classes"])), 1)

    def test_pool_and_forward_with_the_hugging_face_path(self):
        result = self.ok(self.run_method({"epochs": 1, "batchSize": 32, "code": code("""
            import torch
            def pool(hidden, mask):
                m = mask.unsqueeze(-1).to(hidden.dtype)
                return (hidden * m).sum(dim=1) / m.sum(dim=1).clamp(min=1)
            def loss(batch):
                other = batch.forward([t.upper() for t in batch.texts])
                consistency = (torch.softmax(other, -1) - torch.softmax(batch.logits, -1)).pow(2).sum(-1).mean()
                return batch.default() + 0.1 * consistency
            """)}, args=(), env={"AAR_MODELS": "hf-random", "AAR_DEVICE": "cpu"}))
        self.assertEqual(result["stats"]["methodHooks"], ["pool", "loss"])
        self.assertEqual(len(result["student"]["classes"]), len(self.gold))
        proc = self.run_method({"code": code("def pool(hidden, mask):\n    return hidden[:, 0]\n")})
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("method.code.hooks: pool needs a Hugging Face backbone", proc.stderr.strip().splitlines()[-1])

    # -- escapes fail the seed (exit 3) with a clear reason ----------------------------------------
    def test_escapes_at_run_time_fail_the_seed_naming_what_was_refused(self):
        cases = [
            ("dynamic dunder", "def weights(ctx):\n    t = ()\n    return getattr(t, '__cl' + 'ass__')\n", {}, ["may not use the attribute '__class__'"], 3),
            ("memory", "def weights(ctx):\n    x = 1\n    return bytearray(10**13)\n", {}, ["ran out of memory", "MemoryError"], 3),
            ("torch memory", "import torch\ndef weights(ctx):\n    return torch.empty(10**13)\n", {}, ["ran out of memory"], 3),
            ("forever", "def weights(ctx):\n    while True:\n        pass\n", {"AAR_METHOD_CALL_SECONDS": "0.3"}, ["ran past its limit of 0.3 s"], 2),
            ("forever, swallowing", "def weights(ctx):\n    while True:\n        try:\n            while True:\n                pass\n        except BaseException:\n            pass\n",
             {"AAR_METHOD_CALL_SECONDS": "0.3"}, ["ran past its limit", "did not stop"], None),
        ]
        for name, source, env, needles, line in cases:
            with self.subTest(name):
                error = self.failed(self.run_method({"code": code(source)}, env=env), *needles)
                self.assertEqual(error.get("hook"), "weights")
                self.assertEqual(error.get("line"), line)

    def test_escapes_in_the_source_are_refused_before_anything_runs(self):
        proc = self.run_method({"code": code(f"def weights(ctx):\n    return open({self.label_file!r}).read()\n")})
        error = self.failed(proc, "may not use open", "method code runs without file, network, process or environment access")
        self.assertEqual(error["line"], 2)
        self.assertNotIn("aar-gpu: job", proc.stderr)  # refused before the data was even loaded
        cases = {
            "import os\ndef weights(ctx):\n    return os.environ['REDIS_URL']\n": "may not import os",
            "import os\ndef weights(ctx):\n    return os.getenv('REDIS_URL')\n": "may not import os",
            "import socket\ndef weights(ctx):\n    socket.socket().connect(('127.0.0.1', 6379))\n": "may not import socket",
            "import subprocess\ndef weights(ctx):\n    subprocess.run(['sh', '-c', ':(){ :|:& };:'])\n": "may not import subprocess",
            "from os import fork\ndef weights(ctx):\n    while True:\n        fork()\n": "may not import from os",
            "def weights(ctx):\n    return ().__class__.__bases__[0].__subclasses__()\n": "may not use the attribute '__subclasses__'",
            "def weights(ctx):\n    return __import__('os')\n": "may not use __import__",
            "def weights(ctx):\n    return eval('1')\n": "may not use eval",
            "import string\ndef weights(ctx):\n    return string.Formatter().get_field('0.__class__', [()], {})\n": "may not use the attribute 'get_field'",
            "import torch\ndef weights(ctx):\n    return torch.from_file('/etc/passwd', size=10)\n": "may not use the attribute 'from_file'",
            "import statistics\ndef weights(ctx):\n    return statistics.sys.modules\n": "may not use the attribute 'sys'",
            "def weights(ctx):\n    return '{0.gi_frame}'.format(ctx)\n": "may not use the attribute 'format'",
            "def weights(ctx):\n    g = (x for x in [1])\n    return g.gi_frame.f_back.f_globals\n": "may not use the attribute 'f_globals'",
        }
        for source, needle in cases.items():
            with self.subTest(source.splitlines()[0]):
                with self.assertRaises(MethodError) as caught:
                    check_source(validate_code(code(source)))
                self.assertIn(needle, caught.exception.message)
                self.assertIsNotNone(caught.exception.line)

    def test_the_guard_itself_refuses_files_network_processes_and_the_environment(self):
        # As if the source had got past the AST check and the restricted namespace: real builtins.
        attacks = {
            "label file": f"open({self.label_file!r}).read()",
            "write": "open('/tmp/aar-method-x', 'w')",
            "proc environ": "open('/proc/self/environ').read()",
            "environ": "os.environ['REDIS_URL']",
            "getenv": "os.getenv('REDIS_URL')",
            "socket": "socket.socket()",
            "fork": "os.fork()",
            "subprocess": "subprocess.run(['true'])",
            "system": "os.system('true')",
            "kill": "os.kill(os.getppid(), 9)",
            "ctypes": "ctypes.CDLL(None)",
            "remove": f"os.remove({self.label_file!r})",
            "chdir": "os.chdir('/')",
            "listdir": f"os.listdir({self.labels!r})",
            "torch native reader": f"torch.from_file({self.label_file!r}, size=4, dtype=torch.uint8)",
        }
        script = textwrap.dedent(f"""
            import json, os, socket, subprocess, sys, ctypes, torch
            sys.path.insert(0, {ROOT!r})
            from workers.gpu import guard
            g = guard.install()
            out = {{}}
            for name, attack in {attacks!r}.items():
                fn = eval(compile("lambda: " + attack, guard.METHOD_FILENAME, "eval"))
                try:
                    fn()
                    out[name] = "allowed"
                except guard.GuardRefusal as e:
                    out[name] = e.what
                except Exception as e:
                    out[name] = "other: " + repr(e)
            # Trusted code still reads the environment, and reads the Python installation.
            out["trusted environ"] = os.environ.get("REDIS_URL")
            import json.tool
            out["trusted import"] = "ok"
            print(json.dumps(out))
            """)
        env = {**os.environ, "REDIS_URL": "redis://secret:6379"}
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env, cwd=self.dir)
        self.assertEqual(proc.returncode, 0, proc.stderr[-3000:])
        out = json.loads(proc.stdout.strip().splitlines()[-1])
        expected = {
            "label file": "may not open files", "write": "may not write files", "proc environ": "may not open files",
            "environ": "may not read the environment", "getenv": "may not read the environment", "socket": "network",
            "fork": "may not start processes", "subprocess": "may not start processes", "system": "may not start processes",
            "kill": "may not send signals", "ctypes": "ctypes", "remove": "may not change files", "chdir": "working directory",
            "listdir": "may not list folders", "torch native reader": "may not open files",
        }
        for name, needle in expected.items():
            self.assertIn(needle, out[name], name)
        self.assertEqual(out["trusted environ"], "redis://secret:6379")
        self.assertEqual(out["trusted import"], "ok")

    # -- validation: exit 2 naming the field -------------------------------------------------------
    def test_invalid_code_is_exit_2_naming_the_field(self):
        cases = [
            ({"source": "def weights(ctx): return 1"}, 'code.language "python"'),
            ({"language": "javascript", "source": "function weights() {}"}, "JavaScript hooks run only on the embedded w2s runner"),
            ({"language": "ruby", "source": "x"}, "method.code.language"),
            (code("x" * 20001), "method.code.source: 20001 characters; at most 20000"),
            (code("def weights(ctx):\n    return (\n"), "method.code.source: syntax error at line"),
            (code("def helper(x):\n    return x\n"), "method.code.source: defines none of the hooks"),
            (code("def weights(ctx):\n    return 1\n", hooks=["label_leak"]), 'method.code.hooks: unknown hook "label_leak"'),
            (code("def weights(ctx):\n    return 1\n", hooks=["loss"]), "method.code.hooks: loss is not defined as a top-level function"),
            (code("def loss(batch, extra):\n    return 1\n"), "loss takes 1 argument"),
            ({**code("def loss(b):\n    return 1\n"), "timeout": 5}, "method.code.timeout: unknown field"),
        ]
        for value, needle in cases:
            with self.subTest(needle):
                with self.assertRaises(InvalidInput) as caught:
                    validate_code(value)
                self.assertIn(needle, str(caught.exception))
        proc = self.run_method({"code": {"source": "function weights(ctx) { return ctx.weak; }"}})
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("method.code: JavaScript hooks run only on the embedded w2s runner", proc.stderr.strip().splitlines()[-1])


class HookResultsAndSignal(unittest.TestCase):
    def test_results_are_checked_like_the_js_hooks(self):
        import torch

        from workers.gpu.method_run import check_probs, check_weights

        row = check_probs([[0.2, 0.8], [1.0, 0.0005]], 2, 2, "transform_labels")[1].tolist()
        for got, want in zip(row, [1.0 / 1.0005, 0.0005 / 1.0005]):
            self.assertAlmostEqual(got, want, places=6)
        for value, needle in [([[0.5, 0.5]], "returned shape [1, 2], expected [2, 2]"), ([[0.5, 0.6], [1, 0]], "row 0 sums to"),
                              ([[1.5, -0.5], [1, 0]], "row 0 class 0 is 1.5"), ([[float("nan"), 1], [1, 0]], "row 0 class 0 is nan"),
                              ("ab", "not 2 x 2 numbers")]:
            with self.assertRaises(MethodError) as caught:
                check_probs(value, 2, 2, "epoch_targets")
            self.assertIn(needle, caught.exception.message)
        self.assertEqual(check_weights(torch.tensor([0.0, 2.0, 1.0, 1.0]), 4).tolist(), [0.0, 2.0, 1.0, 1.0])
        for value, needle in [([1.0] * 3, "returned shape [3], expected [4]"), ([0, 0, 0, 0], "are all 0"), ([1, -1, 1, 1], "[1] is -1.0"),
                              ([1, float("inf"), 1, 1], "[1] is inf")]:
            with self.assertRaises(MethodError) as caught:
                check_weights(value, 4)
            self.assertIn(needle, caught.exception.message)

    def test_the_loss_signal_of_cross_entropy_is_its_targets(self):
        import torch

        from workers.gpu.losses import soft_cross_entropy
        from workers.gpu.method_run import SignalReport

        torch.manual_seed(0)
        logits = torch.randn(6, 3, requires_grad=True)
        targets = torch.softmax(torch.randn(6, 3), -1)
        weights = torch.tensor([1.0, 0.5, 2.0, 0.0, 1.0, 1.5])
        for w in (None, weights):
            report = SignalReport([str(i) for i in range(8)], 3)
            report.start_epoch(torch.full((8, 3), 1 / 3))
            logits.grad = None
            soft_cross_entropy(logits, targets, w).backward()
            report.loss_gradient([2, 3, 4, 5, 6, 7], logits.detach(), logits.grad, w)
            got = report.implied
            rows = range(6) if w is None else [0, 1, 2, 4, 5]
            for r in rows:
                self.assertTrue(torch.allclose(got[r + 2], targets[r], atol=1e-5), (w, r))
            if w is not None:  # weight 0: no pull, the epoch's targets stay
                self.assertTrue(torch.allclose(got[5], torch.full((3,), 1 / 3)))
            self.assertTrue(torch.allclose(got[0], torch.full((3,), 1 / 3)))


if __name__ == "__main__":
    unittest.main()
