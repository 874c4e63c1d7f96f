"""Query family (IQ): bulk batches, queries without a basis or off hours."""

from __future__ import annotations

import numpy as np

from .common import (
    CLOSE,
    DAY,
    OPEN,
    RATES,
    SLOT,
    B,
    T,
    _count,
    _pick,
    _uniform,
)


class QueryCases:
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
