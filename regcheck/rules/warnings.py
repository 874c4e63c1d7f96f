"""Trend warnings (早预警) — checklist item 15 (and 9): who and what drifts across the months of `regcheck trend`.

These rules read the month-by-month :class:`~regcheck.trend.Trend` (grouping ``"months"``), not one EventLog:
only `regcheck trend` runs them (engine.select_rules(..., trend=True)). Each is dated at the last second of the
range's last month, so a warning belongs to the month the supervisor reviews.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from ..trend import Trend
from .base import empty_findings, findings, number, rule, template

LAST_MONTHS = 3  # WR001 and WR003 look at the last three months of the range
TOLERANCE = 1e-9  # "at least 3×" holds for a ratio of exactly 3 however the floats round


def _dated(trend: Trend) -> pd.Timestamp:
    return trend.months[-1].last_second


def _labels(trend: Trend, n: int) -> list[str]:
    return [m.label for m in trend.months[-n:]]


def _per_month(frame: pd.DataFrame, column: str, labels: list[str]) -> list[dict[str, Any]]:
    """Each row's values of ``column`` over the months ``labels`` (wide) as {month: value} (NaN as None)."""
    wide = frame[[f"{column}@{m}" for m in labels]].to_numpy(dtype=float)
    return [
        {m: (None if np.isnan(v) else round(float(v), 4)) for m, v in zip(labels, row, strict=True)} for row in wide
    ]


def _pairs(wide: pd.DataFrame, labels: list[str]) -> list[str]:
    """Each operator's months as 'rate/median' text, '—' where there is none: '24.0/5.0, 4.0/4.0, 28.0/6.0'."""
    rates = wide[[f"rate@{m}" for m in labels]].to_numpy(dtype=float)
    medians = wide[[f"median@{m}" for m in labels]].to_numpy(dtype=float)
    cell = np.vectorize(lambda v: "—" if np.isnan(v) else f"{v:.1f}", otypes=[object])
    return [
        ", ".join(f"{r}/{m}" for r, m in zip(a, b, strict=True))
        for a, b in zip(cell(rates), cell(medians), strict=True)
    ]


def _wide(table: pd.DataFrame, keys: list[str], columns: list[str], labels: list[str]) -> pd.DataFrame:
    """``table`` rows of the months ``labels`` as one row per ``keys``, a column ``name@month`` per value."""
    rows = table.loc[table["month"].isin(labels)]
    wide = rows.pivot(index=keys, columns="month", values=columns).reindex(columns=labels, level=1)
    wide.columns = [f"{name}@{month}" for name, month in wide.columns]
    return wide.reset_index()


# --- WR001 ---------------------------------------------------------------------------------------


class DriftParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ratio: float = number(3, ge=1, le=1000, description="倍数：本人百案问题率 ≥ 本所同月人员中位数的此倍数")
    min_cases: int = number(20, ge=1, le=1_000_000, description="每个计入月份本人至少经办的案件数")


@rule(
    "WR001",
    "倾向性预警",
    "drifting operator",
    severity="medium",
    category="廉政",
    basis=(15,),
    fires_on="an operator whose findings per 100 cases handled are at least `ratio` × the median of the office's "
    "operators (with `min_cases` cases) in 2 of the range's last 3 months, with `min_cases` cases in each",
    params=DriftParams,
    grouping="months",
    key="{office_code}:{operator_id}",
    example="""
    office 340102, 2026-09…11: W7 handled 25 cases a month with 6, 1, 7 findings (rates 24, 4, 28);
    the office's operators' median rates 5, 4, 6  ->  WR001 340102:W7 (24 ≥ 3×5 and 28 ≥ 3×6: 2 of 3 months)
    """,
)
def drifting_operator(trend: Trend, p: DriftParams) -> pd.DataFrame:
    """操作人百案问题率连续数月远高于本所同事：倾向性问题苗头，及时预警提示。

    ## What it does
    在所选区间的最后3个月中，若某操作人至少有2个月：当月经办不少于 `min_cases` 件，且百案问题率（当月其
    问题数 ×100 ÷ 经办案件数）不低于本所同月人员百案问题率中位数的 `ratio` 倍，即报；每个机构×操作人一条。
    An operator whose rate (findings per 100 cases handled) is at least `ratio` times the median rate of the
    office's operators in at least 2 of the range's last 3 months, handling at least `min_cases` cases in each
    of those months. The median is taken over the office's operators who handled at least `min_cases` cases
    that month (an occasional stand-in with two cases would skew it). A ratio of exactly `ratio` counts. A range
    of fewer than 2 months cannot show a drift and never fires.

    ## Why it matters
    清单第15项要求紧盯关键岗位，对苗头性、倾向性问题及时预警。一个人的问题率持续数倍于同所同事，是个人
    作风或廉政风险在成案前的信号。
    Checklist item 15 asks for early warnings on key posts: one person's findings running at several times
    their colleagues' rate, month after month, is the sign to look before it becomes a case.

    ## Exempt
    百案问题率为0的月份从不计入（本所中位数为0时，任何不为0的问题率都达到其倍数，计入）；经办不足
    `min_cases` 件的月份不计入；无操作人的问题只计入机构。
    A month with a rate of 0 never counts (when the office's median is 0, any rate above 0 counts: the
    operator stands out from colleagues without findings); a month with fewer than `min_cases` cases handled
    does not count; findings without an operator count for the office only.

    ## Dated at
    区间最后一个月的最后一秒。
    The last second of the range's last month.
    """
    labels = _labels(trend, LAST_MONTHS)
    t = trend.table
    ops = t.loc[(t["level"] == "operator").to_numpy() & t["month"].isin(labels).to_numpy()].copy()
    enough = ops["cases_handled"].to_numpy() >= p.min_cases
    median = ops.loc[enough].groupby(["office_code", "month"])["rate"].median().rename("median")
    ops = ops.join(median, on=["office_code", "month"])
    rate = ops["rate"].to_numpy(dtype=float)
    ops["hit"] = enough & (rate > 0) & (rate >= p.ratio * ops["median"].to_numpy(dtype=float) * (1 - TOLERANCE))
    wide = _wide(ops, ["office_code", "operator_id"], ["rate", "median", "cases_handled", "hit"], labels)
    hits = wide[[f"hit@{m}" for m in labels]].fillna(False).astype(bool).sum(axis=1).to_numpy()
    wide = wide.loc[hits >= 2].reset_index(drop=True)
    if wide.empty:
        return empty_findings()
    months = wide[[f"hit@{m}" for m in labels]].fillna(False).astype(bool).to_numpy()
    flagged = [",".join(m for m, h in zip(labels, row, strict=True) if h) for row in months]
    return findings(
        key=wide["office_code"] + ":" + wide["operator_id"],
        office_code=wide["office_code"],
        operator_id=wide["operator_id"],
        event_time=_dated(trend),
        message=template(
            "操作人{op}近{n}个月中{k}个月（{months}）百案问题率达本所人员中位数的{ratio}倍以上（问题率/中位数：{rates}）",
            op=wide["operator_id"],
            rates=_pairs(wide, labels),
            n=len(labels),
            k=pd.Series(months.sum(axis=1)).astype(str),
            months=flagged,
            ratio=f"{p.ratio:g}",
        ),
        evidence={
            "months": flagged,
            "rates": _per_month(wide, "rate", labels),
            "medians": _per_month(wide, "median", labels),
            "cases_handled": _per_month(wide, "cases_handled", labels),
            "ratio": p.ratio,
        },
    )


# --- WR002 ---------------------------------------------------------------------------------------


class HolidayParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ratio: float = number(2, ge=1, le=1000, description="倍数：节假日前后问题占比 ÷ 操作记录占比 ≥ 此数")
    min_findings: int = number(5, ge=1, le=1_000_000, description="节假日前后至少有此数的问题")
    window_days: int = number(3, ge=1, le=30, description="节假日前、后各计入的工作日数")


def holiday_windows(trend: Trend, days: int) -> list[pd.DatetimeIndex]:
    """The windows: the ``days`` working days before and the ``days`` after each official holiday run of 2+ days
    (WorkCalendar.is_holiday), the days of each that fall in the range; in order, without repeats."""
    start, end = trend.months[0].start, trend.months[-1].end
    margin = pd.Timedelta(days=40 + 2 * days)  # a holiday run and its window days, beyond the range
    lo, hi = start - margin, end + margin
    known = trend.calendar.known
    lo = lo if known(lo.year) else pd.Timestamp(year=lo.year + 1, month=1, day=1)  # no calendar: no holidays
    hi = hi if known(hi.year) else pd.Timestamp(year=hi.year, month=1, day=1)
    span = np.arange(np.datetime64(lo, "D"), np.datetime64(hi, "D"))
    holiday = trend.calendar.is_holiday(span).astype(np.int8)
    work = np.flatnonzero(trend.calendar.is_workday(span))
    edges = np.diff(np.concatenate([[0], holiday, [0]]))
    firsts, lasts = np.flatnonzero(edges == 1), np.flatnonzero(edges == -1) - 1
    keep = lasts - firsts + 1 >= 2
    windows: list[pd.DatetimeIndex] = []
    for first, last in zip(firsts[keep], lasts[keep], strict=True):  # a handful of runs a year
        for at in (work[work < first][-days:], work[work > last][:days]):
            window = pd.DatetimeIndex(span[at].astype("datetime64[ns]"))
            window = window[(window >= start) & (window < end)]
            if len(window) and not any(window.equals(w) for w in windows):
                windows.append(window)
    return windows


@rule(
    "WR002",
    "敏感时段集中",
    "holiday-window concentration",
    severity="low",
    category="作风",
    basis=(15,),
    fires_on="per office over the range: (share of its findings dated within `window_days` working days before "
    "or after an official holiday run of 2+ days) ÷ (share of its events on those days) ≥ `ratio`, with at least "
    "`min_findings` such findings",
    params=HolidayParams,
    grouping="months",
    key="{office_code}",
    example="""
    office 340102, 2026-09…10: 8 of its 40 findings (20%) fall on 09-28…09-30 and 10-08…10-12, days that hold
    5% of its events  ->  WR002 340102 (20% ÷ 5% = 4 ≥ 2, 8 ≥ 5 findings)
    """,
)
def holiday_concentration(trend: Trend, p: HolidayParams) -> pd.DataFrame:
    """机构的问题集中在节假日前后：敏感时段的倾向性问题，及时预警提示。

    ## What it does
    对每个机构，在整个区间内：节假日（日历中连续2天以上的法定节假日）前、后各 `window_days` 个工作日内的
    问题占其全部问题的比例，除以这些日子的操作记录占其全部操作记录的比例，不低于 `ratio`，且这些日子的问题
    不少于 `min_findings` 条，即报；每个机构一条。
    Per office over the range: the share of its findings dated within the `window_days` working days before or
    after an official holiday (a run of 2+ holiday days in the calendar, --calendar overrides included), divided
    by the share of its events on those days, is at least `ratio`, with at least `min_findings` such findings.
    Only window days inside the range count (the days before a holiday early in the first month are outside
    the data asked for).

    ## Why it matters
    清单第15项要求紧盯节假日前后敏感时段。节前赶工、节后积压时问题扎堆，是作风松懈的苗头；与操作量的占比
    相比，排除了"节前本来就忙"的解释。
    Checklist item 15 names the days around holidays as sensitive: problems piling up before a break or after
    it are the sign of slack; comparing with the share of the office's events rules out "it was just busy".

    ## Exempt
    区间内没有节假日窗口、或该机构在窗口内没有操作记录时不比较（没有可比的占比）；只有1天的节假日不算。
    Not compared when the range holds no holiday window, or the office has no events on the window days (no
    share to compare with); a one-day holiday is no run.

    ## Dated at
    区间最后一个月的最后一秒。
    The last second of the range's last month.
    """
    windows = holiday_windows(trend, p.window_days)
    window = pd.DatetimeIndex(sorted(set().union(*windows))) if windows else pd.DatetimeIndex([])
    f = trend.findings
    if not len(window) or f.empty:
        return empty_findings()
    office = f["office_code"].astype(object).where(f["office_code"].notna(), "").astype(str)
    inside = pd.to_datetime(f["event_time"]).dt.normalize().isin(window).to_numpy()
    found = (
        pd.DataFrame({"office_code": office, "inside": inside}).groupby("office_code")["inside"].agg(["sum", "size"])
    )
    d = trend.daily
    on = d["date"].isin(window).to_numpy()
    ev = pd.DataFrame({"office_code": d["office_code"], "in": np.where(on, d["events"], 0), "all": d["events"]})
    events = ev.groupby("office_code")[["in", "all"]].sum()
    both = found.join(events, how="inner")
    both = both.assign(share_f=both["sum"] / both["size"], share_e=both["in"] / both["all"])
    ratio = p.ratio * both["share_e"] * (1 - TOLERANCE)
    hit = (both["in"] > 0) & (both["sum"] >= p.min_findings) & (both["share_f"] >= ratio)
    both = both.loc[hit.to_numpy()].reset_index()
    if both.empty:
        return empty_findings()
    return findings(
        key=both["office_code"],
        office_code=both["office_code"],
        event_time=_dated(trend),
        message=template(
            "节假日前后{days}个工作日内的问题占{share_f}，而操作记录只占{share_e}（{k}条问题）",
            days=p.window_days,
            share_f=both["share_f"].map("{:.1%}".format),
            share_e=both["share_e"].map("{:.1%}".format),
            k=both["sum"].astype(int).astype(str),
        ),
        evidence={
            "findings_in_windows": both["sum"].astype(int),
            "findings": both["size"].astype(int),
            "share_findings": both["share_f"].round(4),
            "events_in_windows": both["in"].astype(int),
            "events": both["all"].astype(int),
            "share_events": both["share_e"].round(4),
            "windows": ", ".join(f"{w[0]:%Y-%m-%d}..{w[-1]:%Y-%m-%d}" for w in windows),
        },
    )


# --- WR003 ---------------------------------------------------------------------------------------


class LatenessParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    floor: float = number(0.95, ge=0, le=1, description="按时办结率下限（0.95 = 95%）：最后一个月低于此值")


@rule(
    "WR003",
    "持续超期",
    "persistent lateness",
    severity="medium",
    category="作风",
    basis=(9,),
    fires_on="an office whose on-time rate fell in each of the range's last 3 months (each below the month "
    "before) and is below `floor` in the last",
    params=LatenessParams,
    grouping="months",
    key="{office_code}",
    example="""
    office 340103, on-time rates 2026-08…11: 99%, 97%, 96%, 93%  ->  WR003 340103 (three falls, 93% < 95%)
    99%, 97%, 97%, 93%  ->  nothing (October did not fall)
    """,
)
def persistent_lateness(trend: Trend, p: LatenessParams) -> pd.DataFrame:
    """机构按时办结率连续3个月下降且跌破下限：超期办理的倾向，及时预警提示。

    ## What it does
    对每个机构：区间最后3个月的按时办结率（当月办结的计时案件中按时办结的比例）每个月都低于上一个月
    （因此需要这3个月之前的那个月，区间至少4个月），且最后一个月低于 `floor`，即报；每个机构一条。
    An office whose on-time rate (the cases timed that ended in the month, on time ÷ all, as the scan summary
    counts them) fell in each of the range's last 3 months — each strictly below the month before, so the
    month before them is needed and the range must have at least 4 months — and is below `floor` in the last.

    ## Why it matters
    清单第9项要求按时限办结；按时办结率持续下滑是积压、拖延成为常态前的信号。
    Checklist item 9 asks for cases to be finished within the legal limits; an on-time rate sliding month after
    month is the sign of a backlog before it becomes the norm.

    ## Exempt
    持平的月份打断下降（不是"每月下降"）；某月没有计时案件（无按时办结率）也打断；最后一个月恰为 `floor`
    不报。
    A flat month breaks the fall; so does a month with no timed case (no rate); a last month exactly at `floor`
    does not fire.

    ## Dated at
    区间最后一个月的最后一秒。
    The last second of the range's last month.
    """
    labels = _labels(trend, LAST_MONTHS + 1)
    if len(labels) < LAST_MONTHS + 1:
        return empty_findings()
    t = trend.table
    offices = t.loc[t["level"].to_numpy() == "office"]
    wide = _wide(offices, ["office_code"], ["on_time_rate"], labels)
    rates = wide[[f"on_time_rate@{m}" for m in labels]].to_numpy(dtype=float)
    fell = (np.diff(rates, axis=1) < 0).all(axis=1)  # NaN compares False: a month without a rate breaks it
    hit = fell & (rates[:, -1] < p.floor)
    wide = wide.loc[hit].reset_index(drop=True)
    if wide.empty:
        return empty_findings()
    shown = pd.DataFrame(rates[hit]).apply(lambda col: col.map("{:.1%}".format))
    return findings(
        key=wide["office_code"],
        office_code=wide["office_code"],
        event_time=_dated(trend),
        message=template(
            "按时办结率连续{n}个月下降：{path}，低于{floor}",
            n=LAST_MONTHS,
            path=shown.apply(" → ".join, axis=1),
            floor=f"{p.floor:.0%}",
        ),
        evidence={"on_time_rates": _per_month(wide, "on_time_rate", labels), "floor": p.floor},
    )
