"""Exact 2D convolution on SymPy matrices: padding, cross-correlation, true convolution.

Convention of torch (and of most courses): a "convolution" layer computes a
*cross-correlation*, ``Y[i, j] = sum_{u, v} W[u, v] · X[i·s + u·d, j·s + v·d]`` on the padded
input, indices from 0. The true convolution flips the kernel first.
"""

from __future__ import annotations


def pad(X, p: int):
    """`X` surrounded by `p` rows and columns of zeros on each side.

    >>> import sympy as sp
    >>> pad(sp.Matrix([[1]]), 1)
    Matrix([
    [0, 0, 0],
    [0, 1, 0],
    [0, 0, 0]])
    """
    import sympy as sp

    if p == 0:
        return sp.Matrix(X)
    out = sp.zeros(X.rows + 2 * p, X.cols + 2 * p)
    out[p:p + X.rows, p:p + X.cols] = X
    return out


def flip(W):
    """The kernel rotated by 180° (what turns a cross-correlation into a true convolution)."""
    import sympy as sp

    return sp.Matrix(W.rows, W.cols, lambda u, v: W[W.rows - 1 - u, W.cols - 1 - v])


def correlate2d(X, W, stride: int = 1, padding: int = 0, dilation: int = 1):
    """Cross-correlation of `X` by `W` (torch's conv2d), exact, on numbers or symbols.

    >>> import sympy as sp
    >>> correlate2d(sp.Matrix([[1, 2, 3], [4, 5, 6], [7, 8, 9]]), sp.Matrix([[1, 0], [0, -1]]))
    Matrix([
    [-4, -4],
    [-4, -4]])
    """
    import sympy as sp

    from solver.maths.layers import conv_output_size

    Xp = pad(X, padding)
    rows = int(conv_output_size(X.rows, W.rows, stride, padding, dilation))
    cols = int(conv_output_size(X.cols, W.cols, stride, padding, dilation))
    if rows < 1 or cols < 1:
        raise ValueError("kernel larger than the padded input")

    def entry(i, j):
        return sp.Add(*[W[u, v] * Xp[i * stride + u * dilation, j * stride + v * dilation]
                        for u in range(W.rows) for v in range(W.cols)])

    return sp.Matrix(rows, cols, entry)


def convolve2d(X, W, stride: int = 1, padding: int = 0):
    """True convolution: the cross-correlation by the flipped kernel."""
    return correlate2d(X, flip(W), stride, padding)
