"""Queue order (插队, 压件) — checklist items 7, 20: cases served out of turn, cases left behind.

A queue is a set of cases with an *enter* and a *start* time. Case j overtook case i
(same queue) when enter_i < enter_j − tolerance and start_j < start_i. All queues of a
log are handled at once in O(n log n): (queue, time) pairs become single group-major
integer keys. Whether a case overtook anyone, or was overtaken (k times), takes one sort
and running maxima / minima; the exact counts, needed only for those cases, are offline
2-D dominance counts — a bottom-up merge sort in numpy with cumulative sums per level (a
Python loop over the log2 n levels, never over cases, and never a pairwise join), or a
2-D prefix sum over the grid of the queries' coordinates when there are few queries.

* hall queue (QJ001): enter = first ``ticket``, start = first ``call``, key = (office of
  the case, queue_id of its first ticket row; blank = the office's default queue).
* processing queue (QJ002, QJ004): cases with an ``accept`` and a ``review``; enter = the
  last ``resume`` strictly before the first review, else the first accept; start = the
  first review; key = (office, business_type).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict

from ..model import EventLog
from ..schema import BUSINESS_TYPES
from .base import (
    NoParams,
    case_findings,
    empty_findings,
    fmt_int,
    fmt_time,
    number,
    rule,
    template,
    text,
    zh_labels,
)

NS_PER_SECOND = 1_000_000_000

# -- counting ----------------------------------------------------------------------------


def _distinct_rank(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(0-based dense ranks, sorted distinct values, sorting order) of ``values``, by one sort."""
    v = np.asarray(values)
    order = np.argsort(v)
    srt = v[order]
    new = np.ones(len(v), dtype=bool)
    new[1:] = srt[1:] != srt[:-1]
    rank = np.empty(len(v), dtype=np.int64)
    rank[order] = np.cumsum(new) - 1
    return rank, srt[new], order


def _compact(values: np.ndarray, total: int) -> np.ndarray:
    """Non-negative ints in the same order, small enough that run * (max + 1) fits in int64."""
    lo, hi = int(values.min()), int(values.max())
    return values - lo if hi - lo < (1 << 61) // max(total, 1) else _distinct_rank(values)[0]


GRID_CELLS = 1 << 22  # largest grid of query coordinates dominance_count counts on
RUNNING_K_MAX = 16  # QueueCoords.overtaken_at_least: running k-th minima up to this k


def dominance_count(px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    """For each query q: #{points p : px <= qx and py < qy} (integer coordinates).

    O((n + m) log(n + m)) by a merge sort; when the queries have few distinct x and y
    (a grid smaller than the merge sort's work), O(n log m + grid) on that grid.
    """
    px, py, qx, qy = (np.asarray(a, dtype=np.int64) for a in (px, py, qx, qy))
    n, m = len(px), len(qx)
    if not n or not m:
        return np.zeros(m, dtype=np.int64)
    xs, ys = np.unique(qx), np.unique(qy)
    if len(xs) * len(ys) <= min(GRID_CELLS, (n + m) * (n + m).bit_length()):
        return _dominance_grid(px, py, qx, qy, xs, ys)
    return _dominance_merge(px, py, qx, qy)


def _dominance_grid(
    px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray, xs: np.ndarray, ys: np.ndarray
) -> np.ndarray:
    """dominance_count on the grid of the distinct query coordinates xs × ys (sorted): each point
    lands in the first cell at or above it, and a query reads the 2-D prefix sum at its cell."""
    col = np.searchsorted(xs, px, side="left")  # xs[col:] >= px
    row = np.searchsorted(ys, py, side="right")  # ys[row:] > py
    inside = (col < len(xs)) & (row < len(ys))
    grid = np.bincount(row[inside] * len(xs) + col[inside], minlength=len(ys) * len(xs)).reshape(len(ys), len(xs))
    np.cumsum(grid, axis=0, out=grid)
    np.cumsum(grid, axis=1, out=grid)
    return grid[np.searchsorted(ys, qy), np.searchsorted(xs, qx)].astype(np.int64)


def _dominance_merge(px: np.ndarray, py: np.ndarray, qx: np.ndarray, qy: np.ndarray) -> np.ndarray:
    """dominance_count by an offline, bottom-up merge sort.

    Points and queries form one sequence ordered by y (at equal y the queries come first,
    so only py < qy precedes); a query counts the points before it in the sequence with
    px <= qx. Level k merges pairs of runs of 2**k elements sorted by x (one stable argsort
    of keys run * M + x, which timsort does as merges) and credits each query of a right run
    with the left run's points at or below its x (a cumulative sum). log2(n + m) levels.
    """
    n, m = len(px), len(qx)
    out = np.zeros(m, dtype=np.int64)
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


@dataclass(frozen=True)
class QueueCoords:
    """A set of queues as single int keys: X = (queue, enter) and Y = (queue, start), group-major.

    Whether a case overtook any case (``overtook_any``) or was overtaken by any
    (``was_overtaken``) follows from one sort by X and a running maximum / minimum of Y.
    Every overtaker has ``overtook_any`` and every overtaken case ``was_overtaken``, so the
    exact counts and victims only ever involve those cases — usually a few per cent.
    """

    g: np.ndarray
    e: np.ndarray
    s: np.ndarray
    tol: np.int64
    X: np.ndarray
    Y: np.ndarray
    x_late: np.ndarray  # X of enter + tol
    x_early: np.ndarray  # X of enter - tol
    by_x: np.ndarray  # participants in X order
    early_end: np.ndarray  # in X order: how many participants have X < x_early
    late_start: np.ndarray  # in X order: how many participants have X <= x_late
    overtook_any: np.ndarray  # bool: overtook at least one case
    was_overtaken: np.ndarray  # bool: overtaken by at least one case

    @classmethod
    def build(cls, group: np.ndarray, enter: np.ndarray, start: np.ndarray, tolerance: int) -> QueueCoords:
        g = np.asarray(group, dtype=np.int64)
        e = np.asarray(enter, dtype=np.int64)
        s = np.asarray(start, dtype=np.int64)
        tol = np.int64(tolerance)
        e_rank, e_values, by_e = _distinct_rank(e)
        s_rank, s_values, _ = _distinct_rank(s)
        # per queue a band of len + 2 keys: enter ranks 1 .. len, thresholds 0 .. len + 1
        x_band = g * np.int64(len(e_values) + 2)
        X = x_band + e_rank + 1
        late, early = np.empty_like(e), np.empty_like(e)  # binary searches in enter order: sorted keys
        late[by_e] = np.searchsorted(e_values, e[by_e] + tol, side="right")  # e_j <= e + tol: X_j <= x_late
        early[by_e] = np.searchsorted(e_values, e[by_e] - tol, side="left")  # e_i < e - tol: X_i < x_early
        x_late, x_early = x_band + late, x_band + early + 1
        Y = g * np.int64(len(s_values) + 2) + s_rank + 1
        # An earlier queue has a smaller X and Y, a later one a larger X and Y, so "same queue" comes
        # free: j overtook someone iff max(Y_i : X_i < x_early_j) > Y_j; i was overtaken iff
        # min(Y_j : X_j > x_late_i) < Y_i. In X order, x_early and x_late are sorted too.
        by_x = np.argsort(X)
        x_sorted = X[by_x]
        early_end = np.searchsorted(x_sorted, x_early[by_x], side="left")
        late_start = np.searchsorted(x_sorted, x_late[by_x], side="right")
        unset = np.zeros(0, dtype=bool)
        coords = cls(g, e, s, tol, X, Y, x_late, x_early, by_x, early_end, late_start, unset, unset)
        return replace(coords, overtook_any=coords.overtook(), was_overtaken=coords.overtaken_at_least(1))

    def overtook(self, among: np.ndarray | None = None) -> np.ndarray:
        """jumped(among) > 0 for every case, by a running maximum (``among``: a boolean mask)."""
        y_sorted = self.Y[self.by_x]
        if among is not None:
            y_sorted = np.where(np.asarray(among, dtype=bool)[self.by_x], y_sorted, np.iinfo(np.int64).min)
        prefix_max = np.concatenate([[np.iinfo(np.int64).min], np.maximum.accumulate(y_sorted)])
        out = np.empty(len(self.g), dtype=bool)
        out[self.by_x] = prefix_max[self.early_end] > self.Y[self.by_x]
        return out

    def overtaken_at_least(self, k: int) -> np.ndarray:
        """overtaken >= k for every case, without counting: i was overtaken k times iff the k-th
        smallest Y_j over X_j > x_late_i is below Y_i. The k-th smallest of every suffix in X order
        takes k running minima (adding y to a set: the new r-th smallest is min(r-th, max(y,
        (r-1)-th))); from ``RUNNING_K_MAX`` on, counting is cheaper."""
        if k <= 0:
            return np.ones(len(self.g), dtype=bool)
        if k > RUNNING_K_MAX:
            return self.overtaken() >= k
        y = self.Y[self.by_x]
        kth = np.full(len(y) + 1, np.iinfo(np.int64).min)  # r-th smallest Y of each suffix, r = 0 .. k
        for _ in range(k):
            kth = np.append(np.minimum.accumulate(np.maximum(y, kth[1:])[::-1])[::-1], np.iinfo(np.int64).max)
        out = np.empty(len(self.g), dtype=bool)
        out[self.by_x] = kth[self.late_start] < y
        return out

    def overtaken(self, by: np.ndarray | None = None, of: np.ndarray | None = None) -> np.ndarray:
        """overtaken(i) = #{j (``by``: a boolean mask): same queue, enter_j > enter_i + tol, start_j < start_i}
        = #{j: Y_j < Y_i} − #{j: X_j <= X(enter_i + tol), Y_j < Y_i}, over the overtakers j only; for the
        cases ``of`` (indices; default all)."""
        of = np.arange(len(self.g)) if of is None else np.asarray(of, dtype=np.int64)
        out = np.zeros(len(of), dtype=np.int64)
        counted = np.flatnonzero(self.was_overtaken[of])
        q = of[counted]
        points = self.overtook_any if by is None else self.overtook_any & np.asarray(by, dtype=bool)
        X, Y, qy = self.X[points], self.Y[points], self.Y[q]
        out[counted] = np.searchsorted(np.sort(Y), qy, side="left") - dominance_count(X, Y, self.x_late[q], qy)
        return out

    def jumped(self, among: np.ndarray | None = None, of: np.ndarray | None = None) -> np.ndarray:
        """|jumped(j)| = #{i (``among``: a boolean mask): same queue, enter_i < enter_j − tol, start_i > start_j}
        = #{i: X_i < X(enter_j − tol)} − #{i: X_i < X(enter_j − tol), Y_i <= Y_j}, over the overtaken i
        only; for the cases ``of`` (indices; default all)."""
        of = np.arange(len(self.g)) if of is None else np.asarray(of, dtype=np.int64)
        out = np.zeros(len(of), dtype=np.int64)
        counted = np.flatnonzero(self.overtook_any[of])
        q = of[counted]
        points = self.was_overtaken if among is None else self.was_overtaken & np.asarray(among, dtype=bool)
        X, Y, qx = self.X[points], self.Y[points], self.x_early[q]
        out[counted] = np.searchsorted(np.sort(X), qx, side="left") - dominance_count(X, Y, qx - 1, self.Y[q] + 1)
        return out

    def longest_waiting_victim(
        self, tiebreak: np.ndarray | Callable[[np.ndarray], np.ndarray] | None = None
    ) -> np.ndarray:
        """For each j: the case j overtook with the smallest (enter, tiebreak), or -1.

        Among the overtaken cases of j's queue that started strictly after j, the one that
        entered first (a suffix minimum in (queue, start) order); it is a victim iff it
        entered more than the tolerance before j. (The first to enter of all the cases that
        started after j is a victim whenever j has one, so the overtaken cases suffice.)
        ``tiebreak`` orders cases of a queue with equal enter times (default: index order):
        keys per case, or a function giving the keys of the cases it is passed (called once,
        with the overtaken cases that share their queue and enter time with another).
        """
        g, e = self.g, self.e
        out = np.full(len(g), -1, dtype=np.int64)
        q = np.flatnonzero(self.overtook_any)
        v = np.flatnonzero(self.was_overtaken)
        if not len(q):
            return out
        by_wait = np.lexsort((e[v], g[v]))  # group-major: a later queue never wins a suffix minimum
        gw, ew = g[v][by_wait], e[v][by_wait]
        same = (gw[1:] == gw[:-1]) & (ew[1:] == ew[:-1])
        if tiebreak is not None and same.any():
            tied = np.zeros(len(v), dtype=bool)
            tied[1:] |= same
            tied[:-1] |= same
            run = np.cumsum(np.concatenate([[True], ~same]))[tied]
            cases = by_wait[tied]
            keys = tiebreak(v[cases]) if callable(tiebreak) else np.asarray(tiebreak)[v[cases]]
            by_wait[tied] = cases[np.lexsort((keys, run))]  # each run of ties sorted by key, in place
        wait_rank = np.empty(len(v), dtype=np.int64)
        wait_rank[by_wait] = np.arange(len(v))
        by_start = np.argsort(self.Y[v], kind="stable")
        suffix = np.append(np.minimum.accumulate(wait_rank[by_start][::-1])[::-1], len(v))
        best = suffix[np.searchsorted(self.Y[v][by_start], self.Y[q], side="right")]  # first starting later
        cand = v[by_wait[np.minimum(best, len(v) - 1)]]
        ok = (best < len(v)) & (g[cand] == g[q]) & (e[cand] < e[q] - self.tol)
        out[q] = np.where(ok, cand, -1)
        return out


# -- queue tables -----------------------------------------------------------------------


@dataclass(frozen=True)
class QueueTable:
    """The participants of a set of queues, as arrays (one entry per participant, in case order).

    ``rows(idx)`` builds the frame of some participants, ``frame`` that of all: case, case_id,
    office_code, unit_id, queue, group, enter, start, operator_id (of the start event),
    justified (priority with reason), overtaken, jumped, victim (participant index of the
    longest-waiting case it overtook, -1), victim_case_id, victim_enter, victim_start
    (and resumed for the processing queue). Counts are computed for the rows asked for,
    victims once, on first use.
    """

    cases: pd.DataFrame  # log.cases
    operators: pd.Series | None  # the events' operator_id column
    case: np.ndarray  # row of log.cases
    queue_ids: np.ndarray  # queue label per participant: queue_labels[queue_ids]
    queue_labels: np.ndarray
    group: np.ndarray
    enter: np.ndarray  # datetime64[ns]
    start: np.ndarray  # datetime64[ns]
    start_row: np.ndarray  # event row of the start event
    justified: np.ndarray
    coords: QueueCoords
    resumed: np.ndarray | None = None

    @cached_property
    def victim(self) -> np.ndarray:
        # equal enter times: the smaller case_id waited longer
        return self.coords.longest_waiting_victim(lambda rows: _case_ids(self.cases, self.case[rows]))

    def rows(self, idx: np.ndarray, victims: bool = True) -> pd.DataFrame:
        """The frame of participants ``idx`` (index = idx); without jumped and the victim columns
        unless ``victims``."""
        idx = np.asarray(idx, dtype=np.int64)
        case = self.case[idx]
        c = self.cases
        columns: dict[str, object] = {
            "case": case,
            "case_id": _case_ids(c, case),
            "office_code": text(c["office_code"].take(case)).to_numpy(),
            "unit_id": _objects(c["unit_id"] if "unit_id" in c.columns else None, case),
            "queue": self.queue_labels[self.queue_ids[idx]],
            "group": self.group[idx],
            "enter": self.enter[idx],
            "start": self.start[idx],
            "operator_id": _objects(self.operators, self.start_row[idx]),
            "justified": self.justified[idx],
            "overtaken": self.coords.overtaken(of=idx),
        }
        if victims:
            victim = self.victim[idx]
            has = victim >= 0
            vi = np.where(has, victim, 0)
            victim_case_id = np.full(len(idx), None, dtype=object)
            victim_case_id[has] = _case_ids(c, self.case[victim[has]])
            columns |= {
                "jumped": self.coords.jumped(of=idx),
                "victim": victim,
                "victim_case_id": victim_case_id,
                "victim_enter": np.where(has, self.enter[vi], np.datetime64("NaT")),
                "victim_start": np.where(has, self.start[vi], np.datetime64("NaT")),
            }
        if self.resumed is not None:
            columns["resumed"] = self.resumed[idx]
        return pd.DataFrame(columns, index=idx)

    @cached_property
    def frame(self) -> pd.DataFrame:
        return self.rows(np.arange(len(self.case))).reset_index(drop=True)


def _case_ids(cases: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    return cases["case_id"].take(rows).astype(str).to_numpy()


def _objects(values: pd.Series | None, rows: np.ndarray) -> np.ndarray:
    """values[rows] as objects (NaN where missing); of a categorical only the categories taken."""
    out = np.full(len(rows), np.nan, dtype=object)
    if values is None:
        return out
    if not isinstance(values.dtype, pd.CategoricalDtype):
        return values.take(rows).astype(object).to_numpy()
    codes = values.cat.codes.to_numpy()[rows]
    has = codes >= 0
    out[has] = values.cat.categories.take(codes[has]).to_numpy(dtype=object)
    return out


def _text_ids(values: pd.Series | None, rows: np.ndarray, missing: str = "") -> tuple[np.ndarray, np.ndarray]:
    """(ids, labels) with labels[ids] == text(values[rows], missing), one string per distinct value."""
    if values is None:
        return np.zeros(len(rows), dtype=np.int64), np.array([missing], dtype=object)
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, uniques = values.cat.codes.to_numpy()[rows], values.cat.categories
    else:
        codes, uniques = pd.factorize(values.take(rows))
    labels = np.array([*(str(v) for v in uniques), missing], dtype=object)  # code -1 (missing): the last
    ids, distinct = pd.factorize(labels)
    return ids[codes], np.asarray(distinct, dtype=object)


def _nonblank(values: pd.Series) -> np.ndarray:
    """Not missing and not the empty string."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        per_category = np.array([len(str(v)) > 0 for v in values.cat.categories] + [False])
        return per_category[values.cat.codes.to_numpy()]
    return values.notna().to_numpy() & (values.astype(str).str.len() > 0).to_numpy()


def _priority(c: pd.DataFrame) -> np.ndarray:
    return c["priority"].astype("boolean").fillna(False).to_numpy(dtype=bool)


def _justified(c: pd.DataFrame, case: np.ndarray) -> np.ndarray:
    """priority true and a non-blank priority_reason (绿色通道 with a reason), of cases ``case``."""
    if "priority" not in c.columns or "priority_reason" not in c.columns:
        return np.zeros(len(case), dtype=bool)
    return _priority(c)[case] & _nonblank(c["priority_reason"])[case]


def _table(
    log: EventLog,
    case: np.ndarray,
    enter: np.ndarray,
    start: np.ndarray,
    queue: tuple[np.ndarray, np.ndarray],
    start_row: np.ndarray,
    tolerance_ns: int,
    resumed: np.ndarray | None = None,
) -> QueueTable:
    """The table of the participants ``case`` (rows of log.cases) of the queues (office, queue)."""
    c = log.cases
    queue_ids, queue_labels = queue
    office_ids, _ = _text_ids(c["office_code"], case)
    group = pd.factorize(office_ids * np.int64(len(queue_labels)) + queue_ids)[0].astype(np.int64)
    enter = np.asarray(enter, dtype="datetime64[ns]")
    start = np.asarray(start, dtype="datetime64[ns]")
    return QueueTable(
        cases=c,
        operators=log.events["operator_id"] if "operator_id" in log.events.columns else None,
        case=case,
        queue_ids=queue_ids,
        queue_labels=queue_labels,
        group=group,
        enter=enter,
        start=start,
        start_row=start_row,
        justified=_justified(c, case),
        coords=QueueCoords.build(group, enter.view(np.int64), start.view(np.int64), tolerance_ns),
        resumed=resumed,
    )


def hall_queue(log: EventLog, tolerance_seconds: float = 0) -> QueueTable:
    """QJ001's queues: enter = first ticket, start = first call, key = (office, queue_id of the first ticket)."""
    tol = round(tolerance_seconds * NS_PER_SECOND)
    return log.memo(f"queue:hall:{tol}", lambda: _hall_queue(log, tol))


def _hall_queue(log: EventLog, tol: int) -> QueueTable:
    ev = log.events
    ticket = log.first_row("ticket")
    call = log.first_row("call")
    case = np.flatnonzero((ticket >= 0) & (call >= 0))
    ticket, call = ticket[case], call[case]
    times = ev["event_time"].to_numpy()
    queue = _text_ids(ev["queue_id"] if "queue_id" in ev.columns else None, ticket)  # blank = the default queue
    return _table(log, case, times[ticket], times[call], queue, call, tol)


def processing_queue(log: EventLog, tolerance_hours: float = 24) -> QueueTable:
    """QJ002/QJ004's queues: cases with accept and review; key = (office, business_type)."""
    tol = round(tolerance_hours * 3600 * NS_PER_SECOND)
    return log.memo(f"queue:processing:{tol}", lambda: _processing_queue(log, tol))


def _processing_queue(log: EventLog, tol: int) -> QueueTable:
    c, ev = log.cases, log.events
    t_accept = c["t_accept"].to_numpy().astype("datetime64[ns]", copy=False)
    t_review = c["t_review"].to_numpy().astype("datetime64[ns]", copy=False)
    part = np.flatnonzero(~np.isnat(t_accept) & ~np.isnat(t_review))
    # enter = the last resume strictly earlier than the first review, else the first accept
    res = log.activity_rows("resume")
    res_case = ev["case"].to_numpy()[res]
    res_time = ev["event_time"].to_numpy()[res].astype("datetime64[ns]", copy=False)
    before = res_time < t_review[res_case]
    never = np.iinfo(np.int64).min
    last_resume = np.full(log.n_cases, never, dtype=np.int64)
    np.maximum.at(last_resume, res_case[before], res_time[before].view(np.int64))
    last_resume = last_resume[part]
    resumed = last_resume != never
    enter = np.where(resumed, last_resume, t_accept[part].view(np.int64)).view("datetime64[ns]")
    review = log.first_row("review")[part]
    btype = c["business_type"] if "business_type" in c.columns else None
    queue = _text_ids(btype, part)
    return _table(log, part, enter, t_review[part], queue, review, tol, resumed=resumed)


# -- rules ----------------------------------------------------------------------------------


class HallQueueParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tolerance_seconds: float = number(
        0,
        ge=0,
        le=86_400,
        description="取号时间相差不超过此秒数的两个号，叫号先后不算插队（enter_i < enter_j − tolerance）",
    )


class ProcessingQueueParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tolerance_hours: float = number(
        24, ge=0, le=8760, description="入队时间相差不超过此小时数的案件，审核先后不算插队（QJ002 与 QJ004 应取同一值）"
    )
    held_back_min: int = number(
        5,
        ge=1,
        le=100_000,
        description="被此数量及以上的案件超越即为压件（QJ004）；其超越者不再单独记 QJ002（两条规则应取同一值）",
    )


def _operator_note(op: pd.Series | np.ndarray, role: str) -> pd.Series:
    op = text(op, "")
    return template("，{role}{op}", role=role, op=np.where(op.str.len() > 0, op, "未记录"))


def _queue_label(f: pd.DataFrame, default: str) -> pd.Series:
    """340102/A, 340102/默认, 340102/转移登记 (the messages go on with "队列中")."""
    q = zh_labels(f["queue"], BUSINESS_TYPES)
    return template("{office}/{queue}", office=f["office_code"], queue=np.where(q.str.len() > 0, q, default))


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
    facts=("queue_events", "priority"),
    grouping="case_office",
    example="""
    queue 340102/默认: A ticket 09:00:00, B ticket 09:00:01; B called 09:10, A called 09:20
      ->  QJ001 on B (B jumped A), operator = who called B
    A and B took tickets in the same second  ->  no finding (tolerance 0, strict)
    """,
)
def hall_queue_jump(log: EventLog, p: HallQueueParams) -> pd.DataFrame:
    """取号在后却先被叫号（大厅叫号插队）。

    ## What it does
    在同一大厅队列中，取号较晚的案件先于取号较早的案件被叫号，即对插队的案件报一条。
    The hall queue of a case is (its office, the queue_id of its first ticket; blank = the office's
    default queue); enter = first ticket, start = first call, and only cases with both take part.
    Fires on every case that overtook at least one case of its queue (enter_i < enter_j − tolerance
    and start_j < start_i). The operator is the one who called the flagged ticket.

    ## Why it matters
    按号办理是窗口服务的基本纪律；叫号插队往往是“关系号”、倒号的痕迹（清单第7、20项）。
    Serving tickets in order is the hall's basic rule; a jumped queue is the trace of favours and
    ticket touting (checklist items 7 and 20).

    ## Exempt
    标记优先且填写了优先原因的案件（绿色通道）；没有取号或叫号的案件不参与；不同队列之间不比较。
    A priority case with a non-blank priority_reason (绿色通道). Cases without both a ticket and a
    call take no part; cases of different queues are not compared.

    ## Dated at
    被标记案件的首次叫号时间；操作人为叫号人。
    The flagged case's first call; the operator is who called it.
    """
    t = hall_queue(log, p.tolerance_seconds)
    f = t.rows(np.flatnonzero(t.coords.overtook_any & ~t.justified))
    if f.empty:
        return empty_findings()
    message = template(
        "{enter}取号、{start}叫号，先于{queue}队列中{jumped}个更早取号的案件被叫号"
        "（等候最久的{victim}于{victim_enter}取号、{victim_start}才叫号）{operator}",
        enter=fmt_time(f["enter"]),
        start=fmt_time(f["start"]),
        queue=_queue_label(f, "默认"),
        jumped=fmt_int(f["jumped"]),
        victim=f["victim_case_id"],
        victim_enter=fmt_time(f["victim_enter"]),
        victim_start=fmt_time(f["victim_start"]),
        operator=_operator_note(f["operator_id"], "叫号人"),
    )
    return _participant_findings(log, f, message, _order_evidence(f, {"tolerance_seconds": p.tolerance_seconds}))


def _participant_findings(log: EventLog, f: pd.DataFrame, message: pd.Series, evidence: dict) -> pd.DataFrame:
    """QJ001/QJ002/QJ004: one finding per queue participant of ``f`` (QueueTable rows), dated when it started."""
    return case_findings(
        log,
        f["case"],
        operator_id=f["operator_id"],
        event_time=f["start"],
        message=message,
        evidence=evidence,
    )


def _held_note(held: np.ndarray) -> np.ndarray:
    return np.where(held > 0, template("，其中{held}件已另记压件", held=fmt_int(held)), "")


def _enter_word(f: pd.DataFrame) -> np.ndarray:
    return np.where(f["resumed"].to_numpy(), "恢复办理", "受理")


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
    facts=("queue_events", "priority"),
    grouping="case_office",
    example="""
    transfer A accepted Mon 09:00, reviewed Wed; transfer B accepted Tue 10:00 (25 h later), reviewed Tue 11:00
      ->  QJ002 on B (operator = B's reviewer)
    B accepted exactly 24:00:00 after A  ->  no finding (strict, tolerance 24 h)
    """,
)
def out_of_order_processing(log: EventLog, p: ProcessingQueueParams) -> pd.DataFrame:
    """受理（入队）在后却先被审核（审核顺序插队）。

    ## What it does
    审核队列按（登记机构，业务类型）划分：入队时间为首次审核前最后一次恢复，否则为首次受理；
    开始时间为首次审核。入队晚24小时以上却先被审核的案件，即报。
    Processing queue: cases with an accept and a review, keyed by (office, business_type);
    enter = the last resume strictly before the first review, else the first accept; start = the
    first review. Fires on a case that overtook (entered more than tolerance_hours later, reviewed
    earlier) at least one case that is not itself held back (overtaken by fewer than
    held_back_min cases).

    ## Why it matters
    登记业务应按受理顺序审核；插队审核可能是人情件、关系件（清单第20项：利用日志痕迹查找插队，按序办理）。
    Applications must be reviewed in the order they were accepted; out-of-order review points to
    favoured cases (checklist item 20).

    ## Exempt
    标记优先且有优先原因的案件；被超越的案件本身已被压件（达到 held_back_min）的，是QJ004的发现，
    不再追究每个超越者。
    A priority case with a non-blank reason. Overtaking a case that is itself held back is QJ004's
    finding, not every overtaker's. Cases without both an accept and a review take no part.

    ## Dated at
    被标记案件的首次审核时间；操作人为首次审核人。
    The flagged case's first review; the operator is who did it.
    """
    t = processing_queue(log, p.tolerance_hours)
    held = t.coords.overtaken_at_least(p.held_back_min)
    hit = np.flatnonzero(t.coords.overtook(among=~held) & ~t.justified)
    f = t.rows(hit)
    if f.empty:
        return empty_findings()
    fair_victims = f["jumped"].to_numpy() - t.coords.jumped(among=held, of=hit)
    message = template(
        "{entered}{enter}、审核{start}，先于{queue}队列中{jumped}个早{hours}小时以上入队的案件审核"
        "（等候最久的{victim}于{victim_enter}入队、{victim_start}才审核）{held}{operator}",
        entered=_enter_word(f),
        enter=fmt_time(f["enter"]),
        start=fmt_time(f["start"]),
        queue=_queue_label(f, "未填业务类型"),
        jumped=fmt_int(f["jumped"]),
        hours=f"{p.tolerance_hours:g}",
        victim=f["victim_case_id"],
        victim_enter=fmt_time(f["victim_enter"]),
        victim_start=fmt_time(f["victim_start"]),
        held=_held_note(f["jumped"].to_numpy() - fair_victims),
        operator=_operator_note(f["operator_id"], "审核人"),
    )
    evidence = _order_evidence(f, {"tolerance_hours": p.tolerance_hours})
    evidence["overtook_not_held_back"] = fair_victims
    return _participant_findings(log, f, message, evidence)


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
    facts=("queue_events",),
    grouping="case_office",
    example="""
    transfer A accepted Mon 09:00, reviewed Fri; five transfers accepted Tue and reviewed Tue
      ->  QJ004 on A (overtaken 5), and no QJ002 for the five (their only victim is held back)
    """,
)
def held_back_case(log: EventLog, p: ProcessingQueueParams) -> pd.DataFrame:
    """案件被多件后入队的同类案件超越审核（压件）。

    ## What it does
    与QJ002同一审核队列；案件被至少 held_back_min（5）件入队晚24小时以上的同类案件超越审核，即报。
    Same processing queue as QJ002. Fires on a case overtaken by at least held_back_min cases —
    every overtaker counts, justified priority ones included.

    ## Why it matters
    压件是“吃拿卡要”的常见手段，拖延办理、变相刁难（清单第20项：按序办理）。
    Holding a case back while later ones go ahead is a classic way to delay and extract favours
    (checklist item 20).

    ## Exempt
    被超越件数少于 held_back_min 的案件（少数超越是QJ002的范围）；没有受理或审核的案件不参与。
    Cases overtaken by fewer than held_back_min (those overtakers are QJ002's findings); cases
    without both an accept and a review.

    ## Dated at
    被压案件最终的首次审核时间；操作人为该审核人。
    The held-back case's first review, when it finally came; the operator is who did it.
    """
    t = processing_queue(log, p.tolerance_hours)
    f = t.rows(np.flatnonzero(t.coords.overtaken_at_least(p.held_back_min)), victims=False)
    if f.empty:
        return empty_findings()
    waited = (f["start"] - f["enter"]).dt.total_seconds() / 3600
    message = template(
        "{entered}{enter}后，被{queue}队列中{overtaken}个晚{hours}小时以上入队的案件抢先审核，{start}才审核，疑似压件{operator}",
        entered=_enter_word(f),
        enter=fmt_time(f["enter"]),
        queue=_queue_label(f, "未填业务类型"),
        overtaken=fmt_int(f["overtaken"]),
        hours=f"{p.tolerance_hours:g}",
        start=fmt_time(f["start"]),
        operator=_operator_note(f["operator_id"], "审核人"),
    )
    return _participant_findings(
        log,
        f,
        message,
        {
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
    facts=("queue_events", "priority"),
    example="""
    accept row priority 是, no priority_reason on any row  ->  QJ003
    priority 1 on accept, priority_reason 老年人 on the later review row  ->  no finding
    """,
)
def priority_without_reason(log: EventLog, p: NoParams) -> pd.DataFrame:
    """标记优先办理（绿色通道、加急）却没有填写优先原因。

    ## What it does
    案件属性“优先”为真而“优先原因”为空，即报。
    Fires when the case attribute priority is true and priority_reason is blank. Both are case
    attributes: the first non-empty value over the case's rows in (event_time, input order).

    ## Why it matters
    绿色通道（老人、残疾人等）是允许的，但必须有依据；无原因的优先是插队的掩护（清单第7项）。
    Priority service (elderly, disabled …) is allowed but must be justified; an unexplained
    priority is cover for queue jumping (checklist item 7).

    ## Exempt
    非优先案件；填写了优先原因的优先案件。
    Cases not marked priority, and priority cases with a reason.

    ## Dated at
    第一行带有优先标记的行的时间；操作人为该行操作人。
    The first row carrying the priority value; the operator is that row's.
    """
    c, ev = log.cases, log.events
    if "priority" not in c.columns:
        return empty_findings()
    reason = c["priority_reason"] if "priority_reason" in c.columns else pd.Series(np.nan, index=c.index)
    hit = np.flatnonzero(_priority(c) & ~_nonblank(reason))
    if not len(hit):
        return empty_findings()
    # the first row carrying a priority value (every hit has one: its priority is true)
    marked = log.first_row(ev["priority"].notna().to_numpy())[hit]
    marked_at = ev["event_time"].to_numpy()[marked]
    operator = log.case_value("operator_id", marked)
    return case_findings(
        log,
        hit,
        operator_id=operator,
        event_time=marked_at,
        message=template(
            "标记为优先办理但未填写优先原因，绿色通道须有依据{operator}", operator=_operator_note(operator, "标记人")
        ),
        evidence={
            "priority": True,
            "priority_reason": "",
            "marked_at": marked_at,
            "operator_id": text(operator, "").to_numpy(),
        },
    )
