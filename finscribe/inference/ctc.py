"""Greedy CTC decoding that keeps, for every character, where it sits along the line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True, slots=True)
class DecodedChar:
    """One character with its timestep span [start, end] and probability."""

    char: str
    start: int
    end: int
    prob: float


@dataclass(frozen=True, slots=True)
class Decoded:
    chars: tuple[DecodedChar, ...]
    timesteps: int  # T of the output row (covers the padded input width)

    @property
    def text(self) -> str:
        return "".join(c.char for c in self.chars)

    @property
    def confidence(self) -> float:
        if not self.chars:
            return 0.0
        return float(np.mean([c.prob for c in self.chars]))


def decode(
    probs: npt.NDArray[np.float32], charset: Sequence[str], valid_steps: int | None = None
) -> Decoded:
    """Decode one ``[T, C]`` row: best class per step, repeats merged, blanks dropped.

    ``valid_steps`` limits decoding to the steps that cover the real (unpadded) crop.
    """
    steps = probs.shape[0] if valid_steps is None else min(valid_steps, probs.shape[0])
    best = probs[:steps].argmax(axis=1)
    best_p = probs[np.arange(steps), best]
    chars: list[DecodedChar] = []
    prev = -1
    for t in range(steps):
        k = int(best[t])
        if k == prev and chars and chars[-1].end == t - 1 and k != 0:
            last = chars[-1]
            chars[-1] = DecodedChar(last.char, last.start, t, max(last.prob, float(best_p[t])))
        elif k != 0 and k < len(charset):
            chars.append(DecodedChar(charset[k], t, t, float(best_p[t])))
        prev = k
    return Decoded(chars=tuple(chars), timesteps=int(probs.shape[0]))
