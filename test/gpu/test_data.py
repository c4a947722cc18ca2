import json
import os
import shutil
import tempfile
import unittest

from workers.gpu.data import load_task
from workers.gpu.errors import InvalidInput
from workers.gpu.spec import plan_from_method, read_spec

from workers.gpu.synthetic import write_task


class Data(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="aar-gpu-data-")
        self.gold = write_task(self.dir, "toy", labeled=20, unlabeled=30, test=10)
        self.folder = os.path.join(self.dir, "toy")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def rewrite(self, name, edit):
        path = os.path.join(self.folder, name)
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        lines = edit(lines)
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        return path

    def error(self):
        with self.assertRaises(InvalidInput) as ctx:
            load_task(self.dir, "toy")
        return str(ctx.exception)

    def test_loads_the_three_files_in_order(self):
        data = load_task(self.dir, "toy")
        self.assertEqual(data.classes, 2)
        self.assertEqual((len(data.labeled), len(data.unlabeled), len(data.test)), (20, 30, 10))
        self.assertEqual(data.test.ids, list(self.gold.keys()))
        self.assertIsNone(data.test.labels)
        self.assertTrue(all(label in (0, 1) for label in data.labeled.labels))

    def test_blank_lines_are_skipped(self):
        self.rewrite("test.jsonl", lambda lines: [""] + lines + ["   "])
        self.assertEqual(len(load_task(self.dir, "toy").test), 10)

    def test_missing_file_and_folder(self):
        os.remove(os.path.join(self.folder, "train_unlabeled.jsonl"))
        self.assertIn("missing data file", self.error())
        self.assertIn("train_unlabeled.jsonl", self.error())
        with self.assertRaises(InvalidInput) as ctx:
            load_task(self.dir, "other")
        self.assertIn("does not exist", str(ctx.exception))

    def test_bad_json_names_file_and_line(self):
        path = self.rewrite("train_labeled.jsonl", lambda lines: lines[:2] + ["{not json"] + lines[2:])
        message = self.error()
        self.assertIn(f"{path} line 3", message)
        self.assertIn("not valid JSON", message)

    def test_missing_or_wrong_fields_name_the_field(self):
        cases = [
            ({"text": "x", "label": 1}, '"id"'),
            ({"id": "", "text": "x", "label": 1}, '"id"'),
            ({"id": "toy-l-x", "label": 1}, '"text"'),
            ({"id": "toy-l-x", "text": 3, "label": 1}, '"text"'),
            ({"id": "toy-l-x", "text": "x"}, '"label"'),
            ({"id": "toy-l-x", "text": "x", "label": "1"}, '"label"'),
            ({"id": "toy-l-x", "text": "x", "label": True}, '"label"'),
            ({"id": "toy-l-x", "text": "x", "label": 256}, '"label"'),
            ({"id": "toy-l-x", "text": "x", "label": 1.5}, '"label"'),
        ]
        for row, field in cases:
            with self.subTest(row=row):
                self.rewrite("train_labeled.jsonl", lambda lines: lines[:20] + [json.dumps(row)])
                message = self.error()
                self.assertIn("line 21", message)
                self.assertIn(f"field {field}", message)

    def test_not_an_object(self):
        self.rewrite("test.jsonl", lambda lines: ["[1, 2]"] + lines)
        self.assertIn("line 1: expected a JSON object", self.error())

    def test_labels_are_refused_where_gold_must_not_be(self):
        self.rewrite("test.jsonl", lambda lines: [json.dumps({**json.loads(lines[0]), "label": 1})] + lines[1:])
        message = self.error()
        self.assertIn('field "label" is not allowed', message)
        self.assertIn("test.jsonl line 1", message)

    def test_duplicate_ids_within_and_across_files(self):
        self.rewrite("test.jsonl", lambda lines: lines + [lines[0]])
        self.assertIn("appears twice", self.error())
        write_task(self.dir, "toy", labeled=20, unlabeled=30, test=10)
        with open(os.path.join(self.folder, "train_unlabeled.jsonl"), encoding="utf-8") as f:
            unlabeled_row = json.loads(f.readline())
        self.rewrite("test.jsonl", lambda lines: lines + [json.dumps(unlabeled_row)])
        self.assertIn("in both", self.error())

    def test_empty_file(self):
        self.rewrite("test.jsonl", lambda lines: [])
        self.assertIn("has no items", self.error())

    def test_task_names_cannot_leave_the_data_dir(self):
        with self.assertRaises(InvalidInput):
            load_task(self.dir, "../toy")

    def test_classes_come_from_the_gold_labels(self):
        self.rewrite("train_labeled.jsonl", lambda lines: lines + [json.dumps({"id": "toy-l-9", "text": "x", "label": 4})])
        self.assertEqual(load_task(self.dir, "toy").classes, 5)


class SpecAndMethod(unittest.TestCase):
    def test_reads_a_spec(self):
        spec = read_spec('{"experimentId":"exp-1","task":"toy","seed":3,"method":{"labels":"hard"}}\n')
        self.assertEqual((spec.experiment_id, spec.task, spec.seed, spec.method), ("exp-1", "toy", 3, {"labels": "hard"}))

    def test_bad_specs_name_the_field(self):
        for text, field in [
            ("not json", "not valid JSON"),
            ("[]", "JSON object"),
            ('{"task":"toy","seed":1,"method":{}}', "spec.experimentId"),
            ('{"experimentId":"exp-1","task":"../x","seed":1,"method":{}}', "spec.task"),
            ('{"experimentId":"exp-1","task":"toy","seed":-1,"method":{}}', "spec.seed"),
            ('{"experimentId":"exp-1","task":"toy","seed":1,"method":[]}', "spec.method"),
        ]:
            with self.subTest(text=text), self.assertRaises(InvalidInput) as ctx:
                read_spec(text)
            self.assertIn(field, str(ctx.exception))

    def test_maps_supported_fields(self):
        plan = plan_from_method(
            {
                "name": "aux-conf",
                "labels": "hard",
                "labelSmoothing": 0.1,
                "auxConf": {"alphaMax": 0.75, "warmup": 0.2, "threshold": "adaptive", "fixedThreshold": 0.5},
                "filter": {"keep": 0.5},
                "earlyStopping": {"patience": 2},
                "epochs": 4,
                "lr": 0.001,
                "l2": 0.01,
                "batchSize": 8,
                "head": {"kind": "mlp", "width": 16},
            }
        )
        self.assertTrue(plan.hard)
        self.assertEqual(plan.smoothing, 0.1)
        self.assertEqual((plan.aux.alpha_max, plan.aux.warmup, plan.aux.threshold), (0.75, 0.2, "adaptive"))
        self.assertEqual((plan.keep, plan.patience, plan.epochs, plan.lr, plan.l2, plan.batch_size), (0.5, 2, 4, 0.001, 0.01, 8))
        self.assertEqual(plan.head, {"kind": "mlp", "width": 16})
        naive = plan_from_method({})
        self.assertEqual((naive.hard, naive.aux, naive.keep, naive.patience), (False, None, None, None))

    def test_refuses_unsupported_and_unknown_fields_by_name(self):
        for method, field in [
            ({"knn": {"k": 5}}, "method.knn"),
            ({"consistency": {"drop": 0.2}}, "method.consistency"),
            ({"ensemble": {"size": 3}}, "method.ensemble"),
            ({"selfTraining": {"rounds": 2}}, "method.selfTraining"),
            ({"code": {"source": "function weights(){}"}}, "method.code"),
            ({"dropout": 0.1}, "method.dropout"),
            ({"labels": "fuzzy"}, "method.labels"),
            ({"labelSmoothing": 0.9}, "method.labelSmoothing"),
            ({"auxConf": {"warmup": 0.2}}, "method.auxConf.alphaMax"),
            ({"auxConf": {"alphaMax": 0.5, "threshold": "median"}}, "method.auxConf.threshold"),
            ({"auxConf": {"alphaMax": 0.5, "extra": 1}}, "method.auxConf.extra"),
            ({"filter": {"keep": 0}}, "method.filter.keep"),
            ({"earlyStopping": {"patience": 0}}, "method.earlyStopping.patience"),
            ({"epochs": 2.5}, "method.epochs"),
            ({"batchSize": True}, "method.batchSize"),
            ({"head": {"kind": "mlp", "width": 2}}, "method.head.width"),
        ]:
            with self.subTest(method=method), self.assertRaises(InvalidInput) as ctx:
                plan_from_method(method)
            self.assertIn(field, str(ctx.exception))


if __name__ == "__main__":
    unittest.main()
