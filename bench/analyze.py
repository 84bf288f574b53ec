"""Time `tdsolver analyze` of VGG16 at 224×224 (target: under 5 s), cold CLI and in-process.

    python bench/analyze.py

Cold CLI: a fresh `python cli.py analyze …` process (Python start, torch import, load, trace,
self-checks). In-process: `solver.analyze.analyze` once torch and the model are loaded, with and
without the self-checks (real forward pass, numel, gradient support).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODEL = os.path.join(ROOT, "tests", "models", "vgg16.py") + ":vgg16"


def cold_cli(repeat: int = 3) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, os.path.join(ROOT, "cli.py"), "analyze", MODEL, "--json"],
                       check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def in_process(repeat: int = 3) -> tuple[list[float], list[float]]:
    sys.path.insert(0, ROOT)
    from solver.analyze import analyze, load

    net = load(MODEL)
    checked, bare = [], []
    for _ in range(repeat):
        start = time.perf_counter()
        result = analyze(net, (3, 224, 224), "vgg16")
        checked.append(time.perf_counter() - start)
        assert result.checks.ok and result.total_params == 138_357_544
        start = time.perf_counter()
        analyze(net, (3, 224, 224), "vgg16", check=False)
        bare.append(time.perf_counter() - start)
    return checked, bare


def main() -> None:
    cli = cold_cli()
    checked, bare = in_process()
    print(f"VGG16 3x224x224 — cold CLI (with checks): best {min(cli):.2f} s, median {sorted(cli)[1]:.2f} s")
    print(f"VGG16 3x224x224 — in-process with checks:  best {min(checked):.2f} s")
    print(f"VGG16 3x224x224 — in-process, no checks:   best {min(bare):.3f} s")
    print("target: under 5 s —", "met" if min(cli) < 5 else "NOT met")


if __name__ == "__main__":
    main()
