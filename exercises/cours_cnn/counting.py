"""cours-cnn.mlp-params, rgb-mlp-params, conv1x1, vgg16, lenet5 — counting the parameters of worked examples.

Every count comes from `solver.maths.architecture.trace` and is explained by its `explain_params`; the
checks count ``numel`` of the same torch modules (built on the meta device, no memory) and run a
forward pass on meta tensors for the shapes.
"""

from __future__ import annotations

from typing import Any

from solver.core.errors import ParamError
from solver.core.exercise import Diagnosis, Exercise, Part, Solution, Step
from solver.core.params import Param
from solver.core.text import Text, numeral
from solver.derive.mistakes import mistake, mistakes_of


def _pick(*values):
    return lambda rng: rng.choice(values)


def _numel(module) -> int:
    return sum(p.numel() for p in module.parameters())


def _rows(shape, layers, bias=True):
    """Traced rows by name; `bias=False` rebuilds every spec without bias (for the mal-rules)."""
    import dataclasses

    from solver.maths.architecture import trace

    if not bias:
        layers = [dataclasses.replace(l, bias=False) if hasattr(l, "bias") else l for l in layers]
    return {r.name: r for r in trace(shape, layers)}


def _bias_remark():
    return Step(Text("Lecture : chaque neurone et chaque filtre a un biais (comportement par défaut de PyTorch et "
                     "Keras) ; sans biais, retirer un paramètre par neurone ou par filtre.",
                     "Reading: every neuron and every filter has a bias (the default of PyTorch and Keras); "
                     "without biases, remove one parameter per neuron or per filter."), kind="remark")


def _wrong_from(layers_of, shape_of, part, total_parts, bias=True, **changes):
    """A mal-rule: the same count with another reading (no bias, other input…)."""
    def wrong(q):
        import sympy as sp

        values = dict(q)
        values.update({k: (v(q) if callable(v) else v) for k, v in changes.items()})
        rows = _rows(shape_of(values), layers_of(values), bias=bias)
        if part == "total":
            return sp.Integer(sum(int(rows[n].params) for n in total_parts))
        return sp.Integer(int(rows[part].params))
    return wrong


# --- mlp-params ------------------------------------------------------------------------------------------

MLP_PARTS = ("fc1", "fc2", "fc3")


def _mlp_layers(v):
    from solver.maths.architecture import Flatten, Linear

    return [Flatten(name="flatten"), Linear(v["h1"], name="fc1"), Linear(v["h2"], name="fc2"),
            Linear(v["out"], name="fc3")]


def _mlp_shape(v):
    return (1, v["n"], v["n"])


def statement_mlp(q) -> Text:
    n, h1, h2, out = q["n"], q["h1"], q["h2"], q["out"]
    return Text(
        f"Un perceptron multicouche reçoit une image en niveaux de gris ${n}\\times {n}$ aplatie, puis a trois couches "
        f"denses de {h1}, {h2} et {out} neurones (avec biais). Combien de paramètres a chaque couche (fc1, fc2, fc3), "
        "et le réseau entier ?",
        f"A multilayer perceptron receives a flattened ${n}\\times {n}$ greyscale image, then has three dense layers "
        f"of {h1}, {h2} and {out} neurons (with biases). How many parameters does each layer (fc1, fc2, fc3) have, "
        "and the whole network?")


def solve_mlp(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params, explain_shapes

    rows = _rows(_mlp_shape(q), _mlp_layers(q))
    steps = [_bias_remark()] + explain_shapes([rows["flatten"]]) + explain_params(list(rows.values()))
    answers = {n: sp.Integer(rows[n].params) for n in MLP_PARTS}
    answers["total"] = sp.Integer(sum(int(a) for a in answers.values()))
    return Solution(q, tuple(steps), answers)


def check_mlp(q, sol, checks) -> None:
    import torch

    sizes = (q["n"] ** 2, q["h1"], q["h2"], q["out"])
    layers = [torch.nn.Linear(a, b, device="meta") for a, b in zip(sizes, sizes[1:])]
    for name, layer in zip(MLP_PARTS, layers):
        checks.equal(f"params {name}", int(sol.answers[name]), _numel(layer))
    net = torch.nn.Sequential(torch.nn.Flatten(), *layers)
    checks.equal("params total", int(sol.answers["total"]), _numel(net))
    checks.equal("output shape", tuple(net(torch.zeros(1, 1, q["n"], q["n"], device="meta")).shape), (1, q["out"]))


def _mlp_diagnoses():
    out = []
    for part in MLP_PARTS + ("total",):
        out.append(mistake("missing-bias", part, _wrong_from(_mlp_layers, _mlp_shape, part, MLP_PARTS, bias=False)))
        if part in ("fc1", "total"):
            out.append(Diagnosis("side-not-squared", part, _wrong_from(
                _mlp_layers, lambda v: (1, 1, v["n"]), part, MLP_PARTS), Text(
                "L'image aplatie a $n \\times n$ entrées, pas $n$.", "The flattened image has $n \\times n$ inputs, "
                "not $n$.")))
    return tuple(out)


MLP = Exercise(
    id="cours-cnn.mlp-params", sheet="cours-cnn",
    title=Text("Paramètres d'un perceptron multicouche sur une image", "Parameters of a multilayer perceptron on an "
               "image"),
    statement=statement_mlp,
    params=(Param("n", "int", 28, Text("côté de l'image", "image side"), draw=_pick(16, 28, 32), minimum=1,
                  maximum=4096),
            Param("h1", "int", 120, Text("neurones de fc1", "neurons of fc1"), draw=_pick(64, 100, 120, 256), minimum=1),
            Param("h2", "int", 80, Text("neurones de fc2", "neurons of fc2"), draw=_pick(32, 50, 80, 84), minimum=1),
            Param("out", "int", 10, Text("neurones de sortie", "output neurons"), draw=_pick(2, 10, 26), minimum=1)),
    parts=tuple(Part(n, "int", Text(f"paramètres de {n}", f"parameters of {n}")) for n in MLP_PARTS)
    + (Part("total", "int", Text("paramètres du réseau", "parameters of the network")),),
    solve=solve_mlp, check=check_mlp, diagnoses=_mlp_diagnoses())


# --- rgb-mlp-params ----------------------------------------------------------------------------------------

def _rgb_layers(v):
    from solver.maths.architecture import Flatten, Linear

    return [Flatten(name="flatten"), Linear(v["h"], name="fc1")]


def _rgb_shape(v):
    return (v["c"], v["height"], v["width"])


def statement_rgb(q) -> Text:
    w, h, c, n = q["width"], q["height"], q["c"], q["h"]
    return Text(
        f"Une image couleur ${w}\\times {h}$ à {c} canaux est aplatie et envoyée à une couche dense de {n} neurones "
        "(avec biais). Combien de paramètres a cette couche ?",
        f"A ${w}\\times {h}$ colour image with {c} channels is flattened and fed to a dense layer of {n} neurons "
        "(with biases). How many parameters does this layer have?")


def solve_rgb(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params, explain_shapes

    rows = _rows(_rgb_shape(q), _rgb_layers(q))
    steps = [_bias_remark()] + explain_shapes([rows["flatten"]]) + explain_params([rows["fc1"]], total=False)
    steps.append(Step(Text("Une seule couche dense sur une image de taille modeste a déjà plus de cent millions de "
                           "poids : c'est ce que les convolutions (poids partagés et locaux) évitent.",
                           "A single dense layer on a modest image already has over a hundred million weights: "
                           "this is what convolutions (shared, local weights) avoid.")
                      if rows["fc1"].params > 10 ** 8 else
                      Text("Chaque neurone est relié à chaque valeur de l'image : le compte croît comme la taille de "
                           "l'image ; les convolutions (poids partagés et locaux) l'évitent.",
                           "Each neuron is connected to every value of the image: the count grows like the image "
                           "size; convolutions (shared, local weights) avoid it.")))
    return Solution(q, tuple(steps), {"fc1": sp.Integer(rows["fc1"].params)})


def check_rgb(q, sol, checks) -> None:
    import torch

    flat = torch.nn.Flatten()(torch.zeros(1, q["c"], q["height"], q["width"], device="meta")).shape[1]
    checks.equal("params fc1", int(sol.answers["fc1"]), _numel(torch.nn.Linear(flat, q["h"], device="meta")))


RGB = Exercise(
    id="cours-cnn.rgb-mlp-params", sheet="cours-cnn",
    title=Text("Couche dense sur une image couleur", "Dense layer on a colour image"),
    statement=statement_rgb,
    params=(Param("width", "int", 640, Text("largeur", "width"), draw=_pick(320, 640, 800, 1024), minimum=1),
            Param("height", "int", 480, Text("hauteur", "height"), draw=_pick(240, 480, 600, 768), minimum=1),
            Param("c", "int", 3, Text("canaux", "channels"), draw=_pick(1, 3, 4), minimum=1, maximum=16),
            Param("h", "int", 120, Text("neurones", "neurons"), draw=_pick(64, 100, 120, 500), minimum=1)),
    parts=(Part("fc1", "int", Text("paramètres de la couche dense", "parameters of the dense layer")),),
    solve=solve_rgb, check=check_rgb,
    diagnoses=(
        mistake("missing-bias", "fc1", _wrong_from(_rgb_layers, _rgb_shape, "fc1", (), bias=False)),
        mistake("channels-ignored", "fc1", lambda q: None if q["c"] == 1 else _wrong_from(
            _rgb_layers, lambda v: (1, v["height"], v["width"]), "fc1", ())(q), Text(
            "Une image couleur a une valeur par canal et par pixel : $W \\cdot H \\cdot C$ entrées.",
            "A colour image has one value per channel and pixel: $W \\cdot H \\cdot C$ inputs.")),
    ))


# --- conv1x1 ----------------------------------------------------------------------------------------------

def _direct_layers(v):
    from solver.maths.architecture import Conv

    return [Conv(v["C"], v["k"], padding=v["k"] // 2, name="direct")]


def _bottleneck_layers(v):
    from solver.maths.architecture import Conv

    return [Conv(v["m"], 1, name="reduce"), Conv(v["m"], v["k"], padding=v["k"] // 2, name="conv"),
            Conv(v["C"], 1, name="expand")]


def _shape_1x1(v):
    return (v["C"], 14, 14)


def statement_1x1(q) -> Text:
    c, m, k = q["C"], q["m"], q["k"]
    return Text(
        f"Une carte a {c} canaux. Comparer le nombre de paramètres (avec biais) d'une convolution ${k}\\times {k}$ "
        f"{c} → {c} et d'un goulot d'étranglement : $1\\times1$ {c} → {m}, puis ${k}\\times {k}$ {m} → {m}, puis "
        f"$1\\times1$ {m} → {c}.",
        f"A map has {c} channels. Compare the number of parameters (with biases) of a ${k}\\times {k}$ convolution "
        f"{c} → {c} and of a bottleneck: $1\\times1$ {c} → {m}, then ${k}\\times {k}$ {m} → {m}, then $1\\times1$ "
        f"{m} → {c}.")


def solve_1x1(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params
    from solver.derive.chain import Chain

    direct = _rows(_shape_1x1(q), _direct_layers(q))
    neck = list(_rows(_shape_1x1(q), _bottleneck_layers(q)).values())
    steps = [_bias_remark()]
    steps += explain_params(list(direct.values()), total=False)
    steps += explain_params(neck)
    total_direct = int(direct["direct"].params)
    total_neck = sum(int(r.params) for r in neck)
    steps.append(Step(Text("Le goulot réduit d'abord les canaux (convolution $1\\times1$ : un mélange des canaux "
                           "par pixel), fait le travail spatial sur peu de canaux, puis les restaure.",
                           "The bottleneck first cuts the channels (a $1\\times1$ convolution: a per-pixel mix of "
                           "channels), does the spatial work on few channels, then restores them."),
                      Chain(sp.Symbol("ratio"), sp.Symbol("P_direct") / sp.Symbol("P_bottleneck"),
                            sp.Rational(total_direct, total_neck), sp.Float(total_direct / total_neck, 3)),
                      kind="result"))
    return Solution(q, tuple(steps), {"params_direct": sp.Integer(total_direct),
                                      "params_bottleneck": sp.Integer(total_neck)})


def check_1x1(q, sol, checks) -> None:
    import torch

    c, m, k = q["C"], q["m"], q["k"]
    direct = torch.nn.Conv2d(c, c, k, padding="same", device="meta")
    neck = torch.nn.Sequential(torch.nn.Conv2d(c, m, 1, device="meta"), torch.nn.Conv2d(m, m, k, padding="same", device="meta"),
                               torch.nn.Conv2d(m, c, 1, device="meta"))
    checks.equal("params direct", int(sol.answers["params_direct"]), _numel(direct))
    checks.equal("params bottleneck", int(sol.answers["params_bottleneck"]), _numel(neck))
    x = torch.zeros(1, c, 14, 14, device="meta")
    checks.equal("same output shape", tuple(neck(x).shape), tuple(direct(x).shape))


def _neck_total(bias=True, drop_expand=False):
    def wrong(q):
        import sympy as sp

        rows = _rows(_shape_1x1(q), _bottleneck_layers(q), bias=bias)
        names = ("reduce", "conv") if drop_expand else ("reduce", "conv", "expand")
        return sp.Integer(sum(int(rows[n].params) for n in names))
    return wrong


def validate_1x1(values) -> None:
    if values["k"] % 2 == 0:
        raise ParamError(Text("prenez un noyau impair (remplissage « same » symétrique)",
                              "take an odd kernel (symmetric 'same' padding)"))


CONV1X1 = Exercise(
    id="cours-cnn.conv1x1", sheet="cours-cnn",
    title=Text("Convolutions 1×1 et goulot d'étranglement", "1×1 convolutions and bottleneck"),
    statement=statement_1x1,
    params=(Param("C", "int", 256, Text("canaux de la carte", "channels of the map"), draw=_pick(128, 256, 512),
                  minimum=1),
            Param("m", "int", 64, Text("canaux du goulot", "bottleneck channels"), draw=_pick(32, 64, 128), minimum=1),
            Param("k", "int", 3, Text("noyau spatial", "spatial kernel"), draw=_pick(3, 3, 5), minimum=1, maximum=11)),
    parts=(Part("params_direct", "int", Text("paramètres de la convolution directe",
                                             "parameters of the direct convolution")),
           Part("params_bottleneck", "int", Text("paramètres du goulot (trois couches)",
                                                 "parameters of the bottleneck (three layers)"))),
    solve=solve_1x1, check=check_1x1, validate=validate_1x1,
    diagnoses=(
        mistake("missing-bias", "params_direct", _wrong_from(_direct_layers, _shape_1x1, "direct", (), bias=False)),
        mistake("channels-ignored", "params_direct", lambda q: __import__("sympy").Integer(
            q["C"] * (q["k"] ** 2 + 1)), Text("Un filtre couvre tous les canaux d'entrée : $C \\cdot k^2$ poids.",
                                              "A filter covers every input channel: $C \\cdot k^2$ weights.")),
        mistake("missing-bias", "params_bottleneck", _neck_total(bias=False)),
        Diagnosis("missing-expansion", "params_bottleneck", _neck_total(drop_expand=True), Text(
            "N'oubliez pas la dernière convolution $1\\times1$ qui restaure les canaux.",
            "Do not forget the last $1\\times1$ convolution that restores the channels.")),
    ))


# --- vgg16 --------------------------------------------------------------------------------------------------

def _vgg_layers(v):
    from solver.maths.architecture import Flatten, Linear
    from solver.maths.vgg import feature_specs

    return feature_specs() + [Flatten(name="flatten"), Linear(4096, name="fc6"), Linear(4096, name="fc7"),
                              Linear(v["K"], name="fc8")]


def _vgg_shape(v):
    return (v["c"], v["n"], v["n"])


def statement_vgg(q) -> Text:
    n, c, k = q["n"], q["c"], q["K"]
    return Text(
        f"VGG16 sur des images ${n}\\times {n}\\times {c}$ et {k} classes : 13 convolutions $3\\times3$ (pas 1, "
        "remplissage 1) en cinq blocs de 64, 128, 256, 512, 512 filtres, chaque bloc suivi d'un max-pooling "
        f"$2\\times2$, puis trois couches denses 4096, 4096, {k}. Combien de paramètres ? Quel est le champ récepteur "
        "d'un neurone de la dernière carte de caractéristiques (après pool5) ?",
        f"VGG16 on ${n}\\times {n}\\times {c}$ images and {k} classes: 13 $3\\times3$ convolutions (stride 1, padding 1) "
        "in five blocks of 64, 128, 256, 512, 512 filters, each block followed by a $2\\times2$ max pooling, then "
        f"three dense layers 4096, 4096, {k}. How many parameters? What is the receptive field of a neuron of the "
        "last feature map (after pool5)?")


def solve_vgg(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params, explain_receptive_fields, explain_shapes

    rows = _rows(_vgg_shape(q), _vgg_layers(q))
    ordered = list(rows.values())
    spatial = [r for r in ordered if r.name.startswith(("conv", "pool"))]
    steps = [_bias_remark()]
    steps += explain_shapes([rows["pool5"], rows["flatten"]])
    steps += explain_params(ordered, total=False)
    steps.append(_vgg_total_step(ordered))
    steps += explain_receptive_fields(spatial)
    steps.append(_vgg_rf_remark(rows["pool5"].rf, rows["conv5_3"].rf, q["n"]))
    total = sum(int(r.params) for r in ordered)
    return Solution(q, tuple(steps), {"params": sp.Integer(total), "rf": sp.Integer(rows["pool5"].rf)})


def _vgg_total_step(rows) -> Step:
    """The total in two stages (block by block, then with the dense layers), so that each line stays short."""
    import sympy as sp

    from solver.derive.chain import derive

    def total(names_values, lhs):
        symbols = {sp.Symbol(f"P_{name}"): sp.Integer(int(value)) for name, value in names_values}
        with sp.evaluate(False):
            general = sp.Add(*symbols) if len(symbols) > 1 else next(iter(symbols))
        return derive(sp.Symbol(lhs), general, symbols), sum(symbols.values())

    blocks: dict[str, list[tuple[str, Any]]] = {}  # a row's count: an int or a SymPy integer
    lines = []
    for r in rows:
        if r.name.startswith("conv"):
            blocks.setdefault(r.name.split("_")[0][4:], []).append((r.name, r.params))
    for b, convs in blocks.items():
        chain, value = total(convs, f"P_block{b}")
        lines.append(chain)
    dense = [(r.name, r.params) for r in rows if r.name.startswith("fc")]
    block_totals = [(f"block{b}", sum(int(v) for _, v in convs)) for b, convs in blocks.items()]
    convs_chain, conv_value = total(block_totals, "P_conv")
    lines.append(convs_chain)
    final, grand = total([("conv", conv_value)] + dense, "P_total")
    lines.append(final)
    big = max(dense + [("conv", conv_value)], key=lambda nv: int(nv[1]))
    part = "les 13 convolutions" if big[0] == "conv" else big[0]
    part_en = "the 13 convolutions" if big[0] == "conv" else big[0]
    pct = round(100 * int(big[1]) / int(grand))
    return Step(Text("Le total se fait bloc par bloc, puis avec les trois couches denses (le pooling n'a pas de "
                     f"paramètre) ; la plus grosse part revient à {part} ({pct} %).",
                     "The total is taken block by block, then with the three dense layers (pooling has no "
                     f"parameter); the largest share goes to {part_en} ({pct}%)."), tuple(lines), kind="result")


def _vgg_rf_remark(rf: int, rf_conv: int, n: int) -> Step:
    """Which field is asked for, and how it compares with the image."""
    if rf > n:
        where = Text(f"Il est plus grand que l'image ({n} pixels) : chaque neurone voit toute l'image, en partie à "
                     "travers le remplissage.",
                     f"It is larger than the image ({n} pixels): every neuron sees the whole image, partly through "
                     "the padding.")
    else:
        where = Text("Près des bords, une partie de ce champ tombe dans le remplissage.",
                     "Near the borders, part of this field falls in the padding.")
    return Step(Text(f"Le champ demandé est celui d'un neurone après pool5 ({rf}) ; celui de la dernière convolution "
                     f"conv5_3 vaut {rf_conv}. ", f"The field asked for is that of a neuron after pool5 ({rf}); the "
                     f"last convolution conv5_3 has {rf_conv}. ") + where, kind="remark")


def check_vgg(q, sol, checks) -> None:
    """numel of the torch VGG16 (meta device), a meta forward for the shapes, rf by gradient support (1D twin)."""
    import torch
    import torch.nn.functional as F

    from solver.analyze.analyze import gradient_extent
    from solver.maths.vgg import CONFIG, torch_features

    features = torch.nn.Sequential(*torch_features(q["c"], device="meta"))
    flat = features(torch.zeros(1, q["c"], q["n"], q["n"], device="meta")).flatten(1).shape[1]
    head = torch.nn.Sequential(torch.nn.Linear(flat, 4096, device="meta"), torch.nn.Linear(4096, 4096, device="meta"),
                               torch.nn.Linear(4096, q["K"], device="meta"))
    checks.equal("params (numel)", int(sol.answers["params"]), _numel(features) + _numel(head))

    def twin(x):  # one channel, one dimension: the same geometry (convs k=3 p=1, pools 2), average pools
        w = torch.ones(1, 1, 3, dtype=x.dtype)
        for item in CONFIG:
            x = F.avg_pool1d(x, 2) if item == "M" else F.conv1d(x, w, padding=1)
        return x
    x = torch.ones(1, 1, 320, dtype=torch.float64)
    (lo, hi), = gradient_extent(twin, x, (5,))
    checks.equal("rf pool5 (gradient support)", hi - lo + 1, int(sol.answers["rf"]))


def validate_vgg(values) -> None:
    if values["n"] < 32:
        raise ParamError(Text("VGG16 divise le côté par 32 : il faut une image d'au moins 32 pixels",
                              "VGG16 divides the side by 32: the image needs at least 32 pixels"))


def _vgg_rf(code):
    def wrong(q):
        import sympy as sp

        rows = list(_rows(_vgg_shape(q), _vgg_layers(q)).values())
        if code == "last-conv":
            return sp.Integer([r for r in rows if r.name == "conv5_3"][0].rf)
        return sp.Integer(1 + sum(r.layer.kernel - 1 for r in rows if r.name.startswith(("conv", "pool"))))
    return wrong


def _vgg_params(code):
    def wrong(q):
        import sympy as sp

        rows = _rows(_vgg_shape(q), _vgg_layers(q), bias=(code != "missing-bias"))
        keep = (lambda n: n.startswith("conv")) if code == "convs-only" else (lambda n: True)
        return sp.Integer(sum(int(r.params) for r in rows.values() if keep(r.name)))
    return wrong


VGG = Exercise(
    id="cours-cnn.vgg16", sheet="cours-cnn",
    title=Text("VGG16 : paramètres et champ récepteur", "VGG16: parameters and receptive field"),
    statement=statement_vgg,
    params=(Param("n", "int", 224, Text("côté de l'image", "image side"), draw=_pick(64, 96, 128, 224, 256),
                  minimum=1, maximum=1024),
            Param("c", "int", 3, Text("canaux de l'image", "image channels"), draw=_pick(1, 3), minimum=1, maximum=16),
            Param("K", "int", 1000, Text("nombre de classes", "number of classes"), draw=_pick(10, 100, 1000),
                  minimum=1)),
    parts=(Part("params", "int", Text("paramètres du réseau", "parameters of the network")),
           Part("rf", "int", Text("champ récepteur d'un neurone après pool5",
                                  "receptive field of a neuron after pool5"))),
    solve=solve_vgg, check=check_vgg, validate=validate_vgg,
    diagnoses=mistakes_of("params", _vgg_params, {
        "missing-bias": None,
        "convs-only": Text(
            "Les trois couches denses ont aussi des paramètres, et ce sont souvent les plus nombreux (fc6 sur une "
            "image 224 × 224).",
            "The three dense layers have parameters too, often the most numerous (fc6 on a 224 × 224 image)."),
    }) + mistakes_of("rf", _vgg_rf, {
        "last-conv": Text(
            "C'est le champ de conv5_3 ; pool5 l'agrandit encore de (taille de sa fenêtre − 1) × le pas cumulé "
            "des couches avant lui.",
            "That is conv5_3's field; pool5 widens it by another (its window size − 1) × the jump of the layers "
            "before it."),
        "no-jump": Text(
            "Après chaque pooling un pas dans la carte vaut deux fois plus de pixels : multipliez $(k - 1)$ par le "
            "saut $j$.", "After each pooling one step in the map is worth twice as many pixels: multiply $(k - 1)$ "
            "by the jump $j$."),
    }))


# --- lenet5 -------------------------------------------------------------------------------------------------

LENET_PARTS = ("conv1", "conv3", "conv5", "fc6", "output")


def _lenet_layers(v):
    from solver.maths.architecture import Conv, Flatten, Linear, Pool

    k = v["k"]
    return [Conv(v["c1"], k, name="conv1"), Pool(2, kind="avg", name="pool2"), Conv(v["c3"], k, name="conv3"),
            Pool(2, kind="avg", name="pool4"), Conv(v["c5"], k, name="conv5"), Flatten(name="flatten"),
            Linear(v["f6"], name="fc6"), Linear(v["out"], name="output")]


def _lenet_shape(v):
    return (1, v["n"], v["n"])


def statement_lenet(q) -> Text:
    n, k = q["n"], q["k"]
    return Text(
        f"LeNet-5 sur des images ${n}\\times {n}$ en niveaux de gris : C1 {q['c1']} filtres ${k}\\times {k}$, S2 "
        f"sous-échantillonnage $2\\times2$, C3 {q['c3']} filtres ${k}\\times {k}$, S4 $2\\times2$, C5 {q['c5']} "
        f"filtres ${k}\\times {k}$, F6 {q['f6']} neurones, sortie {q['out']} neurones ; convolutions sans remplissage. "
        "Donner les paramètres de conv1 (C1), conv3 (C3), conv5 (C5), fc6 (F6), output et le total.",
        f"LeNet-5 on ${n}\\times {n}$ greyscale images: C1 {q['c1']} filters ${k}\\times {k}$, S2 $2\\times2$ "
        f"subsampling, C3 {q['c3']} filters ${k}\\times {k}$, S4 $2\\times2$, C5 {q['c5']} filters ${k}\\times {k}$, F6 "
        f"{q['f6']} neurons, output {q['out']} neurons; convolutions without padding. Give the parameters of conv1 "
        "(C1), conv3 (C3), conv5 (C5), fc6 (F6), output and the total.")


def solve_lenet(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params, explain_shapes

    rows = _rows(_lenet_shape(q), _lenet_layers(q))
    ordered = list(rows.values())
    steps = [_bias_remark(), _lenet_remark(q, int(rows["conv3"].params))]
    steps += explain_shapes(ordered[:6])
    steps += explain_params(ordered)
    answers = {n: sp.Integer(rows[n].params) for n in LENET_PARTS}
    answers["total"] = sp.Integer(sum(int(a) for a in answers.values()))
    return Solution(q, tuple(steps), answers)


def _lenet_remark(q, full: int) -> Step:
    """The modern reading against the original LeNet-5; the partial table's count only for 6 → 16 maps."""
    table = _partial_table(q)
    if table is None:
        count = Text("", "")
    else:
        partial, connected = numeral(table), numeral(full)
        count = Text(f" ({partial.fr} paramètres au lieu de {connected.fr})",
                     f" ({partial.en} parameters instead of {connected.en})")
    return Step(Text(
        f"Lecture moderne : C3 relie chaque filtre aux {q['c1']} cartes de S2 et S2/S4 sont des moyennes sans "
        f"paramètre. Le LeNet-5 original (LeCun et al., 1998) relie C3 par une table partielle{count.fr}, donne à "
        "S2/S4 un coefficient et un biais par carte, et sa sortie est faite d'unités RBF ; on compte ici la "
        "version à connexions complètes.",
        f"Modern reading: C3 connects every filter to the {q['c1']} maps of S2 and S2/S4 are parameter-free "
        f"averages. The original LeNet-5 (LeCun et al., 1998) connects C3 through a partial table{count.en}, gives "
        "S2/S4 one coefficient and one bias per map, and its output is made of RBF units; here we count the fully "
        "connected version."), kind="remark")


def check_lenet(q, sol, checks) -> None:
    import torch

    k = q["k"]
    convs: list[torch.nn.Module] = [torch.nn.Conv2d(1, q["c1"], k, device="meta"),
                                    torch.nn.Conv2d(q["c1"], q["c3"], k, device="meta"),
                                    torch.nn.Conv2d(q["c3"], q["c5"], k, device="meta")]
    x = torch.zeros(1, 1, q["n"], q["n"], device="meta")
    x = torch.nn.AvgPool2d(2)(convs[0](x))
    x = torch.nn.AvgPool2d(2)(convs[1](x))
    flat = convs[2](x).flatten(1).shape[1]
    dense: list[torch.nn.Module] = [torch.nn.Linear(flat, q["f6"], device="meta"),
                                    torch.nn.Linear(q["f6"], q["out"], device="meta")]
    for name, module in zip(LENET_PARTS, convs + dense):
        checks.equal(f"params {name}", int(sol.answers[name]), _numel(module))
    checks.equal("params total", int(sol.answers["total"]), sum(_numel(m) for m in convs + dense))


def validate_lenet(values) -> None:
    side = ((values["n"] - values["k"] + 1) // 2 - values["k"] + 1) // 2 - values["k"] + 1
    if side < 1:
        raise ParamError(Text(f"une image de côté {values['n']} est trop petite pour LeNet-5 avec k = {values['k']}",
                              f"an image of side {values['n']} is too small for LeNet-5 with k = {values['k']}"))


def _partial_table(q):
    """The original C3 connection table (6 maps of 3 inputs, 9 of 4, 1 of 6): only for 6 → 16 maps."""
    if (q["c1"], q["c3"]) != (6, 16):
        return None
    return (6 * 3 + 9 * 4 + 1 * 6) * q["k"] ** 2 + 16


def _lenet_partial(part):
    def wrong(q):
        import sympy as sp

        table = _partial_table(q)
        if table is None:
            return None
        if part == "conv3":
            return sp.Integer(table)
        rows = _rows(_lenet_shape(q), _lenet_layers(q))
        return sp.Integer(sum(int(rows[n].params) for n in LENET_PARTS) - int(rows["conv3"].params) + table)
    return wrong


def _lenet_diagnoses():
    out = [mistake("missing-bias", part, _wrong_from(_lenet_layers, _lenet_shape, part, LENET_PARTS, bias=False))
           for part in LENET_PARTS + ("total",)]
    out += [Diagnosis("partial-connection", part, _lenet_partial(part), Text(
        "C'est la table de connexions partielle du LeNet-5 original ; la question compte C3 relié à toutes les "
        "cartes de S2.", "That is the original LeNet-5's partial connection table; the question counts C3 "
        "connected to every map of S2.")) for part in ("conv3", "total")]
    out.append(mistake("input-channels-ignored", "conv3", lambda q: __import__("sympy").Integer(
        q["c3"] * (q["k"] ** 2 + 1)), Text("Un filtre de C3 couvre les cartes de S2 : $C_{in} k^2$ poids.",
                                           "A C3 filter covers the maps of S2: $C_{in} k^2$ weights.")))
    return tuple(out)


LENET = Exercise(
    id="cours-cnn.lenet5", sheet="cours-cnn",
    title=Text("LeNet-5 : paramètres couche par couche", "LeNet-5: parameters layer by layer"),
    statement=statement_lenet,
    params=(Param("n", "int", 32, Text("côté de l'image", "image side"), draw=_pick(32, 36, 40), minimum=1,
                  maximum=512),
            Param("k", "int", 5, Text("côté des noyaux", "kernel side"), draw=_pick(3, 5), minimum=1, maximum=9),
            Param("c1", "int", 6, Text("filtres de C1", "filters of C1"), draw=_pick(4, 6, 8), minimum=1),
            Param("c3", "int", 16, Text("filtres de C3", "filters of C3"), draw=_pick(12, 16, 20), minimum=1),
            Param("c5", "int", 120, Text("filtres de C5", "filters of C5"), draw=_pick(100, 120), minimum=1),
            Param("f6", "int", 84, Text("neurones de F6", "neurons of F6"), draw=_pick(64, 84), minimum=1),
            Param("out", "int", 10, Text("neurones de sortie", "output neurons"), draw=_pick(10, 26), minimum=1)),
    parts=(Part("conv1", "int", Text("paramètres de C1", "parameters of C1")),
           Part("conv3", "int", Text("paramètres de C3 (connexions complètes)", "parameters of C3 (full connections)")),
           Part("conv5", "int", Text("paramètres de C5", "parameters of C5")),
           Part("fc6", "int", Text("paramètres de F6", "parameters of F6")),
           Part("output", "int", Text("paramètres de la couche de sortie", "parameters of the output layer")),
           Part("total", "int", Text("paramètres du réseau", "parameters of the network"))),
    solve=solve_lenet, check=check_lenet, validate=validate_lenet, diagnoses=_lenet_diagnoses())


EXERCISES = (MLP, RGB, CONV1X1, VGG, LENET)
