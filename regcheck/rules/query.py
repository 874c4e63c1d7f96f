"""Information security (查询) — checklist item 16 (and 15: sensitive times).

All three rules look at ``query`` rows (activity 查询), whatever the business
type of their case. IQ001 and IQ002 report every offending row (key
``case_id|event_time``); IQ003 one finding per operator and calendar day (key
``operator@YYYY-MM-DD``), counted across offices.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..model import EventLog
from .base import NoParams, empty_findings, findings, fmt_day, fmt_int, fmt_time, number, rule, template, text

WEEKDAYS_ZH = np.array(["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"])


def _query_rows(log: EventLog) -> pd.DataFrame:
    """Query rows in (event_time, input order) with the case's id, office and unit."""

    def build() -> pd.DataFrame:
        ev = log.events
        cols = [c for c in ("case", "case_id", "office_code", "event_time", "operator_id", "query_basis") if c in ev]
        q = ev[cols].take(log.activity_rows("query")).reset_index(drop=True)
        if "unit_id" in log.cases:
            q["unit_id"] = log.cases["unit_id"].take(q["case"].to_numpy()).array
        return q

    return log.memo("query:rows", build)


def _per_row(q: pd.DataFrame, message: pd.Series, evidence: dict) -> pd.DataFrame:
    """Findings of a per-row rule; key case_id|event_time (one finding per key)."""
    key = template("{case}|{time}", case=q["case_id"], time=fmt_time(q["event_time"]))
    keep = ~key.duplicated().to_numpy()
    q = q.loc[keep]
    return findings(
        key=key[keep],
        case_id=q["case_id"],
        office_code=q["office_code"],
        unit_id=q.get("unit_id"),
        operator_id=q["operator_id"],
        event_time=q["event_time"],
        message=message[keep],
        evidence={k: (v[keep] if isinstance(v, np.ndarray | pd.Series) else v) for k, v in evidence.items()},
    )


def _who(q: pd.DataFrame) -> pd.Series:
    op = q["operator_id"].to_numpy()
    return pd.Series(np.where(pd.notna(op), template("操作人{op}", op=op), "无操作人记录的查询"))


@rule(
    "IQ001",
    "无依据查询",
    "query without basis",
    severity="high",
    category="廉政",
    basis=(16,),
    fires_on="query row with blank query_basis (after trimming); one finding per row",
    columns=("operator_id", "query_basis"),
    facts=("query_events",),
    key="{case_id}|{event_time}",
    example="""
    query row of 34010220260600004 by 340102-Q1 at 2026-09-08 10:05 with no 查询依据  ->  IQ001
    query_basis '\u3000' (ideographic space only) counts as blank
    """,
)
def query_without_basis(log: EventLog, p: NoParams) -> pd.DataFrame:
    """查询登记资料须有依据（申请书编号、法院文书号等）并如实记录：查询依据为空即报。

    ## What it does
    查询行的查询依据（去首尾空白后）为空，即报；每个查询行一条，键为 ``case_id|event_time``。
    A query row whose query_basis is blank after trimming. Each query row is a finding of its own
    (key ``case_id|event_time``).

    ## Why it matters
    查询登记资料须有依据并留痕，无依据查询是泄露登记信息的主要途径（清单第16项）。
    Looking up registration records needs a recorded basis; queries without one are how
    registration data leaks (checklist item 16).

    ## Exempt
    非查询行不检查；有依据的查询不报（依据内容本身不核验）。
    Rows that are not queries; queries with a basis (its content is not verified).

    ## Dated at
    该查询行的时间。
    The query row's time.
    """
    q = _query_rows(log)
    q = q.loc[q["query_basis"].isna().to_numpy()].reset_index(drop=True)
    if q.empty:
        return empty_findings()
    message = template(
        "{who}于{time}查询登记资料，未记录查询依据，请核查查询是否合法", who=_who(q), time=fmt_time(q["event_time"])
    )
    return _per_row(q, message, {"query_basis": None})


class HoursParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: dt.time = Field(dt.time(8, 0, 0), description="queries before this time of day are off-hours")
    end: dt.time = Field(dt.time(18, 0, 0), description="queries after this time of day are off-hours")

    @model_validator(mode="after")
    def _order(self) -> HoursParams:
        if self.end < self.start:
            raise ValueError("end must not be before start")
        return self


def _seconds(t: dt.time) -> np.timedelta64:
    micros = ((t.hour * 60 + t.minute) * 60 + t.second) * 1_000_000 + t.microsecond
    return np.timedelta64(micros, "us").astype("timedelta64[ns]")


@rule(
    "IQ002",
    "非工作时间查询",
    "off-hours query",
    severity="medium",
    category="廉政",
    basis=(15, 16),
    fires_on="query row on a non-working day (official calendar + --calendar), or before 08:00:00 or after "
    "18:00:00 (both boundaries are within hours); one finding per row",
    params=HoursParams,
    columns=("operator_id",),
    facts=("query_events",),
    key="{case_id}|{event_time}",
    example="""
    2026-09-08 07:59:59 (Tue)  ->  IQ002;  08:00:00 and 18:00:00  ->  fine;  18:00:01  ->  IQ002
    Sat 2026-09-12 10:00  ->  IQ002;  Sat 2026-10-10 10:00 (调休 working day)  ->  fine
    """,
)
def off_hours_query(log: EventLog, p: HoursParams) -> pd.DataFrame:
    """非工作日或工作时间以外查询登记资料，是内部人员违规查询、泄露信息的信号。

    ## What it does
    查询行落在非工作日（法定节假日，官方日历加 --calendar），
    或当天时间早于 ``start``（08:00:00）或晚于 ``end``（18:00:00），即报；每行一条。
    A query row is off-hours when its day is not a working day (statutory holidays count as
    non-working, 调休 make-up days as working; official calendar + --calendar), or its time of day
    is strictly before ``start`` or strictly after ``end``. One finding per row.

    ## Why it matters
    窗口不办公时的查询多为内部人员私查，是泄露登记信息的信号（清单第16项）。
    Queries when the hall is closed are mostly insiders looking things up privately — a sign of
    information leaks (checklist item 16).

    ## Exempt
    工作日08:00:00至18:00:00（含两端）的查询；调休上班日按工作日。
    Queries on a working day between start and end, both boundaries included; 调休 make-up days
    are working days.

    ## Dated at
    该查询行的时间。
    The query row's time.
    """
    q = _query_rows(log)
    if q.empty:
        return empty_findings()
    times = q["event_time"].to_numpy(dtype="datetime64[ns]")
    day = times.astype("datetime64[D]")
    tod = times - day.astype("datetime64[ns]")
    workday = log.calendar.is_workday(day)
    early = tod < _seconds(p.start)
    late = tod > _seconds(p.end)
    hit = ~workday | early | late
    if not hit.any():
        return empty_findings()
    q = q.loc[hit].reset_index(drop=True)
    workday, early, late = workday[hit], early[hit], late[hit]
    weekday = WEEKDAYS_ZH[pd.DatetimeIndex(q["event_time"]).day_of_week.to_numpy()]
    hours = f"{p.start:%H:%M:%S}–{p.end:%H:%M:%S}"
    why = np.where(
        ~workday,
        np.where(early | late, f"非工作日且在工作时间{hours}以外", "非工作日"),
        f"工作时间{hours}以外",
    )
    message = template(
        "{who}于{time}（{weekday}，{why}）查询登记资料，请核查查询事由",
        who=_who(q),
        time=fmt_time(q["event_time"]),
        weekday=weekday,
        why=why,
    )
    return _per_row(
        q,
        message,
        {
            "workday": workday,
            "weekday": weekday,
            "time": pd.Series(times[hit]).dt.strftime("%H:%M:%S").to_numpy(),
            "start": f"{p.start:%H:%M:%S}",
            "end": f"{p.end:%H:%M:%S}",
        },
    )


class BulkParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_per_day: int = number(
        50, ge=1, le=1_000_000, description="more than this many query rows by one operator in a calendar day"
    )


def query_projection(log: EventLog) -> np.ndarray:
    """IQ003's rows in a partitioned scan: the query rows with an operator."""
    ev = log.events
    mask = (ev["activity"] == "query").to_numpy()
    if "operator_id" in ev:
        mask = mask & ev["operator_id"].notna().to_numpy()
    return np.flatnonzero(mask)


@rule(
    "IQ003",
    "批量查询",
    "bulk querying",
    severity="high",
    category="廉政",
    basis=(16,),
    fires_on="one operator with > 50 query rows in one calendar day (counted across offices; rows without "
    "operator_id not counted); one finding per operator-day",
    params=BulkParams,
    columns=("operator_id",),
    facts=("query_events",),
    grouping="global",
    projection=query_projection,
    key="{operator_id}@{day}",
    example="""
    51 query rows by 340102-Q1 on 2026-09-08  ->  IQ003 340102-Q1@2026-09-08;  50 rows  ->  no finding
    """,
)
def bulk_querying(log: EventLog, p: BulkParams) -> pd.DataFrame:
    """同一人员一天内大量查询登记资料，可能是批量导出、泄露信息。

    ## What it does
    按（操作人，自然日）统计查询行数，跨登记机构合计；超过 ``max_per_day``（50）即报，每人每天一条，
    键为 ``operator@YYYY-MM-DD``。
    Query rows with an operator are counted per (operator, calendar day of event_time), over all
    offices. A count above ``max_per_day`` is one finding, keyed ``operator@YYYY-MM-DD``, in the
    office of the operator's first query that day. Evidence: the day, the count, and the peer
    median — the median of that day's per-operator counts over every operator who queried that
    day (the operator included).

    ## Why it matters
    一人一天大量查询，可能是批量导出、倒卖登记信息（清单第16项）。
    Very many queries by one person in a day point to bulk export or selling of registration data
    (checklist item 16).

    ## Exempt
    没有操作人的查询行不计数；恰好等于上限不报。
    Query rows without operator_id are not counted; a count equal to the limit is fine.

    ## Dated at
    越过上限的那一行（当天第 max_per_day + 1 行）的时间。
    The time of the row that crossed the threshold (the day's row number max_per_day + 1).
    """
    q = _query_rows(log)
    q = q.loc[q["operator_id"].notna().to_numpy()].reset_index(drop=True)
    if q.empty:
        return empty_findings()
    q["day"] = q["event_time"].dt.normalize()
    g = q.groupby(["operator_id", "day"], sort=True)
    counts = g.size()
    if not (counts > p.max_per_day).any():
        return empty_findings()
    median = counts.groupby(level="day").median()
    peers = counts.groupby(level="day").size()
    nth = q.assign(_n=g.cumcount())
    crossed = nth.loc[(nth["_n"] == p.max_per_day).to_numpy()].set_index(["operator_id", "day"])
    firsts = g.agg(
        office_code=("office_code", "first"),
        first_time=("event_time", "first"),
        last_time=("event_time", "last"),
        offices=("office_code", "nunique"),
    )
    hit = counts[counts > p.max_per_day]
    idx = hit.index
    f = firsts.loc[idx]
    day = idx.get_level_values("day")
    med = median.loc[day].to_numpy(dtype="float64")
    med_text = pd.Series(med).round(1).astype(str).str.removesuffix(".0")
    op = text(pd.Series(idx.get_level_values("operator_id")))
    return findings(
        key=template("{op}@{day}", op=op, day=fmt_day(day)),
        office_code=f["office_code"],
        operator_id=op,
        event_time=crossed.loc[idx, "event_time"],
        message=template(
            "操作人{op}于{day}查询登记资料{count}次，超过每日{limit}次（当日人均中位数{median}次），"
            "请核查是否批量查询或泄露信息",
            op=op,
            day=fmt_day(day),
            count=fmt_int(hit),
            limit=p.max_per_day,
            median=med_text,
        ),
        evidence={
            "day": fmt_day(day).to_numpy(),
            "count": hit.to_numpy(),
            "peer_median": med,
            "peers": peers.loc[day].to_numpy(),
            "threshold": p.max_per_day,
            "first_time": f["first_time"].to_numpy(),
            "last_time": f["last_time"].to_numpy(),
            "offices": f["offices"].to_numpy(),
        },
    )
