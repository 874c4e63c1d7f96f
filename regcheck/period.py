"""``--period YYYY-MM``: the reporting month.

The whole log is checked (earlier months' rows are the history that starts the
clocks); only findings whose event_time falls in the month are reported. A case
accepted in October and overdue in November is November's finding.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError

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


__all__ = ["AFTER_ACCEPT", "Period", "in_period", "incomplete_cases", "parse_period"]
