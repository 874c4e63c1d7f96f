"""Queue order (插队, 压件) — checklist items 7, 20: cases served out of turn, cases left behind.

A queue is a set of cases with an *enter* and a *start* time. Case j overtook case i
(same queue) when enter_i < enter_j − tolerance and start_j < start_i. All queues of a
log are counted at once in O(n log n): (queue, time) pairs become single group-major
integer keys, and each count is one offline 2-D dominance count — a bottom-up merge
sort in numpy with cumulative sums per level (a Python loop over the log2 n levels,
never over cases, and never a pairwise join).

* hall queue (QJ001): enter = first ``ticket``, start = first ``call``, key = (office of
  the case, queue_id of its first ticket row; blank = the office's default queue).
* processing queue (QJ002, QJ004): cases with an ``accept`` and a ``review``; enter = the
  last ``resume`` strictly before the first review, else the first accept; start = the
  first review; key = (office, business_type).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from ..model import EventLog
from ..schema import BUSINESS_TYPES
from .base import NoParams, empty_findings, findings, fmt_int, fmt_time, rule, text

NS_PER_SECOND = 1_000_000_000

# -- counting ----------------------------------------------------------------------------


def dense_rank(values: np.ndarray) -> np.ndarray:
    """0-based dense ranks (equal values, equal rank) by one sort."""
    v = np.asarray(values)
    order = np.argsort(v, kind="stable")
    srt = v[order]
    step = np.ones(len(v), dtype=np.int64)
    if len(v):
        step[0] = 0
        step[1:] = srt[1:] != srt[:-1]
    out = np.empty(len(v), dtype=np.int64)
    out[order] = np.cumsum(step)
    return out


def _compact(values: np.ndarray, total: int) -> np.ndarray:
    """Non-negative ints in the same order, small enough that run * (max + 1) fits in int64."""
    lo, hi = int(values.min()), int(values.max())
    return values - lo if hi - lo < (1 << 61) // max(total, 1) else dense_rank(values)


def dominance_count(px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    """For each query q: #{points p : px <= qx and py < qy} (integer coordinates).

    Offline, bottom-up merge sort: points and queries form one sequence ordered by y
    (at equal y the queries come first, so only py < qy precedes); a query counts the
    points before it in the sequence with px <= qx. Level k merges pairs of runs of
    2**k elements sorted by x (one stable argsort of keys run * M + x, which timsort
    does as merges) and credits each query of a right run with the left run's points
    at or below its x (a cumulative sum). log2(n + m) levels, O((n + m) log(n + m)).
    """
    px, py, qx, qy = (np.asarray(a, dtype=np.int64) for a in (px, py, qx, qy))
    n, m = len(px), len(qx)
    out = np.zeros(m, dtype=np.int64)
    if not n or not m:
        return out
    total = n + m
    is_point = np.concatenate([np.ones(n, dtype=bool), np.zeros(m, dtype=bool)])
    y = _compact(np.concatenate([py, qy]), total)
    seq = np.argsort(y * 2 + is_point, kind="stable")  # by y; queries first on ties
    x = _compact(np.concatenate([px, qx]), total)[seq]
    point = is_point[seq]
    query_id = seq - n  # >= 0 for queries
    credit_of = np.zeros(total, dtype=np.int64)
    M = np.int64(x.max() + 1)
    slot = np.arange(total, dtype=np.int64)
    k = 0
    while (1 << k) < total:  # slots hold runs of 2**k elements sorted by x; merge pairs of runs
        left = ((slot >> k) & 1) == 0
        order = np.argsort((slot >> (k + 1)) * M + x, kind="stable")  # ties: the left run first
        x, point, query_id, credit_of, left = x[order], point[order], query_id[order], credit_of[order], left[order]
        below = np.zeros(total + 1, dtype=np.int64)
        np.cumsum(point & left, out=below[1:])
        run_start = (slot >> (k + 1)) << (k + 1)
        credit_of += np.where(~point & ~left, below[slot + 1] - below[run_start], 0)
        k += 1
    out[query_id[~point]] = credit_of[~point]
    return out


def _ranks(*arrays: np.ndarray) -> tuple[list[np.ndarray], np.int64]:
    """Joint dense ranks 1 .. R-2 of int arrays, and R: ``g * R + rank`` keeps every group in its own band."""
    sizes = [len(a) for a in arrays]
    ranks = dense_rank(np.concatenate(arrays)) + 1
    parts = np.split(ranks, np.cumsum(sizes)[:-1])
    return parts, np.int64((ranks.max() if len(ranks) else 0) + 2)


@dataclass(frozen=True)
class QueueCoords:
    """A set of queues as single int keys: X = (queue, enter) and Y = (queue, start), group-major."""

    g: np.ndarray
    e: np.ndarray
    s: np.ndarray
    tol: np.int64
    X: np.ndarray
    Y: np.ndarray
    x_late: np.ndarray  # X of enter + tol
    x_early: np.ndarray  # X of enter - tol

    @classmethod
    def build(cls, group: np.ndarray, enter: np.ndarray, start: np.ndarray, tolerance: int) -> QueueCoords:
        g = np.asarray(group, dtype=np.int64)
        e = np.asarray(enter, dtype=np.int64)
        s = np.asarray(start, dtype=np.int64)
        tol = np.int64(tolerance)
        (ex, ex_late, ex_early), rx = _ranks(e, e + tol, e - tol)
        (sy,), ry = _ranks(s)
        band = g * rx
        return cls(g, e, s, tol, band + ex, g * ry + sy, band + ex_late, band + ex_early)

    # Group-major keys turn the 3-sided "same queue" ranges into 2-sided ones: a case of a later
    # queue has a larger X *and* a larger Y, one of an earlier queue a smaller X and a smaller Y.

    def overtaken(self, by: np.ndarray | None = None) -> np.ndarray:
        """overtaken(i) = #{j (in ``by``): same queue, enter_j > enter_i + tol, start_j < start_i}
        = #{j: Y_j < Y_i} − #{j: X_j <= X(enter_i + tol), Y_j < Y_i}."""
        X, Y = (self.X, self.Y) if by is None else (self.X[by], self.Y[by])
        started_before = np.searchsorted(np.sort(Y), self.Y, side="left")
        return started_before - dominance_count(X, Y, self.x_late, self.Y)

    def jumped(self, among: np.ndarray | None = None) -> np.ndarray:
        """|jumped(j)| = #{i (in ``among``): same queue, enter_i < enter_j − tol, start_i > start_j}
        = #{i: X_i < X(enter_j − tol)} − #{i: X_i < X(enter_j − tol), Y_i <= Y_j}."""
        X, Y = (self.X, self.Y) if among is None else (self.X[among], self.Y[among])
        entered_before = np.searchsorted(np.sort(X), self.x_early, side="left")
        return entered_before - dominance_count(X, Y, self.x_early - 1, self.Y + 1)

    def longest_waiting_victim(self, tiebreak: np.ndarray | None = None) -> np.ndarray:
        """For each j: the case j overtook with the smallest (enter, tiebreak), or -1.

        Among the cases of j's queue that started strictly after j, the one that entered
        first (a suffix minimum in (queue, start) order); it is a victim iff it entered
        more than the tolerance before j.
        """
        g, e = self.g, self.e
        n = len(g)
        if not n:
            return np.zeros(0, dtype=np.int64)
        tb = np.arange(n) if tiebreak is None else np.asarray(tiebreak)
        by_wait = np.lexsort((tb, e, g))  # group-major: a later queue never wins a suffix minimum
        wait_rank = np.empty(n, dtype=np.int64)
        wait_rank[by_wait] = np.arange(n)
        by_start = np.argsort(self.Y, kind="stable")
        suffix = np.append(np.minimum.accumulate(wait_rank[by_start][::-1])[::-1], n)
        after = np.searchsorted(self.Y[by_start], self.Y, side="right")  # first case starting later
        best = suffix[after]
        cand = by_wait[np.minimum(best, n - 1)]
        ok = (best < n) & (g[cand] == g) & (e[cand] < e - self.tol)
        return np.where(ok, cand, -1)


# -- queue tables -----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueTable:
    """One row per queue participant (``frame``) and the coordinates to count more with (``coords``).

    frame: case, case_id, office_code, unit_id, queue, group, enter, start, operator_id (of the
    start event), justified (priority with reason), overtaken, jumped, victim (row of the
    longest-waiting case it overtook, -1), victim_case_id, victim_enter, victim_start.
    """

    frame: pd.DataFrame
    coords: QueueCoords


def _ns(values: pd.Series | np.ndarray) -> np.ndarray:
    return np.asarray(values).astype("datetime64[ns]").view(np.int64)


def _first_rows(log: EventLog, activity: str, columns: list[str]) -> pd.DataFrame:
    """The first row (event_time, input order) of ``activity`` per case, indexed by case."""
    rows = log.activity_rows(activity)
    cols = ["case", "event_time", *[c for c in columns if c in rows.columns]]
    first = rows[cols].drop_duplicates("case", keep="first").set_index("case")
    for c in columns:
        if c not in first.columns:
            first[c] = pd.Series(np.nan, index=first.index, dtype=object)
    return first


def _case_text(c: pd.DataFrame, name: str) -> pd.Series:
    return c[name].astype(object) if name in c.columns else pd.Series(np.nan, index=c.index, dtype=object)


def _justified(c: pd.DataFrame) -> np.ndarray:
    """priority true and a non-blank priority_reason (绿色通道 with a reason)."""
    if "priority" not in c.columns:
        return np.zeros(len(c), dtype=bool)
    prio = c["priority"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    reason = _case_text(c, "priority_reason")
    return prio & reason.notna().to_numpy() & (reason.astype(str).str.len() > 0).to_numpy()


def _table(
    log: EventLog,
    case: np.ndarray,
    enter: np.ndarray,
    start: np.ndarray,
    queue: np.ndarray,
    operator: np.ndarray,
    tolerance_ns: int,
) -> QueueTable:
    """Participants of a set of queues with their overtaken/jumped counts and victim."""
    c = log.cases.iloc[case]
    office = text(c["office_code"]).to_numpy()
    group = pd.MultiIndex.from_arrays([office, queue]).factorize()[0] if len(case) else np.zeros(0, np.int64)
    case_id = c["case_id"].astype(str).to_numpy()
    coords = QueueCoords.build(group, _ns(enter), _ns(start), tolerance_ns)
    victim = coords.longest_waiting_victim(tiebreak=np.argsort(np.argsort(case_id, kind="stable")))
    has = victim >= 0
    out = pd.DataFrame(
        {
            "case": case,
            "case_id": case_id,
            "office_code": office,
            "unit_id": _case_text(c, "unit_id").to_numpy(),
            "queue": queue,
            "group": group,
            "enter": np.asarray(enter).astype("datetime64[ns]"),
            "start": np.asarray(start).astype("datetime64[ns]"),
            "operator_id": operator,
            "justified": _justified(c),
            "overtaken": coords.overtaken(),
            "jumped": coords.jumped(),
            "victim": victim,
        }
    )
    vi = np.where(has, victim, 0)
    out["victim_case_id"] = np.where(has, case_id[vi] if len(case) else None, None)
    out["victim_enter"] = np.where(has, out["enter"].to_numpy()[vi], np.datetime64("NaT"))
    out["victim_start"] = np.where(has, out["start"].to_numpy()[vi], np.datetime64("NaT"))
    return QueueTable(out, coords)


def hall_queue(log: EventLog, tolerance_seconds: float = 0) -> QueueTable:
    """QJ001's queues: enter = first ticket, start = first call, key = (office, queue_id of the first ticket)."""
    tol = round(tolerance_seconds * NS_PER_SECOND)
    return log.memo(f"queue:hall:{tol}", lambda: _hall_queue(log, tol))


def _hall_queue(log: EventLog, tol: int) -> QueueTable:
    tickets = _first_rows(log, "ticket", ["queue_id"])
    calls = _first_rows(log, "call", ["operator_id"])
    both = tickets.join(calls, how="inner", lsuffix="_ticket", rsuffix="_call").sort_index()
    queue = text(both["queue_id"], "").to_numpy()  # blank = the office's default queue
    return _table(
        log,
        both.index.to_numpy(dtype=np.int64),
        both["event_time_ticket"].to_numpy(),
        both["event_time_call"].to_numpy(),
        queue,
        both["operator_id"].astype(object).to_numpy(),
        tol,
    )


def processing_queue(log: EventLog, tolerance_hours: float = 24) -> QueueTable:
    """QJ002/QJ004's queues: cases with accept and review; key = (office, business_type)."""
    tol = round(tolerance_hours * 3600 * NS_PER_SECOND)
    return log.memo(f"queue:processing:{tol}", lambda: _processing_queue(log, tol))


def _processing_queue(log: EventLog, tol: int) -> QueueTable:
    c = log.cases
    part = np.flatnonzero((c["t_accept"].notna() & c["t_review"].notna()).to_numpy())
    t_accept = c["t_accept"].to_numpy()[part]
    t_review = c["t_review"].to_numpy()[part]
    # enter = the last resume strictly earlier than the first review, else the first accept
    res = log.activity_rows("resume")[["case", "event_time"]]
    review_of = pd.Series(c["t_review"].to_numpy(), index=pd.RangeIndex(len(c)))
    res = res[(res["event_time"].to_numpy() < review_of.to_numpy()[res["case"].to_numpy()])]
    last_resume = res.groupby("case")["event_time"].max().reindex(part)
    resumed = last_resume.notna().to_numpy()
    enter = np.where(resumed, last_resume.to_numpy(dtype="datetime64[ns]"), t_accept.astype("datetime64[ns]"))
    reviews = _first_rows(log, "review", ["operator_id"]).reindex(part)
    btype = _case_text(c, "business_type").to_numpy()[part]
    queue = np.where(pd.isna(btype), "", btype.astype(str))
    table = _table(log, part, enter, t_review, queue, reviews["operator_id"].astype(object).to_numpy(), tol)
    table.frame["resumed"] = resumed
    return table


# -- rules ----------------------------------------------------------------------------------


class HallQueueParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tolerance_seconds: float = Field(
        0, ge=0, description="取号时间相差不超过此秒数的两个号，叫号先后不算插队（enter_i < enter_j − tolerance）"
    )


class ProcessingQueueParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tolerance_hours: float = Field(
        24, ge=0, description="入队时间相差不超过此小时数的案件，审核先后不算插队（QJ002 与 QJ004 应取同一值）"
    )
    held_back_min: int = Field(
        5, ge=1, description="被此数量及以上的案件超越即为压件（QJ004）；其超越者不再单独记 QJ002（两条规则应取同一值）"
    )


def _operator_note(op: pd.Series, role: str) -> pd.Series:
    op = text(op, "")
    return pd.Series(np.where(op.str.len() > 0, "，" + role + op, "，" + role + "未记录"))


def _queue_label(f: pd.DataFrame, default: str) -> pd.Series:
    """340102/A, 340102/默认队列, 340102/转移登记."""
    q = text(f["queue"], "").map(lambda v: BUSINESS_TYPES.get(v, v))
    return text(f["office_code"]) + "/" + pd.Series(np.where(q.str.len() > 0, q, default))


def _order_evidence(f: pd.DataFrame, tolerance: dict[str, float]) -> dict[str, object]:
    return {
        "queue": text(f["queue"], "").to_numpy(),
        "enter": f["enter"].to_numpy(),
        "start": f["start"].to_numpy(),
        "overtook": f["jumped"].to_numpy(),
        "overtaken": f["overtaken"].to_numpy(),
        "longest_waiting_case": f["victim_case_id"].to_numpy(),
        "longest_waiting_enter": f["victim_enter"].to_numpy(),
        "longest_waiting_start": f["victim_start"].to_numpy(),
        **tolerance,
        "operator_id": text(f["operator_id"], "").to_numpy(),
    }


@rule(
    "QJ001",
    "叫号插队",
    "hall queue jump",
    severity="high",
    category="作风",
    basis=(7, 20),
    fires_on="hall queue: the case was called before a case of its queue that took its ticket earlier "
    "(enter_i < enter_j − tolerance and start_j < start_i); not on justified priority (priority + reason)",
    params=HallQueueParams,
    columns=("queue_id", "operator_id", "priority", "priority_reason"),
    example="""
    queue 340102/默认: A ticket 09:00:00, B ticket 09:00:01; B called 09:10, A called 09:20
      ->  QJ001 on B (B jumped A), operator = who called B
    A and B took tickets in the same second  ->  no finding (tolerance 0, strict)
    """,
)
def hall_queue_jump(log: EventLog, p: HallQueueParams) -> pd.DataFrame:
    """取号在后却先被叫号（大厅叫号插队）。

    The hall queue of a case is (its office, the queue_id of its first ticket; blank = the
    office's default queue); enter = first ticket, start = first call, and only cases with
    both take part. Fires on every case that overtook at least one case of its queue,
    except a priority case with a non-blank priority_reason (绿色通道). The operator is
    the one who called the flagged ticket.
    """
    t = hall_queue(log, p.tolerance_seconds).frame
    f = t.loc[((t["jumped"] > 0) & ~t["justified"]).to_numpy()]
    if f.empty:
        return empty_findings()
    message = (
        fmt_time(f["enter"])
        + "取号、"
        + fmt_time(f["start"])
        + "叫号，先于"
        + _queue_label(f, "默认队列")
        + "队列中"
        + fmt_int(f["jumped"])
        + "个更早取号的案件被叫号（等候最久的"
        + text(f["victim_case_id"])
        + "于"
        + fmt_time(f["victim_enter"])
        + "取号、"
        + fmt_time(f["victim_start"])
        + "才叫号）"
        + _operator_note(f["operator_id"], "叫号人")
    )
    return findings(
        key=f["case_id"],
        case_id=f["case_id"],
        office_code=f["office_code"],
        unit_id=f["unit_id"],
        operator_id=f["operator_id"],
        event_time=f["start"],
        message=message,
        evidence=_order_evidence(f, {"tolerance_seconds": p.tolerance_seconds}),
    )


def _held_note(held: np.ndarray) -> pd.Series:
    return pd.Series(np.where(held > 0, "，其中" + fmt_int(held) + "件已另记压件", ""))


def _enter_word(f: pd.DataFrame) -> pd.Series:
    return pd.Series(np.where(f["resumed"].to_numpy(), "恢复办理", "受理"))


@rule(
    "QJ002",
    "审核顺序插队",
    "out-of-order processing",
    severity="medium",
    category="作风",
    basis=(7, 20),
    fires_on="processing queue: the case was reviewed before a case of its (office, business_type) queue that "
    "entered more than 24 h earlier and is overtaken by fewer than held_back_min (5) cases; "
    "not on justified priority",
    params=ProcessingQueueParams,
    columns=("business_type", "operator_id", "priority", "priority_reason"),
    example="""
    transfer A accepted Mon 09:00, reviewed Wed; transfer B accepted Tue 10:00 (25 h later), reviewed Tue 11:00
      ->  QJ002 on B (operator = B's reviewer)
    B accepted exactly 24:00:00 after A  ->  no finding (strict, tolerance 24 h)
    """,
)
def out_of_order_processing(log: EventLog, p: ProcessingQueueParams) -> pd.DataFrame:
    """受理（入队）在后却先被审核（审核顺序插队）。

    Processing queue: cases with an accept and a review, keyed by (office, business_type);
    enter = the last resume strictly before the first review, else the first accept;
    start = the first review. Fires on a case that overtook at least one case that is not
    itself held back (overtaken by fewer than held_back_min cases — a held-back case is
    QJ004's finding, not every overtaker's). A priority case with a non-blank reason is
    exempt. The operator is the one who did the flagged case's first review.
    """
    table = processing_queue(log, p.tolerance_hours)
    t, coords = table.frame, table.coords
    if t.empty:
        return empty_findings()
    not_held = (t["overtaken"] < p.held_back_min).to_numpy()
    fair_victims = coords.jumped(among=not_held)
    hit = (fair_victims > 0) & ~t["justified"].to_numpy()
    f = t.loc[hit]
    if f.empty:
        return empty_findings()
    message = (
        _enter_word(f)
        + fmt_time(f["enter"])
        + "、审核"
        + fmt_time(f["start"])
        + "，先于"
        + _queue_label(f, "未填业务类型")
        + "队列中"
        + fmt_int(f["jumped"])
        + "个早"
        + f"{p.tolerance_hours:g}"
        + "小时以上入队的案件审核（等候最久的"
        + text(f["victim_case_id"])
        + "于"
        + fmt_time(f["victim_enter"])
        + "入队、"
        + fmt_time(f["victim_start"])
        + "才审核）"
        + _held_note(f["jumped"].to_numpy() - fair_victims[hit])
        + _operator_note(f["operator_id"], "审核人")
    )
    evidence = _order_evidence(f, {"tolerance_hours": p.tolerance_hours})
    evidence["overtook_not_held_back"] = fair_victims[hit]
    return findings(
        key=f["case_id"],
        case_id=f["case_id"],
        office_code=f["office_code"],
        unit_id=f["unit_id"],
        operator_id=f["operator_id"],
        event_time=f["start"],
        message=message,
        evidence=evidence,
    )


@rule(
    "QJ004",
    "压件",
    "held-back case",
    severity="medium",
    category="作风",
    basis=(7, 20),
    fires_on="processing queue: overtaken by ≥ held_back_min (5) cases of its (office, business_type) queue "
    "that entered more than 24 h later (justified priority cases count too)",
    params=ProcessingQueueParams,
    columns=("business_type", "operator_id"),
    example="""
    transfer A accepted Mon 09:00, reviewed Fri; five transfers accepted Tue and reviewed Tue
      ->  QJ004 on A (overtaken 5), and no QJ002 for the five (their only victim is held back)
    """,
)
def held_back_case(log: EventLog, p: ProcessingQueueParams) -> pd.DataFrame:
    """案件被多件后入队的同类案件超越审核（压件）。

    Same processing queue as QJ002. Fires on a case overtaken by at least held_back_min
    cases — every overtaker counts, justified priority ones included. The operator is
    the one who finally did the held-back case's first review.
    """
    t = processing_queue(log, p.tolerance_hours).frame
    f = t.loc[(t["overtaken"] >= p.held_back_min).to_numpy()]
    if f.empty:
        return empty_findings()
    waited = (f["start"] - f["enter"]).dt.total_seconds() / 3600
    message = (
        _enter_word(f)
        + fmt_time(f["enter"])
        + "后，被"
        + _queue_label(f, "未填业务类型")
        + "队列中"
        + fmt_int(f["overtaken"])
        + "个晚"
        + f"{p.tolerance_hours:g}"
        + "小时以上入队的案件抢先审核，"
        + fmt_time(f["start"])
        + "才审核，疑似压件"
        + _operator_note(f["operator_id"], "审核人")
    )
    return findings(
        key=f["case_id"],
        case_id=f["case_id"],
        office_code=f["office_code"],
        unit_id=f["unit_id"],
        operator_id=f["operator_id"],
        event_time=f["start"],
        message=message,
        evidence={
            "queue": text(f["queue"], "").to_numpy(),
            "enter": f["enter"].to_numpy(),
            "start": f["start"].to_numpy(),
            "overtakers": f["overtaken"].to_numpy(),
            "waited_hours": waited.round(1).to_numpy(),
            "held_back_min": p.held_back_min,
            "tolerance_hours": p.tolerance_hours,
            "operator_id": text(f["operator_id"], "").to_numpy(),
        },
    )


@rule(
    "QJ003",
    "优先无依据",
    "priority without reason",
    severity="medium",
    category="作风",
    basis=(7, 20),
    fires_on="case attribute priority true and priority_reason blank (first non-empty values over the case's rows)",
    columns=("priority", "priority_reason", "operator_id"),
    example="""
    accept row priority 是, no priority_reason on any row  ->  QJ003
    priority 1 on accept, priority_reason 老年人 on the later review row  ->  no finding
    """,
)
def priority_without_reason(log: EventLog, p: NoParams) -> pd.DataFrame:
    """标记优先办理（绿色通道、加急）却没有填写优先原因。

    priority and priority_reason are case attributes: the first non-empty value over the
    case's rows in (event_time, input order). The finding is dated at, and names the
    operator of, the first row carrying the priority value.
    """
    c = log.cases
    if "priority" not in c.columns:
        return empty_findings()
    prio = c["priority"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    reason = _case_text(c, "priority_reason")
    blank = reason.isna().to_numpy() | (reason.astype(str).str.len() == 0).to_numpy()
    hit = np.flatnonzero(prio & blank)
    if not len(hit):
        return empty_findings()
    ev = log.events
    marked = ev.loc[ev["priority"].notna().to_numpy(), ["case", "event_time"]]
    if "operator_id" in ev.columns:
        marked = marked.assign(operator_id=ev.loc[marked.index, "operator_id"])
    else:
        marked = marked.assign(operator_id=np.nan)
    first = marked.drop_duplicates("case").set_index("case").reindex(hit)
    f = c.iloc[hit]
    return findings(
        key=f["case_id"],
        case_id=f["case_id"],
        office_code=f["office_code"],
        unit_id=_case_text(f, "unit_id"),
        operator_id=first["operator_id"].astype(object),
        event_time=first["event_time"],
        message=pd.Series(["标记为优先办理但未填写优先原因，绿色通道须有依据"] * len(f))
        + _operator_note(first["operator_id"], "标记人"),
        evidence={
            "priority": True,
            "priority_reason": "",
            "marked_at": first["event_time"].to_numpy(),
            "operator_id": text(first["operator_id"], "").to_numpy(),
        },
    )
