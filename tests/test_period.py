"""--period YYYY-MM: the month's findings, earlier rows as history; incomplete cases counted."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from regcheck.errors import InputError
from regcheck.period import in_period, parse_period

from ._monthly import ev, pairs, write_log
from .conftest import run_cli, scan_findings

PERIOD_CASES = [
    # (period, expected (rule, case) pairs)
    (None, {("TL001", "A2"), ("TL002", "A1"), ("LG003", "B2")}),
    # A1 accepted in October, overdue in November: November's finding, timed from its October acceptance
    ("2026-11", {("TL002", "A1"), ("LG003", "B2")}),
    # A2 accepted and registered late in October; October as it stood at its end (Sat 10-31 23:59:59):
    # A1, accepted Mon 10-26, has used 4 of its 5 working days — the deadline warning
    ("2026-10", {("TL001", "A2"), ("TL003", "A1")}),
    ("2026年11月", {("TL002", "A1"), ("LG003", "B2")}),
]


@pytest.mark.parametrize(("period", "expected"), PERIOD_CASES)
def test_period_filters_findings_across_month_boundary(tmp_path: Path, period: str | None, expected: set) -> None:
    args = ["--period", period] if period else []
    found = scan_findings(write_log(tmp_path / "log.csv"), tmp_path, *args)
    assert pairs(found) == expected


def test_october_history_still_times_november_finding(tmp_path: Path) -> None:
    found = scan_findings(write_log(tmp_path / "log.csv"), tmp_path, "--period", "2026-11")
    a1 = json.loads(found.loc[found["case_id"] == "A1", "evidence"].iloc[0])
    # W(10-26, 11-06) = 10-27 … 11-06 = 9 working days; deadline = 5th working day after 10-26
    assert a1["elapsed"] == 9 and a1["deadline"] == "2026-11-02"


def test_without_the_october_rows_the_case_is_not_timed_but_counted_incomplete(tmp_path: Path) -> None:
    rows = [
        ev("A1", "340102", "review", "2026-11-06 16:00:00", "R1"),  # October acceptance not in the export
        ev("A3", "340102", "accept", "2026-11-02 09:00:00", "W2"),
        ev("A3", "340102", "register", "2026-11-04 10:00:00", "D1"),
        ev("Q1", "340102", "query", "2026-11-04 10:00:00", "Q1", btype="query", query_basis="法院函"),
        ev("T1", "340102", "ticket", "2026-11-04 10:00:00", ""),  # not accepted yet: not incomplete
    ]
    log = write_log(tmp_path / "log.csv", rows)
    code, out, err = run_cli(
        "scan", str(log), "-o", str(tmp_path / "f.csv"), "--period", "2026-11", "--summary-format", "json"
    )
    assert code == 0, err
    summary = json.loads(out)
    assert summary["incomplete_cases"] == 1
    assert summary["timed_cases"] == 1  # A3 only
    found = pd.read_csv(tmp_path / "f.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert not (found["rule_id"].str.startswith("TL")).any()


def test_on_time_rate_counts_cases_ended_in_the_month(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log.csv")
    rates = {}
    for month in ("2026-10", "2026-11"):
        code, out, err = run_cli(
            "scan", str(log), "-o", str(tmp_path / "f.csv"), "--period", month, "--summary-format", "json"
        )
        assert code == 0, err
        s = json.loads(out)
        rates[month] = (s["on_time"], s["timed_cases"], s["period"])
    assert rates == {"2026-10": (0, 1, "2026-10"), "2026-11": (3, 3, "2026-11")}


@pytest.mark.parametrize("bad", ["2026-13", "2026", "11-2026", "2026-1-1", "next month"])
def test_bad_period_is_exit_2(tmp_path: Path, bad: str) -> None:
    code, _out, err = run_cli(
        "scan", str(write_log(tmp_path / "log.csv")), "-o", str(tmp_path / "f.csv"), "--period", bad
    )
    assert code == 2
    assert "--period" in err and len(err.strip().splitlines()) == 1


BOUNDARY_CASES = [
    ("2026-10-31 23:59:59", "2026-10"),
    ("2026-11-01 00:00:00", "2026-11"),
    ("2026-12-31 23:59:59", "2026-12"),
    ("2027-01-01 00:00:00", "2027-01"),
]


@pytest.mark.parametrize(("time", "month"), BOUNDARY_CASES)
def test_month_bounds_are_half_open(time: str, month: str) -> None:
    f = pd.DataFrame({"event_time": pd.to_datetime([time]), "rule_id": ["X"]})
    for label in ("2026-10", "2026-11", "2026-12", "2027-01"):
        assert len(in_period(f, parse_period(label))) == (label == month)


def test_parse_period_rejects_month_13() -> None:
    with pytest.raises(InputError):
        parse_period("2026-13")
