"""Arithmetic of layers, exact and symbolic: output sizes of convolutions and pools.

Conventions (those of torch): `p` is the padding on *each* side, `d` the dilation,
sizes are counted along one spatial dimension.
"""

from __future__ import annotations


def effective_kernel(k, d=1):
    """Span of a dilated kernel: d·(k − 1) + 1 cells.

    >>> effective_kernel(3, 2)
    5
    """
    return d * (k - 1) + 1


def conv_output_size(i, k, s=1, p=0, d=1):
    """Output size of a convolution (or pooling) along one dimension, floor rounding.

    Works on integers and on SymPy symbols alike.

    >>> conv_output_size(7, 3, 1, 0, 2)
    3
    >>> import sympy as sp
    >>> i, k, s, p = sp.symbols("i k s p", integer=True, positive=True)
    >>> conv_output_size(i, k, s, p)
    floor((i - k + 2*p)/s) + 1
    """
    import sympy as sp

    return sp.floor(sp.Integer(1) * (i + 2 * p - effective_kernel(k, d)) / s) + 1
