"""`regcheck trend` (issue 17): each month as `scan --period` sees it, the trend table's counts, the warnings'
keys and defaults, the outputs and the command's errors. The warnings' worked cases are in tests/cases/warnings.toml."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcheck import api
from regcheck.calendar import WorkCalendar
from regcheck.findings import finding_id
from regcheck.rules import REGISTRY
from regcheck.trend import TREND_COLUMNS, TREND_HEADERS_ZH, Trend, month_range

from .conftest import REPO, read_findings_csv, run_cli, write_canonical_csv
from .test_zh import CODE_WORD

SAMPLE = REPO / "sample_data" / "logs.parquet"


def months_of_scan(log: Path, months: list[str], tmp: Path, *extra: str) -> dict[str, set[str]]:
    """The finding_ids `regcheck scan --period MONTH` reports, per month."""
    out = {}
    for month in months:
        path = tmp / f"scan-{month}.csv"
        code, _, err = run_cli("scan", str(log), "--period", month, "-o", str(path), "-q", *extra)
        assert code == 0, err
        out[month] = set(read_findings_csv(path)["finding_id"])
    return out


@pytest.mark.parametrize("which", ["sample_data", "messages", "generated"])
def test_each_month_is_what_scan_period_reports(which: str, tmp_path: Path) -> None:
    """One read, each month cut as of its end: the month's findings are exactly `scan --period MONTH`'s."""
    if which == "sample_data":
        log, side = SAMPLE, ("--roster", str(SAMPLE.with_suffix(".roster.csv")))
        months = ["2026-07", "2026-08", "2026-09", "2026-10"]
    elif which == "messages":  # an access-message archive (issue 15)
        log, side = SAMPLE.with_name("messages.zip"), ("--roster", str(SAMPLE.with_name("messages.roster.csv")))
        months = ["2026-08", "2026-09"]
    else:
        log = tmp_path / "log.parquet"
        code, _, err = run_cli("generate", "--cases", "1200", "--seed", "7", "-o", str(log))
        assert code == 0, err
        side = ("--roster", str(tmp_path / "log.roster.csv"), "--approvals", str(tmp_path / "log.approvals.csv"))
        months = ["2026-08", "2026-09", "2026-10"]
    outcome = api.trend([str(log)], first=months[0], last=months[-1], output=str(tmp_path / "t.csv"),
                        roster_path=side[1], approvals_path=side[3] if len(side) > 2 else None)  # fmt: skip
    found = outcome.trend.findings
    scanned = months_of_scan(log, months, tmp_path, *side)
    for month in months:
        assert set(found.loc[found["month"] == month, "finding_id"]) == scanned[month], month
    assert sum(map(len, scanned.values())) > 0
    table = outcome.trend.table
    offices = table.loc[table["level"] == "office"]
    assert offices.groupby("month")["findings"].sum().to_dict() == {m: len(scanned[m]) for m in months}


ROWS = [  # office 340102, October 2026; SD001 fires on C1 (W1 accepted and registered it)
    ("C1", "accept", "2026-10-12 09:00:00", "W1"),
    ("C1", "register", "2026-10-12 15:00:00", "W1"),  # registered the same day: timed, on time
    ("C2", "accept", "2026-09-01 09:00:00", "W2"),  # accepted in September
    ("C2", "review", "2026-10-13 09:00:00", "W1"),
    ("C2", "register", "2026-10-14 09:00:00", "W3"),  # ended in October, late (transfer: 5 working days)
    ("C3", "accept", "2026-10-15 09:00:00", "W2"),
    ("C3", "review", "2026-10-15 10:00:00", ""),  # a row without an operator: the office's event only
    ("C4", "accept", "2026-11-02 09:00:00", "W2"),  # November
]


def small_log(tmp: Path, rows: list[tuple[str, str, str, str]] = ROWS) -> Path:
    return write_canonical_csv(
        [
            {"case_id": c, "activity": a, "event_time": t, "operator_id": o, "office_code": "340102",
             "business_type": "transfer"}
            for c, a, t, o in rows
        ],
        tmp / "log.csv",
    )  # fmt: skip


def test_the_table_counts_a_small_log(tmp_path: Path) -> None:
    outcome = api.trend(
        [str(small_log(tmp_path))], first="2026-10", last="2026-11", output=str(tmp_path / "t.csv"), select=["SD001"]
    )
    t = outcome.trend.table
    assert list(t.columns) == list(TREND_COLUMNS)
    rows = {(r.level, r.operator_id, r.month): r for r in t.itertuples(index=False)}
    office = rows[("office", "", "2026-10")]
    got = [office.cases_handled, office.cases_accepted, office.cases_registered, office.cases_timed]
    assert [*got, office.cases_on_time, office.events, office.findings, office.findings_integrity] == [
        3, 2, 2, 2, 1, 6, 1, 1,
    ]  # fmt: skip
    assert office.on_time_rate == 0.5 and office.rate == pytest.approx(100 / 3) and office.findings_high == 1
    w1 = rows[("operator", "W1", "2026-10")]  # C1 and C2 (a review row)
    got = [w1.cases_handled, w1.cases_accepted, w1.cases_registered, w1.cases_timed, w1.cases_on_time, w1.events]
    assert [*got, w1.findings, w1.rate] == [2, 1, 2, 2, 1, 3, 1, 50.0]
    w2 = rows[("operator", "W2", "2026-10")]  # C3 only (C2's accept row is September's)
    assert [w2.cases_handled, w2.cases_accepted, w2.events, w2.findings, w2.rate] == [1, 1, 1, 0, 0.0]
    assert [w2.cases_timed, w2.cases_on_time] == [0, 0] and pd.isna(w2.on_time_rate)
    w3 = rows[("operator", "W3", "2026-11")]  # the grid: every operator in every month, zeros
    assert [w3.cases_handled, w3.events, w3.findings] == [0, 0, 0] and pd.isna(w3.rate)
    november = rows[("office", "", "2026-11")]
    assert [november.cases_handled, november.cases_accepted, november.events] == [1, 1, 1]
    assert len(t) == 2 * (1 + 3)  # two months × (the office + W1, W2, W3)


def drift_rows(w1_cases: int) -> list[tuple[str, str, str, str]]:
    """Three months in which W1 handles ``w1_cases`` cases with a finding on each; W2 and W3 handle 20, 1 with."""
    out = []
    for month in ("2026-09", "2026-10", "2026-11"):
        for op, n, hits in (("W1", w1_cases, w1_cases), ("W2", 20, 1), ("W3", 20, 1)):
            for i in range(n):
                case = f"{op}-{month}-{i}"
                out.append((case, "accept", f"{month}-10 09:00:00", op))
                if i < hits:
                    out.append((case, "register", f"{month}-10 15:00:00", op))
    return out


@pytest.mark.parametrize(("w1_cases", "warned"), [(19, False), (20, True)])
def test_wr001_default_min_cases(w1_cases: int, warned: bool, tmp_path: Path) -> None:
    """With the defaults (ratio 3, min_cases 20): 19 cases a month are too few, 20 are enough."""
    log = small_log(tmp_path, drift_rows(w1_cases))
    out = tmp_path / "w.csv"
    code, _, err = run_cli("trend", str(log), "--from", "2026-09", "--to", "2026-11", "-o", str(tmp_path / "t.csv"),
                           "--warnings", str(out), "--select", "WR001,SD001", "-q")  # fmt: skip
    assert code == 0, err
    found = read_findings_csv(out)
    assert list(found["finding_id"]) == ([finding_id("WR001", "340102:W1")] if warned else [])


def test_warning_keys_rebuild_from_the_written_rows(tmp_path: Path) -> None:
    """finding_id = hash(rule, key): the declared key rebuilt from each written warning gives its id."""
    days = ("22", "23", "28", "29", "30")  # window days of 2026-09 (holidays 09-25…27 and 10-01…07)
    steps = (("accept", "09:00:00"), ("register", "10:00:00"))
    rows = drift_rows(20) + [(f"H{i}", a, f"2026-09-{d} {h}", "W4") for i, d in enumerate(days) for a, h in steps]
    out, config = tmp_path / "w.csv", tmp_path / "regcheck.toml"
    config.write_text("[rules.WR002]\nratio = 1\n", encoding="utf-8")  # W4's 5 findings on window days
    code, _, err = run_cli("trend", str(small_log(tmp_path, rows)), "--from", "2026-09", "--to", "2026-11",
                           "-o", str(tmp_path / "t.csv"), "--warnings", str(out), "--select", "WR,SD001",
                           "--config", str(config), "-q")  # fmt: skip
    assert code == 0, err
    found = read_findings_csv(out)
    assert ",".join(sorted(found["rule_id"])) == "WR001,WR002"
    for row in found.to_dict("records"):
        assert finding_id(row["rule_id"], REGISTRY[row["rule_id"]].key_of(row)) == row["finding_id"]
    assert found["message"].str.extract(CODE_WORD, expand=False).dropna().empty  # Chinese, as every rule's


def test_outputs_xlsx_holds_the_table_and_the_warnings(tmp_path: Path) -> None:
    log = small_log(tmp_path, drift_rows(20))
    xlsx, csv = tmp_path / "trend.xlsx", tmp_path / "w.csv"
    code, out, err = run_cli("trend", str(log), "--from", "2026-09", "--to", "2026-11", "-o", str(xlsx),
                             "--warnings", str(csv), "--select", "WR001,SD001")  # fmt: skip
    assert code == 0, err
    assert "WR001" in out and "340102 W1" in out and "3 个月 months" in out
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames == ["趋势", "预警", "字段说明"]
    trend_rows = list(wb["趋势"].values)
    assert list(trend_rows[0]) == list(TREND_COLUMNS) and trend_rows[1][-1] == TREND_HEADERS_ZH["rate"]
    assert len(trend_rows) == 2 + 3 * 4  # code row, header, 3 months × (office + 3 operators)
    warned = list(wb["预警"].values)
    scan_columns = list(read_findings_csv(csv).columns)
    assert list(warned[0]) == scan_columns and len(warned) == 3 and "WR001" in warned[2]


def test_warnings_left_out_of_a_csv_table_are_named(tmp_path: Path) -> None:
    said: list[tuple[str, str]] = []
    outcome = api.trend([str(small_log(tmp_path, drift_rows(20)))], first="2026-09", last="2026-11",
                        output=str(tmp_path / "t.csv"), select=["WR001,SD001"],
                        warn=lambda kind, text: said.append((kind, text)))  # fmt: skip
    assert len(outcome.warnings) == 1
    assert said == [("note", f"1 warnings are not in {tmp_path / 't.csv'} (the table only): add --warnings FILE")]


def test_a_warning_is_suppressible(tmp_path: Path) -> None:
    config = tmp_path / "regcheck.toml"
    config.write_text(
        '[[suppress]]\nrule = "WR001"\noperator_id = "W1"\nreason = "借调"\napproved_by = "张三"\n'
        "expires = 2026-12-31\n",
        encoding="utf-8",
    )
    outcome = api.trend([str(small_log(tmp_path, drift_rows(20)))], first="2026-09", last="2026-11",
                        output=str(tmp_path / "t.csv"), select=["WR001,SD001"], config_path=str(config))  # fmt: skip
    assert outcome.warnings.empty and outcome.suppressed == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--from", "2026-11", "--to", "2026-09"), "--from 2026-11 is after --to 2026-09"),
        (("--from", "2026-13", "--to", "2026-11"), "--from '2026-13': a month as YYYY-MM"),
        (("--from", "2027-01", "--to", "2027-03"), "no events in 2027-01–2027-03"),
        (("--from", "2026-10", "--to", "2026-11", "-o", "t.txt"), "cannot tell the output format"),
    ],
)
def test_bad_ranges_and_outputs_exit_2(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    out = () if "-o" in args else ("-o", str(tmp_path / "t.csv"))
    code, _, err = run_cli("trend", str(small_log(tmp_path)), *args, *out, "-q")
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "t.csv").exists()


def test_scan_refuses_a_trend_warning(tmp_path: Path) -> None:
    log = small_log(tmp_path)
    code, _, err = run_cli("scan", str(log), "--select", "WR001", "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2 and "WR001 是趋势预警：用 regcheck trend" in err, err
    config = tmp_path / "regcheck.toml"
    config.write_text('select = ["TL", "WR"]\n', encoding="utf-8")
    code, _, err = run_cli("scan", str(log), "--config", str(config), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 2 and "WR 是趋势预警" in err, err
    code, out, _ = run_cli("rules")
    assert code == 0 and all(r in out for r in REGISTRY if REGISTRY[r].grouping == "months")
    code, out, _ = run_cli("explain", "WR003")
    assert code == 0 and "floor" in out and "months" in out


def office_trend(timed: list[tuple[int, int]]) -> Trend:
    """A Trend of one office whose months (from 2026-01) have (cases timed, on time) as given."""
    months = month_range("2026-01", f"2026-{len(timed):02d}")
    rows = [
        {c: 0 for c in TREND_COLUMNS}
        | {"level": "office", "office_code": "340102", "operator_id": "", "month": m.label, "cases_timed": n,
           "cases_on_time": k, "on_time_rate": k / n if n else float("nan"), "rate": float("nan")}
        for m, (n, k) in zip(months, timed, strict=True)
    ]  # fmt: skip
    empty = pd.DataFrame(columns=["office_code", "date", "events"])
    return Trend(months, pd.DataFrame(rows, columns=list(TREND_COLUMNS)), pd.DataFrame(), empty, WorkCalendar())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=1, max_size=6))
def test_wr003_fires_exactly_on_three_falls_ending_below_the_floor(months: list[tuple[int, int]]) -> None:
    """Any run of months: WR003 fires iff the last four on-time rates exist, each below the one before, the last
    below 95%."""
    timed = [(n, min(k, n)) for n, k in months]
    rates = [k / n if n else None for n, k in timed][-4:]
    falls = len(rates) == 4 and None not in rates and all(b < a for a, b in pairwise(rates))
    want = falls and rates[-1] < 0.95
    found = REGISTRY["WR003"].run(office_trend(timed))
    assert list(found["key"]) == (["340102"] if want else [])
