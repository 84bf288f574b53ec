"""td2.III.1–5 — the sheet's CustomModel: receptive fields, feature-map shapes, parameter counts.

The network (conv1 stride 2 'same', conv2, pool1, conv3, pool2, conv4, flatten, fc1, dropout,
fc2 + softmax) is kept; its sizes are parameters. Everything is traced by
`solver.maths.architecture.trace` and explained by its `explain_*` helpers. The sheet's
``padding='same'`` with ``stride=2`` is read as the sheet defines it (output = ⌈input/stride⌉,
TensorFlow's rule) and cross-checked in torch with the equivalent explicit padding.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from solver.core.errors import ParamError
from solver.core.exercise import Chain, Diagnosis, Exercise, ModelAnswer, Part, Solution, Step
from solver.core.params import SYMBOLIC, Param
from solver.core.text import Text
from solver.derive.mistakes import mistake
from solver.sheets.figures import Figure, receptive_field

CONVS = ("conv1", "conv2", "conv3", "conv4")
RF_PARTS = ("conv1", "conv2", "pool1", "conv3", "pool2", "conv4")
SHAPE_PARTS = RF_PARTS + ("flatten",)
PARAM_PARTS = CONVS + ("fc1", "fc2", "total")
GEOMETRY = ("k1", "k2", "k3", "k4", "s1", "q")
WIDTHS = ("f1", "f2", "f3", "f4", "h")


# --- parameters ----------------------------------------------------------------------------------

def _geometry_params() -> tuple[Param, ...]:
    odd = lambda *values: (lambda rng: rng.choice(values))  # noqa: E731
    return (
        Param("k1", "int", 3, Text("noyau de conv1", "kernel of conv1"), draw=odd(3, 5), minimum=1, maximum=11),
        Param("k2", "int", 5, Text("noyau de conv2", "kernel of conv2"), draw=odd(3, 5, 7), minimum=1,
              maximum=11),
        Param("k3", "int", 3, Text("noyau de conv3", "kernel of conv3"), draw=odd(3, 5), minimum=1, maximum=11),
        Param("k4", "int", 3, Text("noyau de conv4", "kernel of conv4"), draw=odd(3, 5), minimum=1, maximum=11),
        Param("s1", "int", 2, Text("pas de conv1", "stride of conv1"), draw=odd(1, 2, 2, 3), minimum=1,
              maximum=4),
        Param("q", "int", 2, Text("fenêtre (et pas) des max-pooling", "window (and stride) of the max pools"),
              draw=odd(2, 2, 3), minimum=1, maximum=4),
    )


def _width_params() -> tuple[Param, ...]:
    pick = lambda *values: (lambda rng: rng.choice(values))  # noqa: E731
    return (
        Param("f1", "int", 32, Text("filtres de conv1", "filters of conv1"), draw=pick(16, 32, 48), minimum=1),
        Param("f2", "int", 64, Text("filtres de conv2", "filters of conv2"), draw=pick(32, 64), minimum=1),
        Param("f3", "int", 128, Text("filtres de conv3", "filters of conv3"), draw=pick(64, 96, 128), minimum=1),
        Param("f4", "int", 256, Text("filtres de conv4", "filters of conv4"), draw=pick(128, 256), minimum=1),
        Param("h", "int", 256, Text("neurones de fc1", "neurons of fc1"), draw=pick(128, 256, 512), minimum=1),
    )


def _shapes_title(c, n) -> Text:
    return Text(f"CustomModel : tailles des cartes pour une entrée ({c}, {n}, {n})",
                f"CustomModel: feature-map sizes for a ({c}, {n}, {n}) input")


def _params_title(c, n) -> Text:
    return Text(f"CustomModel : nombre de paramètres pour des données ({n}, {n}, {c})",
                f"CustomModel: number of parameters for ({n}, {n}, {c}) data")


def _input_params(c: int, n: int, suffix: str = "") -> tuple[Param, ...]:
    """The input's channels and side (`suffix` "_a"/"_b" names the two inputs III.4 compares)."""
    return (
        Param("c" + suffix, "int", c, Text("canaux de l'entrée", "input channels"), minimum=1, maximum=64),
        Param("n" + suffix, "int", n, Text("côté de l'image d'entrée", "side of the input image"),
              minimum=1, maximum=1024),
    )


def _final_side(values, n) -> int:
    """Side of conv4's maps for an input of side `n` (conv1 'same' at stride s1, two pools)."""
    return -(-n // values["s1"]) // values["q"] // values["q"]


def _draw_network(rng) -> dict:
    """The chain's variant: one network and the two inputs the sheet compares (a: small, b: larger).

    b is at least 1.5 times as wide as a; each input is doubled until the map survives the two
    poolings, and b until its flattened map is larger than a's (III.4 asks why the counts differ).
    """
    values = {p.name: p.draw(rng) for p in _geometry_params() + _width_params() if p.draw is not None}
    values["c_a"] = rng.choice((1, 3))
    values["c_b"] = rng.choice((values["c_a"], 3))
    values["n_a"] = rng.choice((24, 28, 32, 40))
    values["n_b"] = rng.choice([n for n in (48, 64, 96) if 2 * n >= 3 * values["n_a"]])
    while _final_side(values, values["n_a"]) < 1:
        values["n_a"] *= 2
    while _final_side(values, values["n_b"]) <= _final_side(values, values["n_a"]):
        values["n_b"] *= 2
    return values


NETWORK = Chain("td2.III", GEOMETRY + WIDTHS + ("c_a", "n_a", "c_b", "n_b"), _draw_network)
INPUT_A, INPUT_B = {"c": "c_a", "n": "n_a"}, {"c": "c_b", "n": "n_b"}


CLASSES = Param("C", "int", SYMBOLIC, Text("nombre de classes (num_classes)", "number of classes (num_classes)"),
                minimum=1, symbolic_ok=True, assume="size")


def _channels(c: int) -> Text:
    """« 1 canal », « 3 canaux » (and the English)."""
    return Text(f"${c}$ canal" if c == 1 else f"${c}$ canaux", f"${c}$ channel" if c == 1 else f"${c}$ channels")


def _value(q, name, default):
    return q[name] if name in q else default


def validate(values) -> None:
    for name in ("k1", "k2", "k3", "k4"):
        if values[name] % 2 == 0:
            raise ParamError(Text(f"{name} = {values[name]} : un noyau pair ne garde pas la taille avec un "
                                  "remplissage « same » symétrique ; prenez un noyau impair",
                                  f"{name} = {values[name]}: an even kernel cannot keep the size with a symmetric "
                                  "'same' padding; take an odd kernel"))
    sides = [values[name] for name in ("n", "n_a", "n_b") if name in values] or [28, 64]
    for n in sides:
        if _final_side(values, n) < 1:
            raise ParamError(Text(f"une entrée de côté {n} est trop petite : la carte disparaît "
                                  "après les deux poolings",
                                  f"an input of side {n} is too small: the map vanishes after "
                                  "the two poolings"))


# --- the network ---------------------------------------------------------------------------------

def layers(q, *, same=True, stride1=None, bias=True):
    """The CustomModel as layer specifications (a wrong reading can be asked for, for mal-rules)."""
    from solver.maths.architecture import Conv, Dropout, Flatten, Linear, Pool

    pad = "same" if same else "valid"
    s1 = q["s1"] if stride1 is None else stride1
    classes = q.sym("C") if "C" in q else 10
    f = [q[name] for name in WIDTHS]
    return [Conv(f[0], q["k1"], s1, pad, bias=bias, name="conv1"),
            Conv(f[1], q["k2"], 1, pad, bias=bias, name="conv2"),
            Pool(q["q"], name="pool1"),
            Conv(f[2], q["k3"], 1, pad, bias=bias, name="conv3"),
            Pool(q["q"], name="pool2"),
            Conv(f[3], q["k4"], 1, pad, bias=bias, name="conv4"),
            Flatten(name="flatten"),
            Linear(f[4], bias=bias, name="fc1"),
            Dropout(0.5, name="dropout"),
            Linear(classes, bias=bias, name="fc2")]


def _rows(q, n=None, **wrong):
    from solver.maths.architecture import trace

    side = n if n is not None else _value(q, "n", _rf_side(q))
    return {r.name: r for r in trace((_value(q, "c", 1), side, side), layers(q, **wrong))}


def _rf_side(q) -> int:
    """An input side large enough for every layer (the receptive fields do not depend on it)."""
    return 4 * q["s1"] * q["q"] ** 2 * max(q[k] for k in ("k1", "k2", "k3", "k4"))


def describe(q) -> Text:
    """The network in words (no SymPy), for the statements."""
    f = [q[name] for name in WIDTHS]
    k, s1, p = [q[n] for n in ("k1", "k2", "k3", "k4")], q["s1"], q["q"]
    convs_fr = [f"conv{i + 1} : {f[i]} filtres ${k[i]}\\times {k[i]}$" for i in range(4)]
    convs_en = [f"conv{i + 1}: {f[i]} filters ${k[i]}\\times {k[i]}$" for i in range(4)]
    return Text(
        f"Le réseau CustomModel : {convs_fr[0]}, pas {s1}, padding « same » ; {convs_fr[1]}, pas 1, « same » ; "
        f"pool1 : max-pooling ${p}\\times {p}$ ; {convs_fr[2]}, « same » ; pool2 : max-pooling ${p}\\times {p}$ ; "
        f"{convs_fr[3]}, « same » ; flatten ; fc1 : {f[4]} neurones ; dropout 0,5 ; fc2 : $C$ neurones "
        "(num_classes) puis softmax. ReLU après chaque convolution et après fc1 ; chaque filtre et chaque "
        "neurone a un biais. « same » signifie : au pas 1, la sortie a la taille de l'entrée.",
        f"The CustomModel network: {convs_en[0]}, stride {s1}, 'same' padding; {convs_en[1]}, stride 1, 'same'; "
        f"pool1: ${p}\\times {p}$ max pooling; {convs_en[2]}, 'same'; pool2: ${p}\\times {p}$ max pooling; "
        f"{convs_en[3]}, 'same'; flatten; fc1: {f[4]} neurons; dropout 0.5; fc2: $C$ neurons (num_classes) "
        "then softmax. ReLU after every convolution and after fc1; every filter and neuron has a bias. "
        "'same' means: at stride 1, the output has the size of the input.")


# --- remarks shared by the exercises -------------------------------------------------------------

def _same_stride_remark(q):
    if q["s1"] == 1:
        return []
    return [Step(Text(
        f"L'énoncé écrit `nn.Conv2d(..., stride={q['s1']}, padding='same')` : PyTorch refuse de construire "
        "cette couche (« padding='same' is not supported for strided convolutions »). On suit la définition "
        f"de l'énoncé, celle de TensorFlow : la sortie a $\\lceil i/{q['s1']} \\rceil$ positions, obtenues en "
        "ajoutant les zéros manquants (le surplus à droite et en bas). En PyTorch on écrit l'équivalent "
        "avec `F.pad` puis une convolution sans remplissage.",
        f"The sheet writes `nn.Conv2d(..., stride={q['s1']}, padding='same')`: PyTorch refuses to build this "
        "layer ('padding='same' is not supported for strided convolutions'). We follow the sheet's definition, "
        f"TensorFlow's: the output has $\\lceil i/{q['s1']} \\rceil$ positions, obtained by adding the missing "
        "zeros (the extra one on the right and bottom). In PyTorch the equivalent is `F.pad` followed by a "
        "convolution without padding."), kind="remark")]


def _softmax_remark():
    return Step(Text(
        "`F.softmax(self.fc2(x))` sans `dim` est obsolète : PyTorch devine la dimension (ici 1, celle des "
        "classes, pour une entrée (N, C)) et avertit ; il faut écrire `dim=1`. Avec `nn.CrossEntropyLoss` on "
        "renverrait même les logits, sans softmax.",
        "`F.softmax(self.fc2(x))` without `dim` is deprecated: PyTorch guesses the dimension (here 1, the "
        "classes, for an (N, C) input) and warns; write `dim=1`. With `nn.CrossEntropyLoss` one would even "
        "return the logits, without softmax."), kind="remark")


# --- III.1 receptive fields ----------------------------------------------------------------------

def statement_rf(q) -> Text:
    return describe(q) + Text(
        " Donner la taille du champ récepteur (côté, en pixels de l'entrée) d'un neurone de chaque couche : "
        "conv1, conv2, pool1, conv3, pool2, conv4.",
        " Give the receptive field size (side, in input pixels) of a neuron of each layer: conv1, conv2, pool1, "
        "conv3, pool2, conv4.")


def solve_rf(q) -> Solution:
    from solver.derive.architecture_steps import explain_receptive_fields

    rows = _rows(q)
    chosen = [rows[name] for name in RF_PARTS]
    steps = [Step(Text(
        "On part d'un pixel ($r_0 = 1$, pas $j_0 = 1$). Une couche de noyau $k$ et de pas $s$ élargit le "
        "champ de $(k - 1)$ positions de son entrée, chacune distante de $j_{in}$ pixels : "
        "$r = r_{in} + (k - 1) j_{in}$, puis $j = j_{in} s$. Les ReLU, le flatten et le dropout ne changent rien.",
        "Start from one pixel ($r_0 = 1$, jump $j_0 = 1$). A layer of kernel $k$ and stride $s$ widens the field "
        "by $(k - 1)$ positions of its input, each $j_{in}$ pixels apart: $r = r_{in} + (k - 1) j_{in}$, then "
        "$j = j_{in} s$. ReLU, flatten and dropout change nothing."))]
    steps += _same_stride_remark(q)
    steps += explain_receptive_fields(chosen)
    steps.append(Step(Text(
        "Un neurone de max-pooling dépend de toute sa fenêtre, même si le gradient ne passe que par le maximum : "
        "le champ récepteur compte toute la fenêtre (le remplissage « same » ne change pas sa taille).",
        "A max-pooling neuron depends on its whole window, even though the gradient only flows through the "
        "maximum: the receptive field counts the whole window (the 'same' padding does not change its size)."),
        kind="remark"))
    import sympy as sp

    return Solution(q, tuple(steps), {name: sp.Integer(rows[name].rf) for name in RF_PARTS})


def check_rf(q, sol, checks) -> None:
    """Gradient support of one unit per layer in a one-channel twin (explicit pads, average pools)."""
    import torch

    from solver.analyze.analyze import gradient_extent
    from solver.maths.architecture import unit_windows

    _check_torch_rejects(q, checks)
    n = _rf_side(q)
    rows = _rows(q, n)
    ordered = [rows[name] for name in RF_PARTS]
    lefts = dict(zip(RF_PARTS, unit_windows(ordered)))
    x = torch.ones(1, 1, n, n, dtype=torch.float64)
    for depth, name in enumerate(RF_PARTS, 1):
        row, left = rows[name], lefts[name]
        t = max(0, -(left // row.jump))  # first unit whose window starts inside the image
        net = _twin(ordered[:depth])
        (lo, hi), _ = gradient_extent(net, x, (t, t))
        checks.equal(f"rf {name} (gradient support)", hi - lo + 1, int(sol.answers[name]))
        checks.equal(f"window start {name}", lo, left + t * row.jump)


def _twin(rows):
    """One-channel torch network with each row's geometry: explicit pads, ones kernels, avg pools."""
    import torch
    import torch.nn.functional as F

    from solver.maths.architecture import Conv, Pool

    def run(x):
        for row in rows:
            layer = row.layer
            if isinstance(layer, Conv):
                (top, bottom), (left, right) = row.padding
                x = F.pad(x, (left, right, top, bottom))
                w = torch.ones(1, 1, layer.kernel, layer.kernel, dtype=x.dtype)
                x = torch.relu(F.conv2d(x, w, stride=layer.stride))
            elif isinstance(layer, Pool):
                x = F.avg_pool2d(x, layer.kernel, layer.stride or layer.kernel)
        return x
    return run


def _check_torch_rejects(q, checks) -> None:
    """PyTorch refuses 'same' with a stride > 1: the reason for the ceil reading."""
    import torch

    if q["s1"] == 1:
        return
    try:
        torch.nn.Conv2d(1, 1, q["k1"], stride=q["s1"], padding="same", device="meta")
        rejected = False
    except (ValueError, RuntimeError):
        rejected = True
    checks.true("torch rejects padding='same' with stride > 1", rejected)


def _wrong_rf(mode):
    """Receptive fields without the jump (`no-jump`) or skipping the pools (`pool-ignored`)."""
    def wrong(q, part):
        import sympy as sp

        from solver.maths.architecture import Pool

        rf, jump, rfs = 1, 1, {}
        for layer in layers(q)[:6]:
            if not (mode == "pool-ignored" and isinstance(layer, Pool)):
                rf += (layer.kernel - 1) * (1 if mode == "no-jump" else jump)
                jump *= layer.stride or layer.kernel
            rfs[layer.name] = rf
        return sp.Integer(rfs[part])
    return wrong


def _wrong_rf_off_by_one(q, part):
    import sympy as sp

    return sp.Integer(_rows(q)[part].rf - 1)


def _rf_diagnoses():
    out = []
    for part in RF_PARTS:
        out += [
            mistake("no-jump", part, partial(_wrong_rf("no-jump"), part=part)),
            Diagnosis("pool-ignored", part, partial(_wrong_rf("pool-ignored"), part=part), Text(
                "Un pooling a aussi une fenêtre et un pas : il agrandit le champ récepteur et multiplie le pas.",
                "A pooling also has a window and a stride: it widens the receptive field and multiplies the "
                "jump.")),
            mistake("off-by-one", part, partial(_wrong_rf_off_by_one, part=part), Text(
                "Le champ d'un pixel de l'entrée vaut 1 (pas 0) : partez de $r_0 = 1$.",
                "The field of one input pixel is 1 (not 0): start from $r_0 = 1$.")),
        ]
    return tuple(out)


# --- III.2 feature-map shapes ----------------------------------------------------------------------

def statement_shapes(q) -> Text:
    c, n = q["c"], q["n"]
    return describe(q) + Text(
        f" On propage une entrée de taille $({c}, {n}, {n})$ (canaux, hauteur, largeur). Donner la taille "
        "(canaux, hauteur, largeur) des sorties de conv1, conv2, pool1, conv3, pool2, conv4 et la taille du "
        "vecteur aplati.",
        f" An input of size $({c}, {n}, {n})$ (channels, height, width) is propagated. Give the size (channels, "
        "height, width) of the outputs of conv1, conv2, pool1, conv3, pool2, conv4 and the size of the "
        "flattened vector.")


def solve_shapes(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_shapes

    rows = _rows(q)
    steps = [Step(Text(
        f"L'entrée est lue canaux d'abord (convention PyTorch) : {_channels(q['c'])('fr')} de "
        f"${q['n']}\\times {q['n']}$ pixels.",
        f"The input is read channels first (PyTorch's convention): {_channels(q['c'])('en')} of "
        f"${q['n']}\\times {q['n']}$ pixels."))]
    steps += _same_stride_remark(q)
    steps += explain_shapes([rows[name] for name in SHAPE_PARTS])
    steps.append(_softmax_remark())
    return Solution(q, tuple(steps), {name: sp.Tuple(*rows[name].shape) for name in SHAPE_PARTS})


def follow_shapes(q, part: str, earlier):
    """A layer's output shape traced from the student's shape of the layer before."""
    import sympy as sp

    from solver.maths.architecture import trace_between

    (source,) = earlier
    return sp.Tuple(*trace_between(layers(q), source, part, tuple(int(v) for v in earlier[source])).shape)


def check_shapes(q, sol, checks) -> None:
    """A real forward pass (meta tensors): torch's own 'same' at stride 1, explicit pads at stride > 1."""
    import math

    import torch
    import torch.nn.functional as F

    _check_torch_rejects(q, checks)
    f = [q[name] for name in WIDTHS]
    k = [q[name] for name in ("k1", "k2", "k3", "k4")]
    meta: dict[str, Any] = {"device": "meta", "dtype": torch.float64}
    x = torch.zeros(1, q["c"], q["n"], q["n"], **meta)
    # conv1: the ceil reading, with the padding TensorFlow adds (extra zero after), from first principles
    out = math.ceil(q["n"] / q["s1"])
    total = max((out - 1) * q["s1"] + k[0] - q["n"], 0)
    x = F.pad(x, (total // 2, total - total // 2, total // 2, total - total // 2))
    got = {}
    x = got["conv1"] = torch.nn.Conv2d(q["c"], f[0], k[0], stride=q["s1"], **meta)(x)
    checks.equal("conv1 side = ceil(n / s)", x.shape[-1], out)
    x = got["conv2"] = torch.nn.Conv2d(f[0], f[1], k[1], padding="same", **meta)(x)
    x = got["pool1"] = torch.nn.MaxPool2d(q["q"])(x)
    x = got["conv3"] = torch.nn.Conv2d(f[1], f[2], k[2], padding="same", **meta)(x)
    x = got["pool2"] = torch.nn.MaxPool2d(q["q"])(x)
    x = got["conv4"] = torch.nn.Conv2d(f[2], f[3], k[3], padding="same", **meta)(x)
    got["flatten"] = torch.nn.Flatten()(x)
    for name in SHAPE_PARTS:
        checks.equal(f"shape {name}", tuple(int(v) for v in sol.answers[name]), tuple(got[name].shape[1:]))


def _wrong_shape(**reading):
    def wrong(q, part):
        import sympy as sp

        try:
            rows = _rows(q, **reading)
        except ValueError:
            return None
        shape = rows[part].shape
        if any(not isinstance(v, int) or v < 1 for v in shape):
            return None
        return sp.Tuple(*shape)
    return wrong


def _stride_ignored_shape(q, part):
    """conv1 read at stride 1: a mistake only where its stride is not 1."""
    return _wrong_shape(stride1=1)(q, part) if q["s1"] != 1 else None


def _channels_last(q, part):
    import sympy as sp

    shape = _rows(q)[part].shape
    return None if len(shape) != 3 else sp.Tuple(shape[1], shape[2], shape[0])


def _shape_diagnoses():
    out = []
    for part in SHAPE_PARTS:
        out += [
            mistake("valid-instead-of-same", part, partial(_wrong_shape(same=False), part=part)),
            mistake("stride-ignored", part, partial(_stride_ignored_shape, part=part), Text(
                "conv1 a un pas $s > 1$ : « same » donne alors $\\lceil i/s \\rceil$, pas $i$.",
                "conv1 has a stride $s > 1$: 'same' then gives $\\lceil i/s \\rceil$, not $i$.")),
            mistake("channels-last", part, partial(_channels_last, part=part) if part != "flatten"
                      else (lambda q: None)),
        ]
    return tuple(out)


# --- III.3 parameter counts ------------------------------------------------------------------------

def statement_params(q) -> Text:
    c, n = q["c"], q["n"]
    return describe(q) + Text(
        f" Les données ont la taille $({n}, {n}, {c})$. Combien de paramètres appris (et stockés) ont conv1, "
        "conv2, conv3, conv4, fc1, fc2, et le réseau entier ? Le résultat dépend du nombre de classes $C$.",
        f" The data have size $({n}, {n}, {c})$. How many learned (and stored) parameters do conv1, conv2, conv3, "
        "conv4, fc1, fc2 and the whole network have? The result depends on the number of classes $C$.")


def solve_params(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params, explain_shapes

    rows = _rows(q)
    steps = [Step(Text(
        f"La taille $({q['n']}, {q['n']}, {q['c']})$ est écrite hauteur × largeur × canaux (ordre de "
        f"TensorFlow/Keras), alors que III.2 écrivait canaux d'abord : on lit une image ${q['n']}\\times {q['n']}$ "
        f"à {_channels(q['c'])('fr')}, soit $({q['c']}, {q['n']}, {q['n']})$ en PyTorch.",
        f"The size $({q['n']}, {q['n']}, {q['c']})$ is written height × width × channels (TensorFlow/Keras "
        f"order), whereas III.2 wrote channels first: we read a ${q['n']}\\times {q['n']}$ image with "
        f"{_channels(q['c'])('en')}, i.e. $({q['c']}, {q['n']}, {q['n']})$ in PyTorch."), kind="remark")]
    steps += _same_stride_remark(q)
    steps.append(Step(Text(
        "Le constructeur reçoit `size_of_flattened_feature_map` : c'est la taille du vecteur aplati, qui dépend de "
        "l'entrée. On la calcule d'abord en propageant les tailles couche par couche (comme en III.2).",
        "The constructor takes `size_of_flattened_feature_map`: it is the size of the flattened vector, which "
        "depends on the input. We compute it first, propagating the sizes layer by layer (as in III.2).")))
    steps += explain_shapes([rows[name] for name in SHAPE_PARTS])
    steps.append(Step(Text(
        "Les paramètres, couche par couche ; ceux d'une convolution ne dépendent que de ses canaux et de son "
        "noyau, ceux d'une couche dense de ses tailles d'entrée et de sortie.",
        "The parameters, layer by layer; a convolution's only depend on its channels and kernel, a dense "
        "layer's on its input and output sizes.")))
    ordered = [rows[name] for name in ("conv1", "conv2", "pool1", "conv3", "pool2", "conv4", "flatten", "fc1",
                                       "dropout", "fc2")]
    steps += explain_params(ordered)
    answers = {name: sp.sympify(rows[name].params) for name in PARAM_PARTS if name != "total"}
    answers["total"] = _total(answers)
    return Solution(q, tuple(steps), answers)


def _total(counts):
    """The network's parameters: the sum of the per-layer counts (a polynomial in C)."""
    import sympy as sp

    return sp.expand(sum(counts.values(), sp.Integer(0)))


def follow_params(q, part: str, earlier):
    """The total from the student's own per-layer counts; fc1's count from the student's own flattened
    size (III.2), traced through the same layers."""
    import sympy as sp

    from solver.maths.architecture import trace_between

    if part == "total":
        return _total(earlier)
    if part == "fc1":
        (flat,) = earlier.values()
        return sp.Integer(trace_between(layers(q), "flatten", "fc1", tuple(int(v) for v in flat)).params)
    return None


def check_params(q, sol, checks) -> None:
    """Count `numel` of torch modules (meta device); fc1's input from a real forward pass."""
    import sympy as sp
    import torch
    import torch.nn.functional as F

    f = [q[name] for name in WIDTHS]
    k = [q[name] for name in ("k1", "k2", "k3", "k4")]
    meta: dict[str, Any] = {"device": "meta", "dtype": torch.float64}
    convs = [torch.nn.Conv2d(q["c"], f[0], k[0], stride=q["s1"], **meta),
             torch.nn.Conv2d(f[0], f[1], k[1], padding="same", **meta),
             torch.nn.Conv2d(f[1], f[2], k[2], padding="same", **meta),
             torch.nn.Conv2d(f[2], f[3], k[3], padding="same", **meta)]
    x = torch.zeros(1, q["c"], q["n"], q["n"], **meta)
    side = -(-q["n"] // q["s1"])
    total = max((side - 1) * q["s1"] + k[0] - q["n"], 0)
    x = convs[0](F.pad(x, (total // 2, total - total // 2) * 2))
    x = F.max_pool2d(convs[1](x), q["q"])
    x = F.max_pool2d(convs[2](x), q["q"])
    flat = convs[3](x).flatten(1).shape[1]
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    for name, module in zip(CONVS, convs):
        checks.equal(f"params {name}", int(sol.answers[name]), count(module))
    fc1 = torch.nn.Linear(flat, f[4], **meta)
    checks.equal("params fc1", int(sol.answers["fc1"]), count(fc1))
    classes = [q["C"]] if not q.is_symbolic("C") else [2, 10, 1000]
    for n_classes in classes:
        fc2 = torch.nn.Linear(f[4], n_classes, **meta)
        at = {sp.Symbol("C", integer=True, positive=True): n_classes}
        checks.equal(f"params fc2 (C={n_classes})", int(sol.answers["fc2"].xreplace(at)), count(fc2))
        whole = sum(count(m) for m in convs) + count(fc1) + count(fc2)
        checks.equal(f"params total (C={n_classes})", int(sol.answers["total"].xreplace(at)), whole)


def _wrong_params(**reading):
    def wrong(q, part):
        import sympy as sp

        rows = _rows(q, **reading)
        values = {name: sp.sympify(rows[name].params) for name in PARAM_PARTS if name != "total"}
        values["total"] = _total(values)
        return values[part]
    return wrong


def _stride_ignored_params(q, part):
    """conv1 read at stride 1: a mistake only where its stride is not 1, and one fc2 cannot show."""
    return _wrong_params(stride1=1)(q, part) if q["s1"] != 1 and part != "fc2" else None


def _channels_ignored(q, part):
    if q["c"] == 1 or part not in ("conv1", "total"):
        return None
    import sympy as sp

    from solver.maths.architecture import trace

    rows = {r.name: r for r in trace((1, q["n"], q["n"]), layers(q))}
    good = _rows(q)
    delta = rows["conv1"].params - good["conv1"].params
    return sp.expand(sp.sympify(_wrong_params()(q, part)) + delta)


def _depth_ignored(q, part):
    """A filter counted as k² weights (+ bias), as if it saw one map only (conv2–conv4)."""
    import sympy as sp

    row = _rows(q)[part]
    wrong = row.layer.out_channels * (row.layer.kernel ** 2 + 1)
    return None if wrong == row.params else sp.Integer(wrong)


def _kernel_not_squared(q, part):
    """A k×k filter counted as k weights per input map: C_out (C_in k + 1)."""
    import sympy as sp

    row = _rows(q)[part]
    wrong = row.layer.out_channels * (row.in_shape[0] * row.layer.kernel + 1)
    return None if wrong == row.params else sp.Integer(wrong)


def _bias_per_input(q, part):
    """A dense layer with one bias per input instead of one per neuron: n_in (n_out + 1)."""
    import sympy as sp

    row = _rows(q)[part]
    n_in, n_out = row.in_shape[0], row.layer.out_features
    wrong = sp.expand(n_in * (n_out + 1))
    return None if sp.expand(wrong - sp.sympify(row.params)) == 0 else wrong


def _param_diagnoses():
    out = []
    for part in ("conv2", "conv3", "conv4"):
        out.append(mistake("depth-ignored", part, partial(_depth_ignored, part=part)))
    for part in CONVS:
        out.append(mistake("kernel-not-squared", part, partial(_kernel_not_squared, part=part)))
    for part in ("fc1", "fc2"):
        out.append(mistake("bias-per-input", part, partial(_bias_per_input, part=part)))
    for part in PARAM_PARTS:
        out += [
            mistake("missing-bias", part, partial(_wrong_params(bias=False), part=part)),
            mistake("input-channels-ignored", part, partial(_channels_ignored, part=part)),
        ]
        if part in ("fc1", "fc2", "total"):
            out.append(mistake("stride-ignored", part, partial(_stride_ignored_params, part=part), Text(
                "Le pas $s$ de conv1 divise le côté par $s$ (« same » : $\\lceil i/s \\rceil$) : la carte "
                "aplatie, donc fc1, est environ $s^2$ fois plus petite.",
                "The stride $s$ of conv1 divides the side by $s$ ('same': $\\lceil i/s \\rceil$): the "
                "flattened map, hence fc1, is about $s^2$ times smaller.")))
    return tuple(out)


# --- III.4 and III.5 text ---------------------------------------------------------------------------

def _hwc(c, n) -> str:
    """An input written as the sheet writes it in III.3 and III.4: $(n, n, c)$."""
    return f"$({n}, {n}, {c})$"


def statement_why(q) -> Text:
    a, b = _hwc(q["c_a"], q["n_a"]), _hwc(q["c_b"], q["n_b"])
    return describe(q) + Text(
        f" Pourquoi le nombre de paramètres est-il si différent pour des entrées {a} et {b} ?",
        f" Why is the number of parameters so different for {a} and {b} inputs?")


def _compare(q):
    """The two inputs traced: rows of each, by layer name."""
    from solver.maths.architecture import trace

    return ({r.name: r for r in trace((q["c_a"], q["n_a"], q["n_a"]), layers(q))},
            {r.name: r for r in trace((q["c_b"], q["n_b"], q["n_b"]), layers(q))})


def _conv1_change(ca, cb, c_a, c_b) -> Text:
    if ca == cb:
        return Text(f"même conv1 est identique, avec {ca} paramètres, car les deux entrées ont "
                    f"{_channels(c_a)('fr')}",
                    f"even conv1 is the same, with {ca} parameters, since both inputs have {_channels(c_a)('en')}")
    return Text(f"seul conv1 change, par ses canaux d'entrée, {c_a} contre {c_b} : {ca} → {cb} paramètres",
                f"only conv1 changes, through its input channels, {c_a} versus {c_b}: {ca} → {cb} parameters")


def _fc1_weight(b) -> Text:
    """Whether fc1 outweighs the four convolutions together for input b (a fact of this variant)."""
    convs = sum(b[name].params for name in CONVS)
    if b["fc1"].params > convs:
        return Text(f"et pèse plus que les quatre convolutions réunies ({convs})",
                    f"and outweighs the four convolutions together ({convs})")
    return Text(f"sans dépasser ici les quatre convolutions réunies ({convs}), car la carte finale est petite",
                f"without exceeding here the four convolutions together ({convs}), since the final map is small")


def solve_why(q) -> Solution:
    a, b = _compare(q)
    fa, fb = a["flatten"].shape[0], b["flatten"].shape[0]
    pa, pb = a["fc1"].params, b["fc1"].params
    ca, cb = a["conv1"].params, b["conv1"].params
    na, nb = q["n_a"], q["n_b"]
    conv1 = _conv1_change(ca, cb, q["c_a"], q["c_b"])
    weight = _fc1_weight(b)
    steps = (
        Step(Text("Les paramètres d'une convolution ne dépendent que de ses canaux et de son noyau, pas de la "
                  f"taille de l'image : {conv1('fr')}.",
                  "The parameters of a convolution only depend on its channels and kernel, not on the image "
                  f"size: {conv1('en')}.")),
        Step(Text(f"fc1 reçoit le vecteur aplati, dont la taille suit l'image : {fa} valeurs pour "
                  f"${na}\\times{na}$, {fb} pour ${nb}\\times{nb}$ ; fc1 passe de {pa} à {pb} paramètres "
                  f"{weight('fr')}.",
                  f"fc1 receives the flattened vector, whose size follows the image: {fa} values for "
                  f"${na}\\times{na}$, {fb} for ${nb}\\times{nb}$; fc1 goes from {pa} to {pb} parameters "
                  f"{weight('en')}.")),
        Step(Text("L'énoncé numérote deux questions « (3) » : celle-ci est la quatrième (III.4).",
                  "The sheet numbers two questions '(3)': this one is the fourth (III.4)."), kind="remark"),
    )
    answer = ModelAnswer(Text(
        "Les convolutions partagent leurs poids sur toute l'image : leur nombre de paramètres ne dépend pas de "
        f"la taille de l'entrée ({conv1('fr')}). En revanche fc1 est dense et reçoit toute la carte aplatie, dont "
        f"la taille ({fa} puis {fb}) grandit comme le carré du côté de l'image : fc1 passe de {pa} à {pb} "
        f"paramètres {weight('fr')}. C'est pour cela que le constructeur demande size_of_flattened_feature_map.",
        "Convolutions share their weights over the whole image: their number of parameters does not depend on "
        f"the input size ({conv1('en')}). fc1, however, is dense and receives the whole flattened map, whose "
        f"size ({fa} then {fb}) grows like the square of the image side: fc1 goes from {pa} to {pb} parameters "
        f"{weight('en')}. That is why the constructor asks for size_of_flattened_feature_map."),
        rubric=(Text("les poids d'une convolution ne dépendent pas de la taille de l'image (partage de poids)",
                     "a convolution's weights do not depend on the image size (weight sharing)"),
                Text(f"la taille aplatie dépend de l'entrée ({fa} contre {fb})",
                     f"the flattened size depends on the input ({fa} versus {fb})"),
                Text(f"fc1 grandit avec la carte aplatie ({pa} → {pb})",
                     f"fc1 grows with the flattened map ({pa} → {pb})"),
                Text("conv1 change seulement par le nombre de canaux d'entrée",
                     "conv1 only changes through the number of input channels")))
    return Solution(q, steps, {"text": answer})


def statement_reduce(q) -> Text:
    data = _hwc(q["c"], q["n"])
    return describe(q) + Text(f" Que peut-on faire pour réduire le nombre de paramètres (entrée {data}) ?",
                              f" What can be done to reduce the number of parameters ({data} input)?")


def solve_reduce(q) -> Solution:
    from solver.maths.architecture import Flatten, GlobalPool, Linear, trace

    base = {r.name: r for r in trace((q["c"], q["n"], q["n"]), layers(q))}
    gap = trace(base["conv4"].shape, [GlobalPool(name="gap"), Flatten(name="flat"), Linear(q["h"], name="fc1")])
    before, after = base["fc1"].params, gap[-1].params
    data = f"{q['n']}×{q['n']}×{q['c']}"
    steps = (
        Step(Text(f"Pour une entrée {_hwc(q['c'], q['n'])}, fc1 a {before} paramètres ; remplacer le flatten par "
                  f"une moyenne globale par canal (global average pooling) lui en laisse {after}.",
                  f"For a {_hwc(q['c'], q['n'])} input, fc1 has {before} parameters; replacing the flatten by a "
                  f"per-channel global average pooling leaves it {after}.")),
        Step(Text("L'énoncé numérote deux questions « (3) » : celle-ci est la cinquième (III.5).",
                  "The sheet numbers two questions '(3)': this one is the fifth (III.5)."), kind="remark"),
    )
    answer = ModelAnswer(Text(
        f"Réduire la carte avant la partie dense : global average pooling (fc1 passe de {before} à {after} "
        f"paramètres pour {data}), davantage de pooling ou de pas, ou une convolution 1×1 qui réduit les canaux "
        "avant le flatten ; réduire fc1 (moins de neurones) ; moins de filtres ; convolutions séparables en "
        "profondeur ou goulots 1×1 ; empiler de petits noyaux 3×3 plutôt qu'un grand ; élagage ou partage de poids.",
        f"Shrink the map before the dense part: global average pooling (fc1 goes from {before} to {after} "
        f"parameters for {data}), more pooling or stride, or a 1×1 convolution that cuts the channels before the "
        "flatten; shrink fc1 (fewer neurons); fewer filters; depthwise-separable convolutions or 1×1 bottlenecks; "
        "stack small 3×3 kernels rather than one large one; pruning or weight sharing."),
        rubric=(Text("agir sur fc1 / la taille aplatie (global average pooling, pooling, pas)",
                     "act on fc1 / the flattened size (global average pooling, pooling, stride)"),
                Text("moins de filtres ou de neurones", "fewer filters or neurons"),
                Text("convolutions 1×1, séparables, petits noyaux empilés",
                     "1×1, separable convolutions, stacked small kernels")))
    return Solution(q, steps, {"text": answer})


# --- the exercises ---------------------------------------------------------------------------------

def _shape_parts():
    return tuple(Part(name, "shape", Text(f"taille de sortie de {name}", f"output size of {name}"),
                      follows=SHAPE_PARTS[n - 1:n], layout="C" if name == "flatten" else "CHW")
                 for n, name in enumerate(SHAPE_PARTS))


def _param_parts(shapes_id: str):
    """The parameter counts; fc1's follows the flattened size the student found in `shapes_id` (III.2)."""
    parts = [Part(name, "int", Text(f"paramètres de {name}", f"parameters of {name}")) for name in CONVS]
    parts.append(Part("fc1", "int", Text("paramètres de fc1", "parameters of fc1"), follows=(f"{shapes_id}/flatten",)))
    parts += [Part("fc2", "expr", Text("paramètres de fc2 (en $C$)", "parameters of fc2 (in $C$)"),
                   domain={"C": "size"}),
              Part("total", "expr", Text("paramètres du réseau (en $C$)", "parameters of the network (in $C$)"),
                   domain={"C": "size"}, follows=CONVS + ("fc1", "fc2"))]
    return tuple(parts)


def _per_input_exercise(ex_id, c, n, inputs, alias, title, extra_params=(), **functions):
    """A question of III.2 or III.3 asked for one input size (c, n): the network's parameters, that input's,
    `extra_params`, and the question's own title and functions (statement, parts, solve, check...)."""
    return Exercise(
        id=ex_id, sheet="td2", aliases=alias, title=title(c, n), variant_title=lambda q: title(q["c"], q["n"]),
        params=_geometry_params() + _width_params() + _input_params(c, n) + extra_params, chain=NETWORK,
        shared_as=inputs, validate=validate, **functions)


def _shapes_exercise(ex_id, c, n, inputs, alias=()):
    return _per_input_exercise(
        ex_id, c, n, inputs, alias, _shapes_title, statement=statement_shapes, parts=_shape_parts(),
        solve=solve_shapes, check=check_shapes, follow=follow_shapes, diagnoses=_shape_diagnoses())


def _params_exercise(ex_id, c, n, inputs, shapes_id, alias=()):
    return _per_input_exercise(
        ex_id, c, n, inputs, alias, _params_title, (CLASSES,), statement=statement_params,
        parts=_param_parts(shapes_id),
        solve=solve_params, check=check_params, follow=follow_params, diagnoses=_param_diagnoses())


RF_FIGURE = Figure(Text("Champ récepteur d'une unité de conv4 sur l'entrée.",
                        "Receptive field of one unit of conv4 on the input."), receptive_field("conv4"))


EXERCISES = (
    Exercise(
        id="td2.III.1", sheet="td2", aliases=("receptive-field",),
        figure=RF_FIGURE,
        title=Text("CustomModel : champs récepteurs", "CustomModel: receptive fields"),
        statement=statement_rf,
        parts=tuple(Part(name, "int", Text(f"champ récepteur d'un neurone de {name}",
                                           f"receptive field of a neuron of {name}")) for name in RF_PARTS),
        solve=solve_rf, check=check_rf, params=_geometry_params() + _width_params(), chain=NETWORK, validate=validate,
        diagnoses=_rf_diagnoses()),
    _shapes_exercise("td2.III.2a", 1, 28, INPUT_A, ("feature-map-shapes",)),
    _shapes_exercise("td2.III.2b", 3, 64, INPUT_B),
    _params_exercise("td2.III.3a", 1, 28, INPUT_A, "td2.III.2a", ("parameter-count",)),
    _params_exercise("td2.III.3b", 3, 64, INPUT_B, "td2.III.2b"),
    Exercise(
        id="td2.III.4", sheet="td2",
        title=Text("CustomModel : pourquoi une telle différence de paramètres", "CustomModel: why such a "
                   "difference in parameters"),
        statement=statement_why, parts=(Part("text", "text", Text("explication", "explanation")),),
        solve=solve_why, params=_geometry_params() + _width_params() + _input_params(1, 28, "_a")
        + _input_params(3, 64, "_b"), chain=NETWORK, validate=validate),
    Exercise(
        id="td2.III.5", sheet="td2",
        title=Text("CustomModel : réduire le nombre de paramètres", "CustomModel: reducing the number of "
                   "parameters"),
        statement=statement_reduce, parts=(Part("text", "text", Text("moyens", "means")),),
        solve=solve_reduce, params=_geometry_params() + _width_params() + _input_params(3, 64), chain=NETWORK,
        shared_as=INPUT_B, validate=validate),
)
