"""A scan of generated logs recovers the generator's labels exactly, for every rule, three seeds.

The log, roster and registry go through files and the real CLI, as a user's would.
"""

from __future__ import annotations

import json

import pandas as pd
import pytest

from regcheck.generate import generate
from regcheck.rules import REGISTRY
from regcheck.writers.logfile import write_log

from .conftest import read_findings_csv, run_cli


def label_key(row: pd.Series) -> str:
    """The generator's key for a finding (examples README, plus SD004 = operator)."""
    rule = row["rule_id"]
    if rule == "IQ003":
        return f"{row['operator_id']}@{json.loads(row['evidence'])['day']}"
    if rule == "LG001":
        return f"{row['office_code']}:{json.loads(row['evidence'])['first_missing']}"
    if rule == "SD004":
        return row["operator_id"]
    return row["case_id"]


@pytest.fixture(scope="module", params=[1, 2, 3])
def scanned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple:
    seed = request.param
    gen = generate(3000, seed)
    tmp = tmp_path_factory.mktemp(f"seed{seed}")
    write_log(gen.events, tmp / "log.parquet")
    gen.roster.to_csv(tmp / "roster.csv", index=False)
    gen.approvals.to_csv(tmp / "approvals.csv", index=False)
    out = tmp / "findings.csv"
    code, _, err = run_cli(
        "scan",
        str(tmp / "log.parquet"),
        "-o",
        str(out),
        "--roster",
        str(tmp / "roster.csv"),
        "--approvals",
        str(tmp / "approvals.csv"),
        "--quiet",
    )
    assert code == 0, err
    found = read_findings_csv(out)
    return gen.labels, found


# Facts a generated flat log cannot supply: it has no `step` column (SD005; tests/test_review_steps.py), and
# only access messages have heads (LG005; tests/test_source_rules.py).
NOT_GENERATED = frozenset({"step", "message_heads"})


def test_every_registered_rule_is_labelled(scanned: tuple) -> None:
    labels, _ = scanned
    assert {rid for rid, r in REGISTRY.items() if not r.facts & NOT_GENERATED} <= set(labels["rule_id"])


@pytest.mark.parametrize("rule_id", sorted(REGISTRY))
def test_labels_recovered_exactly(scanned: tuple, rule_id: str) -> None:
    labels, found = scanned
    expected = set(labels.loc[labels["rule_id"] == rule_id, "key"])
    ours = found[found["rule_id"] == rule_id]
    got = {label_key(row) for _, row in ours.iterrows()}
    assert len(got) == len(ours), "one finding per key"
    missing, extra = sorted(expected - got)[:5], sorted(got - expected)[:5]
    assert got == expected, f"{rule_id}: missed {missing} … extra {extra} …"
