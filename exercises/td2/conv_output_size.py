"""td2.II.1 — output size of a 2D convolution along one dimension (with dilation as an extension)."""

from __future__ import annotations

from solver.core.errors import ParamError
from solver.core.exercise import Exercise, Part, Solution, Step
from solver.core.params import SYMBOLIC, Assumption, Param
from solver.core.text import Text
from solver.derive.draw import input_side
from solver.derive.mistakes import mistake
from solver.maths.layers import effective_kernel

NAMES = ("i", "k", "s", "p", "d")


def statement(q) -> Text:
    v = {n: q.given(n) for n in NAMES}
    dil_fr = "" if q["d"] == 1 else f" et une dilatation ${v['d']}$"
    dil_en = "" if q["d"] == 1 else f" and a dilation ${v['d']}$"
    formula = "i + 2p - k" if q["d"] == 1 else "i + 2p - d(k - 1) - 1"
    extra_fr = "" if q["d"] == 1 else " (sans dilatation, $d = 1$ : $\\lfloor (i + 2p - k)/s \\rfloor + 1$)"
    extra_en = "" if q["d"] == 1 else " (without dilation, $d = 1$: $\\lfloor (i + 2p - k)/s \\rfloor + 1$)"
    return Text(
        f"Une couche convolutive 2D applique un noyau de côté ${v['k']}$ avec un pas ${v['s']}$, "
        f"un remplissage de ${v['p']}$ zéros de chaque côté{dil_fr}, à une carte d'entrée de côté "
        f"${v['i']}$. On regarde une seule dimension (largeur ou hauteur). Montrer que la carte de "
        f"sortie a pour côté $o = \\lfloor ({formula})/s \\rfloor + 1${extra_fr} et donner $o$.",
        f"A 2D convolutional layer applies a kernel of side ${v['k']}$ with stride ${v['s']}$ and "
        f"${v['p']}$ zeros of padding on each side{dil_en} to an input map of side ${v['i']}$. "
        "Looking at one dimension (width or height), show that the output map has side "
        f"$o = \\lfloor ({formula})/s \\rfloor + 1${extra_en} and give $o$.")


def solve(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import derive
    from solver.maths.layers import conv_output_size

    dilated = q["d"] != 1
    names = NAMES if dilated else NAMES[:4]
    i, k, s, p = q.symbols(*NAMES[:4])
    d = q.symbol("d") if dilated else 1
    bind = q.bindings(*names)
    o, t = sp.symbols("o t")
    span = effective_kernel(k, d)
    size = conv_output_size(i, k, s, p, d)
    last_cell = "d(k - 1)" if dilated else "k - 1"
    steps = [Step(Text(
        "Avec une dilatation $d$, le noyau saute $d - 1$ cellules entre deux coefficients : il couvre "
        "$d(k-1)+1$ cellules.",
        "With dilation $d$, the kernel skips $d - 1$ cells between two taps: it spans $d(k-1)+1$ cells."),
        derive(sp.Symbol("k_{eff}"), span, bind))] if dilated else []
    steps += [
        Step(Text("Le remplissage ajoute $p$ zéros de chaque côté : l'entrée remplie a $i + 2p$ cellules.",
                  "Padding adds $p$ zeros on each side: the padded input has $i + 2p$ cells."),
             derive(sp.Symbol("n_{pad}"), i + 2 * p, bind)),
        Step(Text(f"La position $t$ (comptée à partir de 0) place le noyau sur les cellules $ts$ à "
                  f"$ts + {last_cell}$ ; elle est valide tant que le noyau reste dans l'entrée remplie.",
                  f"Position $t$ (counted from 0) puts the kernel on cells $ts$ to $ts + {last_cell}$; it is "
                  "valid as long as the kernel stays inside the padded input."),
             sp.Le(t * s + span - 1, i + 2 * p - 1)),
        Step(Text("$t$ est un entier : la dernière position valide est la partie entière inférieure.",
                  "$t$ is an integer: the last valid position is the floor."),
             derive(sp.Symbol("t_{max}"), sp.floor((i + 2 * p - span) / s), bind)),
        Step(Text("Les positions vont de $0$ à $t_{max}$, d'où $t_{max} + 1$ sorties.",
                  "Positions run from $0$ to $t_{max}$, hence $t_{max} + 1$ outputs."),
             derive(o, size, bind), kind="result"),
        *_remarks(q),
    ]
    return Solution(q, tuple(steps), {"o": size.xreplace(bind)})


def _remarks(q) -> list[Step]:
    """Why the floor: the cells of the padded input that no position of the kernel reaches."""
    if any(q.is_symbolic(n) for n in NAMES):
        return [Step(Text(
            "Quand $s$ ne divise pas $i + 2p - k$, les dernières cellules de l'entrée remplie ne sont "
            "couvertes par aucune position : c'est pourquoi on arrondit vers le bas.",
            "When $s$ does not divide $i + 2p - k$, the last cells of the padded input are covered by "
            "no position: that is why the result is rounded down."), kind="remark")]
    i, k, s, p, d = (q[n] for n in NAMES)
    rest = (i + 2 * p - effective_kernel(k, d)) % s
    if not rest:
        return []
    span = "k" if d == 1 else "k_{eff}"
    cells = Text("la dernière cellule de l'entrée remplie n'est vue", "the last cell of the padded input is seen") \
        if rest == 1 else Text(f"les {rest} dernières cellules de l'entrée remplie ne sont vues",
                               f"the last {rest} cells of the padded input are seen")
    return [Step(Text(f"Ici $s$ ne divise pas $i + 2p - {span}$ : ", f"Here $s$ does not divide $i + 2p - {span}$: ")
                 + cells + Text(" par aucune position du noyau.", " by no position of the kernel."), kind="remark")]


def validate(values) -> None:
    if any(values[n] is SYMBOLIC for n in NAMES):
        return
    span, padded = effective_kernel(values["k"], values["d"]), values["i"] + 2 * values["p"]
    if span > padded:
        raise ParamError(Text(
            f"le noyau couvre {span} cellules mais l'entrée remplie n'en a que {padded} (i + 2p)",
            f"the kernel spans {span} cells but the padded input has only {padded} (i + 2p)"))


def draw(rng) -> dict:
    k = rng.choice((1, 2, 3, 3, 5, 7))
    d = rng.choice((1, 1, 1, 2))
    p = rng.randint(0, k // 2 + 1)
    s = rng.randint(1, 3)
    return {"i": input_side(rng, k, p, d), "k": k, "s": s, "p": p, "d": d}


def check(q, sol, checks) -> None:
    """Compare the formula with the output shape of torch's conv2d, over a grid when symbolic."""
    import torch
    import torch.nn.functional as F

    if any(q.is_symbolic(n) for n in NAMES):
        cases = [(i, k, s, p, 1) for i in range(1, 13) for k in (1, 2, 3, 5) for s in (1, 2, 3)
                 for p in (0, 1, 2) if k <= i + 2 * p]
        if q.is_symbolic("d"):
            cases += [(i, 3, s, p, 2) for i in range(5, 12) for s in (1, 2) for p in (0, 1)]
        else:
            cases = [(i, k, s, p, q["d"]) for i, k, s, p, _ in cases if q["d"] * (k - 1) < i + 2 * p]
    else:
        cases = [tuple(q[n] for n in NAMES)]
    for i, k, s, p, d in cases:
        out = F.conv2d(torch.zeros(1, 1, i, i), torch.zeros(1, 1, k, k), stride=s, padding=p, dilation=d).shape[-1]
        value = sol.answers["o"].xreplace(dict(zip(q.symbols(*NAMES), (i, k, s, p, d))))
        checks.equal(f"o(i={i},k={k},s={s},p={p},d={d})", int(value), out)


def _perturbed(rounding: str | None = "floor", plus: int = 1, sides: int = 2):
    """`conv_output_size` with one rule changed (a mal-rule): the rounding, the +1, or the
    padding counted on both sides."""
    def wrong(q):
        import sympy as sp

        i, k, s, p, d = q.symbols(*NAMES)
        ratio = (i + sides * p - effective_kernel(k, d)) / s
        return ((getattr(sp, rounding)(ratio) if rounding else ratio) + plus).xreplace(q.bindings(*NAMES))
    return wrong


def _side(name: str, doc: Text, default=SYMBOLIC, minimum: int = 1, assume: Assumption = "size") -> Param:
    return Param(name, "int", default, doc, minimum=minimum, symbolic_ok=True, assume=assume)


PARAMS = (_side("i", Text("côté de l'entrée", "input side")),
          _side("k", Text("côté du noyau", "kernel side")),
          _side("s", Text("pas (stride)", "stride")),
          _side("p", Text("remplissage par côté", "padding per side"), minimum=0, assume="natural"),
          _side("d", Text("dilatation", "dilation"), default=1))

EXERCISES = (Exercise(
    id="td2.II.1",
    sheet="td2",
    aliases=("conv-output-size",),
    title=Text("Taille de sortie d'une convolution", "Output size of a convolution"),
    statement=statement,
    params=PARAMS,
    parts=(Part("o", "expr", Text("côté $o$ de la sortie", "side $o$ of the output"),
                domain={p.name: p.assume for p in PARAMS if p.assume is not None}),),
    solve=solve,
    check=check,
    draw=draw,
    validate=validate,
    diagnoses=(mistake("ceil-instead-of-floor", "o", _perturbed(rounding="ceiling")),
               mistake("missing-plus-one", "o", _perturbed(plus=0)),
               mistake("missing-floor", "o", _perturbed(rounding=None)),
               mistake("padding-one-side", "o", _perturbed(sides=1))),
),)
