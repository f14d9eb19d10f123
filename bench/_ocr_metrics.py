"""OCR quality against positioned ground truth: CER, word accuracy and kept word spaces.

Predicted words are assigned to the truth line whose box holds their centre, so the scores
do not depend on reading order across columns. Per truth line the predicted words (left to
right, joined by spaces) are compared with the truth text.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

#: A predicted word: text and axis-aligned box in upright page pixels.
PredWord = tuple[str, tuple[float, float, float, float]]


def levenshtein(a: str, b: str) -> int:
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


@dataclass(slots=True)
class Score:
    chars: int = 0
    errors: int = 0
    words: int = 0
    words_ok: int = 0
    spaces_kept: int = 0
    spaces_lost: int = 0
    en_spaces_kept: int = 0
    en_spaces_lost: int = 0
    seconds: list[float] = field(default_factory=list)
    cpu_seconds: list[float] = field(default_factory=list)

    def add(self, other: Score) -> None:
        self.chars += other.chars
        self.errors += other.errors
        self.words += other.words
        self.words_ok += other.words_ok
        self.spaces_kept += other.spaces_kept
        self.spaces_lost += other.spaces_lost
        self.en_spaces_kept += other.en_spaces_kept
        self.en_spaces_lost += other.en_spaces_lost
        self.seconds.extend(other.seconds)
        self.cpu_seconds.extend(other.cpu_seconds)

    @property
    def cer(self) -> float:
        return self.errors / max(1, self.chars)

    @property
    def word_accuracy(self) -> float:
        return self.words_ok / max(1, self.words)

    @property
    def space_rate(self) -> float | None:
        total = self.spaces_kept + self.spaces_lost
        return self.spaces_kept / total if total else None

    @property
    def en_space_rate(self) -> float | None:
        total = self.en_spaces_kept + self.en_spaces_lost
        return self.en_spaces_kept / total if total else None


def score_page(
    truth_lines: Sequence[dict[str, Any]], predicted: Sequence[PredWord], english: bool
) -> Score:
    """Score one page's predicted words against its truth lines."""
    boxes = [line["bbox"] for line in truth_lines]
    assigned: list[list[PredWord]] = [[] for _ in truth_lines]
    for word in predicted:
        idx = _home(boxes, word[1])
        if idx is not None:
            assigned[idx].append(word)
    score = Score()
    for line, words in zip(truth_lines, assigned, strict=True):
        truth = " ".join(line["text"].split())
        pred = " ".join(w[0] for w in sorted(words, key=lambda w: w[1][0]))
        score.chars += len(truth)
        score.errors += levenshtein(pred, truth)
        t_words = truth.split(" ")
        p_words = pred.split(" ") if pred else []
        score.words += len(t_words)
        score.words_ok += sum((Counter(t_words) & Counter(p_words)).values())
        kept, lost = _spaces(t_words, p_words)
        score.spaces_kept += kept
        score.spaces_lost += lost
        if english:
            score.en_spaces_kept += kept
            score.en_spaces_lost += lost
    return score


def _home(boxes: Sequence[Sequence[float]], box: tuple[float, float, float, float]) -> int | None:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    best, best_d = None, float("inf")
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        pad_y = 0.35 * (y1 - y0)
        pad_x = 0.5 * (y1 - y0)
        if x0 - pad_x <= cx <= x1 + pad_x and y0 - pad_y <= cy <= y1 + pad_y:
            d = abs(cy - (y0 + y1) / 2)
            if d < best_d:
                best, best_d = i, d
    return best


def _spaces(t_words: list[str], p_words: list[str]) -> tuple[int, int]:
    """Neighbouring truth words read as two words (kept) or glued together (lost).

    Only pairs whose characters were read correctly count, so this measures spaces alone.
    """
    kept = lost = 0
    pairs = {(p_words[i], p_words[i + 1]) for i in range(len(p_words) - 1)}
    joined = set(p_words)
    for a, b in itertools.pairwise(t_words):
        if (a, b) in pairs:
            kept += 1
        elif a + b in joined or any(w.endswith(a + b) or w.startswith(a + b) for w in p_words):
            lost += 1
    return kept, lost
