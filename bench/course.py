"""Start-up of `list` and `show` with a course folder of model exercises (prints figures; not a test).

    python bench/course.py [--runs N] [--exercises K]

Builds a temporary course with K model exercises on one small network and times, in fresh
interpreters, `list` and `show` without and with `--course`, and one `solve` of a model exercise
(which imports torch and traces the network). Median wall time of N runs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from startup import CLI, wall  # noqa: E402

NETWORK = """\
import torch.nn as nn


class Small(nn.Module):
    def __init__(self, n=10):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.pool = nn.MaxPool2d(2)
        self.flat = nn.Flatten()
        self.fc = nn.LazyLinear(n)

    def forward(self, x):
        return self.fc(self.flat(self.pool(self.conv(x))))
"""


def make_course(root: str, count: int) -> None:
    folder = os.path.join(root, "bench")
    os.makedirs(folder)
    with open(os.path.join(folder, "sheet.yaml"), "w") as fh:
        fh.write("id: bench\ntitle: {fr: Banc, en: Bench}\n")
    with open(os.path.join(folder, "small.py"), "w") as fh:
        fh.write(NETWORK)
    for n in range(count):
        with open(os.path.join(folder, f"m{n}.yaml"), "w") as fh:
            fh.write(f"id: bench.{n}\ntitle: {{fr: M{n}, en: M{n}}}\nmodel: small.py:Small\ninput: [1, 16, 16]\n"
                     "ask: {conv: [shape, params, rf], fc: [params]}\ntotals: [params]\n"
                     "variants: {input: [[1, 16, 16], [1, 20, 20]]}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--exercises", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        make_course(root, args.exercises)
        course = ["--course", root]
        figures = [
            ("tdsolver list", wall(CLI + ["list"], args.runs)),
            (f"tdsolver --course ({args.exercises} models) list", wall(CLI + course + ["list"], args.runs)),
            ("tdsolver --course show bench.0", wall(CLI + course + ["show", "bench.0"], args.runs)),
            ("tdsolver --course solve bench.0", wall(CLI + course + ["solve", "bench.0"], args.runs)),
        ]
    for label, seconds in figures:
        print(f"{label:<44} {seconds:7.3f} s")


if __name__ == "__main__":
    main()
