"""The spec's worked examples (a copy in tests/data/examples/): each case scanned as its own log by the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from regcheck.rules import REGISTRY

from .conftest import EXAMPLES, scan_findings, write_canonical_csv

FAMILIES = {
    "timelimit": ["TL001", "TL002", "TL003"],
    "queue": ["QJ001", "QJ002", "QJ003", "QJ004"],
    "approval": ["AP001", "AP002", "AP003", "AP004"],
    "mortgage": ["MG001", "MG002", "MG003", "MG004", "MG005", "MG006"],
    "duties": ["SD001"],
    "query": ["IQ001", "IQ002", "IQ003"],
    "fee": ["FE001", "FE002"],
    "integrity": ["LG001", "LG002", "LG003", "LG004"],
}


def _cases() -> list:
    params = []
    for family in FAMILIES:
        data = json.loads((EXAMPLES / f"{family}.json").read_text(encoding="utf-8"))
        for case in data["cases"]:
            params.append(pytest.param(family, case, id=f"{family}-{case['name']}"))
    return params


def finding_key(row: pd.Series) -> str:
    """(rule_id, key) as the examples README forms it from a finding."""
    rule = row["rule_id"]
    if rule == "IQ003":
        evidence = json.loads(row["evidence"])
        return f"{row['operator_id']}@{evidence['day']}"
    if rule == "LG001":
        evidence = json.loads(row["evidence"])
        return f"{row['office_code']}:{evidence['first_missing']}"
    return row["case_id"]


@pytest.mark.parametrize(("family", "case"), _cases())
def test_worked_example(family: str, case: dict, tmp_path: Path) -> None:
    missing = [r for r in FAMILIES[family] if r not in REGISTRY]
    if missing:
        pytest.skip(f"rules not implemented yet: {', '.join(missing)}")
    log = write_canonical_csv(case["rows"], tmp_path / "case.csv")
    found = scan_findings(log, tmp_path)
    ours = found[found["rule_id"].isin(FAMILIES[family])]
    got = sorted([r, finding_key(row)] for r, (_, row) in zip(ours["rule_id"], ours.iterrows(), strict=True))
    assert got == sorted(case["expect"]), case["explains"]
