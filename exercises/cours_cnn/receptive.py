"""cours-cnn.stacked-3x3, cours-cnn.rf-depth, cours-cnn.dilation — receptive fields of stacked and dilated
convolutions, and what stacking small kernels saves in parameters."""

from __future__ import annotations

from functools import partial

from solver.core.errors import ParamError
from solver.core.exercise import Diagnosis, Exercise, Part, Solution, Step
from solver.core.params import SYMBOLIC, Param
from solver.core.text import Text
from solver.derive.draw import input_side
from solver.derive.mistakes import mistake, mistakes_of
from solver.maths.layers import effective_kernel


def _pick(*values):
    return lambda rng: rng.choice(values)


def _support_1d(depth: int, k: int, d: int = 1) -> int:
    """Gradient support (in pixels) of the centre unit after `depth` stacked convolutions (torch)."""
    import torch
    import torch.nn.functional as F

    span = effective_kernel(k, d)
    n = depth * (span - 1) + 3
    x = torch.ones(1, 1, n, dtype=torch.float64, requires_grad=True)
    y, w = x, torch.ones(1, 1, k, dtype=torch.float64)
    for _ in range(depth):
        y = F.conv1d(y, w, dilation=d)
    grad, = torch.autograd.grad(y[0, 0, y.shape[-1] // 2], x)
    found = (grad[0, 0] != 0).nonzero()
    return int(found.max() - found.min() + 1)


# --- stacked-3x3 ------------------------------------------------------------------------------------

def _stack_layers(q, kernel, count, name="conv"):
    from solver.maths.architecture import Conv

    c = q.sym("C")
    return [Conv(c, kernel, padding=kernel // 2, name=f"{name}{n + 1}" if count > 1 else name)
            for n in range(count)]


def statement_stacked(q) -> Text:
    L, k, c = q["L"], q["k"], q.show("C")
    return Text(
        f"On empile {L} convolutions de noyau ${k}\\times {k}$ (pas 1, remplissage « same », avec biais), qui "
        f"gardent chacune ${c}$ canaux. Quel est le champ récepteur d'un neurone de la dernière couche ? Combien de "
        f"paramètres ont ces {L} couches, et combien en aurait une seule convolution de même champ récepteur (en "
        "fonction de $C$) ?",
        f"A stack of {L} convolutions with ${k}\\times {k}$ kernels (stride 1, 'same' padding, with bias) each keeps "
        f"${c}$ channels. What is the receptive field of a neuron of the last layer? How many parameters do these "
        f"{L} layers have, and how many would a single convolution with the same receptive field have (as "
        "functions of $C$)?")


def solve_stacked(q) -> Solution:
    import sympy as sp

    from solver.derive.architecture_steps import explain_params, explain_receptive_fields
    from solver.maths.architecture import trace

    c = q.sym("C")
    rows = trace((c, 32, 32), _stack_layers(q, q["k"], q["L"]))
    big = rows[-1].rf
    single = trace((c, 32, 32), _stack_layers(q, big, 1, name=f"single{big}x{big}"))
    steps = [Step(Text("Lecture : chaque convolution a un biais par filtre (comme `nn.Conv2d` par défaut) ; sans "
                       "biais, retirer les termes en $C$ seuls.",
                       "Reading: every convolution has one bias per filter (as `nn.Conv2d` by default); without "
                       "biases, drop the terms in $C$ alone."), kind="remark")]
    steps += explain_receptive_fields(rows)
    steps += explain_params(rows)
    steps.append(Step(Text(f"Une seule convolution de champ {big} a un noyau ${big}\\times {big}$ :",
                           f"A single convolution with field {big} has a ${big}\\times {big}$ kernel:")))
    steps += explain_params(single, total=False)
    p_stack = sp.expand(sum((sp.sympify(r.params) for r in rows), sp.Integer(0)))
    p_single = sp.expand(sp.sympify(single[0].params))
    ratio = sp.nsimplify(p_stack / p_single) if not q.is_symbolic("C") else sp.limit(p_stack / p_single, c, sp.oo)
    steps.append(Step(Text("Rapport des deux comptes (pour $C$ grand, celui des termes en $C^2$) : l'empilement "
                           "coûte moins et ajoute des non-linéarités entre les couches.",
                           "Ratio of the two counts (for large $C$, that of the $C^2$ terms): stacking costs less "
                           "and adds non-linearities between the layers."),
                      sp.Eq(sp.Symbol("ratio"), ratio), kind="result"))
    return Solution(q, tuple(steps), {"rf": sp.Integer(big), "params_3x3": p_stack, "params_7x7": p_single})


def check_stacked(q, sol, checks) -> None:
    import torch

    checks.equal("rf (gradient support)", int(sol.answers["rf"]), _support_1d(q["L"], q["k"]))
    c_sym = q.symbol("C")
    for c in ([q["C"]] if not q.is_symbolic("C") else [1, 3, 16]):
        count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
        stack = sum(count(torch.nn.Conv2d(c, c, q["k"], device="meta")) for _ in range(q["L"]))
        big = int(sol.answers["rf"])
        checks.equal(f"params stack (C={c})", int(sol.answers["params_3x3"].xreplace({c_sym: c})), stack)
        checks.equal(f"params single (C={c})", int(sol.answers["params_7x7"].xreplace({c_sym: c})),
                     count(torch.nn.Conv2d(c, c, big, device="meta")))


def _stack_wrong(part, code):
    def wrong(q):
        import sympy as sp

        c = q.sym("C")
        L, k = q["L"], q["k"]
        big = L * (k - 1) + 1
        if part == "rf":
            return sp.Integer({"sum-of-kernels": L * k, "off-by-one": L * (k - 1)}[code])
        kernel, count = (k, L) if part == "params_3x3" else (big, 1)
        if code == "missing-bias":
            return sp.expand(count * kernel ** 2 * c ** 2)
        if code == "channels-ignored":
            return sp.expand(count * (kernel ** 2 + 1) * c)
        return None
    return wrong


def _draw_stacked(rng) -> dict:
    return {"L": rng.choice((2, 3, 4)), "k": rng.choice((3, 3, 5)), "C": SYMBOLIC}


def _stacked_title(q) -> Text:
    """Title of a variant: L convolutions k×k against the single one of the same field."""
    L, k = q["L"], q["k"]
    big = L * (k - 1) + 1
    return Text(f"{L} convolutions {k}×{k} contre une {big}×{big}", f"{L} {k}×{k} convolutions versus one {big}×{big}")


STACKED = Exercise(
    id="cours-cnn.stacked-3x3", sheet="cours-cnn",
    title=Text("Trois convolutions 3×3 contre une 7×7", "Three 3×3 convolutions versus one 7×7"),
    variant_title=_stacked_title,
    statement=statement_stacked,
    params=(Param("L", "int", 3, Text("nombre de convolutions empilées", "number of stacked convolutions"),
                  minimum=1, maximum=20),
            Param("k", "int", 3, Text("côté des petits noyaux", "side of the small kernels"), minimum=1, maximum=11),
            Param("C", "int", SYMBOLIC, Text("nombre de canaux", "number of channels"), minimum=1,
                  symbolic_ok=True, assume="size")),
    parts=(Part("rf", "int", Text("champ récepteur après l'empilement", "receptive field after the stack")),
           Part("params_3x3", "expr", Text("paramètres de l'empilement (en $C$)", "parameters of the stack (in $C$)"),
                domain={"C": "size"}),
           Part("params_7x7", "expr", Text("paramètres de la convolution unique de même champ (en $C$)",
                                           "parameters of the single convolution with the same field (in $C$)"),
                domain={"C": "size"})),
    solve=solve_stacked, check=check_stacked, draw=_draw_stacked,
    diagnoses=mistakes_of("rf", partial(_stack_wrong, "rf"), {
        "sum-of-kernels": None,
        "off-by-one": Text(
            "Un pixel seul a un champ de 1 : $r = L(k - 1) + 1$.", "A single pixel has a field of 1: $r = L(k - 1) + 1$."),
    }) + mistakes_of("params_3x3", partial(_stack_wrong, "params_3x3"), {
        "missing-bias": None,
        "channels-ignored": Text(
            "Un filtre couvre les $C$ canaux d'entrée, et il y a $C$ filtres : $C^2 k^2$ poids.",
            "A filter covers the $C$ input channels, and there are $C$ filters: $C^2 k^2$ weights."),
    }) + mistakes_of("params_7x7", partial(_stack_wrong, "params_7x7"), {
        "missing-bias": None,
        "channels-ignored": Text(
            "Un filtre couvre les $C$ canaux d'entrée, et il y a $C$ filtres.",
            "A filter covers the $C$ input channels, and there are $C$ filters."),
    }))


# --- rf-depth ------------------------------------------------------------------------------------------

def statement_depth(q) -> Text:
    return Text(
        f"On empile ${q.given('L')}$ convolutions ${q.show('k')}\\times {q.show('k')}$ de pas 1. Quel est le champ "
        "récepteur d'un neurone de la dernière couche ?",
        f"${q.given('L')}$ convolutions ${q.show('k')}\\times {q.show('k')}$ with stride 1 are stacked. What is the "
        "receptive field of a neuron of the last layer?")


def solve_depth(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import Chain, derive

    L, k = q.bind("L", "k")
    Ls, ks = q.symbols("L", "k")
    l = sp.Symbol("l", integer=True, positive=True)
    bind = {s: v for s, v in ((Ls, L), (ks, k)) if not isinstance(v, sp.Symbol)}
    total = 1 + sp.Sum(ks - 1, (l, 1, Ls))
    value = sp.expand(total.doit())
    closed = Ls * (ks - 1) + 1
    steps = [
        Step(Text("Au pas 1 le saut reste $j = 1$ : chaque couche ajoute $(k - 1) \\cdot 1$ pixels au champ, "
                  "$r_l = r_{l-1} + (k - 1)$, en partant de $r_0 = 1$ (un pixel). On somme sur les $L$ couches :",
                  "At stride 1 the jump stays $j = 1$: each layer adds $(k - 1) \\cdot 1$ pixels to the field, "
                  "$r_l = r_{l-1} + (k - 1)$, starting from $r_0 = 1$ (one pixel). Sum over the $L$ layers:"),
             Chain(sp.Symbol("r_L"), total, closed), kind="step" if bind else "result"),
    ]
    if bind:
        steps.append(Step(Text("Avec les valeurs de l'énoncé :", "With the given values:"),
                          derive(sp.Symbol("r_L"), closed, bind), kind="result"))
    return Solution(q, tuple(steps), {"rf": sp.expand(value.xreplace(bind))})


def check_depth(q, sol, checks) -> None:
    Ls, ks = q.symbols("L", "k")
    depths = [q["L"]] if not q.is_symbolic("L") else [1, 2, 3, 5]
    kernels = [q["k"]] if not q.is_symbolic("k") else [1, 2, 3, 5]
    for L in depths:
        for k in kernels:
            got = sol.answers["rf"].xreplace({Ls: L, ks: k})
            checks.equal(f"rf(L={L}, k={k}) (gradient support)", int(got), _support_1d(L, k))


def _depth_wrong(f):
    def wrong(q):
        import sympy as sp

        L, k = q.bind("L", "k")
        return sp.expand(f(L, k))
    return wrong


DEPTH = Exercise(
    id="cours-cnn.rf-depth", sheet="cours-cnn",
    title=Text("Champ récepteur en fonction de la profondeur", "Receptive field as a function of depth"),
    statement=statement_depth,
    params=(Param("L", "int", SYMBOLIC, Text("nombre de couches", "number of layers"), draw=_pick(2, 3, 4, 6, 10),
                  minimum=1, symbolic_ok=True, assume="size"),
            Param("k", "int", SYMBOLIC, Text("côté des noyaux", "kernel side"), draw=_pick(3, 5, 7), minimum=1,
                  symbolic_ok=True, assume="size")),
    parts=(Part("rf", "expr", Text("champ récepteur (en $L$, $k$)", "receptive field (in $L$, $k$)"),
                domain={"L": "size", "k": "size"}),),
    solve=solve_depth, check=check_depth,
    diagnoses=(
        mistake("sum-of-kernels", "rf", _depth_wrong(lambda L, k: L * k)),
        mistake("off-by-one", "rf", _depth_wrong(lambda L, k: L * (k - 1)), Text(
            "Partez de $r_0 = 1$ (un pixel).", "Start from $r_0 = 1$ (one pixel).")),
        Diagnosis("product-of-kernels", "rf", _depth_wrong(lambda L, k: k ** L), Text(
            "Au pas 1 le champ croît linéairement, pas géométriquement.",
            "At stride 1 the field grows linearly, not geometrically.")),
    ))


# --- dilation --------------------------------------------------------------------------------------------

DIL = ("i", "k", "s", "p", "d")


def statement_dilation(q) -> Text:
    v = {n: q.given(n) for n in DIL}
    return Text(
        f"Une convolution dilatée a un noyau de côté ${v['k']}$ et une dilatation ${v['d']}$ (un coefficient toutes les "
        f"$d$ cellules), un pas ${v['s']}$ et un remplissage ${v['p']}$ par côté ; l'entrée a un côté ${v['i']}$. "
        "Quel côté $k_{eff}$ couvre le noyau, et quel est le côté $o$ de la sortie ?",
        f"A dilated convolution has a kernel of side ${v['k']}$ and dilation ${v['d']}$ (one tap every $d$ cells), "
        f"stride ${v['s']}$ and padding ${v['p']}$ per side; the input has side ${v['i']}$. What side $k_{{eff}}$ "
        "does the kernel span, and what is the side $o$ of the output?")


def solve_dilation(q) -> Solution:
    import sympy as sp

    from solver.derive.chain import derive
    from solver.maths.layers import conv_output_size, effective_kernel

    x = dict(zip(DIL, q.symbols(*DIL)))
    bind = q.bindings(*DIL)
    k_eff = effective_kernel(x["k"], x["d"])
    o = conv_output_size(x["i"], x["k"], x["s"], x["p"], x["d"])
    steps = (
        Step(Text("Entre deux coefficients le noyau saute $d - 1$ cellules : ses $k$ coefficients couvrent "
                  "$(k - 1)$ intervalles de $d$ cellules, plus la première.",
                  "Between two taps the kernel skips $d - 1$ cells: its $k$ taps span $(k - 1)$ gaps of $d$ cells, "
                  "plus the first one."), derive(sp.Symbol("k_eff"), k_eff, bind)),
        Step(Text("La règle de taille s'applique avec ce côté effectif : $o = \\lfloor (i + 2p - k_{eff})/s \\rfloor + 1$.",
                  "The size rule applies with this effective side: $o = \\lfloor (i + 2p - k_{eff})/s \\rfloor + 1$."),
             derive(sp.Symbol("o"), o, bind), kind="result"),
    )
    return Solution(q, steps, {"k_eff": sp.expand(k_eff.xreplace(bind)), "o": o.xreplace(bind)})


def validate_dilation(values) -> None:
    if any(values[n] is SYMBOLIC for n in DIL):
        return
    span = effective_kernel(values["k"], values["d"])
    if span > values["i"] + 2 * values["p"]:
        raise ParamError(Text(f"le noyau dilaté couvre {span} cellules, plus que l'entrée remplie",
                              f"the dilated kernel spans {span} cells, more than the padded input"))


def draw_dilation(rng) -> dict:
    k, d = rng.choice((2, 3, 3, 5)), rng.choice((2, 2, 3, 4))
    p, s = rng.randint(0, d * (k - 1) // 2 + 1), rng.choice((1, 1, 2))
    return {"i": input_side(rng, k, p, d), "k": k, "s": s, "p": p, "d": d}


def check_dilation(q, sol, checks) -> None:
    import torch
    import torch.nn.functional as F

    if any(q.is_symbolic(n) for n in DIL):
        cases = [(i, k, s, p, d) for i in (7, 10, 13) for k in (2, 3) for s in (1, 2) for p in (0, 1)
                 for d in (1, 2, 3) if d * (k - 1) < i + 2 * p]
    else:
        cases = [tuple(q[n] for n in DIL)]
    for i, k, s, p, d in cases:
        at = dict(zip(q.symbols(*DIL), (i, k, s, p, d)))
        w = torch.zeros(1, 1, k, dtype=torch.float64)
        w[0, 0, 0] = w[0, 0, -1] = 1  # first and last taps: the span the kernel covers
        impulse = F.conv_transpose1d(torch.ones(1, 1, 1, dtype=torch.float64), w, dilation=d)
        checks.equal(f"k_eff(k={k},d={d})", int(sol.answers["k_eff"].xreplace(at)), impulse.shape[-1])
        out = F.conv1d(torch.zeros(1, 1, i, dtype=torch.float64), w, stride=s, padding=p, dilation=d).shape[-1]
        checks.equal(f"o(i={i},k={k},s={s},p={p},d={d})", int(sol.answers["o"].xreplace(at)), out)


def _dil_wrong(part, f):
    def wrong(q):
        import sympy as sp

        return f(sp, dict(zip(DIL, q.symbols(*DIL)))).xreplace(q.bindings(*DIL))
    return wrong


DILATION = Exercise(
    id="cours-cnn.dilation", sheet="cours-cnn",
    title=Text("Convolution dilatée : côté effectif et taille de sortie", "Dilated convolution: effective side and "
               "output size"),
    statement=statement_dilation,
    params=(Param("i", "int", SYMBOLIC, Text("côté de l'entrée", "input side"), minimum=1, symbolic_ok=True,
                  assume="size"),
            Param("k", "int", SYMBOLIC, Text("côté du noyau", "kernel side"), minimum=1, symbolic_ok=True,
                  assume="size"),
            Param("s", "int", SYMBOLIC, Text("pas", "stride"), minimum=1, symbolic_ok=True, assume="size"),
            Param("p", "int", SYMBOLIC, Text("remplissage par côté", "padding per side"), minimum=0, symbolic_ok=True,
                  assume="natural"),
            Param("d", "int", SYMBOLIC, Text("dilatation", "dilation"), minimum=1, symbolic_ok=True,
                  assume="size")),
    parts=(Part("k_eff", "expr", Text("côté effectif du noyau", "effective kernel side"),
                domain={"k": "size", "d": "size"}),
           Part("o", "expr", Text("côté de la sortie", "output side"),
                domain={"i": "size", "k": "size", "s": "size", "p": "natural", "d": "size"})),
    solve=solve_dilation, check=check_dilation, draw=draw_dilation, validate=validate_dilation,
    diagnoses=(
        Diagnosis("dilation-times-kernel", "k_eff", _dil_wrong("k_eff", lambda sp, x: x["d"] * x["k"]), Text(
            "Les trous sont entre les coefficients : $k - 1$ intervalles de $d$, plus 1.",
            "The holes are between taps: $k - 1$ gaps of $d$, plus 1.")),
        mistake("missing-plus-one", "k_eff", _dil_wrong("k_eff", lambda sp, x: x["d"] * (x["k"] - 1)), Text(
            "Comptez aussi la cellule du premier coefficient : $+1$.", "Also count the first tap's cell: $+1$.")),
        Diagnosis("dilation-ignored", "o", _dil_wrong("o", lambda sp, x: sp.floor(
            (x["i"] + 2 * x["p"] - x["k"]) / x["s"]) + 1), Text(
            "La dilatation agrandit le noyau : utilisez $k_{eff}$ dans la règle de taille.",
            "Dilation enlarges the kernel: use $k_{eff}$ in the size rule.")),
        mistake("ceil-instead-of-floor", "o", _dil_wrong("o", lambda sp, x: sp.ceiling(
            (x["i"] + 2 * x["p"] - x["d"] * (x["k"] - 1) - 1) / x["s"]) + 1)),
    ))

EXERCISES = (STACKED, DEPTH, DILATION)
