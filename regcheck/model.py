"""EventLog: the normalised events and the per-case table every rule reuses.

Built once per scan from the loaders' output:

* ``events`` — one row per accepted input row, sorted by (event_time, input
  order) — the order in which rules.md speaks of "the first" row — with an
  integer ``case`` index into ``cases``.
* ``cases`` — one row per case: ``case_id``, ``office_code`` (of the first
  row), the case attributes (first non-empty value over the case's rows),
  ``t_<activity>`` (first time of each activity), ``t_end``, ``status``
  (categorical: ended / withdrawn / open) and the change-kind flags.
* ``timing()`` — acceptance date, end date, W, suspended and elapsed working
  days of every case with an acceptance (rules.md "Common definitions").

Anything else two rules need is cached with :meth:`EventLog.memo`.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa

from .calendar import WorkCalendar
from .facts import SourceInfo
from .loaders.values import as_text
from .schema import ACTIVITIES, CASE_ATTRIBUTES
from .threads import map_in_threads, threads

T = TypeVar("T")


REJECTED_SEQS = ("office_code", "event_seq", "event_time")
REJECTED_SEQS_EMPTY = pd.DataFrame(
    {
        "office_code": pd.Series([], dtype=object),
        "event_seq": pd.Series([], dtype="Int64"),
        "event_time": pd.Series([], dtype="datetime64[ns]"),
    }
)


# where each input row came from: the loaders' bookkeeping, not read by the rules
_SOURCE_COLUMNS = ("_file", "_line")
# a case's status (categorical, coded in this order)
CASE_STATUSES = ("ended", "withdrawn", "open")


def _sorted_events(events: pd.DataFrame, consume: bool = False) -> pd.DataFrame:
    """The events in (event_time, input order), reordered column by column on a few threads (not at all
    when they are in that order already). ``consume``: the columns are moved out of ``events`` (left with
    none) and each is freed once reordered, so the log is not held twice (peak memory)."""
    order = sort_order(events["event_time"].to_numpy(dtype="datetime64[ns]").view(np.int64), events["_row"].to_numpy())
    names = [c for c in events.columns if c not in _SOURCE_COLUMNS]
    if not consume:
        if order is None:
            return events[names].reset_index(drop=True)
        columns = map_in_threads(lambda name: _take(events[name], order), names)
        return pd.DataFrame(dict(zip(names, columns, strict=True)), copy=False)
    moved = {name: events.pop(name) for name in list(events.columns)}
    for name in _SOURCE_COLUMNS:
        moved.pop(name, None)

    def reordered(name: str) -> pd.Series:
        values = moved.pop(name)  # the only reference left: freed when the reordered copy is made
        out = values.reset_index(drop=True) if order is None else _take(values, order)
        del values
        give_back_memory()  # at once: the next copies would be laid out beside the freed blocks, not in them
        return out

    columns = map_in_threads(reordered, names)
    return pd.DataFrame(dict(zip(names, columns, strict=True)), copy=False)


# the units a log's times are commonly whole multiples of, coarsest first (in ns)
_TIME_UNITS = (1_000_000_000, 1_000_000, 1_000, 1)


def sort_order(time: np.ndarray, row: np.ndarray) -> np.ndarray | None:
    """Positions that put the rows in (``time``, ``row``) order; None if they are in that order already.

    Where the rows are in input order and time (in its coarsest whole unit) and position fit in one int64,
    the key (time, position) is packed into it and sorted as plain integers: about half the CPU of a stable
    argsort of the times. Otherwise a stable argsort, or a lexsort when the rows are not in input order."""
    n = len(time)
    in_input_order = n < 2 or bool((row[1:] > row[:-1]).all())
    if not in_input_order:
        return np.lexsort((row, time))
    if n < 2 or bool((time[1:] >= time[:-1]).all()):
        return None
    base, span = int(time.min()), int(time.max()) - int(time.min())
    unit = next(u for u in _TIME_UNITS if u == 1 or _whole_multiples(time, u))
    bits = n.bit_length()
    if (span // unit).bit_length() + bits > 62:
        return np.argsort(time, kind="stable")
    key = time - base
    if unit > 1:
        key //= unit
    key <<= bits
    # rows strictly increasing from 0 to n - 1 are the positions themselves (a whole log's loaded rows)
    key |= row if row[0] == 0 and row[-1] == n - 1 and row.dtype == np.int64 else np.arange(n, dtype=np.int64)
    sort_in_threads(key)
    key &= (1 << bits) - 1
    return key


_BLOCK = 1 << 20


def _whole_multiples(values: np.ndarray, unit: int) -> bool:
    """Whether every value is a whole multiple of ``unit``: a block at a time, so that only a block's
    remainders are held (no fresh pages for a copy of the whole column) and the first miss stops it."""
    return not any((values[i : i + _BLOCK] % unit).any() for i in range(0, len(values), _BLOCK))


# below this many values one thread sorts faster than parts and a merge
_PARALLEL_SORT = 1 << 20


def sort_in_threads(values: np.ndarray) -> None:
    """Sort ``values`` in place: its parts side by side on :func:`threads` threads, then merged by numpy's
    stable sort, which finds the sorted runs and merges them (8.6M int64 on two cores: 0.54 -> 0.31 s)."""
    parts = threads()
    if parts < 2 or len(values) < _PARALLEL_SORT:
        values.sort()
        return
    map_in_threads(np.ndarray.sort, np.array_split(values, parts))  # views: each part sorted where it lies
    values.sort(kind="stable")


def _take(values: pd.Series, order: np.ndarray) -> pd.Series:
    """``values.take(order)`` on the underlying numpy arrays (codes and masks included)."""
    arr = values.array
    if isinstance(arr, pd.Categorical):
        return pd.Series(pd.Categorical.from_codes(arr.codes.take(order), dtype=arr.dtype, validate=False), copy=False)
    if isinstance(arr, pd.arrays.IntegerArray | pd.arrays.BooleanArray):
        mask = np.asarray(arr.isna())
        data = arr.to_numpy(dtype=arr.dtype.numpy_dtype, na_value=arr.dtype.type(0))
        return pd.Series(type(arr)(data.take(order), mask.take(order)), copy=False)
    if isinstance(values.dtype, np.dtype):
        return pd.Series(values.to_numpy().take(order), copy=False)  # the take is already a new array
    return values.take(order).reset_index(drop=True)


_MISSING = object()


def _libc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None (another C library, another OS)."""
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None


_MALLOC_TRIM = _libc_trim()


def give_back_memory() -> None:
    """Return the memory freed so far to the OS: glibc keeps freed blocks of its heaps (one per thread that
    allocated) for reuse, so the resident size would not fall when a table or a column is dropped; Arrow's
    pool likewise."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)
    pa.default_memory_pool().release_unused()


def table_owner(build: Callable[[], Any]) -> str | None:
    """The rule family that owns a memoised table: the rule module (``regcheck.rules.queue`` -> ``queue``)
    whose code builds it — rule modules do not import one another, so only that family's rules (and code
    outside the rules, such as the summary) read it; None for the log's own tables (this module's)."""
    module = getattr(build, "__module__", None) or ""
    package, _, family = module.rpartition(".")
    return family if package.endswith("rules") and family != "base" else None


class EventLog:
    def __init__(
        self,
        events: pd.DataFrame,
        *,
        as_of: pd.Timestamp | None = None,
        calendar: WorkCalendar | None = None,
        rejected_seqs: pd.DataFrame | None = None,
        source: SourceInfo | None = None,
        consume: bool = False,
    ) -> None:
        """``rejected_seqs``: office_code, event_seq, event_time of the rejected rows that carry an
        event_seq (:attr:`regcheck.loaders.LoadResult.rejected_seqs`): LG001 counts them as present.
        ``consume``: the log takes the columns out of ``events`` (left with none), freeing each once it is
        reordered — for a caller that holds no other reference to them (a scan's loaded rows)."""
        self.rejected_seqs = rejected_seqs if rejected_seqs is not None else REJECTED_SEQS_EMPTY
        self.source = source or SourceInfo()  # what the source cannot tell (rules not checkable, caveats)
        if "_row" not in events.columns:
            events = events.assign(_row=np.arange(len(events), dtype=np.int64))
        ev = _sorted_events(events, consume)
        codes, uniques = pd.factorize(ev["case_id"])
        ev["case"] = pd.Series(codes.astype(np.int64), copy=False)  # a Series is not copied again
        self.events = ev
        if isinstance(uniques, pd.CategoricalIndex):  # the usual case: pick the ids, not convert every category
            self.case_ids = pd.Index(uniques.categories.take(uniques.codes), dtype="str")
        else:
            self.case_ids = pd.Index(uniques, dtype="str")
        self.calendar = calendar or WorkCalendar()
        latest = ev["event_time"].max() if len(ev) else pd.NaT
        self.as_of: pd.Timestamp = pd.Timestamp(as_of) if as_of is not None else pd.Timestamp(latest)
        give_back_memory()  # the loaded columns, freed one by one as they were reordered
        self._memo: dict[str, Any] = {}
        self._owners: dict[str, str] = {}  # memo key -> the rule family whose module built it
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}

    # -- shared derived tables ------------------------------------------------------------

    def memo(self, key: str, build: Callable[[], T]) -> T:
        """Compute a derived table once per log (unit histories, queue tables …).

        Rules run on several threads: a table two rules need is built by the first to ask
        while the other waits for it (derived tables never depend on each other in a cycle).
        A table built by a rule module belongs to that rule family (:func:`table_owner`):
        :meth:`release` frees it once no rule of the family is left to run; asked for again,
        it is built again.
        """
        value = self._memo.get(key, _MISSING)
        if value is not _MISSING:
            return value
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            value = self._memo.get(key, _MISSING)
            if value is _MISSING:
                value = build()
                self._memo[key] = value
                owner = table_owner(build)
                if owner is not None:
                    self._owners[key] = owner
        return value

    def release(self, families: set[str]) -> list[str]:
        """Free the memoised tables of the rule ``families`` (none of whose rules is left to run): the
        engine calls this as families finish, so their tables do not stay beside the next ones. Tables
        of the log itself (cases, first rows, working days) are kept. Returns the keys freed."""
        freed = []
        for key, owner in list(self._owners.items()):
            key_lock = self._key_locks.get(key)
            if owner not in families or key_lock is None or not key_lock.acquire(blocking=False):
                continue  # another family's, or being built right now
            try:
                self._memo.pop(key, None)
                self._owners.pop(key, None)
                freed.append(key)
            finally:
                key_lock.release()
        if freed:
            give_back_memory()
        return freed

    def keep_columns(self, keep: set[str]) -> list[str]:
        """Drop the events' columns outside ``keep`` (the case index stays; _row goes unless kept) once the
        per-case table is built, which reads the case attributes from them; returns the columns dropped. The
        events frame is replaced, not changed: a rule still reading the old frame sees every column."""
        with self._lock:
            ev = self.events
            gone = [c for c in ev.columns if c not in keep and c != "case"]
            if "cases" not in self._memo or not gone:
                return []
            self.events = pd.DataFrame({c: ev[c] for c in ev.columns if c not in gone}, copy=False)
        del ev
        give_back_memory()
        return gone

    @property
    def n_cases(self) -> int:
        return len(self.case_ids)

    @property
    def cases(self) -> pd.DataFrame:
        """One row per case (see the module docstring), built on first use."""
        return self.memo("cases", self._cases)

    def _cases(self) -> pd.DataFrame:
        ev = self.events
        n = self.n_cases
        first = self.first_row()
        columns: dict[str, Any] = {
            "case_id": self.case_ids.array,
            "office_code": as_text(ev["office_code"].take(first)).array,
        }

        # case attributes: the first non-empty value over the case's rows (events are in order)
        def attribute(name: str) -> pd.Series:
            col = ev[name]
            present = col.notna().to_numpy()
            pos = first if present.all() else self.first_row(present)
            has = pos >= 0
            values = col.take(np.where(has, pos, 0)).reset_index(drop=True)
            return values.where(has, None) if len(values) else values

        times = ev["event_time"].to_numpy()

        def first_time(activity: str) -> np.ndarray:
            # not memoised: the rows and first rows of every activity would be held for the whole scan (a
            # position per row, and one per case and activity); the rules ask for a few, memoised when asked
            pos = self._first_of(self._activity_positions(activity))
            col = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
            col[pos >= 0] = times[pos[pos >= 0]]
            return col

        # the columns are independent: build them side by side
        names = [c for c in CASE_ATTRIBUTES if c in ev.columns]
        jobs = [(attribute, name) for name in names] + [(first_time, activity) for activity in ACTIVITIES]
        built = map_in_threads(lambda job: job[0](job[1]), jobs)
        columns.update(zip(names, built[: len(names)], strict=True))
        columns.update((f"t_{a}", col) for a, col in zip(ACTIVITIES, built[len(names) :], strict=True))
        ends = [columns[f"t_{a}"] for a in ("register", "complete", "reject")]
        columns["t_end"] = np.fmin.reduce(ends)  # the earliest of the three; NaT only if all are
        out = pd.DataFrame(columns, copy=False)
        ended = out["t_end"].notna()
        withdrawn = ~ended & out["t_withdraw"].notna()
        status = np.where(ended, 0, np.where(withdrawn, 1, 2)).astype(np.int8)
        out["status"] = pd.Categorical.from_codes(status, categories=CASE_STATUSES, validate=False)
        if "change_kind" in out.columns:
            ck = pd.Categorical(out["change_kind"])
            codes = ck.codes
            for kind in ("use_change", "split", "merge"):
                per_category = np.array([kind in str(v).split(";") for v in ck.categories] + [False])
                out[f"ck_{kind}"] = per_category[codes]
        return out

    # -- the per-case vocabulary: "the first row of a case" and the rows of an activity ------

    def activity_rows(self, activity: str) -> np.ndarray:
        """Positions in ``events`` of the rows of ``activity``, in (event_time, input order); once per log."""

        return self.memo(f"activity_rows:{activity}", lambda: self._activity_positions(activity))

    def _activity_positions(self, activity: str) -> np.ndarray:
        act = self.memo("activity_categorical", lambda: pd.Categorical(self.events["activity"]))
        code = act.categories.get_indexer([activity])[0]
        return np.flatnonzero(act.codes == code) if code >= 0 else np.zeros(0, dtype=np.int64)

    def first_row(self, where: str | np.ndarray | None = None) -> np.ndarray:
        """Per case (positions in ``cases``), the position in ``events`` of its first row in (event_time,
        input order) — rules.md's "first" — or -1 where it has none. ``where``: None, any row; an
        activity, its first row of that activity; a boolean mask over ``events``, the first row where
        it holds; integer positions in ``events``, the first of those rows. None and an activity are
        computed once per log."""
        if where is None:
            return self.memo("first_row", lambda: self._first_of(None))
        if isinstance(where, str):
            return self.memo(f"first_row:{where}", lambda: self._first_of(self.activity_rows(where)))
        where = np.asarray(where)
        return self._first_of(np.flatnonzero(where) if where.dtype == bool else where)

    def _first_of(self, rows: np.ndarray | None) -> np.ndarray:
        """Per case, the smallest of the positions ``rows`` of its rows (None: all rows; -1 if none); O(rows)."""
        case = self.events["case"].to_numpy()
        out = np.full(self.n_cases, len(case), dtype=np.int64)
        if rows is None:
            np.minimum.at(out, case, np.arange(len(case), dtype=np.int64))
        else:
            np.minimum.at(out, case[rows], rows)
        out[out == len(case)] = -1
        return out

    def case_value(self, column: str, rows: np.ndarray) -> np.ndarray:
        """``events[column]`` at the positions ``rows`` (as :meth:`first_row` gives them, e.g. the
        operator of each case's first register row) as an object array; None where a position is -1,
        the value is missing or the log has no such column."""
        ev = self.events
        if column not in ev.columns or not len(rows):
            return np.full(len(rows), None, dtype=object)
        values = ev[column].take(np.maximum(rows, 0)).array
        if isinstance(values, pd.Categorical):
            out = np.append(values.categories.to_numpy(dtype=object), None)[values.codes]  # code -1 -> None
        else:
            out = np.asarray(values, dtype=object)
            out[pd.isna(out)] = None
        return np.where(rows >= 0, out, None)

    # -- working days ---------------------------------------------------------------------

    def timing(self) -> pd.DataFrame:
        """Working days of every accepted, not withdrawn case (rules.md "Common definitions").

        Index ``case``; columns ``accept_day`` (date of t_accept), ``end_day`` (date of t_end,
        or of as-of for an open case), ``open``, ``workdays`` = W(accept_day, end_day),
        ``suspended`` (suspended working days inside (accept_day, end_day], overlaps counted
        once), ``elapsed`` = workdays - suspended, and ``suspended_now`` (an open case whose
        suspension is still running at as-of).
        """
        return self.memo("timing", self._timing)

    def suspension_intervals(self) -> pd.DataFrame:
        """The merged suspensions of the timed cases: one row per interval, columns ``case``,
        ``lo``, ``hi`` (days; the suspended days are lo < d <= hi). Intervals are clipped to
        (accept_day, end_day], non-empty, disjoint and sorted by (case, lo)."""
        self.timing()
        return self._memo["suspension_intervals"]

    def _timing(self) -> pd.DataFrame:
        c = self.cases
        timed = c["t_accept"].notna().to_numpy() & (c["status"] != "withdrawn").to_numpy()
        idx = np.flatnonzero(timed)
        t_accept = c["t_accept"].to_numpy()[idx]
        t_end = c["t_end"].to_numpy()[idx]
        open_ = np.isnat(t_end)
        accept_day = t_accept.astype("datetime64[D]")
        if pd.isna(self.as_of):
            as_of_day = np.datetime64("NaT", "D")
        else:
            as_of_day = np.datetime64(self.as_of.normalize().to_datetime64(), "D")
        end_day = np.where(open_, as_of_day, t_end.astype("datetime64[D]")).astype("datetime64[D]")
        intervals, now = self._suspensions(idx, accept_day, end_day, open_)
        self._memo["suspension_intervals"] = intervals
        cal = self.calendar
        total = cal.workdays_between(accept_day, end_day) if len(idx) else np.zeros(0, dtype=np.int64)
        suspended = np.zeros(len(idx), dtype=np.int64)
        if len(intervals):
            pos_of = np.full(self.n_cases, -1, dtype=np.int64)
            pos_of[idx] = np.arange(len(idx))
            days = cal.workdays_between(intervals["lo"].to_numpy(), intervals["hi"].to_numpy())
            np.add.at(suspended, pos_of[intervals["case"].to_numpy()], days)
        return pd.DataFrame(
            {
                "accept_day": accept_day,
                "end_day": end_day,
                "open": open_,
                "workdays": total.astype(np.int64),
                "suspended": suspended,
                "elapsed": total.astype(np.int64) - suspended,
                "suspended_now": now,
            },
            index=pd.Index(idx, name="case"),
        )

    def _suspensions(
        self, idx: np.ndarray, accept_day: np.ndarray, end_day: np.ndarray, open_: np.ndarray
    ) -> tuple[pd.DataFrame, np.ndarray]:
        """Pair suspends with resumes, clip to (accept_day, end_day] and merge, per timed case.

        Each suspend pairs with the first resume of its case after it in event order
        ((event_time, input order)); several suspends may share a resume; a resume with no
        open suspend pairs with nothing; an unpaired suspend runs to end_day.
        """
        empty = pd.DataFrame(
            {
                "case": np.zeros(0, dtype=np.int64),
                "lo": np.zeros(0, dtype="datetime64[D]"),
                "hi": np.zeros(0, dtype="datetime64[D]"),
            }
        )
        now = np.zeros(len(idx), dtype=bool)
        ev = self.events
        if not len(idx) or not len(ev):
            return empty, now
        pos_of = np.full(self.n_cases, -1, dtype=np.int64)
        pos_of[idx] = np.arange(len(idx))
        act = ev["activity"]
        case = ev["case"].to_numpy()
        times = ev["event_time"].to_numpy()
        sus = np.flatnonzero((act == "suspend").to_numpy() & (pos_of[case] >= 0))
        if not len(sus):
            return empty, now
        res = np.flatnonzero((act == "resume").to_numpy())
        # events are in (event_time, input order): "after" = a later position. Key (case, position).
        width = np.int64(len(ev) + 1)
        res_key = np.append(np.sort(case[res] * width + res), np.iinfo(np.int64).max)  # + sentinel
        nxt = res_key[np.searchsorted(res_key, case[sus] * width + sus, side="right")]
        paired = nxt // width == case[sus]
        r_pos = np.where(paired, nxt % width, 0)
        k = pos_of[case[sus]]
        s_time = times[sus]
        r_time = np.where(paired, times[r_pos], np.datetime64("NaT"))
        s_day = s_time.astype("datetime64[D]")
        r_day = np.where(paired, r_time.astype("datetime64[D]"), end_day[k])
        lo = np.maximum(s_day, accept_day[k])
        hi = np.minimum(r_day, end_day[k])
        if not pd.isna(self.as_of):
            as_of = self.as_of.to_datetime64()
            running = open_[k] & (s_time <= as_of) & (~paired | (r_time > as_of))
            now[k[running]] = True
        # union of the half-open day intervals (lo, hi] per case: sort by (case, lo) and clip
        # each lo by the running maximum of the earlier intervals' hi of the same case.
        order = np.lexsort((lo, k))
        k, lo, hi = k[order], lo[order], hi[order]
        base = min(lo.min(), hi.min())
        lo_i = (lo - base).astype(np.int64)
        hi_i = (hi - base).astype(np.int64)
        span = np.int64(max(int(lo_i.max()), int(hi_i.max())) + 1)
        run_max = np.maximum.accumulate(k * span + hi_i)  # later cases always compare larger
        prev = np.empty_like(run_max)
        prev[0] = -1
        prev[1:] = run_max[:-1]
        same = np.zeros(len(k), dtype=bool)
        same[1:] = k[1:] == k[:-1]
        prev_hi = np.where(same, prev - k * span, np.iinfo(np.int64).min)
        eff_lo = np.maximum(lo_i, prev_hi)
        keep = eff_lo < hi_i
        out = pd.DataFrame(
            {
                "case": idx[k[keep]],
                "lo": (base + eff_lo[keep].astype("timedelta64[D]")).astype("datetime64[D]"),
                "hi": hi[keep].astype("datetime64[D]"),
            }
        )
        return out.reset_index(drop=True), now
