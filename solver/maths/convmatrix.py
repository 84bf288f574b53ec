"""Convolutions as matrices: ``vec(W ⋆ X) = A · vec(X)``, and the transposed convolution.

Conventions (those of torch and of `solver.maths.convolution`): ``⋆`` is the cross-correlation,
padding `p` on each side, dilation `d`, indices from 0, and *row-major* flattening: entry
``(m, n)`` of an ``h × w`` map is entry ``m·w + n`` of its vector.

Output ``(a, b)`` of the convolution reads input ``(m, n) = (a·s + u·d − p, b·s + v·d − p)``
through the kernel tap ``(u, v)``; taps that land in the padding read a zero. Hence

    A[a·o_w + b, m·i_w + n] = W[u, v]   when such a tap (u, v) exists, 0 otherwise.

Matrices are built from this index arithmetic alone (no symbolic product), sparse when asked
(a 64 × 64 input gives a 4096 × 4096 matrix with about 36 000 non-zeros).
"""

from __future__ import annotations


def _axis_taps(n_out: int, n_in: int, k: int, stride: int, padding: int, dilation: int):
    """For each output index a along one axis, the (u, m) pairs of taps that hit the input."""
    taps = []
    for a in range(n_out):
        row = []
        for u in range(k):
            m = a * stride + u * dilation - padding
            if 0 <= m < n_in:
                row.append((u, m))
        taps.append(row)
    return taps


def taps(out_h: int, out_w: int, in_h: int, in_w: int, kh: int, kw: int,
         stride: int = 1, padding: int = 0, dilation: int = 1):
    """Non-zero positions of a convolution's matrix: tuples ``(row, col, u, v)`` with
    ``A[row, col] = W[u, v]``, rows in row-major order of the output, columns of the input.

    Each (row, col) appears at most once (two taps of one output never read the same cell).

    >>> list(taps(1, 1, 2, 2, 2, 2))
    [(0, 0, 0, 0), (0, 1, 0, 1), (0, 2, 1, 0), (0, 3, 1, 1)]
    >>> list(taps(1, 1, 1, 1, 3, 3, padding=1))   # 1×1 input, 3×3 kernel: only the centre
    [(0, 0, 1, 1)]
    """
    rows = _axis_taps(out_h, in_h, kh, stride, padding, dilation)
    cols = _axis_taps(out_w, in_w, kw, stride, padding, dilation)
    for a in range(out_h):
        for b in range(out_w):
            r = a * out_w + b
            for u, m in rows[a]:
                for v, n in cols[b]:
                    yield r, m * in_w + n, u, v


def _matrix(n_rows: int, n_cols: int, entries: dict, sparse: bool):
    """A SymPy matrix from ``{(row, col): value}``; sparse ones are built in one piece."""
    import sympy as sp

    entries = {rc: sp.sympify(val) for rc, val in entries.items()}
    entries = {rc: val for rc, val in entries.items() if val != 0}
    if not sparse:
        flat = [sp.S.Zero] * (n_rows * n_cols)
        for (r, c), val in entries.items():
            flat[r * n_cols + c] = val
        return sp.Matrix(n_rows, n_cols, flat)
    # SymPy's own constructor sympifies and scans every entry (about 1 s for 36 000 of them);
    # building the sparse representation directly is ~100 times faster.
    from sympy.polys.domains import EXRAW
    from sympy.polys.matrices import DomainMatrix
    from sympy.polys.matrices.sdm import SDM

    rows: dict = {}
    for (r, c), val in entries.items():
        rows.setdefault(r, {})[c] = val
    return sp.SparseMatrix._fromrep(DomainMatrix.from_rep(SDM(rows, (n_rows, n_cols), EXRAW)))


def _tap_matrix(small, large, kernel, stride, padding, dilation, sparse, transposed):
    """The matrix of the convolution that takes a `large` map (h, w) to a `small` one, or its transpose
    (the matrix of the transposed convolution from `small` back to `large`) when `transposed`."""
    rows, cols = small[0] * small[1], large[0] * large[1]
    positions = taps(small[0], small[1], large[0], large[1], kernel.rows, kernel.cols, stride, padding, dilation)
    entries = {((c, r) if transposed else (r, c)): kernel[u, v] for r, c, u, v in positions}
    return _matrix(cols, rows, entries, sparse) if transposed else _matrix(rows, cols, entries, sparse)


def conv_matrix(in_h: int, in_w: int, kernel, stride: int = 1, padding: int = 0,
                dilation: int = 1, sparse: bool = False):
    """The matrix A with ``vec(W ⋆ X) = A · vec(X)`` (row-major), shape (o_h·o_w) × (i_h·i_w).

    `kernel` is a SymPy matrix (symbols or numbers). ``sparse=True`` returns a
    `SparseMatrix` (for large inputs).

    >>> import sympy as sp
    >>> conv_matrix(2, 2, sp.Matrix([[1, 2], [3, 4]]))
    Matrix([[1, 2, 3, 4]])
    >>> conv_matrix(2, 1, sp.Matrix([[5, 7]]), padding=1).shape   # 4×2 output of a 2×1 input
    (8, 2)
    """
    from solver.maths.layers import conv_output_size

    out = tuple(int(conv_output_size(n, k, stride, padding, dilation))
                for n, k in ((in_h, kernel.rows), (in_w, kernel.cols)))
    if min(out) < 1:
        raise ValueError("kernel larger than the padded input")
    return _tap_matrix(out, (in_h, in_w), kernel, stride, padding, dilation, sparse, transposed=False)


def conv_transpose_matrix(in_h: int, in_w: int, kernel, stride: int = 1, padding: int = 0,
                          output_padding: int = 0, dilation: int = 1, sparse: bool = False):
    """The matrix A with ``vec(O) = A · vec(X)`` for torch's ``conv_transpose2d`` (row-major).

    Input (i, j) adds ``x_{i,j}·W[u, v]`` to output ``(i·s + u·d − p, j·s + v·d − p)``: the same
    index relation as the convolution from the output's size back to the input's, read the
    other way, so A is the transpose of that convolution's matrix.

    >>> import sympy as sp
    >>> conv_transpose_matrix(1, 2, sp.Matrix([[1, 2]]), stride=2)
    Matrix([
    [1, 0],
    [2, 0],
    [0, 1],
    [0, 2]])
    """
    from solver.maths.layers import conv_transpose_output_size

    out = tuple(int(conv_transpose_output_size(n, k, stride, padding, output_padding, dilation))
                for n, k in ((in_h, kernel.rows), (in_w, kernel.cols)))
    if min(out) < 1:
        raise ValueError("the padding crops the whole output")
    return _tap_matrix((in_h, in_w), out, kernel, stride, padding, dilation, sparse, transposed=True)


def conv_transpose2d(X, W, stride: int = 1, padding: int = 0, output_padding: int = 0,
                     dilation: int = 1):
    """Exact transposed convolution (torch's ``conv_transpose2d``), on numbers or symbols.

    Each input cell stamps ``x_{i,j}·W`` on a canvas at ``(i·s, j·s)`` (overlaps add up), then
    `padding` cells are cropped on each side; `output_padding` extra rows/columns stay at the
    bottom/right.

    >>> import sympy as sp
    >>> conv_transpose2d(sp.Matrix([[1, 2]]), sp.Matrix([[1, 1]]), stride=1)
    Matrix([[1, 3, 2]])
    """
    import sympy as sp

    from solver.maths.layers import conv_transpose_output_size

    out_h = int(conv_transpose_output_size(X.rows, W.rows, stride, padding, output_padding, dilation))
    out_w = int(conv_transpose_output_size(X.cols, W.cols, stride, padding, output_padding, dilation))
    if out_h < 1 or out_w < 1:
        raise ValueError("the padding crops the whole output")
    stamps: dict = {}   # canvas cell -> the products laid on it (added once at the end)
    for i in range(X.rows):
        for j in range(X.cols):
            for u in range(W.rows):
                for v in range(W.cols):
                    cell = (i * stride + u * dilation - padding, j * stride + v * dilation - padding)
                    stamps.setdefault(cell, []).append(X[i, j] * W[u, v])
    return sp.Matrix(out_h, out_w, lambda m, n: sp.Add(*stamps.get((m, n), ())))


def vec(M):
    """Row-major flattening of a matrix as a column vector.

    >>> import sympy as sp
    >>> vec(sp.Matrix([[1, 2], [3, 4]])).T
    Matrix([[1, 2, 3, 4]])
    """
    import sympy as sp

    return sp.Matrix(M.rows * M.cols, 1, list(M))


def to_column_major(A, out_h: int, out_w: int, in_h: int, in_w: int):
    """The same linear map when both maps are flattened column by column instead of row by row.

    >>> import sympy as sp
    >>> to_column_major(sp.Matrix([[1, 2, 3, 4]]), 1, 1, 2, 2)
    Matrix([[1, 3, 2, 4]])
    """
    import sympy as sp

    def row_of(k):       # column-major index k of the output -> its row-major index
        return (k % out_h) * out_w + k // out_h

    def col_of(k):
        return (k % in_h) * in_w + k // in_h

    return sp.Matrix(A.rows, A.cols, lambda r, c: A[row_of(r), col_of(c)])


def numeric_entries(A, values: dict):
    """``(rows, cols, floats)`` of the non-zero entries of A with symbols replaced by `values`.

    Entries that are a bare symbol are looked up directly (the common case: a kernel of
    symbols), others are substituted; works for dense and sparse matrices alike.

    >>> import sympy as sp
    >>> w = sp.IndexedBase("w")
    >>> numeric_entries(sp.Matrix([[w[0], 0], [0, 2 * w[0]]]), {w[0]: 1.5})
    ([0, 1], [0, 1], [1.5, 3.0])
    """
    rows, cols, vals = [], [], []
    for (r, c), entry in sorted(A.todok().items()):
        value = values.get(entry)
        rows.append(r)
        cols.append(c)
        vals.append(float(value if value is not None else entry.xreplace(values)))
    return rows, cols, vals
