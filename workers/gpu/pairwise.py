"""Pairwise items (chat preference data, as in the reference study): a prompt and two responses,
labelled with the better one (0: A, 1: B). A model reads one text per item; A/B position bias is
removed by symmetrisation: training also sees every pair swapped with its target reversed, and
a prediction averages p(A, B) with the reversed p(B, A), so swapping A and B swaps the answer."""

from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import torch

Pair = Tuple[str, str, str]


def format_pair(prompt: str, a: str, b: str) -> str:
    return f"{prompt}\n\nResponse A:\n{a}\n\nResponse B:\n{b}\n\nWhich response is better?"


def texts_of(pairs: Sequence[Pair], swapped: bool = False) -> List[str]:
    return [format_pair(p, b, a) if swapped else format_pair(p, a, b) for p, a, b in pairs]


def augmented(texts: Sequence[str], targets: torch.Tensor, pairs: Optional[Sequence[Pair]]) -> Tuple[List[str], torch.Tensor]:
    """Training items plus, for pairwise items, each pair swapped with its target reversed."""
    if pairs is None:
        return list(texts), targets
    return list(texts) + texts_of(pairs, swapped=True), torch.cat([targets, targets.flip(-1)])


def symmetric(predict, texts: Sequence[str], pairs: Optional[Sequence[Pair]]) -> torch.Tensor:
    """`predict(texts)` (n x 2 probabilities), averaged with the reversed prediction on the swapped pairs."""
    probs = predict(list(texts))
    if pairs is None:
        return probs
    return (probs + predict(texts_of(pairs, swapped=True)).flip(-1)) / 2
