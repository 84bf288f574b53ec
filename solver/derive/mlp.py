"""Small dense sigmoid networks, exactly (SymPy): forward pass, cross-entropy, backpropagation, SGD.

Neurons are named as on a lecture's figure: layer ``"h"`` has neurons h1, h2, …; weight
``w_{h1,i}`` links input i (1-based) to neuron h1 and ``b_{h1}`` is its bias. Parameter ids
follow the same pattern in plain text: ``wh1_2``, ``bh1``. Every layer applies the logistic
sigmoid σ(z) = 1/(1 + e^{−z}). The loss is E = −Σ_c y_c ln a_c computed on the sigmoid outputs a_c
(the lecture's "cross-entropy on sigmoid outputs"), so ∂E/∂a_c = −y_c/a_c.

Values are exact SymPy numbers (Rational weights, `exp`, `log`); `number` turns one into a Float
for an answer and `shown` into a short decimal for a derivation line.

>>> import sympy as sp
>>> net = (Layer("h", ((sp.Integer(1),),), (sp.Integer(0),)),)
>>> fw = forward(net, (sp.Integer(0),))
>>> fw.a[0][0]
1/2
>>> bw = backward(net, fw, (1,))
>>> bw.grads["bh1"], bw.grads["wh1_1"]
(-1/2, 0)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable, Mapping, Sequence

from solver.core.text import Text
from solver.core.written import Written, decimal_string
from solver.maths.activations import sigmoid


@dataclass(frozen=True)
class Layer:
    """A dense sigmoid layer: one row of weights and one bias per neuron (exact SymPy numbers)."""

    name: str
    weights: tuple[tuple[Any, ...], ...]
    biases: tuple[Any, ...]

    def neuron(self, j: int) -> str:
        """Name of neuron j (0-based): ``h1`` for j = 0."""
        return f"{self.name}{j + 1}"

    @property
    def size(self) -> int:
        return len(self.biases)


@dataclass(frozen=True)
class Forward:
    """Values of a forward pass: the inputs, then per layer the pre-activations z and outputs a."""

    inputs: tuple[Any, ...]
    z: tuple[tuple[Any, ...], ...]
    a: tuple[tuple[Any, ...], ...]

    def layer_input(self, index: int) -> tuple[Any, ...]:
        """What layer `index` receives: the inputs for the first layer, else the previous outputs."""
        return self.inputs if index == 0 else self.a[index - 1]


@dataclass(frozen=True)
class Backward:
    """Backpropagation: δ = ∂E/∂z per layer and neuron, and ∂E/∂ every parameter by its id."""

    deltas: tuple[tuple[Any, ...], ...]
    grads: dict


def forward(layers: Sequence[Layer], x: Sequence[Any]) -> Forward:
    """Exact forward pass: z = Σ_i w_i·input_i + b, a = σ(z), layer after layer."""
    zs, acts, current = [], [], tuple(x)
    for layer in layers:
        z = tuple(sum((w * v for w, v in zip(row, current)), b) for row, b in zip(layer.weights, layer.biases))
        current = tuple(sigmoid(v) for v in z)
        zs.append(z)
        acts.append(current)
    return Forward(tuple(x), tuple(zs), tuple(acts))


def cross_entropy(outputs: Sequence[Any], y: Sequence[Any]):
    """E = −Σ_c y_c ln a_c; the terms with y_c = 0 vanish (and need no a_c).

    >>> import sympy as sp
    >>> cross_entropy((sp.Rational(1, 2),), (1,))
    log(2)
    """
    import sympy as sp

    return -sum((sp.Integer(yc) * sp.log(a) for a, yc in zip(outputs, y) if yc != 0), sp.Integer(0))


def output_delta(a, y):
    """δ of an output neuron for E = −y ln a, a = σ(z): ∂E/∂a · σ'(z) = (−y/a)·a(1 − a) = −y(1 − a)."""
    return -y * (1 - a)


def hidden_delta(back, a):
    """δ of a hidden neuron: the error brought back, Σ_c δ_c w_{c,j}, times σ'(z) = a(1 − a)."""
    return back * a * (1 - a)


def output_delta_without_slope(a, y):
    """Mal-rule of `output_delta`: σ'(z) left out, δ = ∂E/∂a = −y/a."""
    return -y / a if y != 0 else 0 * a


def hidden_delta_without_slope(back, a):
    """Mal-rule of `hidden_delta`: σ'(z) left out, δ = the error brought back."""
    return back


def backward(layers: Sequence[Layer], fw: Forward, y: Sequence[Any], given: Mapping[str, Any] | None = None,
             output: Callable[[Any, Any], Any] = output_delta,
             hidden: Callable[[Any, Any], Any] = hidden_delta) -> Backward:
    """Backpropagation of E = −Σ y_c ln a_c through sigmoid layers.

    Output layer: δ_c = `output(a_c, y_c)`; hidden layer: δ_j = `hidden(Σ_c δ_c w_{c,j}, a_j)`
    (by default the rules `output_delta` and `hidden_delta`; a mal-rule such as
    `output_delta_without_slope` gives the gradients of that mistake). Then ∂E/∂w_{j,i} = δ_j·input_i,
    ∂E/∂b_j = δ_j. `given` maps bias ids to values of ∂E/∂b = δ put in place of the computed ones (the
    pass goes on from them): the gradients that follow from someone's own δ.
    """
    given = given or {}

    def known(layer, deltas):
        return tuple(given.get(bias_id(layer, j), d) for j, d in enumerate(deltas))

    deltas = [known(layers[-1], tuple(output(a, yc) for a, yc in zip(fw.a[-1], y)))]
    for index in range(len(layers) - 1, 0, -1):
        upper, below, nxt = layers[index], fw.a[index - 1], deltas[0]
        back = [sum((nxt[c] * upper.weights[c][j] for c in range(upper.size)), 0) for j in range(len(below))]
        deltas.insert(0, known(layers[index - 1], tuple(hidden(s, a) for s, a in zip(back, below))))
    grads = {}
    for index in range(len(layers) - 1, -1, -1):
        layer, inputs = layers[index], fw.layer_input(index)
        for j, d in enumerate(deltas[index]):
            for i, v in enumerate(inputs):
                grads[weight_id(layer, j, i)] = d * v
            grads[bias_id(layer, j)] = d
    return Backward(tuple(deltas), grads)


def weight_id(layer: Layer, j: int, i: int) -> str:
    """Plain id of the weight from input i to neuron j (0-based): ``wh1_2``."""
    return f"w{layer.neuron(j)}_{i + 1}"


def bias_id(layer: Layer, j: int) -> str:
    return f"b{layer.neuron(j)}"


def parameters(layers: Sequence[Layer]) -> dict:
    """Every parameter by id, output layer first (the order of backpropagation)."""
    values = {}
    for layer in reversed(layers):
        for j in range(layer.size):
            for i, w in enumerate(layer.weights[j]):
                values[weight_id(layer, j, i)] = w
            values[bias_id(layer, j)] = layer.biases[j]
    return values


def with_parameters(layers: Sequence[Layer], values: Mapping[str, Any]) -> tuple[Layer, ...]:
    """The layers with the parameters named in `values` (ids as in `parameters`) replaced.

    >>> import sympy as sp
    >>> net = (Layer("h", ((sp.Integer(1), sp.Integer(2)),), (sp.Integer(0),)),)
    >>> with_parameters(net, {"wh1_2": 5, "bh1": 1})[0]
    Layer(name='h', weights=((1, 5),), biases=(1,))
    """
    return tuple(Layer(layer.name,
                       tuple(tuple(values.get(weight_id(layer, j, i), w) for i, w in enumerate(row))
                             for j, row in enumerate(layer.weights)),
                       tuple(values.get(bias_id(layer, j), b) for j, b in enumerate(layer.biases)))
                 for layer in layers)


def sgd_step(layers: Sequence[Layer], grads: dict, eta, sign: int = -1) -> tuple[Layer, ...]:
    """One gradient-descent step θ ← θ − η ∂E/∂θ on every parameter (`sign=+1`: the sign mistake)."""
    new = []
    for layer in layers:
        rows = tuple(tuple(w + sign * eta * grads[weight_id(layer, j, i)] for i, w in enumerate(row))
                     for j, row in enumerate(layer.weights))
        biases = tuple(b + sign * eta * grads[bias_id(layer, j)] for j, b in enumerate(layer.biases))
        new.append(Layer(layer.name, rows, biases))
    return tuple(new)


def as_floats(layers: Sequence[Layer], digits: int = 40) -> tuple[Layer, ...]:
    """The layers with every parameter replaced by a `digits`-digit Float.

    After an SGD step the exact parameters nest the whole backward pass; a second exact forward
    pass through them makes SymPy crawl (its automatic simplification inspects every sub-tree).
    40 digits are far beyond float64 and keep the numbers readable.
    """
    import sympy as sp

    def f(v):
        return sp.Float(numeric(v), digits)

    return tuple(Layer(layer.name, tuple(tuple(f(w) for w in row) for row in layer.weights),
                       tuple(f(b) for b in layer.biases)) for layer in layers)


# ---- display -------------------------------------------------------------------------------

def numeric(value):
    """An exact value evaluated with mpmath at 40 digits, sub-expressions cached.

    The exact values of a network nest exponentials several layers deep and share sub-trees
    (h1 appears in every later value); SymPy's `evalf` would evaluate them again each time.

    >>> import sympy as sp
    >>> float(numeric(sigmoid(sp.Rational(1, 2)) * 2 + sp.log(3)))
    2.343530951071819
    """
    import mpmath
    import sympy as sp

    with mpmath.workdps(40):
        return _numeric(sp.sympify(value))


@lru_cache(maxsize=8192)
def _numeric(expr):
    import mpmath
    import sympy as sp

    if expr.is_Rational:
        return mpmath.mpf(int(expr.p)) / int(expr.q)
    if expr.is_Float:
        return mpmath.mpf(expr._mpf_)
    if expr is sp.E:
        return mpmath.e
    args = [_numeric(a) for a in expr.args]
    if expr.is_Add:
        return mpmath.fsum(args)
    if expr.is_Mul:
        return mpmath.fprod(args)
    if expr.is_Pow:
        return args[0] ** args[1]
    if isinstance(expr, sp.exp):
        return mpmath.exp(args[0])
    if isinstance(expr, sp.log):
        return mpmath.log(args[0])
    return mpmath.mpf(sp.N(expr, 40)._mpf_)


def number(value):
    """An exact value as a 15-digit Float (what an answer of kind `number` holds).

    >>> number(sigmoid(0))
    0.500000000000000
    """
    import sympy as sp

    return sp.Float(numeric(value), 15)


def decimal(value, digits: int = 6, paren: bool = True) -> Written:
    """A value as a short decimal: exact decimals as written, others with `digits` significant digits;
    negative values in parentheses (they appear inside products) unless `paren` is false.

    >>> import sympy as sp
    >>> [str(decimal(v)) for v in (sp.Rational(-3, 20), 2, sp.exp(1), sp.Rational(1, 3) / 10**6)]
    ['(-0.15)', '2', '2.71828', '3.33333e-07']
    """
    import sympy as sp

    value = sp.sympify(value)
    text = None
    if value.is_Rational:
        text = decimal_string(Fraction(int(value.p), int(value.q)))
    if text is None:
        x = float(numeric(value))
        text = f"{x:.{digits}g}"
    tex = text
    if "e" in text:
        mantissa, exponent = text.split("e")
        tex = f"{mantissa} \\cdot 10^{{{int(exponent)}}}"
    if text.startswith("-") and paren:
        return Written(f"({text})", f"({tex})")
    return Written(text, tex)


def final(value, digits: int = 6) -> Written:
    """The value ending a derivation line (no parentheses)."""
    return decimal(value, digits, paren=False)


def name(plain: str) -> Written:
    """A symbol written by its plain id: ``wh1_2`` → w_{h1,2}."""
    import sympy as sp

    s = symbol(plain)
    return Written(sp.pretty(s, use_unicode=True), sp.latex(s))


def products(rows, op: str = "+") -> Written:
    """Terms joined by `op`, each a product of `Written` factors, in the given order.

    >>> import sympy as sp
    >>> w = products([[decimal(sp.Rational(1, 10)), decimal(sp.Rational(-1, 2))], [decimal(2)]])
    >>> print(str(w), "|", sp.latex(w))
    0.1·(-0.5) + 2 | 0.1 \\cdot (-0.5) + 2
    """
    text = f" {op} ".join("·".join(f.text for f in row) for row in rows)
    tex = f" {op} ".join(" \\cdot ".join(f.tex for f in row) for row in rows)
    return Written(text, tex)


def wrap(w: Written) -> Written:
    """`w` in parentheses."""
    return Written(f"({w.text})", f"\\left({w.tex}\\right)")


def symbol(plain: str):
    """The SymPy symbol of a plain name: ``wh1_2`` → w_{h1,2}, ``bh1`` → b_{h1}, ``h1`` → h_1."""
    import sympy as sp

    if plain[0] in "wb" and len(plain) > 1 and plain[1].isalpha():
        core, _, index = plain[1:].partition("_")
        return sp.Symbol(f"{plain[0]}_{{{core},{index}}}" if index else f"{plain[0]}_{{{core}}}")
    return sp.Symbol(f"{plain[0]}_{plain[1:]}")


def _delta(neuron: str):
    import sympy as sp

    return sp.Symbol(f"delta_{neuron}")


def _one_minus(v) -> Written:
    return wrap(Written(f"1 - {decimal(v).text}", f"1 - {decimal(v).tex}"))


# ---- steps ---------------------------------------------------------------------------------

def forward_steps(layers: Sequence[Layer], fw: Forward, kind: str = "step", only=None) -> list:
    """One step per neuron: z = Σ w·input + b with the values put in, then a = σ(z).

    `only` restricts the steps to these neuron names (e.g. ``{"h1", "h2", "o1"}``).
    """
    from solver.core.exercise import Step

    steps = []
    for index, layer in enumerate(layers):
        for j in range(layer.size):
            neuron = layer.neuron(j)
            if only is not None and neuron not in only:
                continue
            steps.append(Step(_forward_text(index, neuron), _neuron_lines(layers, fw, index, j), kind))
    return steps


def _tex_name(neuron: str) -> str:
    return f"${neuron[0]}_{{{neuron[1:]}}}$"


def _forward_text(index: int, neuron: str) -> Text:
    source = ("des entrées $x_i$", "of the inputs $x_i$") if index == 0 else \
        ("des sorties de la couche précédente", "of the outputs of the previous layer")
    return Text(f"Neurone {_tex_name(neuron)} : somme pondérée {source[0]} plus le biais, "
                "puis la sigmoïde $\\sigma(z) = 1/(1 + e^{-z})$.",
                f"Neuron {_tex_name(neuron)}: weighted sum {source[1]} plus the bias, "
                "then the sigmoid $\\sigma(z) = 1/(1 + e^{-z})$.")


def _neuron_lines(layers, fw, index, j):
    import sympy as sp

    from solver.derive.chain import Chain

    layer = layers[index]
    neuron = layer.neuron(j)
    names = _input_names(layers, index)
    inputs = fw.layer_input(index)
    general = products([[name(weight_id(layer, j, i)), name(n)] for i, n in enumerate(names)]
                       + [[name(bias_id(layer, j))]])
    put = products([[decimal(w), decimal(v)] for w, v in zip(layer.weights[j], inputs)]
                   + [[decimal(layer.biases[j])]])
    z_value = fw.z[index][j]
    z = sp.Symbol(f"z_{{{neuron}}}")
    minus_z = decimal(-z_value, paren=False)
    sig_put = Written(f"1/(1 + e^{minus_z.text})", f"\\frac{{1}}{{1 + e^{{{minus_z.tex}}}}}")
    return (Chain(z, general, put, final(z_value)),
            Chain(symbol(neuron), sigmoid(z), sig_put, final(fw.a[index][j])))


def _input_names(layers, index) -> list[str]:
    if index == 0:
        return [f"x{i + 1}" for i in range(len(layers[0].weights[0]))]
    return [layers[index - 1].neuron(j) for j in range(layers[index - 1].size)]


def loss_step(fw: Forward, y: Sequence[Any], kind: str = "step"):
    """E = −Σ y_c ln a_c written out, the zero terms dropped, then its value (natural log)."""
    import sympy as sp

    from solver.core.exercise import Step
    from solver.derive.chain import Chain

    terms = [(sp.Integer(yc), symbol(f"o{c + 1}")) for c, yc in enumerate(y)]
    written = sp.Add(*(sp.Mul(-yc, sp.log(a), evaluate=False) for yc, a in terms), evaluate=False)
    kept = -sum((yc * sp.log(a) for yc, a in terms if yc != 0), sp.Integer(0))
    put = Written("", "")
    for c, (yc, _) in enumerate(terms):
        if yc != 0:
            o, k = decimal(fw.a[-1][c]), None if yc == 1 else decimal(yc)
            put = Written(f"{put.text} - {k.text + '·' if k is not None else ''}ln {o.text}",
                          f"{put.tex} - {k.tex + ' ' if k is not None else ''}\\ln {o.tex}")
    put = Written(put.text.lstrip(" "), put.tex.lstrip(" "))
    lines = Chain(sp.Symbol("E"), written, kept, put, final(cross_entropy(fw.a[-1], y)))
    return Step(Text("Entropie croisée avec le logarithme népérien : seuls les termes où $y_c \\neq 0$ "
                     "comptent.",
                     "Cross-entropy with the natural logarithm: only the terms where $y_c \\neq 0$ count."),
                lines, kind)


def backward_steps(layers: Sequence[Layer], fw: Forward, bw: Backward, y: Sequence[Any],
                   kind: str = "step") -> list:
    """The chain rule factor by factor: output δ, output gradients, hidden δ, hidden gradients."""
    steps = []
    for index in range(len(layers) - 1, -1, -1):
        layer = layers[index]
        for j in range(layer.size):
            if index == len(layers) - 1:
                steps.append(_output_delta_step(layer, fw, bw, y, j))
            else:
                steps.append(_hidden_delta_step(layers, fw, bw, index, j))
            steps.append(_gradient_step(layers, fw, bw, index, j, kind))
    return steps


def _output_delta_step(layer, fw, bw, y, j):
    import sympy as sp

    from solver.core.exercise import Step
    from solver.derive.chain import Chain

    neuron = layer.neuron(j)
    a, yc = symbol(neuron), sp.Symbol(f"y_{j + 1}")
    dE = sp.Derivative(sp.Function("E")(a), a)
    z = sp.Symbol(f"z_{{{neuron}}}")
    sig_prime = sp.Derivative(sp.Function("sigma")(z), z)
    factors = sp.Mul(sp.Mul(-yc, 1 / a, evaluate=False), a * (1 - a), evaluate=False)
    put = products([[decimal(-sp.Integer(y[j])), _one_minus(fw.a[-1][j])]])
    line = Chain(_delta(neuron), sp.Mul(dE, sig_prime, evaluate=False), factors, -yc * (1 - a), put,
                 final(bw.deltas[-1][j]))
    return Step(Text(f"Erreur du neurone de sortie {_tex_name(neuron)} : "
                     "$\\delta = \\partial E/\\partial z = \\partial E/\\partial o \\cdot \\sigma'(z)$, avec "
                     "$\\partial E/\\partial o = -y/o$ et $\\sigma'(z) = o(1 - o)$ : le facteur $o$ se simplifie.",
                     f"Error of the output neuron {_tex_name(neuron)}: "
                     "$\\delta = \\partial E/\\partial z = \\partial E/\\partial o \\cdot \\sigma'(z)$, with "
                     "$\\partial E/\\partial o = -y/o$ and $\\sigma'(z) = o(1 - o)$: the factor $o$ cancels."),
                line)


def _hidden_delta_step(layers, fw, bw, index, j):
    import sympy as sp

    from solver.core.exercise import Step
    from solver.derive.chain import Chain

    layer, upper = layers[index], layers[index + 1]
    neuron = layer.neuron(j)
    h, h_value = symbol(neuron), fw.a[index][j]
    back = [(_delta(upper.neuron(c)), symbol(weight_id(upper, c, j))) for c in range(upper.size)]
    general = sp.Add(*(d * w for d, w in back)) * h * (1 - h)
    rows = [[decimal(bw.deltas[index + 1][c]), decimal(upper.weights[c][j])] for c in range(upper.size)]
    incoming = products(rows) if len(rows) == 1 else wrap(products(rows))
    put = products([[incoming, decimal(h_value), _one_minus(h_value)]])
    return Step(Text(f"Erreur du neurone caché {_tex_name(neuron)} : on remonte les erreurs des "
                     "neurones qu'il alimente, pondérées par les poids qui l'y relient, puis on multiplie par "
                     "la dérivée de sa sigmoïde $h(1 - h)$.",
                     f"Error of the hidden neuron {_tex_name(neuron)}: bring back the errors of the "
                     "neurons it feeds, weighted by the weights linking it to them, then multiply by the "
                     "derivative of its sigmoid $h(1 - h)$."),
                Chain(_delta(neuron), general, put, final(bw.deltas[index][j])))


def _gradient_step(layers, fw, bw, index, j, kind):
    import sympy as sp

    from solver.core.exercise import Step
    from solver.derive.chain import Chain

    layer = layers[index]
    neuron = layer.neuron(j)
    d, d_value = _delta(neuron), bw.deltas[index][j]
    lines = []
    for i, input_name in enumerate(_input_names(layers, index)):
        pid = weight_id(layer, j, i)
        lhs = sp.Derivative(sp.Symbol("E"), symbol(pid))
        put = products([[decimal(d_value), decimal(fw.layer_input(index)[i])]])
        lines.append(Chain(lhs, d * symbol(input_name), put, final(bw.grads[pid])))
    lhs = sp.Derivative(sp.Symbol("E"), symbol(bias_id(layer, j)))
    lines.append(Chain(lhs, d, final(bw.grads[bias_id(layer, j)])))
    return Step(Text(f"Gradients des paramètres de {_tex_name(neuron)} : "
                     "$\\partial z/\\partial w_i$ est l'entrée $i$ du neurone et $\\partial z/\\partial b = 1$.",
                     f"Gradients of the parameters of {_tex_name(neuron)}: "
                     "$\\partial z/\\partial w_i$ is input $i$ of the neuron and $\\partial z/\\partial b = 1$."),
                tuple(lines), kind)


def sgd_steps(layers: Sequence[Layer], grads: dict, eta, new: Sequence[Layer], kind: str = "step") -> list:
    """θ' = θ − η ∂E/∂θ for every parameter, with the values put in (one step per layer)."""
    import sympy as sp

    from solver.core.exercise import Step
    from solver.derive.chain import Chain

    steps = []
    for index in range(len(layers) - 1, -1, -1):
        old, updated = parameters([layers[index]]), parameters([new[index]])
        lines = []
        for pid, theta_value in old.items():
            theta = symbol(pid)
            general = Written(f"{sp.pretty(theta)} - η·∂E/∂{sp.pretty(theta)}",
                              f"{sp.latex(theta)} - \\eta \\frac{{\\partial E}}{{\\partial {sp.latex(theta)}}}")
            put = products([[decimal(theta_value)], [decimal(eta), decimal(grads[pid])]], op="-")
            lines.append(Chain(sp.Symbol(theta.name + "'"), general, put, final(updated[pid], 9)))
        name_tex = f"${layers[index].name}$"
        steps.append(Step(Text(f"Mise à jour des paramètres de la couche {name_tex}, avec les gradients "
                               "calculés plus haut.",
                               f"Update of the parameters of layer {name_tex}, with the gradients found above."),
                          tuple(lines), kind))
    return steps
