"""Every exercise id of ../shared/CATALOGUE.md is in the registry (skipped when the file is absent)."""

import os
import re

import pytest

from solver.sheets import registry

CATALOGUE = os.path.join(os.path.dirname(__file__), "..", "..", "shared", "CATALOGUE.md")


def catalogue_ids(text: str) -> set[str]:
    ids = set()
    for line in text.splitlines():
        row = re.match(r"\|\s*([a-z0-9\-]+\.[A-Za-z0-9.\-]+)((?:,\s*\d+)*)\s*(…\s*([a-z\-]+\.\d+))?", line)
        if not row:
            continue
        first = row.group(1)
        ids.add(first)
        prefix = first.rsplit(".", 1)[0]
        ids |= {f"{prefix}.{n}" for n in re.findall(r"\d+", row.group(2))}
        if row.group(4):
            start, end = int(first.rsplit(".", 1)[1]), int(row.group(4).rsplit(".", 1)[1])
            ids |= {f"{prefix}.{n}" for n in range(start, end + 1)}
    return ids


@pytest.mark.skipif(not os.path.exists(CATALOGUE), reason="../shared/CATALOGUE.md not beside the checkout")
def test_every_catalogue_id_is_solvable():
    with open(CATALOGUE, encoding="utf-8") as fh:
        wanted = catalogue_ids(fh.read())
    have = {e.id for e in registry.all_exercises()}
    assert len(wanted) > 70
    assert wanted - have == set()
    assert have - wanted == set()
