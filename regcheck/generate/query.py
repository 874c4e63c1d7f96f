"""Query family (IQ): bulk batches, queries without a basis or off hours, and the boundary near-misses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import (
    CLOSE,
    DAY,
    OPEN,
    QUERY_SHARE,
    SLOT,
    A,
    B,
    T,
    _cat,
    _count,
    _h,
    _pick,
    _uniform,
)

RATES: dict[str, float] = {
    "IQ001": 0.01,  # of queries
    "IQ002": 0.01,  # of queries
    "IQ003": 0.01,  # bulk batches per query operator-day
}


class QueryCases:
    # ------------------------------------------------------------ plan

    def query_near_misses(self, unit: np.ndarray) -> None:
        """50 queries by one operator in a day, and queries on boundaries / make-up days."""
        cal, cb = self.cal, self.cb
        nm = T["near_miss"]
        cb.add(
            50,
            bt=B["query"],
            tag=nm,
            a_wd=cal.idx("2026-09-08"),
            a_sec=np.linspace(_h(8, 40), _h(17, 20), 50).astype(np.int64),
            unit=unit[10],
        )
        for day, sec in (("2026-09-10", _h(8)), ("2026-09-10", _h(18)), ("2026-09-20", _h(10)), ("2026-10-10", _h(10))):
            cb.add(1, bt=B["query"], tag=nm, a_wd=cal.idx(day), a_sec=sec, unit=unit[11])

    def plan_queries(self, n: int) -> int:
        """Background queries and the bulk batches (filled in by queries()); returns how many cases."""
        rng = self.rng
        n_query = int(QUERY_SHARE * n)
        n_bulk = _count(RATES["IQ003"], int(n_query / 40), 1)
        self.n_bulk = n_bulk
        bulk_sizes = rng.integers(51, 60, n_bulk)
        self.bulk_sizes = bulk_sizes
        n_query_bg = max(10, n_query - int(bulk_sizes.sum()))
        self.cb.add(
            n_query_bg, office=rng.integers(0, self.n_off, n_query_bg), bt=B["query"], a_wd=self.random_day(n_query_bg)
        )
        self.cb.add(
            int(bulk_sizes.sum()), bt=B["query"], tag=T["iq003_bulk"], office=0, a_wd=0
        )  # office / day / operator set in queries()
        return n_query_bg + int(bulk_sizes.sum())

    def queries(self) -> None:
        """Bulk batches (IQ003), then IQ001 / IQ002 injections, then bases."""
        c, rng, cal, t, n = self.c, self.rng, self.cal, self.t, self.n
        S = SLOT
        bulk = np.flatnonzero(c["tag"] == T["iq003_bulk"])
        batch = np.repeat(np.arange(self.n_bulk), self.bulk_sizes)
        office = rng.integers(0, self.n_off, self.n_bulk)
        day = self.random_day(self.n_bulk)
        qpool = np.concatenate([self.ids[(o, "Q")] for o in range(self.n_off)])
        qstart = np.r_[0, np.cumsum(self.nQ)][:-1]
        op = qpool[qstart[office] + np.floor(rng.random(self.n_bulk) * self.nQ[office]).astype(np.int64)]
        c["office"][bulk] = office[batch]
        t[bulk, S["query"]] = cal.wd_sec[day[batch]] + _uniform(rng, OPEN, CLOSE, len(bulk))
        self.ops[bulk, S["query"]] = op[batch]
        # IQ001 / IQ002
        q = (c["bt"] == B["query"]) & (c["tag"] == T["background"])
        nq = int(q.sum())
        self.no_basis = np.zeros(n, dtype=bool)
        idx = _pick(rng, q, _count(RATES["IQ001"], nq), self.taken)
        self.no_basis[idx] = True
        idx = _pick(rng, q, _count(RATES["IQ002"], nq), self.taken)
        kind = rng.integers(0, 3, len(idx))
        tq = t[idx, S["query"]]
        # 0: on a day off (the nearest non-working day after), 1: early, 2: late
        days = cal.days
        offday = days[~cal.work]
        d = (tq // DAY).astype("datetime64[D]")
        nxt_off = offday[np.minimum(np.searchsorted(offday, d), len(offday) - 1)]
        off_t = (nxt_off - np.datetime64("1970-01-01")).astype(np.int64) * DAY + tq % DAY
        prev_off = offday[np.maximum(np.searchsorted(offday, d) - 1, 0)]
        off_t = np.where(
            off_t > cal.cutoff_abs, (prev_off - np.datetime64("1970-01-01")).astype(np.int64) * DAY + tq % DAY, off_t
        )
        early = tq - tq % DAY + _uniform(rng, 6 * 3600, 8 * 3600, len(idx))
        late = tq - tq % DAY + _uniform(rng, 18 * 3600 + 1, 22 * 3600, len(idx))
        late = np.where(late > cal.cutoff_abs, early, late)
        t[idx, S["query"]] = np.select([kind == 0, kind == 1], [off_t, early], late)

    # ------------------------------------------------------------ labels

    def label_queries(self) -> None:
        cal, n, ev = self.cal, self.n, self.ev
        case = ev["case"]
        qrow = ev["act"] == A["query"]
        self.fire("IQ001", np.isin(np.arange(n), case[qrow]) & self.no_basis)
        tq = ev["time"][qrow]
        sod = tq % DAY
        off = ~cal.is_work(tq) | (sod < 8 * 3600) | (sod > 18 * 3600)
        m = np.zeros(n, dtype=bool)
        m[case[qrow][off]] = True
        self.fire("IQ002", m)

    def iq003_labels(self) -> pd.DataFrame:
        """IQ003 per operator-day."""
        ev = self.ev
        op = ev["op"]
        qrow = ev["act"] == A["query"]
        tq = ev["time"][qrow]
        qop, qday = op[qrow], tq // DAY
        sel = qop >= 0
        d0 = int(qday.min()) if len(qday) else 0
        u, cnt = np.unique(qop[sel] * 100000 + (qday[sel] - d0), return_counts=True)
        hot = np.stack([u // 100000, u % 100000 + d0], axis=1)[cnt > 50]
        keys = _cat(self.op_table[hot[:, 0]], "@", (hot[:, 1]).astype("datetime64[D]").astype(str).astype("T"))
        return pd.DataFrame({"rule_id": "IQ003", "key": keys.astype(object), "note": "bulk querying"})
