"""Fees: FE001–FE002 against the standard fee table (rules.md "Fees")."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from regcheck.config import build
from regcheck.engine import run
from regcheck.findings import finding_id
from regcheck.loaders import load
from regcheck.model import EventLog
from regcheck.rules import REGISTRY
from regcheck.rules.fee import FeeParams, FeeTable
from regcheck.schema import CANONICAL

from .conftest import rules_of, scan_findings, write_canonical_csv
from .oracle import oracle_findings


def case(cid: str, business_type: str, use_after: str, fee: str, change_kind: str = "") -> list[dict]:
    return [
        {
            "case_id": cid,
            "office_code": "341802",
            "activity": "accept",
            "event_time": "2026-09-08 09:00:00",
            "operator_id": "341802-W1",
            "business_type": business_type,
            "use_after": use_after,
            "change_kind": change_kind,
        },
        {
            "case_id": cid,
            "office_code": "341802",
            "activity": "charge",
            "event_time": "2026-09-08 09:10:00",
            "operator_id": "341802-W1",
            "fee_charged": fee,
        },
    ]


def fe(found: pd.DataFrame) -> pd.DataFrame:
    return found[found["rule_id"].isin(rules_of("fee"))].reset_index(drop=True)


FEE_CASES = [
    # (business_type, use_after, change_kind, fee_charged, expected rule, standard)
    ("transfer", "residential", "", "80", None, 80),
    ("transfer", "residential", "", "80.00", None, 80),
    ("transfer", "residential", "", "80.01", "FE001", 80),
    ("transfer", "residential", "", "0", "FE001", 80),
    ("transfer", "住宅", "", "550", "FE001", 80),
    ("first", "commercial", "", "550", None, 550),
    ("first", "", "", "550", None, 550),
    ("mortgage", "industrial", "", "80", "FE001", 550),
    ("first", "homestead", "", "0", None, 0),
    ("first", "homestead", "", "10", "FE002", 0),
    ("correction", "residential", "", "40", None, 40),
    ("correction", "commercial", "", "550", "FE001", 275),
    ("objection", "", "", "275", None, 275),
    ("change", "residential", "merge", "40", None, 40),
    ("change", "commercial", "use_change;split", "275", None, 275),
    ("change", "commercial", "use_change", "275", "FE001", 550),
    ("transfer", "commercial", "split", "275", "FE001", 550),  # halving by change_kind is for `change` only
    ("seal", "residential", "", "0", None, 0),
    ("unseal", "residential", "", "80", "FE002", 0),
    ("cancel", "commercial", "", "550", "FE002", 0),
    ("mortgage_cancel", "residential", "", "80", "FE002", 0),
    ("objection_cancel", "", "", "1", "FE002", 0),
    ("prenotice", "residential", "", "0.00", None, 0),
    ("query", "", "", "20", "FE002", 0),
    ("预告登记", "residential", "", "80", "FE002", 0),
]


@pytest.mark.parametrize(("btype", "use", "kind", "fee", "rule_id", "standard"), FEE_CASES)
def test_fee_standard(
    tmp_path: Path, btype: str, use: str, kind: str, fee: str, rule_id: str | None, standard: float
) -> None:
    log = write_canonical_csv(case("C1", btype, use, fee, kind), tmp_path / "log.csv")
    f = fe(scan_findings(log, tmp_path))
    assert f["rule_id"].tolist() == ([rule_id] if rule_id else [])
    if rule_id:
        assert f.loc[0, "finding_id"] == finding_id(rule_id, "C1")
        assert f.loc[0, "event_time"] == "2026-09-08 09:10:00"  # the charge row
        assert json.loads(f.loc[0, "evidence"])["standard"] == standard


def test_not_evaluated_without_fee_or_type(tmp_path: Path) -> None:
    rows = case("C1", "transfer", "residential", "") + case("C2", "", "residential", "550")
    assert fe(scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path)).empty


def test_fee_on_any_row_of_the_case(tmp_path: Path) -> None:
    rows = case("C1", "transfer", "residential", "")
    rows[0]["fee_charged"] = "550"  # recorded on the accept row instead of the charge row
    f = fe(scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path))
    assert f["rule_id"].tolist() == ["FE001"]
    assert "多收470元" in f.loc[0, "message"]


def engine(tmp_path: Path, rows: list[dict], table: FeeTable) -> pd.DataFrame:
    loaded = load([write_canonical_csv(rows, tmp_path / "log.csv")])
    params = {rid: FeeParams(fees=table) for rid in rules_of("fee")}
    return run(EventLog(loaded.events), [REGISTRY[rid] for rid in rules_of("fee")], params=params).findings


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        (FeeTable(), {("C1", "FE001"), ("C3", "FE001")}),
        (FeeTable(exempt_case_ids=[" C1 "]), {("C1", "FE002"), ("C3", "FE001")}),  # 保障性住房: waived
        (FeeTable(exempt_types=["转移登记"]), {("C1", "FE002"), ("C2", "FE002"), ("C3", "FE001")}),
        (FeeTable(residential=100), {("C1", "FE001"), ("C2", "FE001"), ("C3", "FE001")}),
        (FeeTable.model_validate({"commercial": 600}), {("C1", "FE001")}),
        (FeeTable(halved_types=[]), {("C1", "FE001"), ("C3", "FE001")}),
        (FeeTable(free_types=["seal", "transfer"]), {("C1", "FE002"), ("C2", "FE002"), ("C3", "FE001")}),
    ],
)
def test_fee_table_is_config(tmp_path: Path, table: FeeTable, expected: set) -> None:
    rows = (
        case("C1", "transfer", "residential", "90")
        + case("C2", "transfer", "residential", "80")
        + case("C3", "mortgage", "commercial", "600")
    )
    f = engine(tmp_path, rows, table)
    assert set(zip(f["case_id"], f["rule_id"], strict=True)) == expected


def test_fees_section_of_the_config_file_feeds_both_rules() -> None:
    cfg = build({"fees": {"住宅": 100, "exempt_case_ids": [34180220260700001], "other": 500}})
    for rid in rules_of("fee"):
        t = cfg.params[rid].fees
        assert (t.residential, t.other, t.exempt_case_ids) == (100, 500, ["34180220260700001"])
        assert t.free_types == FeeTable().free_types  # untouched defaults stay


@pytest.mark.parametrize(
    "values",
    [{"free_types": ["lunch"]}, {"residential": -1}, {"bogus": 1}, {"halved_change_kinds": ["split", "x"]}],
)
def test_bad_fee_table_rejected(values: dict) -> None:
    with pytest.raises(ValidationError):
        FeeTable.model_validate(values)


# --- against the independent reference implementation (tests/oracle.py) -----------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["transfer", "first", "change", "correction", "objection", "seal", "cancel", "query", ""]),
            st.sampled_from(["residential", "homestead", "commercial", ""]),
            st.sampled_from(["", "split", "merge", "use_change", "use_change;merge"]),
            st.sampled_from(["", "0", "0.00", "40", "80", "80.00", "275", "550", "10"]),
        ),
        min_size=1,
        max_size=10,
    )
)
def test_fe_rules_agree_with_oracle(cases: list[tuple]) -> None:
    rows = [r for i, c in enumerate(cases) for r in case(f"C{i}", *c[:2], c[3], c[2])]
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load([write_canonical_csv(rows, Path(tmp) / "log.csv")])
    f = run(EventLog(loaded.events), [REGISTRY["FE001"], REGISTRY["FE002"]]).findings
    frame = pd.DataFrame([{c: e.get(c, "") for c in CANONICAL} for e in rows])
    expected = {(r, k) for r, k in oracle_findings(frame) if r.startswith("FE")}
    assert set(zip(f["rule_id"], f["case_id"], strict=True)) == expected
