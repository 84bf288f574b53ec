"""cours-intro: the lecture's worked 3-2-2 sigmoid network — forward pass, loss, backpropagation, SGD step.

The lecture gives the hidden layer in full but only the first output neuron (wo1, bo1). With the
target y = (1, 0) and the loss E = −Σ y_c ln o_c, the second output never enters the loss nor the
gradients (its term is multiplied by y_2 = 0), so no exercise here needs wo2, bo2: each says so in
a remark instead of inventing them. The torch check adds an arbitrary second output to confirm it.
"""

from __future__ import annotations

from fractions import Fraction

from solver.core.errors import ParamError
from solver.core.exercise import Chain, Diagnosis, Exercise, Part, Solution, Step, source_of
from solver.core.params import Param
from solver.core.text import Text, numeral, numerals
from solver.derive.draw import fraction, matrix
from solver.derive.mistakes import mistake

SHEET = "cours-intro"
GRADIENT_IDS = ("wo1_1", "wo1_2", "bo1", "wh1_1", "wh1_2", "wh1_3", "bh1", "wh2_1", "wh2_2", "wh2_3", "bh2")
SIZES = {"wh1": 3, "wh2": 3, "wo1": 2, "x": 3}
TARGET = (1, 0)


def _tenth(rng) -> Fraction:
    """A multiple of 0.1 in [−1, 1]."""
    return fraction(rng, -10, 10, 10)


def _row(n: int, step: int):
    def draw(rng):
        return matrix(rng, 1, n, -step, step, denominator=step)
    return draw


PARAMS = (
    Param("wh1", "matrix", ((Fraction(1, 10), 2, Fraction(1, 2)),),
          Text("poids du neurone caché h1 (un par entrée)", "weights of hidden neuron h1 (one per input)"),
          draw=_row(3, 10)),
    Param("bh1", "number", Fraction(1, 5), Text("biais de h1", "bias of h1"), draw=_tenth),
    Param("wh2", "matrix", ((Fraction(3, 10), Fraction(-2, 5), Fraction(-1, 2)),),
          Text("poids du neurone caché h2", "weights of hidden neuron h2"), draw=_row(3, 10)),
    Param("bh2", "number", Fraction(-3, 10), Text("biais de h2", "bias of h2"), draw=_tenth),
    Param("wo1", "matrix", ((Fraction(1, 10), 1),),
          Text("poids du neurone de sortie o1 (un par neurone caché)",
               "weights of output neuron o1 (one per hidden neuron)"), draw=_row(2, 10)),
    Param("bo1", "number", Fraction(7, 5), Text("biais de o1", "bias of o1"), draw=_tenth),
    Param("x", "matrix", ((Fraction(3, 20), Fraction(1, 4), Fraction(-1, 2)),),
          Text("entrée $x$ (3 valeurs)", "input $x$ (3 values)"), draw=_row(3, 20)),
)

WORKED_EXAMPLE = Chain("cours-intro.mlp", tuple(p.name for p in PARAMS),
                       lambda rng: {p.name: p.draw(rng) for p in PARAMS if p.draw is not None})
ETA = Param("eta", "number", Fraction(1, 1000), Text("pas d'apprentissage $\\eta$", "learning rate $\\eta$"),
            draw=lambda rng: rng.choice((Fraction(1, 1000), Fraction(1, 100), Fraction(1, 10), Fraction(1, 2))),
            minimum=0)


# ---- parameters and statements (no SymPy) ----------------------------------------------------

def _flat(matrix) -> tuple:
    return tuple(v for row in matrix for v in row)


def _fmt(v) -> Text:
    """A parameter for inside $…$: an exact decimal (a decimal comma in French), else a fraction."""
    return numeral(Fraction(v), math=True)


def _vec(q, name: str) -> Text:
    return numerals([Fraction(v) for v in _flat(q[name])], math=True)


def validate(values) -> None:
    for name, n in SIZES.items():
        got = len(_flat(values[name]))
        if got != n:
            raise ParamError(Text(f"{name} doit avoir {n} valeurs (il en a {got})",
                                  f"{name} must have {n} values (it has {got})"))
    if "eta" in values and values["eta"] <= 0:
        raise ParamError(Text("le pas d'apprentissage doit être strictement positif",
                              "the learning rate must be positive"))


def _network_text(q) -> Text:
    groups = [Text(f"$w_{{{n}}} = {_vec(q, 'w' + n).fr}$, $b_{{{n}}} = {_fmt(q['b' + n]).fr}$",
                   f"$w_{{{n}}} = {_vec(q, 'w' + n).en}$, $b_{{{n}}} = {_fmt(q['b' + n]).en}$")
              for n in ("h1", "h2", "o1")]
    weights = Text(" ; ".join(g.fr for g in groups), "; ".join(g.en for g in groups))
    return Text(
        "Un réseau reçoit 3 entrées, a une couche cachée de 2 neurones sigmoïdes $h_1, h_2$ et une couche de "
        f"sortie de 2 neurones sigmoïdes $o_1, o_2$. Paramètres connus : {weights.fr}. On lui présente "
        f"$x = {_vec(q, 'x').fr}$, de classe 1 : $y = (1, 0)$. La perte est l'entropie croisée "
        "$E = -\\sum_c y_c \\ln o_c$ calculée sur les sorties sigmoïdes (logarithme népérien). ",
        "A network takes 3 inputs, has a hidden layer of 2 sigmoid neurons $h_1, h_2$ and an output layer of "
        f"2 sigmoid neurons $o_1, o_2$. Known parameters: {weights.en}. It is shown "
        f"$x = {_vec(q, 'x').en}$, of class 1: $y = (1, 0)$. The loss is the cross-entropy "
        "$E = -\\sum_c y_c \\ln o_c$ computed on the sigmoid outputs (natural logarithm). ")


def _statement(fr: str, en: str):
    def statement(q) -> Text:
        eta = _fmt(q["eta"]) if "eta" in q else Text("", "")
        return _network_text(q) + Text(fr.replace("{eta}", eta.fr), en.replace("{eta}", eta.en))
    return statement


def _tex(pid: str) -> str:
    """LaTeX of a parameter id: ``wh1_2`` → ``w_{h1,2}``, ``bo1`` → ``b_{o1}``."""
    core, _, index = pid[1:].partition("_")
    return f"{pid[0]}_{{{core},{index}}}" if index else f"{pid[0]}_{{{core}}}"


# ---- the exact computation ---------------------------------------------------------------------

def _layers(q, zero_bias: bool = False):
    """The hidden layer and the known output neuron as exact `solver.derive.mlp.Layer`s."""
    import sympy as sp

    from solver.derive.mlp import Layer

    def r(v):
        return sp.Integer(0) if zero_bias else sp.Rational(Fraction(v).numerator, Fraction(v).denominator)

    def row(name):
        return tuple(sp.Rational(Fraction(v).numerator, Fraction(v).denominator) for v in _flat(q[name]))

    hidden = Layer("h", (row("wh1"), row("wh2")), (r(q["bh1"]), r(q["bh2"])))
    output = Layer("o", (row("wo1"),), (r(q["bo1"]),))
    return hidden, output


def _input(q):
    import sympy as sp

    return tuple(sp.Rational(Fraction(v).numerator, Fraction(v).denominator) for v in _flat(q["x"]))


def _run(q, **rules):
    """Forward pass and backpropagation for the known output neuron (target 1); `rules` may swap
    `solver.derive.mlp.backward`'s δ rules for mal-rules."""
    from solver.derive.mlp import backward, forward

    layers = _layers(q)
    fw = forward(layers, _input(q))
    return layers, fw, backward(layers, fw, TARGET[:1], **rules)


def _o2_remark() -> Step:
    return Step(Text(
        "L'énoncé ne donne pas les paramètres $w_{o2}, b_{o2}$ du second neurone de sortie. Ils ne servent à "
        "rien ici : avec $y_2 = 0$, le terme $-y_2 \\ln o_2$ de la perte est nul, et l'erreur "
        "$\\delta_{o2} = -y_2(1 - o_2) = 0$ ne remonte rien vers la couche cachée. On travaille donc avec $o_1$ "
        "seul, sans inventer de valeurs.",
        "The statement does not give the parameters $w_{o2}, b_{o2}$ of the second output neuron. They play "
        "no role here: with $y_2 = 0$ the term $-y_2 \\ln o_2$ of the loss is zero, and the error "
        "$\\delta_{o2} = -y_2(1 - o_2) = 0$ sends nothing back to the hidden layer. We work with $o_1$ alone, "
        "without inventing values."), kind="remark")


def _exact_step(fw) -> Step:
    import sympy as sp

    names = ("h_1", "h_2", "o_1")
    values = (fw.a[0][0], fw.a[0][1], fw.a[1][0])
    return Step(Text("Valeurs exactes (les nombres décimaux ci-dessus en sont des arrondis) :",
                     "Exact values (the decimals above are roundings of them):"),
                tuple(sp.Eq(sp.Symbol(n), v, evaluate=False) for n, v in zip(names, values)))


# ---- forward -------------------------------------------------------------------------------------

def solve_forward(q) -> Solution:
    from solver.derive.mlp import forward, forward_steps, number

    layers = _layers(q)
    fw = forward(layers, _input(q))
    steps = [_o2_remark(), *forward_steps(layers, fw, kind="result"), _exact_step(fw)]
    answers = {"h1": number(fw.a[0][0]), "h2": number(fw.a[0][1]), "o1": number(fw.a[1][0])}
    return Solution(q, tuple(steps), answers)


def follow_forward(q, part: str, earlier):
    """o1 from the student's hidden outputs h1, h2 (sigmoid outputs: strictly between 0 and 1)."""
    from solver.derive.mlp import forward, number

    h = (earlier["h1"], earlier["h2"])
    if part != "o1" or not all(0 < v < 1 for v in h):
        return None
    return number(forward(_layers(q)[1:], h).a[0][0])


def _forward_values(q, zero_bias=False, hidden_linear=False):
    """(h1, h2, z_o1, o1) for a variant of the forward pass (the diagnoses' mistakes)."""
    from solver.derive.mlp import Layer, forward, number

    hidden, output = _layers(q, zero_bias)
    fw_h = forward((hidden,), _input(q))
    h = fw_h.z[0] if hidden_linear else fw_h.a[0]
    fw_o = forward((Layer("o", output.weights, output.biases),), h)
    return {"h1": number(fw_h.a[0][0]), "h2": number(fw_h.a[0][1]), "z_h1": number(fw_h.z[0][0]),
            "z_h2": number(fw_h.z[0][1]), "z_o1": number(fw_o.z[0][0]), "o1": number(fw_o.a[0][0])}


def _forward_wrong(key: str, **mistake):
    return lambda q: _forward_values(q, **mistake)[key]


_NO_BIAS = Text("Le biais manque : $z = \\sum_i w_i x_i + b$.", "The bias is missing: $z = \\sum_i w_i x_i + b$.")
_NO_SIGMOID = Text("C'est la pré-activation $z$ : il faut encore appliquer la sigmoïde $\\sigma(z)$.",
                   "This is the pre-activation $z$: the sigmoid $\\sigma(z)$ still has to be applied.")

FORWARD_DIAGNOSES = (
    Diagnosis("forgot-bias", "h1", _forward_wrong("h1", zero_bias=True), _NO_BIAS),
    Diagnosis("missing-sigmoid", "h1", _forward_wrong("z_h1"), _NO_SIGMOID),
    Diagnosis("forgot-bias", "h2", _forward_wrong("h2", zero_bias=True), _NO_BIAS),
    Diagnosis("missing-sigmoid", "h2", _forward_wrong("z_h2"), _NO_SIGMOID),
    Diagnosis("forgot-bias", "o1", _forward_wrong("o1", zero_bias=True), _NO_BIAS),
    Diagnosis("missing-sigmoid", "o1", _forward_wrong("z_o1"), _NO_SIGMOID),
    Diagnosis("hidden-not-activated", "o1", _forward_wrong("o1", hidden_linear=True),
              Text("La couche de sortie reçoit les sorties $h_j = \\sigma(z_{h_j})$ des neurones cachés, pas leurs "
                   "pré-activations.",
                   "The output layer receives the hidden outputs $h_j = \\sigma(z_{h_j})$, not their "
                   "pre-activations.")),
)


# ---- loss ------------------------------------------------------------------------------------------

def solve_loss(q) -> Solution:
    import sympy as sp

    from solver.derive.mlp import cross_entropy, forward, forward_steps, loss_step, number

    layers = _layers(q)
    fw = forward(layers, _input(q))
    loss = cross_entropy(fw.a[-1], TARGET[:1])
    z = sp.Symbol("z_{o1}")
    steps = [_o2_remark(), *forward_steps(layers, fw), loss_step(fw, TARGET, kind="result"),
             Step(Text("Forme exacte : $-\\ln \\sigma(z) = \\ln(1 + e^{-z})$.",
                       "Exact form: $-\\ln \\sigma(z) = \\ln(1 + e^{-z})$."),
                  sp.Eq(sp.Symbol("E"), sp.log(1 + sp.exp(-z)), evaluate=False)),
             Step(Text(
                 "Ces sorties sigmoïdes ne forment pas une distribution : rien n'impose $o_1 + o_2 = 1$, chaque "
                 "sortie est une probabilité séparée. Avec cette perte, seul $o_1$ est poussé vers 1 et $o_2$ "
                 "n'est jamais poussé vers 0. Un softmax en sortie, ou l'entropie croisée binaire "
                 "$-\\sum_c [y_c \\ln o_c + (1 - y_c)\\ln(1 - o_c)]$ par sortie, seraient les choix cohérents.",
                 "These sigmoid outputs are not a distribution: nothing forces $o_1 + o_2 = 1$, each output is a "
                 "separate probability. With this loss only $o_1$ is pushed towards 1 and $o_2$ is never pushed "
                 "towards 0. A softmax output layer, or the binary cross-entropy "
                 "$-\\sum_c [y_c \\ln o_c + (1 - y_c)\\ln(1 - o_c)]$ per output, would be the consistent choices."),
                 kind="remark")]
    return Solution(q, tuple(steps), {"loss": number(loss)})


def follow_loss(q, part: str, earlier):
    """The loss from the student's own output o1 of the forward pass (strictly between 0 and 1)."""
    from solver.derive.mlp import cross_entropy, number

    (o1,) = earlier.values()
    return number(cross_entropy((o1,), TARGET[:1])) if 0 < o1 < 1 else None


def _o1(q):
    from solver.derive.mlp import forward

    return forward(_layers(q), _input(q)).a[-1][0]


def _log_wrong(base=None, sign=-1):
    def wrong(q):
        import sympy as sp

        from solver.derive.mlp import number

        o1 = _o1(q)
        return number(sign * (sp.log(o1, base) if base else sp.log(o1)))
    return wrong


LOSS_DIAGNOSES = (
    mistake("log10-instead-of-ln", "loss", _log_wrong(10)),
    mistake("log2-instead-of-ln", "loss", _log_wrong(2)),
    mistake("sign-error", "loss", _log_wrong(None, sign=1),
              Text("Il manque le signe moins : $E = -\\ln o_1 > 0$ puisque $o_1 < 1$.",
                   "The minus sign is missing: $E = -\\ln o_1 > 0$ since $o_1 < 1$.")),
)


# ---- backpropagation ---------------------------------------------------------------------------------

def solve_backprop(q) -> Solution:
    from solver.derive.mlp import backward_steps, forward_steps, loss_step, number

    layers, fw, bw = _run(q)
    steps = [_o2_remark(), *forward_steps(layers, fw), loss_step(fw, TARGET),
             *backward_steps(layers, fw, bw, TARGET[:1], kind="result")]
    return Solution(q, tuple(steps), {pid: number(bw.grads[pid]) for pid in GRADIENT_IDS})


FORWARD = "cours-intro.forward"
BACKPROP = "cours-intro.backprop"


def _follows_backprop(pid: str) -> tuple[str, ...]:
    """∂E/∂b of a neuron is its δ. δ_o1 (bo1) follows the student's o1 from the forward pass; the
    output weights' gradients and the hidden δ follow δ_o1 and the hidden output they multiply (from
    the forward pass); a hidden weight's gradient follows its neuron's δ (bh1 or bh2).

    >>> _follows_backprop("bo1"), _follows_backprop("wo1_2"), _follows_backprop("wh1_3")
    (('cours-intro.forward/o1',), ('bo1', 'cours-intro.forward/h2'), ('bh1',))
    """
    if pid == "bo1":
        return (f"{FORWARD}/o1",)
    if pid.startswith("wh"):
        return ("b" + pid[1:].split("_")[0],)
    hidden = pid[-1] if pid.startswith("wo1") else pid[2]  # wo1_2 → h2, bh1 → h1
    return ("bo1", f"{FORWARD}/h{hidden}")


def follow_backprop(q, part: str, earlier):
    """Backpropagation run again from the student's own values: their outputs of the forward pass
    (sigmoid outputs, strictly between 0 and 1) and their δ (their ∂E/∂b)."""
    from dataclasses import replace

    from solver.derive.mlp import backward, forward, number

    layers = _layers(q)
    sources = {source_of(BACKPROP, ref): v for ref, v in earlier.items()}
    outputs = {part_id: v for (exercise_id, part_id), v in sources.items() if exercise_id == FORWARD}
    if not all(0 < v < 1 for v in outputs.values()):
        return None
    fw = forward(layers, _input(q))
    fw = replace(fw, a=tuple(tuple(outputs.get(layer.neuron(j), a[j]) for j in range(layer.size))
                             for layer, a in zip(layers, fw.a)))
    given = {part_id: v for (exercise_id, part_id), v in sources.items() if exercise_id == BACKPROP}
    return number(backward(layers, fw, TARGET[:1], given=given).grads[part])


def _grad_wrong(pid: str, sign: int = 1, drop_input: bool = False, **rules):
    def wrong(q):
        from solver.derive.mlp import number

        _, _, bw = _run(q, **rules)
        key = "b" + pid[1:].split("_")[0] if drop_input else pid
        return number(sign * bw.grads[key])
    return wrong


def _without_sigmoid_slope(pid: str):
    """The gradient of `pid` with σ'(z) left out of every δ (`solver.derive.mlp`'s mal-rules of its δ rules)."""
    def wrong(q):
        from solver.derive import mlp

        return _grad_wrong(pid, output=mlp.output_delta_without_slope, hidden=mlp.hidden_delta_without_slope)(q)
    return wrong


def _backprop_diagnoses():
    out = []
    for pid in GRADIENT_IDS:
        out.append(mistake("sign-error", pid, _grad_wrong(pid, sign=-1),
                             Text("Signe inversé : $\\partial E/\\partial o_1 = -1/o_1$ est négatif.",
                                  "Wrong sign: $\\partial E/\\partial o_1 = -1/o_1$ is negative.")))
        out.append(Diagnosis("missing-sigmoid-derivative", pid, _without_sigmoid_slope(pid),
                             Text("Il manque la dérivée de la sigmoïde $\\sigma'(z) = a(1 - a)$ dans la chaîne.",
                                  "The sigmoid's derivative $\\sigma'(z) = a(1 - a)$ is missing from the chain.")))
        if pid.startswith("w"):
            out.append(Diagnosis("missing-input-factor", pid, _grad_wrong(pid, drop_input=True),
                                 Text("C'est $\\delta$ : il faut encore multiplier par l'entrée reliée à ce poids.",
                                      "This is $\\delta$: it still has to be multiplied by the input this weight "
                                      "connects.")))
    return tuple(out)


# ---- SGD step -------------------------------------------------------------------------------------------

def _step(q, sign=-1, eta_factor=True):
    """The parameters after one step (exact), and the loss they give (sign=+1: ascent; no η: the full gradient).

    The second forward pass runs on 40-digit Floats of the new parameters (see `solver.derive.mlp.as_floats`).
    """
    import sympy as sp

    from solver.derive.mlp import as_floats, cross_entropy, forward, parameters, sgd_step

    layers, fw, bw = _run(q)
    eta = sp.nsimplify(q["eta"]) if eta_factor else sp.Integer(1)
    new = sgd_step(layers, bw.grads, eta, sign=sign)
    fw_new = forward(as_floats(new), _input(q))
    return layers, fw, bw, new, fw_new, parameters(new), cross_entropy(fw_new.a[-1], TARGET[:1])


def solve_sgd(q) -> Solution:
    import sympy as sp

    from solver.derive.mlp import as_floats, backward_steps, cross_entropy, forward_steps, loss_step, number, sgd_steps

    layers, fw, bw, new, fw_new, values, loss_after = _step(q)
    eta = sp.nsimplify(q["eta"])
    steps = [_o2_remark(), *forward_steps(layers, fw), loss_step(fw, TARGET), *backward_steps(layers, fw, bw, TARGET[:1]),
             *sgd_steps(layers, bw.grads, eta, new, kind="result"),
             Step(Text("Nouvelle passe avant avec les paramètres mis à jour :",
                       "New forward pass with the updated parameters:")),
             *forward_steps(as_floats(new), fw_new), loss_step(fw_new, TARGET, kind="result")]
    biggest = max(abs(float(number(eta * g))) for g in bw.grads.values())
    if biggest < 1e-3:
        before, after = numeral(float(number(cross_entropy(fw.a[-1], TARGET[:1]))), 6), numeral(float(number(loss_after)), 6)
        rate, change = _fmt(q["eta"]), numeral(biggest, sig=2)
        steps.append(Step(Text(
            f"Avec $\\eta = {rate.fr}$, le plus grand changement d'un paramètre vaut {change.fr}, "
            "minuscule devant les poids eux-mêmes : certaines valeurs mises à jour semblent inchangées à 6 "
            f"chiffres significatifs, et la perte ne passe que de {before.fr} à {after.fr}. Un pas aussi petit "
            "demande beaucoup d'itérations.",
            f"With $\\eta = {rate.en}$, the largest change of a parameter is {change.en}, tiny next to "
            "the weights themselves: some updated values look unchanged at 6 significant digits, and the loss "
            f"only goes from {before.en} to {after.en}. Such a small step needs many iterations."), kind="remark"))
    answers = {pid: number(values[pid]) for pid in GRADIENT_IDS}
    answers["loss_after"] = number(loss_after)
    return Solution(q, tuple(steps), answers)


def follow_sgd(q, part: str, earlier):
    """An updated parameter from the student's own gradient (backprop), θ − η·g; the loss after the
    step from the student's own updated parameters."""
    import sympy as sp

    from solver.derive.mlp import as_floats, cross_entropy, forward, number, parameters, sgd_step, with_parameters

    if part == "loss_after":
        new = as_floats(with_parameters(_layers(q), earlier))
        return number(cross_entropy(forward(new, _input(q)).a[-1], TARGET[:1]))
    layers, _, bw = _run(q)
    (gradient,) = earlier.values()
    return number(parameters(sgd_step(layers, {**bw.grads, part: gradient}, sp.nsimplify(q["eta"])))[part])


def _sgd_wrong(pid: str, **mistake):
    def wrong(q):
        from solver.derive.mlp import number

        *_, values, loss_after = _step(q, **mistake)
        return number(loss_after if pid == "loss_after" else values[pid])
    return wrong


def _sgd_diagnoses():
    out = []
    for pid in (*GRADIENT_IDS, "loss_after"):
        out.append(mistake("sign-error", pid, _sgd_wrong(pid, sign=1),
                             Text("La descente de gradient soustrait : $\\theta \\leftarrow \\theta - \\eta\\, "
                                  "\\partial E/\\partial\\theta$ (ici le pas a été ajouté, la perte monte).",
                                  "Gradient descent subtracts: $\\theta \\leftarrow \\theta - \\eta\\, "
                                  "\\partial E/\\partial\\theta$ (the step was added here, the loss goes up).")))
        out.append(Diagnosis("missing-learning-rate", pid, _sgd_wrong(pid, eta_factor=False),
                             Text("Le gradient doit être multiplié par le pas $\\eta$ avant d'être retranché.",
                                  "The gradient must be multiplied by the learning rate $\\eta$ before being "
                                  "subtracted.")))
    return tuple(out)


# ---- torch check ------------------------------------------------------------------------------------------

def _torch_model(q):
    """The network in torch (float64), with an arbitrary second output neuron o2 (fixed seed)."""
    import torch

    def t(name):
        return torch.tensor([float(v) for v in _flat(q[name])], dtype=torch.float64)

    params = {"wh": torch.stack([t("wh1"), t("wh2")]).requires_grad_(),
              "bh": torch.tensor([float(q["bh1"]), float(q["bh2"])], dtype=torch.float64).requires_grad_(),
              "wo1": t("wo1").reshape(1, 2).requires_grad_(),
              "bo1": torch.tensor([float(q["bo1"])], dtype=torch.float64).requires_grad_()}
    gen = torch.Generator().manual_seed(1234)
    extra = {"wo2": torch.randn(1, 2, generator=gen, dtype=torch.float64).requires_grad_(),
             "bo2": torch.randn(1, generator=gen, dtype=torch.float64).requires_grad_()}
    return params, extra, t("x")


def _torch_loss(params, extra, x):
    """h = σ(W_h x + b_h), o = σ(W_o h + b_o), E = −Σ y_c ln o_c as an NLL on ln o (target class 0)."""
    import torch
    import torch.nn.functional as F

    h = torch.sigmoid(params["wh"] @ x + params["bh"])
    o = torch.sigmoid(torch.cat([params["wo1"] @ h + params["bo1"], extra["wo2"] @ h + extra["bo2"]]))
    return h, o, F.nll_loss(torch.log(o).unsqueeze(0), torch.tensor([0]))


def _torch_grads(params) -> dict:
    wh, bh, wo, bo = (params[k].grad for k in ("wh", "bh", "wo1", "bo1"))
    out = {"wo1_1": wo[0, 0], "wo1_2": wo[0, 1], "bo1": bo[0]}
    for j in range(2):
        out.update({f"wh{j + 1}_{i + 1}": wh[j, i] for i in range(3)})
        out[f"bh{j + 1}"] = bh[j]
    return {k: v.item() for k, v in out.items()}


def check_forward(q, sol, checks) -> None:
    params, extra, x = _torch_model(q)
    h, o, _ = _torch_loss(params, extra, x)
    for key, want in (("h1", h[0]), ("h2", h[1]), ("o1", o[0])):
        checks.close(key, float(sol.answers[key]), want.item())


def check_loss(q, sol, checks) -> None:
    import torch

    params, extra, x = _torch_model(q)
    _, o, loss = _torch_loss(params, extra, x)
    checks.close("loss (nll of ln o)", float(sol.answers["loss"]), loss.item())
    checks.close("loss = -ln o1", float(sol.answers["loss"]), -torch.log(o[0]).item())


def check_backprop(q, sol, checks) -> None:
    params, extra, x = _torch_model(q)
    _, _, loss = _torch_loss(params, extra, x)
    loss.backward()
    for pid, want in _torch_grads(params).items():
        checks.close(f"dE/d{pid}", float(sol.answers[pid]), want)
    checks.close("dE/dwo2 = 0 (o2 plays no role)", extra["wo2"].grad, [[0.0, 0.0]])


def check_sgd(q, sol, checks) -> None:
    import torch

    params, extra, x = _torch_model(q)
    _, _, loss = _torch_loss(params, extra, x)
    loss.backward()
    torch.optim.SGD(list(params.values()), lr=float(q["eta"])).step()
    values = {"wo1_1": params["wo1"][0, 0], "wo1_2": params["wo1"][0, 1], "bo1": params["bo1"][0]}
    for j in range(2):
        values.update({f"wh{j + 1}_{i + 1}": params["wh"][j, i] for i in range(3)})
        values[f"bh{j + 1}"] = params["bh"][j]
    for pid, want in values.items():
        checks.close(f"{pid} after the step", float(sol.answers[pid]), want.item(), rtol=1e-12, atol=1e-14)
    with torch.no_grad():
        _, _, after = _torch_loss(params, extra, x)
    checks.close("loss after the step", float(sol.answers["loss_after"]), after.item(), rtol=1e-10)


# ---- exercises ----------------------------------------------------------------------------------------------

def _number_part(pid: str, fr: str, en: str, rtol: float = 1e-3, atol: float = 1e-9, follows=()) -> Part:
    return Part(pid, "number", Text(fr, en), rtol=rtol, atol=atol, follows=follows)


def _grad_part(pid: str) -> Part:
    tex = _tex(pid)
    return _number_part(pid, f"$\\partial E/\\partial {tex}$", f"$\\partial E/\\partial {tex}$", atol=1e-7,
                        follows=_follows_backprop(pid))


def _updated_part(pid: str) -> Part:
    tex = _tex(pid)
    return _number_part(pid, f"${tex}$ après le pas", f"${tex}$ after the step", rtol=1e-5,
                        follows=(f"{BACKPROP}/{pid}",))


EXERCISES = (
    Exercise(
        id="cours-intro.forward", sheet=SHEET,
        title=Text("Passe avant d'un petit réseau sigmoïde", "Forward pass of a small sigmoid network"),
        statement=_statement("Calculer les sorties $h_1$, $h_2$ des neurones cachés et la sortie $o_1$.",
                             "Compute the hidden outputs $h_1$, $h_2$ and the output $o_1$."),
        params=PARAMS, chain=WORKED_EXAMPLE,
        parts=(_number_part("h1", "sortie $h_1$", "output $h_1$"),
               _number_part("h2", "sortie $h_2$", "output $h_2$"),
               _number_part("o1", "sortie $o_1$", "output $o_1$", follows=("h1", "h2"))),
        solve=solve_forward, check=check_forward, validate=validate, diagnoses=FORWARD_DIAGNOSES,
        follow=follow_forward),
    Exercise(
        id="cours-intro.ce-loss", sheet=SHEET,
        title=Text("Perte d'entropie croisée sur le petit réseau", "Cross-entropy loss of the small network"),
        statement=_statement("Calculer la perte $E$ pour cet exemple.", "Compute the loss $E$ for this example."),
        params=PARAMS, chain=WORKED_EXAMPLE,
        parts=(_number_part("loss", "perte $E$", "loss $E$", follows=(f"{FORWARD}/o1",)),),
        solve=solve_loss, check=check_loss, validate=validate, diagnoses=LOSS_DIAGNOSES, follow=follow_loss),
    Exercise(
        id="cours-intro.backprop", sheet=SHEET,
        title=Text("Rétropropagation sur le petit réseau", "Backpropagation through the small network"),
        statement=_statement(
            f"Par rétropropagation, calculer la dérivée de $E$ par rapport à chacun des {len(GRADIENT_IDS)} "
            "paramètres connus ($w_{o1}$, $b_{o1}$, $w_{h1}$, $b_{h1}$, $w_{h2}$, $b_{h2}$).",
            f"By backpropagation, compute the derivative of $E$ with respect to each of the {len(GRADIENT_IDS)} "
            "known parameters ($w_{o1}$, $b_{o1}$, $w_{h1}$, $b_{h1}$, $w_{h2}$, $b_{h2}$)."),
        params=PARAMS, chain=WORKED_EXAMPLE,
        parts=tuple(_grad_part(pid) for pid in GRADIENT_IDS),
        solve=solve_backprop, check=check_backprop, validate=validate, diagnoses=_backprop_diagnoses(),
        follow=follow_backprop),
    Exercise(
        id="cours-intro.sgd-step", sheet=SHEET,
        title=Text("Un pas de descente de gradient", "One gradient-descent step"),
        statement=_statement(
            "Faire un pas de descente de gradient avec $\\eta = {eta}$ sur ces " + str(len(GRADIENT_IDS))
            + " paramètres, puis recalculer la perte.",
            "Take one gradient-descent step with $\\eta = {eta}$ on these " + str(len(GRADIENT_IDS))
            + " parameters, then compute the loss again."),
        params=(*PARAMS, ETA), chain=WORKED_EXAMPLE,
        parts=(*(_updated_part(pid) for pid in GRADIENT_IDS),
               _number_part("loss_after", "perte après le pas", "loss after the step", rtol=1e-5,
                            follows=GRADIENT_IDS)),
        solve=solve_sgd, check=check_sgd, validate=validate, diagnoses=_sgd_diagnoses(), follow=follow_sgd),
)
