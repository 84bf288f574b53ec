"""Shared helpers for drawing the values of a random variant (`Exercise.draw`, `Param.draw`).

Each takes the `random.Random` it is given and consumes it in a fixed order, so a seed always
gives the same variant. Values are plain Python (int, Fraction, tuples of tuples), as `Params`
holds them: no SymPy here.

>>> import random
>>> rng = random.Random("demo/1")
>>> m = matrix(rng, 2, 3, 0, 5)
>>> len(m), len(m[0]), all(0 <= v <= 5 for row in m for v in row)
(2, 3, True)
>>> x = fraction(rng, -6, 2, (1, 2))
>>> x.denominator in (1, 2) and -6 <= x * x.denominator <= 2
True
"""

from __future__ import annotations

import random
from fractions import Fraction

from solver.maths.layers import effective_kernel


def matrix(rng: random.Random, rows: int, cols: int, low: int, high: int, denominator: int = 1) -> tuple:
    """A rows × cols matrix of integers in [low, high], each divided by `denominator` (a Fraction
    then, even when whole), drawn row by row."""
    def cell():
        v = rng.randint(low, high)
        return v if denominator == 1 else Fraction(v, denominator)
    return tuple(tuple(cell() for _ in range(cols)) for _ in range(rows))


def fraction(rng: random.Random, low: int, high: int, denominators: tuple[int, ...] | int = 1,
             signed: bool = False) -> Fraction:
    """An integer in [low, high] (times a random sign when `signed`, drawn first) over a
    denominator chosen among `denominators` (or that one number, with no draw)."""
    sign = rng.choice((-1, 1)) if signed else 1
    numerator = sign * rng.randint(low, high)
    den = denominators if isinstance(denominators, int) else rng.choice(denominators)
    return Fraction(numerator, den)


def input_side(rng: random.Random, k: int, p: int, d: int = 1, low: int = 1, high: int = 40) -> int:
    """An input side in [low, high] that the (dilated) kernel fits in once padded by `p` per side."""
    return rng.randint(max(low, effective_kernel(k, d) - 2 * p), high)
