"""`regcheck trend`: offices and operators month by month (issue 17, checklist item 15 早预警).

This module holds what the trend command builds and what the trend warnings (WR…, ``@rule(grouping="months")``)
read: a :class:`Trend`. The table's columns are declared here once (:data:`TREND_COLUMNS`); the writers,
the HTML trend report and the warning rules take them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .calendar import WorkCalendar
from .period import Period
from .schema import CATEGORIES, SEVERITIES

# level of a trend row: the office as a whole, or one operator in one office
LEVELS: tuple[str, ...] = ("office", "operator")

# findings counted per category (schema.CATEGORIES) and per severity (schema.SEVERITIES), as columns
CATEGORY_COLUMNS: dict[str, str] = dict(
    zip(CATEGORIES, ("findings_conduct", "findings_business", "findings_integrity", "findings_data"), strict=True)
)
SEVERITY_COLUMNS: dict[str, str] = {s: f"findings_{s}" for s in SEVERITIES}

# One row per office × month (level "office", operator_id "") and per office × operator × month (level
# "operator"). Counts are of the month (the Period): a case is *handled* by an office/operator that has any
# event on it in the month; accepted/registered: its accept/register event falls in the month (operator rows:
# among the cases the operator handled); timed/on time: the cases whose time limit was judged in the month, as
# the scan summary's timeliness counts them (operator rows: among the cases the operator handled); events: the
# rows in the month; findings: the month's findings (as `scan --period` reports them) of the office, or whose
# operator_id is the operator; rate = findings per 100 cases handled (NaN when none handled); on_time_rate =
# cases_on_time / cases_timed (NaN when none timed).
TREND_COLUMNS: tuple[str, ...] = (
    "level",
    "office_code",
    "operator_id",
    "month",  # "YYYY-MM"
    "cases_handled",
    "cases_accepted",
    "cases_registered",
    "cases_timed",
    "cases_on_time",
    "on_time_rate",
    "events",
    "findings",
    *CATEGORY_COLUMNS.values(),
    *SEVERITY_COLUMNS.values(),
    "rate",
)


@dataclass(frozen=True)
class Trend:
    """What `regcheck trend` computed over ``months`` (the range --from … --to, in order).

    ``table``: :data:`TREND_COLUMNS`, sorted by level, office_code, operator_id, month.
    ``findings``: the findings of every month, as `scan --period MONTH` reports them (rule columns of
    rules/base.FINDING_FIELDS plus ``rule_id``, ``category``, ``severity`` and ``month``), not masked.
    ``daily``: events per office per day over the range — columns office_code, date (datetime64, midnight),
    events — for the warnings that compare when findings and events fall (WR002).
    ``calendar``: the working-day calendar of the run (holidays, --calendar overrides).
    """

    months: tuple[Period, ...]
    table: pd.DataFrame
    findings: pd.DataFrame
    daily: pd.DataFrame
    calendar: WorkCalendar
