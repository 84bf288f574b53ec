"""cours-intro — parameter counts and layer sizes of the introduction lecture's worked examples.

Networks are traced by `solver.maths.architecture.trace` (channel-first like torch); the lecture writes
image sizes height × width × channels (28×28×3), and the answers follow that order.
"""

from __future__ import annotations

from solver.core.errors import ParamError
from solver.core.exercise import Exercise, Part, Solution, Step
from solver.core.params import Param
from solver.core.text import Text
from solver.derive.mistakes import mistake, mistakes_of

from .conv_example import IMAGE, LECTURE_FILTER, LECTURE_IMAGE

SHEET = "cours-intro"

def _int(v):
    import sympy as sp

    return sp.Integer(int(v))


def _result(step: Step) -> Step:
    return Step(step.text, step.math, kind="result")


def _hwc(shape):
    """(C, H, W) → the lecture's (H, W, C); flat shapes unchanged."""
    import sympy as sp

    shape = tuple(shape)
    return sp.Tuple(*(shape[1:] + shape[:1] if len(shape) == 3 else shape))


# --- cours-intro.mlp-params -------------------------------------------------------------------

def _mlp_rows(q, bias=True):
    from solver.maths.architecture import Linear, trace

    return trace((q["inputs"],), [Linear(q["hidden"], bias, "H"), Linear(q["outputs"], bias, "O")])


def statement_mlp(q) -> Text:
    return Text(
        f"Le réseau du cours a ${q['inputs']}$ entrées, une couche cachée H de ${q['hidden']}$ neurones "
        f"sigmoïdes et une couche de sortie O de ${q['outputs']}$ neurones sigmoïdes, chaque neurone ayant un "
        "biais. Combien a-t-il de paramètres ?",
        f"The lecture's network has ${q['inputs']}$ inputs, a hidden layer H of ${q['hidden']}$ sigmoid neurons "
        f"and an output layer O of ${q['outputs']}$ sigmoid neurons, each neuron with a bias. How many "
        "parameters does it have?")


def solve_mlp(q) -> Solution:
    from solver.derive.architecture_steps import explain_params
    from solver.maths.architecture import total_params

    rows = _mlp_rows(q)
    return Solution(q, tuple(explain_params(rows)), {"params": _int(total_params(rows))})


def check_mlp(q, sol, checks) -> None:
    import torch.nn as nn

    net = nn.Sequential(nn.Linear(q["inputs"], q["hidden"]), nn.Sigmoid(), nn.Linear(q["hidden"], q["outputs"]))
    checks.equal("params = sum(numel)", int(sol.answers["params"]), sum(p.numel() for p in net.parameters()))


def _mlp_wrong(code):
    def wrong(q):
        from solver.maths.architecture import total_params

        if code == "missing-bias":
            return _int(total_params(_mlp_rows(q, bias=False)))
        if code == "hidden-only":
            return _int(_mlp_rows(q)[0].params)
        return _int(total_params(_mlp_rows(q, bias=False)) + 2)
    return wrong


DIAGNOSES_MLP = mistakes_of("params", _mlp_wrong, {
    "missing-bias": None,
    "hidden-only": Text("La couche de sortie a aussi des poids et des biais.",
                        "The output layer has weights and biases too."),
    "bias-per-layer": Text("Il y a un biais par neurone, pas un par couche.",
                           "There is one bias per neuron, not one per layer."),
})


# --- cours-intro.image-mlp-params -------------------------------------------------------------

def _image_rows(q, bias=True):
    from solver.maths.architecture import Flatten, Linear, trace

    return trace((q["c"], q["h"], q["w"]), [Flatten(name="flatten"), Linear(q["hidden"], bias, "hidden")])


def statement_image(q) -> Text:
    kind_fr = "en niveaux de gris" if q["c"] == 1 else f"à {q['c']} canaux"
    kind_en = "grey-level" if q["c"] == 1 else f"{q['c']}-channel"
    return Text(
        f"Une image {kind_fr} de ${q['h']} \\times {q['w']}$ pixels est aplatie et donnée à un perceptron dont la "
        f"couche cachée a ${q['hidden']}$ neurones. Combien de paramètres a cette couche cachée ?",
        f"A {kind_en} image of ${q['h']} \\times {q['w']}$ pixels is flattened and fed to a perceptron whose "
        f"hidden layer has ${q['hidden']}$ neurons. How many parameters does this hidden layer have?")


def solve_image(q) -> Solution:
    from solver.derive.architecture_steps import explain_params, explain_shapes

    flatten, hidden = _image_rows(q)
    steps = (
        Step(Text("Le cours ne donne pas de couche de sortie : on compte la couche cachée seule (une couche de "
                  "sortie de $K$ neurones ajouterait $K(n_h + 1)$ paramètres).",
                  "The lecture gives no output layer: only the hidden layer is counted (an output layer of $K$ "
                  "neurons would add $K(n_h + 1)$ parameters)."), kind="remark"),
        explain_shapes([flatten])[0],
        _result(explain_params([hidden], total=False)[0]),
        Step(Text("Chaque neurone caché a un poids par pixel : c'est pourquoi on préfère les convolutions pour "
                  "les images.",
                  "Each hidden neuron has one weight per pixel: this is why convolutions are preferred for "
                  "images."), kind="remark"),
    )
    return Solution(q, steps, {"params": _int(hidden.params)})


def check_image(q, sol, checks) -> None:
    import torch.nn as nn

    layer = nn.Linear(q["c"] * q["h"] * q["w"], q["hidden"], device="meta")
    checks.equal("params = sum(numel)", int(sol.answers["params"]), sum(p.numel() for p in layer.parameters()))
    flat = nn.Flatten()(_zeros(q))
    checks.equal("flattened size", flat.shape[1], q["c"] * q["h"] * q["w"])


def _zeros(q):
    import torch

    return torch.zeros(1, q["c"], q["h"], q["w"])


def _image_wrong(code):
    def wrong(q):
        if code == "missing-bias":
            return _int(_image_rows(q, bias=False)[1].params)
        return _int(q["c"] * q["h"] * q["w"] + 1)
    return wrong


DIAGNOSES_IMAGE = mistakes_of("params", _image_wrong, {
    "missing-bias": None,
    "one-neuron": Text("C'est le compte d'un seul neurone ; multipliez par le nombre de neurones.",
                       "That is the count of a single neuron; multiply by the number of neurons."),
})


# --- cours-intro.layer-sizes ------------------------------------------------------------------

LAYERS = ("layer1", "layer2", "layer3")


def _sizes_net(q, padding=0, pool_stride=None, bias=True):
    from solver.maths.architecture import Activation, Conv, Pool

    k = q["k"]
    return [Conv(q["f1"], k, padding=padding, bias=bias, name="layer1"), Activation("relu", "relu1"),
            Conv(q["f2"], k, padding=padding, bias=bias, name="layer2"), Activation("relu", "relu2"),
            Pool(q["pool"], pool_stride, name="layer3")]


def _sizes_rows(q, **changes) -> dict:
    from solver.maths.architecture import trace

    return {r.name: r for r in trace((q["c"], q["n"], q["n"]), _sizes_net(q, **changes))}


def statement_sizes(q) -> Text:
    n, c, k, m = q["n"], q["c"], q["k"], q["pool"]
    code = (f"Conv2d({c}, {q['f1']}, {k}) + ReLU, Conv2d({q['f1']}, {q['f2']}, {k}) + ReLU, "
            f"MaxPool2d({m}, {m})")
    return Text(
        f"Une image ${n} \\times {n} \\times {c}$ (hauteur × largeur × canaux) traverse {code}. Donner la taille "
        "de sortie (hauteur × largeur × canaux) et le nombre de paramètres de chacune des trois couches.",
        f"A ${n} \\times {n} \\times {c}$ image (height × width × channels) goes through {code}. Give the output "
        "size (height × width × channels) and the number of parameters of each of the three layers.")


def solve_sizes(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params, explain_shapes

    rows = _sizes_rows(q)
    traced = [rows[n] for n in LAYERS]
    steps = [
        Step(Text("Convention : le cours écrit hauteur × largeur × canaux, torch (C, H, W) ; les calculs sont "
                  "faits canaux en premier, les réponses données dans l'ordre du cours. Sans argument `padding`, "
                  "Conv2d n'a pas de remplissage ; les ReLU ne changent pas la forme.",
                  "Convention: the lecture writes height × width × channels, torch (C, H, W); computations are "
                  "channel-first, answers are given in the lecture's order. Without a `padding` argument Conv2d "
                  "has no padding; the ReLUs do not change the shape."), kind="remark"),
        *explain_shapes(traced),
        *explain_params(traced),
        _result(Step(Text("Tailles dans l'ordre du cours (hauteur × largeur × canaux) :",
                          "Sizes in the lecture's order (height × width × channels):"),
                     tuple(sp.Eq(sp.Symbol(f"shape_{n}"), _hwc(rows[n].shape)) for n in LAYERS))),
    ]
    answers = {}
    for n in LAYERS:
        answers[f"{n}.shape"] = _hwc(rows[n].shape)
        answers[f"{n}.params"] = _int(rows[n].params)
    return Solution(q, tuple(steps), answers)


def follow_sizes(q, part: str, earlier):
    """A layer's size or parameters traced from the student's size of the layer before (H × W × C)."""
    from solver.maths.architecture import channels_first, trace_between

    name, field = part.split(".")
    (source,) = earlier
    row = trace_between(_sizes_net(q), source.split(".")[0], name, channels_first(earlier[source]))
    return _hwc(row.shape) if field == "shape" else _int(row.params)


def _follows_sizes(name: str, field: str) -> tuple[str, ...]:
    """The size of the layer before, for every part that depends on it (a pooling has no weights)."""
    index = LAYERS.index(name)
    if index == 0 or (field == "params" and name == "layer3"):
        return ()
    return (f"{LAYERS[index - 1]}.shape",)


def check_sizes(q, sol, checks) -> None:
    import torch.nn as nn

    from solver.core.checks import torch_layer_outputs

    k, m = q["k"], q["pool"]
    net = [nn.Conv2d(q["c"], q["f1"], k), nn.ReLU(), nn.Conv2d(q["f1"], q["f2"], k), nn.ReLU(), nn.MaxPool2d(m, m)]
    out = torch_layer_outputs(net, (q["c"], q["n"], q["n"]))
    for name, index in zip(LAYERS, (0, 2, 4)):
        (c, h, w), numel = out[index]
        checks.equal(f"{name}.shape", tuple(int(v) for v in sol.answers[f"{name}.shape"]), (h, w, c))
        checks.equal(f"{name}.params", int(sol.answers[f"{name}.params"]), numel)


def validate_sizes(values) -> None:
    if (values["n"] - 2 * (values["k"] - 1)) < values["pool"]:
        raise ParamError(Text("l'image est trop petite pour deux convolutions et le pooling",
                              "the image is too small for two convolutions and the pooling"))


def draw_sizes(rng) -> dict:
    k = rng.choice((3, 3, 5))
    return {"n": rng.choice((16, 28, 28, 32, 64)), "c": rng.choice((1, 3)), "f1": rng.choice((8, 16, 32)),
            "f2": rng.choice((16, 32, 64)), "k": k, "pool": rng.choice((2, 2, 3))}


def _sizes_wrong(part, **changes):
    def wrong(q):
        name, field = part.split(".")
        rows = _sizes_rows(q, **changes)
        if any(isinstance(v, int) and v < 1 for v in rows[name].shape):
            return None
        value = _hwc(rows[name].shape) if field == "shape" else _int(rows[name].params)
        right = _hwc(_sizes_rows(q)[name].shape) if field == "shape" else _int(_sizes_rows(q)[name].params)
        return None if value == right else value
    return wrong


def _sizes_custom(part, kind):
    def wrong(q):
        name = part.split(".")[0]
        row = _sizes_rows(q)[name]
        if kind == "missing-in-channels":
            return _int(row.layer.out_channels * (q["k"] ** 2 + 1))
        if kind == "pool-kernel-weights":
            return _int(q["pool"] ** 2 * row.in_shape[0])
        return None
    return wrong


def _diagnoses_sizes():
    fb = {
        "pool-stride-one": Text("MaxPool2d(m, m) a un pas $m$ : il divise la taille par $m$.",
                                "MaxPool2d(m, m) has stride $m$: it divides the size by $m$."),
    }
    out = []
    for n in LAYERS:
        shape, params = f"{n}.shape", f"{n}.params"
        out.append(mistake("same-padding", shape, _sizes_wrong(shape, padding="same")))
        if n == "layer3":
            out.append(mistake("pool-stride-one", shape, _sizes_wrong(shape, pool_stride=1), fb["pool-stride-one"]))
            out.append(mistake("pool-kernel-weights", params, _sizes_custom(params, "pool-kernel-weights")))
        else:
            out.append(mistake("missing-bias", params, _sizes_wrong(params, bias=False)))
            out.append(mistake("missing-in-channels", params, _sizes_custom(params, "missing-in-channels")))
    return tuple(out)


# --- cours-intro.padding-example ----------------------------------------------------------------

def statement_padding(q) -> Text:
    n, p, k, s = q["n"], q["p"], q["k"], q["s"]
    if q.seed is not None:
        image, image_en = (f"de l'image ${n} \\times {n}$ de l'exemple de convolution (même graine)",
                           f"the ${n} \\times {n}$ image of the convolution example (same seed)")
    elif n == len(LECTURE_IMAGE):
        image, image_en = f"de l'image ${n} \\times {n}$ du cours", f"the lecture's ${n} \\times {n}$ image"
    else:
        image, image_en = f"d'une image ${n} \\times {n}$", f"an image of size ${n} \\times {n}$"
    zeros = Text("un zéro", "one zero") if p == 1 else Text(f"${p}$ zéros", f"${p}$ zeros")
    return Text(
        f"On ajoute {zeros.fr} de chaque côté {image} (remplissage), puis on applique un filtre "
        f"${k} \\times {k}$ de pas ${s}$. Quel est le côté de l'image remplie ? Celui de la sortie ?",
        f"Padding adds {zeros.en} on each side of {image_en}, then a ${k} \\times {k}$ filter of stride "
        f"${s}$ is applied. What is the side of the padded image? Of the output?")


def solve_padding(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_shapes
    from solver.derive.chain import derive

    n, p = sp.symbols("n p", integer=True)
    row = _padding_row(q, q["n"], q["p"])
    padded = (n + 2 * p).xreplace({n: q["n"], p: q["p"]})
    steps: tuple[Step, ...] = (
        _result(Step(Text("Le remplissage ajoute $p$ zéros de chaque côté de chaque dimension.",
                          "Padding adds $p$ zeros on each side of each dimension."),
                     derive(sp.Symbol("n_pad"), n + 2 * p, {n: q["n"], p: q["p"]}))),
        _result(explain_shapes([row])[0]),
    )
    if q["k"] == 2 * q["p"] + 1 and q["s"] == 1:
        steps += (Step(Text("Avec $p = (k - 1)/2$ et un pas 1, la sortie a la taille de l'image de départ.",
                            "With $p = (k - 1)/2$ and stride 1 the output has the original image's size."),
                       kind="remark"),)
    return Solution(q, steps, {"padded_size": _int(padded), "output_size": _int(row.shape[1])})


def _padding_row(q, side, padding):
    """The convolution of the example traced on a `side` × `side` image with this padding."""
    from solver.maths.architecture import Conv, trace

    return trace((1, side, side), [Conv(1, q["k"], q["s"], padding, name="conv")])[0]


def follow_padding(q, part: str, earlier):
    """The output side from the student's padded side: the same convolution, padding already added."""
    side = int(earlier["padded_size"])
    return _int(_padding_row(q, side, 0).shape[1])


def check_padding(q, sol, checks) -> None:
    """F.pad and F.conv2d on the lecture's image (or zeros for other sizes)."""
    import torch
    import torch.nn.functional as F

    n, p, k, s = q["n"], q["p"], q["k"], q["s"]
    x = torch.tensor(LECTURE_IMAGE, dtype=torch.float64) if n == 6 else torch.zeros(n, n, dtype=torch.float64)
    w = torch.tensor([[float(c) for c in row] for row in LECTURE_FILTER], dtype=torch.float64) if k == 3 \
        else torch.ones(k, k, dtype=torch.float64)
    x, w = x[None, None], w[None, None]
    padded = F.pad(x, (p, p, p, p))
    checks.equal("padded_size", int(sol.answers["padded_size"]), padded.shape[-1])
    out = F.conv2d(x, w, stride=s, padding=p)
    checks.equal("output_size", int(sol.answers["output_size"]), out.shape[-1])
    checks.close("conv on padded = conv with padding", F.conv2d(padded, w, stride=s), out)


def validate_padding(values) -> None:
    if values["k"] > values["n"] + 2 * values["p"]:
        raise ParamError(Text("le filtre dépasse l'image remplie", "the filter is larger than the padded image"))


def draw_padding(rng, shared) -> dict:
    """Padding and stride; the image and filter sides come from the lecture's image (conv-example)."""
    return {"p": rng.randint(0, shared["k"] // 2 + 1), "s": rng.choice((1, 1, 2))}


def _padding_wrong(code):
    def wrong(q):
        n, p, k, s = q["n"], q["p"], q["k"], q["s"]
        value = {"padding-one-side": n + p, "area-instead-of-side": (n + 2 * p) ** 2,
                 "ignored-padding": (n - k) // s + 1, "missing-plus-one": (n + 2 * p - k) // s}[code]
        return _int(value) if value >= 1 else None
    return wrong


DIAGNOSES_PADDING = mistakes_of("padded_size", _padding_wrong, {
    "padding-one-side": Text("Le remplissage s'ajoute des deux côtés : $n + 2p$.",
                             "Padding is added on both sides: $n + 2p$."),
    "area-instead-of-side": Text("On demande le côté de l'image remplie, pas son nombre de pixels.",
                                 "The side of the padded image is asked, not its number of pixels."),
}) + mistakes_of("output_size", _padding_wrong, {
    "ignored-padding": Text("Le filtre glisse sur l'image remplie, de côté $n + 2p$.",
                            "The filter slides over the padded image, of side $n + 2p$."),
    "missing-plus-one": None,
})


def _p(name, default, fr, en, lo=1, hi=4096, draw=None):
    return Param(name, "int", default, Text(fr, en), minimum=lo, maximum=hi, draw=draw)


EXERCISES = (
    Exercise(id="cours-intro.mlp-params", sheet=SHEET,
             title=Text("Paramètres du réseau 3-2-2", "Parameters of the 3-2-2 network"),
             variant_title=lambda q: Text(f"Paramètres du réseau {q['inputs']}-{q['hidden']}-{q['outputs']}",
                                          f"Parameters of the {q['inputs']}-{q['hidden']}-{q['outputs']} network"),
             statement=statement_mlp, solve=solve_mlp, check=check_mlp, diagnoses=DIAGNOSES_MLP,
             params=(_p("inputs", 3, "entrées", "inputs", draw=lambda rng: rng.randint(2, 10)),
                     _p("hidden", 2, "neurones cachés", "hidden neurons", draw=lambda rng: rng.randint(2, 10)),
                     _p("outputs", 2, "neurones de sortie", "output neurons", draw=lambda rng: rng.randint(1, 5))),
             parts=(Part("params", "int", Text("nombre de paramètres", "number of parameters")),)),
    Exercise(id="cours-intro.image-mlp-params", sheet=SHEET,
             title=Text("Un perceptron sur une image", "A perceptron on an image"),
             statement=statement_image, solve=solve_image, check=check_image, diagnoses=DIAGNOSES_IMAGE,
             params=(_p("h", 367, "hauteur de l'image", "image height", draw=lambda rng: rng.randint(20, 500)),
                     _p("w", 237, "largeur de l'image", "image width", draw=lambda rng: rng.randint(20, 500)),
                     _p("c", 1, "canaux", "channels", hi=16, draw=lambda rng: rng.choice((1, 1, 3))),
                     _p("hidden", 30, "neurones cachés", "hidden neurons", hi=100000,
                        draw=lambda rng: rng.choice((10, 30, 50, 100)))),
             parts=(Part("params", "int", Text("paramètres de la couche cachée", "parameters of the hidden layer")),)),
    Exercise(id="cours-intro.layer-sizes", sheet=SHEET,
             title=Text("Tailles et paramètres de trois couches", "Sizes and parameters of three layers"),
             statement=statement_sizes, solve=solve_sizes, check=check_sizes, draw=draw_sizes,
             validate=validate_sizes, diagnoses=_diagnoses_sizes(), follow=follow_sizes,
             params=(_p("n", 28, "côté de l'image", "image side"), _p("c", 3, "canaux de l'image", "image channels"),
                     _p("f1", 16, "filtres de la 1re convolution", "filters of the first convolution"),
                     _p("f2", 16, "filtres de la 2e convolution", "filters of the second convolution"),
                     _p("k", 3, "côté des noyaux", "kernel side", hi=15),
                     _p("pool", 2, "fenêtre et pas du pooling", "pooling window and stride", hi=8)),
             parts=tuple(Part(f"{n}.{f}", "shape" if f == "shape" else "int",
                              Text(f"{'taille de sortie' if f == 'shape' else 'paramètres'} de la couche {n[-1]}",
                                   f"{'output size' if f == 'shape' else 'parameters'} of layer {n[-1]}"),
                              follows=_follows_sizes(n, f), layout="HWC" if f == "shape" else None)
                         for n in LAYERS for f in ("shape", "params"))),
    Exercise(id="cours-intro.padding-example", sheet=SHEET,
             title=Text("Remplissage : taille de l'image et de la sortie", "Padding: size of the image and output"),
             statement=statement_padding, solve=solve_padding, check=check_padding, follow=follow_padding,
             draw=draw_padding, chain=IMAGE,
             validate=validate_padding, diagnoses=DIAGNOSES_PADDING,
             params=(_p("n", 6, "côté de l'image", "image side"), _p("p", 1, "remplissage par côté",
                                                                     "padding per side", lo=0),
                     _p("k", 3, "côté du filtre", "filter side", hi=15), _p("s", 1, "pas", "stride", hi=8)),
             parts=(Part("padded_size", "int", Text("côté de l'image remplie", "side of the padded image")),
                    Part("output_size", "int", Text("côté de la sortie", "side of the output"),
                         follows=("padded_size",)))),
)
