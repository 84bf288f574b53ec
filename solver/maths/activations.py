"""Activations and losses as SymPy expressions: sigmoid, ReLU, tanh, softmax, log-softmax, cross-entropy.

Vectors are SymPy column matrices (or any sequence of expressions); indices follow Python
(0-based) inside these helpers, exercises choose how they name the entries. SymPy is imported
inside each function, so importing this module is cheap.
"""

from __future__ import annotations

ACTIVATIONS = ("identity", "relu", "sigmoid", "tanh")


def sigmoid(x):
    """The logistic function σ(x) = 1 / (1 + e^{−x}).

    >>> import sympy as sp
    >>> x = sp.Symbol("x")
    >>> sigmoid(x), sigmoid(0)
    (1/(1 + exp(-x)), 1/2)
    """
    import sympy as sp

    return 1 / (1 + sp.exp(-sp.sympify(x)))


def relu(x):
    """ReLU(x) = max(0, x).

    >>> relu(-2), relu(3)
    (0, 3)
    """
    import sympy as sp

    return sp.Max(0, sp.sympify(x))


def activation(name: str, x):
    """The element-wise activation `name` (one of ACTIVATIONS) applied to the expression `x`.

    >>> import sympy as sp
    >>> a = sp.Symbol("a")
    >>> [activation(n, a) for n in ACTIVATIONS]
    [a, Max(0, a), 1/(1 + exp(-a)), tanh(a)]
    """
    import sympy as sp

    x = sp.sympify(x)
    table = {"identity": lambda: x, "relu": lambda: relu(x), "sigmoid": lambda: sigmoid(x),
             "tanh": lambda: sp.tanh(x)}
    if name not in table:
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(ACTIVATIONS)}")
    return table[name]()


_INVERSES = {"identity": lambda s: s, "sigmoid": lambda s: _log(s / (1 - s)), "tanh": lambda s: _atanh(s)}


def _log(x):
    import sympy as sp
    return sp.log(x)


def _atanh(x):
    import sympy as sp
    return sp.atanh(x)


def derivative_from_output(name: str, s):
    """g'(a) written with the output s = g(a), for an invertible g (identity, sigmoid, tanh).

    Obtained by differentiating g and putting a = g⁻¹(s) back in (s must lie in the range of g).

    >>> import sympy as sp
    >>> s = sp.Symbol("s")
    >>> [derivative_from_output(n, s) for n in ("identity", "sigmoid", "tanh")]
    [1, s*(1 - s), 1 - s**2]
    """
    import sympy as sp

    if name not in _INVERSES:
        raise ValueError(f"{name} is not invertible: g' cannot be written with s alone")
    a = sp.Symbol("a", real=True)
    inner = sp.Symbol("s", positive=True)
    dg = sp.diff(activation(name, a), a).subs(a, _INVERSES[name](inner))
    return sp.factor_terms(sp.cancel(dg)).subs(inner, s)


def softmax(a):
    """softmax(a)_k = e^{a_k} / Σ_j e^{a_j}, as a column matrix.

    >>> import sympy as sp
    >>> softmax(sp.symbols("a b")).T
    Matrix([[exp(a)/(exp(a) + exp(b)), exp(b)/(exp(a) + exp(b))]])
    >>> sum(softmax([0, sp.log(3)]))
    1
    """
    import sympy as sp

    exps = [sp.exp(sp.sympify(x)) for x in a]
    total = sp.Add(*exps)
    return sp.Matrix([e / total for e in exps])


def log_softmax(a):
    """log softmax(a)_k = a_k − ln Σ_j e^{a_j}, as a column matrix.

    >>> import sympy as sp
    >>> log_softmax([0, 0]).T
    Matrix([[-log(2), -log(2)]])
    """
    import sympy as sp

    a = [sp.sympify(x) for x in a]
    lse = sp.log(sp.Add(*(sp.exp(x) for x in a)))
    return sp.Matrix([x - lse for x in a])


def softmax_jacobian(a):
    """The matrix J with J[i, j] = ∂ softmax(a)_j / ∂a_i (differentiated, in terms of `a`).

    With gradients as columns, ∂C/∂a = J · ∂C/∂s. J is symmetric: it equals diag(s) − s sᵀ.

    >>> import sympy as sp
    >>> a = sp.symbols("a0:3")
    >>> J, s = softmax_jacobian(a), softmax(a)
    >>> (J - (sp.diag(*s) - s * s.T)).applyfunc(sp.simplify) == sp.zeros(3, 3)
    True
    """
    import sympy as sp

    a = [sp.sympify(x) for x in a]
    s = softmax(a)
    return sp.Matrix(len(a), len(a), lambda i, j: sp.diff(s[j], a[i]))


def cross_entropy(s, t):
    """−Σ_k t_k ln s_k (natural logarithm) for outputs `s` and targets `t`.

    >>> import sympy as sp
    >>> cross_entropy([sp.Rational(1, 4), sp.Rational(3, 4)], [0, 1])
    -log(3/4)
    """
    import sympy as sp

    s, t = list(s), list(t)
    if len(s) != len(t):
        raise ValueError(f"outputs and targets differ in length ({len(s)} vs {len(t)})")
    return -sp.Add(*(sp.sympify(tk) * sp.log(sk) for sk, tk in zip(s, t)))
