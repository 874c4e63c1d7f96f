"""The cut-off of a scan (issue 12 items 3, 4; issue 13 item 8): --period checks the month as it stood at its
end, whenever the export was taken; rows after as-of are set aside; nothing to check is exit 2; one row far
ahead of the rest does not silently move as-of.

The logs are made by the project's generator (2025-01 .. Sat 2026-10-10, three offices) and cut where an
export taken later or earlier would end.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.generate import generate
from regcheck.period import FAR_AHEAD, latest_values, parse_period, percentile_999, top_size
from regcheck.writers.logfile import write_log

from ._monthly import ev
from ._monthly import write_log as write_rows
from .conftest import run_cli

EVENTS = generate(500, 3, offices=3).events
MONTHS = ["2026-06", "2026-08", "2026-09"]  # 2026-09 ends in the National Day holidays
VOLATILE = ("output", "files_read", "rows_read", "rows_rejected", "rows_after_period")  # what the export changes


def _scan(log: Path, out: Path, *args: str, command: str = "scan") -> tuple[bytes, dict]:
    out.mkdir(parents=True, exist_ok=True)
    target = out / ("findings.csv" if command == "scan" else "sample.csv")
    code, stdout, err = run_cli(command, str(log), "-o", str(target), "--summary-format", "json", *args)
    assert code == 0, err
    return target.read_bytes(), json.loads(stdout)


def _month_view(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k not in VOLATILE}


def _export(events: pd.DataFrame, cut: pd.Timestamp, path: Path) -> Path:
    write_log(events.loc[events["event_time"] <= cut].reset_index(drop=True), path)
    return path


@st.composite
def month_and_cutoff(draw: st.DrawFn) -> tuple[str, pd.Timestamp]:
    """A month, and an export cut-off anywhere from the month's first later event to the end of the log."""
    month = draw(st.sampled_from(MONTHS))
    end = parse_period(month).end
    later = np.sort(EVENTS.loc[EVENTS["event_time"] >= end, "event_time"].to_numpy())
    return month, pd.Timestamp(later[draw(st.integers(0, len(later) - 1))])


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(month_and_cutoff())
def test_the_month_is_the_same_whenever_the_export_was_taken(tmp_path: Path, case: tuple[str, pd.Timestamp]) -> None:
    """Findings, counts and zero-report of the month are byte for byte those of the whole log's scan."""
    month, cut = case
    run = tmp_path / f"{month}-{cut:%Y%m%d%H%M%S}"
    whole = _scan(_export(EVENTS, EVENTS["event_time"].max(), run / "whole.parquet"), run / "w", "--period", month)
    early = _scan(_export(EVENTS, cut, run / "cut.parquet"), run / "c", "--period", month)
    assert early[0] == whole[0]
    assert _month_view(early[1]) == _month_view(whole[1])
    assert early[1]["as_of"] == f"{parse_period(month).last_second:%Y-%m-%d %H:%M:%S}"
    for s, last in ((whole[1], EVENTS["event_time"].max()), (early[1], cut)):
        after = int(((EVENTS["event_time"] >= parse_period(month).end) & (EVENTS["event_time"] <= last)).sum())
        assert s["rows_after_period"] == after
        assert s["rows_read"] == int((EVENTS["event_time"] <= last).sum())  # the generator's rows are all valid


def test_the_issue_s_september_counts_tl002_at_the_month_end(tmp_path: Path) -> None:
    """The issue: --period 2026-09 on a log to 2026-10-10 gave TL002 = 0; now it is what --as-of 09-30 gives."""
    log = _export(EVENTS, EVENTS["event_time"].max(), tmp_path / "log.parquet")
    by_period = _scan(log, tmp_path / "p", "--period", "2026-09")
    by_as_of = _scan(log, tmp_path / "a", "--period", "2026-09", "--as-of", "2026-09-30 23:59:59")
    assert by_period[0] == by_as_of[0]
    tl002 = {r["rule_id"]: r["count"] for r in by_period[1]["by_rule"]}["TL002"]
    assert tl002 > 0
    assert "TL002" not in by_period[1]["zero_report"]["rules"]


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


@pytest.mark.parametrize("engine", ["partitioned", "dask"])
def test_partitioned_and_dask_scans_cut_the_month_like_the_whole_scan(tmp_path: Path, engine: str, request) -> None:
    log = _export(EVENTS, EVENTS["event_time"].max(), tmp_path / "log.parquet")
    whole = _scan(log, tmp_path / "w", "--period", "2026-09")
    if engine == "dask":
        cluster = request.getfixturevalue("cluster")
        extra = ("--engine", "dask", "--scheduler", cluster.scheduler_address)
        code, _out, err = run_cli("partition", str(log), "-o", str(tmp_path / "ds"), "-q")
        assert code == 0, err
        log = tmp_path / "ds"
    else:
        extra = ("--partition-by", "office_code")
    split = _scan(log, tmp_path / "s", "--period", "2026-09", *extra)
    assert split[0] == whole[0]
    named = ("output", "files_read")  # the partitioned scan reads other files by design
    assert {k: v for k, v in split[1].items() if k not in named} == {
        k: v for k, v in whole[1].items() if k not in named
    }
    assert whole[1]["rows_after_period"] == int((EVENTS["event_time"] >= pd.Timestamp("2026-10-01")).sum()) > 0


def test_rows_after_an_explicit_as_of_are_set_aside(tmp_path: Path) -> None:
    """--as-of is the log as it stood then: the scan equals the scan of the rows up to it."""
    as_of = pd.Timestamp("2026-08-14 12:00:00")
    full = _export(EVENTS, EVENTS["event_time"].max(), tmp_path / "full.parquet")
    upto = _export(EVENTS, as_of, tmp_path / "upto.parquet")
    a = _scan(full, tmp_path / "a", "--as-of", str(as_of))
    b = _scan(upto, tmp_path / "b", "--as-of", str(as_of))
    assert a[0] == b[0]
    assert a[1]["rows_after_period"] == int((EVENTS["event_time"] > as_of).sum()) > 0
    assert _month_view(a[1]) == _month_view(b[1])


def test_the_sample_of_a_month_does_not_depend_on_the_export_s_length(tmp_path: Path) -> None:
    full = _export(EVENTS, EVENTS["event_time"].max(), tmp_path / "full.parquet")
    cut = _export(EVENTS, pd.Timestamp("2026-10-08 12:00:00"), tmp_path / "cut.parquet")
    args = ("--period", "2026-09", "--seed", "7", "--rate", "20%")
    assert (
        _scan(full, tmp_path / "a", *args, command="sample")[0]
        == _scan(cut, tmp_path / "b", *args, command="sample")[0]
    )


@pytest.mark.parametrize("command", ["scan", "sample"])
def test_a_period_without_events_is_exit_2_with_the_data_s_range(tmp_path: Path, command: str) -> None:
    log = _export(EVENTS, EVENTS["event_time"].max(), tmp_path / "log.parquet")
    first, last = EVENTS["event_time"].min(), EVENTS["event_time"].max()
    out = tmp_path / "out.csv"
    seed = ("--seed", "1") if command == "sample" else ()
    code, _out, err = run_cli(command, str(log), "-o", str(out), "--period", "2030-01", "-q", *seed)
    assert code == 2
    assert err == f"regcheck: error: no events in 2030-01: the data runs from {first} to {last}\n"
    assert not out.exists()
    code, _out, err = run_cli(command, str(log), "-o", str(out), "--period", "2026-09", "--as-of", "2026-08-31", *seed)
    assert code == 2 and "no events in 2026-09 up to --as-of 2026-08-31 00:00:00" in err


def test_the_summary_counts_the_month_s_cases_and_its_zero_report_only_active_offices(tmp_path: Path) -> None:
    rows = [
        ev("A1", "340102", "accept", "2026-10-26 09:30:00", "W1"),
        ev("A1", "340102", "register", "2026-10-28 10:00:00", "D1"),
        ev("Z1", "340199", "accept", "2026-10-12 09:00:00", "W9"),  # office 340199: October only
        ev("Z1", "340199", "register", "2026-10-13 09:00:00", "D9"),
        ev("B2", "340103", "review", "2026-11-03 14:00:00", "R3"),  # no acceptance in the data: 未计时
        ev("B3", "340103", "review", "2026-10-20 14:00:00", "R3"),  # 未计时, but October's
        ev("C1", "340104", "accept", "2026-11-03 09:00:00", "W4"),
        ev("C1", "340104", "register", "2026-11-05 11:00:00", "D4"),
        ev("X1", "340104", "accept", "2026-12-01 09:00:00", "W4"),  # after the period
    ]
    log = write_rows(tmp_path / "log.csv", rows)
    _found, s = _scan(log, tmp_path / "o", "--period", "2026-11")
    assert s["cases"] == 2  # B2 and C1: the cases with an event in November
    assert s["incomplete_cases"] == 1
    assert [o["office_code"] for o in s["by_office"]] == ["340103", "340104"]
    assert "340102" not in s["zero_report"]["offices"] and "340199" not in s["zero_report"]["offices"]
    assert (s["rows_read"], s["rows_rejected"], s["rows_after_period"]) == (9, 0, 1)
    assert s["as_of"] == "2026-11-30 23:59:59"
    code, out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "--period", "2026-11")
    assert code == 0, err
    assert "期后 after the period 1" in " ".join(out.split())
    assert not err  # the data reaches past November


def test_an_export_that_ends_before_the_month_does_is_checked_as_of_its_end_with_a_warning(tmp_path: Path) -> None:
    log = write_rows(tmp_path / "log.csv")  # the last event: Fri 2026-11-06 16:00
    code, _out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "--period", "2026-11", "-q")
    assert code == 0
    assert err == (
        "regcheck: warning: the data ends at 2026-11-06 16:00:00, before the end of 2026-11: the month is "
        "checked as it stood then (open cases are timed to that day)\n"
    )
    code, _out, err = run_cli("scan", str(log), "-o", "-", "--period", "2026-11", "--as-of", "2026-11-06 16:00", "-q")
    assert code == 0 and not err
    code, _out, err = run_cli("sample", str(log), "--seed", "1", "-o", str(tmp_path / "s.csv"), "--period", "2026-11")
    assert code == 0 and err.startswith("regcheck: warning: the data ends at 2026-11-06 16:00:00")


# --- issue 13 item 8: one row far ahead -------------------------------------------------------------


@st.composite
def pushed_ahead(draw: st.DrawFn) -> tuple[list[int], list[pd.Timestamp]]:
    """A few rows of any activity moved far after the rest of the log: few enough (k < 1 + 0.1% of the
    rows) to be the 0.1% the percentile leaves out, and far enough that the latest lies > 7 days past it."""
    n = len(EVENTS)
    k = draw(st.integers(1, int(np.ceil(1 + 0.001 * (n - 1))) - 1))
    rows = draw(st.lists(st.integers(0, n - 1), min_size=k, max_size=k, unique=True))
    # the percentile lies among the other rows, or a share s = k - 0.1% (n-1) of the way from the last of
    # them to the first pushed row: a gap of 7 / (1 - s) days and a day more puts the latest > 7 days past it
    share = max(0.0, k - 0.001 * (n - 1))
    gap_days = 7 / (1 - share) + 1
    rest = EVENTS["event_time"].max()
    extra = st.integers(0, 800 * 24 * 3600)
    times = [rest + pd.Timedelta(days=gap_days) + pd.Timedelta(seconds=draw(extra)) for _ in rows]
    return rows, times


@settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(pushed_ahead())
def test_a_row_far_ahead_stops_the_scan_and_as_of_proceeds(tmp_path: Path, case) -> None:
    rows, times = case
    events = EVENTS.copy()
    events.loc[rows, "event_time"] = pd.Series(times, index=rows).astype(events["event_time"].dtype)
    run = tmp_path / f"far-{rows[0]}-{len(rows)}"
    run.mkdir(exist_ok=True)
    log = _export(events, events["event_time"].max(), run / "log.csv")
    latest = int(np.argmax(events["event_time"].to_numpy()[::-1]))  # the last of the latest, in input order
    row = len(events) - latest + 1  # spreadsheet row (header = row 1)
    out = run / "f.csv"
    code, _out, err = run_cli("scan", str(log), "-o", str(out), "-q")
    assert code == 2 and err.count("\n") == 1, err
    assert err.startswith(f"regcheck: error: {log} row {row}: event_time {events['event_time'].max()} lies ")
    assert f'--as-of "{EVENTS["event_time"].max()}", the last event before the far ones' in err
    assert not out.exists()
    # the way to proceed: --as-of sets the far rows aside; the rest is scanned as if they were not there
    as_of = str(EVENTS["event_time"].max())
    got = _scan(log, run / "a", "--as-of", as_of)
    want = _scan(
        _export(events.drop(index=rows), events["event_time"].max(), run / "rest.csv"), run / "b", "--as-of", as_of
    )
    assert got[0] == want[0]
    assert got[1]["rows_after_period"] == len(rows)


def test_the_far_row_is_named_alike_by_the_partitioned_scan_and_a_week_is_no_stray(tmp_path: Path) -> None:
    events = EVENTS.copy()
    events.loc[10, "event_time"] = pd.Timestamp("2026-12-31 10:00:00")
    log = _export(events, events["event_time"].max(), tmp_path / "log.parquet")
    errors = []
    for extra in ((), ("--partition-by", "office_code")):
        code, _out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "-q", *extra)
        assert code == 2
        errors.append(err)
    assert errors[0] == errors[1]
    assert errors[0].startswith(f"regcheck: error: {log} row 12: event_time 2026-12-31 10:00:00 lies 8")
    # the monthly run: the far row lies after September and is set aside with the other later rows
    _found, summary = _scan(log, tmp_path / "m", "--period", "2026-09")
    assert summary["rows_after_period"] == int((events["event_time"] >= pd.Timestamp("2026-10-01")).sum())
    # within a week of the rest: an export that simply runs on, not a stray row
    events.loc[10, "event_time"] = EVENTS["event_time"].max() + pd.Timedelta(days=6)
    log = _export(events, events["event_time"].max(), tmp_path / "near.parquet")
    assert run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "-q")[0] == 0


@given(st.lists(st.integers(0, 10**17), min_size=1, max_size=3000))
@settings(max_examples=200, deadline=None)
def test_the_percentile_from_the_latest_times_is_numpy_s(values: list[int]) -> None:
    t = np.sort(np.array(values, dtype=np.int64))
    got = int(percentile_999(t[-top_size(len(t)) :].astype("datetime64[ns]"), len(t)).astype(np.int64))
    # exact, from all the times: linear interpolation at h = 0.999 (n - 1), floored to the nanosecond
    h = Fraction(999 * (len(t) - 1), 1000)
    i = math.floor(h)
    lo, hi = int(t[i]), int(t[min(i + 1, len(t) - 1)])
    assert got == math.floor(lo + (hi - lo) * (h - i))
    # numpy interpolates in floating point: the same to a few units in the last place (64 ns was too tight)
    # (its fraction 0.999 (n - 1) carries a rounding error that (hi - lo) multiplies; 1: ours is floored)
    assert abs(got - np.quantile(t, 0.999)) <= 1 + 1e-12 * (hi - lo) + 8 * np.spacing(np.float64(t[-1]))
    assert pd.Timedelta(days=7) == FAR_AHEAD


@given(
    st.lists(st.integers(-(2**62), 2**62), max_size=3000) | st.lists(st.integers(0, 5), max_size=3000),
    st.integers(1, 200),
    st.booleans(),
)
@settings(max_examples=300, deadline=None)
def test_the_latest_times_are_the_largest_values_ascending(values: list[int], count: int, ascending: bool) -> None:
    """Any values (ties, few distinct, in order or not): the bound taken from a sample never loses one."""
    v = np.sort(np.array(values, dtype=np.int64)) if ascending else np.array(values, dtype=np.int64)
    assert np.array_equal(latest_values(v, count), np.sort(v)[-count:] if len(v) else v)


def test_the_latest_times_when_the_sample_sees_only_the_largest() -> None:
    """Every 64th value is the largest: the bound leaves 100 values above it for 150 asked, so all are used."""
    v = np.zeros(6400, dtype=np.int64)
    v[::64] = 10**15
    v[1::64] = np.arange(100)
    assert np.array_equal(latest_values(v, 150), np.sort(v)[-150:])
