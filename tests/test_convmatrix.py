"""Convolutions as matrices (solver/maths/convmatrix.py) and devoir.4.3 / devoir.4.4.

Expected values are written by hand from the definitions or computed by torch, never taken
from the solver.
"""

import random
import subprocess
import sys

import pytest
import sympy as sp
import torch
import torch.nn.functional as F

from solver.core.errors import ParamError
from solver.maths.convmatrix import (
    conv_matrix,
    conv_transpose2d,
    conv_transpose_matrix,
    numeric_entries,
    to_column_major,
)
from solver.sheets import registry
from solver.verify.runner import verify_one

w = sp.IndexedBase("w")
x = sp.IndexedBase("x")


def exercise(eid):
    return next(e for e in registry.all_exercises() if e.id == eid)


def kernel(k):
    return sp.Matrix(k, k, lambda u, v: w[u, v])


def image(n):
    return sp.Matrix(n, n, lambda m, c: x[m, c])


def to_numpy(M, values):
    """A SymPy matrix of w's as floats (entries substituted one by one)."""
    return torch.tensor([[float(sp.sympify(e).xreplace(values)) for e in row] for row in M.tolist()],
                        dtype=torch.float64)


def random_case(rng, transposed=False):
    k = rng.randint(1, 3)
    s = rng.randint(1, 3)
    p = rng.randint(0, 1)
    i = rng.randint(max(2, k - 2 * p), 5)
    op = rng.randint(0, s - 1) if transposed else 0
    return i, k, s, p, op


# ---------------------------------------------------------------- the sheet, by hand

def test_sheet_conv_matrix_by_hand():
    # 3×3 input, 3×3 kernel, stride 2, padding 1 -> 2×2 output; output (a, b) is centred on input
    # (2a, 2b), so it reads x[m, n] with kernel tap (m - 2a + 1, n - 2b + 1).
    A = conv_matrix(3, 3, kernel(3), stride=2, padding=1)
    expected = sp.Matrix([
        [w[1, 1], w[1, 2], 0, w[2, 1], w[2, 2], 0, 0, 0, 0],
        [0, w[1, 0], w[1, 1], 0, w[2, 0], w[2, 1], 0, 0, 0],
        [0, 0, 0, w[0, 1], w[0, 2], 0, w[1, 1], w[1, 2], 0],
        [0, 0, 0, 0, w[0, 0], w[0, 1], 0, w[1, 0], w[1, 1]],
    ])
    assert A == expected


def test_sheet_exercise_4_3_answers():
    ex = exercise("devoir.4.3")
    sol = ex.run(ex.make_params())
    Z = sol.answers["Z"]
    assert Z.shape == (2, 2)
    assert sp.expand(Z[0, 0] - (w[1, 1] * x[0, 0] + w[1, 2] * x[0, 1] + w[2, 1] * x[1, 0]
                                + w[2, 2] * x[1, 1])) == 0
    assert sp.expand(Z[1, 1] - (w[0, 0] * x[1, 1] + w[0, 1] * x[1, 2] + w[1, 0] * x[2, 1]
                                + w[1, 1] * x[2, 2])) == 0
    assert sol.answers["A"].shape == (4, 9)
    assert sol.answers["A"][0, :] == sp.Matrix([[w[1, 1], w[1, 2], 0, w[2, 1], w[2, 2], 0, 0, 0, 0]])


def test_sheet_exercise_4_4_answers():
    # 2×2 kernel, stride 2, no padding: no overlap, O[2a + u, 2b + v] = x[a, b]·w[u, v].
    ex = exercise("devoir.4.4")
    sol = ex.run(ex.make_params())
    O = sol.answers["O"]
    assert O.shape == (4, 4)
    for a in range(2):
        for b in range(2):
            for u in range(2):
                for v in range(2):
                    assert O[2 * a + u, 2 * b + v] == x[a, b] * w[u, v]
    A = sol.answers["A"]
    assert A.shape == (16, 4)
    # column of x[0, 1] (index 1): w's at output rows 0..1, cols 2..3 -> indices 2, 3, 6, 7
    assert [r for r in range(16) if A[r, 1] != 0] == [2, 3, 6, 7]
    assert [A[r, 1] for r in (2, 3, 6, 7)] == [w[0, 0], w[0, 1], w[1, 0], w[1, 1]]
    assert sol.answers["linear"] == "yes"


def test_transposed_is_transpose_of_forward_on_the_sheet():
    forward = conv_matrix(4, 4, kernel(2), stride=2, padding=0)   # 4×4 -> 2×2
    assert conv_transpose_matrix(2, 2, kernel(2), stride=2) == forward.T


# ---------------------------------------------------------------- against torch, seeds 0–9

@pytest.mark.parametrize("seed", range(10))
def test_conv_matrix_against_torch(seed):
    rng = random.Random(seed)
    i, k, s, p, _ = random_case(rng)
    g = torch.Generator().manual_seed(seed)
    wt = torch.randn(k, k, dtype=torch.float64, generator=g)
    xt = torch.randn(i, i, dtype=torch.float64, generator=g)
    values = {w[u, v]: float(wt[u, v]) for u in range(k) for v in range(k)}
    A = to_numpy(conv_matrix(i, i, kernel(k), s, p), values)
    want = F.conv2d(xt[None, None], wt[None, None], stride=s, padding=p).flatten()
    assert torch.allclose(A @ xt.flatten(), want)


@pytest.mark.parametrize("seed", range(10))
def test_conv_transpose_matrix_against_torch(seed):
    rng = random.Random(100 + seed)
    i, k, s, p, op = random_case(rng, transposed=True)
    if (i - 1) * s - 2 * p + k + op < 1:
        p = 0
    g = torch.Generator().manual_seed(seed)
    wt = torch.randn(k, k, dtype=torch.float64, generator=g)
    xt = torch.randn(i, i, dtype=torch.float64, generator=g)
    values = {w[u, v]: float(wt[u, v]) for u in range(k) for v in range(k)}
    A = conv_transpose_matrix(i, i, kernel(k), s, p, op)
    want = F.conv_transpose2d(xt[None, None], wt[None, None], stride=s, padding=p, output_padding=op)
    assert torch.allclose(to_numpy(A, values) @ xt.flatten(), want.flatten())
    o = want.shape[-1]
    assert A == conv_matrix(o, o, kernel(k), s, p).T
    # the exact scatter definition agrees with torch too
    O = conv_transpose2d(image(i), kernel(k), s, p, op)
    values.update({x[m, c]: float(xt[m, c]) for m in range(i) for c in range(i)})
    assert torch.allclose(to_numpy(O, values), want[0, 0])


def test_output_padding_beyond_stride_with_dilation():
    # torch allows output_padding >= stride when it is < dilation
    wt = torch.randn(2, 2, dtype=torch.float64)
    xt = torch.randn(3, 3, dtype=torch.float64)
    A = conv_transpose_matrix(3, 3, kernel(2), stride=1, padding=0, output_padding=1, dilation=2)
    values = {w[u, v]: float(wt[u, v]) for u in range(2) for v in range(2)}
    want = F.conv_transpose2d(xt[None, None], wt[None, None], stride=1, output_padding=1, dilation=2)
    assert torch.allclose(to_numpy(A, values) @ xt.flatten(), want.flatten())


def test_sparse_equals_dense_and_numeric_entries():
    dense = conv_matrix(5, 4, kernel(3), stride=2, padding=1)
    sparse = conv_matrix(5, 4, kernel(3), stride=2, padding=1, sparse=True)
    assert sp.Matrix(sparse) == dense
    values = {w[u, v]: 10 * u + v + 1 for u in range(3) for v in range(3)}
    rows, cols, vals = numeric_entries(sparse, values)
    assert len(rows) == sum(1 for e in dense if e != 0)
    assert vals == [float(values[dense[r, c]]) for r, c in zip(rows, cols)]


def test_large_symbolic_matrix_is_fast_and_right():
    import time

    t = time.perf_counter()
    A = conv_matrix(64, 64, kernel(3), 1, 1, sparse=True)
    g = torch.Generator().manual_seed(0)
    wt = torch.randn(3, 3, dtype=torch.float64, generator=g)
    xt = torch.randn(64, 64, dtype=torch.float64, generator=g)
    rows, cols, vals = numeric_entries(A, {w[u, v]: float(wt[u, v]) for u in range(3) for v in range(3)})
    At = torch.sparse_coo_tensor(torch.tensor([rows, cols]), torch.tensor(vals, dtype=torch.float64),
                                 (4096, 4096), check_invariants=True)
    got = torch.sparse.mm(At, xt.reshape(-1, 1)).flatten()
    want = F.conv2d(xt[None, None], wt[None, None], padding=1).flatten()
    elapsed = time.perf_counter() - t
    assert A.shape == (4096, 4096)
    assert len(rows) == 64 * 64 * 9 - 4 * 64 * 3 + 4   # border taps fall in the padding
    assert torch.allclose(got, want)
    assert elapsed < 2.0


def test_column_major():
    # 1 output, 2×2 input: row-major (x00, x01, x10, x11) -> column-major (x00, x10, x01, x11)
    A = conv_matrix(2, 2, kernel(2))
    assert to_column_major(A, 1, 1, 2, 2) == sp.Matrix([[w[0, 0], w[1, 0], w[0, 1], w[1, 1]]])


# ---------------------------------------------------------------- exercises

@pytest.mark.parametrize("eid", ["devoir.4.3", "devoir.4.4"])
@pytest.mark.parametrize("seed", [None, *range(10)])
def test_verify_passes(eid, seed):
    result = verify_one(exercise(eid), seed)
    assert result.status == "pass", result.detail


def test_diagnoses_on_the_sheet():
    ex = exercise("devoir.4.3")
    q = ex.make_params()
    wrong = {(d.code, d.part): d.wrong(q) for d in ex.diagnoses}
    Zf = wrong[("flipped-kernel", "Z")]
    assert sp.expand(Zf[0, 0] - (w[1, 1] * x[0, 0] + w[1, 0] * x[0, 1] + w[0, 1] * x[1, 0]
                                 + w[0, 0] * x[1, 1])) == 0
    assert wrong[("no-padding", "Z")].shape == (1, 1)     # (3 - 3)/2 + 1
    assert wrong[("transposed", "A")].shape == (9, 4)
    assert wrong[("column-major", "A")][0, :] == sp.Matrix([[w[1, 1], w[2, 1], 0, w[1, 2], w[2, 2], 0, 0, 0, 0]])
    assert wrong[("no-stride", "Z")].shape == (3, 3)
    ex4 = exercise("devoir.4.4")
    q4 = ex4.make_params()
    wrong4 = {(d.code, d.part): d.wrong(q4) for d in ex4.diagnoses}
    assert wrong4[("transposed", "A")].shape == (4, 16)
    assert wrong4[("padding-added", "O")] is None          # p = 0 on the sheet
    assert wrong4[("forward-conv", "O")] == sp.Matrix([[sum(w[u, v] * x[u, v] for u in range(2) for v in range(2))]])
    assert wrong4[("not-linear", "linear")] == "no"


def test_validation_as_torch():
    with pytest.raises(ParamError):
        exercise("devoir.4.3").make_params(overrides={"i": "1", "k": "3", "p": "0"})
    with pytest.raises(ParamError):      # output_padding must be < stride or < dilation
        exercise("devoir.4.4").make_params(overrides={"s": "2", "op": "2"})
    with pytest.raises(ParamError):      # the padding crops everything
        exercise("devoir.4.4").make_params(overrides={"i": "1", "k": "1", "s": "1", "p": "1"})
    exercise("devoir.4.4").make_params(overrides={"s": "1", "op": "1", "d": "2"})   # allowed by torch


def test_statement_and_draw_need_no_sympy():
    code = ("import sys, random\n"
            "from exercises.devoir import conv_as_matrix as m\n"
            "for ex in m.EXERCISES:\n"
            "    ex.statement(ex.make_params(4)); ex.draw(random.Random(0))\n"
            "assert 'sympy' not in sys.modules and 'torch' not in sys.modules\n")
    import os
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
