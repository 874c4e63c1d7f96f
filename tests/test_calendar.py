"""Working-day calendar (rules.md "Working day", "W(a, b)"; input.md "Calendar override")."""

from __future__ import annotations

import datetime as dt
import functools
from pathlib import Path

import chinese_calendar
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcheck.calendar import CalendarError, WorkCalendar, read_override
from regcheck.errors import InputError
from regcheck.rules import REGISTRY
from regcheck.rules.base import Rule, empty_findings

from .conftest import run_cli, write_canonical_csv


def days(*values: str) -> np.ndarray:
    return np.array(values, dtype="datetime64[D]")


@pytest.mark.parametrize(
    ("day", "working"),
    [
        ("2026-10-10", True),  # Saturday, 调休 make-up working day after the National Day holiday
        ("2026-09-20", True),  # Sunday, make-up working day
        ("2026-09-25", False),  # Friday, Mid-Autumn Festival
        ("2026-10-01", False),
        ("2026-10-04", False),
        ("2026-10-07", False),  # Wednesday, still the National Day holiday
        ("2026-10-08", True),
        ("2026-09-26", False),  # ordinary Saturday
        ("2026-09-28", True),  # ordinary Monday
        ("2026-01-01", False),
        ("2025-10-11", True),  # Saturday make-up day of 2025
    ],
)
def test_official_2026_calendar(day: str, working: bool) -> None:
    assert WorkCalendar().is_workday(days(day)).tolist() == [working]


@pytest.mark.parametrize(
    ("a", "b", "w"),
    [
        ("2026-09-30", "2026-10-10", 3),  # 10-08, 10-09 and Saturday 10-10
        ("2026-09-30", "2026-10-07", 0),  # all holiday
        ("2026-10-09", "2026-10-10", 1),  # the acceptance day itself is not counted (a < d)
        ("2026-10-10", "2026-10-10", 0),  # b == a
        ("2026-10-12", "2026-10-10", 0),  # b < a: 0, never negative
        ("2026-09-24", "2026-09-28", 1),  # 25 holiday, 26/27 weekend, 28 counts (d <= b)
        ("2026-09-19", "2026-09-20", 1),  # Sunday 09-20 is a working day
        ("2025-12-31", "2026-01-05", 2),  # 01-01..03 New Year holiday, Sunday 01-04 make-up day, Monday 01-05
    ],
)
def test_workdays_between_semantics(a: str, b: str, w: int) -> None:
    assert WorkCalendar().workdays_between(days(a), days(b)).tolist() == [w]


def test_workdays_between_is_vectorised_and_nat_safe() -> None:
    cal = WorkCalendar()
    a = days("2026-09-30", "NaT", "2026-10-09", "2024-02-28")
    b = days("2026-10-10", "2026-10-10", "NaT", "2024-03-01")
    assert cal.workdays_between(a, b).tolist() == [3, 0, 0, 2]
    assert cal.is_workday(days("NaT", "2026-10-10")).tolist() == [False, True]


@functools.cache
def official(d: dt.date) -> bool:
    return chinese_calendar.is_workday(d)


def official_loop(a: dt.date, b: dt.date) -> int:
    """The definition, day by day, straight from chinese_calendar."""
    n, d = 0, a + dt.timedelta(days=1)
    while d <= b:
        n += official(d)
        d += dt.timedelta(days=1)
    return n


FIRST, LAST = dt.date(2023, 1, 1), dt.date(2026, 12, 31)
DATES = st.dates(min_value=FIRST, max_value=LAST)
PAIRS = st.tuples(DATES, st.integers(-40, 400)).map(lambda t: (t[0], min(LAST, max(FIRST, t[0] + dt.timedelta(t[1])))))


@settings(max_examples=60, deadline=None)
@given(st.lists(PAIRS | st.tuples(DATES, DATES), min_size=1, max_size=20))
def test_workdays_between_equals_a_day_by_day_loop(pairs: list[tuple[dt.date, dt.date]]) -> None:
    a = np.array([p[0] for p in pairs], dtype="datetime64[D]")
    b = np.array([p[1] for p in pairs], dtype="datetime64[D]")
    got = WorkCalendar().workdays_between(a, b)
    assert got.tolist() == [official_loop(x, y) for x, y in pairs]


@settings(max_examples=60, deadline=None)
@given(
    st.dates(min_value=dt.date(2023, 1, 1), max_value=dt.date(2026, 9, 30)),
    st.integers(min_value=-2, max_value=40),
)
def test_add_workdays_is_the_first_day_reaching_n(start: dt.date, n: int) -> None:
    cal = WorkCalendar()
    s = np.array([start], dtype="datetime64[D]")
    end = cal.add_workdays(s, np.array([n]))
    if n <= 0:
        assert end[0] == s[0]
        return
    assert cal.workdays_between(s, end).tolist() == [n]
    assert cal.workdays_between(s, end - np.timedelta64(1, "D")).tolist() == [n - 1]


# --- years the official calendar does not cover ------------------------------------------------


def test_2027_without_an_override_is_an_error_naming_the_year() -> None:
    with pytest.raises(CalendarError, match="2027") as info:
        WorkCalendar().workdays_between(days("2026-12-30"), days("2027-01-04"))
    assert "--calendar" in str(info.value)
    with pytest.raises(CalendarError, match="2003"):
        WorkCalendar().is_workday(days("2003-06-02"))


def test_override_makes_a_year_known_and_wins_day_by_day() -> None:
    overrides = {
        dt.date(2027, 1, 1): False,  # holiday (a Friday)
        dt.date(2027, 1, 2): True,  # a Saturday made a working day
        dt.date(2026, 10, 8): False,  # overrides the official calendar too
    }
    cal = WorkCalendar(overrides)
    # 2026-12-31 Thu, 2027-01-01 off, 01-02 on (override), 01-03 Sun, 01-04 Mon (Mon–Fri default)
    assert cal.workdays_between(days("2026-12-30"), days("2027-01-04")).tolist() == [3]
    assert cal.workdays_between(days("2026-09-30"), days("2026-10-10")).tolist() == [2]
    assert cal.is_workday(days("2027-06-07", "2027-06-05")).tolist() == [True, False]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_read_override_csv(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / "cal.csv"
    if encoding == "gbk":
        text = "日期,工作日\n2027年1月1日,否\n2027/1/2,是\n"
    else:
        text = "date,workday\n2027-01-01,false\n 2027-01-02 ,1\n"
    path.write_text(text, encoding=encoding)
    assert read_override(path) == {dt.date(2027, 1, 1): False, dt.date(2027, 1, 2): True}


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("date,workday\n2027-01-01,false\n2027-13-01,true\n", "row 3"),
        ("date,workday\n2027-01-01,maybe\n", "row 2"),
        ("day,workday\n2027-01-01,false\n", "date"),
    ],
)
def test_bad_override_file_is_an_input_error(tmp_path: Path, text: str, fragment: str) -> None:
    path = tmp_path / "cal.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=fragment):
        read_override(path)


# --- through the command line ----------------------------------------------------------------


@pytest.fixture
def workday_rule(monkeypatch: pytest.MonkeyPatch) -> str:
    """A throwaway rule that asks the calendar for working days, as every time-limit rule does."""

    def counts_workdays(log, p):
        c = log.cases
        log.calendar.workdays_between(c["t_accept"].to_numpy(), c["t_register"].to_numpy())
        return empty_findings()

    rule = Rule("ZZ901", "测试", "test", "info", "数据", (20,), counts_workdays, doc="test rule")
    monkeypatch.setitem(REGISTRY, rule.id, rule)
    return rule.id


ROWS_2027 = [
    {"case_id": "C1", "office_code": "340102", "activity": "accept", "event_time": "2026-12-30 09:00:00"},
    {"case_id": "C1", "office_code": "340102", "activity": "register", "event_time": "2027-01-04 10:00:00"},
]


def test_scan_reaching_2027_is_exit_2_and_the_override_lets_it_pass(tmp_path: Path, workday_rule: str) -> None:
    log = write_canonical_csv(ROWS_2027, tmp_path / "log.csv")
    out = str(tmp_path / "f.csv")
    selections = [workday_rule] + [r for r in ("TL001",) if r in REGISTRY]
    for rule_id in selections:
        code, _stdout, err = run_cli("scan", str(log), "--select", rule_id, "-o", out, "-q")
        assert code == 2, err
        assert err.count("\n") == 1 and "2027" in err and "Traceback" not in err
    cal = tmp_path / "cal2027.csv"
    cal.write_text("date,workday\n2027-01-01,false\n", encoding="utf-8")
    for rule_id in selections:
        code, _stdout, err = run_cli("scan", str(log), "--select", rule_id, "--calendar", str(cal), "-o", out, "-q")
        assert code == 0, err


def test_missing_calendar_file_is_exit_2(tmp_path: Path) -> None:
    log = write_canonical_csv(ROWS_2027, tmp_path / "log.csv")
    code, _stdout, err = run_cli("scan", str(log), "--calendar", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "f"))
    assert code == 2 and "nope.csv" in err and err.count("\n") == 1


def test_official_years_cover_the_data_years_we_test() -> None:
    cal = WorkCalendar()
    assert all(cal.known(y) for y in (2010, 2011, 2012, 2025, 2026)) and not cal.known(2027)
    assert pd.Timestamp("2026-10-10").day_name() == "Saturday"
