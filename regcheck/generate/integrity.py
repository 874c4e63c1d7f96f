"""Integrity family (LG): rows out of order, late-starting histories, duplicates and deleted rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import (
    ACT,
    BIG,
    DAY,
    OPEN,
    SLOT,
    B,
    T,
    _cat,
    _count,
    _pick,
    _uniform,
)

RATES: dict[str, float] = {
    "LG001": 0.002,  # deleted rows per case
    "LG002": 0.003,
    "LG003": 0.003,
    "LG004": 0.003,
}


class IntegrityCases:
    def inject_integrity_times(self, registered: np.ndarray) -> None:
        """LG002: rows logged out of order; LG003: histories that start late.

        registered: as the timeline made it, before the TL injections moved or dropped registrations.
        """
        c, rng, t = self.c, self.rng, self.t
        S = SLOT
        bt = c["bt"]
        bg = c["tag"] == T["background"]
        # LG002 (a): register logged before accept on the same day (transfers)
        el = bg & (bt == B["transfer"]) & registered & (t[:, S["accept"]] % DAY >= 9 * 3600) & (c["use_before"] < 0)
        idx = _pick(rng, el, _count(RATES["LG002"] / 2, int(el.sum())), self.taken)
        acc = t[idx, S["accept"]]
        t[idx, S["reg"]] = acc - acc % DAY + _uniform(rng, OPEN, acc % DAY - 300, len(idx))
        # LG002 (b): ticket logged after its call
        el = bg & self.hall & (t[:, S["call"]] >= 0) & (t[:, S["accept"]] - t[:, S["call"]] > 20)
        idx = _pick(rng, el, _count(RATES["LG002"] / 2, int(el.sum())), self.taken)
        room = t[idx, S["accept"]] - t[idx, S["call"]]
        t[idx, S["ticket"]] = t[idx, S["call"]] + _uniform(rng, 5, np.minimum(room, 60), len(idx))
        # LG003: history starts at the review (registered) or at the reject (rejected)
        el = bg & registered & (t[:, S["rev1"]] >= 0)
        idx = _pick(rng, el, _count(RATES["LG003"] * 0.8, int(el.sum())), self.taken)
        for slot in ("book", "ticket", "call", "accept", "charge", "s1", "r1"):
            t[idx, S[slot]] = -1
        el = bg & (t[:, S["reject"]] >= 0)
        idx2 = _pick(rng, el, _count(RATES["LG003"] * 0.2, int(el.sum()), 1), self.taken)
        for slot in ("book", "ticket", "call", "accept", "charge", "s1", "r1", "rev1", "rev2"):
            t[idx2, S[slot]] = -1
        self.no_history = np.concatenate([idx, idx2])

    def duplicate_rows(self, case_idx: np.ndarray, slot: np.ndarray) -> np.ndarray:
        """LG004: exact duplicates of a charge / certify / register row; returns the row indices with them."""
        c, rng, n, t = self.c, self.rng, self.n, self.t
        S = SLOT
        bg = c["tag"] == T["background"]
        el = bg & ((t[:, S["cert"]] >= 0) | (t[:, S["charge"]] >= 0))
        dup_cases = _pick(rng, el, _count(RATES["LG004"], int(bg.sum())), self.taken)
        want = np.zeros(n, dtype=np.int64) - 1
        pref = np.where(t[dup_cases, S["cert"]] >= 0, S["cert"], S["charge"])
        pref = np.where(rng.random(len(dup_cases)) < 0.3, np.where(t[dup_cases, S["reg"]] >= 0, S["reg"], pref), pref)
        want[dup_cases] = pref
        dup = np.flatnonzero(want[case_idx] == slot)
        return np.concatenate([np.arange(len(case_idx)), dup])

    def delete_rows(
        self,
        slot: np.ndarray,
        case_idx: np.ndarray,
        office: np.ndarray,
        seq: np.ndarray,
        order: np.ndarray,
        start: np.ndarray,
    ) -> np.ndarray:
        """LG001: delete a few certify / issue / archive rows of clean cases (never an office's first or last)."""
        c, rng, n = self.c, self.rng, self.n
        S = SLOT
        bg = c["tag"] == T["background"]
        deletable = np.isin(slot, [S["cert"], S["issue"], S["archive"]]) & bg[case_idx] & ~self.taken[case_idx]
        is_edge = np.zeros(len(slot), dtype=bool)
        ends = np.r_[start, np.r_[start[1:], len(order)] - 1]
        is_edge[order[ends]] = True
        deletable &= ~is_edge
        k = _count(RATES["LG001"], n)
        gone = _pick(rng, deletable, k)
        # sometimes the next row (in seq order) goes too: one gap of two
        pos = np.empty(len(slot), dtype=np.int64)
        pos[order] = np.arange(len(order))
        nxt = order[np.minimum(pos[gone] + 1, len(order) - 1)]
        also = nxt[(rng.random(len(gone)) < 0.3) & deletable[nxt]]
        gone = np.unique(np.concatenate([gone, also]))
        keep = np.ones(len(slot), dtype=bool)
        keep[gone] = False
        self.deleted = (office[gone], seq[gone])
        return keep

    def label_integrity(self) -> None:
        cal, n, ev, n_ops = self.cal, self.n, self.ev, self.n_ops
        f, has = self.first, self.has
        registered = has["register"]
        op, act, case = ev["op"], ev["act"], ev["case"]
        NA = len(ACT)
        self.fire(
            "LG002",
            (has["accept"] & registered & (f["register"] < f["accept"]))
            | (has["ticket"] & has["call"] & (f["call"] < f["ticket"])),
        )
        self.fire("LG003", (registered | has["complete"]) & ~has["accept"])
        key = np.sort(((case * NA + act) * BIG + (ev["time"] - cal.t0)) * n_ops + (op + 1))
        dup = key[1:] == key[:-1]
        m = np.zeros(n, dtype=bool)
        m[key[1:][dup] // n_ops // BIG // NA] = True
        self.fire("LG004", m)

    def lg001_labels(self) -> pd.DataFrame:
        """LG001 per gap in an office's event_seq."""
        off_d, seq_d = self.deleted
        o = np.lexsort((seq_d, off_d))
        off_d, seq_d = off_d[o], seq_d[o]
        run_start = np.ones(len(seq_d), dtype=bool)
        run_start[1:] = (off_d[1:] != off_d[:-1]) | (seq_d[1:] != seq_d[:-1] + 1)
        gaps = _cat(self.offices[off_d[run_start]], ":", seq_d[run_start].astype("T"))
        return pd.DataFrame({"rule_id": "LG001", "key": gaps.astype(object), "note": "deleted rows"})
