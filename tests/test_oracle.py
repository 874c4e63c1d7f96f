"""The oracle against the worked examples, and the generator's labels against the oracle."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from regcheck.generate import Generated, generate  # noqa: E402
from regcheck.schema import CANONICAL  # noqa: E402

try:
    from tests.conftest import flat_log_rules, rules_of
    from tests.oracle import oracle_findings
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from conftest import flat_log_rules, rules_of  # type: ignore[no-redef]
    from oracle import oracle_findings  # type: ignore[no-redef]

EXAMPLES = ROOT / "tests" / "data" / "examples"  # the spec's worked examples, copied into the repository

GENERATED_RULES = flat_log_rules()
SEEDS = (1, 2, 3)
N_CASES = 3000


def example_cases() -> list[tuple[str, dict]]:
    out = []
    for path in sorted(EXAMPLES.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            out.append((f"{doc['family']}:{case['name']}", {"family": doc["family"], **case}))
    return out


def example_frame(rows: list[dict[str, str]]) -> pd.DataFrame:
    """The rows as a canonical frame: blanks missing, times and numbers parsed, text as given."""
    frame = pd.DataFrame(rows, columns=list(CANONICAL), dtype="string")

    def trimmed(col: str) -> pd.Series:
        return frame[col].str.strip(" \u3000").replace("", pd.NA)

    frame["event_time"] = pd.to_datetime(trimmed("event_time"))
    frame["event_seq"] = pd.to_numeric(trimmed("event_seq")).astype("Int64")
    for col in ("mortgage_amount", "assessed_value", "fee_charged"):
        frame[col] = pd.to_numeric(trimmed(col)).astype("float64")
    return frame


@pytest.mark.parametrize(("name", "case"), example_cases(), ids=[name for name, _ in example_cases()])
def test_oracle_on_examples(name: str, case: dict) -> None:
    rules = rules_of(case["family"])
    got = sorted([rule, key] for rule, key in oracle_findings(example_frame(case["rows"])) if rule in rules)
    assert got == case["expect"], case["explains"]


_CACHE: dict[int, Generated] = {}


def generated(seed: int) -> Generated:
    if seed not in _CACHE:
        _CACHE[seed] = generate(N_CASES, seed)
    return _CACHE[seed]


@pytest.mark.parametrize("seed", SEEDS)
def test_labels_are_the_oracle_findings(seed: int) -> None:
    g = generated(seed)
    labels = set(zip(g.labels["rule_id"], g.labels["key"], strict=True))
    assert len(labels) == len(g.labels), "duplicate labels"
    found = oracle_findings(g.events, g.roster, g.approvals)
    missing, extra = sorted(labels - found), sorted(found - labels)
    assert not missing and not extra, f"labelled but not found: {missing[:10]}; found but not labelled: {extra[:10]}"


@pytest.mark.parametrize("seed", SEEDS)
def test_every_rule_is_injected(seed: int) -> None:
    counts = Counter(generated(seed).labels["rule_id"])
    assert [r for r in GENERATED_RULES if counts[r] == 0] == []


@pytest.mark.parametrize("seed", SEEDS)
def test_generated_shape(seed: int) -> None:
    g = generated(seed)
    ev = g.events
    assert tuple(ev.columns) == tuple(c for c in CANONICAL if c != "step")  # every column but the optional step
    assert ev["case_id"].nunique() == N_CASES
    assert str(ev["event_seq"].dtype) == "Int64"
    assert ev["event_time"].dtype.kind == "M"
    assert (ev["event_time"].dt.microsecond == 0).all()
    assert ev["case_id"].str.len().eq(17).all()
    assert ev["unit_id"].dropna().str.len().eq(28).all()
    assert list(g.labels.columns) == ["rule_id", "key", "note"]
    assert g.labels.equals(g.labels.sort_values(["rule_id", "key"], ignore_index=True))
    assert ev["event_time"].max().date().isoformat() == "2026-10-10"  # the make-up Saturday cut-off
    assert not ev["event_time"].is_monotonic_increasing  # rows are shuffled


def test_generate_is_deterministic() -> None:
    a, b = generated(1), generate(N_CASES, 1)
    pd.testing.assert_frame_equal(a.events, b.events)
    pd.testing.assert_frame_equal(a.labels, b.labels)
    assert a.roster is not None and b.roster is not None
    pd.testing.assert_frame_equal(a.roster, b.roster)
    assert a.approvals is not None and b.approvals is not None
    pd.testing.assert_frame_equal(a.approvals, b.approvals)
    assert not generate(N_CASES, 2).events.equals(a.events)
