"""``--period YYYY-MM``: the reporting month, and the cut-off (as-of) of a scan.

The whole log is checked (earlier months' rows are the history that starts the
clocks); only findings whose event_time falls in the month are reported. A case
accepted in October and overdue in November is November's finding.

The month is checked as it stood at its end, however far past it the export runs:
as-of is the last second of the month (or the latest event, if earlier), and the
rows after the month are *set aside* — counted in the summary, neither used nor
rejected. An explicit ``--as-of`` overrides, and the rows after it are set aside
the same way: a cut-off means the log as it stood then (spec: "the export's cut-off").

When as-of comes from the data, one stray row dated far ahead would move it (and
every open case's clock): if the latest event lies more than 7 days after the
99.9th percentile of the event times, the scan stops (exit 2) naming that row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import InputError

if TYPE_CHECKING:
    from .loaders.read import LoadResult
    from .model import EventLog

_PERIOD = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?\s*$")

# Activities that only happen after acceptance: a case that has one but no `accept`
# row started before the loaded data (or lost its acceptance) and cannot be timed.
AFTER_ACCEPT = (
    "review",
    "register",
    "certify",
    "issue",
    "charge",
    "suspend",
    "resume",
    "reject",
    "complete",
    "archive",
)


@dataclass(frozen=True)
class Period:
    start: pd.Timestamp  # first moment of the month
    end: pd.Timestamp  # first moment of the next month (exclusive)

    @property
    def label(self) -> str:
        return self.start.strftime("%Y-%m")

    @property
    def last_second(self) -> pd.Timestamp:
        return self.end - pd.Timedelta(seconds=1)

    def contains(self, times: pd.Series) -> np.ndarray:
        t = pd.to_datetime(times)
        return np.array(((t >= self.start) & (t < self.end)).fillna(False), dtype=bool)


def parse_period(value: str | None) -> Period | None:
    if not value:
        return None
    m = _PERIOD.match(value)
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise InputError(f"--period {value!r}: a month as YYYY-MM (e.g. 2026-11)")
    start = pd.Timestamp(year=int(m.group(1)), month=int(m.group(2)), day=1)
    return Period(start, start + pd.offsets.MonthBegin(1))


def in_period(findings: pd.DataFrame, period: Period | None) -> pd.DataFrame:
    """Findings whose event_time falls in the month (all of them without a period)."""
    if period is None or findings.empty:
        return findings
    return findings.loc[period.contains(findings["event_time"])].reset_index(drop=True)


def incomplete_cases(cases: pd.DataFrame) -> pd.Series:
    """Boolean per case: history starts before the loaded data (post-acceptance rows, no `accept`)."""
    later = np.zeros(len(cases), dtype=bool)
    for act in AFTER_ACCEPT:
        col = f"t_{act}"
        if col in cases.columns:
            later |= cases[col].notna().to_numpy()
    return pd.Series(later & cases["t_accept"].isna().to_numpy(), index=cases.index)


def cases_in_period(log: EventLog, period: Period | None) -> np.ndarray:
    """Boolean per case: the case has an event in the month (every case without a period)."""
    if period is None:
        return np.ones(log.n_cases, dtype=bool)
    active = np.zeros(log.n_cases, dtype=bool)
    active[log.events["case"].to_numpy()[period.contains(log.events["event_time"])]] = True
    return active


# --- the cut-off -----------------------------------------------------------------------------

FAR_AHEAD = pd.Timedelta(days=7)  # the latest event this far after the 99.9th percentile stops the scan
_Q_PER_MILLE = 999  # the 99.9th percentile, in integer arithmetic (exact and the same on every engine)


@dataclass(frozen=True)
class Cut:
    """The scan's as-of, and the rows set aside as after the period: event_time >= ``bound``."""

    as_of: pd.Timestamp | None  # None: a log without events
    bound: pd.Timestamp | None  # None: nothing is set aside
    given: bool = False  # --as-of was given (the data does not decide the cut-off)

    def after(self, times: pd.Series | np.ndarray) -> np.ndarray:
        t = np.asarray(times, dtype="datetime64[ns]").view(np.int64)  # int64: numpy's fast kernels
        if self.bound is None:
            return np.zeros(len(t), dtype=bool)
        return t >= self.bound.as_unit("ns").value


def cut_for(period: Period | None, given: pd.Timestamp | None, latest: pd.Timestamp | None) -> Cut:
    """``--as-of``; else with a period the last second of the month (or the latest event, if earlier);
    else the latest event. ``latest`` = the latest accepted event of the whole input."""
    if given is not None:
        return Cut(given, given + pd.Timedelta(1, "ns"), True)
    known = latest is not None and pd.notna(latest)
    if period is None:
        return Cut(pd.Timestamp(latest) if known else None, None)
    as_of = pd.Timestamp(latest) if known and latest < period.last_second else period.last_second
    return Cut(as_of, period.end)


def short_of_period(period: Period | None, as_of: pd.Timestamp | None, given: bool) -> str | None:
    """A warning when the data ends before the month does (a stale export): the month is checked as of then."""
    if period is None or given or as_of is None or pd.isna(as_of) or as_of >= period.last_second:
        return None
    return (
        f"the data ends at {as_of:%Y-%m-%d %H:%M:%S}, before the end of {period.label}: the month is checked "
        "as it stood then (open cases are timed to that day)"
    )


def top_size(rows: int) -> int:
    """How many of the latest event times decide the 99.9th percentile of ``rows`` times (and one more)."""
    return rows - (_Q_PER_MILLE * max(rows - 1, 0)) // 1000 + 1


def latest_values(values: np.ndarray, count: int) -> np.ndarray:
    """The ``count`` largest of the int64 ``values`` (all of them if fewer), ascending; O(values).

    Only the values at or above a bound are partitioned: the bound is taken from every 64th value so
    that about four times ``count`` lie above it, and when fewer than ``count`` do (a skewed sample)
    all the values are. Any value under the bound is under every one above it, so the result is exact.
    """
    k = len(values) - count
    if k <= 0:
        return np.sort(values)
    sample = values[::64]
    j = max(len(sample) - 4 * (count // 64) - 16, 0)
    above = values[values >= np.partition(sample, j)[j]]
    if len(above) < count:
        above = values
    return np.sort(np.partition(above, len(above) - count)[len(above) - count :])


@dataclass
class TimeFacts:
    """What the cut-off checks need of the event times (of a whole log, or merged over partitions)."""

    after: int = 0  # rows set aside as after the period
    kept: int = 0  # rows used
    in_period: int = 0  # rows used that fall in the month
    first: pd.Timestamp = pd.NaT  # the data's range (accepted rows, set-aside ones included)
    last: pd.Timestamp = pd.NaT
    top: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="datetime64[ns]"))  # latest kept, ascending
    latest: tuple[int, int] = (-1, -1)  # (time in ns, input order) of the latest kept row
    latest_where: str = ""  # where that row is: "FILE row N"


def time_facts(
    events: pd.DataFrame,
    cut: Cut,
    period: Period | None,
    top: int,
    where: Callable[[int], str],
) -> tuple[pd.DataFrame, TimeFacts]:
    """The events without the rows set aside, and their :class:`TimeFacts`.

    ``top``: how many of the latest kept times to keep (:func:`top_size` of the input's rows);
    ``where(i)``: the file and row of the events' row ``i``, for the message about a far row.
    """
    times = events["event_time"].to_numpy(dtype="datetime64[ns]")
    after = cut.after(times)
    set_aside = int(after.sum())
    facts = TimeFacts(after=set_aside, kept=len(times) - set_aside)
    keep = ~after
    kept_times = times[keep] if facts.after else times  # no copy when nothing is set aside (the usual scan)
    if len(times):
        facts.first, facts.last = pd.Timestamp(times.min()), pd.Timestamp(times.max())
    if facts.kept:
        facts.in_period = int(period.contains(pd.Series(kept_times)).sum()) if period is not None else facts.kept
        if top:
            facts.top = latest_values(kept_times.view(np.int64), top).view("datetime64[ns]")
        order = events["_row"].to_numpy(dtype=np.int64)
        ns = np.where(keep, times.view(np.int64), np.iinfo(np.int64).min) if facts.after else times.view(np.int64)
        ties = np.flatnonzero(ns == ns.max())
        i = int(ties[np.argmax(order[ties])])  # the latest kept row, the last of them in input order
        facts.latest, facts.latest_where = (int(ns[i]), int(order[i])), where(i)
    out = events.loc[keep].reset_index(drop=True) if facts.after else events
    return out, facts


def cut_loaded(
    loaded: LoadResult, period: Period | None, given: pd.Timestamp | None
) -> tuple[pd.DataFrame, Cut, TimeFacts]:
    """A whole log's cut-off: its events without the rows set aside, the cut and the facts (checked)."""
    ev = loaded.events
    latest = pd.Timestamp(ev["event_time"].max()) if len(ev) else None
    cut = cut_for(period, given, latest)

    def where(i: int) -> str:
        return f"{loaded.files[int(ev['_file'].iat[i])]} row {int(ev['_line'].iat[i])}"

    kept, facts = time_facts(ev, cut, period, top_size(len(ev)), where)
    check_cut(facts, cut, period)
    return kept, cut, facts


def merge_time_facts(parts: Sequence[TimeFacts], top: int) -> TimeFacts:
    """The facts of several partitions as one log's."""
    if len(parts) == 1:
        return parts[0]
    firsts = [p.first for p in parts if pd.notna(p.first)]
    lasts = [p.last for p in parts if pd.notna(p.last)]
    tops = np.sort(np.concatenate([p.top for p in parts]))
    latest = max(parts, key=lambda p: p.latest)
    return TimeFacts(
        after=sum(p.after for p in parts),
        kept=sum(p.kept for p in parts),
        in_period=sum(p.in_period for p in parts),
        first=min(firsts) if firsts else pd.NaT,
        last=max(lasts) if lasts else pd.NaT,
        top=tops[-top:] if top else tops[:0],
        latest=latest.latest,
        latest_where=latest.latest_where,
    )


def percentile_999(top: np.ndarray, rows: int) -> np.datetime64:
    """The 99.9th percentile (linear, as numpy and Excel's PERCENTILE.INC) of ``rows`` times of which
    ``top`` holds the latest, ascending (at least :func:`top_size` of them)."""
    scaled = _Q_PER_MILLE * (rows - 1)
    j, frac = scaled // 1000, scaled % 1000
    skip = rows - len(top)
    lo = int(top[j - skip].astype(np.int64))
    hi = int(top[min(j + 1, rows - 1) - skip].astype(np.int64))
    return np.datetime64(lo + (hi - lo) * frac // 1000, "ns")  # Python ints: no overflow


def check_cut(facts: TimeFacts, cut: Cut, period: Period | None) -> None:
    """Exit 2 when the period holds no event, or one row far ahead of the rest would set as-of."""
    if not facts.kept and not facts.after:
        return  # nothing accepted: the all-rejected check speaks
    if period is not None and not facts.in_period:
        upto = f" up to --as-of {cut.as_of:%Y-%m-%d %H:%M:%S}" if cut.given and cut.as_of is not None else ""
        raise InputError(
            f"no events in {period.label}{upto}: the data runs from {facts.first:%Y-%m-%d %H:%M:%S} "
            f"to {facts.last:%Y-%m-%d %H:%M:%S}"
        )
    if cut.given or facts.kept < 2:
        return
    latest = np.datetime64(facts.latest[0], "ns")
    p999 = percentile_999(facts.top, facts.kept)
    if latest - p999 > FAR_AHEAD.to_timedelta64():
        days = (latest - p999) / np.timedelta64(1, "D")
        rest = pd.Timestamp(facts.top[facts.top <= p999 + FAR_AHEAD.to_timedelta64()].max())  # before the far rows
        raise InputError(
            f"{facts.latest_where}: event_time {pd.Timestamp(latest):%Y-%m-%d %H:%M:%S} lies {days:.0f} days after "
            f"99.9% of the log's events (up to {pd.Timestamp(p999):%Y-%m-%d %H:%M:%S}) and would set as-of, the "
            "cut-off that times every open case; correct the row, or give the cut-off with --as-of "
            f'(e.g. --as-of "{rest:%Y-%m-%d %H:%M:%S}", the last event before the far ones)'
        )


__all__ = [
    "AFTER_ACCEPT",
    "FAR_AHEAD",
    "Cut",
    "Period",
    "TimeFacts",
    "cases_in_period",
    "check_cut",
    "cut_for",
    "cut_loaded",
    "in_period",
    "incomplete_cases",
    "latest_values",
    "merge_time_facts",
    "parse_period",
    "percentile_999",
    "short_of_period",
    "time_facts",
    "top_size",
]
