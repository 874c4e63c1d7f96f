"""Everything about a rule is declared with the rule (issue 14 item 1).

The registry knows each rule's facts, grouping for partitioned scans (with its projection) and finding
key; distributed.py, the docs and the tests derive from it, and no other list of rule ids exists.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regcheck.distributed import global_projection, grouped
from regcheck.findings import finding_id
from regcheck.generate import generate
from regcheck.loaders import load
from regcheck.model import EventLog
from regcheck.rules import REGISTRY
from regcheck.rules.base import GROUPINGS
from regcheck.writers.logfile import write_log

from .conftest import REPO, read_findings_csv, run_cli

RULE_ID = re.compile(r"[A-Z]{2}\d{3}")
PREFIXES = {rid[:2] for rid in REGISTRY}  # a family's prefix: "YW001", a test's case id, is not a rule id


def _is_rule_id(value: object) -> bool:
    return isinstance(value, str) and RULE_ID.fullmatch(value) is not None and value[:2] in PREFIXES


SEARCHED = ("regcheck", "tests", "benchmarks")


def _rule_id_lists(path: Path) -> list[str]:
    """The list, tuple and set literals of ``path`` holding two or more rule ids as elements of their own."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            ids = [e.value for e in node.elts if isinstance(e, ast.Constant) and _is_rule_id(e.value)]
            if len(ids) >= 2:
                out.append(f"{path.relative_to(REPO)}:{node.lineno}: {ids}")
    return out


def test_no_list_of_rule_ids_outside_the_rules() -> None:
    """A list of rules kept beside the registry drifts from it (a new rule missing from a family, a grouping,
    a test): families, groupings, facts, side inputs and keys are read from ``REGISTRY`` instead.

    What counts: a list, tuple or set literal (in Python source under regcheck/ outside regcheck/rules/,
    tests/ and benchmarks/) with two or more elements that are each a rule id (``"TL001"``). What does not:
    one id per literal — an expectation written as (rule_id, key) pairs, as the worked examples are; ids
    inside one string (a ``--select TL001,TL002`` argument, a message); dict literals (per-rule data such
    as the generator's injection rates or a config table: each entry belongs to its own rule); JSON data.
    """
    found = [
        hit
        for root in SEARCHED
        for path in sorted((REPO / root).rglob("*.py"))
        if not path.is_relative_to(REPO / "regcheck" / "rules")
        for hit in _rule_id_lists(path)
    ]
    assert found == []


def test_the_check_finds_a_list_of_rule_ids(tmp_path: Path) -> None:
    path = REPO / "tests" / "data" / "_probe_rule_list.py"
    try:
        path.write_text('A = ("TL001",)\nB = [("TL001", "C1"), ("TL002", "C2")]\nC = {"QJ001", "QJ002"}\n')
        assert [hit.split(": ", 1)[1] for hit in _rule_id_lists(path)] == ["['QJ001', 'QJ002']"]
    finally:
        path.unlink()


def test_every_rule_declares_a_known_grouping_and_only_global_rules_a_projection() -> None:
    for r in REGISTRY.values():
        assert r.grouping in GROUPINGS, r.id
        assert r.projection is None or r.grouping == "global", r.id
    assert set(grouped(REGISTRY, "global")) == {r.id for r in REGISTRY.values() if r.grouping == "global"}


def test_a_global_projection_picks_rows_of_the_log(tmp_path: Path) -> None:
    write_log(generate(600, 2).events, tmp_path / "log.parquet")
    log = EventLog(load([tmp_path / "log.parquet"]).events)
    rows = global_projection(log, list(grouped(REGISTRY, "global")))
    assert 0 < len(rows) < len(log.events)  # the declared projections pick some rows, not every row
    assert set(rows["_row"]) <= set(log.events["_row"])
    assert len(global_projection(log, [])) == 0


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, frozenset[str]]:
    gen = generate(3000, 1)
    tmp = tmp_path_factory.mktemp("keys")
    write_log(gen.events, tmp / "log.parquet")
    gen.roster.to_csv(tmp / "roster.csv", index=False)
    gen.approvals.to_csv(tmp / "approvals.csv", index=False)
    side = ("--roster", str(tmp / "roster.csv"), "--approvals", str(tmp / "approvals.csv"))
    code, _, err = run_cli("scan", str(tmp / "log.parquet"), *side, "-o", str(tmp / "f.csv"), "--quiet")
    assert code == 0, err
    return read_findings_csv(tmp / "f.csv"), load([tmp / "log.parquet"], columns=[]).source.lacks


@pytest.mark.parametrize("rule_id", sorted(r.id for r in REGISTRY.values() if r.grouping != "months"))
def test_the_declared_key_is_the_key_of_every_finding(scanned: tuple, rule_id: str) -> None:
    """``finding_id = hash(rule_id, key)``: the key rebuilt from the written row by the rule's declaration
    gives the row's id — so tests (and users) read a finding's key from the registry, not from a copy.
    A scan runs no trend warning: theirs are checked on `regcheck trend`'s output (tests/test_trend.py)."""
    found, lacks = scanned
    r = REGISTRY[rule_id]
    rows = found.loc[found["rule_id"] == rule_id]
    if r.facts & lacks:  # not checkable on a flat log (LG005 reads access-message heads)
        assert rows.empty
        return
    assert len(rows), f"{rule_id}: the generator injects every rule a flat log can feed"
    rebuilt = np.array([finding_id(rule_id, r.key_of(row)) for row in rows.to_dict("records")])
    assert (rebuilt == rows["finding_id"].to_numpy()).all(), r.key
