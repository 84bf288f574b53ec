"""Model exercises: a YAML file that turns any `nn.Module` into an exercise.

The file names the network (``model: lenet.py:LeNet5``, a class or a function returning a module,
next to the YAML file), its constructor `args`, the `input` shape (C, H, W or C, L), what to ask
per layer (`ask`: module name → quantities among `QUANTITIES`), the `totals` to ask, and the
`variants` a seed may draw (``input``: shapes, ``args.<name>``: values). Format: CONTRIBUTING.md.

The statement needs no torch (it names the network, its arguments, its input and the layers
asked), so `show` stays fast. `solve` traces the real module with the analyzer
(`solver.analyze.analyze`) and explains each value with `solver.maths.architecture`'s explanations; `check`
compares the answers with the real module (forward shapes, numel, gradient support); every part
has the mal-rules of `solver.analyze.model_mistakes` (the analyzer's per-layer arithmetic with one rule
perturbed).
"""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from solver.analyze import model_follow
from solver.analyze import model_mistakes as mistakes
from solver.core.errors import WorkError
from solver.core.exercise import Exercise, Part, Solution, Step
from solver.core.params import Param
from solver.core.sheetfile import bilingual, check_fields, load_yaml, sheet_error
from solver.core.text import Text
from solver.derive.mistakes import mistake

QUANTITIES = ("shape", "params", "rf", "jump", "mult_adds")
TOTALS = ("params", "mult_adds")
_FIELDS = ("id", "title", "model", "input", "args", "ask", "totals", "variants", "aliases")
_DIMS = {2: ("C", "L"), 3: ("C", "H", "W")}


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """A model exercise as its YAML file declares it (plain values: hashable, no torch)."""

    path: str
    id: str
    model_file: str
    model_name: str
    input: tuple
    args: tuple                 # ((name, default), …)
    ask: tuple                  # ((layer, (quantity, …)), …)
    totals: tuple
    input_variants: tuple       # shapes a seed may draw
    arg_variants: tuple         # ((name, (value, …)), …)

    @property
    def dims(self) -> tuple:
        return _DIMS[len(self.input)]

    def values(self, q) -> tuple[tuple, dict]:
        """(input shape, constructor arguments) of a variant's parameters."""
        shape = tuple(int(q[d]) for d in self.dims)
        args = {name: _arg_value(q[f"args.{name}"], default) for name, default in self.args}
        return shape, args


# --- reading the YAML ---------------------------------------------------------------------------------

def load_model_exercise(path, sheet_id: str) -> Exercise:
    """The `Exercise` a model-exercise YAML file declares, in the sheet `sheet_id`."""
    spec = read_spec(Path(path))
    return _exercise(spec, sheet_id, bilingual(_data(Path(path))["title"], path, "title"),
                     tuple(_data(Path(path)).get("aliases") or ()))


@lru_cache(maxsize=None)
def _data_cached(path: str, mtime: float) -> dict:
    return load_yaml(Path(path))


def _data(path: Path) -> dict:
    return _data_cached(str(path), path.stat().st_mtime)


def read_spec(path: Path) -> ModelSpec:
    """Check every field of the file; a mistake is a `UsageError` naming the file and the field."""
    data = _data(path)
    check_fields(path, data, _FIELDS, "id, model, input…", "model")
    for name in ("id", "title", "model", "input"):
        if name not in data:
            raise sheet_error(path, name, "requis", "required")
    if not isinstance(data["id"], str) or not data["id"].strip() or any(c.isspace() or c == "/" for c in data["id"]):
        raise sheet_error(path, "id", "un identifiant sans espace ni /", "an id without spaces or /")
    bilingual(data["title"], path, "title")
    aliases = data.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise sheet_error(path, "aliases", "une liste de noms", "a list of names")
    model_file, model_name = _model(data["model"], path)
    shape = _shape(data["input"], path, "input")
    args = data.get("args") or {}
    if not isinstance(args, dict) or not all(isinstance(k, str) and k.isidentifier() for k in args) or \
            not all(_plain_value(v) for v in args.values()):
        raise sheet_error(path, "args", "un dictionnaire nom → nombre, booléen ou texte",
                          "a mapping name → number, boolean or string")
    ask = _ask(data.get("ask") or {}, path)
    totals = data.get("totals") or []
    if not isinstance(totals, list) or not all(t in TOTALS for t in totals):
        raise sheet_error(path, "totals", f"une liste parmi {', '.join(TOTALS)}", f"a list among {', '.join(TOTALS)}")
    if not ask and not totals:
        raise sheet_error(path, "ask", "rien n'est demandé (ask ou totals)", "nothing is asked (ask or totals)")
    inputs, arg_variants = _variants(data.get("variants") or {}, path, shape, args)
    return ModelSpec(str(path), data["id"], model_file, model_name, shape, tuple(args.items()), ask,
                     tuple(dict.fromkeys(totals)), inputs, arg_variants)


def _model(value, path: Path) -> tuple[str, str]:
    file, sep, name = str(value).rpartition(":")
    if not isinstance(value, str) or not sep or not file.endswith(".py") or not name.isidentifier():
        raise sheet_error(path, "model", "attendu FICHIER.py:NOM", "expected FILE.py:NAME")
    model_file = (path.parent / file).resolve()
    if not model_file.is_file():
        raise sheet_error(path, "model", f"fichier introuvable : {model_file}", f"file not found: {model_file}")
    return str(model_file), name


def _shape(value, path: Path, field_name: str) -> tuple:
    if not isinstance(value, list) or len(value) not in _DIMS or \
            not all(isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 100_000 for v in value):
        raise sheet_error(path, field_name, "une forme [C, H, W] (ou [C, L]) d'entiers ≥ 1",
                          "a shape [C, H, W] (or [C, L]) of integers ≥ 1")
    return tuple(value)


def _ask(ask, path: Path) -> tuple:
    if not isinstance(ask, dict):
        raise sheet_error(path, "ask", "un dictionnaire couche → liste de quantités",
                          "a mapping layer → list of quantities")
    out = []
    for layer, quantities in ask.items():
        if not isinstance(quantities, list) or not quantities or not all(q in QUANTITIES for q in quantities):
            raise sheet_error(path, f"ask.{layer}", f"une liste parmi {', '.join(QUANTITIES)}",
                              f"a list among {', '.join(QUANTITIES)}")
        out.append((str(layer), tuple(dict.fromkeys(quantities))))
    return tuple(out)


def _plain_value(v) -> bool:
    return v is None or isinstance(v, (bool, int, float, str))


def _variants(variants, path: Path, shape: tuple, args: dict) -> tuple[tuple, tuple]:
    if not isinstance(variants, dict):
        raise sheet_error(path, "variants", "un dictionnaire", "a mapping")
    inputs: tuple[tuple, ...] = ()
    by_arg = []
    for key, values in variants.items():
        where = f"variants.{key}"
        if not isinstance(values, list) or not values:
            raise sheet_error(path, where, "une liste non vide de valeurs", "a non-empty list of values")
        if key == "input":
            inputs = tuple(_shape(v, path, where) for v in values)
            if any(len(v) != len(shape) for v in inputs):
                raise sheet_error(path, where, "des formes de la même dimension que input",
                                  "shapes with as many dimensions as input")
        elif isinstance(key, str) and key.startswith("args.") and key[5:] in args:
            default = args[key[5:]]
            if not all(_plain_value(v) and type(v) is type(default) for v in values):
                raise sheet_error(path, where, f"des valeurs du type de l'argument ({type(default).__name__})",
                                  f"values of the argument's type ({type(default).__name__})")
            by_arg.append((key[5:], tuple(values)))
        else:
            raise sheet_error(path, where, "attendu input ou args.<nom d'un argument de args>",
                              "expected input or args.<name of an argument in args>")
    return inputs, tuple(by_arg)


# --- the exercise ----------------------------------------------------------------------------------------

def _exercise(spec: ModelSpec, sheet_id: str, title: Text, aliases: tuple) -> Exercise:
    follows = model_follow.declared(spec.ask, spec.totals)
    parts = tuple(Part(f"{layer}.{q}", "shape" if q == "shape" else "int", _PROMPTS[q].format(layer=layer),
                       layout="channels-first" if q == "shape" else None, follows=follows.get(f"{layer}.{q}", ()))
                  for layer, quantities in spec.ask for q in quantities)
    parts += tuple(Part(f"total.{t}", "int", _TOTAL_PROMPTS[t], follows=follows.get(f"total.{t}", ()))
                   for t in spec.totals)
    return Exercise(
        id=spec.id, sheet=sheet_id, title=title, aliases=aliases, parts=parts, params=_params(spec),
        statement=lambda q: _statement(spec, q), solve=lambda q: _solve(spec, q),
        check=lambda q, sol, checks: _check(spec, q, sol, checks),
        draw=_drawer(spec) if spec.input_variants or spec.arg_variants else None,
        diagnoses=tuple(d for p in parts for d in _diagnoses(spec, p.id)),
        follow=(lambda q, part_id, earlier: _follow(spec, q, part_id, earlier)) if follows else None)


_PROMPTS = {
    "shape": Text("forme de sortie de {layer} (canaux d'abord)", "output shape of {layer} (channels first)"),
    "params": Text("paramètres appris de {layer}", "learned parameters of {layer}"),
    "rf": Text("champ récepteur d'une unité de {layer} (côté, en pixels d'entrée)",
               "receptive field of one unit of {layer} (side, in input pixels)"),
    "jump": Text("saut de {layer} (pas effectif, en pixels d'entrée)",
                 "jump of {layer} (effective stride, in input pixels)"),
    "mult_adds": Text("multiplications-additions de {layer} pour une entrée",
                      "multiply-adds of {layer} for one input"),
}
_TOTAL_PROMPTS = {"params": Text("total des paramètres appris", "total of learned parameters"),
                  "mult_adds": Text("total des multiplications-additions pour une entrée",
                                    "total multiply-adds for one input")}


def _params(spec: ModelSpec) -> tuple:
    dims_doc = {"C": Text("canaux d'entrée", "input channels"), "H": Text("hauteur d'entrée", "input height"),
                "W": Text("largeur d'entrée", "input width"), "L": Text("longueur d'entrée", "input length")}
    out = [Param(d, "int", v, dims_doc[d], minimum=1, maximum=100_000) for d, v in zip(spec.dims, spec.input)]
    for name, default in spec.args:
        doc = Text(f"argument {name} du constructeur", f"constructor argument {name}")
        if isinstance(default, int) and not isinstance(default, bool):
            out.append(Param(f"args.{name}", "int", default, doc))
        elif isinstance(default, float):
            out.append(Param(f"args.{name}", "number", default, doc))
        else:
            values = dict(spec.arg_variants).get(name, ()) + (default,)
            out.append(Param(f"args.{name}", "choice", _word(default), doc,
                             choices=tuple(dict.fromkeys(_word(v) for v in values))))
    return tuple(out)


def _word(v) -> str:
    return "true" if v is True else "false" if v is False else "none" if v is None else str(v)


def _arg_value(value, default):
    """A parameter's value back to the constructor's type (choices are words, numbers Fractions)."""
    if isinstance(default, bool) or default is None:
        return {"true": True, "false": False, "none": None}.get(value, value)
    if isinstance(default, float):
        return float(value)
    return value


def _drawer(spec: ModelSpec):
    def draw(rng: random.Random) -> dict:
        out: dict = {}
        if spec.input_variants:
            out.update(zip(spec.dims, rng.choice(spec.input_variants)))
        for name, values in spec.arg_variants:
            value = rng.choice(values)
            out[f"args.{name}"] = value if isinstance(value, (int, float)) and not isinstance(value, bool) \
                else _word(value)
        return out
    return draw


def _statement(spec: ModelSpec, q) -> Text:
    shape, args = spec.values(q)
    file = Path(spec.model_file).name
    layers = ", ".join(layer for layer, _ in spec.ask)
    given = ", ".join(f"{k} = {_word(v)}" for k, v in args.items())
    axes = {2: ("canaux, longueur", "channels, length"), 3: ("canaux, hauteur, largeur", "channels, height, width")}
    fr_axes, en_axes = axes[len(shape)]
    shape_tex = "$(" + ", ".join(str(v) for v in shape) + ")$"
    fr = (f"Le réseau {spec.model_name} du fichier {file}" + (f" (arguments : {given})" if given else "")
          + f" reçoit une entrée de forme {shape_tex} ({fr_axes}), un exemple à la fois.")
    en = (f"The network {spec.model_name} of the file {file}" + (f" (arguments: {given})" if given else "")
          + f" receives an input of shape {shape_tex} ({en_axes}), one sample at a time.")
    declared = _declared_layers(spec.model_file, spec.model_name)
    if declared:
        fr += " Ses couches, telles que le constructeur les déclare : " + " ; ".join(declared) + "."
        en += " Its layers, as the constructor declares them: " + "; ".join(declared) + "."
    if layers:
        fr += f" Pour les couches {layers}, donnez ce qui est demandé (formes canaux d'abord, sans le lot)."
        en += f" For the layers {layers}, give what is asked (shapes channels first, without the batch)."
    return Text(fr, en)


def _declared_layers(model_file: str, name: str) -> tuple:
    """``attr = nn.Layer(…)`` for each module the class's ``__init__`` assigns, read from the source
    (not run: no torch); empty for a function or a source that cannot be read.

    >>> import pathlib, tempfile
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "m.py"
    >>> _ = f.write_text("class M:\\n def __init__(self, n):\\n  self.fc = nn.Linear(4, n)\\n  self.k = 3\\n")
    >>> _declared_layers(str(f), "M")
    ('fc = nn.Linear(4, n)',)
    """
    path = Path(model_file)
    try:
        return _declared_cached(str(path), path.stat().st_mtime, name)
    except OSError:
        return ()


@lru_cache(maxsize=None)
def _declared_cached(path: str, mtime: float, name: str) -> tuple:
    import ast

    try:
        source = Path(path).read_text(encoding="utf-8")
        tree = ast.parse(source)
    except (OSError, SyntaxError, ValueError, UnicodeDecodeError):
        return ()
    cls = next((n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name), None)
    init = next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"), None) \
        if cls is not None else None
    out = []
    for node in ast.walk(init) if init is not None else ():
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self":
                call = " ".join((ast.get_source_segment(source, node.value) or "").split()).replace("$", "")
                out.append(f"{target.attr} = {call[:120]}")
    return tuple(out)


# --- tracing the real module ---------------------------------------------------------------------------------

def _key(q) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in q.items()))


@lru_cache(maxsize=64)
def _traced(spec: ModelSpec, key: tuple):
    """(model, analysis) of the variant whose parameter values are `key` (traced once per variant)."""
    from solver.analyze.analyze import analyze

    q = dict(key)
    shape = tuple(int(q[d]) for d in spec.dims)
    args = {name: _arg_value(_typed(q[f"args.{name}"], default), default) for name, default in spec.args}
    model = _build(spec, shape, args)
    return model, analyze(model, shape, spec.model_file, check=False)


def _typed(raw: str, default):
    if isinstance(default, int) and not isinstance(default, bool):
        return int(raw)
    if isinstance(default, float):
        from fractions import Fraction

        return float(Fraction(raw))
    return raw


def _build(spec: ModelSpec, shape: tuple, args: dict):
    """The real module, its lazy layers (LazyLinear…) materialised by a dry forward pass."""
    import torch

    from solver.analyze.analyze import build
    from solver.core.modules import import_file

    module = import_file(spec.model_file)
    factory = getattr(module, spec.model_name, None)
    if factory is None:
        raise WorkError(Text(f"{spec.path} : « {spec.model_name} » n'est pas défini dans {spec.model_file}",
                             f"{spec.path}: '{spec.model_name}' is not defined in {spec.model_file}"))
    try:
        model = factory(**args)
    except Exception:  # the teacher's constructor: the analyzer words the error (padding 'same'…)
        model = build(factory, args, spec.model_file, spec.model_name)
    if not isinstance(model, torch.nn.Module):
        model = build(lambda **_: model, {}, spec.model_file, spec.model_name)
    if any(isinstance(p, torch.nn.parameter.UninitializedParameter) for p in model.parameters()):
        try:
            with torch.no_grad():
                model(torch.zeros(1, *shape))
        except Exception as exc:  # the dry forward pass that gives lazy layers their size
            from solver.core.modules import one_line

            raise WorkError(Text(f"{spec.path} : le passage avant à vide échoue pour l'entrée {shape} : "
                                 f"{one_line(exc)}",
                                 f"{spec.path}: the dry forward pass fails for the input {shape}: "
                                 f"{one_line(exc)}")) from None
    return model.eval()


def _rows(spec: ModelSpec, q) -> dict:
    """Analyzer layer by name (the first call of a module), every asked layer present."""
    _, analysis = _traced(spec, _key(q))
    by_name: dict = {}
    for layer in analysis.layers:
        by_name.setdefault(layer.name, layer)
    for name, _ in spec.ask:
        if name not in by_name:
            known = ", ".join(by_name)
            raise WorkError(Text(f"{spec.path} : champ « ask.{name} » : le réseau n'a pas de couche « {name} » "
                                 f"(couches : {known})",
                                 f"{spec.path}: field 'ask.{name}': the network has no layer '{name}' "
                                 f"(layers: {known})"))
    return by_name


def _value(layer, quantity: str):
    row = layer.row
    return {"shape": row.shape, "params": row.params, "rf": row.rf, "jump": row.jump,
            "mult_adds": row.mult_adds}[quantity]


def _answers(spec: ModelSpec, q) -> dict:
    import sympy as sp

    by_name = _rows(spec, q)
    _, analysis = _traced(spec, _key(q))
    out = {}
    for layer, quantities in spec.ask:
        for quantity in quantities:
            value = _value(by_name[layer], quantity)
            out[f"{layer}.{quantity}"] = sp.Tuple(*[int(v) for v in value]) if quantity == "shape" \
                else sp.Integer(int(value))
    out.update({f"total.{t}": sp.Integer(model_follow.key_total(analysis, t)) for t in spec.totals})
    return out


def _follow(spec: ModelSpec, q, part_id: str, earlier: Mapping[str, Any]):
    """A part recomputed from the student's values of the parts it follows (`solver.analyze.model_follow`)."""
    _rows(spec, q)  # every asked layer exists (else a clear error)
    _, analysis = _traced(spec, _key(q))
    return model_follow.follow(analysis, part_id, earlier)


def _solve(spec: ModelSpec, q) -> Solution:
    from solver.derive.architecture_steps import explain_rows

    _, analysis = _traced(spec, _key(q))
    rows = [layer.row for layer in analysis.layers]
    order = ", ".join(f"{l.name} ({l.type})" for l in analysis.layers)
    steps = [Step(Text(f"Le passage avant traverse, dans l'ordre : {order}. On suit la forme, les paramètres et "
                       "le champ récepteur couche par couche (r et j : côté du champ et saut, en pixels d'entrée).",
                       f"The forward pass goes through, in order: {order}. Shape, parameters and receptive field "
                       "are followed layer by layer (r and j: field side and jump, in input pixels)."))]
    steps += explain_rows(rows)
    asked = {layer for layer, quantities in spec.ask if "mult_adds" in quantities}
    if asked or "mult_adds" in spec.totals:
        steps += [_mult_adds_step(r) for r in rows
                  if r.name in asked or "mult_adds" in spec.totals and mistakes.has_weights(r.layer)]
    if "mult_adds" in spec.totals:
        steps.append(_mult_adds_total(rows))
    return Solution(q, tuple(steps), _answers(spec, q))


def _mult_adds_step(row) -> Step:
    """One row's multiply-adds as the analyzer counts them: one per weight and output position, no bias."""
    import sympy as sp

    from solver.derive.architecture_steps import _head
    from solver.derive.chain import Chain, derive
    from solver.maths.architecture import Conv, Linear

    lhs = sp.Symbol(f"M_{row.name}")
    layer = row.layer
    if isinstance(layer, Conv):
        n_out, c_in, k = sp.symbols("N_out C_in k")
        text = Text("une multiplication-addition par poids de la fenêtre ($C_{in}/g \\cdot k^d$) et par valeur de "
                    "sortie ($N_{out}$ = produit de la forme de sortie) ; le biais n'est pas compté.",
                    "one multiply-add per weight of the window ($C_{in}/g \\cdot k^d$) and per output value "
                    "($N_{out}$ = product of the output shape); the bias is not counted.")
        n = 1
        for v in row.shape:
            n *= int(v)
        return Step(_head(row) + text, derive(lhs, n_out * c_in * k ** layer.dims / layer.groups,
                                              {n_out: n, c_in: row.in_shape[0], k: layer.kernel}))
    if isinstance(layer, Linear):
        n_in, n_out = sp.symbols("n_in n_out")
        text = Text("une multiplication-addition par poids ; le biais n'est pas compté.",
                    "one multiply-add per weight; the bias is not counted.")
        return Step(_head(row) + text, derive(lhs, n_in * n_out, {n_in: row.in_shape[0], n_out: layer.out_features}))
    text = Text("aucune multiplication-addition comptée (seules les convolutions et couches denses le sont).",
                "no multiply-add counted (only convolutions and dense layers are).")
    return Step(_head(row) + text, Chain(lhs, sp.sympify(row.mult_adds)))


def _mult_adds_total(rows) -> Step:
    import sympy as sp

    from solver.derive.chain import Chain

    total = sum(int(r.mult_adds) for r in rows)
    return Step(Text("Le total des multiplications-additions est la somme sur les couches.",
                     "The total of multiply-adds is the sum over the layers."),
                Chain(sp.Symbol("M_total"), sp.Integer(total)), kind="result")


# --- checks against the real module ----------------------------------------------------------------------------

def _check(spec: ModelSpec, q, sol, checks) -> None:
    """Shapes of a real forward pass (hooks), numel of each module, receptive fields by gradient support."""
    import torch

    from solver.analyze.analyze import analyze

    shape, _ = spec.values(q)
    model, _ = _traced(spec, _key(q))
    modules = dict(model.named_modules())
    seen: dict = {}
    hooks = [modules[name].register_forward_hook(_recorder(seen, name)) for name, _ in spec.ask if name in modules]
    try:
        with torch.no_grad():
            model(torch.zeros(1, *shape))
    finally:
        for h in hooks:
            h.remove()
    for layer, quantities in spec.ask:
        module, y = modules.get(layer), seen.get(layer)
        for quantity in quantities:
            got, part = sol.answers[f"{layer}.{quantity}"], f"{layer}.{quantity}"
            if quantity == "shape" and y is not None:
                checks.equal(part + " (forward)", tuple(int(v) for v in got), tuple(y.shape[1:]))
            elif quantity == "params" and module is not None:
                checks.equal(part + " (numel)", int(got), sum(p.numel() for p in module.parameters()))
            elif quantity == "mult_adds" and module is not None and y is not None:
                checks.equal(part + " (weights × outputs)", int(got), _mult_adds(module, y))
    if "params" in spec.totals:
        checks.equal("total.params (numel)", int(sol.answers["total.params"]),
                     sum(p.numel() for p in model.parameters()))
    _check_fields(spec, q, sol, checks, analyze(model, shape, spec.model_file, check=True), model, shape)


def _recorder(seen: dict, name: str):
    def hook(module, inputs, output):
        seen.setdefault(name, output)
    return hook


def _mult_adds(module, y) -> int:
    """Multiply-adds counted from the real output: weights per output value × output values."""
    import torch.nn as nn

    if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear)):
        per_output = module.weight[0].numel()
        return per_output * y[0].numel()
    return 0


def _check_fields(spec: ModelSpec, q, sol, checks, analysis, model, shape) -> None:
    """The analyzer's own self-checks (forward, numel, gradient support), then each asked receptive
    field against the window the gradient of one central unit of that layer reaches in the input."""
    for record in analysis.checks.records:
        checks.records.append(record)
    for layer, quantities in spec.ask:
        if "rf" in quantities:
            side = _measured_rf(model, shape, layer)
            if side is not None:
                checks.equal(f"{layer}.rf (gradient window)", int(sol.answers[f"{layer}.rf"]), side)


def _measured_rf(model, shape, layer: str) -> int | None:
    """Side of the input window on which one central unit of `layer` depends, measured by autograd on
    a copy with positive weights and max pools turned into average pools (nothing cancels)."""
    import copy

    import torch
    import torch.nn as nn

    from solver.analyze.analyze import gradient_extent

    twin = copy.deepcopy(model).double().eval()
    for _name, child in list(twin.named_modules()):
        for attr, sub in list(child.named_children()):
            if isinstance(sub, nn.MaxPool2d):
                setattr(child, attr, nn.AvgPool2d(sub.kernel_size, sub.stride, sub.padding))
    with torch.no_grad():
        for p in twin.parameters():
            p.copy_(p.abs() + 0.1)
    modules = dict(twin.named_modules())
    if layer not in modules or len(shape) != 3:
        return None
    seen: dict = {}
    handle = modules[layer].register_forward_hook(lambda m, i, o: seen.setdefault("y", o))

    def upto(x):
        seen.clear()
        twin(x)
        return seen["y"]

    try:
        y = upto(torch.ones(1, *shape, dtype=torch.float64))
        if y.dim() != 4:
            return None
        unit = (y.shape[2] // 2, y.shape[3] // 2)
        (top, bottom), _ = gradient_extent(upto, torch.ones(1, *shape, dtype=torch.float64), unit)
    finally:
        handle.remove()
    return bottom - top + 1


# --- mal-rules (solver/analyze/model_mistakes.py) on every part ---------------------------------------------------------

def _diagnoses(spec: ModelSpec, part_id: str) -> list:
    layer, _, quantity = part_id.rpartition(".")
    codes = mistakes.CODES[quantity] if layer != "total" else \
        ("missing-bias", "running-stats-as-params", "flatten-wrong-shape") if quantity == "params" else \
        ("params-instead-of-mult-adds",)
    return [mistake(code, part_id, _wrong(spec, layer, quantity, code)) for code in codes]


def _wrong(spec: ModelSpec, layer: str, quantity: str, code: str):
    def wrong(q):
        import sympy as sp

        _, analysis = _traced(spec, _key(q))
        if layer == "total":
            value = mistakes.wrong_total(analysis, quantity, code)
            right = model_follow.key_total(analysis, quantity)
        else:
            _rows(spec, q)  # the layer exists (else a clear error)
            index = next(n for n, l in enumerate(analysis.layers) if l.name == layer)
            value = mistakes.wrong_value(analysis.layers, index, quantity, code)
            right = _value(analysis.layers[index], quantity)
        if value is None or _same(value, right):
            return None
        return sp.Tuple(*[int(v) for v in value]) if quantity == "shape" else sp.Integer(int(value))
    return wrong


def _same(a, b) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return tuple(int(v) for v in a) == tuple(int(v) for v in b)
    return int(a) == int(b)
