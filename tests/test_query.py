"""Information security: IQ001–IQ003 on query rows (rules.md "Information security")."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.engine import run
from regcheck.findings import finding_id
from regcheck.loaders import load
from regcheck.model import EventLog
from regcheck.rules import REGISTRY
from regcheck.rules.query import BulkParams, HoursParams
from regcheck.schema import CANONICAL

from .conftest import label_key, rules_of, scan_findings, write_canonical_csv
from .oracle import oracle_findings


def q(case: str, time: str, op: str = "340102-Q1", basis: str = "申请1", office: str = "340102", **kw: str) -> dict:
    return {
        "case_id": case,
        "office_code": office,
        "activity": "query",
        "event_time": time,
        "operator_id": op,
        "query_basis": basis,
        "business_type": "query",
        **kw,
    }


def scan(tmp_path: Path, rows: list[dict], *extra: str) -> pd.DataFrame:
    return scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path, *extra)


def of(found: pd.DataFrame, rule_id: str) -> pd.DataFrame:
    return found[found["rule_id"] == rule_id].reset_index(drop=True)


def engine(tmp_path: Path, rows: list[dict], rule_id: str, params) -> pd.DataFrame:
    loaded = load([write_canonical_csv(rows, tmp_path / "log.csv")])
    return run(EventLog(loaded.events), [REGISTRY[rule_id]], params={rule_id: params}).findings


# --- IQ001 ---------------------------------------------------------------------------------

IQ001_CASES = [
    ("with_basis", [q("Q1", "2026-09-08 10:00:00")], []),
    ("blank_basis", [q("Q1", "2026-09-08 10:00:00", basis="")], ["Q1|2026-09-08 10:00:00"]),
    ("whitespace_basis", [q("Q1", "2026-09-08 10:00:00", basis=" \u3000 ")], ["Q1|2026-09-08 10:00:00"]),
    ("null_text_basis", [q("Q1", "2026-09-08 10:00:00", basis="NULL")], ["Q1|2026-09-08 10:00:00"]),
    (
        "one_finding_per_row_same_case",
        [q("Q1", "2026-09-08 10:00:00", basis=""), q("Q1", "2026-09-08 11:00:00", basis="")],
        ["Q1|2026-09-08 10:00:00", "Q1|2026-09-08 11:00:00"],
    ),
    (
        "non_query_rows_ignored",
        [
            {"case_id": "A", "office_code": "340102", "activity": "accept", "event_time": "2026-09-08 09:00:00"},
            {"case_id": "A", "office_code": "340102", "activity": "register", "event_time": "2026-09-09 09:00:00"},
        ],
        [],
    ),
    ("no_operator_still_counts", [q("Q1", "2026-09-08 10:00:00", op="", basis="")], ["Q1|2026-09-08 10:00:00"]),
]


@pytest.mark.parametrize(("rows", "keys"), [c[1:] for c in IQ001_CASES], ids=[c[0] for c in IQ001_CASES])
def test_iq001(tmp_path: Path, rows: list[dict], keys: list[str]) -> None:
    f = of(scan(tmp_path, rows), "IQ001")
    assert sorted(f["finding_id"]) == sorted(finding_id("IQ001", k) for k in keys)
    assert sorted(f["case_id"] + "|" + f["event_time"]) == sorted(keys)


# --- IQ002 ---------------------------------------------------------------------------------

IQ002_CASES = [
    # (time, off-hours?) — default calendar: Tue 2026-09-08 working, Sat 09-12 not, Sat 10-10 make-up day
    ("2026-09-08 08:00:00", False),
    ("2026-09-08 07:59:59", True),
    ("2026-09-08 18:00:00", False),
    ("2026-09-08 18:00:01", True),
    ("2026-09-08 18:00:00.500", True),
    ("2026-09-08 00:00:00", True),
    ("2026-09-08 23:59:59", True),
    ("2026-09-12 10:00:00", True),
    ("2026-10-10 10:00:00", False),
    ("2026-10-01 10:00:00", True),
    ("2026-02-14 09:00:00", False),  # Sat, 2026 make-up working day
    ("2026-05-01 09:00:00", True),
]


@pytest.mark.parametrize(("time", "off"), IQ002_CASES)
def test_iq002(tmp_path: Path, time: str, off: bool) -> None:
    f = of(scan(tmp_path, [q("Q1", time)]), "IQ002")
    assert len(f) == int(off)
    if off:
        key = f"Q1|{pd.Timestamp(time):%Y-%m-%d %H:%M:%S}"
        assert f.loc[0, "finding_id"] == finding_id("IQ002", key)
        assert f.loc[0, "operator_id"] == "340102-Q1"


@pytest.mark.parametrize(
    ("override", "time", "off"),
    [
        ("2026-09-08,false", "2026-09-08 10:00:00", True),  # a local holiday
        ("2026-09-12,true", "2026-09-12 10:00:00", False),  # a local make-up day
    ],
)
def test_iq002_calendar_override(tmp_path: Path, override: str, time: str, off: bool) -> None:
    cal = tmp_path / "cal.csv"
    cal.write_text("date,workday\n" + override + "\n", encoding="utf-8")
    f = of(scan(tmp_path, [q("Q1", time)], "--calendar", str(cal)), "IQ002")
    assert len(f) == int(off)
    if off:
        assert json.loads(f.loc[0, "evidence"])["workday"] is False


@pytest.mark.parametrize(("start", "end", "expected"), [(dt.time(9), dt.time(17), 2), (dt.time(8), dt.time(18), 0)])
def test_iq002_hours_are_params(tmp_path: Path, start: dt.time, end: dt.time, expected: int) -> None:
    rows = [q("Q1", "2026-09-08 08:30:00"), q("Q2", "2026-09-08 17:30:00"), q("Q3", "2026-09-08 12:00:00")]
    assert len(engine(tmp_path, rows, "IQ002", HoursParams(start=start, end=end))) == expected


# --- IQ003 ---------------------------------------------------------------------------------


def burst(op: str, day: str, n: int, start: int = 0, office: str = "340102", prefix: str | None = None) -> list[dict]:
    base = pd.Timestamp(f"{day} 08:00:00")
    tag = prefix or op
    return [
        q(
            f"{tag}-{day}-{start + i:03d}",
            f"{base + pd.Timedelta(minutes=5 * (start + i)):%Y-%m-%d %H:%M:%S}",
            op,
            office=office,
        )
        for i in range(n)
    ]


IQ003_CASES = [
    ("fifty", burst("Q1", "2026-09-08", 50), []),
    ("fifty_one", burst("Q1", "2026-09-08", 51), ["Q1@2026-09-08"]),
    (
        "across_offices_counted_together",
        burst("Q1", "2026-09-08", 30, office="340102") + burst("Q1", "2026-09-08", 21, start=30, office="340103"),
        ["Q1@2026-09-08"],
    ),
    ("per_calendar_day", burst("Q1", "2026-09-08", 30) + burst("Q1", "2026-09-09", 21), []),
    ("per_operator", burst("Q1", "2026-09-08", 26) + burst("Q2", "2026-09-08", 25), []),
    (
        "blank_operator_not_counted",
        [*burst("Q1", "2026-09-08", 50), q("K1", "2026-09-08 17:00:00", op="")],
        [],
    ),
    (
        "two_operators_two_days",
        burst("Q1", "2026-09-08", 51) + burst("Q2", "2026-09-09", 60),
        ["Q1@2026-09-08", "Q2@2026-09-09"],
    ),
]


@pytest.mark.parametrize(("rows", "keys"), [c[1:] for c in IQ003_CASES], ids=[c[0] for c in IQ003_CASES])
def test_iq003(tmp_path: Path, rows: list[dict], keys: list[str]) -> None:
    f = of(scan(tmp_path, rows), "IQ003")
    assert sorted(f["finding_id"]) == sorted(finding_id("IQ003", k) for k in keys)
    # the worked-example harness forms the key from operator_id and evidence["day"]
    assert sorted(f["operator_id"] + "@" + f["evidence"].map(lambda e: json.loads(e)["day"])) == sorted(keys)
    assert (f["case_id"] == "").all()


def test_iq003_evidence_peer_median_and_time(tmp_path: Path) -> None:
    rows = burst("Q1", "2026-09-08", 55) + burst("Q2", "2026-09-08", 10) + burst("Q3", "2026-09-08", 3)
    rows += burst("Q4", "2026-09-09", 7)  # another day: not a peer
    f = of(scan(tmp_path, rows), "IQ003")
    assert len(f) == 1
    e = json.loads(f.loc[0, "evidence"])
    assert (e["day"], e["count"], e["peer_median"], e["peers"], e["threshold"]) == ("2026-09-08", 55, 10.0, 3, 50)
    # the time of the 51st query, when the threshold was crossed
    assert f.loc[0, "event_time"] == "2026-09-08 12:10:00"
    assert f.loc[0, "office_code"] == "340102"
    assert "55次" in f.loc[0, "message"] and "中位数10次" in f.loc[0, "message"]


@pytest.mark.parametrize(("limit", "expected"), [(50, 0), (10, 1), (11, 0)])
def test_iq003_threshold_is_a_param(tmp_path: Path, limit: int, expected: int) -> None:
    f = engine(tmp_path, burst("Q1", "2026-09-08", 11), "IQ003", BulkParams(max_per_day=limit))
    assert len(f) == expected


def test_iq003_declared_global() -> None:
    assert REGISTRY["IQ003"].grouping == "global"


# --- against the independent reference implementation (tests/oracle.py) -----------------------

TIMES = ["07:59:59", "08:00:00", "12:00:00", "18:00:00", "18:00:01", "23:59:59", "00:00:00"]
QUERY_DAYS = ["2026-09-08", "2026-09-12", "2026-09-20", "2026-10-01", "2026-10-10"]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    singles=st.lists(
        st.tuples(
            st.sampled_from(QUERY_DAYS),
            st.sampled_from(TIMES),
            st.sampled_from(["Q1", "Q2", " Q1\u3000", ""]),
            st.sampled_from(["申请1", "", "\u3000", "NULL"]),
        ),
        min_size=1,
        max_size=12,
    ),
    bursts=st.lists(
        st.tuples(st.sampled_from(["Q1", "Q2"]), st.sampled_from(["2026-09-08", "2026-09-09"]), st.integers(45, 53)),
        max_size=3,
    ),
)
def test_iq_rules_agree_with_oracle(singles: list[tuple], bursts: list[tuple]) -> None:
    rows = [q(f"S{i:03d}", f"{d} {t}", op, basis) for i, (d, t, op, basis) in enumerate(singles)]
    for j, (op, day, n) in enumerate(bursts):
        rows += burst(op, day, n, prefix=f"B{j}")
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load([write_canonical_csv(rows, Path(tmp) / "log.csv")])
    f = run(EventLog(loaded.events), [REGISTRY[r] for r in rules_of("query")]).findings
    got = {(row["rule_id"], label_key(row)) for row in f.to_dict("records")}
    frame = pd.DataFrame([{c: e.get(c, "") for c in CANONICAL} for e in rows])
    assert got == {(r, k) for r, k in oracle_findings(frame) if r.startswith("IQ")}
