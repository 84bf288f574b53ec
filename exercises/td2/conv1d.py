"""td2.VI — 1D convolutions on sensor sequences: sizes, parameters, output layer, overfitting, conv2d.

The sheet writes a sequence as a matrix T×d (T time steps, d values per step) and calls the
output of a Conv1D "a sequence of vectors": shapes here are given in that order,
(length, channels). torch's `Conv1d` works on (channels, length): the traced rows
(`solver.maths.architecture.trace`, channel-first) are turned round before being shown.
"""

from __future__ import annotations

from solver.core.errors import ParamError
from solver.core.exercise import Chain, Diagnosis, Exercise, ModelAnswer, Part, Solution, Step
from solver.core.params import Param
from solver.core.text import Text
from solver.derive.mistakes import mistake

SHEET = "td2"


def _conv_layers(q, bias=True, stride=None):
    """The two Conv1D layers of the sheet (optionally changed, for mal-rules)."""
    from solver.maths.architecture import Conv

    s = q["s"] if stride is None else stride
    return [Conv(q["f"], q["K"], s, 0, bias=bias, dims=1, name=f"conv{n}") for n in (1, 2)]


def _network(q, bias=True, stride=None, dense=True):
    """conv1 → conv2 → flatten (→ dense) as layer specifications."""
    from solver.maths.architecture import Flatten, Linear

    layers = _conv_layers(q, bias, stride) + [Flatten(name="flatten")]
    if dense:
        layers.append(Linear(q["h"], bias=bias, name="dense"))
    return layers


def _rows(q, bias=True, stride=None, dense=True):
    """Trace conv1 → conv2 → flatten (→ dense) from the input (d, T), channel-first."""
    from solver.maths.architecture import trace

    return {r.name: r for r in trace((q["d"], q["T"]), _network(q, bias, stride, dense))}


def follow(q, part: str, earlier):
    """A part traced from the student's shape (length, channels) of the layer before: conv2 and the
    flatten from VI.1's earlier shapes, the dense layer's parameters (VI.2) from VI.1's flatten."""
    import sympy as sp

    from solver.maths.architecture import trace_between

    name, field = part.split(".")
    (source,) = earlier
    shape = tuple(int(v) for v in earlier[source])[::-1]  # the sheet's (length, channels) → (channels, length)
    layer = source.rpartition("/")[2].split(".")[0]  # "conv1.shape" or "td2.VI.1/flatten.shape": its layer
    row = trace_between(_network(q), layer, name, shape)
    return _seq(row.shape) if field == "shape" else sp.Integer(row.params)


def _seq(shape):
    """(channels, length) → (length, channels), the sheet's order; flat shapes unchanged."""
    import sympy as sp

    return sp.Tuple(*(shape[::-1] if len(shape) == 2 else shape))


def _lengths(q) -> tuple[int, int]:
    first = (q["T"] - q["K"]) // q["s"] + 1
    return first, (first - q["K"]) // q["s"] + 1


# --- statements ------------------------------------------------------------------------------

def _setting(q) -> Text:
    return Text(
        f"Des séquences de ${q['T']}$ pas de temps, chacun formé de ${q['d']}$ mesures de capteurs "
        f"(une entrée $x \\in \\mathbb{{R}}^{{{q['T']} \\times {q['d']}}}$), doivent être classées en deux "
        f"classes étiquetées $-1$ et $1$. Le réseau commence par deux couches Conv1D de ${q['f']}$ filtres "
        f"de longueur ${q['K']}$, avec biais, sans remplissage, de pas ${q['s']}$, suivies d'un Flatten, "
        f"puis d'une couche dense de ${q['h']}$ neurones (ReLU). ",
        f"Sequences of ${q['T']}$ time steps, each made of ${q['d']}$ sensor readings (an input "
        f"$x \\in \\mathbb{{R}}^{{{q['T']} \\times {q['d']}}}$), are to be classified into two classes "
        f"labelled $-1$ and $1$. The network starts with two Conv1D layers of ${q['f']}$ filters of length "
        f"${q['K']}$, with bias, no padding and stride ${q['s']}$, followed by a Flatten layer, then a dense "
        f"layer of ${q['h']}$ neurons (ReLU). ")


def statement_1(q) -> Text:
    return _setting(q) + Text(
        "Combien de paramètres ont les deux couches Conv1D ? Quelle est la forme (longueur, canaux) de la "
        "sortie de chacune, et celle de la sortie du Flatten ?",
        "How many parameters do the two Conv1D layers have? What is the shape (length, channels) of each "
        "one's output, and that of the Flatten output?")


def statement_2(q) -> Text:
    return _setting(q) + Text("Combien de paramètres a la couche dense ?",
                              "How many parameters does the dense layer have?")


# --- td2.VI.1 and VI.2 ------------------------------------------------------------------------

def _conv_steps(rows) -> list:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params, explain_shapes

    traced = [rows[n] for n in ("conv1", "conv2", "flatten")]
    in_sheet_order = tuple(sp.Eq(sp.Symbol(f"shape_{r.name}"), _seq(r.shape)) for r in traced)
    return [
        Step(Text(
            "Convention : la feuille écrit une séquence $T \\times d$ (longueur, canaux) ; les réponses sont "
            "données dans cet ordre. Les calculs ci-dessous suivent `torch.nn.Conv1d`, qui range les "
            "séquences en (canaux, longueur) : la forme torch est la transposée de la réponse.",
            "Convention: the sheet writes a sequence as $T \\times d$ (length, channels); answers are given in "
            "that order. The computations below follow `torch.nn.Conv1d`, which stores sequences as "
            "(channels, length): torch's shape is the transpose of the answer."), kind="remark"),
        Step(Text("Un filtre Conv1D couvre une fenêtre de $k$ pas de temps sur tous les canaux d'entrée.",
                  "A Conv1D filter covers a window of $k$ time steps over all input channels.")),
        *explain_params(traced, total=False),
        Step(Text("Sans remplissage, la fenêtre avance de $s$ pas tant qu'elle reste dans la séquence ; "
                  "chaque filtre donne un canal de sortie.",
                  "Without padding, the window moves by $s$ steps as long as it stays inside the sequence; "
                  "each filter gives one output channel.")),
        *explain_shapes(traced),
        Step(Text("Les formes dans l'ordre de la feuille (longueur, canaux) :",
                  "The shapes in the sheet's order (length, channels):"), in_sheet_order, kind="result"),
    ]


def solve_1(q) -> Solution:
    import sympy as sp

    rows = _rows(q, dense=False)
    answers = {
        "conv1.params": sp.Integer(rows["conv1"].params),
        "conv2.params": sp.Integer(rows["conv2"].params),
        "conv1.shape": _seq(rows["conv1"].shape),
        "conv2.shape": _seq(rows["conv2"].shape),
        "flatten.shape": _seq(rows["flatten"].shape),
    }
    return Solution(q, tuple(_conv_steps(rows)), answers)


def solve_2(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params, explain_shapes

    rows = _rows(q)
    steps = (
        Step(Text("La couche dense reçoit le vecteur aplati de conv2 (voir td2.VI.1).",
                  "The dense layer receives conv2's flattened vector (see td2.VI.1)."),
             explain_shapes([rows["flatten"]])[0].math),
        *explain_params([rows["dense"]], total=False),
    )
    steps = steps[:-1] + (Step(steps[-1].text, steps[-1].math, kind="result"),)
    return Solution(q, steps, {"dense.params": sp.Integer(rows["dense"].params)})


def validate(values) -> None:
    T, K, s = values["T"], values["K"], values["s"]
    first = (T - K) // s + 1 if T >= K else 0
    if first < K:
        raise ParamError(Text(
            f"avec T = {T}, K = {K}, s = {s}, la sortie de conv1 ({max(first, 0)} pas) est plus courte que le "
            "filtre de conv2",
            f"with T = {T}, K = {K}, s = {s}, conv1's output ({max(first, 0)} steps) is shorter than conv2's "
            "filter"))


def draw(rng) -> dict:
    K = rng.choice((3, 5, 7))
    s = rng.choice((1, 2, 2, 3))
    return {"T": rng.randint(3 * K * s, 240), "d": rng.randint(2, 16), "f": rng.choice((8, 16, 32, 64)),
            "K": K, "s": s, "h": rng.choice((16, 32, 64, 128))}


SEQUENCES = Chain("td2.VI", ("T", "d", "f", "K", "s", "h"), draw)


def _torch_net(q):
    import torch.nn as nn

    f, K, s = q["f"], q["K"], q["s"]
    return [nn.Conv1d(q["d"], f, K, stride=s), nn.Conv1d(f, f, K, stride=s), nn.Flatten(),
            nn.Linear(f * _lengths(q)[1], q["h"])]


def check_1(q, sol, checks) -> None:
    """Shapes of a real forward pass on zeros (channel-first, turned round) and numel of parameters."""
    from solver.core.checks import torch_layer_outputs

    out = torch_layer_outputs(_torch_net(q)[:3], (q["d"], q["T"]))
    for (shape, numel), name in zip(out, ("conv1", "conv2", "flatten")):
        checks.equal(f"{name}.shape", tuple(int(v) for v in sol.answers[f"{name}.shape"]), tuple(reversed(shape)))
        if name != "flatten":
            checks.equal(f"{name}.params", int(sol.answers[f"{name}.params"]), numel)


def check_2(q, sol, checks) -> None:
    from solver.core.checks import torch_layer_outputs

    out = torch_layer_outputs(_torch_net(q), (q["d"], q["T"]))
    checks.equal("dense.shape", out[-1][0], (q["h"],))
    checks.equal("dense.params", int(sol.answers["dense.params"]), out[-1][1])


def _length_rule(rounding):
    """Mal-rule on both lengths: `rounding(a, s)` replaces floor((a − K)/s) + 1."""
    def lengths(q):
        first = rounding(q["T"] - q["K"], q["s"])
        return first, rounding(first - q["K"], q["s"])
    return lengths


def _shape_wrong(rule, layer):
    def wrong(q):
        import sympy as sp

        first, second = rule(q)
        length = first if layer == "conv1" else second
        if length < 1:
            return None
        if layer == "flatten":
            return sp.Tuple(length * q["f"])
        return sp.Tuple(length, q["f"])
    return wrong


_CEIL = _length_rule(lambda a, s: -(-a // s) + 1)
_NO_PLUS_ONE = _length_rule(lambda a, s: a // s)
_NO_STRIDE = _length_rule(lambda a, s: a + 1)


def _param_wrong(layer, **changes):
    def wrong(q):
        import sympy as sp

        return sp.Integer(_rows(q, **changes)[layer].params)
    return wrong


def _integer(n: int):
    import sympy as sp

    return sp.Integer(n)


def _in_channels_wrong(layer):
    def wrong(q):
        f, K, d = q["f"], q["K"], q["d"]
        return _integer(f * (K + 1) if layer == "conv1" else f * (K * d + 1))
    return wrong


_SHAPE_FEEDBACK = {
    "ignored-stride": Text("Le pas $s$ n'a pas été pris en compte : la fenêtre avance de $s$ pas de temps.",
                           "The stride $s$ was ignored: the window moves by $s$ time steps."),
    "ceil-instead-of-floor": Text("Arrondi vers le haut : une fenêtre qui dépasse de la séquence n'est pas "
                                  "calculée (pas de remplissage).",
                                  "Rounded up: a window that sticks out of the sequence is not computed "
                                  "(no padding)."),
}


def _shape_diagnoses(layer):
    rules = {"ignored-stride": _NO_STRIDE, "ceil-instead-of-floor": _CEIL, "missing-plus-one": _NO_PLUS_ONE}
    return tuple(mistake(code, f"{layer}.shape", _shape_wrong(rule, layer), _SHAPE_FEEDBACK.get(code))
                 for code, rule in rules.items())


DIAGNOSES_1 = (
    mistake("missing-bias", "conv1.params", _param_wrong("conv1", bias=False)),
    Diagnosis("missing-input-channels", "conv1.params", _in_channels_wrong("conv1"),
              Text("Un filtre Conv1D couvre tous les canaux d'entrée : $K \\cdot d$ poids, pas $K$.",
                   "A Conv1D filter spans all input channels: $K \\cdot d$ weights, not $K$.")),
    mistake("missing-bias", "conv2.params", _param_wrong("conv2", bias=False)),
    Diagnosis("wrong-input-channels", "conv2.params", _in_channels_wrong("conv2"),
              Text("L'entrée de conv2 a $f$ canaux (les filtres de conv1), pas $d$.",
                   "conv2's input has $f$ channels (conv1's filters), not $d$.")),
    *_shape_diagnoses("conv1"), *_shape_diagnoses("conv2"), *_shape_diagnoses("flatten"),
)

DIAGNOSES_2 = (
    mistake("missing-bias", "dense.params", _param_wrong("dense", bias=False)),
    Diagnosis("per-timestep-dense", "dense.params", lambda q: _integer(q["h"] * (q["f"] + 1)),
              Text("Sans le Flatten, une couche dense appliquée à chaque pas de temps n'aurait que $f + 1$ poids "
                   "par neurone ; ici elle reçoit tout le vecteur aplati.",
                   "Without Flatten, a dense layer applied at each time step would have only $f + 1$ weights per "
                   "neuron; here it receives the whole flattened vector.")),
    Diagnosis("flatten-of-conv1", "dense.params",
              lambda q: _integer(q["h"] * (_lengths(q)[0] * q["f"] + 1)),
              Text("L'entrée de la couche dense est la sortie aplatie de conv2, pas de conv1.",
                   "The dense layer's input is conv2's flattened output, not conv1's.")),
)


def _params():
    return (
        Param("T", "int", 168, Text("longueur des séquences", "sequence length"), minimum=1, maximum=100000),
        Param("d", "int", 10, Text("nombre de capteurs (canaux)", "number of sensors (channels)"),
              minimum=1, maximum=10000),
        Param("f", "int", 32, Text("filtres par couche Conv1D", "filters per Conv1D layer"), minimum=1,
              maximum=10000),
        Param("K", "int", 5, Text("longueur des filtres", "filter length"), minimum=1, maximum=1000),
        Param("s", "int", 2, Text("pas (stride)", "stride"), minimum=1, maximum=1000),
        Param("h", "int", 64, Text("neurones de la couche dense", "neurons of the dense layer"), minimum=1,
              maximum=100000),
    )


# --- td2.VI.3 ---------------------------------------------------------------------------------

ACTIVATIONS = ("softmax", "sigmoid", "relu", "linear")
LOSSES = ("cross-entropy", "mse", "hinge")


def statement_3(q) -> Text:
    n = q["outputs"]
    return _setting(q) + Text(
        f"La dernière couche du réseau est une couche dense de ${n}$ {'neurone' if n == 1 else 'neurones'} ; "
        "les étiquettes des deux classes valent $-1$ ou $1$. Quelle fonction d'activation mettre sur cette "
        "couche, et quelle fonction de perte utiliser ?",
        f"The last layer of the network is a dense layer of ${n}$ {'neuron' if n == 1 else 'neurons'}; the "
        "labels of the two classes are $-1$ or $1$. Which activation function should this layer use, and which "
        "loss function?")


def _choose(outputs: int) -> tuple[str, str]:
    """Output activation and loss for a two-class problem with `outputs` output neurons."""
    activation = "softmax" if outputs >= 2 else "sigmoid"
    return activation, "cross-entropy"


def solve_3(q) -> Solution:
    import sympy as sp

    n = q["outputs"]
    activation, loss = _choose(n)
    z, P = sp.IndexedBase("z"), sp.Function("P")
    c, y, j = sp.symbols("c y j", integer=True)
    if activation == "softmax":
        model = Step(Text(
            f"Avec {n} neurones de sortie, un par classe, on veut une loi de probabilité sur les classes : "
            "des sorties positives de somme 1. C'est exactement ce que donne la softmax.",
            f"With {n} output neurons, one per class, we want a probability distribution over the classes: "
            "positive outputs summing to 1. This is exactly what softmax gives."),
            sp.Eq(P(c), sp.exp(z[c]) / sp.Sum(sp.exp(z[j]), (j, 0, n - 1))))
        nll = -sp.log(P(c))
    else:
        sigma = 1 / (1 + sp.exp(-sp.Symbol("z")))
        model = Step(Text(
            "Avec un seul neurone de sortie, la sigmoïde donne la probabilité de la classe positive, "
            "$P(1) = \\sigma(z)$ (la softmax d'une seule valeur vaudrait toujours 1).",
            "With a single output neuron, the sigmoid gives the probability of the positive class, "
            "$P(1) = \\sigma(z)$ (the softmax of a single value would always be 1)."),
            sp.Eq(P(1), sigma))
        nll = -c * sp.log(P(1)) - (1 - c) * sp.log(1 - P(1))
    steps = (
        model,
        Step(Text(
            "La perte naturelle est la log-vraisemblance négative du modèle probabiliste, pour la classe $c$ "
            "de l'exemple : l'entropie croisée (binaire avec une sortie sigmoïde).",
            "The natural loss is the negative log-likelihood of the probabilistic model, for the example's "
            "class $c$: the cross-entropy (binary with a sigmoid output)."), sp.Eq(sp.Symbol("C"), nll),
            kind="result"),
        Step(Text(
            "Les étiquettes $y \\in \\{-1, 1\\}$ doivent être converties en indices de classe $\\{0, 1\\}$ "
            "(par exemple $c = (y + 1)/2$) avant d'utiliser l'entropie croisée.",
            "Labels $y \\in \\{-1, 1\\}$ must be mapped to class indices $\\{0, 1\\}$ (e.g. $c = (y + 1)/2$) "
            "before using the cross-entropy."), sp.Eq(c, (y + 1) / 2), kind="remark"),
        Step(Text(
            "Deux sorties avec une softmax ou une seule sortie avec une sigmoïde : les deux choix sont "
            "équivalents, car une softmax sur deux logits $(z_0, z_1)$ donne $P(1) = \\sigma(z_1 - z_0)$.",
            "Two outputs with a softmax or a single output with a sigmoid: both designs are equivalent, since "
            "a softmax over two logits $(z_0, z_1)$ gives $P(1) = \\sigma(z_1 - z_0)$."), kind="remark"),
    )
    return Solution(q, steps, {"activation": activation, "loss": loss})


def check_3(q, sol, checks) -> None:
    """Softmax of two logits sums to 1, equals a sigmoid of their difference, and CE = −log p(label)."""
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(7)
    logits = torch.randn(6, 2, generator=g, dtype=torch.float64)
    labels_pm = torch.tensor([-1, 1, 1, -1, 1, -1])
    labels = (labels_pm + 1) // 2
    p = F.softmax(logits, dim=1)
    checks.close("softmax sums to 1", p.sum(dim=1), torch.ones(6, dtype=torch.float64))
    checks.close("softmax(z)_1 = sigmoid(z1 - z0)", p[:, 1], torch.sigmoid(logits[:, 1] - logits[:, 0]))
    ce = F.cross_entropy(logits, labels, reduction="none")
    checks.close("cross-entropy = -log p(label)", ce, -torch.log(p[torch.arange(6), labels]))
    bce = F.binary_cross_entropy_with_logits(logits[:, 1] - logits[:, 0], labels.double(), reduction="none")
    checks.close("binary CE on sigmoid = CE on softmax", bce, ce)
    checks.equal("activation", sol.answers["activation"], "softmax" if q["outputs"] == 2 else "sigmoid")
    checks.true("one softmax output is constant", bool(torch.all(F.softmax(logits[:, :1], dim=1) == 1)))


DIAGNOSES_3 = (
    Diagnosis("relu-output", "activation", lambda q: "relu",
              Text("Une ReLU ne donne pas de probabilités (ni bornées, ni de somme 1).",
                   "A ReLU does not give probabilities (neither bounded nor summing to 1).")),
    Diagnosis("linear-output", "activation", lambda q: "linear",
              Text("Des scores linéaires ne sont pas des probabilités ; il faut les normaliser.",
                   "Linear scores are not probabilities; they must be normalised.")),
    Diagnosis("sigmoid-two-outputs", "activation", lambda q: "sigmoid" if q["outputs"] >= 2 else None,
              Text("Deux sigmoïdes indépendantes ne forment pas une loi sur deux classes exclusives : "
                   "utilisez la softmax (ou un seul neurone sigmoïde).",
                   "Two independent sigmoids do not form a distribution over two exclusive classes: use "
                   "softmax (or a single sigmoid neuron).")),
    Diagnosis("softmax-one-output", "activation", lambda q: "softmax" if q["outputs"] == 1 else None,
              Text("La softmax d'une seule sortie vaut toujours 1 : utilisez une sigmoïde.",
                   "The softmax of a single output is always 1: use a sigmoid.")),
    Diagnosis("mse-for-classification", "loss", lambda q: "mse",
              Text("L'erreur quadratique n'est pas la vraisemblance d'une classification et apprend mal "
                   "avec une softmax ; utilisez l'entropie croisée.",
                   "The squared error is not the likelihood of a classification and learns poorly with a "
                   "softmax; use the cross-entropy.")),
    Diagnosis("hinge-with-probabilities", "loss", lambda q: "hinge",
              Text("La perte hinge convient à un score brut avec des étiquettes $\\pm 1$ (SVM), pas à des "
                   "probabilités softmax.",
                   "The hinge loss suits a raw score with $\\pm 1$ labels (SVM), not softmax probabilities.")),
)


# --- td2.VI.4 and VI.5 (text) -----------------------------------------------------------------

def statement_4(q) -> Text:
    return _setting(q) + Text("Le réseau sur-apprend. Proposez plusieurs façons d'y remédier.",
                              "The network overfits. Suggest several ways to fix it.")


def _dense_share(q) -> Text:
    """Where this variant's parameters are: the dense layer after the Flatten, or the convolutions."""
    rows = _rows(q)
    convs, dense = rows["conv1"].params + rows["conv2"].params, rows["dense"].params
    if dense > convs:
        return Text(f"du Flatten, qui mène à la couche dense et à la plupart des paramètres ({dense} contre "
                    f"{convs} pour les convolutions)",
                    f"of the Flatten, which feeds the dense layer holding most parameters ({dense} versus "
                    f"{convs} for the convolutions)")
    return Text(f"du Flatten (ici la couche dense a {dense} paramètres, les convolutions {convs})",
                f"of the Flatten (here the dense layer has {dense} parameters, the convolutions {convs})")


def solve_4(q) -> Solution:
    share = _dense_share(q)
    rubric = (
        Text("plus de données, ou augmentation de données (bruit, décalages temporels, recadrages)",
             "more data, or data augmentation (noise, time shifts, crops)"),
        Text("régularisation des poids (weight decay, L2/L1)", "weight regularisation (weight decay, L2/L1)"),
        Text("dropout", "dropout"),
        Text("arrêt précoce sur un ensemble de validation", "early stopping on a validation set"),
        Text("modèle plus petit (moins de filtres, couche dense plus petite, ou pooling global au lieu du "
             "Flatten)",
             "a smaller model (fewer filters, a smaller dense layer, or global pooling instead of Flatten)"),
        Text("normalisation par batch, validation croisée pour régler ces choix",
             "batch normalisation, cross-validation to tune these choices"),
    )
    answer = ModelAnswer(Text(
        "On réduit l'écart entre apprentissage et validation en augmentant les données (collecte, augmentation : "
        "bruit, décalages dans le temps), en contraignant le modèle (weight decay, dropout, normalisation par "
        "batch), en réduisant sa capacité (moins de filtres, couche dense plus petite, pooling global à la place "
        f"{share('fr')}) et en arrêtant l'apprentissage quand l'erreur de "
        "validation remonte.",
        "The gap between training and validation is reduced by enlarging the data (collection, augmentation: "
        "noise, time shifts), by constraining the model (weight decay, dropout, batch normalisation), by "
        "reducing its capacity (fewer filters, a smaller dense layer, global pooling instead "
        f"{share('en')}) and by stopping training when the validation error rises again."),
        rubric)
    steps = (Step(Text(
        "Sur-apprendre, c'est trop s'ajuster aux exemples d'apprentissage : on agit sur les données, sur la "
        "capacité du modèle ou sur l'apprentissage.",
        "Overfitting means fitting the training examples too closely: one acts on the data, on the model's "
        "capacity or on training."), kind="result"),)
    return Solution(q, steps, {"text": answer})


def statement_5(q) -> Text:
    return Text(
        f"Pourrait-on traiter la matrice ${q['T']} \\times {q['d']}$ avec des couches conv2D ? Quelles hypothèses "
        "sur les données cela ajouterait-il ? Quelle taille de filtre serait pertinente ?",
        f"Could the ${q['T']} \\times {q['d']}$ matrix be processed with conv2D layers? Which assumptions about "
        "the data would that add? Which filter size would make sense?")


def solve_5(q) -> Solution:
    rubric = (
        Text("oui : la séquence vue comme une image $T \\times d$ à un canal",
             "yes: the sequence seen as a one-channel $T \\times d$ image"),
        Text("une conv2D suppose des motifs locaux et l'invariance par translation aussi selon l'axe des "
             "capteurs", "a conv2D assumes local patterns and translation invariance along the sensor axis too"),
        Text("cela n'a de sens que si l'ordre des capteurs est significatif (capteurs voisins liés)",
             "this only makes sense if the sensors' order is meaningful (neighbouring sensors related)"),
        Text(f"un filtre $K \\times {q['d']}$ couvrant tous les capteurs équivaut exactement à une conv1D",
             f"a $K \\times {q['d']}$ filter spanning all sensors is exactly a conv1D"),
        Text("petits filtres 2D (ex. 3×3) seulement si des capteurs voisins sont corrélés",
             "small 2D filters (e.g. 3×3) only if neighbouring sensors are correlated"),
    )
    answer = ModelAnswer(Text(
        f"Oui, en voyant la séquence comme une image ${q['T']} \\times {q['d']}$ à un canal. Mais une conv2D "
        "partage ses poids aussi le long de l'axe des capteurs : elle suppose que des capteurs voisins sont liés "
        "et qu'un même motif a le même sens quel que soit le capteur, ce qui n'a de sens que si l'ordre des "
        "capteurs est significatif (capteurs disposés sur une ligne, bandes de fréquence…). Un filtre "
        f"$K \\times {q['d']}$ qui couvre tous les capteurs ne glisse que dans le temps : c'est exactement la "
        "conv1D. Des petits filtres (3×3, 5×3) ne se justifient que si les capteurs voisins sont corrélés.",
        f"Yes, by seeing the sequence as a one-channel ${q['T']} \\times {q['d']}$ image. But a conv2D also "
        "shares its weights along the sensor axis: it assumes neighbouring sensors are related and that a "
        "pattern means the same whatever the sensor, which only makes sense if the sensors' order is meaningful "
        "(sensors laid along a line, frequency bands…). A $K \\times " f"{q['d']}$ filter spanning all sensors "
        "only slides in time: it is exactly the conv1D. Small filters (3×3, 5×3) are justified only if "
        "neighbouring sensors are correlated."), rubric)
    steps = (Step(Text(
        "Une conv2D dont le filtre couvre toute la largeur $d$ ne peut glisser que le long du temps : sa "
        "sortie est celle d'une conv1D aux mêmes poids (vérifié numériquement).",
        "A conv2D whose filter spans the full width $d$ can only slide along time: its output is that of a "
        "conv1D with the same weights (checked numerically)."), kind="result"),)
    return Solution(q, steps, {"text": answer})


def check_5(q, sol, checks) -> None:
    """A conv2d with a K×d filter on the T×d image equals the conv1d on the d-channel sequence."""
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(3)
    T, d, K = q["T"], q["d"], q["K"]
    x = torch.randn(1, T, d, generator=g, dtype=torch.float64)
    w = torch.randn(4, K, d, generator=g, dtype=torch.float64)
    conv2d = F.conv2d(x.unsqueeze(1), w.unsqueeze(1))          # (1, 4, T-K+1, 1)
    conv1d = F.conv1d(x.transpose(1, 2), w.transpose(1, 2))     # (1, 4, T-K+1)
    checks.close("conv2d(K×d) = conv1d", conv2d.squeeze(-1), conv1d)


EXERCISES = (
    Exercise(id="td2.VI.1", sheet=SHEET, aliases=("conv1d",),
             title=Text("Convolutions 1D : paramètres et formes", "1D convolutions: parameters and shapes"),
             statement=statement_1, params=_params(), solve=solve_1, check=check_1, follow=follow, chain=SEQUENCES,
             validate=validate, diagnoses=DIAGNOSES_1,
             parts=(Part("conv1.params", "int", Text("paramètres de conv1", "parameters of conv1")),
                    Part("conv2.params", "int", Text("paramètres de conv2", "parameters of conv2"),
                         follows=("conv1.shape",)),
                    Part("conv1.shape", "shape", Text("forme (longueur, canaux) de la sortie de conv1",
                                                      "shape (length, channels) of conv1's output"), layout="TC"),
                    Part("conv2.shape", "shape", Text("forme (longueur, canaux) de la sortie de conv2",
                                                      "shape (length, channels) of conv2's output"),
                         follows=("conv1.shape",), layout="TC"),
                    Part("flatten.shape", "shape", Text("forme de la sortie du Flatten",
                                                        "shape of the Flatten output"),
                         follows=("conv2.shape",), layout="C"))),
    Exercise(id="td2.VI.2", sheet=SHEET,
             title=Text("Convolutions 1D : couche dense", "1D convolutions: dense layer"),
             statement=statement_2, params=_params(), solve=solve_2, check=check_2, chain=SEQUENCES,
             validate=validate, diagnoses=DIAGNOSES_2, follow=follow,
             parts=(Part("dense.params", "int", Text("paramètres de la couche dense",
                                                     "parameters of the dense layer"),
                         follows=("td2.VI.1/flatten.shape",)),)),
    Exercise(id="td2.VI.3", sheet=SHEET,
             title=Text("Convolutions 1D : activation et perte de sortie",
                        "1D convolutions: output activation and loss"),
             statement=statement_3, solve=solve_3, check=check_3, diagnoses=DIAGNOSES_3, chain=SEQUENCES,
             validate=validate, params=_params() + (Param("outputs", "int", 2, Text("neurones de sortie", "output neurons"),
                           draw=lambda rng: rng.choice((1, 2)), minimum=1, maximum=2),),
             parts=(Part("activation", "choice", Text("activation de sortie", "output activation"),
                         choices=ACTIVATIONS),
                    Part("loss", "choice", Text("fonction de perte", "loss function"), choices=LOSSES))),
    Exercise(id="td2.VI.4", sheet=SHEET,
             title=Text("Convolutions 1D : remèdes au sur-apprentissage", "1D convolutions: overfitting remedies"),
             statement=statement_4, solve=solve_4, params=_params(), chain=SEQUENCES, validate=validate,
             parts=(Part("text", "text", Text("remèdes", "remedies")),)),
    Exercise(id="td2.VI.5", sheet=SHEET,
             title=Text("Convolutions 1D : et une conv2D ?", "1D convolutions: what about conv2D?"),
             statement=statement_5, solve=solve_5, check=check_5,
             params=_params()[:4], chain=SEQUENCES,
             parts=(Part("text", "text", Text("conv2D, hypothèses, taille de filtre",
                                              "conv2D, assumptions, filter size")),)),
)
