"""Working-day calendar: the official PRC calendar plus a day-by-day override.

The official calendar (statutory holidays and 调休 make-up working days) comes
from ``chinese_calendar``. A ``--calendar`` CSV (``date,workday``) overrides it
day by day and is how years the package does not know yet (2027 …) are
supplied: a year is *known* when the package covers it or the override file
lists at least one of its days; in an override-only year, days the file does
not list follow the Monday–Friday week. A computation that touches a year
neither source knows stops with :class:`CalendarError` naming the year — never
a silent weekends-only guess.

Working days are a prefix sum over a day table, so ``W(a, b)`` — the number
of working days d with a < d <= b — is one subtraction per pair, vectorised.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import chinese_calendar
import numpy as np
import pandas as pd

from .errors import InputError

EPOCH = np.datetime64("1970-01-01", "D")


class CalendarError(InputError):
    """The data reaches a year that no calendar source covers."""


def _official_years() -> range:
    years = [d.year for d in chinese_calendar.holidays] + [d.year for d in chinese_calendar.workdays]
    return range(min(years), max(years) + 1)


OFFICIAL_YEARS = _official_years()


def read_override(path: str | Path) -> dict[dt.date, bool]:
    """Read a ``date,workday`` CSV (English or Chinese headers 日期/工作日)."""
    from .loaders.read import read_table_file
    from .loaders.values import OUT_OF_RANGE, TIME_RANGE_TEXT, clean_strings, parse_bool_series, parse_times

    raw = read_table_file(path)  # UTF-8 (BOM or not), GB18030/GBK or Parquet, like every input
    raw.columns = [str(c).strip() for c in raw.columns]
    raw = raw.rename(columns={"日期": "date", "工作日": "workday"})
    missing = [c for c in ("date", "workday") if c not in raw.columns]
    if missing:
        raise InputError(f"{path}: calendar file lacks column {missing[0]} (needs date,workday)")
    from .sideinputs import _as_text  # typed Parquet dates and timestamps as text, like the other side files

    text = clean_strings(_as_text(raw["date"]))
    dates, _, far = parse_times(text)
    dates = dates.dt.normalize()
    if far.any():
        i = int(np.flatnonzero(far)[0])
        raise InputError(f"{path}: row {i + 2}: date: {OUT_OF_RANGE} ({TIME_RANGE_TEXT}) ({text.iloc[i]!r})")
    flags = parse_bool_series(clean_strings(_as_text(raw["workday"])))
    bad = dates.isna() | flags.isna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 2
        raise InputError(f"{path}: row {row}: date or workday not understood")
    return {d.date(): bool(f) for d, f in zip(dates, flags, strict=True)}


class WorkCalendar:
    """Official calendar + overrides, evaluated on a contiguous day table."""

    def __init__(self, overrides: dict[dt.date, bool] | None = None) -> None:
        self.overrides = dict(overrides or {})
        self.override_years = {d.year for d in self.overrides}
        self._first: np.datetime64 | None = None
        self._cum: np.ndarray = np.zeros(0, dtype=np.int64)
        self._work: np.ndarray = np.zeros(0, dtype=bool)

    def known(self, year: int) -> bool:
        return year in OFFICIAL_YEARS or year in self.override_years

    @staticmethod
    def _unknown_message(year: int) -> str:
        return (
            f"the data reaches {year}, a year the built-in official calendar "
            f"({OFFICIAL_YEARS.start}–{OFFICIAL_YEARS.stop - 1}) does not cover; "
            f"give its holidays and make-up days with --calendar FILE (columns date,workday)"
        )

    def require_years(self, years: Iterable[int]) -> None:
        for year in sorted(set(years)):
            if not self.known(year):
                raise CalendarError(self._unknown_message(year))

    def prepare(self, first: dt.date, last: dt.date) -> None:
        """Build the day table covering [first, last] (whole years, so it is reused)."""
        first = dt.date(first.year, 1, 1)
        last = dt.date(last.year, 12, 31)
        if self._first is not None:
            have_first = self._first.astype(dt.date)
            have_last = have_first + dt.timedelta(days=len(self._work) - 1)
            if have_first <= first and last <= have_last:
                return
            first, last = min(first, have_first), max(last, have_last)
        self.require_years(range(first.year, last.year + 1))
        days = pd.date_range(first, last, freq="D")
        work = days.day_of_week.to_numpy() < 5
        holidays = {d for d in chinese_calendar.holidays if first <= d <= last}
        workdays = {d for d in chinese_calendar.workdays if first <= d <= last}
        index = pd.DatetimeIndex(days)
        if holidays:
            work[index.isin(pd.to_datetime(sorted(holidays)))] = False
        if workdays:
            work[index.isin(pd.to_datetime(sorted(workdays)))] = True
        for day, flag in self.overrides.items():
            if first <= day <= last:
                work[(day - first).days] = flag
        self._first = np.datetime64(first, "D")
        self._work = work
        # cum[i] = working days among day 0 .. day i
        self._cum = np.cumsum(work, dtype=np.int64)

    def _index(self, days: np.ndarray) -> np.ndarray:
        assert self._first is not None
        return (days.astype("datetime64[D]") - self._first).astype(np.int64)

    def ensure(self, *arrays: np.ndarray) -> None:
        """Make sure the day table covers every (non-NaT) day in ``arrays``."""
        stacked = [a.astype("datetime64[D]") for a in arrays if len(a)]
        if not stacked:
            return
        allv = np.concatenate(stacked)
        allv = allv[~np.isnat(allv)]
        if not len(allv):
            return
        lo, hi = allv.min().astype(dt.date), allv.max().astype(dt.date)
        self.prepare(lo, hi)

    def is_workday(self, days: np.ndarray) -> np.ndarray:
        """Vectorised: is each day (datetime64) a working day? NaT -> False."""
        days = np.asarray(days).astype("datetime64[D]")
        self.ensure(days)
        out = np.zeros(len(days), dtype=bool)
        ok = ~np.isnat(days)
        out[ok] = self._work[self._index(days[ok])]
        return out

    def is_holiday(self, days: np.ndarray) -> np.ndarray:
        """Vectorised: is each day an official holiday (法定节假日, the weekend days of its run included)?
        A --calendar day off on a Monday–Friday is one too; a day the override makes a working day is not.
        An ordinary weekend is not a holiday. NaT -> False."""
        days = np.asarray(days).astype("datetime64[D]")
        work = self.is_workday(days)  # also checks that every year is known
        official = np.isin(days, np.array(sorted(chinese_calendar.holidays), dtype="datetime64[D]"))
        weekday = ((days.astype(np.int64) + 3) % 7) < 5  # 1970-01-01 was a Thursday
        overridden = np.isin(days, np.array(sorted(self.overrides), dtype="datetime64[D]"))
        return ~work & ~np.isnat(days) & (official | (overridden & weekday))

    def cum(self, days: np.ndarray) -> np.ndarray:
        """Working days from the table's start up to and including each day (NaT -> 0)."""
        days = np.asarray(days).astype("datetime64[D]")
        self.ensure(days)
        nat = np.isnat(days)
        if nat.all():
            return np.zeros(days.shape, dtype=np.int64)
        return np.where(nat, 0, self._cum[self._index(np.where(nat, self._first, days))])

    def workdays_between(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """W(a, b): working days d with a < d <= b; 0 when b <= a or either is NaT. Arrays of days."""
        a = np.asarray(a).astype("datetime64[D]")
        b = np.asarray(b).astype("datetime64[D]")
        self.ensure(a, b)
        return np.where(b > a, self.cum(b) - self.cum(a), 0)

    def add_workdays(self, start: np.ndarray, n: np.ndarray, unknown: str = "raise") -> np.ndarray:
        """The day on which W(start, day) first reaches n (n >= 1); start itself for n <= 0 (NaT stays NaT).

        A day that would lie in a year no calendar source covers raises CalendarError, or is
        NaT with ``unknown="nat"`` (for projections such as a deadline, which must not stop a scan).
        """
        start = np.asarray(start).astype("datetime64[D]")
        n = np.broadcast_to(np.asarray(n, dtype=np.int64), start.shape)
        nat = np.isnat(start)
        if nat.all():
            return start.copy()
        self.ensure(start)
        target = self.cum(start) + n
        # grow the table until the last target is reachable (a year nobody covers raises CalendarError)
        while target[~nat].max() > self._cum[-1]:
            # one more year at a time: never ask for a year the answer does not reach
            after = self._first.astype(dt.date) + dt.timedelta(days=len(self._work))
            if unknown == "nat" and not self.known(after.year):
                break
            self.prepare(after, after)
            target = self.cum(start) + n
        beyond = target > self._cum[-1]
        nat = nat | beyond
        target = np.where(beyond, self._cum[-1], target)
        pos = np.searchsorted(self._cum, target, side="left")
        out = self._first + pos.astype("timedelta64[D]")
        return np.where(nat | (n <= 0), start, out)
