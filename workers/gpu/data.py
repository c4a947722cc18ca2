"""Local JSONL datasets, validated line by line. The data folder (AAR_DATA_DIR/<task>/), which
every phase reads, holds no label:

    train_unlabeled.jsonl  {"id": str, "text": str}                 split B: the weak teacher labels these
    test.jsonl             {"id": str, "text": str}                 evaluation items, predicted in this order

The labels folder (AAR_LABELS_DIR/<task>/, aar export-data --labels-out), given to the trusted
baselines phase only:

    train_labeled.jsonl           {"id": str, "text": str, "label": int}  gold split A: the weak teacher
    train_unlabeled_labels.jsonl  {"id": str, "label": int}               split B's true labels: the ceiling

Every problem raises InvalidInput naming the file, the line and the field, because bad data
fails again on every retry. Labels in the unlabeled or test file are refused: gold labels of
those items must never reach the trainer (scoring alone holds evaluation labels).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from typing import List, Optional

from .errors import InvalidInput

TASK_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
MAX_CLASSES = 256

LABELED = "train_labeled.jsonl"
UNLABELED = "train_unlabeled.jsonl"
UNLABELED_LABELS = "train_unlabeled_labels.jsonl"
TEST = "test.jsonl"


@dataclass
class Split:
    """One file's items, in file order."""

    path: str
    ids: List[str]
    texts: List[str]
    labels: Optional[List[int]] = None
    # Pairwise items (prompt, response A, response B), when the file has them; texts are then formatted from them.
    pairs: Optional[List[tuple]] = None

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class TaskData:
    task: str
    classes: int
    labeled: Split
    unlabeled: Split
    test: Split


def task_dir(data_dir: str, task: str) -> str:
    if not TASK_RE.match(task):
        raise InvalidInput(f'task "{task}": expected lower-case letters, digits, _ and - (at most 40)')
    return os.path.join(data_dir, task)


def load_task(data_dir: str, task: str) -> TaskData:
    """Loads and cross-checks the three files of one task."""
    folder = task_dir(data_dir, task)
    if not os.path.isdir(folder):
        raise InvalidInput(
            f"task folder {folder} does not exist: AAR_DATA_DIR/<task>/ must hold {LABELED}, {UNLABELED} and {TEST}"
        )
    labeled = read_split(os.path.join(folder, LABELED), labeled=True)
    unlabeled = read_split(os.path.join(folder, UNLABELED), labeled=False)
    test = read_split(os.path.join(folder, TEST), labeled=False)
    seen = {}
    for split in (labeled, unlabeled, test):
        for i in split.ids:
            if i in seen:
                raise InvalidInput(f'id "{i}" is in both {seen[i]} and {split.path}: train and test items must be distinct')
            seen[i] = split.path
    assert labeled.labels is not None
    classes = max(2, max(labeled.labels) + 1)
    return TaskData(task=task, classes=classes, labeled=labeled, unlabeled=unlabeled, test=test)


def load_inputs(data_dir: str, task: str) -> tuple:
    """The method phase's data: split B and the test items, texts only (no label file is read)."""
    folder = task_dir(data_dir, task)
    if not os.path.isdir(folder):
        raise InvalidInput(f"task folder {folder} does not exist: AAR_DATA_DIR/<task>/ must hold {UNLABELED} and {TEST}")
    unlabeled = read_split(os.path.join(folder, UNLABELED), labeled=False)
    test = read_split(os.path.join(folder, TEST), labeled=False)
    overlap = set(unlabeled.ids) & set(test.ids)
    if overlap:
        raise InvalidInput(f'id "{sorted(overlap)[0]}" is in both {unlabeled.path} and {test.path}: train and test items must be distinct')
    return unlabeled, test


def read_unlabeled_labels(labels_dir: str, task: str, unlabeled: Split) -> List[int]:
    """Split B's true labels (for the ceiling), in the unlabeled file's order; every B item exactly once."""
    path = os.path.join(task_dir(labels_dir, task), UNLABELED_LABELS)
    if not os.path.isfile(path):
        raise InvalidInput(f"missing labels file {path} (JSONL with fields id, label): the ceiling trains on split B's true labels; write it with aar export-data --labels-out")
    by_id = {}
    with open(path, "r", encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if line.strip() == "":
                continue
            where = f"{path} line {n}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise InvalidInput(f"{where}: not valid JSON ({e.msg} at column {e.colno})") from None
            label = row.get("label") if isinstance(row, dict) else None
            if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < MAX_CLASSES:
                raise InvalidInput(f'{where}: field "label": expected an integer class from 0 to 255, got {_show(label)}')
            by_id[row.get("id")] = label
    missing = [i for i in unlabeled.ids if i not in by_id]
    if missing or len(by_id) != len(unlabeled.ids):
        raise InvalidInput(f"{path}: expected a label for each of the {len(unlabeled.ids)} items of {unlabeled.path} and nothing else" + (f'; "{missing[0]}" has none' if missing else ""))
    return [by_id[i] for i in unlabeled.ids]


def read_split(path: str, labeled: bool) -> Split:
    """Reads one JSONL file; blank lines are skipped, other fields are ignored."""
    if not os.path.isfile(path):
        fields = "id, text, label" if labeled else "id, text"
        raise InvalidInput(f"missing data file {path} (JSONL, one object per line with fields {fields})")
    ids: List[str] = []
    texts: List[str] = []
    labels: List[int] = []
    pairs: List[tuple] = []
    seen = set()
    with open(path, "r", encoding="utf-8") as f:
        for n, line in enumerate(f, start=1):
            if line.strip() == "":
                continue
            where = f"{path} line {n}"
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                raise InvalidInput(f"{where}: not valid JSON ({e.msg} at column {e.colno})") from None
            if not isinstance(row, dict):
                raise InvalidInput(f"{where}: expected a JSON object, got {type(row).__name__}")
            item_id = row.get("id")
            if not isinstance(item_id, str) or item_id == "":
                raise InvalidInput(f'{where}: field "id": expected a non-empty string, got {_show(item_id)}')
            if item_id in seen:
                raise InvalidInput(f'{where}: field "id": "{item_id}" appears twice in this file')
            seen.add(item_id)
            if "text" not in row and "prompt" in row:
                # A pairwise item: {"id", "prompt", "a", "b"} (label: 0 if A is the better response, 1 if B).
                for key in ("prompt", "a", "b"):
                    if not isinstance(row.get(key), str):
                        raise InvalidInput(f'{where}: field "{key}": expected a string (a pairwise item has prompt, a and b), got {_show(row.get(key))}')
                if ids and not pairs:
                    raise InvalidInput(f"{where}: a pairwise item in a file of text items: one kind per file")
                from .pairwise import format_pair

                pairs.append((row["prompt"], row["a"], row["b"]))
                row = {**row, "text": format_pair(row["prompt"], row["a"], row["b"])}
            elif pairs:
                raise InvalidInput(f"{where}: a text item in a file of pairwise items: one kind per file")
            text = row.get("text")
            if not isinstance(text, str):
                raise InvalidInput(f'{where}: field "text": expected a string, got {_show(text)}')
            if labeled:
                label = row.get("label")
                if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label < MAX_CLASSES:
                    raise InvalidInput(f'{where}: field "label": expected an integer class from 0 to 255, got {_show(label)}')
                labels.append(label)
            elif "label" in row:
                raise InvalidInput(
                    f'{where}: field "label" is not allowed here: gold labels of unlabeled and test items must not reach the trainer'
                )
            ids.append(item_id)
            texts.append(text)
    if not ids:
        raise InvalidInput(f"{path} has no items")
    return Split(path=path, ids=ids, texts=texts, labels=labels if labeled else None, pairs=pairs or None)


def _show(value: object) -> str:
    if value is None:
        return "nothing (missing or null)"
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:40] + "..."
