"""The spec's worked examples (a copy in tests/data/examples/): each case scanned as its own log by the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import EXAMPLES, label_key, rules_of, scan_findings, write_canonical_csv


def _cases() -> list:
    params = []
    for path in sorted(EXAMPLES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            params.append(pytest.param(data["family"], case, id=f"{data['family']}-{case['name']}"))
    return params


@pytest.mark.parametrize(("family", "case"), _cases())
def test_worked_example(family: str, case: dict, tmp_path: Path) -> None:
    log = write_canonical_csv(case["rows"], tmp_path / "case.csv")
    found = scan_findings(log, tmp_path)
    ours = found[found["rule_id"].isin(rules_of(family))]
    got = sorted([row["rule_id"], label_key(row)] for row in ours.to_dict("records"))
    assert got == sorted(case["expect"]), case["explains"]
