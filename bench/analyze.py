"""Time `tdsolver analyze` per network: cold CLI next to in-process.

    python bench/analyze.py [--repeat N]

Networks: VGG16 and ResNet-18 at 3×224×224, and the small modern blocks of tests/models/modern.py
at their test sizes. Cold CLI: a fresh `python cli.py analyze … --json` process (Python start,
torch import, load, record, self-checks), best of N. In-process: `solver.analyze.analyze` once
torch and the model are loaded, with the self-checks, best of N.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = os.path.join(ROOT, "tests", "models")
NETWORKS = [("vgg16.py:vgg16", "3,224,224"), ("resnet18.py:resnet18", "3,224,224")] + [
    (f"modern.py:{name}", size) for name, size in (
        ("SENet", "3,64,64"), ("DepthwiseSeparable", "3,64,64"), ("InvertedResidual", "3,32,32"),
        ("InceptionC", "3,64,64"), ("ShuffleUnit", "3,64,64"), ("ConvNeXtBlock", "3,64,64"),
        ("TinyViT", "3,32,32"), ("SegmentationHead", "3,64,64"), ("ShapeDependent", "3,32,32"))]


def cold_cli(target: str, size: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, os.path.join(ROOT, "cli.py"), "analyze", os.path.join(MODELS, target),
                        "--input", size, "--json"], check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def torch_import(repeat: int) -> float:
    """The floor of any cold CLI figure: a fresh Python that imports torch."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "import torch"], check=True, capture_output=True)
        best = min(best, time.perf_counter() - start)
    return best


def in_process(target: str, size: str, repeat: int) -> float:
    from solver.analyze.analyze import analyze, load, parse_input

    net, shape = load(os.path.join(MODELS, target)), parse_input(size)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        result = analyze(net, shape, target)
        best = min(best, time.perf_counter() - start)
        assert result.error is None and result.checks.ok
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    repeat = parser.parse_args().repeat
    sys.path.insert(0, ROOT)
    print(f"fresh python + import torch (floor of the cold CLI): {torch_import(repeat):.2f} s")
    print(f"{'network':<34} {'input':<10} {'cold CLI (s)':>12} {'in-process (s)':>15}")
    for target, size in NETWORKS:
        cli = cold_cli(target, size, repeat)
        inner = in_process(target, size, repeat)
        print(f"{target:<34} {size:<10} {cli:>12.2f} {inner:>15.3f}")


if __name__ == "__main__":
    main()
