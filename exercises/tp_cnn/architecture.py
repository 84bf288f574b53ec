"""tp-cnn 1, 6–11 — output sizes, weights and receptive fields of the practical's networks.

The practical writes sizes as x × y × z (width, height, depth: channels last, e.g. CIFAR-10's
32×32×3); answers follow that order. The networks are traced by `solver.maths.architecture.trace`,
which works channel-first like torch ((C, H, W)); the derivations say so and end with the
shapes in the practical's order. "Poids à apprendre" is read as *learned parameters*, biases
included (question 10's counts only make sense that way); the grader may meet the
weights-only count as the `missing-bias` mistake.
"""

from __future__ import annotations

from functools import partial
from typing import Mapping

from solver.core.errors import ParamError
from solver.core.exercise import Chain, Diagnosis, Domain, Exercise, ModelAnswer, Part, Solution, Step
from solver.core.params import SYMBOLIC, Param
from solver.core.text import Text, numeral
from solver.derive.mistakes import mistake, mistakes_of

SHEET = "tp-cnn"


def _hwc(shape):
    """Channel-first (C, H, W) → the practical's (H, W, C); flat shapes unchanged."""
    import sympy as sp

    shape = tuple(shape)
    return sp.Tuple(*(shape[1:] + shape[:1] if len(shape) == 3 else shape))


def _int(v):
    import sympy as sp

    return sp.Integer(int(v))


def _result(step: Step) -> Step:
    return Step(step.text, step.math, kind="result")


def _order_remark() -> Step:
    return Step(Text(
        "Convention : le TP écrit les tailles largeur × hauteur × profondeur (canaux en dernier) et les "
        "réponses suivent cet ordre ; les calculs ci-dessous sont faits canaux en premier, comme torch : "
        "(C, H, W).",
        "Convention: the practical writes sizes as width × height × depth (channels last) and the answers "
        "follow that order; the computations below are channel-first, as in torch: (C, H, W)."), kind="remark")


# --- tp-cnn.1: one filter ---------------------------------------------------------------------

NAMES_1 = ("x", "y", "z", "k", "p", "s")


def _values_1(q):
    """Every parameter as its value or its symbol."""
    return {n: (q.symbol(n) if q.is_symbolic(n) else q[n]) for n in NAMES_1}


def _trace_1(q, bias=True):
    from solver.maths.architecture import Conv, Flatten, Linear, trace

    v = _values_1(q)
    conv = trace((v["z"], v["x"], v["y"]), [Conv(1, v["k"], v["s"], v["p"], bias=bias, name="conv")])[0]
    n_out = conv.shape[1] * conv.shape[2]
    fc = trace((v["z"], v["x"], v["y"]), [Flatten(name="flatten"), Linear(n_out, bias=bias, name="fc")])
    return conv, fc[0], fc[1]


def statement_1(q) -> Text:
    v = {n: q.show(n) for n in NAMES_1}
    size = f"{v['x']} \\times {v['y']} \\times {v['z']}"
    return Text(
        f"Un seul filtre de convolution, de noyau ${v['k']}$, de remplissage ${v['p']}$ et de pas ${v['s']}$, "
        f"est appliqué à une entrée de taille ${size}$ (largeur × hauteur × profondeur). Quelle est la taille "
        "de la sortie ? Combien de poids faut-il apprendre ? Combien en faudrait-il à une couche "
        "entièrement connectée produisant une sortie de même taille ?",
        f"A single convolution filter, with kernel ${v['k']}$, padding ${v['p']}$ and stride ${v['s']}$, is "
        f"applied to an input of size ${size}$ (width × height × depth). What is the size of the output? How "
        "many weights must be learned? How many would a fully connected layer producing an output of the same "
        "size need?")


def solve_1(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain, derive
    from solver.maths.layers import conv_output_size, conv_params, linear_params

    x = dict(zip(NAMES_1, q.symbols(*NAMES_1)))
    bind = q.bindings(*NAMES_1)
    w_out, h_out = sp.Symbol("x'"), sp.Symbol("y'")
    sides = {w_out: conv_output_size(x["x"], x["k"], x["s"], x["p"]),
             h_out: conv_output_size(x["y"], x["k"], x["s"], x["p"])}
    side_values = {sym: f.xreplace(bind) for sym, f in sides.items()}
    shape = sp.Tuple(side_values[w_out], side_values[h_out], 1)
    weights = conv_params(x["z"], 1, x["k"])
    fc_general = linear_params(x["x"] * x["y"] * x["z"], w_out * h_out)
    fc_value = sp.factor_terms(fc_general.xreplace(side_values).xreplace(bind))
    fc_bind = {**bind, **{s: v for s, v in side_values.items() if v.is_Integer}}
    fc_chain = derive(sp.Symbol("P_fc"), fc_general, fc_bind)
    if not all(v.is_Integer for v in side_values.values()):
        fc_chain = Chain(*fc_chain.terms, fc_value)
    steps = [
        Step(Text("Le noyau glisse indépendamment sur la largeur et sur la hauteur ; sur chacune, il prend "
                  "$\\lfloor (n + 2p - k)/s \\rfloor + 1$ positions, $n$ étant le côté de l'entrée.",
                  "The kernel slides independently along the width and along the height; along each it takes "
                  "$\\lfloor (n + 2p - k)/s \\rfloor + 1$ positions, $n$ being the input's side."),
             tuple(derive(sym, f, bind) for sym, f in sides.items())),
        Step(Text("Un seul filtre traverse toute la profondeur $z$ et produit une seule carte : la profondeur de "
                  "sortie vaut 1.",
                  "A single filter spans the whole depth $z$ and produces a single map: the output depth is 1."),
             sp.Eq(sp.Symbol("shape_out"), shape), kind="result"),
        Step(Text("Ce filtre a $k \\times k \\times z$ poids, plus un biais (compté avec les poids appris).",
                  "This filter has $k \\times k \\times z$ weights, plus one bias (counted with the learned "
                  "weights)."), derive(sp.Symbol("P_conv"), weights, bind), kind="result"),
        Step(Text("Une couche entièrement connectée de même sortie a $x' y'$ neurones, chacun relié aux $x y z$ "
                  "entrées et muni d'un biais.",
                  "A fully connected layer with the same output has $x' y'$ neurons, each linked to the $x y z$ "
                  "inputs and with one bias."), fc_chain, kind="result"),
        Step(Text("Sans les biais, les deux nombres seraient $k^2 z$ et $x y z \\cdot x' y'$. La convolution "
                  "partage ses poids entre toutes les positions : leur nombre ne dépend pas de la taille de "
                  "l'image.",
                  "Without biases the two counts would be $k^2 z$ and $x y z \\cdot x' y'$. The convolution "
                  "shares its weights over all positions: their number does not depend on the image size."),
             kind="remark"),
    ]
    answers = {"output_shape": shape, "weights": sp.sympify(weights.xreplace(bind)), "fc_weights": fc_value}
    return Solution(q, tuple(steps), answers)


def validate_1(values) -> None:
    v = values
    for side in ("x", "y"):
        if any(v[n] is SYMBOLIC for n in (side, "k", "p")):
            continue
        if v["k"] > v[side] + 2 * v["p"]:
            raise ParamError(Text(f"le noyau ({v['k']}) dépasse l'entrée remplie ({side} + 2p = "
                                  f"{v[side] + 2 * v['p']})",
                                  f"the kernel ({v['k']}) is larger than the padded input ({side} + 2p = "
                                  f"{v[side] + 2 * v['p']})"))


def draw_1(rng) -> dict:
    k = rng.choice((1, 3, 3, 5, 7))
    p = rng.randint(0, k // 2)
    return {"x": rng.randint(k, 40), "y": rng.randint(k, 40), "z": rng.choice((1, 3, 16, 32)), "k": k, "p": p,
            "s": rng.randint(1, 3)}


def check_1(q, sol, checks) -> None:
    """Shape of torch's conv2d with one filter, numel of Conv2d(z, 1, k) and of the equivalent Linear."""
    import torch.nn as nn

    from solver.core.checks import torch_layer_outputs

    if any(q.is_symbolic(n) for n in NAMES_1):
        cases = [(x, y, z, k, p, s) for x, y in ((5, 5), (7, 4), (9, 12)) for z in (1, 3) for k in (1, 2, 3)
                 for p in (0, 1) for s in (1, 2, 3) if k <= min(x, y) + 2 * p]
    else:
        cases = [tuple(q[n] for n in NAMES_1)]
    for x, y, z, k, p, s in cases:
        bind = dict(zip(q.symbols(*NAMES_1), (x, y, z, k, p, s)))
        conv = nn.Conv2d(z, 1, k, stride=s, padding=p)
        (c, h, w), numel = torch_layer_outputs([conv], (z, x, y))[0]
        label = f"(x,y,z,k,p,s)={(x, y, z, k, p, s)}"
        got = tuple(int(v.xreplace(bind)) for v in sol.answers["output_shape"])
        checks.equal(f"output_shape {label}", got, (h, w, c))
        checks.equal(f"weights {label}", int(sol.answers["weights"].xreplace(bind)), numel)
        fc = nn.Linear(x * y * z, h * w, device="meta")
        checks.equal(f"fc_weights {label}", int(sol.answers["fc_weights"].xreplace(bind)),
                     sum(t.numel() for t in fc.parameters()))


def _wrong_1(part, code):
    def wrong(q):
        import sympy as sp

        v = _values_1(q)
        x, y, z, k, p, s = (v[n] for n in NAMES_1)
        rnd = sp.ceiling if code == "ceil-instead-of-floor" else sp.floor
        plus = 0 if code == "missing-plus-one" else 1
        sides = [rnd(sp.Integer(1) * (a + 2 * p - k) / s) + plus for a in (x, y)]
        conv, _, _ = _trace_1(q)
        if code == "depth-equals-input":
            return sp.Tuple(conv.shape[1], conv.shape[2], z)
        if (part, code) == ("weights", "missing-bias"):
            return sp.sympify(conv.params) - 1
        if code == "missing-depth":
            return k ** 2 + 1
        if (part, code) == ("fc_weights", "missing-bias"):
            return sp.sympify(_trace_1(q, bias=False)[2].params)
        if code == "fc-one-output":
            return x * y * z + 1
        return sp.Tuple(*sides, 1)
    return wrong


DIAGNOSES_1 = mistakes_of("output_shape", partial(_wrong_1, "output_shape"), {
    "depth-equals-input": Text("Un filtre traverse toute la profondeur et produit une seule carte : profondeur 1.",
                               "One filter spans the whole depth and produces a single map: depth 1."),
    "ceil-instead-of-floor": None,
    "missing-plus-one": None,
}) + mistakes_of("weights", partial(_wrong_1, "weights"), {
    "missing-bias": None,
    "missing-depth": Text("Le noyau couvre les $z$ canaux : $k^2 z$ poids.", "The kernel covers the $z$ channels: "
                          "$k^2 z$ weights."),
}) + mistakes_of("fc_weights", partial(_wrong_1, "fc_weights"), {
    "missing-bias": None,
    "fc-one-output": Text("Il faut une rangée de poids par sortie : $x' y'$ sorties.",
                          "One row of weights is needed per output: $x' y'$ outputs."),
})

_DOMAIN_1: Mapping[str, Domain] = {"x": "size", "y": "size", "z": "size", "k": "size", "s": "size", "p": "natural"}


# --- VGG16 (tp-cnn.6 and 7) ------------------------------------------------------------------

def _vgg16(k=3, fully_convolutional=True, classes=1000):
    """VGG16's layer specs; fc6–fc8 as 7×7, 1×1, 1×1 convolutions when `fully_convolutional`."""
    from solver.maths.architecture import Conv, Flatten, Linear
    from solver.maths.vgg import feature_specs

    layers = feature_specs(k)
    if fully_convolutional:
        layers += [Conv(4096, 7, name="fc6"), Conv(4096, 1, name="fc7"), Conv(classes, 1, name="fc8")]
    else:
        layers += [Flatten(name="flatten"), Linear(4096, name="fc6"), Linear(4096, name="fc7"),
                   Linear(classes, name="fc8")]
    return layers


VGG_KERNEL = Param("k", "int", 3, Text("côté des noyaux", "kernel side"), minimum=1, maximum=11)
VGG16 = Chain("tp-cnn.vgg16", ("k",), lambda rng: {"k": rng.choice((3, 5, 7))})


def statement_6(q) -> Text:
    n, k = q["n"], q["k"]
    return Text(
        "On remplace les couches entièrement connectées de VGG16 (réseau de la figure 2, prévu pour des images "
        f"224 × 224 × 3, convolutions ${k} \\times {k}$ de pas 1 qui gardent la taille) par des convolutions "
        "équivalentes : fc6 devient une convolution 7 × 7 à 4096 filtres, "
        f"fc7 et fc8 des convolutions 1 × 1. Peut-on alors calculer la sortie pour une image de taille "
        f"${n} \\times {n}$ ? "
        "Quelle est sa forme, et quel est son intérêt ?",
        "The fully connected layers of VGG16 (the network of figure 2, made for 224 × 224 × 3 images, with "
        f"${k} \\times {k}$ convolutions of stride 1 that keep the size) are replaced by equivalent convolutions: "
        "fc6 becomes a 7 × 7 convolution with 4096 filters, fc7 and fc8 "
        f"1 × 1 convolutions. Can the output then be computed for an image of size ${n} \\times {n}$? What is its "
        "shape, "
        "and what is it good for?")


def solve_6(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_shapes
    from solver.maths.architecture import trace

    n, k = q["n"], q["k"]
    rows = trace((3, n, n), _vgg16(k))
    at_224 = trace((3, 224, 224), _vgg16(k))[-1]
    out = rows[-1]
    fc6 = next(r.layer.kernel for r in rows if r.name == "fc6")
    steps = [
        _order_remark(),
        Step(Text(f"Les convolutions {k} × {k} de remplissage {(k - 1) // 2} gardent la taille, chaque pooling "
                  f"2 × 2 la divise par 2, puis fc6 ({fc6} × {fc6}, sans remplissage) retire {fc6 - 1} pixels :",
                  f"The {k} × {k} convolutions with padding {(k - 1) // 2} keep the size, each 2 × 2 pooling "
                  f"halves it, then fc6 ({fc6} × {fc6}, no padding) removes {fc6 - 1} pixels:")),
        *[s for r, s in zip(rows, explain_shapes(rows)) if not r.name.startswith("conv")],
        Step(Text("Sur une image 224 × 224, la même chaîne donne la sortie habituelle :",
                  "On a 224 × 224 image the same chain gives the usual output:"),
             sp.Eq(sp.Symbol("shape_224"), _hwc(at_224.shape))),
        _result(Step(Text(f"Sur l'image {n} × {n}, on obtient une carte de scores de classes (largeur × hauteur × "
                          "classes) :",
                          f"On the {n} × {n} image one gets a map of class scores (width × height × classes):"),
                     sp.Eq(sp.Symbol("shape_out"), _hwc(out.shape)))),
        Step(Text(f"Deux scores voisins correspondent à des fenêtres décalées de {out.jump} pixels (le produit des "
                  f"pas) ; chacun dépend d'une région de {out.rf} × {out.rf} pixels (champ récepteur).",
                  f"Two neighbouring scores correspond to windows {out.jump} pixels apart (the product of the "
                  f"strides); each depends on a {out.rf} × {out.rf} pixel region (receptive field)."),
             (sp.Eq(sp.Symbol("j_fc8"), out.jump), sp.Eq(sp.Symbol("r_fc8"), out.rf))),
    ]
    text = _text_6(out)
    return Solution(q, tuple(steps), {"output_shape": _hwc(out.shape), "text": text})


def _text_6(out) -> ModelAnswer:
    side = out.shape[1]
    return ModelAnswer(Text(
        f"Oui : toutes les couches sont des convolutions, qui s'appliquent à toute taille d'image. La sortie est "
        f"une carte {side} × {side} × 1000 : un vecteur de scores de classes pour chaque position d'une fenêtre "
        f"glissante (pas de {out.jump} pixels). On obtient en une seule passe, en partageant les calculs, la "
        "classification de toutes les fenêtres de l'image : utile pour localiser ou détecter les objets, ou "
        "pour une segmentation grossière (réseaux entièrement convolutifs).",
        f"Yes: every layer is a convolution, which applies to any image size. The output is a {side} × {side} × "
        "1000 map: one vector of class scores for each position of a sliding window (stride "
        f"{out.jump} pixels). One gets in a single pass, sharing the computations, the classification of every "
        "window of the image: useful to localise or detect objects, or for a coarse segmentation (fully "
        "convolutional networks)."),
        rubric=(Text("la sortie peut être calculée pour une image plus grande", "the output can be computed for a "
                     "larger image"),
                Text(f"forme {side} × {side} × 1000 : une carte de scores de classes",
                     f"shape {side} × {side} × 1000: a map of class scores"),
                Text(f"équivaut à faire glisser le classifieur sur l'image, pas de {out.jump} pixels",
                     f"equivalent to sliding the classifier over the image, stride {out.jump} pixels"),
                Text("calculs partagés entre fenêtres ; localisation, détection, segmentation",
                     "computations shared between windows; localisation, detection, segmentation")))


def validate_6(values) -> None:
    _validate_kernel(values)
    if values["n"] < 224:
        raise ParamError(Text("l'image doit mesurer au moins 224 pixels de côté",
                              "the image must be at least 224 pixels wide"))


def check_6(q, sol, checks) -> None:
    """Forward pass of torch's VGG16 (fc6–fc8 as convolutions) on the meta device: torch's own shape rules,
    without the cost of computing 15 GFLOPs."""
    import torch.nn as nn

    from solver.core.checks import torch_layer_outputs
    from solver.maths.vgg import torch_features

    layers = torch_features(3, q["k"], device="meta")
    layers += [nn.Conv2d(512, 4096, 7, device="meta"), nn.ReLU(), nn.Conv2d(4096, 4096, 1, device="meta"),
               nn.ReLU(), nn.Conv2d(4096, 1000, 1, device="meta")]
    (c, h, w), _ = torch_layer_outputs(layers, (3, q["n"], q["n"]), device="meta")[-1]
    checks.equal("output_shape", tuple(int(v) for v in sol.answers["output_shape"]), (h, w, c))


def _wrong_6(kind):
    def wrong(q):
        import sympy as sp

        from solver.maths.architecture import trace

        if kind == "same-as-224":
            return _hwc(trace((3, 224, 224), _vgg16(q["k"]))[-1].shape)
        pool5 = [r for r in trace((3, q["n"], q["n"]), _vgg16(q["k"])) if r.name == "pool5"][0]
        return sp.Tuple(pool5.shape[1], pool5.shape[2], 1000)
    return wrong


DIAGNOSES_6 = mistakes_of("output_shape", _wrong_6, {
    "same-as-224": Text("Sur une image plus grande, la convolution 7 × 7 de fc6 a plusieurs positions : la sortie est "
                        "une carte, pas un seul vecteur.",
                        "On a larger image fc6's 7 × 7 convolution has several positions: the output is a map, not a "
                        "single vector."),
    "fc6-keeps-size": Text("fc6 devenue convolution 7 × 7 sans remplissage retire 6 pixels à la carte de pool5.",
                           "fc6 as a 7 × 7 convolution without padding removes 6 pixels from pool5's map."),
})


def statement_7(q) -> Text:
    k = q["k"]
    return Text(
        f"Dans VGG16 (convolutions ${k} \\times {k}$ de pas 1, pooling 2 × 2), quel est le champ récepteur "
        "(côté de la région de l'image dont dépend un neurone) des neurones de la première et de la deuxième "
        "couche de convolution ? Que se passe-t-il pour les couches plus profondes, et comment l'interpréter ?",
        f"In VGG16 (${k} \\times {k}$ convolutions of stride 1, 2 × 2 pooling), what is the receptive field (side "
        "of the image region a neuron depends on) of the neurons of the first and second convolution layers? "
        "What happens for deeper layers, and how should it be interpreted?")


def solve_7(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_receptive_fields
    from solver.maths.architecture import Conv, trace

    rows = trace((3, 224, 224), _vgg16(q["k"], fully_convolutional=False))
    convs = [r for r in rows if isinstance(r.layer, Conv)]
    steps = [Step(Text("Récurrence : $r_0 = 1$, $j_0 = 1$, puis $r = r_{in} + (k - 1) j_{in}$ et "
                       "$j = j_{in} s$ à chaque couche.",
                       "Recursion: $r_0 = 1$, $j_0 = 1$, then $r = r_{in} + (k - 1) j_{in}$ and $j = j_{in} s$ at "
                       "each layer."))]
    steps += [_result(s) for s in explain_receptive_fields(rows[:2])]
    deeper = [(r.name, r.rf) for r in rows if r.name.startswith(("conv", "pool"))]
    steps.append(Step(Text("Plus loin, chaque pooling double le pas $j$ : le champ récepteur grandit de plus en "
                           "plus vite.",
                           "Further on, each pooling doubles the jump $j$: the receptive field grows faster and "
                           "faster."), tuple(sp.Eq(sp.Symbol(f"r_{n}"), v) for n, v in deeper[2:])))
    text = _text_7(deeper)
    answers = {"rf_conv1": _int(convs[0].rf), "rf_conv2": _int(convs[1].rf), "text": text}
    return Solution(q, tuple(steps), answers)


def _text_7(deeper) -> ModelAnswer:
    last = deeper[-1]
    return ModelAnswer(Text(
        f"Le champ récepteur grandit avec la profondeur : de $(k-1)$ pixels par convolution au début, puis de plus "
        f"en plus vite car chaque pooling double l'écart entre neurones voisins ; il atteint {last[1]} pixels à "
        f"{last[0]}, {_coverage(last[1])[0]}. Les premières couches voient de petits motifs locaux (bords, couleurs), "
        "les couches "
        "profondes des régions larges : elles codent des motifs plus grands et plus abstraits (textures, parties "
        "d'objets, objets).",
        f"The receptive field grows with depth: by $(k-1)$ pixels per convolution at first, then faster and "
        f"faster since each pooling doubles the distance between neighbouring neurons; it reaches {last[1]} "
        f"pixels at {last[0]}, {_coverage(last[1])[1]}. The first layers see small local patterns (edges, colours), "
        "deep layers large "
        "regions: they encode larger and more abstract patterns (textures, object parts, objects)."),
        rubric=(Text("le champ récepteur grandit avec la profondeur", "the receptive field grows with depth"),
                Text("le pooling accélère cette croissance (pas cumulé)", "pooling speeds this growth up (cumulated "
                     "stride)"),
                Text("couches profondes : motifs plus grands, plus abstraits, plus globaux",
                     "deep layers: larger, more abstract, more global patterns")))


def _coverage(rf: int, side: int = 224) -> tuple[str, str]:
    """How the deepest receptive field compares with the 224 × 224 input (French, English)."""
    if rf >= side:
        return ("plus que l'image entière", "more than the whole image")
    if rf >= side // 2:
        return (f"une grande partie de l'image {side} × {side}", f"a large part of the {side} × {side} image")
    return (f"une fraction de l'image {side} × {side}", f"a fraction of the {side} × {side} image")


def check_7(q, sol, checks) -> None:
    """Gradient support of a centre unit after one and after two convolutions."""
    import torch.nn as nn

    from solver.core.checks import gradient_support, support_sides

    k = q["k"]
    side = 4 * k + 5
    for depth, part in ((1, "rf_conv1"), (2, "rf_conv2")):
        layers: list[nn.Module] = [nn.Conv2d(1, 1, k, padding=(k - 1) // 2)]
        if depth == 2:
            layers += [nn.ReLU(), nn.Conv2d(1, 1, k, padding=(k - 1) // 2)]
        mask = gradient_support(nn.Sequential(*layers), (1, side, side), (0, side // 2, side // 2))
        checks.equal(part, (int(sol.answers[part]),) * 2, support_sides(mask))


DIAGNOSES_7 = (
    Diagnosis("pixel-only", "rf_conv1", lambda q: _int(1),
              Text("Un neurone de conv1 dépend de toute la fenêtre $k \\times k$ de son filtre.",
                   "A conv1 neuron depends on the whole $k \\times k$ window of its filter.")),
    mistake("area-instead-of-side", "rf_conv1", lambda q: _int(q["k"] ** 2),
              Text("Le champ récepteur se donne par son côté, pas par son nombre de pixels.",
                   "The receptive field is given by its side, not its number of pixels.")),
    mistake("sum-of-kernels", "rf_conv2", lambda q: _int(2 * q["k"])),
    mistake("area-instead-of-side", "rf_conv2", lambda q: _int((2 * q["k"] - 1) ** 2),
              Text("Le champ récepteur se donne par son côté, pas par son nombre de pixels.",
                   "The receptive field is given by its side, not its number of pixels.")),
    Diagnosis("kernel-product", "rf_conv2", lambda q: _int(q["k"] ** 2),
              Text("Les champs ne se multiplient pas : $r_2 = r_1 + (k - 1)$.",
                   "Fields do not multiply: $r_2 = r_1 + (k - 1)$.")),
)


# --- tp-cnn.8 and 9: padding and stride ------------------------------------------------------

def statement_8(q) -> Text:
    return Text(
        f"Pour des convolutions de noyau ${q.given('k')}$, on veut des sorties de mêmes dimensions spatiales que "
        "les entrées. Quel remplissage (par côté) et quel pas choisir ?",
        f"For convolutions with kernel ${q.given('k')}$, the outputs must keep the inputs' spatial dimensions. "
        "Which padding (per side) and which stride should be chosen?")


def solve_8(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import derive
    from solver.maths.layers import conv_output_size

    i, k, s = sp.symbols("i k s", integer=True, positive=True)
    p = sp.Symbol("p", integer=True, nonnegative=True)
    o = conv_output_size(i, k, s, p)
    o_s1 = sp.simplify(o.subs(s, 1))
    padding = sp.factor(sp.solve(sp.Eq(o_s1, i), p)[0])
    stride = sp.solve(sp.Eq(i / s, i), s)[0]
    bind = {} if q.is_symbolic("k") else {k: q["k"]}
    steps = (
        Step(Text("Taille de sortie d'une convolution :", "Output size of a convolution:"), sp.Eq(sp.Symbol("o"), o)),
        Step(Text("Pour de grandes entrées $o \\approx i/s$ : garder la taille impose $s = 1$.",
                  "For large inputs $o \\approx i/s$: keeping the size requires $s = 1$."),
             (sp.Eq(i / s, i), sp.Eq(s, stride)), kind="result"),
        Step(Text("Au pas 1, $o = i + 2p - k + 1$ ; on résout $o = i$.",
                  "At stride 1, $o = i + 2p - k + 1$; solve $o = i$."),
             (sp.Eq(o_s1, i), derive(p, padding, bind)), kind="result"),
        _practical_kernel_remark(q, padding.xreplace({k: _practical_k(q)})),
    )
    return Solution(q, steps, {"padding": padding.xreplace(bind), "stride": _int(stride)})


def _practical_k(q) -> int:
    """The kernel of the practical's network: this variant's, or the sheet's when k is left symbolic."""
    return _param_default("k") if q.is_symbolic("k") else q["k"]


def _practical_kernel_remark(q, padding) -> Step:
    k = _practical_k(q)
    return Step(Text(f"Il faut un noyau impair pour que $p$ soit entier (remplissage symétrique) ; pour le réseau "
                     f"du TP ($k = {k}$), $p = {padding}$.",
                     f"The kernel must be odd for $p$ to be an integer (symmetric padding); for the practical's "
                     f"network ($k = {k}$), $p = {padding}$."), kind="remark")


def check_8(q, sol, checks) -> None:
    import torch
    import torch.nn.functional as F

    kernels = (1, 3, 5, 7) if q.is_symbolic("k") else (q["k"],)
    k_sym = [s for s in sol.answers["padding"].free_symbols]
    for k in kernels:
        p = int(sol.answers["padding"].xreplace({s: k for s in k_sym}))
        keeping = [s for s in (1, 2, 3)
                   if all(F.conv2d(torch.zeros(1, 1, i, i), torch.zeros(1, 1, k, k), stride=s, padding=p).shape[-1]
                          == i for i in (k + 2, 2 * k + 5, 17))]
        checks.equal(f"strides keeping the size (k={k}, p={p})", keeping, [int(sol.answers["stride"])])


def _wrong_8(code):
    def wrong(q):
        import sympy as sp

        if code == "stride-equals-kernel":
            return None if q.is_symbolic("k") or q["k"] == 1 else _int(q["k"])
        k = sp.Symbol("k", integer=True, positive=True) if q.is_symbolic("k") else sp.Integer(q["k"])
        return {"total-padding": k - 1, "half-kernel": k / 2, "stride-two": sp.Integer(2)}[code]
    return wrong


DIAGNOSES_8 = mistakes_of("padding", _wrong_8, {
    "total-padding": Text("$k - 1$ est le remplissage total ; par côté il en faut la moitié.",
                          "$k - 1$ is the total padding; per side it takes half of it."),
    "half-kernel": Text("Au pas 1, $o = i + 2p - k + 1$ : $p = (k - 1)/2$, pas $k/2$.",
                        "At stride 1, $o = i + 2p - k + 1$: $p = (k - 1)/2$, not $k/2$."),
}) + mistakes_of("stride", _wrong_8, {
    "stride-equals-kernel":
        Text("Un pas égal au noyau divise la taille par $k$.", "A stride equal to the kernel divides the size "
             "by $k$."),
    "stride-two": Text("Un pas de 2 divise la taille par 2.", "A stride of 2 halves the size."),
})


def statement_9(q) -> Text:
    f = q["f"]
    return Text(
        f"Pour les max-poolings ${f} \\times {f}$, on veut diviser les dimensions spatiales par ${f}$. Quel "
        "remplissage et quel pas choisir ?",
        f"For the ${f} \\times {f}$ max-poolings, the spatial dimensions must be divided by ${f}$. Which padding "
        "and which stride should be chosen?")


def solve_9(q) -> Solution:
    import sympy as sp

    from solver.maths.layers import conv_output_size

    f = q["f"]
    i, m, s = sp.symbols("i m s", integer=True, positive=True)
    p = sp.Symbol("p", integer=True, nonnegative=True)
    o = conv_output_size(i, f, s, p)
    stride = sp.solve(sp.Eq(i / s, i / f), s)[0]
    o_m = sp.simplify(o.subs({s: stride, i: f * m}))
    allowed = [v for v in range(0, f) if sp.simplify(o_m.subs(p, v) - m) == 0]
    padding = min(allowed)
    steps: tuple[Step, ...] = (
        Step(Text("Un pooling se compte comme une convolution de noyau $f$ :",
                  "A pooling counts like a convolution of kernel $f$:"), sp.Eq(sp.Symbol("o"), o)),
        Step(Text("Pour de grandes entrées $o \\approx i/s$ : diviser par $f$ impose $s = f$.",
                  "For large inputs $o \\approx i/s$: dividing by $f$ requires $s = f$."),
             (sp.Eq(i / s, i / f), sp.Eq(s, stride)), kind="result"),
        Step(Text("Avec $s = f$ et $i = f m$, la sortie vaut $m$ seulement si $\\lfloor 2p/f \\rfloor = 0$ ; le "
                  "plus petit remplissage (les fenêtres pavent exactement l'entrée) est :",
                  "With $s = f$ and $i = f m$, the output is $m$ only if $\\lfloor 2p/f \\rfloor = 0$; the "
                  "smallest padding (the windows tile the input exactly) is:"),
             (sp.Eq(sp.Symbol("o"), o_m), sp.Eq(p, padding)), kind="result"),
    )
    if len(allowed) > 1:
        steps += (Step(Text(f"Pour $f = {f}$, $p$ jusqu'à {max(allowed)} donnerait aussi $i/f$ quand $f$ divise $i$, "
                            "mais des fenêtres déborderaient sur le remplissage : $p = 0$ est le choix naturel.",
                            f"For $f = {f}$, $p$ up to {max(allowed)} would also give $i/f$ when $f$ divides $i$, "
                            "but windows would overlap the padding: $p = 0$ is the natural choice."),
                       kind="remark"),)
    return Solution(q, steps, {"padding": _int(padding), "stride": _int(stride)})


def check_9(q, sol, checks) -> None:
    """torch's max_pool2d(f, stride, padding) halves sizes and equals the block-wise maximum."""
    import torch
    import torch.nn.functional as F

    f, p, s = q["f"], int(sol.answers["padding"]), int(sol.answers["stride"])
    g = torch.Generator().manual_seed(1)
    for m in (3, 4, 7):
        x = torch.randn(1, 2, f * m, f * m, generator=g, dtype=torch.float64)
        y = F.max_pool2d(x, f, stride=s, padding=p)
        blocks = x.reshape(1, 2, m, f, m, f).amax(dim=(3, 5))
        checks.close(f"max_pool2d = block max (side {f * m})", y, blocks)
    halving = [st for st in range(1, f + 2)
               if all(F.max_pool2d(torch.zeros(1, 1, f * m, f * m), f, stride=st).shape[-1] == m for m in (3, 5, 8))]
    checks.equal("strides dividing by f", halving, [s])


def _inverse_stride(q):
    import sympy as sp

    return sp.Rational(1, q["f"])


DIAGNOSES_9 = (
    Diagnosis("padding-one", "padding", lambda q: _int(1),
              Text("Les fenêtres $f \\times f$ de pas $f$ pavent déjà l'entrée : un remplissage ajoute des fenêtres "
                   "qui débordent sur les zéros (pour $f = 2$, une case de plus : $i/f + 1$).",
                   "The $f \\times f$ windows of stride $f$ already tile the input: a padding adds windows that "
                   "overlap the zeros (for $f = 2$, one more cell: $i/f + 1$).")),
    Diagnosis("padding-kernel", "padding", lambda q: _int(q["f"]),
              Text("Aucun remplissage n'est nécessaire : les fenêtres pavent l'entrée.",
                   "No padding is needed: the windows tile the input.")),
    Diagnosis("stride-one", "stride", lambda q: _int(1),
              Text("Au pas 1, le pooling ne retire que $f - 1$ pixels ; il faut $s = f$.",
                   "At stride 1 the pooling removes only $f - 1$ pixels; $s = f$ is needed.")),
    Diagnosis("stride-inverse", "stride", _inverse_stride,
              Text("Un pas $1/f$ agrandirait (convolution transposée) ; pour réduire d'un facteur $f$, pas $f$.",
                   "A stride $1/f$ would enlarge (transposed convolution); to reduce by a factor $f$, stride $f$.")),
)


# --- tp-cnn.10 and 11: the practical's CIFAR-10 network --------------------------------------

LAYERS_10 = ("conv1", "pool1", "conv2", "pool2", "conv3", "pool3", "fc4", "fc5")


def _net_10(q, padding=None, bias=True, pool_stride=None):
    from solver.maths.architecture import Conv, Flatten, Linear, Pool

    k = q["k"]
    pad = (k - 1) // 2 if padding is None else padding
    layers = []
    for n, c in enumerate((q["c1"], q["c2"], q["c3"]), 1):
        layers += [Conv(c, k, 1, pad, bias=bias, name=f"conv{n}"), Pool(q["f"], pool_stride, name=f"pool{n}")]
    return layers + [Flatten(name="flatten"), Linear(q["hidden"], bias, "fc4"), Linear(q["classes"], bias, "fc5")]


def _rows_10(q, **changes) -> dict:
    from solver.maths.architecture import trace

    return {r.name: r for r in trace((q["c"], q["n"], q["n"]), _net_10(q, **changes))}


def _part_value(rows, part):
    name, field = part.split(".")
    return _hwc(rows[name].shape) if field == "shape" else _int(rows[name].params)


def _follows_10(name: str, field: str) -> tuple[str, ...]:
    """The earlier part a part of tp-cnn.10 is computed from: the shape of the layer before (for a
    convolution's or pooling's shape, and for the weights of a layer that depend on its input)."""
    index = LAYERS_10.index(name)
    if index == 0 or (field == "shape" and name.startswith("fc")) or (field == "params" and name.startswith("pool")):
        return ()
    return (f"{LAYERS_10[index - 1]}.shape",)


def _layout_10(name: str, field: str) -> str | None:
    """The practical writes maps x × y × depth, channels last ("HWC": its maps are square, so the order
    of x and y never shows); a dense layer's output is a vector."""
    if field != "shape":
        return None
    return "C" if name.startswith("fc") else "HWC"


def follow_10(q, part: str, earlier) -> object:
    """A part of tp-cnn.10 traced from the student's shape of the layer before (written x × y × z)."""
    from solver.maths.architecture import channels_first, trace_between

    name = part.split(".")[0]
    (source,) = earlier
    row = trace_between(_net_10(q), source.split(".")[0], name, channels_first(earlier[source]))
    return _part_value({name: row}, part)


def _setting_10(q) -> Text:
    n, c, k, f = q["n"], q["c"], q["k"], q["f"]
    arch = (f"conv1 {q['c1']}@{k}×{k} → maxpool {f}×{f} → conv2 {q['c2']}@{k}×{k} → maxpool {f}×{f} → conv3 "
            f"{q['c3']}@{k}×{k} → maxpool {f}×{f} → fc4 {q['hidden']} → fc5 {q['classes']}")
    return Text(
        f"Réseau du TP pour des images ${n} \\times {n} \\times {c}$ : {arch} (ReLU entre les couches). Les "
        "convolutions gardent la taille spatiale (pas 1, remplissage $(k-1)/2$), les poolings la divisent par "
        f"{f} (pas {f}, sans remplissage). ",
        f"The practical's network for ${n} \\times {n} \\times {c}$ images: {arch} (ReLU between layers). "
        f"Convolutions keep the spatial size (stride 1, padding $(k-1)/2$), poolings divide it by {f} (stride {f}, "
        "no padding). ")


def statement_10(q) -> Text:
    return _setting_10(q) + Text(
        "Pour chaque couche, donner la taille de sortie (largeur × hauteur × profondeur) et le nombre de poids "
        "à apprendre. Commenter leur répartition.",
        "For each layer, give the output size (width × height × depth) and the number of weights to learn. "
        "Comment on how they are distributed.")


def solve_10(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params, explain_shapes
    from solver.maths.architecture import total_params

    rows = _rows_10(q)
    traced = list(rows.values())
    total = total_params(traced)
    share = sp.Rational(rows["fc4"].params, total)
    convs = sp.Rational(sum(rows[n].params for n in ("conv1", "conv2", "conv3")), total)
    steps = [
        _order_remark(),
        *explain_shapes(traced),
        *explain_params(traced),
        _result(Step(Text("Tailles de sortie dans l'ordre du TP (largeur × hauteur × profondeur) :",
                          "Output sizes in the practical's order (width × height × depth):"),
                     tuple(sp.Eq(sp.Symbol(f"shape_{n}"), _hwc(rows[n].shape)) for n in LAYERS_10))),
        Step(Text(f"Répartition : les poolings n'ont aucun poids ; fc4 en porte à elle seule "
                  f"{numeral(100 * share, 1).fr} % (elle relie chaque valeur de la carte aplatie à chacun de ses "
                  f"neurones), les convolutions, qui partagent leurs poids, {numeral(100 * convs, 1).fr} %.",
                  f"Distribution: poolings have no weights; fc4 alone holds {numeral(100 * share, 1).en}% of them (it "
                  "links every value of the flattened map to each of its neurons), the convolutions, which "
                  f"share their weights, {numeral(100 * convs, 1).en}%."),
             sp.Eq(sp.Symbol("P_fc4") / sp.Symbol("P_total"), sp.Float(share, 4)), kind="remark"),
    ]
    answers = {f"{n}.{f}": _part_value(rows, f"{n}.{f}") for n in LAYERS_10 for f in ("shape", "params")}
    return Solution(q, tuple(steps), answers)


def _torch_10(q):
    import torch.nn as nn

    k, p = q["k"], (q["k"] - 1) // 2
    c, out = q["c"], []
    for _n, cn in enumerate((q["c1"], q["c2"], q["c3"]), 1):
        out += [nn.Conv2d(c, cn, k, padding=p), nn.ReLU(), nn.MaxPool2d(q["f"], q["f"])]
        c = cn
    side = q["n"] // q["f"] // q["f"] // q["f"]
    out += [nn.Flatten(), nn.Linear(c * side * side, q["hidden"]), nn.ReLU(), nn.Linear(q["hidden"], q["classes"])]
    return out


def _torch_rows_10(q) -> dict:
    """Layer name → (output shape channel-first, numel) from a real forward pass on zeros."""
    from solver.core.checks import torch_layer_outputs

    outs = torch_layer_outputs(_torch_10(q), (q["c"], q["n"], q["n"]))
    keep = {0: "conv1", 2: "pool1", 3: "conv2", 5: "pool2", 6: "conv3", 8: "pool3", 10: "fc4", 12: "fc5"}
    return {name: outs[i] for i, name in keep.items()}


def check_10(q, sol, checks) -> None:
    for name, (shape, numel) in _torch_rows_10(q).items():
        hwc = shape[1:] + shape[:1] if len(shape) == 3 else shape
        checks.equal(f"{name}.shape", tuple(int(v) for v in sol.answers[f"{name}.shape"]), hwc)
        checks.equal(f"{name}.params", int(sol.answers[f"{name}.params"]), numel)


def _wrong_10(part, **changes):
    def wrong(q):
        try:
            rows = _rows_10(q, **changes)
        except ValueError:
            return None
        row = rows[part.split(".")[0]]
        if any(isinstance(v, int) and v < 1 for v in row.in_shape + row.shape):
            return None
        value, right = _part_value(rows, part), _part_value(_rows_10(q), part)
        return None if value == right else value
    return wrong


def _wrong_10_custom(part, kind):
    def wrong(q):
        import sympy as sp

        rows = _rows_10(q)
        name = part.split(".")[0]
        row = rows[name]
        c_in = row.in_shape[0]
        if kind == "missing-in-channels":
            return _int(row.layer.out_channels * (q["k"] ** 2 + 1))
        if kind == "channels-from-input":
            return None if c_in == row.shape[0] else sp.Tuple(row.shape[1], row.shape[2], c_in)
        if kind == "pool-kernel-weights":
            return _int(q["f"] ** 2 * c_in)
        if kind == "pool-with-bias":
            return _int(c_in)
        if kind == "flatten-size":
            return sp.Tuple(row.in_shape[0])
        if kind == "channels-only":
            return _int(row.layer.out_features * (q["c3"] + 1))
        return None
    return wrong


_FB = {
    "no-padding": Text("Les convolutions gardent la taille (remplissage $(k-1)/2$) : seule le pooling la divise.",
                       "The convolutions keep the size (padding $(k-1)/2$): only pooling divides it."),
    "pool-stride-one": Text("Le pooling $f \\times f$ a un pas de $f$ : il divise la taille par $f$.",
                            "The $f \\times f$ pooling has stride $f$: it divides the size by $f$."),
    "channels-from-input": Text("La profondeur de sortie est le nombre de filtres de la couche.",
                                "The output depth is the layer's number of filters."),
    "pool-with-bias": Text("Un max-pooling n'a pas de biais : aucun paramètre.",
                           "A max-pooling has no bias: no parameter."),
    "flatten-size": Text("C'est la taille de l'entrée de la couche ; sa sortie a un élément par neurone.",
                         "That is the layer's input size; its output has one element per neuron."),
    "channels-only": Text("fc4 reçoit toute la carte aplatie (largeur × hauteur × profondeur), pas seulement "
                          "ses canaux.",
                          "fc4 receives the whole flattened map (width × height × depth), not only its channels."),
}


def _diagnoses_10():
    out = []
    for name in LAYERS_10:
        shape, params = f"{name}.shape", f"{name}.params"
        if name.startswith(("conv", "pool")):
            out.append(mistake("no-padding", shape, _wrong_10(shape, padding=0), _FB["no-padding"]))
            out.append(mistake("pool-stride-one", shape, _wrong_10(shape, pool_stride=1), _FB["pool-stride-one"]))
        if name.startswith("conv"):
            out.append(Diagnosis("channels-from-input", shape, _wrong_10_custom(shape, "channels-from-input"),
                                 _FB["channels-from-input"]))
            out.append(mistake("missing-bias", params, _wrong_10(params, bias=False)))
            out.append(mistake("missing-in-channels", params, _wrong_10_custom(params, "missing-in-channels")))
        if name.startswith("pool"):
            out.append(mistake("pool-kernel-weights", params, _wrong_10_custom(params, "pool-kernel-weights")))
            out.append(Diagnosis("pool-with-bias", params, _wrong_10_custom(params, "pool-with-bias"),
                                 _FB["pool-with-bias"]))
        if name.startswith("fc"):
            out.append(Diagnosis("flatten-size", shape, _wrong_10_custom(shape, "flatten-size"), _FB["flatten-size"]))
            out.append(mistake("missing-bias", params, _wrong_10(params, bias=False)))
            out.append(mistake("no-padding", params, _wrong_10(params, padding=0), _FB["no-padding"]))
            if name == "fc4":
                out.append(Diagnosis("channels-only", params, _wrong_10_custom(params, "channels-only"),
                                     _FB["channels-only"]))
    return tuple(out)


def validate_10(values) -> None:
    _validate_kernel(values)
    f = values["f"]
    if values["n"] < f ** 3:
        raise ParamError(Text(f"l'image doit mesurer au moins {f ** 3} pixels (trois poolings {f}×{f})",
                              f"the image must be at least {f ** 3} pixels wide (three {f}×{f} poolings)"))


def _validate_kernel(values) -> None:
    """An odd kernel, when one is given (tp-cnn.6–8 have no image of the practical's network)."""
    if values["k"] is not SYMBOLIC and values["k"] % 2 == 0:
        raise ParamError(Text("le noyau doit être impair pour garder la taille", "the kernel must be odd to keep "
                              "the size"))


def draw_network(rng) -> dict:
    """The practical's network of a variant (shared by tp-cnn.8–11): the image side fits three poolings."""
    f = rng.choice((2, 2, 2, 3))
    multiples = (2, 3, 4, 4, 6, 8) if f == 2 else (1, 2, 3)
    return {"f": f, "n": f ** 3 * rng.choice(multiples), "c": rng.choice((1, 3, 3)), "c1": rng.choice((16, 32, 64)),
            "c2": rng.choice((32, 64, 128)), "c3": rng.choice((32, 64, 128)), "k": rng.choice((3, 5, 5, 7)),
            "hidden": rng.choice((256, 512, 1000)), "classes": rng.choice((10, 10, 100))}


def _params_10(train=False) -> tuple[Param, ...]:
    out: tuple[Param, ...] = (
        Param("n", "int", 32, Text("côté des images", "image side"), minimum=1, maximum=1024),
        Param("c", "int", 3, Text("canaux des images", "image channels"), minimum=1, maximum=64),
        Param("c1", "int", 32, Text("filtres de conv1", "conv1 filters"), minimum=1, maximum=4096),
        Param("c2", "int", 64, Text("filtres de conv2", "conv2 filters"), minimum=1, maximum=4096),
        Param("c3", "int", 64, Text("filtres de conv3", "conv3 filters"), minimum=1, maximum=4096),
        Param("k", "int", 5, Text("côté des noyaux", "kernel side"), minimum=1, maximum=15),
        Param("f", "int", 2, Text("fenêtre et pas des max-poolings", "window and stride of the max poolings"),
              minimum=2, maximum=8),
        Param("hidden", "int", 1000, Text("neurones de fc4", "fc4 neurons"), minimum=1, maximum=100000),
        Param("classes", "int", 10, Text("classes", "classes"), minimum=1, maximum=100000),
    )
    if train:
        out += (Param("train", "int", 50000, Text("images d'apprentissage", "training images"), minimum=1,
                      maximum=10 ** 9),)
    return out


def _param_default(name: str):
    return next(p.default for p in _params_10() if p.name == name)


NETWORK = Chain("tp-cnn.network", tuple(p.name for p in _params_10()), draw_network)


def _draw_train(rng, shared) -> dict:
    return {"train": rng.choice((10000, 50000, 60000))}


def statement_11(q) -> Text:
    n = numeral(q["train"])
    return _setting_10(q) + Text(
        f"Quel est le nombre total de poids à apprendre ? Le comparer aux {n.fr} images d'apprentissage.",
        f"What is the total number of weights to learn? Compare it with the {n.en} training images.")


def _comparison_11(ratio) -> Text:
    """How the parameter count compares with the number of examples, by the size of the ratio."""
    if ratio >= 5:
        return Text("bien plus de paramètres que d'exemples", "far more parameters than examples")
    if ratio >= 1:
        return Text("plus de paramètres que d'exemples", "more parameters than examples")
    return Text("moins de paramètres que d'exemples, mais du même ordre de grandeur",
                "fewer parameters than examples, but of the same order of magnitude")


def solve_11(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params
    from solver.maths.architecture import total_params

    rows = list(_rows_10(q).values())
    total = _int(total_params(rows))
    ratio = sp.Rational(total, q["train"])
    share = sp.Rational(_rows_10(q)["fc4"].params, total)
    steps = (
        *explain_params(rows),
        Step(Text("Rapport au nombre d'images d'apprentissage :", "Ratio to the number of training images:"),
             sp.Eq(sp.Symbol("P_total") / sp.Symbol("N_train"), sp.Float(ratio, 4)), kind="result"),
    )
    n, per, pct, versus = numeral(total), numeral(ratio, 1), numeral(100 * share, 0), _comparison_11(ratio)
    train = numeral(q["train"])
    text = ModelAnswer(Text(
        f"Le réseau a {n.fr} paramètres, dont {pct.fr} % dans fc4, soit environ {per.fr} par image "
        f"d'apprentissage ({train.fr} images) : {versus.fr}. Il a de quoi apprendre les exemples par cœur : "
        "risque fort de sur-apprentissage, d'où le besoin de régularisation, d'augmentation de données, de "
        "dropout ou d'arrêt précoce.",
        f"The network has {n.en} parameters, {pct.en}% of them in fc4, about {per.en} per training image "
        f"({train.en} images): {versus.en}. It has enough capacity to learn the examples by heart: a strong risk "
        "of overfitting, hence the need for regularisation, data augmentation, dropout or early stopping."),
        rubric=(Text("total exact et comparaison chiffrée au nombre d'exemples",
                     "exact total and a numerical comparison with the number of examples"),
                Text("risque de sur-apprentissage", "risk of overfitting"),
                Text("remèdes : régularisation, augmentation de données, dropout", "remedies: regularisation, data "
                     "augmentation, dropout"),
                _largest_layer(rows, total)))
    return Solution(q, steps, {"total": total, "text": text})


def _largest_layer(rows, total) -> Text:
    """Rubric point: which layer holds the most parameters (fc4 on the sheet's network)."""
    big = max(rows, key=lambda r: r.params)
    if 2 * big.params > total:
        return Text(f"l'essentiel des paramètres est dans {big.name}", f"most parameters are in {big.name}")
    return Text(f"la plus grande part des paramètres est dans {big.name}", f"the largest share of parameters is in "
                f"{big.name}")


def follow_11(q, part: str, earlier):
    """The total from the student's own per-layer counts of tp-cnn.10."""
    import sympy as sp

    return sp.Integer(sum(int(v) for v in earlier.values())) if part == "total" else None


def check_11(q, sol, checks) -> None:
    numel = sum(n for _, n in _torch_rows_10(q).values())
    checks.equal("total = sum(numel)", int(sol.answers["total"]), numel)


def _total_wrong(**changes):
    def wrong(q):
        from solver.maths.architecture import total_params

        try:
            rows = _rows_10(q, **changes)
        except ValueError:
            return None
        if any(isinstance(v, int) and v < 1 for r in rows.values() for v in r.shape):
            return None
        return _int(total_params(list(rows.values())))
    return wrong


def _conv_only_total(q):
    rows = _rows_10(q)
    return _int(sum(rows[n].params for n in ("conv1", "conv2", "conv3")))


DIAGNOSES_11 = (
    mistake("missing-bias", "total", _total_wrong(bias=False)),
    mistake("no-padding", "total", _total_wrong(padding=0), _FB["no-padding"]),
    Diagnosis("conv-only", "total", _conv_only_total,
              Text("Les couches entièrement connectées ont aussi des poids (et ce sont les plus nombreux).",
                   "The fully connected layers have weights too (and they are the most numerous).")),
)


EXERCISES = (
    Exercise(id="tp-cnn.1", sheet=SHEET,
             title=Text("Un filtre de convolution : taille et poids", "One convolution filter: size and weights"),
             statement=statement_1, solve=solve_1, check=check_1, draw=draw_1, validate=validate_1,
             diagnoses=DIAGNOSES_1,
             params=tuple(Param(n, "int", SYMBOLIC, doc, minimum=0 if n == "p" else 1, symbolic_ok=True,
                                assume="natural" if n == "p" else "size")
                          for n, doc in zip(NAMES_1, (
                              Text("largeur de l'entrée", "input width"), Text("hauteur de l'entrée", "input height"),
                              Text("profondeur de l'entrée", "input depth"), Text("côté du noyau", "kernel side"),
                              Text("remplissage par côté", "padding per side"), Text("pas", "stride")))),
             parts=(Part("output_shape", "shape", Text("taille de sortie (x', y', profondeur)",
                                                       "output size (x', y', depth)"), domain=_DOMAIN_1,
                         layout="HWC"),
                    Part("weights", "expr", Text("poids à apprendre (biais compris)",
                                                 "weights to learn (bias included)"), domain=_DOMAIN_1),
                    Part("fc_weights", "expr", Text("poids d'une couche dense équivalente (biais compris)",
                                                    "weights of an equivalent dense layer (biases included)"),
                         domain=_DOMAIN_1))),
    Exercise(id="tp-cnn.6", sheet=SHEET,
             title=Text("VGG16 entièrement convolutif sur une grande image",
                        "Fully convolutional VGG16 on a large image"),
             statement=statement_6, solve=solve_6, check=check_6, validate=validate_6, diagnoses=DIAGNOSES_6,
             params=(Param("n", "int", 384, Text("côté de l'image", "image side"), minimum=224, maximum=2048,
                           draw=lambda rng: rng.choice((256, 320, 384, 448, 512, 480, 300, 600))), VGG_KERNEL),
             chain=VGG16,
             parts=(Part("output_shape", "shape", Text("forme de la sortie (largeur, hauteur, classes)",
                                                       "output shape (width, height, classes)"),
                         layout="HWC"),
                    Part("text", "text", Text("intérêt", "interest")))),
    Exercise(id="tp-cnn.7", sheet=SHEET,
             title=Text("Champs récepteurs de VGG16", "Receptive fields of VGG16"),
             statement=statement_7, solve=solve_7, check=check_7, diagnoses=DIAGNOSES_7,
             validate=_validate_kernel, params=(VGG_KERNEL,), chain=VGG16,
             parts=(Part("rf_conv1", "int", Text("champ récepteur de conv1", "receptive field of conv1")),
                    Part("rf_conv2", "int", Text("champ récepteur de conv2", "receptive field of conv2")),
                    Part("text", "text", Text("couches profondes", "deeper layers")))),
    Exercise(id="tp-cnn.8", sheet=SHEET,
             title=Text("Remplissage et pas qui gardent la taille", "Padding and stride that keep the size"),
             statement=statement_8, solve=solve_8, check=check_8, diagnoses=DIAGNOSES_8,
             validate=_validate_kernel, chain=NETWORK,
             params=(Param("k", "int", SYMBOLIC, Text("côté du noyau", "kernel side"), minimum=1, maximum=15,
                           symbolic_ok=True),),
             parts=(Part("padding", "expr", Text("remplissage par côté", "padding per side"), domain={"k": "odd"}),
                    Part("stride", "int", Text("pas", "stride")))),
    Exercise(id="tp-cnn.9", sheet=SHEET,
             title=Text("Remplissage et pas d'un pooling qui divise la taille",
                        "Padding and stride of a pooling that divides the size"),
             statement=statement_9, solve=solve_9, check=check_9, diagnoses=DIAGNOSES_9, chain=NETWORK,
             params=(Param("f", "int", 2, Text("facteur de réduction (fenêtre f × f)", "reduction factor (f × f "
                                                                                      "window)"),
                           minimum=2, maximum=8),),
             parts=(Part("padding", "int", Text("remplissage", "padding")),
                    Part("stride", "int", Text("pas", "stride")))),
    Exercise(id="tp-cnn.10", sheet=SHEET,
             title=Text("Tailles et poids du réseau du TP", "Sizes and weights of the practical's network"),
             statement=statement_10, solve=solve_10, check=check_10, follow=follow_10, chain=NETWORK, validate=validate_10,
             diagnoses=_diagnoses_10(), params=_params_10(),
             parts=tuple(Part(f"{n}.{f}", "shape" if f == "shape" else "int",
                              Text(f"{'taille de sortie' if f == 'shape' else 'poids'} de {n}",
                                   f"{'output size' if f == 'shape' else 'weights'} of {n}"),
                              follows=_follows_10(n, f), layout=_layout_10(n, f))
                         for n in LAYERS_10 for f in ("shape", "params"))),
    Exercise(id="tp-cnn.11", sheet=SHEET,
             title=Text("Nombre total de poids et nombre d'exemples", "Total number of weights and number of examples"),
             statement=statement_11, solve=solve_11, check=check_11, chain=NETWORK, draw=_draw_train,
             validate=validate_10, follow=follow_11,
             diagnoses=DIAGNOSES_11, params=_params_10(train=True),
             parts=(Part("total", "int", Text("nombre total de poids", "total number of weights"),
                         follows=tuple(f"tp-cnn.10/{n}.params" for n in LAYERS_10)),
                    Part("text", "text", Text("comparaison", "comparison")))),
)
