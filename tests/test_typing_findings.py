"""Defects the type checker pointed at (each test failed before its fix): code paths that crashed on
a value their annotations allow."""

import torch
import torch.nn as nn
from click.testing import CliRunner

import cli
from solver.core.checks import gradient_support
from solver.core.params import Params


def test_params_is_a_full_mapping():
    """`Params` is a `Mapping`: its `values()` is the method (a field named `values` used to hide it)."""
    q = Params({"k": 3, "p": 1}, seed=4)
    assert list(q.values()) == [3, 1] and dict(q.items()) == {"k": 3, "p": 1} and {**q} == {"k": 3, "p": 1}


class _Constant(nn.Module):
    """An output that does not read its input (a learned constant)."""

    def __init__(self):
        super().__init__()
        self.b = nn.Parameter(torch.zeros(1, 2))

    def forward(self, x):
        return self.b * 2.0


def test_gradient_support_of_an_output_that_ignores_the_input_is_empty():
    mask = gradient_support(_Constant(), (1, 3, 4), (1,))
    assert mask.dtype == torch.bool and tuple(mask.shape) == (3, 4) and not mask.any()


def test_the_command_group_keeps_clicks_main_signature():
    """``standalone_mode=False`` (a `CliRunner` option) reaches click's `main` once: it was an internal error."""
    result = CliRunner().invoke(cli.main, ["list", "--lang", "en"], standalone_mode=False)
    assert result.exit_code == 0 and "internal error" not in result.output and "td2.I.1" in result.output
