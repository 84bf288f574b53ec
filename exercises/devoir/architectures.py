"""devoir 3.2, 4.1, 4.2, 5.1–5.4 — sizes, parameter counts and receptive fields of small networks.

Every network is a list of layer specifications traced by `solver.maths.architecture.trace`
(channel-first shapes: (C, H, W)); the derivations are its `explain_*` steps. The homework
gives no channel counts for question 4: they are kept as a symbol $C$ (they do not change
any spatial size).
"""

from __future__ import annotations

from solver.core.errors import ParamError
from solver.core.exercise import Chain, Diagnosis, Exercise, ModelAnswer, Part, Solution, Step
from solver.core.params import Param
from solver.core.text import Text, numeral
from solver.derive.mistakes import mistake
from solver.sheets.figures import Figure, receptive_field

SHEET = "devoir"
YES_NO = ("yes", "no")


def _int(v):
    import sympy as sp

    return sp.Integer(int(v))


def _channels():
    import sympy as sp

    return sp.Symbol("C", integer=True, positive=True)


def _result(step: Step) -> Step:
    """The same step, marked as the one giving an answer."""
    return Step(step.text, step.math, kind="result")


def _padding_fr(p: int) -> str:
    if p == 0:
        return "sans remplissage"
    return f"avec un remplissage de ${p}$ pixel{'s' if p > 1 else ''} de zéros sur les quatre côtés"


def _padding_en(p: int) -> str:
    if p == 0:
        return "no padding"
    return f"${p}$ pixel{'s' if p > 1 else ''} of zero padding on all four sides"


def _yes_no(flag: bool) -> str:
    return "yes" if flag else "no"


# --- devoir.3.2: parameters of an MLP and size of its Hessian --------------------------------

def _bytes(n: int, lang: str) -> str:
    """A memory size with two or three significant digits and a decimal unit, in the reader's language.

    >>> _bytes(324_175_364_496, "fr"), _bytes(1_300_000_000, "en"), _bytes(402_000_000, "fr")
    ('324 Go', '1.3 GB', '402 Mo')
    """
    units = (("o", "B"), ("ko", "kB"), ("Mo", "MB"), ("Go", "GB"), ("To", "TB"))
    level = 0
    value = float(n)
    while value >= 1000 and level < len(units) - 1:
        value /= 1000
        level += 1
    shown = numeral(value, 0 if value >= 10 else 1)(lang)
    return f"{shown} {units[level][0 if lang == 'fr' else 1]}"


def _mlp_layers(q, bias=True):
    from solver.maths.architecture import Linear

    return [Linear(q["h1"], bias, "fc1"), Linear(q["h2"], bias, "fc2"), Linear(q["classes"], bias, "fc3")]


def _mlp_total(q, bias=True):
    from solver.maths.architecture import total_params, trace

    return total_params(trace((q["inputs"],), _mlp_layers(q, bias)))


def statement_3_2(q) -> Text:
    return Text(
        f"Un perceptron multicouche a ${q['inputs']}$ entrées, deux couches cachées de ${q['h1']}$ et "
        f"${q['h2']}$ neurones et une couche de sortie de ${q['classes']}$ neurones (une probabilité par "
        "classe). Combien a-t-il de paramètres, biais compris ? Quelle est la taille de la matrice hessienne "
        "$H$ de la perte par rapport à ces paramètres ?",
        f"A multilayer perceptron has ${q['inputs']}$ inputs, two hidden layers of ${q['h1']}$ and ${q['h2']}$ "
        f"neurons and an output layer of ${q['classes']}$ neurons (one probability per class). How many "
        "parameters does it have, biases included? What is the size of the Hessian matrix $H$ of the loss "
        "with respect to these parameters?")


def solve_3_2(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params
    from solver.maths.architecture import total_params, trace

    rows = trace((q["inputs"],), _mlp_layers(q))
    total = _int(total_params(rows))
    P = sp.Symbol("P")
    entries = total ** 2
    steps = (
        *explain_params(rows),
        _result(Step(Text(
            "La hessienne contient toutes les dérivées secondes $\\partial^2 f / \\partial w_i \\partial w_j$ : "
            "une ligne et une colonne par paramètre.",
            "The Hessian holds every second derivative $\\partial^2 f / \\partial w_i \\partial w_j$: one row "
            "and one column per parameter."), sp.Eq(sp.Symbol("shape_H"), sp.Tuple(total, total)))),
        Step(Text(
            f"Elle a donc $P^2$ coefficients, soit environ {_bytes(int(entries) * 4, 'fr')} en float32 : on "
            "évite de la former explicitement (d'où les produits hessienne-vecteur de la suite).",
            f"It therefore has $P^2$ entries, about {_bytes(int(entries) * 4, 'en')} in float32: one avoids "
            "forming it explicitly (hence the Hessian-vector products that follow)."),
            sp.Eq(P ** 2, entries), kind="remark"),
    )
    return Solution(q, steps, {"params": total, "hessian_shape": sp.Tuple(total, total)})


def _torch_mlp(sizes):
    import torch.nn as nn

    layers = []
    for a, b in zip(sizes, sizes[1:]):
        layers += [nn.Linear(a, b), nn.ReLU()]
    return nn.Sequential(*layers[:-1])


def check_3_2(q, sol, checks) -> None:
    """numel of a torch MLP; the Hessian of a small MLP's loss w.r.t. its flat parameters is P × P."""
    import torch

    from solver.core.checks import loss_of_flat_parameters

    sizes = (q["inputs"], q["h1"], q["h2"], q["classes"])
    numel = sum(p.numel() for p in _torch_mlp(sizes).parameters())
    checks.equal("params = sum(numel)", int(sol.answers["params"]), numel)
    checks.equal("hessian_shape", tuple(int(v) for v in sol.answers["hessian_shape"]), (numel, numel))
    small = dict(inputs=3, h1=4, h2=3, classes=2)
    net = _torch_mlp(tuple(small.values())).double()
    x = torch.linspace(-1, 1, 3, dtype=torch.float64).unsqueeze(0)
    loss, flat = loss_of_flat_parameters(net, (x,), lambda out: out.logsumexp(dim=1).sum())
    hessian = torch.autograd.functional.hessian(loss, flat)
    want = int(_mlp_total(small))
    checks.equal("small MLP: hessian is P×P", tuple(hessian.shape), (want, want))


DIAGNOSES_3_2 = (
    mistake("missing-bias", "params", lambda q: _int(_mlp_total(q, bias=False))),
    Diagnosis("hidden-layers-only", "params",
              lambda q: _int(_mlp_total(q) - q["classes"] * (q["h2"] + 1)),
              Text("La couche de sortie a aussi des poids et des biais.",
                   "The output layer has weights and biases too.")),
    mistake("missing-bias", "hessian_shape",
              lambda q: _shape_of(_mlp_total(q, bias=False), _mlp_total(q, bias=False)),
              Text("La hessienne porte sur tous les paramètres, biais compris.",
                   "The Hessian is over every parameter, biases included.")),
    Diagnosis("input-hessian", "hessian_shape", lambda q: _shape_of(q["inputs"], q["inputs"]),
              Text("On dérive par rapport aux paramètres $w$, pas par rapport aux entrées.",
                   "Derivatives are taken with respect to the parameters $w$, not the inputs.")),
)


def _shape_of(*values):
    import sympy as sp

    return sp.Tuple(*(int(v) for v in values))


# --- devoir.4.1: output side of a small CNN -------------------------------------------------

SIDES_4_1 = ("conv1", "conv2", "pool", "conv3")


def _cnn_4_1(q, padding=0, pool_stride=None):
    from solver.maths.architecture import Activation, Conv, Pool

    C, k = _channels(), q["k"]
    return [Conv(C, k, padding=padding, name="conv1"), Activation("relu", "relu1"),
            Conv(C, k, padding=padding, name="conv2"), Pool(q["pool"], pool_stride, name="pool"),
            Conv(C, k, padding=padding, name="conv3"), Activation("relu", "relu3")]


def _sides_4_1(q, **changes) -> dict:
    from solver.maths.architecture import trace

    rows = trace((_channels(), q["n"], q["n"]), _cnn_4_1(q, **changes))
    return {r.name: r.shape[1] for r in rows}


def statement_4_1(q) -> Text:
    k, m, n = q["k"], q["pool"], q["n"]
    return Text(
        f"Un réseau convolutif enchaîne Image → Conv {k}×{k} → ReLU → Conv {k}×{k} → MaxPool {m}×{m} → "
        f"Conv {k}×{k} → ReLU. Les convolutions ont un pas 1, le pooling un pas {m}, aucune couche n'a de "
        f"remplissage. Pour une image ${n} \\times {n}$, donner le côté de la sortie de chaque couche "
        "(conv1, conv2, pool, conv3).",
        f"A convolutional network chains Image → Conv {k}×{k} → ReLU → Conv {k}×{k} → MaxPool {m}×{m} → "
        f"Conv {k}×{k} → ReLU. Convolutions have stride 1, the pooling stride {m}, no layer is padded. For a "
        f"${n} \\times {n}$ image, give the side of each layer's output (conv1, conv2, pool, conv3).")


def solve_4_1(q) -> Solution:
    from solver.derive.architecture_steps import explain_shapes
    from solver.maths.architecture import trace

    rows = trace((_channels(), q["n"], q["n"]), _cnn_4_1(q))
    k = q["k"]
    keep_fr = (f" Avec un remplissage de ${(k - 1) // 2}$, les convolutions ${k} \\times {k}$ garderaient la "
               "taille." if k % 2 else "")
    keep_en = (f" With a padding of ${(k - 1) // 2}$ the ${k} \\times {k}$ convolutions would keep the size."
               if k % 2 else "")
    steps = [Step(Text(
        "Formes en (canaux, hauteur, largeur) ; l'énoncé ne donne pas le nombre de canaux, noté $C$ : il "
        "ne change aucune taille spatiale. Les ReLU ne changent pas la forme.",
        "Shapes as (channels, height, width); the statement gives no channel count, written $C$: it changes "
        "no spatial size. The ReLUs do not change the shape."), kind="remark"),
        Step(Text(
            "La phrase de la source (« les convolutions utiliser la foulée 1 et les opérations de mutualisation "
            "utiliser la foulée 2 et n'utilisent aucun remplissage ») est ambiguë : on comprend qu'aucune "
            "couche, convolution ou pooling, n'a de remplissage." + keep_fr,
            "The source's sentence (convolutions with stride 1, pooling with stride 2, \"and they use no "
            "padding\") is ambiguous: we read that no layer, convolution or pooling, is padded." + keep_en),
        kind="remark")]
    steps += [_result(s) if r.name == "conv3" else s for r, s in zip(rows, explain_shapes(rows))]
    sides = {r.name: _int(r.shape[1]) for r in rows}
    return Solution(q, tuple(steps), {n: sides[n] for n in SIDES_4_1})


def follow_4_1(q, part: str, earlier):
    """A layer's output side traced from the student's side of the layer before."""
    from solver.maths.architecture import trace_between

    (source,) = earlier
    side = int(earlier[source])
    return _int(trace_between(_cnn_4_1(q), source, part, (_channels(), side, side)).shape[1])


def validate_4_1(values) -> None:
    k, m, n = values["k"], values["pool"], values["n"]
    if (n - 2 * (k - 1) - m) // m + 1 < k:
        raise ParamError(Text(f"une image {n}×{n} est trop petite pour ce réseau (k = {k}, pooling {m})",
                              f"a {n}×{n} image is too small for this network (k = {k}, pooling {m})"))


def draw_4_1(rng) -> dict:
    k, m = rng.choice((3, 3, 5)), rng.choice((2, 2, 3))
    return {"k": k, "pool": m, "n": rng.randint(2 * (k - 1) + m * k + 2, 64)}


def check_4_1(q, sol, checks) -> None:
    import torch.nn as nn

    from solver.core.checks import torch_layer_outputs

    k, m = q["k"], q["pool"]
    net = [nn.Conv2d(2, 2, k), nn.ReLU(), nn.Conv2d(2, 2, k), nn.MaxPool2d(m, m), nn.Conv2d(2, 2, k), nn.ReLU()]
    out = torch_layer_outputs(net, (2, q["n"], q["n"]))
    for name, index in (("conv1", 0), ("conv2", 2), ("pool", 3), ("conv3", 4)):
        checks.equal(name, int(sol.answers[name]), out[index][0][-1])


def _side_wrong(name, **changes):
    def wrong(q):
        side = _sides_4_1(q, **changes)[name]
        return _int(side) if side >= 1 else None
    return wrong


def _minus_k(name):
    def wrong(q):
        k, m, side = q["k"], q["pool"], q["n"]
        sides = {}
        for layer in SIDES_4_1:
            side = side // m if layer == "pool" else side - k
            sides[layer] = side
        return _int(sides[name]) if sides[name] >= 1 else None
    return wrong


def _diagnoses_4_1():
    minus_k = Text("Une convolution sans remplissage retire $k - 1$ pixels, pas $k$ ($o = i - k + 1$).",
                   "An unpadded convolution removes $k - 1$ pixels, not $k$ ($o = i - k + 1$).")
    out = []
    for name in SIDES_4_1:
        out.append(mistake("same-padding", name, _side_wrong(name, padding="same")))
        out.append(mistake("off-by-one", name, _minus_k(name), minus_k))
        if name in ("pool", "conv3"):
            out.append(mistake("pool-stride-one", name, _side_wrong(name, pool_stride=1)))
    return tuple(out)


# --- devoir.4.2: variable-size inputs with global average pooling ---------------------------

def _gap_net(q):
    from solver.maths.architecture import Activation, Conv, Flatten, GlobalPool, Linear

    C, k = _channels(), q["k"]
    return [Conv(C, k, name="conv1"), Activation("relu", "relu1"), Conv(C, k, name="conv2"),
            Activation("relu", "relu2"), GlobalPool("avg", "gap"), Flatten(name="flatten"),
            Linear(q["fc"], name="fc1"), Linear(1, name="fc2")]


def _side_symbol():
    import sympy as sp

    return sp.Symbol("n", integer=True, positive=True)


def statement_4_2(q) -> Text:
    k, fc = q["k"], q["fc"]
    return Text(
        f"Un second réseau enchaîne Image → Conv {k}×{k} → ReLU → Conv {k}×{k} → ReLU → pooling moyen global "
        f"→ FC-{fc} → FC-1, convolutions de pas 1 sans remplissage. Peut-il traiter des images de tailles "
        "différentes ? Quelle est la plus petite image $n \\times n$ qu'il accepte ? Un perceptron "
        "multicouche (sans convolution ni pooling global) accepte-t-il des entrées de taille variable ?",
        f"A second network chains Image → Conv {k}×{k} → ReLU → Conv {k}×{k} → ReLU → global average pooling "
        f"→ FC-{fc} → FC-1, convolutions of stride 1 without padding. Can it process images of different "
        "sizes? What is the smallest $n \\times n$ image it accepts? Does a multilayer perceptron (no "
        "convolution nor global pooling) accept inputs of variable size?")


def _analysis_4_2(q):
    """(traced rows on an n×n input, smallest n, parameters of an MLP's first layer on n×n)."""
    import sympy as sp

    from solver.maths.architecture import Flatten, Linear, trace

    n, C = _side_symbol(), _channels()
    rows = {r.name: r for r in trace((C, n, n), _gap_net(q))}
    smallest = sp.solve(sp.Eq(rows["conv2"].shape[1], 1), n)[0]
    mlp = trace((C, n, n), [Flatten(name="flatten"), Linear(q["fc"], name="fc1")])
    return rows, smallest, mlp


def solve_4_2(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params, explain_receptive_fields, explain_shapes

    rows, smallest, mlp = _analysis_4_2(q)
    n = _side_symbol()
    fc_free = n not in sp.sympify(rows["fc1"].params).free_symbols
    mlp_free = n not in sp.sympify(mlp[1].params).free_symbols
    convs = [rows["conv1"], rows["conv2"]]
    steps = [
        Step(Text("La source ne dit rien du remplissage de ce second réseau : on suppose, comme à la question "
                  "précédente, qu'il n'y en a pas. Avec un remplissage « same », toute image $n \\ge 1$ passerait.",
                  "The source says nothing about this second network's padding: as in the previous question, we "
                  "assume there is none. With \"same\" padding any image $n \\ge 1$ would go through."),
             kind="remark"),
        Step(Text("On trace le réseau sur une image $n \\times n$ à $C$ canaux (forme (canaux, hauteur, "
                  "largeur)).",
                  "The network is traced on an $n \\times n$ image with $C$ channels (shape (channels, height, "
                  "width)).")),
        *explain_shapes(convs + [rows["gap"], rows["flatten"]]),
        *explain_params([rows["fc1"]], total=False),
        _result(Step(Text(
            "Après le pooling global, la forme ne dépend plus de $n$ : les couches denses ont un nombre fixe "
            "d'entrées, le réseau accepte toute taille d'image (assez grande).",
            "After global pooling the shape no longer depends on $n$: the dense layers have a fixed number of "
            "inputs, the network accepts any (large enough) image size."),
            sp.Eq(sp.Symbol("P_fc1"), rows["fc1"].params))),
        _result(Step(Text(
            "Il faut au moins une position pour la seconde convolution : son côté de sortie doit valoir au "
            "moins 1.",
            "The second convolution needs at least one position: its output side must be at least 1."),
            (sp.Ge(rows["conv2"].shape[1], 1), sp.Eq(sp.Symbol("n_min"), smallest)))),
        Step(Text("C'est le champ récepteur des deux convolutions : une sortie voit une fenêtre de ce côté.",
                  "This is the receptive field of the two convolutions: one output sees a window of that "
                  "side."), explain_receptive_fields(convs)[-1].math[0], kind="remark"),
        _result(Step(Text(
            "Un perceptron aplatit l'image : sa première couche a un poids par pixel et par neurone, un nombre "
            "qui dépend de $n$. Ses poids sont faits pour une seule taille : il n'accepte pas d'autre taille.",
            "A perceptron flattens the image: its first layer has one weight per pixel and per neuron, a "
            "number that depends on $n$. Its weights fit a single size: it accepts no other size."),
            sp.Eq(sp.Symbol("P_MLP"), mlp[1].params))),
    ]
    answers = {"variable_size": _yes_no(fc_free), "min_size": _int(smallest), "mlp_variable": _yes_no(mlp_free)}
    return Solution(q, tuple(steps), answers)


def check_4_2(q, sol, checks) -> None:
    """Run torch's network on sizes around the minimum; an MLP built for one size fails on another."""
    import torch
    import torch.nn as nn

    k, fc, n_min = q["k"], q["fc"], int(sol.answers["min_size"])
    net = nn.Sequential(nn.Conv2d(2, 3, k), nn.ReLU(), nn.Conv2d(3, 3, k), nn.ReLU(), nn.AdaptiveAvgPool2d(1),
                        nn.Flatten(), nn.Linear(3, fc), nn.Linear(fc, 1))
    with torch.no_grad():
        runs = [tuple(net(torch.zeros(1, 2, n, n)).shape) == (1, 1) for n in (n_min, n_min + 1, 2 * n_min + 3)]
        checks.true(f"gap net fails on {n_min - 1}x{n_min - 1}", _fails(net, (1, 2, n_min - 1, n_min - 1)))
        mlp = nn.Sequential(nn.Flatten(), nn.Linear(2 * (n_min + 2) ** 2, fc))
        checks.equal("mlp on its own size", tuple(mlp(torch.zeros(1, 2, n_min + 2, n_min + 2)).shape), (1, fc))
        fails = _fails(mlp, (1, 2, n_min + 3, n_min + 3))
    checks.equal("variable_size (runs on 3 sizes)", sol.answers["variable_size"], _yes_no(all(runs)))
    checks.equal("mlp_variable", sol.answers["mlp_variable"], _yes_no(not fails))


def _fails(net, shape) -> bool:
    import torch

    try:
        net(torch.zeros(*shape))
    except RuntimeError:
        return True
    return False


DIAGNOSES_4_2 = (
    Diagnosis("fc-needs-fixed-size", "variable_size", lambda q: "no",
              Text("Le pooling global ramène toute carte à $1 \\times 1$ par canal : l'entrée des couches denses "
                   "ne dépend pas de la taille de l'image.",
                   "Global pooling reduces any map to $1 \\times 1$ per channel: the dense layers' input does "
                   "not depend on the image size.")),
    Diagnosis("single-kernel", "min_size", lambda q: _int(q["k"]),
              Text("Une image de côté $k$ passe la première convolution mais pas la seconde.",
                   "An image of side $k$ goes through the first convolution but not the second.")),
    mistake("sum-of-kernels", "min_size", lambda q: _int(2 * q["k"]),
              Text("Deux convolutions $k \\times k$ enchaînées voient $2k - 1$ pixels, pas $2k$.",
                   "Two chained $k \\times k$ convolutions see $2k - 1$ pixels, not $2k$.")),
    mistake("off-by-one", "min_size", lambda q: _int(2 * (q["k"] - 1)),
              Text("Avec $n = 2(k - 1)$ la seconde convolution n'a plus aucune position : il faut un pixel de plus.",
                   "With $n = 2(k - 1)$ the second convolution has no position left: one more pixel is needed.")),
    Diagnosis("mlp-any-size", "mlp_variable", lambda q: "yes",
              Text("La matrice de poids de la première couche a une colonne par pixel : elle fixe la taille.",
                   "The first layer's weight matrix has one column per pixel: it fixes the size.")),
)


# --- devoir.5.1, 5.3, 5.4: a stack of padded 3×3 convolutions --------------------------------

STACK_CHANNELS = 16


def _stack(q, layers=None, channels=STACK_CHANNELS):
    """`L` convolutions k×k, stride 1, padding p; `STACK_CHANNELS` intermediate channels, one output channel."""
    from solver.maths.architecture import Conv

    L = q["L"] if layers is None else layers
    p = q["p"] if "p" in q else (q["k"] - 1) // 2
    return [Conv(channels if n < L else 1, q["k"], 1, p, name=f"conv{n}") for n in range(1, L + 1)]


def _trace_stack(q, **kw):
    from solver.maths.architecture import trace

    side = q["n"] if "n" in q else q.get("m", 1)
    return trace((_channels(), side, side), _stack(q, **kw))


def statement_5_1(q) -> Text:
    return Text(
        f"Un réseau n'a que ${q['L']}$ couches de convolution, chacune de noyau ${q['k']} \\times {q['k']}$, de "
        f"pas 1, {_padding_fr(q['p'])}, {STACK_CHANNELS} canaux intermédiaires et un "
        f"canal de sortie. Quel est le côté de la carte de sortie pour une entrée ${q['n']} \\times {q['n']}$ ? "
        "Est-il égal à celui de l'entrée ?",
        f"A network has only ${q['L']}$ convolution layers, each with a ${q['k']} \\times {q['k']}$ kernel, "
        f"stride 1, {_padding_en(q['p'])}, {STACK_CHANNELS} intermediate channels and one output "
        f"channel. What is the side of the output map for a ${q['n']} \\times {q['n']}$ input? Is it equal to the "
        "input's?")


def solve_5_1(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_shapes

    rows = _trace_stack(q)
    out = _int(rows[-1].shape[1])
    same = out == q["n"]
    steps = (
        Step(Text("Formes en (canaux, hauteur, largeur) ; le nombre $C$ de canaux de l'image n'est pas donné et "
                  "ne change pas les côtés.",
                  "Shapes as (channels, height, width); the image's channel count $C$ is not given and does not "
                  "change the sides."), kind="remark"),
        *explain_shapes(rows),
        _result(Step(Text("On compare le côté de sortie à celui de l'entrée.",
                          "The output side is compared with the input's."),
                     (sp.Eq(sp.Symbol("o"), out), (sp.Eq if same else sp.Ne)(out, q["n"], evaluate=False)))),
    )
    if q["k"] == 2 * q["p"] + 1:
        steps += (Step(Text("Avec $p = (k - 1)/2$ chaque couche garde la taille : $i + 2p - k + 1 = i$.",
                            "With $p = (k - 1)/2$ every layer keeps the size: $i + 2p - k + 1 = i$."),
                       kind="remark"),)
    return Solution(q, steps, {"output_size": out, "same": _yes_no(same)})


def validate_5_1(values) -> None:
    n, L, k, p = values["n"], values["L"], values["k"], values["p"]
    if n + L * (2 * p - k + 1) < 1 or p >= k:
        raise ParamError(Text(f"avec n = {n}, L = {L}, k = {k}, p = {p} la sortie serait vide (ou p ≥ k)",
                              f"with n = {n}, L = {L}, k = {k}, p = {p} the output would be empty (or p ≥ k)"))


def draw_5_1(rng, shared) -> dict:
    """Padding and image side, for the chain's stack of L convolutions k×k."""
    L, k = shared["L"], shared["k"]
    p = rng.choice(((k - 1) // 2, (k - 1) // 2, 0, 1))
    return {"n": rng.randint(L * (k - 1) + 4, 64), "p": p}


def check_5_1(q, sol, checks) -> None:
    import torch.nn as nn

    from solver.core.checks import torch_layer_outputs

    L, k, p = q["L"], q["k"], q["p"]
    net = [nn.Conv2d(3 if n == 0 else 4, 4 if n < L - 1 else 1, k, padding=p) for n in range(L)]
    out = torch_layer_outputs(net, (3, q["n"], q["n"]))[-1][0]
    checks.equal("output_size", int(sol.answers["output_size"]), out[-1])
    checks.equal("same", sol.answers["same"], _yes_no(out[-1] == q["n"]))


def _stack_side_wrong(pad_sides):
    def wrong(q):
        side = q["n"] + q["L"] * (pad_sides * q["p"] - q["k"] + 1)
        return _int(side) if side >= 1 else None
    return wrong


DIAGNOSES_5_1 = (
    mistake("ignored-padding", "output_size", _stack_side_wrong(0),
              Text("Le remplissage de $p$ zéros de chaque côté compense la perte de $k - 1$ pixels.",
                   "The padding of $p$ zeros on each side compensates the loss of $k - 1$ pixels.")),
    mistake("padding-one-side", "output_size", _stack_side_wrong(1)),
    Diagnosis("wrong-same", "same", lambda q: _yes_no(q["k"] != 2 * q["p"] + 1),
              Text("Comparez le côté de sortie calculé avec celui de l'entrée.",
                   "Compare the computed output side with the input's.")),
)


def statement_5_2(q) -> Text:
    return Text("Dans quels cas veut-on une sortie de même résolution spatiale que l'entrée ? Donner des "
                "exemples.",
                "In which cases does one want an output with the same spatial resolution as the input? Give "
                "examples.")


def solve_5_2(q) -> Solution:
    rubric = (
        Text("prédiction dense : une sortie par pixel", "dense prediction: one output per pixel"),
        Text("segmentation sémantique", "semantic segmentation"),
        Text("débruitage, restauration, inpainting", "denoising, restoration, inpainting"),
        Text("super-résolution, colorisation, transfert de style", "super-resolution, colourisation, style transfer"),
        Text("estimation de profondeur ou de flot optique, cartes de chaleur (points clés)",
             "depth or optical-flow estimation, heat maps (keypoints)"),
    )
    answer = ModelAnswer(Text(
        "Quand la sortie est elle-même une image alignée sur l'entrée, une valeur par pixel : segmentation "
        "sémantique (une classe par pixel), débruitage et restauration, super-résolution, colorisation, "
        "transfert de style, estimation de profondeur ou de flot optique, cartes de chaleur de points clés.",
        "When the output is itself an image aligned with the input, one value per pixel: semantic "
        "segmentation (one class per pixel), denoising and restoration, super-resolution, colourisation, style "
        "transfer, depth or optical-flow estimation, keypoint heat maps."), rubric)
    step = Step(Text("Ce sont les tâches de prédiction dense : la sortie est une carte alignée pixel à pixel sur "
                     "l'entrée.",
                     "These are dense prediction tasks: the output is a map aligned pixel to pixel with the "
                     "input."), kind="result")
    return Solution(q, (step,), {"text": answer})


def statement_5_3(q) -> Text:
    return Text(
        f"Pour le réseau de ${q['L']}$ convolutions ${q['k']} \\times {q['k']}$ de pas 1 (remplissage "
        f"$(k-1)/2$), quel est le champ récepteur d'un pixel de la sortie, c'est-à-dire le côté de la région "
        "de l'entrée dont il dépend ?",
        f"For the network of ${q['L']}$ stacked ${q['k']} \\times {q['k']}$ convolutions of stride 1 (padding "
        "$(k-1)/2$), what is the receptive field of an output pixel, i.e. the side of the input region it "
        "depends on?")


def solve_5_3(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_receptive_fields

    rows = _trace_stack(q)
    steps = [Step(Text(
        "Récurrence : $r_0 = 1$, $j_0 = 1$ ; une couche de noyau $k$ et de pas $s$ donne "
        "$r = r_{in} + (k - 1) j_{in}$ et $j = j_{in} s$. Le remplissage ne change pas le champ récepteur.",
        "Recursion: $r_0 = 1$, $j_0 = 1$; a layer of kernel $k$ and stride $s$ gives "
        "$r = r_{in} + (k - 1) j_{in}$ and $j = j_{in} s$. Padding does not change the receptive field."))]
    steps += explain_receptive_fields(rows)
    L, k = sp.symbols("L k", integer=True, positive=True)
    steps.append(Step(Text("Au pas 1, chaque couche ajoute $k - 1$ pixels : forme close.",
                           "At stride 1 each layer adds $k - 1$ pixels: closed form."),
                      _derive(sp.Symbol("r"), 1 + L * (k - 1), {L: q["L"], k: q["k"]}), kind="result"))
    return Solution(q, tuple(steps), {"rf": _int(rows[-1].rf)})


def _derive(lhs, general, bind):
    from solver.derive.chain import derive

    return derive(lhs, general, bind)


def _torch_stack(L, k, channels=1, residual_at=None):
    """L convs k×k, padding (k−1)/2; optionally x + conv(x) around layer `residual_at` (1-based)."""
    import torch.nn as nn

    class Stack(nn.Module):
        def __init__(self):
            super().__init__()
            self.convs = nn.ModuleList(nn.Conv2d(1 if n == 0 else channels, channels if n < L - 1 else 1, k,
                                                 padding=(k - 1) // 2) for n in range(L))

        def forward(self, x):
            for n, conv in enumerate(self.convs, 1):
                x = x + conv(x) if n == residual_at else conv(x)
                if n < L:
                    x = x.relu()
            return x

    return Stack()


def check_5_3(q, sol, checks) -> None:
    """Gradient support of the centre output pixel, on an input wide enough not to clip it."""
    from solver.core.checks import gradient_support, support_sides

    side = q["L"] * (q["k"] - 1) + 5  # the receptive field plus a margin: the window is not clipped
    mask = gradient_support(_torch_stack(q["L"], q["k"]), (1, side, side), (0, side // 2, side // 2))
    checks.equal("rf (gradient support)", (int(sol.answers["rf"]),) * 2, support_sides(mask))


DIAGNOSES_5_3 = (
    mistake("sum-of-kernels", "rf", lambda q: _int(q["L"] * q["k"])),
    mistake("missing-plus-one", "rf", lambda q: _int(q["L"] * (q["k"] - 1)),
              Text("On part d'un pixel ($r_0 = 1$) : $r = 1 + L(k - 1)$.",
                   "Start from one pixel ($r_0 = 1$): $r = 1 + L(k - 1)$.")),
    Diagnosis("single-layer", "rf", lambda q: _int(q["k"]),
              Text("Le champ récepteur grandit à chaque couche, pas seulement à la première.",
                   "The receptive field grows at every layer, not only the first.")),
)


def statement_5_4(q) -> Text:
    m = q["m"]
    return Text(
        f"Les données sont des images ${m} \\times {m}$ ; la sortie (de même taille) a ses deux coins opposés "
        "en blanc si les deux pixels des coins opposés en diagonale de l'entrée sont égaux, en noir sinon. Avec "
        f"le réseau de ${q['L']}$ convolutions ${q['k']} \\times {q['k']}$ (pas 1, remplissage $(k-1)/2$), "
        "peut-on atteindre 100 % de précision sur ces données ? Une connexion résiduelle entre deux couches "
        "change-t-elle la réponse ? Justifier.",
        f"The data are ${m} \\times {m}$ images; the output (same size) has its two opposite corners white if "
        "the two diagonally opposite corner pixels of the input are equal, black otherwise. With the network of "
        f"${q['L']}$ stacked ${q['k']} \\times {q['k']}$ convolutions (stride 1, padding $(k-1)/2$), can one reach 100% "
        "accuracy on these data? Does a residual connection between two layers change the answer? Justify.")


def _analysis_5_4(q):
    """(rf, radius, corner distance, rf of the path that skips one convolution)."""
    rows = _trace_stack(q)
    rf = rows[-1].rf
    skip = _trace_stack(q, layers=q["L"] - 1)[-1].rf if q["L"] > 1 else 1
    return rf, (rf - 1) // 2, q["m"] - 1, skip


def solve_5_4(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_receptive_fields
    from solver.derive.chain import Chain

    rows = _trace_stack(q)
    rf, radius, distance, skip = _analysis_5_4(q)
    reach = radius >= distance
    widest = max(rf, skip)
    r, dist, rho = sp.Symbol("r"), sp.Symbol("D"), sp.Symbol("a")
    steps = [
        Step(Text("Les figures de la source ne sont pas reproduites ; sa légende dit que les vraies images ne "
                  "sont pas forcément $5 \\times 5$ et le texte les dit $7 \\times 7$"
                  + (" : on prend la taille du texte." if q["m"] == 7 else
                     f" ; cette variante prend ${q['m']} \\times {q['m']}$.")
                  + " Seuls les coins comptent pour la cible.",
                  "The source's figures are not reproduced; their caption says the real images need not be "
                  "$5 \\times 5$ and the text says $7 \\times 7$"
                  + (": we take the text's size." if q["m"] == 7 else
                     f"; this variant takes ${q['m']} \\times {q['m']}$.")
                  + " Only the corners matter for the target."), kind="remark"),
        Step(Text("Champ récepteur d'un pixel de sortie, couche par couche :",
                  "Receptive field of an output pixel, layer by layer:")),
        *explain_receptive_fields(rows),
        Step(Text("Au pas 1 avec un remplissage symétrique, la fenêtre est centrée sur le pixel : elle s'étend "
                  "de $a = (r - 1)/2$ pixels de chaque côté (au-delà du bord, elle ne voit que des zéros).",
                  "At stride 1 with symmetric padding the window is centred on the pixel: it extends "
                  "$a = (r - 1)/2$ pixels on each side (beyond the border it sees only zeros)."),
             _derive(rho, (r - 1) / 2, {r: rf})),
        Step(Text("Le pixel de sortie d'un coin doit dépendre du coin opposé de l'entrée, situé à "
                  "$D = m - 1$ pixels dans chaque direction.",
                  "The output pixel at a corner must depend on the input's opposite corner, $D = m - 1$ pixels "
                  "away in each direction."), _derive(dist, sp.Symbol("m") - 1, {sp.Symbol("m"): q["m"]})),
        _result(Step(Text(
            "Il faut $a \\ge D$, c'est-à-dire $r \\ge 2(m - 1) + 1$. "
            + ("C'est le cas : le coin opposé est visible." if reach else
               "Ce n'est pas le cas : deux entrées qui ne diffèrent que par le coin opposé donnent la même "
               "sortie au coin mais des cibles différentes, donc 100 % est impossible."),
            "We need $a \\ge D$, i.e. $r \\ge 2(m - 1) + 1$. "
            + ("It holds: the opposite corner is visible." if reach else
               "It does not hold: two inputs differing only in the opposite corner give the same output at "
               "the corner but different targets, so 100% is impossible.")),
            (sp.Ge if reach else sp.Lt)(radius, distance, evaluate=False))),
        _result(Step(Text(
            "Une connexion résiduelle $x + F(x)$ ajoute un chemin qui saute une convolution : son champ "
            "récepteur est plus petit. Le champ récepteur de la sortie est le plus grand sur les chemins : "
            "inchangé.",
            "A residual connection $x + F(x)$ adds a path that skips one convolution: its receptive field is "
            "smaller. The output's receptive field is the largest over the paths: unchanged."),
            (sp.Eq(sp.Symbol("r_main"), rf), sp.Eq(sp.Symbol("r_skip"), skip),
             Chain(sp.Symbol("r_out"), sp.Max(sp.Symbol("r_main"), sp.Symbol("r_skip")), widest)))),
        Step(Text("La source dit le réseau « composé uniquement » de convolutions et ne mentionne aucune "
                  "activation : on suppose des ReLU entre les convolutions. Un réseau purement linéaire ne "
                  "pourrait de toute façon pas tester l'égalité de deux pixels (la réponse serait non dans tous "
                  "les cas).",
                  "The source says the network is \"made only\" of convolutions and mentions no activation: "
                  "ReLUs are assumed between the convolutions. A purely linear network could not test whether "
                  "two pixels are equal anyway (the answer would be no in every case)."), kind="remark"),
    ]
    if reach:
        steps.append(Step(Text("Un champ récepteur suffisant est nécessaire ; avec des ReLU et "
                               f"{STACK_CHANNELS} canaux, le test "
                               "d'égalité de deux pixels est représentable, donc 100 % est atteignable en principe.",
                               "A large enough receptive field is necessary; with ReLUs and "
                               f"{STACK_CHANNELS} channels the "
                               "equality test of two pixels is representable, so 100% is reachable in principle."),
                          kind="remark"))
    why = _why_5_4(q, rf, radius, distance, reach)
    answers = {"perfect_accuracy": _yes_no(reach), "residual_changes": _yes_no(widest != rf), "why": why}
    return Solution(q, tuple(steps), answers)


def _why_5_4(q, rf, radius, distance, reach) -> ModelAnswer:
    verdict_fr = ("le coin opposé est dans le champ récepteur, la tâche est possible en principe" if reach else
                  "le coin opposé est hors du champ récepteur : le coin de sortie ne peut pas savoir s'il est égal, "
                  "et 100 % est impossible")
    verdict_en = ("the opposite corner lies in the receptive field, the task is possible in principle" if reach
                  else "the opposite corner lies outside the receptive field: the output corner cannot know whether "
                  "it is equal, and 100% is impossible")
    rubric = (
        Text(f"champ récepteur ${rf} \\times {rf}$, soit ${radius}$ pixels de part et d'autre",
             f"receptive field ${rf} \\times {rf}$, i.e. ${radius}$ pixels on each side"),
        Text(f"le coin opposé est à ${distance}$ pixels : il faut $r \\ge {2 * distance + 1}$",
             f"the opposite corner is ${distance}$ pixels away: $r \\ge {2 * distance + 1}$ is needed"),
        Text("comparer $r$ à la taille de l'image ne suffit pas : la fenêtre est centrée sur le pixel",
             "comparing $r$ with the image size is not enough: the window is centred on the pixel"),
        Text("une connexion résiduelle n'agrandit pas le champ récepteur (maximum sur les chemins)",
             "a residual connection does not enlarge the receptive field (maximum over paths)"),
    )
    return ModelAnswer(Text(
        f"Le champ récepteur vaut ${rf}$ : un pixel de sortie voit ${radius}$ pixels autour de lui, alors que le "
        f"coin opposé est à ${distance}$ pixels ; {verdict_fr}. Une connexion résiduelle ajoute seulement un "
        "chemin plus court : le champ récepteur (le maximum sur les chemins) ne change pas, ni la réponse.",
        f"The receptive field is ${rf}$: an output pixel sees ${radius}$ pixels around it, while the opposite "
        f"corner is ${distance}$ pixels away; {verdict_en}. A residual connection only adds a shorter path: the "
        "receptive field (the maximum over paths) does not change, nor does the answer."), rubric)


def check_5_4(q, sol, checks) -> None:
    """Does the corner output's gradient reach the opposite input corner, with and without a residual?"""
    from solver.core.checks import gradient_support

    m, L, k = q["m"], q["L"], q["k"]
    plain = gradient_support(_torch_stack(L, k), (1, m, m), (0, 0, 0))
    checks.equal("perfect_accuracy (opposite corner in gradient support)", sol.answers["perfect_accuracy"],
                 _yes_no(bool(plain[m - 1, m - 1])))
    if L >= 3:
        residual = gradient_support(_torch_stack(L, k, residual_at=2), (1, m, m), (0, 0, 0))
        checks.equal("residual_changes (same gradient support)", sol.answers["residual_changes"],
                     _yes_no(not bool((residual == plain).all())))


def validate_5_4(values) -> None:
    if values["k"] % 2 == 0:
        raise ParamError(Text("le noyau doit être impair pour garder la taille avec un remplissage symétrique",
                              "the kernel must be odd to keep the size with symmetric padding"))


def draw_5_4(rng, shared) -> dict:
    return {"m": rng.randint(4, 12)}


def _rf_vs_size(q):
    rf, radius, distance, _ = _analysis_5_4(q)
    return "yes" if rf >= q["m"] and radius < distance else None


DIAGNOSES_5_4 = (
    Diagnosis("rf-vs-image-size", "perfect_accuracy", _rf_vs_size,
              Text("Un champ récepteur au moins aussi grand que l'image ne suffit pas : la fenêtre est centrée sur "
                   "le pixel de coin, elle ne couvre que $(r - 1)/2$ pixels vers le coin opposé.",
                   "A receptive field at least as large as the image is not enough: the window is centred on the "
                   "corner pixel and covers only $(r - 1)/2$ pixels towards the opposite corner.")),
    Diagnosis("residual-enlarges-rf", "residual_changes", lambda q: "yes",
              Text("Le chemin résiduel saute une couche : il voit moins loin, pas plus.",
                   "The residual path skips a layer: it sees less far, not further.")),
)


def _stack_params(with_p=False, with_n=False, m=False):
    out = []
    if with_n:
        out.append(Param("n", "int", 32, Text("côté de l'image", "image side"), minimum=1, maximum=4096))
    if m:
        out.append(Param("m", "int", 7, Text("côté des images", "image side"), minimum=2, maximum=64))
    out += [Param("L", "int", 4, Text("nombre de convolutions", "number of convolutions"), minimum=1, maximum=50),
            Param("k", "int", 3, Text("côté des noyaux", "kernel side"), minimum=1, maximum=15)]
    if with_p:
        out.append(Param("p", "int", 1, Text("remplissage par côté", "padding per side"), minimum=0, maximum=14))
    return tuple(out)


STACK = Chain("devoir.5", ("L", "k"), lambda rng: {"L": rng.randint(3, 6), "k": rng.choice((3, 3, 5))})


def _validate_odd(values) -> None:
    validate_5_4(values)


RF_FIGURE = Figure(Text("Champ récepteur d'une unité de sortie sur l'entrée.",
                        "Receptive field of one output unit on the input."), receptive_field("rf"))


EXERCISES = (
    Exercise(id="devoir.3.2", sheet=SHEET, aliases=("mlp-parameter-count",),
             title=Text("Paramètres d'un perceptron et taille de sa hessienne",
                        "Parameters of a perceptron and size of its Hessian"),
             statement=statement_3_2, solve=solve_3_2, check=check_3_2, diagnoses=DIAGNOSES_3_2,
             params=(Param("inputs", "int", 32, Text("entrées", "inputs"), minimum=1, maximum=100000,
                           draw=lambda rng: rng.choice((8, 16, 32, 64, 100))),
                     Param("h1", "int", 512, Text("neurones de la 1re couche cachée", "neurons of hidden layer 1"),
                           minimum=1, maximum=100000, draw=lambda rng: rng.choice((64, 128, 256, 512))),
                     Param("h2", "int", 512, Text("neurones de la 2e couche cachée", "neurons of hidden layer 2"),
                           minimum=1, maximum=100000, draw=lambda rng: rng.choice((64, 128, 256, 512))),
                     Param("classes", "int", 10, Text("classes", "classes"), minimum=1, maximum=100000,
                           draw=lambda rng: rng.randint(2, 20))),
             parts=(Part("params", "int", Text("nombre de paramètres", "number of parameters")),
                    Part("hessian_shape", "shape", Text("taille de $H$", "size of $H$"), layout="matrix"))),
    Exercise(id="devoir.4.1", sheet=SHEET,
             title=Text("Résolution de sortie d'un petit CNN", "Output resolution of a small CNN"),
             statement=statement_4_1, solve=solve_4_1, check=check_4_1, draw=draw_4_1, validate=validate_4_1,
             diagnoses=_diagnoses_4_1(), follow=follow_4_1,
             params=(Param("n", "int", 32, Text("côté de l'image", "image side"), minimum=1, maximum=4096),
                     Param("k", "int", 3, Text("côté des noyaux", "kernel side"), minimum=1, maximum=15),
                     Param("pool", "int", 2, Text("fenêtre et pas du pooling", "pooling window and stride"),
                           minimum=1, maximum=8)),
             parts=tuple(Part(n, "int", Text(f"côté de sortie de {n}", f"output side of {n}"),
                              follows=SIDES_4_1[i - 1:i])
                         for i, n in enumerate(SIDES_4_1))),
    Exercise(id="devoir.4.2", sheet=SHEET,
             title=Text("Images de taille variable et pooling global", "Variable-size images and global pooling"),
             statement=statement_4_2, solve=solve_4_2, check=check_4_2, diagnoses=DIAGNOSES_4_2,
             params=(Param("k", "int", 5, Text("côté des noyaux", "kernel side"), minimum=1, maximum=15,
                           draw=lambda rng: rng.choice((3, 5, 7))),
                     Param("fc", "int", 128, Text("neurones de la première couche dense",
                                                  "neurons of the first dense layer"), minimum=1, maximum=100000,
                           draw=lambda rng: rng.choice((32, 64, 128, 256)))),
             parts=(Part("variable_size", "choice", Text("tailles variables ?", "variable sizes?"), choices=YES_NO),
                    Part("min_size", "int", Text("plus petit côté accepté", "smallest accepted side")),
                    Part("mlp_variable", "choice", Text("un MLP accepte-t-il des tailles variables ?",
                                                        "does an MLP accept variable sizes?"), choices=YES_NO))),
    Exercise(id="devoir.5.1", sheet=SHEET,
             title=Text("Taille de sortie d'une pile de convolutions", "Output size of a stack of convolutions"),
             statement=statement_5_1, solve=solve_5_1, check=check_5_1, draw=draw_5_1, chain=STACK,
             validate=validate_5_1,
             diagnoses=DIAGNOSES_5_1, params=_stack_params(with_p=True, with_n=True),
             parts=(Part("output_size", "int", Text("côté de sortie", "output side")),
                    Part("same", "choice", Text("même taille que l'entrée ?", "same size as the input?"),
                         choices=YES_NO))),
    Exercise(id="devoir.5.2", sheet=SHEET,
             title=Text("Sorties de même résolution que l'entrée", "Outputs with the input's resolution"),
             statement=statement_5_2, solve=solve_5_2,
             parts=(Part("text", "text", Text("exemples", "examples")),)),
    Exercise(id="devoir.5.3", sheet=SHEET,
             figure=RF_FIGURE,
             title=Text("Champ récepteur d'une pile de convolutions", "Receptive field of a stack of convolutions"),
             statement=statement_5_3, solve=solve_5_3, check=check_5_3, chain=STACK, validate=_validate_odd,
             diagnoses=DIAGNOSES_5_3, params=_stack_params(),
             parts=(Part("rf", "int", Text("champ récepteur (côté)", "receptive field (side)")),)),
    Exercise(id="devoir.5.4", sheet=SHEET,
             title=Text("Champ récepteur et tâche des coins opposés", "Receptive field and the opposite-corners task"),
             statement=statement_5_4, solve=solve_5_4, check=check_5_4, draw=draw_5_4, chain=STACK,
             validate=validate_5_4,
             diagnoses=DIAGNOSES_5_4, params=_stack_params(m=True),
             parts=(Part("perfect_accuracy", "choice", Text("100 % possible ?", "100% possible?"), choices=YES_NO),
                    Part("residual_changes", "choice", Text("une connexion résiduelle change-t-elle la réponse ?",
                                                            "does a residual connection change the answer?"),
                         choices=YES_NO),
                    Part("why", "text", Text("justification", "justification")))),
)
