"""tp-cnn.17 (loss at the start of training) and tp-cnn.32 (the dropout rate and inverted dropout)."""

from __future__ import annotations

from solver.core.exercise import Exercise, ModelAnswer, Part, Solution, Step
from solver.core.params import SYMBOLIC, Param
from solver.core.text import Text, numeral
from solver.derive.mistakes import mistakes_of

from .architecture import NETWORK

SHEET = "tp-cnn"


# ---- tp-cnn.17 ------------------------------------------------------------------------------------

def statement_17(q) -> Text:
    c = q.show("C")
    return Text(
        f"Au tout début de la première époque, le réseau (initialisé au hasard, {c} classes) a une erreur "
        "d'entropie croisée voisine d'une valeur précise. Laquelle, et comment l'interpréter ?",
        f"At the very start of the first epoch, the network (randomly initialised, {c} classes) has a "
        "cross-entropy error close to a definite value. Which one, and how should it be read?")


def solve_17(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain
    from solver.derive.mlp import final, number

    C = sp.Symbol("C", integer=True, positive=True)
    a, j = sp.Symbol("a", real=True), sp.Symbol("j", integer=True)
    n = int(q["C"])
    uniform = sp.exp(a) / sp.Sum(sp.exp(a), (j, 1, C)).doit()
    general = -sp.log(uniform)
    loss = general.subs(C, n)
    steps = [
        Step(Text("Des poids petits et aléatoires donnent des scores presque égaux, disons tous égaux à $a$ : le "
                  "softmax est uniforme, chaque classe reçoit la probabilité $1/C$.",
                  "Small random weights give nearly equal scores, say all equal to $a$: the softmax is "
                  "uniform, every class gets probability $1/C$."),
             Chain(sp.Symbol("p_c"), sp.exp(a) / sp.Sum(sp.exp(a), (j, 1, C)), uniform)),
        Step(Text("L'entropie croisée ne garde que la probabilité de la bonne classe ($\\log$ est ici le "
                  "logarithme népérien, celui de `F.cross_entropy`) :",
                  "The cross-entropy keeps only the probability of the true class ($\\log$ is the natural "
                  "logarithm here, as in `F.cross_entropy`):"),
             Chain(sp.Symbol("E"), -sp.log(sp.Symbol("p_c")), general, loss, final(loss)),
             kind="result"),
    ]
    about = numeral(float(number(loss)), 4, math=True)
    answer = Text(
        f"Environ $\\ln C = \\ln {n} \\approx {about.fr}$ : c'est la perte d'une prédiction uniforme, "
        "qui ne sait encore rien (elle correspond à une accuracy de hasard, $1/C$). Une valeur initiale très "
        "différente signale un problème d'initialisation, de normalisation des entrées ou de la perte ; ensuite "
        "la perte doit descendre sous cette valeur, sinon le réseau n'apprend pas mieux que le hasard.",
        f"About $\\ln C = \\ln {n} \\approx {about.en}$: the loss of a uniform prediction, which "
        "knows nothing yet (it goes with a chance accuracy of $1/C$). A very different initial value signals a "
        "problem with the initialisation, the input normalisation or the loss; afterwards the loss must go below "
        "this value, otherwise the network does no better than chance.")
    value = numeral(float(number(loss)), 2)
    rubric = (Text(f"valeur ln C (≈ {value.fr} pour {n} classes)", f"value ln C (≈ {value.en} for {n} classes)"),
              Text("prédiction uniforme, réseau non entraîné", "uniform prediction, untrained network"),
              Text("sert de repère / de contrôle de l'initialisation", "a baseline / a check of the initialisation"))
    return Solution(q, tuple(steps), {"initial_loss": number(loss), "text": ModelAnswer(answer, rubric)})


def check_17(q, sol, checks) -> None:
    """F.cross_entropy on zero logits, and on a freshly initialised small linear classifier."""
    import torch
    import torch.nn.functional as F

    C = int(q["C"])
    targets = torch.arange(8) % C
    logits = torch.zeros(8, C, dtype=torch.float64)
    checks.close("cross_entropy(0 logits)", float(sol.answers["initial_loss"]), F.cross_entropy(logits, targets).item())
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(64, 48, generator=gen, dtype=torch.float64) * 1e-3
    w = torch.randn(48, C, generator=gen, dtype=torch.float64) * 1e-3
    init = F.cross_entropy(x @ w, torch.arange(64) % C).item()
    checks.close("small random init ≈ ln C", float(sol.answers["initial_loss"]), init, rtol=1e-3)


def _ln_wrong(code: str):
    def wrong(q):
        import sympy as sp

        from solver.derive.mlp import number

        C = q.sym("C")
        return number({"log10-instead-of-ln": sp.log(C, 10), "log2-instead-of-ln": sp.log(C, 2),
                       "sign-error": -sp.log(C), "probability-not-loss": 1 / C}[code])
    return wrong


EX_17 = Exercise(
    id="tp-cnn.17", sheet=SHEET,
    title=Text("Erreur au début de l'apprentissage", "Error at the start of training"),
    statement=statement_17,
    params=(Param("C", "int", 10, Text("nombre de classes", "number of classes"), minimum=2, maximum=100000),),
    chain=NETWORK, shared_as={"C": "classes"},
    parts=(Part("initial_loss", "number", Text("perte initiale attendue", "expected initial loss")),
           Part("text", "text", Text("interprétation", "interpretation"))),
    solve=solve_17, check=check_17,
    diagnoses=mistakes_of("initial_loss", _ln_wrong, {
        "log10-instead-of-ln": Text("L'entropie croisée de PyTorch utilise le logarithme népérien.",
                                    "PyTorch's cross-entropy uses the natural logarithm."),
        "log2-instead-of-ln": Text("Ce sont des bits ; la perte est en nats (logarithme népérien).",
                                   "These are bits; the loss is in nats (natural logarithm)."),
        "sign-error": Text("Une entropie croisée est positive : $-\\ln(1/C) = \\ln C$.",
                           "A cross-entropy is positive: $-\\ln(1/C) = \\ln C$."),
        "probability-not-loss": Text("$1/C$ est la probabilité prédite ; la perte est $-\\ln$ de cette probabilité.",
                                     "$1/C$ is the predicted probability; the loss is $-\\ln$ of it."),
    }),
)


# ---- tp-cnn.32 ------------------------------------------------------------------------------------

def statement_32(q) -> Text:
    p = q.given("p")
    return Text(
        f"Une couche de dropout de paramètre ${p}$ (probabilité de mettre une activation à zéro, convention "
        "de PyTorch) est ajoutée au réseau. Quel facteur multiplie les activations conservées pendant "
        "l'apprentissage, et quelle est l'influence de $p$ ?",
        f"A dropout layer with parameter ${p}$ (probability of zeroing an activation, PyTorch's convention) is "
        "added to the network. Which factor multiplies the kept activations during training, and how does $p$ "
        "influence training?")


def _p_symbol():
    import sympy as sp

    return sp.Symbol("p", nonnegative=True)


def solve_32(q) -> Solution:
    import sympy as sp

    p = _p_symbol()
    x, k = sp.symbols("x k", positive=True)
    expectation = (1 - p) * k * x + p * 0
    scale = 1 / sp.expand(1 / sp.solve(sp.Eq(expectation, x), k)[0])
    bind = {} if q.is_symbolic("p") else {p: sp.nsimplify(q["p"])}
    value = scale.xreplace(bind)
    steps = [
        Step(Text("Pendant l'apprentissage, une activation $x$ est gardée avec probabilité $1 - p$ (puis "
                  "multipliée par $k$) et mise à zéro avec probabilité $p$ ; soit $y$ la sortie. On veut "
                  "$E(y) = x$, la sortie de l'évaluation, où la couche est l'identité :",
                  "During training an activation $x$ is kept with probability $1 - p$ (then multiplied by $k$) "
                  "and zeroed with probability $p$; call $y$ the output. We want $E(y) = x$, the output in "
                  "evaluation, where the layer is the identity:"),
             (sp.Eq(sp.Function("E")(sp.Symbol("y")), expectation, evaluate=False),
              sp.Eq(expectation, x, evaluate=False))),
        Step(Text("D'où le facteur de mise à l'échelle (dropout « inversé ») :",
                  "Hence the scaling factor ('inverted' dropout):"),
             _scale_chain(k, scale, bind, q), kind="result"),
        Step(Text("Attention aux conventions : dans l'article original (Srivastava et al., 2014), $p$ est la "
                  "probabilité de *garder* une activation, rien n'est mis à l'échelle pendant l'apprentissage et "
                  "les poids sont multipliés par $p$ en test ; en dropout inversé avec cette convention, le "
                  "facteur s'écrirait $1/p$. PyTorch (`nn.Dropout(p)`) prend $p$ = probabilité de mise à zéro, "
                  "comme ici.",
                  "Mind the conventions: in the original paper (Srivastava et al., 2014), $p$ is the probability "
                  "of *keeping* an activation, nothing is scaled during training and the weights are multiplied "
                  "by $p$ at test time; inverted dropout in that convention would use the factor $1/p$. PyTorch "
                  "(`nn.Dropout(p)`) takes $p$ = probability of zeroing, as here."), kind="remark"),
    ]
    answer = Text(
        "$p$ règle la force de la régularisation. $p = 0$ : aucun effet. Quand $p$ grandit, plus de neurones "
        "sont coupés à chaque pas : la co-adaptation baisse et l'écart train/test se réduit, mais le gradient est "
        "plus bruité, l'apprentissage plus lent, et un $p$ trop grand (proche de 1) fait sous-apprendre, le "
        "réseau n'ayant plus assez de capacité. Valeurs usuelles : 0,5 pour les couches denses, plus faible "
        "(0,1 à 0,3) pour les convolutions. Les activations gardées sont multipliées par $1/(1-p)$.",
        "$p$ sets the strength of the regularisation. $p = 0$: no effect. As $p$ grows, more neurons are cut at "
        "each step: co-adaptation drops and the train/test gap shrinks, but the gradient is noisier, training "
        "slower, and too large a $p$ (close to 1) makes the network underfit, for lack of capacity. Usual "
        "values: 0.5 for dense layers, lower (0.1 to 0.3) for convolutions. The kept activations are multiplied "
        "by $1/(1-p)$.")
    rubric = (Text("p = force de la régularisation ; p = 0 sans effet", "p = strength of regularisation; p = 0 no effect"),
              Text("p grand : moins de sur-apprentissage mais apprentissage lent, sous-apprentissage si trop grand",
                   "large p: less overfitting but slow training, underfitting if too large"),
              Text("valeurs usuelles (≈ 0,5 en dense)", "usual values (≈ 0.5 for dense layers)"),
              Text("facteur 1/(1-p) en apprentissage, identité en test", "factor 1/(1-p) in training, identity at test"))
    return Solution(q, tuple(steps), {"scale": value, "text": ModelAnswer(answer, rubric)})


def _scale_chain(k, scale, bind, q):
    """`k = 1/(1 − p) = 1/(1 − 0.25) = 4/3`: a terminating decimal p is shown as a decimal."""
    import sympy as sp

    from solver.core.written import decimal_string
    from solver.derive.chain import Chain, derive, substituted

    if not bind or decimal_string(q["p"]) is None:
        return derive(k, scale, bind)
    shown = substituted(scale, {p: sp.Float(decimal_string(q["p"])) for p in bind})
    return Chain(k, scale, shown, scale.xreplace(bind))


def check_32(q, sol, checks) -> None:
    """F.dropout in training mode: kept entries equal x/(1−p) exactly; the mean stays close to x."""
    import torch
    import torch.nn.functional as F

    rates = [0.1, 0.3, 0.5, 0.8] if q.is_symbolic("p") else [float(q["p"])]
    gen_seed = 0 if q.seed is None else q.seed
    for rate in rates:
        scale = float(sol.answers["scale"].xreplace({_p_symbol(): rate}) if q.is_symbolic("p")
                      else sol.answers["scale"])
        torch.manual_seed(gen_seed)
        x = torch.full((20_000,), 1.5, dtype=torch.float64)
        y = F.dropout(x, p=rate, training=True)
        kept = y[y != 0]
        checks.close(f"kept = x·scale (p={rate})", kept, (x[: kept.numel()] * scale), rtol=1e-15, atol=0)
        spread = 1.5 * (rate / (1 - rate) / x.numel()) ** 0.5
        checks.close(f"mean ≈ x (p={rate})", y.mean().item(), 1.5, rtol=0, atol=6 * spread)
        checks.close(f"kept fraction ≈ 1-p (p={rate})", kept.numel() / x.numel(), 1 - rate, rtol=0, atol=0.02)
        checks.close(f"eval mode is the identity (p={rate})", F.dropout(x, p=rate, training=False), x)


def _scale_wrong(code: str):
    def wrong(q):
        import sympy as sp

        p = _p_symbol()
        expr = {"keep-probability-convention": 1 / p, "scale-by-keep-probability": 1 - p,
                "no-scaling": sp.Integer(1)}[code]
        if code == "keep-probability-convention" and not q.is_symbolic("p") and q["p"] == 0:
            return None
        return expr if q.is_symbolic("p") else expr.xreplace({p: sp.nsimplify(q["p"])})
    return wrong


def _draw_p(rng):
    from fractions import Fraction

    return rng.choice((SYMBOLIC, Fraction(1, 10), Fraction(1, 5), Fraction(1, 4), Fraction(1, 2), Fraction(4, 5)))


EX_32 = Exercise(
    id="tp-cnn.32", sheet=SHEET,
    title=Text("Le taux de dropout", "The dropout rate"),
    statement=statement_32,
    params=(Param("p", "number", SYMBOLIC, Text("probabilité de mise à zéro", "probability of zeroing"),
                  draw=_draw_p, minimum=0, symbolic_ok=True),),
    parts=(Part("scale", "expr", Text("facteur appliqué aux activations gardées", "factor applied to kept activations"),
                domain={"p": "probability"}),
           Part("text", "text", Text("influence de $p$", "influence of $p$"))),
    solve=solve_32, check=check_32,
    validate=lambda v: _validate_p(v["p"]),
    diagnoses=mistakes_of("scale", _scale_wrong, {
        "keep-probability-convention":
            Text("$1/p$ suppose que $p$ est la probabilité de garder ; ici (PyTorch) $p$ est la probabilité "
                 "de mise à zéro : $1/(1-p)$.",
                 "$1/p$ assumes $p$ is the keep probability; here (PyTorch) $p$ is the drop probability: "
                 "$1/(1-p)$."),
        "scale-by-keep-probability":
            Text("Multiplier par $1-p$ est l'ancienne mise à l'échelle faite en test ; en dropout inversé "
                 "on divise par $1-p$ pendant l'apprentissage.",
                 "Multiplying by $1-p$ is the old scaling done at test time; inverted dropout divides by "
                 "$1-p$ during training."),
        "no-scaling": Text("Sans mise à l'échelle, l'espérance baisse d'un facteur $1-p$ entre apprentissage et test.",
                           "Without scaling, the expectation drops by a factor $1-p$ between training and test."),
    }),
)


def _validate_p(p) -> None:
    from solver.core.errors import ParamError

    if p is not SYMBOLIC and not 0 <= p < 1:
        raise ParamError(Text("p doit être dans [0, 1[", "p must lie in [0, 1)"))


EXERCISES = (EX_17, EX_32)
