"""A teacher's course folder: a sheet.yaml, a Python exercise module and a model exercise, used by
every command as if built in; and the one-line errors of a malformed folder.

Expected values are computed here, by hand or with torch, never taken from the solver.
"""

import importlib.util
import json
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner
from helpers import cli_in_fresh_interpreter

import cli
from solver.sheets import registry

SHEET = """\
id: exam
title: {fr: "Examen blanc", en: "Mock exam"}
order: [exam.lenet, exam.1]
"""

MODULE = '''\
"""A teacher's exercise: the length after a 1D convolution without padding."""
from solver.core.exercise import Diagnosis, Exercise, Part, Solution, Step
from solver.core.params import Param
from solver.core.text import Text


def statement(q):
    return Text(f"Noyau ${q['k']}$, pas ${q['s']}$, séquence de longueur ${q['n']}$.",
                f"Kernel ${q['k']}$, stride ${q['s']}$, sequence of length ${q['n']}$.")


def solve(q):
    import sympy as sp
    o = (q["n"] - q["k"]) // q["s"] + 1
    return Solution(q, (Step(Text("o = ⌊(n − k)/s⌋ + 1", "o = ⌊(n − k)/s⌋ + 1"), sp.Integer(o), kind="result"),),
                    {"o": sp.Integer(o)})


def check(q, sol, checks):
    import torch
    y = torch.nn.functional.conv1d(torch.zeros(1, 1, q["n"]), torch.zeros(1, 1, q["k"]), stride=q["s"])
    checks.equal("o", int(sol.answers["o"]), y.shape[-1])


def ceil_rule(q):
    import sympy as sp
    return sp.Integer(-(-(q["n"] - q["k"]) // q["s"]) + 1)


EXERCISES = (Exercise(
    id="exam.1", sheet="exam", title=Text("Longueur de sortie", "Output length"), statement=statement,
    parts=(Part("o", "int", Text("longueur de sortie", "output length")),), solve=solve, check=check,
    params=(Param("n", "int", 20, Text("longueur", "length"), draw=lambda r: r.randint(10, 40), minimum=1),
            Param("k", "int", 3, Text("noyau", "kernel"), draw=lambda r: r.choice((3, 5)), minimum=1),
            Param("s", "int", 2, Text("pas", "stride"), draw=lambda r: r.choice((2, 3)), minimum=1)),
    diagnoses=(Diagnosis("ceil-instead-of-floor", "o", ceil_rule, Text("Arrondi vers le bas.", "Round down.")),)),)
'''

LENET = '''\
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5)
        self.bn1 = nn.BatchNorm2d(6)
        self.pool1 = nn.MaxPool2d(2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.pool2 = nn.MaxPool2d(2)
        self.flat = nn.Flatten()
        self.fc1 = nn.LazyLinear(120)
        self.fc2 = nn.Linear(120, num_classes)

    def forward(self, x):
        x = self.pool1(F.relu(self.bn1(self.conv1(x))))
        x = self.pool2(F.relu(self.conv2(x)))
        return self.fc2(F.relu(self.fc1(self.flat(x))))
'''

MODEL = """\
id: exam.lenet
title: {fr: "Un LeNet", en: "A LeNet"}
model: lenet.py:LeNet
input: [1, 32, 32]
args: {num_classes: 10}
ask:
  conv1: [shape, params, rf, mult_adds]
  bn1: [params]
  pool1: [shape, rf, jump]
  conv2: [shape, params, rf]
  flat: [shape]
  fc1: [params]
totals: [params, mult_adds]
variants:
  input: [[1, 32, 32], [1, 28, 28], [1, 36, 36]]
  args.num_classes: [10, 43, 100]
"""


def write_course(root, **files):
    sheet = root / "exam"
    sheet.mkdir(parents=True)
    contents = {"sheet.yaml": SHEET, "outsize.py": MODULE, "lenet.py": LENET, "lenet.yaml": MODEL}
    contents.update(files)
    for name, text in contents.items():
        if text is not None:
            (sheet / name).write_text(text, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    return write_course(tmp_path_factory.mktemp("course"))


def run(course_dir, *args):
    result = CliRunner().invoke(cli.main, ["--course", str(course_dir), *args])
    return result.exit_code, result.output


def torch_lenet(course_dir, num_classes, shape):
    """The test's own LeNet, built and run by torch: output shape and numel per module."""
    torch = pytest.importorskip("torch")
    spec = importlib.util.spec_from_file_location("test_course_lenet", course_dir / "exam" / "lenet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    net = module.LeNet(num_classes)
    shapes = {}

    def record(name):
        def hook(module, inputs, output):
            shapes.setdefault(name, tuple(output.shape[1:]))
        return hook
    for name, m in net.named_modules():
        if name:
            m.register_forward_hook(record(name))
    net.eval()
    with torch.no_grad():
        net(torch.zeros(1, *shape))
    numel = {name: sum(p.numel() for p in m.parameters()) for name, m in net.named_modules() if name}
    return shapes, numel, sum(p.numel() for p in net.parameters())


def test_list_shows_the_course_sheet_in_its_order(course):
    code, out = run(course, "list", "--sheet", "exam", "--json")
    assert code == 0, out
    rows = json.loads(out)
    assert [r["id"] for r in rows] == ["exam.lenet", "exam.1"]          # the order of sheet.yaml
    parts = {p["id"]: p["kind"] for p in rows[0]["parts"]}
    assert parts["conv1.shape"] == "shape" and parts["total.mult_adds"] == "int" and len(parts) == 15
    # the option also works after the command's name, and the built-in sheets are still there
    result = CliRunner().invoke(cli.main, ["list", "--json", "--course", str(course)])
    assert result.exit_code == 0 and "exam.lenet" in result.output
    assert registry.get("td2.II.1").sheet == "td2"


def test_environment_variable_selects_the_course(course):
    result = CliRunner(env={"TDSOLVER_COURSE": str(course)}).invoke(cli.main, ["show", "exam.1", "--lang", "en"])
    assert result.exit_code == 0 and "Kernel 3, stride 2" in result.output


def test_show_of_a_model_exercise_imports_neither_torch_nor_sympy(course):
    heavy, (out,) = cli_in_fresh_interpreter(["--course", str(course), "show", "exam.lenet", "--seed", "2"])
    assert heavy == set() and "conv1 = nn.Conv2d(1, 6, 5)" in out


def test_a_model_exercise_graded_with_the_default_timeout_gets_a_real_verdict(course, tmp_path):
    """Importing torch and tracing the network is the worker's warm-up, not the first answer's time;
    the main process never loads torch (its workers are forked)."""
    # LeNet on 1×32×32: conv1 6·(1·5·5) + 6 = 156, bn1 2·6 = 12, conv2 16·(6·5·5) + 16 = 2416,
    # fc1 on 16·5·5 = 400 inputs: 400·120 + 120 = 48120, fc2 120·10 + 10 = 1210
    total = 156 + 12 + 2416 + 48120 + 1210
    (tmp_path / "carl.yaml").write_text(json.dumps({"student": "carl", "answers": {
        "exam.lenet/conv1.shape": "6x28x28", "exam.lenet/total.params": str(total), "exam.1/o": "9"}}))
    code = ("import json, sys, cli\n"
            "from click.testing import CliRunner\n"
            f"r = CliRunner().invoke(cli.main, ['--course', {str(course)!r}, 'grade', {str(tmp_path / 'carl.yaml')!r},"
            " '--json'])\n"
            "assert r.exit_code == 0, r.output\n"
            "print(json.dumps([{p['id']: p['verdict'] for p in json.loads(r.output)['parts']},"
            " 'torch' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    verdicts, torch_in_main = json.loads(out.stdout)
    assert [verdicts[k] for k in ("exam.lenet/conv1.shape", "exam.lenet/total.params", "exam.1/o")] == ["correct"] * 3
    assert not torch_in_main


def test_solve_gives_the_values_torch_measures(course):
    code, out = run(course, "solve", "exam.lenet", "--format", "json")
    assert code == 0, out
    entries = json.loads(out)["answers"]
    answers = {k: v["value"] for k, v in entries.items()}
    shapes, numel, total = torch_lenet(course, 10, (1, 32, 32))
    for layer in ("conv1", "pool1", "conv2", "flat"):
        assert answers[f"{layer}.shape"] == entries[f"{layer}.shape"]["as_written"] == str(shapes[layer])
    assert (entries["conv1.shape"]["layout"], entries["flat.shape"]["layout"]) == ("CHW", "C")  # torch's order
    for layer in ("conv1", "bn1", "conv2", "fc1"):
        assert int(answers[f"{layer}.params"]) == numel[layer]
    assert int(answers["total.params"]) == total
    # by hand: kernel 5 → 5; pool 2 → 5 + 1 = 6, jump 2; kernel 5 after jump 2 → 6 + 4·2 = 14
    assert (answers["conv1.rf"], answers["pool1.rf"], answers["pool1.jump"], answers["conv2.rf"]) == \
        ("5", "6", "2", "14")
    assert int(answers["conv1.mult_adds"]) == 6 * 28 * 28 * 5 * 5                # outputs × weights per output
    assert int(answers["total.mult_adds"]) == 6 * 28 * 28 * 25 + 16 * 10 * 10 * 6 * 25 + 400 * 120 + 120 * 10
    code, out = run(course, "solve", "exam.1", "-p", "n=21", "--format", "json")
    assert json.loads(out)["answers"]["o"]["value"] == "10"                   # ⌊(21 − 3)/2⌋ + 1


def test_verify_passes_on_the_sheet_and_seeds(course):
    code, out = run(course, "verify", "exam.1", "exam.lenet", "--seeds", "2", "--jobs", "1", "--json")
    assert code == 0, out
    results = json.loads(out)
    assert len(results) == 6 and all(r["status"] == "pass" and r["checks"] > 0 for r in results)


def test_template_lists_every_part(course):
    code, out = run(course, "template", "exam")
    assert code == 0
    assert '"exam.lenet/conv1.shape": ""' in out and '"exam.1/o": ""' in out


def test_grade_names_the_mistakes_and_grades_a_variant(course, tmp_path):
    _, numel, total = torch_lenet(course, 10, (1, 32, 32))
    (tmp_path / "alice.yaml").write_text(json.dumps({"student": "alice", "answers": {
        "exam.1/o": "10",                            # ⌈(20 − 3)/2⌉ + 1 instead of ⌊17/2⌋ + 1 = 9
        "exam.lenet/conv1.shape": "6x28x28",
        "exam.lenet/conv1.params": "150",            # 6·25, the biases forgotten
        "exam.lenet/bn1.params": "24",               # γ, β and the two running statistics
        "exam.lenet/pool1.jump": "1",                # the stride forgotten
        "exam.lenet/conv2.rf": "10",                 # 1 + 4 + 1 + 4: every jump taken as 1
        "exam.lenet/fc1.params": str(120 * (16 * 10 * 10 + 1)),   # flattened before the last pooling
        "exam.lenet/total.params": str(total)}}))
    q = registry_params(course, "exam.lenet", 7)
    shape = (q["C"], q["H"], q["W"])
    shapes, _, variant_total = torch_lenet(course, q["args.num_classes"], shape)
    (tmp_path / "bob.yaml").write_text(json.dumps({"student": "bob", "seed": 7, "answers": {
        "exam.lenet/conv2.shape": "(%d, %d, %d)" % shapes["conv2"],
        "exam.lenet/total.params": str(variant_total)}}))
    code, out = run(course, "grade", str(tmp_path / "alice.yaml"), str(tmp_path / "bob.yaml"), "--json",
                    "--jobs", "1", "--timeout", "120")
    assert code == 0, out
    reports = {r["student"]: {p["id"]: p for p in r["parts"]} for r in json.loads(out)}
    alice = reports["alice"]
    assert alice["exam.lenet/conv1.shape"]["verdict"] == "correct"
    assert alice["exam.lenet/total.params"]["verdict"] == "correct"
    assert {k: alice[k]["diagnosis"] for k in ("exam.1/o", "exam.lenet/conv1.params", "exam.lenet/bn1.params",
                                               "exam.lenet/pool1.jump", "exam.lenet/conv2.rf",
                                               "exam.lenet/fc1.params")} == {
        "exam.1/o": "ceil-instead-of-floor", "exam.lenet/conv1.params": "missing-bias",
        "exam.lenet/bn1.params": "running-stats-as-params", "exam.lenet/pool1.jump": "stride-ignored",
        "exam.lenet/conv2.rf": "rf-without-jump", "exam.lenet/fc1.params": "flatten-wrong-shape"}
    bob = reports["bob"]
    assert bob["exam.lenet/conv2.shape"]["verdict"] == "correct"
    assert bob["exam.lenet/total.params"]["verdict"] == "correct"


def registry_params(course_dir, exercise_id, seed):
    """The variant a seed draws (the exercise's declared variants, not an answer)."""
    result = CliRunner().invoke(cli.main, ["--course", str(course_dir), "solve", exercise_id, "--seed", str(seed),
                                           "--format", "json"])
    params = json.loads(result.output)["params"]
    return {k: int(v) for k, v in params.items()}


def test_sheet_markdown_and_pdf(course, tmp_path):
    code, out = run(course, "sheet", "exam", "--format", "markdown", "--lang", "en")
    assert code == 0, out
    assert out.startswith("# Mock exam") and out.index("A LeNet") < out.index("Output length")
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    pdf = tmp_path / "exam.pdf"
    code, out = run(course, "sheet", "exam", "--format", "pdf", "-o", str(pdf))
    assert code == 0, out
    assert pdf.read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize("files, words", [
    ({"outsize.py": MODULE + "\n1 / 0\n"}, ["outsize.py", "ZeroDivisionError"]),
    ({"outsize.py": MODULE.replace('id="exam.1"', 'id="td2.II.1"')}, ["outsize.py", "td2.II.1"]),
    ({"outsize.py": MODULE.replace('sheet="exam"', 'sheet="quiz"')}, ["outsize.py", "quiz", "sheet.yaml"]),
    ({"sheet.yaml": 'id: td2\ntitle: x\n'}, ["exam", "td2"]),
    ({"sheet.yaml": 'id: exam\ntitle: 3\n'}, ["sheet.yaml", "title"]),
    ({"sheet.yaml": 'id: exam\ntitle: {fr: a, en: b}\norder: [exam.9]\n'}, ["sheet.yaml", "order", "exam.9"]),
    ({"sheet.yaml": 'id: [exam\n'}, ["sheet.yaml", "YAML"]),
    ({"lenet.yaml": MODEL.replace("[shape, params, rf, mult_adds]", "[size]")}, ["lenet.yaml", "ask.conv1"]),
    ({"lenet.yaml": MODEL.replace("lenet.py:LeNet", "missing.py:LeNet")}, ["lenet.yaml", "model"]),
    ({"lenet.yaml": MODEL.replace("args.num_classes", "args.depth")}, ["lenet.yaml", "variants.args.depth"]),
])
def test_a_malformed_course_is_one_line_and_exit_2(tmp_path, files, words):
    root = write_course(tmp_path, **files)
    for lang in ("fr", "en"):
        result = CliRunner().invoke(cli.main, ["--course", str(root), "list", "--lang", lang])
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in result.output
        assert all(w in lines[0] for w in words), lines[0]


def test_an_unknown_layer_is_named_when_solving(tmp_path):
    root = write_course(tmp_path, **{"lenet.yaml": MODEL.replace("  fc1: [params]", "  fc9: [params]")})
    result = CliRunner().invoke(cli.main, ["--course", str(root), "solve", "exam.lenet", "--lang", "en"])
    assert result.exit_code != 0 and "fc9" in result.output and "fc1" in result.output
    assert len(result.output.strip().splitlines()) == 1
