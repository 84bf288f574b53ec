"""Benchmark: a convolution as a matrix for a 64 × 64 input and a 3 × 3 kernel of *symbols*.

Prints the time to build the symbolic (sparse) matrix A with ``vec(W ⋆ X) = A · vec(X)`` and
the time of its check against torch's ``conv2d`` (random values put in for the w's, product
with a random input, compare). Also the transposed convolution back to 64 × 64. Run:

    python bench/convmatrix.py [--size 64] [--kernel 3] [--stride 1] [--padding 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def kernel_symbols(k: int):
    """A k × k kernel of SymPy symbols w[u, v] and the symbols themselves."""
    import sympy as sp

    w = sp.IndexedBase("w")
    return sp.Matrix(k, k, lambda u, v: w[u, v])


def torch_sparse(A, values):
    """A as a torch sparse float64 tensor, symbols replaced by `values`."""
    import torch

    from solver.maths.convmatrix import numeric_entries

    rows, cols, vals = numeric_entries(A, values)
    return torch.sparse_coo_tensor(torch.tensor([rows, cols]), torch.tensor(vals, dtype=torch.float64),
                                   A.shape, check_invariants=True)


def run(size: int, k: int, stride: int, padding: int) -> bool:
    import torch
    import torch.nn.functional as F

    from solver.maths.convmatrix import conv_matrix, conv_transpose_matrix

    W = kernel_symbols(k)
    t0 = time.perf_counter()
    A = conv_matrix(size, size, W, stride, padding, sparse=True)
    t1 = time.perf_counter()

    g = torch.Generator().manual_seed(0)
    w = torch.randn(k, k, dtype=torch.float64, generator=g)
    x = torch.randn(size, size, dtype=torch.float64, generator=g)
    values = {W[u, v]: float(w[u, v]) for u in range(k) for v in range(k)}
    At = torch_sparse(A, values)
    got = torch.sparse.mm(At, x.reshape(-1, 1)).flatten()
    want = F.conv2d(x[None, None], w[None, None], stride=stride, padding=padding).flatten()
    err = float((got - want).abs().max())
    t2 = time.perf_counter()

    print(f"conv as matrix: input {size}×{size}, symbolic kernel {k}×{k}, stride {stride}, padding {padding}")
    print(f"  A: {A.shape[0]}×{A.shape[1]} sparse, {len(A.todok())} non-zeros")
    print(f"  build A (symbolic)            {1000 * (t1 - t0):8.1f} ms")
    print(f"  check vs torch conv2d         {1000 * (t2 - t1):8.1f} ms   max abs err {err:.2e}")
    print(f"  total                         {1000 * (t2 - t0):8.1f} ms   (requirement: < 2000 ms)")

    o = A.shape[0]
    side = int(round(o ** 0.5))
    t3 = time.perf_counter()
    extra = (size + 2 * padding - k) % stride     # output_padding that gives back size × size
    T = conv_transpose_matrix(side, side, W, stride, padding, extra, sparse=True)
    t4 = time.perf_counter()
    same = T.shape == (A.shape[1], A.shape[0]) and T.todok() == {(c, r): e for (r, c), e in A.todok().items()}
    y = torch.randn(side, side, dtype=torch.float64, generator=g)
    got_t = torch.sparse.mm(torch_sparse(T, values), y.reshape(-1, 1)).flatten()
    want_t = F.conv_transpose2d(y[None, None], w[None, None], stride=stride, padding=padding,
                                output_padding=extra).flatten()
    ok_t = got_t.shape == want_t.shape and bool(torch.allclose(got_t, want_t))
    t5 = time.perf_counter()
    print(f"transposed conv: input {side}×{side} back to {size}×{size} (output_padding {extra})")
    print(f"  build A_T (symbolic)          {1000 * (t4 - t3):8.1f} ms   A_T == A.T: {same}")
    print(f"  check vs torch conv_transpose {1000 * (t5 - t4):8.1f} ms   match: {ok_t}")
    return err < 1e-9 and (t2 - t0) < 2.0 and same and ok_t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--kernel", type=int, default=3)
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--padding", type=int, default=1)
    a = ap.parse_args()
    ok = run(a.size, a.kernel, a.stride, a.padding)
    print("OK" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
