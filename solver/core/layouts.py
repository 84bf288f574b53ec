"""The order in which a shape answer writes its axes (its layout), and the channels-first order.

A `shape` part declares its layout, the order of the tuple the sheet asks for:

- ``"CHW"`` (channels, height, width) or ``"HWC"`` for an image's feature maps;
- ``"CT"`` (channels, length) or ``"TC"`` for a sequence's;
- ``"C"`` for a vector of features (a flatten's or a dense layer's output);
- ``"channels-first"`` when the tuple is channels first whatever its number of axes (the layers
  of a traced network, 1D or 2D): its letters come from the number of axes;
- ``"matrix"`` for the size of a matrix (rows, columns), which has no channel axis.

`solve --format json` gives every shape channels first, with the tuple as written and the layout's
letters (../shared/INTERFACE.md); the grader accepts either order. No SymPy here: `Part`
validates its layout when an exercise module is imported.
"""

from __future__ import annotations

from typing import Sequence

LETTERED = ("CHW", "HWC", "CT", "TC", "C")
CHANNELS_FIRST = "channels-first"
MATRIX = "matrix"
LAYOUTS = LETTERED + (CHANNELS_FIRST, MATRIX)

_CHANNELS_FIRST_BY_RANK = {1: "C", 2: "CT", 3: "CHW", 4: "CDHW"}


def check(layout: str) -> None:
    """Raise ValueError unless `layout` is one a shape part may declare.

    >>> check("HWC")
    >>> check("WHC")
    Traceback (most recent call last):
    ...
    ValueError: unknown shape layout 'WHC' (CHW, HWC, CT, TC, C, channels-first, matrix)
    """
    if layout not in LAYOUTS:
        raise ValueError(f"unknown shape layout {layout!r} ({', '.join(LAYOUTS)})")


def letters(layout: str, rank: int) -> str | None:
    """The axes of a shape of `rank` entries written in `layout`, as letters; None for a matrix.

    >>> letters("HWC", 3), letters("channels-first", 2), letters("matrix", 2)
    ('HWC', 'CT', None)
    >>> letters("CHW", 1)
    Traceback (most recent call last):
    ...
    ValueError: a shape of 1 axis cannot be written in layout 'CHW'
    """
    check(layout)
    if layout == MATRIX:
        return None
    named = _CHANNELS_FIRST_BY_RANK.get(rank) if layout == CHANNELS_FIRST else layout
    if named is None or len(named) != rank:
        axes = "axis" if rank == 1 else "axes"
        raise ValueError(f"a shape of {rank} {axes} cannot be written in layout {layout!r}")
    return named


def first_order(layout: str, rank: int) -> tuple[int, ...]:
    """Where each axis of the channels-first tuple sits in the written one: the channel axis,
    then the others in their written order (a matrix keeps its order).

    >>> first_order("HWC", 3), first_order("TC", 2), first_order("CHW", 3), first_order("matrix", 2)
    ((2, 0, 1), (1, 0), (0, 1, 2), (0, 1))
    """
    named = letters(layout, rank)
    if named is None:
        return tuple(range(rank))
    channel = named.index("C")
    return (channel,) + tuple(i for i in range(rank) if i != channel)


def channels_first(written: Sequence, layout: str) -> tuple:
    """The shape `written` in `layout`, channels first.

    >>> channels_first((16, 16, 32), "HWC"), channels_first((82, 32), "TC"), channels_first((2304,), "C")
    ((32, 16, 16), (32, 82), (2304,))
    """
    written = tuple(written)
    return tuple(written[i] for i in first_order(layout, len(written)))


def from_channels_first(first: Sequence, layout: str) -> tuple:
    """The channels-first shape `first` written back in `layout` (the inverse of `channels_first`).

    >>> from_channels_first((32, 16, 16), "HWC"), from_channels_first((32, 82), "TC")
    ((16, 16, 32), (82, 32))
    >>> all(from_channels_first(channels_first(s, l), l) == s for s, l in (((4, 5, 6), "HWC"), ((7, 8), "CT")))
    True
    """
    first = tuple(first)
    written = [None] * len(first)
    for position, axis in enumerate(first_order(layout, len(first))):
        written[axis] = first[position]
    return tuple(written)
