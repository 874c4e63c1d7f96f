"""Time limits (时限) — checklist items 6, 9, 20: cases finished, or still open, past the legal limit.

Elapsed working days come from :meth:`EventLog.timing` (次日起算, official calendar
with make-up days, suspensions merged and clipped). This module adds the limit of
each business type, the deadline (the date on which elapsed reaches the limit) and
the three rules.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..model import EventLog
from ..schema import BUSINESS_TYPES, enum_lookup
from .base import empty_findings, findings, fmt_day, fmt_int, rule, text

# rules.md "Time limits": working days by business type; None = not timed.
DEFAULT_LIMITS: dict[str, int | None] = {
    "first": 30,
    "transfer": 5,
    "change": 5,
    "cancel": 5,
    "correction": 5,
    "prenotice": 5,
    "mortgage": 5,
    "mortgage_cancel": 5,
    "objection": 1,
    "objection_cancel": 1,
    "seal": 1,
    "unseal": 1,
    "query": None,
}

_NO_LIMIT = frozenset({"none", "null", "无", "不限", "-", ""})


class TimeLimitParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limits: dict[str, int | None] = Field(
        default_factory=lambda: dict(DEFAULT_LIMITS),
        description="办理时限（工作日）by business_type; types given in the config replace the default, "
        'the others keep it; "none" = not timed',
    )

    @field_validator("limits", mode="before")
    @classmethod
    def _merge_defaults(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        lookup = enum_lookup("business_type")
        merged: dict[str, int | None] = dict(DEFAULT_LIMITS)
        for raw_type, raw_limit in value.items():
            code = lookup.get(str(raw_type).strip())
            if code is None:
                raise ValueError(f"unknown business_type {raw_type!r} (one of {', '.join(BUSINESS_TYPES)})")
            if raw_limit is None or raw_limit is False or str(raw_limit).strip().lower() in _NO_LIMIT:
                merged[code] = None
                continue
            if isinstance(raw_limit, bool) or not isinstance(raw_limit, int | str):
                raise ValueError(f"limit of {code}: a whole number of working days or 'none'")
            try:
                limit = int(str(raw_limit).strip())
            except ValueError:
                raise ValueError(f"limit of {code}: a whole number of working days or 'none'") from None
            if limit < 0:
                raise ValueError(f"limit of {code} must be >= 0")
            merged[code] = limit
        return merged


class DeadlineWarningParams(TimeLimitParams):
    warn_days: int = Field(1, ge=0, description="预警：剩余工作日（limit − elapsed）不超过此数即提示")


def timed_cases(log: EventLog, limits: dict[str, int | None]) -> pd.DataFrame:
    """Every timed case with a limit: timing + case columns + ``limit`` and ``deadline``.

    Not timed: no t_accept, withdrawn (both absent from ``log.timing()``), no
    business_type, or a type whose limit is None.
    """
    key = "timelimit:" + repr(sorted(limits.items()))
    return log.memo(key, lambda: _timed_cases(log, limits))


def _timed_cases(log: EventLog, limits: dict[str, int | None]) -> pd.DataFrame:
    t = log.timing()
    c = log.cases.iloc[t.index.to_numpy()]
    if "business_type" in c.columns:
        btype = c["business_type"].astype(object).to_numpy()
    else:
        btype = np.full(len(c), None, dtype=object)
    limit = pd.Series(btype).map(lambda b: limits.get(b) if isinstance(b, str) else None)
    keep = limit.notna().to_numpy()
    out = t.loc[keep].copy()
    cc = c.loc[keep]
    out["case_id"] = cc["case_id"].to_numpy()
    out["office_code"] = cc["office_code"].to_numpy()
    out["unit_id"] = cc["unit_id"].to_numpy() if "unit_id" in cc.columns else None
    out["business_type"] = btype[keep]
    out["t_accept"] = cc["t_accept"].to_numpy()
    out["t_end"] = cc["t_end"].to_numpy()
    out["limit"] = limit[keep].to_numpy(dtype=np.int64)
    out["deadline"] = deadline_days(log, out.index.to_numpy(), out["accept_day"].to_numpy(), out["limit"].to_numpy())
    return out


def deadline_days(log: EventLog, cases: np.ndarray, accept_day: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """The date on which elapsed reaches ``limit``: the limit-th working day after acceptance
    that is not suspended (the acceptance day itself for limit 0).

    Exact whenever elapsed >= limit; for a case still short of its limit it is the projection
    assuming no further suspension after the case's end day (as-of for an open case).
    Vectorised over the unsuspended gaps (a, lo1], (hi1, lo2], …, (hi_m, ∞) of each case.
    """
    n = len(cases)
    if not n:
        return np.zeros(0, dtype="datetime64[D]")
    accept_day = accept_day.astype("datetime64[D]")
    iv = log.suspension_intervals()
    iv = iv[iv["case"].isin(cases)]
    pos_of = pd.Series(np.arange(n), index=cases)
    k_iv = pos_of.loc[iv["case"].to_numpy()].to_numpy()
    lo = iv["lo"].to_numpy().astype("datetime64[D]")
    hi = iv["hi"].to_numpy().astype("datetime64[D]")
    far = np.datetime64("NaT", "D")
    # gap r of case k (r = 0 .. m_k): starts at accept_day (r = 0) or hi_r, stops at lo_{r+1} or never.
    rank = pd.Series(k_iv).groupby(k_iv).cumcount().to_numpy() + 1 if len(k_iv) else np.zeros(0, np.int64)
    starts = pd.DataFrame(
        {
            "k": np.concatenate([np.arange(n), k_iv]),
            "r": np.concatenate([np.zeros(n, np.int64), rank]),
            "start": np.concatenate([accept_day, hi]),
        }
    ).sort_values(["k", "r"], kind="stable")
    count = np.bincount(k_iv, minlength=n) if len(k_iv) else np.zeros(n, np.int64)
    stops = pd.DataFrame(
        {
            "k": np.concatenate([k_iv, np.arange(n)]),
            "r": np.concatenate([rank - 1, count]),
            "stop": np.concatenate([lo, np.full(n, far)]),
        }
    ).sort_values(["k", "r"], kind="stable")
    k = starts["k"].to_numpy()
    start = starts["start"].to_numpy().astype("datetime64[D]")
    stop = stops["stop"].to_numpy().astype("datetime64[D]")
    last = np.isnat(stop)
    width = np.zeros(len(k), dtype=np.int64)
    if (~last).any():
        width[~last] = log.calendar.workdays_between(start[~last], stop[~last])
    through = pd.Series(width).groupby(k).cumsum().to_numpy()
    before = through - width
    need = limit[k]
    reached = last | (through >= need)
    first = pd.Series(reached).groupby(k).idxmax().to_numpy()  # first gap per case reaching the limit
    # a deadline in a year no calendar covers yet is unknown (NaT), not a reason to stop the scan
    days = log.calendar.add_workdays(start[first], need[first] - before[first], unknown="nat")
    return days.astype("datetime64[D]")


def _label(btype: Any) -> pd.Series:
    return pd.Series(btype).reset_index(drop=True).map(BUSINESS_TYPES).fillna("")


def _detail(f: pd.DataFrame) -> pd.Series:
    """（时限5个工作日，期限2026-09-14，已扣除中止3个工作日）"""
    s = f["suspended"].reset_index(drop=True).astype(np.int64)
    note = pd.Series(np.where(s > 0, "，已扣除中止" + fmt_int(s) + "个工作日", ""))
    deadline = pd.Series(fmt_day(f["deadline"])).fillna("待定（超出已知工作日历）")
    return "（时限" + fmt_int(f["limit"]) + "个工作日，期限" + deadline + note + "）"


def _evidence(f: pd.DataFrame, as_of: pd.Timestamp | None = None) -> dict[str, Any]:
    ev: dict[str, Any] = {
        "business_type": text(f["business_type"]).to_numpy(),
        "limit": f["limit"].to_numpy(),
        "elapsed": f["elapsed"].to_numpy(),
        "workdays": f["workdays"].to_numpy(),
        "suspended": f["suspended"].to_numpy(),
        "t_accept": f["t_accept"].to_numpy(),
        "deadline": fmt_day(f["deadline"]).to_numpy(),
    }
    if as_of is None:
        ev["t_end"] = f["t_end"].to_numpy()
        ev["over"] = (f["elapsed"] - f["limit"]).to_numpy()
    else:
        ev["as_of"] = as_of.strftime("%Y-%m-%d %H:%M:%S")
        ev["suspended_now"] = f["suspended_now"].to_numpy()
    return ev


@rule(
    "TL001",
    "超期办结",
    "completed over limit",
    severity="high",
    category="作风",
    basis=(6, 9, 20),
    fires_on="ended case (register/complete/reject) with elapsed working days > the limit of its business type",
    params=TimeLimitParams,
    columns=("business_type",),
    example="""
    transfer (limit 5) accepted Mon 2026-09-07, registered Mon 09-14: elapsed 5, on time
    the same registered Tue 09-15: elapsed 6 > 5  ->  TL001 受理后第6个工作日办结，超出时限1个工作日
    accepted Wed 2026-09-30, registered Wed 10-14 (10-01..07 holidays, Sat 10-10 worked): elapsed 6  ->  TL001
    """,
)
def completed_over_limit(log: EventLog, p: TimeLimitParams) -> pd.DataFrame:
    """受理后超过法定办理时限才办结（登簿、办结或不予登记）。

    Elapsed = working days after the acceptance day up to the end day (次日起算, official
    calendar with 调休 make-up days), minus suspended working days (中止 … 恢复). Fires when
    elapsed > limit; finishing on the limit day itself is on time. Cases without an
    acceptance, without a business type, of a type without a limit (查询) or withdrawn
    are not timed. The finding is dated at the case end.
    """
    t = timed_cases(log, p.limits)
    f = t.loc[(~t["open"] & (t["elapsed"] > t["limit"])).to_numpy()]
    if f.empty:
        return empty_findings()
    over = f["elapsed"] - f["limit"]
    message = (
        _label(f["business_type"])
        + "受理后第"
        + fmt_int(f["elapsed"])
        + "个工作日办结，超出时限"
        + fmt_int(over)
        + "个工作日"
        + _detail(f)
    )
    return findings(
        key=f["case_id"],
        case_id=f["case_id"],
        office_code=f["office_code"],
        unit_id=f["unit_id"],
        event_time=f["t_end"],
        message=message,
        evidence=_evidence(f),
    )


@rule(
    "TL002",
    "超期未办结",
    "open past limit",
    severity="critical",
    category="作风",
    basis=(6, 9, 20),
    fires_on="open case (no register/complete/reject/withdraw) with elapsed working days to as-of > its limit",
    params=TimeLimitParams,
    columns=("business_type",),
    example="""
    transfer (limit 5) accepted Mon 2026-09-07, still open at as-of Tue 09-15: elapsed 6 > 5
      ->  TL002 截至2026-09-15，转移登记受理后已用6个工作日仍未办结，超出时限1个工作日（时限5个工作日，期限2026-09-14）
    """,
)
def open_past_limit(log: EventLog, p: TimeLimitParams) -> pd.DataFrame:
    """已超过办理时限仍未办结的在办案件，需立即督办。

    Elapsed is counted to the date of as-of (--as-of, else the latest event of the
    export), minus suspended working days; an unpaired suspend runs to as-of. Fires when
    elapsed > limit. The finding is dated at as-of; the evidence names the deadline that
    has passed and whether the case is suspended right now.
    """
    t = timed_cases(log, p.limits)
    f = t.loc[(t["open"] & (t["elapsed"] > t["limit"])).to_numpy()]
    if f.empty:
        return empty_findings()
    over = f["elapsed"] - f["limit"]
    as_of = log.as_of
    now = pd.Series(np.where(f["suspended_now"].to_numpy(), "，目前处于中止状态", ""))
    message = (
        "截至"
        + as_of.strftime("%Y-%m-%d")
        + "，"
        + _label(f["business_type"])
        + "受理后已用"
        + fmt_int(f["elapsed"])
        + "个工作日仍未办结，超出时限"
        + fmt_int(over)
        + "个工作日"
        + _detail(f)
        + now
        + "，请立即督办"
    )
    return findings(
        key=f["case_id"],
        case_id=f["case_id"],
        office_code=f["office_code"],
        unit_id=f["unit_id"],
        event_time=[as_of] * len(f),
        message=message,
        evidence={**_evidence(f, as_of), "over": over.to_numpy()},
    )


@rule(
    "TL003",
    "临期预警",
    "deadline warning",
    severity="info",
    category="作风",
    basis=(6, 9, 20),
    fires_on="open case with limit − elapsed ≤ warn_days (default 1) and elapsed ≤ limit, at as-of",
    params=DeadlineWarningParams,
    columns=("business_type",),
    example="""
    transfer (limit 5) accepted Mon 2026-09-07, open at as-of Fri 09-11: elapsed 4, 1 day left
      ->  TL003 截至2026-09-11，转移登记受理后已用4个工作日，剩余1个工作日（时限5个工作日，期限2026-09-14）
    as-of Thu 09-10: elapsed 3, 2 days left  ->  no finding
    """,
)
def deadline_warning(log: EventLog, p: DeadlineWarningParams) -> pd.DataFrame:
    """临近办理期限的在办案件（超期前预警）。

    Fires on an open case whose remaining working days (limit − elapsed, counted to the
    date of as-of) are at most warn_days, while elapsed ≤ limit (past the limit it is
    TL002). The deadline is the day the limit is reached if the case is not suspended
    again; the finding is dated at as-of.
    """
    t = timed_cases(log, p.limits)
    left = t["limit"] - t["elapsed"]
    f = t.loc[(t["open"] & (left >= 0) & (left <= p.warn_days)).to_numpy()]
    if f.empty:
        return empty_findings()
    left = f["limit"] - f["elapsed"]
    as_of = log.as_of
    now = pd.Series(np.where(f["suspended_now"].to_numpy(), "，目前处于中止状态，恢复后继续计时", ""))
    message = (
        "截至"
        + as_of.strftime("%Y-%m-%d")
        + "，"
        + _label(f["business_type"])
        + "受理后已用"
        + fmt_int(f["elapsed"])
        + "个工作日，剩余"
        + fmt_int(left)
        + "个工作日"
        + _detail(f)
        + now
        + "，请在期限内办结"
    )
    return findings(
        key=f["case_id"],
        case_id=f["case_id"],
        office_code=f["office_code"],
        unit_id=f["unit_id"],
        event_time=[as_of] * len(f),
        message=message,
        evidence={**_evidence(f, as_of), "remaining": left.to_numpy()},
    )


__all__ = [
    "DEFAULT_LIMITS",
    "DeadlineWarningParams",
    "TimeLimitParams",
    "deadline_days",
    "timed_cases",
]
