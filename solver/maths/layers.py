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


def same_padding(k, d=1):
    """Padding per side that keeps the size at stride 1 for an odd span: (d·(k − 1))/2.

    >>> same_padding(5)
    2
    """
    span = effective_kernel(k, d)
    if span % 2 == 0:
        raise ValueError("an even kernel span cannot keep the size with symmetric padding")
    return (span - 1) // 2


def conv_params(c_in, c_out, k, bias=True, groups=1, dims=2):
    """Learned parameters of a convolution: c_out · (c_in/groups · k^dims + bias).

    >>> conv_params(32, 64, 5)
    51264
    """
    return c_out * (c_in // groups * k ** dims + (1 if bias else 0))


def linear_params(n_in, n_out, bias=True):
    """Learned parameters of a fully connected layer: n_out · (n_in + bias).

    >>> linear_params(256, 10)
    2570
    """
    return n_out * (n_in + (1 if bias else 0))


def receptive_field_step(r_in, j_in, k, s=1, d=1):
    """One step of the receptive-field recursion: (r_out, j_out).

    r_out = r_in + (k_eff − 1)·j_in and j_out = j_in·s, where j is the jump (distance in
    input pixels between neighbouring units).

    >>> receptive_field_step(1, 1, 3)
    (3, 1)
    >>> receptive_field_step(3, 1, 2, 2)
    (4, 2)
    """
    return r_in + (effective_kernel(k, d) - 1) * j_in, j_in * s


def conv_transpose_output_size(i, k, s=1, p=0, op=0, d=1):
    """Output size of a transposed convolution along one dimension (torch's formula).

    (i − 1)·s − 2p + d·(k − 1) + 1 + op: each of the i inputs moves the kernel by s, the
    last one adds the kernel's span, `p` cells are cropped on each side and `op` cells are
    added on one side. Works on integers and SymPy symbols alike.

    >>> conv_transpose_output_size(2, 2, 2)
    4
    >>> conv_transpose_output_size(3, 3, 2, 1, 1)
    6
    """
    return (i - 1) * s - 2 * p + effective_kernel(k, d) + op
