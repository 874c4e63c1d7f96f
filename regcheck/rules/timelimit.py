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
from pandas.api.extensions import ExtensionArray
from pydantic import BaseModel, ConfigDict, Field, field_validator

from ..errors import quote
from ..model import EventLog
from ..schema import BUSINESS_TYPES, enum_lookup
from .base import case_findings, empty_findings, fmt_day, fmt_int, number, rule, template, text, zh_labels

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

# the words that set a business type's limit to "not timed", in any case (config [limits] and params alike)
NO_LIMIT_WORDS = frozenset({"none", "无", "不限", "-"})
MAX_LIMIT_DAYS = 1000  # a limit (or warn_days) beyond this many working days is a typo, not a rule


def no_limit(value: Any) -> bool:
    """Whether a configured limit means "not timed": None, false, or one of :data:`NO_LIMIT_WORDS`."""
    return value is None or value is False or (isinstance(value, str) and value.strip().lower() in NO_LIMIT_WORDS)


class TimeLimitParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limits: dict[str, int | None] = Field(
        default_factory=lambda: dict(DEFAULT_LIMITS),
        description="办理时限（工作日）by business_type; types given in the config replace the default, "
        f'the others keep it; "none" = not timed (each 0–{MAX_LIMIT_DAYS:,})',
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
                raise ValueError(f"unknown business_type {quote(raw_type)} (one of {', '.join(BUSINESS_TYPES)})")
            if no_limit(raw_limit):
                merged[code] = None
                continue
            if isinstance(raw_limit, bool) or not isinstance(raw_limit, int | str):
                raise ValueError(f"limit of {code}: a whole number of working days or 'none'")
            try:
                limit = int(str(raw_limit).strip())
            except ValueError:
                raise ValueError(f"limit of {code}: a whole number of working days or 'none'") from None
            if not 0 <= limit <= MAX_LIMIT_DAYS:
                raise ValueError(f"limit of {code} must be within 0–{MAX_LIMIT_DAYS:,} working days")
            merged[code] = limit
        return merged


class DeadlineWarningParams(TimeLimitParams):
    warn_days: int = number(
        1, ge=0, le=MAX_LIMIT_DAYS, description="预警：剩余工作日（limit − elapsed）不超过此数即提示"
    )


def timed_cases(log: EventLog, limits: dict[str, int | None]) -> pd.DataFrame:
    """Every timed case with a limit: timing + case columns + ``limit`` and ``deadline``.

    The case columns are taken as they are in ``log.cases`` (unit_id and business_type
    of a loaded log are categoricals).

    Not timed: no t_accept, withdrawn (both absent from ``log.timing()``), no
    business_type, or a type whose limit is None.
    """
    key = "timelimit:" + repr(sorted(limits.items()))
    return log.memo(key, lambda: _timed_cases(log, limits))


def _timed_cases(log: EventLog, limits: dict[str, int | None]) -> pd.DataFrame:
    cases = log.cases
    t = log.timing()
    idx = t.index.to_numpy()
    if "business_type" in cases.columns:
        btype = pd.Categorical(cases["business_type"])
        # the limit of each category (-1: not timed), then per case by its code (-1 = missing -> last entry)
        per_type = [limits.get(b) for b in btype.categories]
        limit_of = np.array([-1 if v is None else v for v in per_type] + [-1], dtype=np.int64)
        limit = limit_of[btype.codes[idx]]
    else:
        limit = np.full(len(idx), -1, dtype=np.int64)
    keep = np.flatnonzero(limit >= 0)
    rows = idx[keep]

    def pick(col: str) -> ExtensionArray | None:
        return cases[col].take(rows).array if col in cases.columns else None

    out = t.iloc[keep]
    return out.assign(
        case_id=pick("case_id"),
        office_code=pick("office_code"),
        unit_id=pick("unit_id"),
        business_type=pick("business_type"),
        t_accept=pick("t_accept"),
        t_end=pick("t_end"),
        limit=limit[keep],
        deadline=deadline_days(log, rows, out["accept_day"].to_numpy(), limit[keep]),
    )


def deadline_days(log: EventLog, cases: np.ndarray, accept_day: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """The date on which elapsed reaches ``limit``: the limit-th working day after acceptance
    that is not suspended (the acceptance day itself for limit 0).

    Exact whenever elapsed >= limit; for a case still short of its limit it is the projection
    assuming no further suspension after the case's end day (as-of for an open case).
    A suspended case is walked through its unsuspended gaps (a, lo1], (hi1, lo2], …, (hi_m, ∞),
    vectorised over the gaps of all suspended cases (``cases`` distinct).
    """
    n = len(cases)
    if not n:
        return np.zeros(0, dtype="datetime64[D]")
    accept_day = accept_day.astype("datetime64[D]")
    iv = log.suspension_intervals()  # sorted by (case, lo): the intervals of a case are one run
    pos_of = np.full(log.n_cases, -1, dtype=np.int64)
    pos_of[cases] = np.arange(n)
    k_iv = pos_of[iv["case"].to_numpy()]
    ours = k_iv >= 0
    k_iv = k_iv[ours]
    lo = iv["lo"].to_numpy()[ours].astype("datetime64[D]")
    hi = iv["hi"].to_numpy()[ours].astype("datetime64[D]")
    # Without suspension: limit working days after acceptance. A suspended case (m_k intervals) has
    # m_k + 1 gaps, gap r of suspended case j at first_gap[j] + r: gap 0 starts at accept_day, gap
    # r >= 1 at hi_r; gap r - 1 stops at lo_r, the last gap never. Its deadline is in the first gap
    # whose working days, added to the earlier gaps', reach the limit.
    start_day, steps = accept_day.copy(), limit.copy()
    count = np.bincount(k_iv, minlength=n)
    sus = np.flatnonzero(count)
    j_iv = (np.cumsum(count > 0) - 1)[k_iv]  # position of the interval's case in sus
    count = count[sus]
    first_gap = np.arange(len(sus)) + np.cumsum(count) - count
    new_run = np.ones(len(j_iv), dtype=bool)
    new_run[1:] = j_iv[1:] != j_iv[:-1]
    run_start = np.flatnonzero(new_run)
    rank = np.arange(len(j_iv)) - run_start[np.cumsum(new_run) - 1] + 1  # 1-based within the case
    at = first_gap[j_iv] + rank
    start = np.empty(len(sus) + len(j_iv), dtype="datetime64[D]")
    start[first_gap] = accept_day[sus]
    start[at] = hi
    stop = np.full(len(start), np.datetime64("NaT"), dtype="datetime64[D]")
    stop[at - 1] = lo
    j = np.repeat(np.arange(len(sus)), count + 1)
    last = np.isnat(stop)
    width = np.zeros(len(j), dtype=np.int64)
    if (~last).any():
        width[~last] = log.calendar.workdays_between(start[~last], stop[~last])
    through = np.cumsum(width)
    through -= (through[first_gap] - width[first_gap])[j]  # cumulative within the case
    need = limit[sus][j]
    reached = np.flatnonzero(last | (through >= need))
    first = reached[np.searchsorted(reached, first_gap)]  # first gap per case reaching the limit
    start_day[sus] = start[first]
    steps[sus] = need[first] - (through[first] - width[first])
    # a deadline in a year no calendar covers yet is unknown (NaT), not a reason to stop the scan
    days = log.calendar.add_workdays(start_day, steps, unknown="nat")
    return days.astype("datetime64[D]")


def _detail(f: pd.DataFrame) -> pd.Series:
    """（时限5个工作日，期限2026-09-14，已扣除中止3个工作日）"""
    s = f["suspended"].reset_index(drop=True).astype(np.int64)
    note = np.where(s > 0, template("，已扣除中止{days}个工作日", days=fmt_int(s)), "")
    deadline = pd.Series(fmt_day(f["deadline"])).fillna("待定（超出已知工作日历）")
    return template(
        "（时限{limit}个工作日，期限{deadline}{note}）", limit=fmt_int(f["limit"]), deadline=deadline, note=note
    )


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

    ## What it does
    已办结案件（登簿、办结或不予登记）的用时 = 受理日次日起至办结日的工作日数（官方日历含调休），
    减去中止期间的工作日（中止…恢复）；超过其业务类型的时限即报。
    Elapsed = working days after the acceptance day up to the end day (次日起算, official calendar
    with 调休 make-up days), minus suspended working days (中止 … 恢复). Fires on an ended case
    (register, complete or reject) when elapsed > the limit of its business type.
    数据源没有中止记录（接入报文、标准表）时，每条发现注明“数据源无中止记录”，请核实是否有公告、补正等中止。
    On a source without suspensions (access messages, standard tables) every finding says so:
    evidence ``"suspensions": "unknown in source"``, and the message asks to check for a 公告/补正.

    ## Why it matters
    不动产登记暂行条例第20条规定30个工作日，本省一般登记和抵押登记压缩至5个工作日（清单第6、9项）；
    超期办结是作风问题。
    The statute allows 30 working days (暂行条例 art. 20) and this province's checklist cuts
    general and mortgage registration to 5 (checklist items 6 and 9); finishing late is a conduct
    problem.

    ## Exempt
    在期限当天办结不算超期；没有受理、没有业务类型、业务类型无时限（查询）或已撤回的案件不计时。
    Finishing on the limit day itself is on time. Cases without an acceptance, without a business
    type, of a type without a limit (查询) or withdrawn are not timed.

    ## Dated at
    案件办结时间（登簿、办结、不予登记中最早者）。
    The case end: the earliest of register, complete and reject.
    """
    t = timed_cases(log, p.limits)
    f = t.loc[(~t["open"] & (t["elapsed"] > t["limit"])).to_numpy()]
    if f.empty:
        return empty_findings()
    over = f["elapsed"] - f["limit"]
    message = template(
        "{business}受理后第{elapsed}个工作日办结，超出时限{over}个工作日{detail}",
        business=zh_labels(f["business_type"], BUSINESS_TYPES),
        elapsed=fmt_int(f["elapsed"]),
        over=fmt_int(over),
        detail=_detail(f),
    )
    evidence = _evidence(f)
    if "suspensions" in log.source.lacks:  # messages, standard tables: no suspend rows (sources.md §6)
        message = message + "；数据源无中止记录，请核实是否有公告/补正等中止"
        evidence["suspensions"] = "unknown in source"
    return case_findings(
        log,
        f.index,
        event_time=f["t_end"],
        message=message,
        evidence=evidence,
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
    facts=("open_cases",),
    example="""
    transfer (limit 5) accepted Mon 2026-09-07, still open at as-of Tue 09-15: elapsed 6 > 5
      ->  TL002 截至2026-09-15，转移登记受理后已用6个工作日仍未办结，超出时限1个工作日（时限5个工作日，期限2026-09-14）
    """,
)
def open_past_limit(log: EventLog, p: TimeLimitParams) -> pd.DataFrame:
    """已超过办理时限仍未办结的在办案件，需立即督办。

    ## What it does
    在办案件（无登簿、办结、不予登记、撤回）用时计到 as-of 日，减去中止的工作日（未恢复的中止计到 as-of），
    超过时限即报。
    Elapsed is counted to the date of as-of (--as-of; with --period the month's last second, or the
    latest event if that is earlier; else the latest event of the export; rows after as-of are set
    aside), minus suspended working days; an unpaired suspend runs to as-of. Fires on an open case
    when elapsed > limit; the evidence names the deadline that has passed and whether the case is
    suspended right now.

    ## Why it matters
    超期未办结的案件越拖越久，须在月度检查和每日预警中督办（清单第6、9、20项）。
    An open case past its limit only gets later; the monthly check and the daily warning exist to
    chase it (checklist items 6, 9 and 20).

    ## Exempt
    已办结或撤回的案件（办结后超期是TL001）；没有受理、业务类型或时限的案件；恰好用满时限的。
    Ended or withdrawn cases (late ends are TL001's); cases without an acceptance, a business type
    or a limit; a case exactly at its limit.

    ## Dated at
    as-of（使用 --period 时为当月月末）。
    The scan's as-of (with --period, the end of the month).
    """
    t = timed_cases(log, p.limits)
    f = t.loc[(t["open"] & (t["elapsed"] > t["limit"])).to_numpy()]
    if f.empty:
        return empty_findings()
    over = f["elapsed"] - f["limit"]
    state = template("仍未办结，超出时限{over}个工作日", over=fmt_int(over))
    return _open_case_findings(log, f, state, "，目前处于中止状态", "，请立即督办", {"over": over.to_numpy()})


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
    facts=("open_cases",),
    example="""
    transfer (limit 5) accepted Mon 2026-09-07, open at as-of Fri 09-11: elapsed 4, 1 day left
      ->  TL003 截至2026-09-11，转移登记受理后已用4个工作日，剩余1个工作日（时限5个工作日，期限2026-09-14）
    as-of Thu 09-10: elapsed 3, 2 days left  ->  no finding
    """,
)
def deadline_warning(log: EventLog, p: DeadlineWarningParams) -> pd.DataFrame:
    """临近办理期限的在办案件（超期前预警）。

    ## What it does
    在办案件剩余工作日（时限 − 用时，计到 as-of 日）不超过 warn_days 且尚未超期，即报。
    Fires on an open case whose remaining working days (limit − elapsed, counted to the date of
    as-of) are at most warn_days, while elapsed ≤ limit. The deadline is the day the limit is
    reached if the case is not suspended again.

    ## Why it matters
    清单第20项要求超期前预警、按序办理：在到期前提醒，才能避免超期。
    Checklist item 20 asks for a warning before a case goes overdue: reminding before the
    deadline is how it is met.

    ## Exempt
    已超期的是TL002的发现；剩余日数多于 warn_days 的、已办结或撤回的、不计时的案件不报。
    Cases past the limit (TL002's), with more than warn_days left, ended, withdrawn or not timed.

    ## Dated at
    as-of（与TL002相同：使用 --period 时为当月月末）。
    The scan's as-of, as TL002 takes it (with --period, the end of the month).
    """
    t = timed_cases(log, p.limits)
    left = t["limit"] - t["elapsed"]
    f = t.loc[(t["open"] & (left >= 0) & (left <= p.warn_days)).to_numpy()]
    if f.empty:
        return empty_findings()
    left = f["limit"] - f["elapsed"]
    state = template("，剩余{left}个工作日", left=fmt_int(left))
    suspended = "，目前处于中止状态，恢复后继续计时"
    return _open_case_findings(log, f, state, suspended, "，请在期限内办结", {"remaining": left.to_numpy()})


def _open_case_findings(
    log: EventLog, f: pd.DataFrame, state: pd.Series, suspended: str, closing: str, extra: dict[str, Any]
) -> pd.DataFrame:
    """TL002/TL003: open cases dated at as-of, "截至…，…受理后已用N个工作日" + ``state`` + the limit and
    deadline + ``suspended`` for a case suspended now + ``closing``; evidence plus ``extra``."""
    as_of = log.as_of
    message = template(
        "截至{as_of}，{business}受理后已用{elapsed}个工作日{state}{detail}{now}{closing}",
        as_of=as_of.strftime("%Y-%m-%d"),
        business=zh_labels(f["business_type"], BUSINESS_TYPES),
        elapsed=fmt_int(f["elapsed"]),
        state=state,
        detail=_detail(f),
        now=np.where(f["suspended_now"].to_numpy(), suspended, ""),
        closing=closing,
    )
    return case_findings(
        log,
        f.index,
        event_time=[as_of] * len(f),
        message=message,
        evidence={**_evidence(f, as_of), **extra},
    )


__all__ = [
    "DEFAULT_LIMITS",
    "DeadlineWarningParams",
    "TimeLimitParams",
    "deadline_days",
    "timed_cases",
]
