"""Chinese where people read (issue 12 item 7): no English code in any message, evidence numbers as
written, `regcheck explain` quoting the checklist items of its basis. The XLSX: tests/test_xlsx_zh.py."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcheck.checklist import checklist
from regcheck.rules import REGISTRY
from regcheck.rules.base import findings
from regcheck.schema import ENUMS

from .conftest import run_cli, scan_findings, write_canonical_csv

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "sample_data"
# every canonical code of the enumerations, as a word of its own (a code inside an id such as W1 is no code)
CODES = sorted({code for table in ENUMS.values() for code in table}, key=len, reverse=True)
CODE_WORD = re.compile(r"(?<![A-Za-z_])(" + "|".join(CODES) + r")(?![A-Za-z_])")


# --- the checklist ---------------------------------------------------------------------------------


def test_every_rules_basis_item_has_its_checklist_text() -> None:
    items = checklist()
    assert sorted(items) == list(range(5, 27))  # the seed checklist's items 5–26
    for r in REGISTRY.values():
        assert r.basis, r.id
        for n in r.basis:
            assert n in items, (r.id, n)
            assert items[n].task and items[n].requirement, (r.id, n)


@pytest.mark.parametrize("rule_id", sorted(REGISTRY))
def test_explain_quotes_the_checklist_items_of_its_basis(rule_id: str) -> None:
    code, out, err = run_cli("explain", rule_id)
    assert code == 0, err
    for n in REGISTRY[rule_id].basis:
        entry = checklist()[n]
        assert f"第{n}项：{entry.task}" in out
        assert f"工作要求：{entry.requirement}" in out


def test_explain_tl001_quotes_the_five_working_days() -> None:
    _code, out, _err = run_cli("explain", "TL001")
    assert "确保一般登记和抵押登记5个工作日内办结" in out  # item 9, word for word


# --- messages ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample_findings(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The sample log's findings with every rule and both side inputs (CSV, as written)."""
    out = tmp_path_factory.mktemp("zh") / "f.csv"
    side = ["--roster", str(SAMPLE / "logs.roster.csv"), "--approvals", str(SAMPLE / "logs.approvals.csv")]
    code, _, err = run_cli("scan", str(SAMPLE / "logs.parquet"), *side, "-o", str(out), "-q")
    assert code == 0, err
    return pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_no_message_of_any_rule_carries_an_english_code(sample_findings: pd.DataFrame) -> None:
    found = sample_findings
    # every rule fired, so every message kind was looked at — but SD005 (the sample log has no `step` column)
    # and LG005 (only access messages have heads), whose messages tests/test_review_steps.py and
    # tests/test_source_rules.py check; nor the trend warnings, which a scan never runs (tests/test_trend.py)
    scanned = {rid for rid, r in REGISTRY.items() if not r.facts & {"step", "message_heads"} and r.grouping != "months"}
    assert set(found["rule_id"]) == scanned
    codes = found["message"].str.extract(CODE_WORD, expand=False).dropna()
    assert codes.empty, found.loc[codes.index, ["rule_id", "message"]].to_string()


@pytest.mark.parametrize("activity", sorted(ENUMS["activity"]))
def test_lg004_names_the_activity_in_chinese(activity: str, tmp_path: Path) -> None:
    row = {"case_id": "C1", "office_code": "340102", "activity": activity, "event_time": "2026-09-08 10:00:00"}
    rows = [{**row, "operator_id": "W1"}, {**row, "operator_id": "W1"}]
    found = scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path, "--select", "LG004")
    assert found["message"].tolist() == [f"存在2条完全相同的重复日志行（首个环节：{ENUMS['activity'][activity]}）"]
    assert json.loads(found.loc[0, "evidence"])["activity"] == activity  # the evidence keeps the code


# --- evidence numbers --------------------------------------------------------------------------------


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**13), st.sampled_from([0, 1, 2, 4]))
def test_evidence_numbers_are_written_as_the_number_reads(units: int, decimals: int) -> None:
    """A value written with a few decimals (4701100.01) appears so in the evidence, not 4701100.0099999998."""
    written = f"{units / 10**decimals:.{decimals}f}"
    value = float(written)
    ev = findings(key=["k"], office_code="x", event_time=["2026-01-01"], message="m", evidence={"v": [value]})
    text = ev.loc[0, "evidence"]
    assert text == '{"v":' + repr(value) + "}"
    assert json.loads(text)["v"] == value
    assert math.isclose(float(repr(value)), float(written))


def test_mortgage_amount_in_evidence_and_message_as_written(tmp_path: Path) -> None:
    base = {"case_id": "M1", "office_code": "340104", "business_type": "mortgage", "unit_id": "U1"}
    money = {"mortgage_amount": "4701100.01", "assessed_value": "4701100"}
    rows = [
        {**base, **money, "activity": "accept", "event_time": "2026-09-08 09:00:00", "operator_id": "W1"},
        {**base, **money, "activity": "register", "event_time": "2026-09-09 09:00:00", "operator_id": "D1"},
    ]
    found = scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path, "--select", "MG004")
    evidence = found.loc[0, "evidence"]
    assert '"mortgage_amount":4701100.01,' in evidence and "0099999" not in evidence
    assert '"excess":0.01' in evidence
    assert "抵押金额4701100.01元高于评估价值4701100元（高出0.01元）" in found.loc[0, "message"]


def test_no_evidence_number_of_the_sample_scan_has_float_noise(sample_findings: pd.DataFrame) -> None:
    found = sample_findings
    noisy = found["evidence"].str.contains(r"\d\.\d*(?:00000|99999)\d", regex=True)
    assert not noisy.any(), found.loc[noisy, "evidence"].head().tolist()
