"""`regcheck trend`: offices and operators month by month (issue 17, checklist item 15 早预警).

This module holds what the trend command builds and what the trend warnings (WR…, ``@rule(grouping="months")``)
read: a :class:`Trend`. The table's columns are declared here once (:data:`TREND_COLUMNS`); the writers,
the HTML trend report and the warning rules take them from here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .calendar import WorkCalendar
from .errors import InputError
from .model import EventLog
from .period import Period, parse_period
from .schema import CATEGORIES, SEVERITIES, SEVERITY_ZH

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

# the table's Chinese headers (the XLSX sheet, as the findings sheet has its own) and the levels' labels
LEVEL_ZH: dict[str, str] = {"office": "机构", "operator": "人员"}
TREND_HEADERS_ZH: dict[str, str] = {
    "level": "层级",
    "office_code": "登记机构代码",
    "operator_id": "操作人",
    "month": "月份",
    "cases_handled": "经办案件",
    "cases_accepted": "受理案件",
    "cases_registered": "登簿案件",
    "cases_timed": "计时案件",
    "cases_on_time": "按时办结",
    "on_time_rate": "按时办结率",
    "events": "操作记录",
    "findings": "问题数",
    **{col: f"问题数（{cat}）" for cat, col in CATEGORY_COLUMNS.items()},
    **{col: f"问题数（{SEVERITY_ZH[s]}）" for s, col in SEVERITY_COLUMNS.items()},
    "rate": "百案问题率",
}


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


# --- the range ---------------------------------------------------------------------------------

MAX_MONTHS = 120  # a range longer than ten years is a typo (2016-01 for 2026-01), not a trend


def month_range(first: str, last: str) -> tuple[Period, ...]:
    """--from … --to as the months in order; exit 2 for a bad month or --from after --to."""
    start, end = _month(first, "--from"), _month(last, "--to")
    if start.start > end.start:
        raise InputError(f"--from {start.label} is after --to {end.label}")
    months = [start]
    while months[-1].start < end.start:
        nxt = months[-1].end
        months.append(Period(nxt, nxt + pd.offsets.MonthBegin(1)))
        if len(months) > MAX_MONTHS:
            raise InputError(f"--from {start.label} --to {end.label}: more than {MAX_MONTHS} months")
    return tuple(months)


def _month(value: str, option: str) -> Period:
    try:
        month = parse_period(value)
    except InputError:
        month = None
    if month is None:
        raise InputError(f"{option} {value!r}: a month as YYYY-MM (e.g. 2026-11)")
    return month


# --- one month ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthPart:
    """What one month adds to the trend: its table rows (counts, without the rates), findings and daily events."""

    rows: pd.DataFrame
    findings: pd.DataFrame
    daily: pd.DataFrame


_COUNTS = ("cases_handled", "cases_accepted", "cases_registered", "cases_timed", "cases_on_time", "events")
_KEYS = ["level", "office_code", "operator_id"]


def month_part(log: EventLog, findings: pd.DataFrame, month: Period, limits: Mapping[str, int | None]) -> MonthPart:
    """The month's counts per office and per office × operator, from the log cut as of the month's end and the
    month's findings (as `scan --period` reports them)."""
    from .rules.base import text  # here: the rules package imports this module (rules/warnings.py)
    from .summary import timeliness

    ev = log.events
    rows = np.flatnonzero(month.contains(ev["event_time"]))
    case = ev["case"].to_numpy()[rows]
    cases = log.cases
    office = text(cases["office_code"]).to_numpy()
    operator = text(ev["operator_id"].take(rows)).to_numpy() if "operator_id" in ev.columns else np.full(len(rows), "")
    flags = pd.DataFrame(
        {
            "cases_accepted": month.contains(cases["t_accept"]),
            "cases_registered": month.contains(cases["t_register"]),
            "cases_timed": np.zeros(len(cases), dtype=bool),
            "cases_on_time": np.zeros(len(cases), dtype=bool),
        }
    )
    if log.n_cases:
        timed = timeliness(log, limits, month)
        timed = timed.loc[~timed["open"].to_numpy()]
        at = log.case_ids.get_indexer(timed["case_id"].astype(str))
        flags.loc[at, "cases_timed"] = True
        flags.loc[at[(timed["over"] <= 0).to_numpy()], "cases_on_time"] = True
    handled = pd.DataFrame({"office_code": office[case], "operator_id": operator, "case": case})
    parts = [_level_counts(handled.assign(operator_id=""), flags, "office")]
    parts.append(_level_counts(handled.loc[handled["operator_id"] != ""], flags, "operator"))
    days = ev["event_time"].to_numpy()[rows].astype("datetime64[D]")
    daily = pd.DataFrame({"office_code": office[case], "date": days}).value_counts(sort=False).rename("events")
    found = findings.assign(month=month.label)
    return MonthPart(pd.concat(parts, ignore_index=True).assign(month=month.label), found, daily.reset_index())


def _level_counts(handled: pd.DataFrame, flags: pd.DataFrame, level: str) -> pd.DataFrame:
    """Per office_code × operator_id of ``handled`` (one row per event): events, cases handled and, among those
    cases, the accepted, registered, timed and on-time ones."""
    keys = ["office_code", "operator_id"]
    events = handled.groupby(keys, sort=False).size().rename("events")
    pairs = handled.drop_duplicates([*keys, "case"])
    picked = flags.iloc[pairs["case"].to_numpy()].set_axis(pairs.index)
    per = pd.concat([pairs[keys], picked], axis=1).groupby(keys, sort=False)
    counts = per.sum().join(per.size().rename("cases_handled")).join(events)
    return counts.reset_index().assign(level=level)


# --- the table ---------------------------------------------------------------------------------


def build_trend(months: Sequence[Period], parts: Sequence[MonthPart], calendar: WorkCalendar) -> Trend:
    """The months' parts as one :class:`Trend`: a full grid (every office, and every office × operator seen in
    the range, in every month; zeros where nothing happened), with the findings counted and the rates."""
    labels = [m.label for m in months]
    findings = pd.concat([p.findings for p in parts], ignore_index=True) if parts else pd.DataFrame()
    counted = pd.concat([p.rows for p in parts], ignore_index=True)
    found = _finding_counts(findings)
    seen = pd.concat([counted[_KEYS], found[_KEYS]], ignore_index=True).drop_duplicates()
    grid = seen.merge(pd.DataFrame({"month": labels}), how="cross")
    table = grid.merge(counted, on=[*_KEYS, "month"], how="left").merge(found, on=[*_KEYS, "month"], how="left")
    numbers = [c for c in TREND_COLUMNS if c not in (*_KEYS, "month", "on_time_rate", "rate")]
    table[numbers] = table[numbers].fillna(0).astype("int64")
    table["on_time_rate"] = table["cases_on_time"] / table["cases_timed"].where(table["cases_timed"] > 0)
    table["rate"] = table["findings"] * 100 / table["cases_handled"].where(table["cases_handled"] > 0)
    table["level"] = pd.Categorical(table["level"], categories=LEVELS)
    table = table.sort_values([*_KEYS, "month"], kind="stable").reset_index(drop=True)
    table["level"] = table["level"].astype(str)
    daily = pd.concat([p.daily for p in parts], ignore_index=True) if parts else pd.DataFrame()
    daily["date"] = pd.to_datetime(daily["date"]).astype("datetime64[ns]")
    return Trend(tuple(months), table[list(TREND_COLUMNS)], findings, daily, calendar)


def _finding_counts(findings: pd.DataFrame) -> pd.DataFrame:
    """Findings per office (level office) and per office × operator (level operator) and month: all, by category
    and by severity."""
    from .rules.base import text  # here: the rules package imports this module (rules/warnings.py)

    cols = ["findings", *CATEGORY_COLUMNS.values(), *SEVERITY_COLUMNS.values()]
    if findings.empty:
        return pd.DataFrame(columns=[*_KEYS, "month", *cols])
    f = pd.DataFrame(
        {
            "office_code": text(findings["office_code"]).to_numpy(),
            "operator_id": text(findings["operator_id"]).to_numpy(),
            "month": findings["month"].to_numpy(),
            "findings": 1,
        }
    )
    for code, col in CATEGORY_COLUMNS.items():
        f[col] = (findings["category"].to_numpy() == code).astype(np.int64)
    for code, col in SEVERITY_COLUMNS.items():
        f[col] = (findings["severity"].to_numpy() == code).astype(np.int64)
    keys = ["office_code", "operator_id", "month"]
    offices = f.assign(operator_id="").groupby(keys, sort=False)[cols].sum().reset_index().assign(level="office")
    named = f.loc[f["operator_id"] != ""]
    operators = named.groupby(keys, sort=False)[cols].sum().reset_index().assign(level="operator")
    return pd.concat([offices, operators], ignore_index=True)


# --- the terminal summary ----------------------------------------------------------------------

TOP_WARNINGS = 5


def summary_lines(trend: Trend, warnings: pd.DataFrame, ran: Sequence[Any], suppressed: int = 0) -> list[str]:
    """What `regcheck trend` says when done: the range, offices, operators, findings, and the warnings by rule
    with the first few (office, operator, the message with its rates)."""
    t = trend.table
    offices = t.loc[t["level"] == "office", "office_code"].nunique()
    operators = t.loc[t["level"] == "operator", ["office_code", "operator_id"]].drop_duplicates().shape[0]
    span = f"{trend.months[0].label}–{trend.months[-1].label}"
    out = [
        f"趋势 trend {span} · {len(trend.months)} 个月 months · {offices} 个机构 offices · "
        f"{operators} 名人员 operators · 问题 findings {len(trend.findings):,}",
        f"预警 warnings {len(warnings):,}" + (f"（另有 {suppressed} 条已豁免 suppressed）" if suppressed else ""),
    ]
    counts = warnings["rule_id"].value_counts() if len(warnings) else pd.Series(dtype=int)
    for r in ran:
        mine = warnings.loc[warnings["rule_id"] == r.id] if len(warnings) else warnings
        out.append(f"  {r.id} {r.title} {r.title_en}: {int(counts.get(r.id, 0))}")
        for row in mine.head(TOP_WARNINGS).itertuples(index=False):
            who = f"{row.office_code} {row.operator_id}" if row.operator_id else f"{row.office_code}"
            out.append(f"    {who}: {row.message}")
    return out
