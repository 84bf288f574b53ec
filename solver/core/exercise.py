"""The engine's plain types: parts, steps, solutions and exercises.

One flow for everything: ``Exercise + Params -> solve -> Solution(steps, answers)``. Renderers,
`verify`, the grader and the sheet generator all read the same `Solution`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Mapping, get_args

from solver.core import layouts
from solver.core.errors import ParamError
from solver.core.params import SYMBOLIC, Param, Params
from solver.core.text import Text

PartKind = Literal["int", "number", "expr", "matrix", "shape", "choice", "text"]
Domain = Literal["size", "odd", "natural", "integer", "index", "real", "positive", "probability"]
PART_KINDS: tuple[str, ...] = get_args(PartKind)
DOMAINS: tuple[str, ...] = get_args(Domain)  # the sets a symbol of an answer lives in (see `Part`)
STEP_KINDS = ("step", "remark", "result")


@dataclass(frozen=True)
class Part:
    """One answer of an exercise, addressed as ``<exercise id>/<part id>``.

    `kind` says how an answer is compared; `rtol`/`atol` are the tolerances of a `number`
    (or of numeric matrix entries); `choices` the words of a `choice` part; `domain` maps a
    symbol name of an `expr` answer to the set it lives in (a `Domain`: used to sample it when
    grading; a kind or domain outside these raises ValueError naming the part);
    `accept` lists the conventions the question leaves open, also graded right with a note:
    ``"transpose"`` (a matrix for y = x A instead of y = A x), ``"channels-last"`` (a shape
    written (H, W, C) instead of (C, H, W)); `given(params)` maps names the statement defines
    to their SymPy value (``{"s_k": g(a_k)}``): the grader puts them into an answer first.
    `follows` names the earlier parts this one is computed from (a layer's shape from the previous
    layer's shape): another part of the same exercise by its id, or a part of an earlier exercise of
    the same chain as ``"<exercise id>/<part id>"`` (fc1's parameters from the flattened size found in
    the question before). The grader may then give follow-through credit, with the exercise's `follow`
    hook (see `solver.grading.follow`).
    `layout` (a `shape` part's, required there and only there) says in which order the sheet writes
    the axes (``"HWC"``, ``"CHW"``, ``"TC"``…, see `solver.core.layouts`): JSON gives the shape channels
    first beside the tuple as written, and the grader accepts both orders.
    """

    id: str
    kind: PartKind
    prompt: Text
    choices: tuple[str, ...] = ()
    rtol: float = 1e-3
    atol: float = 1e-9
    domain: Mapping[str, Domain] = field(default_factory=dict)
    points: float = 1.0
    accept: tuple[str, ...] = ()
    given: Callable[[Params], Mapping[str, Any]] | None = None
    follows: tuple[str, ...] = ()
    layout: str | None = None

    def __post_init__(self):
        _check_domain(self)
        if self.kind not in PART_KINDS:
            raise ValueError(f"part {self.id}: unknown kind {self.kind!r}")
        if (self.kind == "shape") != (self.layout is not None):
            raise ValueError(f"part {self.id}: a layout is declared by shape parts, and only by them")
        if self.layout is not None:
            try:
                layouts.check(self.layout)
            except ValueError as exc:
                raise ValueError(f"part {self.id}: {exc}") from None


def _check_domain(part: Part) -> None:
    """Every symbol's domain is one of `DOMAINS` (a typo would silently sample the reals)."""
    for name, domain in dict(part.domain).items():
        if domain not in DOMAINS:
            raise ValueError(f"part {part.id}: unknown domain {domain!r} for {name!r} (domains: {', '.join(DOMAINS)})")


@dataclass(frozen=True)
class Step:
    """One line of a derivation: why (`text`) and what it produced (`math`, SymPy objects).

    `math` may be a single SymPy object or a tuple of them; renderers derive every string
    from it. `kind` is ``"remark"`` for a note on the source (a slip, an ambiguity) and
    ``"result"`` for the step that states an answer.
    """

    text: Text
    math: Any = None
    kind: str = "step"

    def __post_init__(self):
        if self.kind not in STEP_KINDS:
            raise ValueError(f"unknown step kind {self.kind!r}")


@dataclass(frozen=True)
class ModelAnswer:
    """The answer to a `text` part: a model answer and the points a grader looks for."""

    answer: Text
    rubric: tuple[Text, ...] = ()


@dataclass(frozen=True)
class Solution:
    """The derivation of an exercise for given parameters, and the answer of every part."""

    params: Params
    steps: tuple[Step, ...]
    answers: Mapping[str, Any]


@dataclass(frozen=True)
class Diagnosis:
    """A typical wrong answer of a part, computed from the parameters (a mal-rule).

    `code` is stable (never depends on the variant); `wrong(params)` returns the value a
    student making this mistake would give, or None where the mistake does not apply. Exercises
    build it with `solver.derive.mistakes.mistake`, which takes the catalogue's default feedback.
    """

    code: str
    part: str
    wrong: Callable[[Params], Any]
    feedback: Text


@dataclass(frozen=True)
class Chain:
    """A named group of questions that share a network, data or weights across exercise ids.

    `draw(rng)` gives the shared configuration of a variant; a seed calls it once, with
    ``random.Random(f"{name}/{seed}")``, so every member of the chain sees the same values.
    `shared` names the parameters it fills; a member takes those it declares among its params.

    >>> c = Chain("demo", ("k",), lambda rng: {"k": rng.choice((3, 5, 7))})
    >>> c.values(4) == c.values(4)
    True
    """

    name: str
    shared: tuple[str, ...]
    draw: Callable[[random.Random], dict]

    def values(self, seed: int) -> dict:
        """The shared values of the variant `seed` (same for every member)."""
        drawn = self.draw(random.Random(f"{self.name}/{seed}"))
        if set(drawn) != set(self.shared):
            raise RuntimeError(f"chain {self.name}: draw gives {sorted(drawn)}, declared {sorted(self.shared)}")
        return drawn


Statement = Callable[[Params], Text]
Solver = Callable[[Params], Solution]
Checker = Callable[[Params, Solution, Any], None]


@dataclass(frozen=True)
class Exercise:
    """A parametrised question of a sheet.

    `statement(params)` and `draw(rng)` must not import SymPy (they serve `show`); `solve`
    and `check` may. `check(params, solution, checks)` records independent numeric checks
    (torch) in a `solver.core.checks.Checks`. `validate(values)` raises `ParamError` for a
    combination of values that makes no sense (kernel larger than the padded input…).
    `title` names the question as the sheet asks it; `variant_title(params)`, when a title quotes
    data, gives the title of a variant.

    A member of a `chain` gets the chain's shared values for its parameters named in
    `chain.shared` (drawn once per chain and seed); `shared_as` maps a parameter to the chain's
    name when they differ (``{"n": "n_b"}``: this question's input is the chain's second one).
    Its own `draw(rng, shared)` then draws only its other parameters, from its own RNG, and may
    read the shared values (to fit an input to the network, say). Without a chain, `draw(rng)`
    draws everything.
    `figure` (a `solver.sheets.figures.Figure`) is drawn beside the correction of a sheet.
    `follow(params, part_id, earlier)` recomputes a part that declares `Part.follows` from given
    values of those earlier parts (``{follows entry: SymPy value}``), by the exercise's own computation; it
    returns None where the values make no sense. `follow_credit` is the fraction of a part's points a
    follow-through match earns.
    """

    id: str
    sheet: str
    title: Text
    statement: Statement
    parts: tuple[Part, ...]
    solve: Solver
    params: tuple[Param, ...] = ()
    check: Checker | None = None
    aliases: tuple[str, ...] = ()
    draw: Callable[..., dict] | None = None  # draw(rng), or draw(rng, shared) in a chain
    validate: Callable[[Mapping[str, Any]], None] | None = None
    diagnoses: tuple[Diagnosis, ...] = ()
    variant_title: Callable[[Params], Text] | None = None
    figure: Any = None
    chain: Chain | None = None
    shared_as: Mapping[str, str] = field(default_factory=dict)
    follow: Callable[[Params, str, Mapping[str, Any]], Any] | None = None
    follow_credit: float = 1.0

    def __post_init__(self):
        if self.chain is not None and not self.shared_names:
            raise ValueError(f"{self.id}: member of chain {self.chain.name} without any of its parameters")
        follows = {p.id: p.follows for p in self.parts}
        for part in self.parts:
            unknown = [f for f in part.follows if not is_cross(f) and (f not in follows or f == part.id)]
            if unknown:
                raise ValueError(f"{self.id}/{part.id}: follows {unknown}, not other parts of the exercise")
            if any(is_cross(f) for f in part.follows) and self.chain is None:
                raise ValueError(f"{self.id}/{part.id}: follows another exercise's part outside a chain")
            if part.follows and self.follow is None:
                raise ValueError(f"{self.id}/{part.id}: declares follows but the exercise has no follow hook")
            if part.id in _upstream(follows, part.id):
                raise ValueError(f"{self.id}/{part.id}: follows itself through {part.follows}")
        if not 0 < self.follow_credit <= 1:
            raise ValueError(f"{self.id}: follow_credit must be in (0, 1]")

    @property
    def shared_names(self) -> tuple[str, ...]:
        """The parameters this exercise takes from its chain (none without a chain)."""
        if self.chain is None:
            return ()
        return tuple(p.name for p in self.params if self.shared_as.get(p.name, p.name) in self.chain.shared)

    def heading(self, params: Params) -> Text:
        """The title for these parameters (a variant's own data may appear in it), without SymPy."""
        return self.variant_title(params) if self.variant_title is not None else self.title

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "—"
        raise ParamError(Text(f"{self.id} n'a pas de paramètre « {name} » (paramètres : {known})",
                              f"{self.id} has no parameter '{name}' (parameters: {known})"))

    def make_params(self, seed: int | None = None, overrides: Mapping[str, str] | None = None) -> Params:
        """The sheet's values, or the variant of `seed`, with command-line overrides applied."""
        values = {p.name: p.default for p in self.params}
        if seed is not None:
            values.update(self._draw(seed))
        for name, raw in (overrides or {}).items():
            values[name] = self.param(name).parse(raw)
        for p in self.params:
            p.check_bounds(values[p.name])
        if self.validate is not None:
            self.validate(values)
        return Params(values, seed, {p.name: p.assume for p in self.params if p.assume})

    def _draw(self, seed: int) -> dict:
        rng = random.Random(f"{self.id}/{seed}")
        if self.chain is None:
            if self.draw is not None:
                return self.draw(rng)
            return {p.name: p.draw(rng) for p in self.params if p.draw is not None}
        common = self.chain.values(seed)
        shared = {name: common[self.shared_as.get(name, name)] for name in self.shared_names}
        if self.draw is not None:
            own = self.draw(rng, shared)
        else:
            own = {p.name: p.draw(rng) for p in self.params if p.draw is not None and p.name not in shared}
        clash = set(own) & set(shared)
        if clash:
            raise RuntimeError(f"{self.id}: its own draw redraws the chain's {sorted(clash)}")
        return {**own, **shared}

    def run(self, params: Params) -> Solution:
        """Solve for these parameters and check that every part got an answer."""
        solution = self.solve(params)
        missing = [p.id for p in self.parts if p.id not in solution.answers]
        if missing:
            raise RuntimeError(f"{self.id}: no answer for parts {missing}")
        return solution

    @property
    def parametrised(self) -> bool:
        return (any(p.draw is not None for p in self.params) or self.draw is not None
                or self.chain is not None)


def is_cross(reference: str) -> bool:
    """Whether a `Part.follows` entry names a part of another exercise (``"td2.III.2a/flatten"``).

    >>> is_cross("td2.III.2a/flatten"), is_cross("conv1.shape")
    (True, False)
    """
    return "/" in reference


def source_of(exercise_id: str, reference: str) -> tuple[str, str]:
    """(exercise id, part id) of a `Part.follows` entry of a part of `exercise_id`.

    >>> source_of("td2.III.3a", "td2.III.2a/flatten"), source_of("td2.III.3a", "conv1")
    (('td2.III.2a', 'flatten'), ('td2.III.3a', 'conv1'))
    """
    if is_cross(reference):
        other, _, part_id = reference.rpartition("/")
        return other, part_id
    return exercise_id, reference


def _upstream(follows: Mapping[str, tuple[str, ...]], part_id: str) -> set[str]:
    """Every part `part_id` is computed from, directly or through other parts."""
    seen: set[str] = set()
    todo = list(follows.get(part_id, ()))
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(follows.get(current, ()))
    return seen


def symbolic_params(params: Params) -> list[str]:
    """Names of the parameters kept as symbols."""
    return [name for name, v in params.items() if v is SYMBOLIC]
