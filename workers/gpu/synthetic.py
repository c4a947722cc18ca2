"""A small synthetic sentiment-like task as the trainer's JSONL files (no downloads), for the
tests and hf_smoke.py: python3 workers/gpu/synthetic.py DATA_DIR [TASK]

Each text has three words from its class's list, one from the other class's list and two
neutral words, shuffled: a bag-of-words model with enough buckets learns it well, the tiny
weak model (few hash buckets) less well. Returns the test items' gold labels for checks.
"""

from __future__ import annotations

import json
import os
import random
import sys
from typing import Dict, List, Optional

POSITIVE = ["good", "great", "fine", "happy", "bright", "lovely", "superb", "nice", "warm", "calm", "kind", "clean"]
NEGATIVE = ["bad", "awful", "poor", "sad", "dark", "ugly", "dire", "nasty", "cold", "tense", "rude", "dirty"]
NEUTRAL = ["the", "a", "film", "day", "place", "meal", "room", "book", "city", "road", "song", "game"]


def _text(rng: random.Random, label: int) -> str:
    mine, other = (POSITIVE, NEGATIVE) if label == 1 else (NEGATIVE, POSITIVE)
    words = rng.sample(mine, 3) + rng.sample(other, 1) + rng.sample(NEUTRAL, 2)
    rng.shuffle(words)
    return " ".join(words)


def write_task(data_dir: str, task: str = "toy", labeled: int = 120, unlabeled: int = 240, test: int = 80, seed: int = 0, labels_dir: Optional[str] = None) -> Dict[str, int]:
    """Texts to `data_dir/<task>/`, labels (gold A, split B's) to `labels_dir/<task>/` (default: data_dir)."""
    rng = random.Random(seed)
    folder = os.path.join(data_dir, task)
    label_folder = os.path.join(labels_dir or data_dir, task)
    os.makedirs(folder, exist_ok=True)
    os.makedirs(label_folder, exist_ok=True)
    gold: Dict[str, int] = {}

    def write(where: str, name: str, rows: List[dict]) -> None:
        with open(os.path.join(where, name), "w", encoding="utf-8") as f:
            f.write("\n".join(json.dumps(r) for r in rows) + "\n")

    def items(count: int, prefix: str) -> List[dict]:
        out = []
        for i in range(count):
            label = rng.randrange(2)
            out.append({"id": f"{task}-{prefix}-{i:05d}", "text": _text(rng, label), "label": label})
        return out

    a, b, t = items(labeled, "l"), items(unlabeled, "u"), items(test, "t")
    write(label_folder, "train_labeled.jsonl", a)
    write(label_folder, "train_unlabeled_labels.jsonl", [{"id": r["id"], "label": r["label"]} for r in b])
    write(folder, "train_unlabeled.jsonl", [{"id": r["id"], "text": r["text"]} for r in b])
    write(folder, "test.jsonl", [{"id": r["id"], "text": r["text"]} for r in t])
    gold.update({r["id"]: r["label"] for r in t})
    return gold


if __name__ == "__main__":
    write_task(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "toy")
