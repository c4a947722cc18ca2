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
from typing import Dict, List

POSITIVE = ["good", "great", "fine", "happy", "bright", "lovely", "superb", "nice", "warm", "calm", "kind", "clean"]
NEGATIVE = ["bad", "awful", "poor", "sad", "dark", "ugly", "dire", "nasty", "cold", "tense", "rude", "dirty"]
NEUTRAL = ["the", "a", "film", "day", "place", "meal", "room", "book", "city", "road", "song", "game"]


def _text(rng: random.Random, label: int) -> str:
    mine, other = (POSITIVE, NEGATIVE) if label == 1 else (NEGATIVE, POSITIVE)
    words = rng.sample(mine, 3) + rng.sample(other, 1) + rng.sample(NEUTRAL, 2)
    rng.shuffle(words)
    return " ".join(words)


def write_task(data_dir: str, task: str = "toy", labeled: int = 120, unlabeled: int = 240, test: int = 80, seed: int = 0) -> Dict[str, int]:
    rng = random.Random(seed)
    folder = os.path.join(data_dir, task)
    os.makedirs(folder, exist_ok=True)
    gold: Dict[str, int] = {}

    def write(name: str, count: int, prefix: str, with_label: bool) -> None:
        rows: List[str] = []
        for i in range(count):
            label = rng.randrange(2)
            item = {"id": f"{task}-{prefix}-{i:05d}", "text": _text(rng, label)}
            if with_label:
                item["label"] = label
            elif prefix == "t":
                gold[item["id"]] = label
            rows.append(json.dumps(item))
        with open(os.path.join(folder, name), "w", encoding="utf-8") as f:
            f.write("\n".join(rows) + "\n")

    write("train_labeled.jsonl", labeled, "l", True)
    write("train_unlabeled.jsonl", unlabeled, "u", False)
    write("test.jsonl", test, "t", False)
    return gold


if __name__ == "__main__":
    write_task(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "toy")
