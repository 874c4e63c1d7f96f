"""Time-limit family (TL): late, stuck and nearly-due cases, and the cases on the limit that must not fire."""

from __future__ import annotations

import numpy as np

from .common import (
    DAY,
    LIMIT,
    SLOT,
    B,
    T,
    _count,
    _h,
    _pick,
)

RATES: dict[str, float] = {
    "TL001": 0.015,  # L=5 cases registered 1-3 working days late
    "TL002": 0.005,  # cases stuck open long before the cut-off
}


class TimeLimitCases:
    # ------------------------------------------------------------ fixed cases

    def timelimit_near_misses(self, unit: np.ndarray) -> None:
        cal, cb = self.cal, self.cb
        nm = T["near_miss"]
        # registered exactly on the limit day: accepted Mon 09-07, registered Mon 09-14 (elapsed 5)
        cb.add(
            1,
            bt=B["transfer"],
            tag=nm,
            a_wd=cal.idx("2026-09-07"),
            a_sec=_h(10),
            hall=0,
            susp=0,
            end=0,
            reg_wd=cal.idx("2026-09-14"),
            reg_sec=_h(15),
            unit=unit[0],
        )
        # across National Day: accepted Mon 09-28, registered Sat 10-10 (make-up day): elapsed 5
        cb.add(
            1,
            bt=B["transfer"],
            tag=nm,
            a_wd=cal.idx("2026-09-28"),
            a_sec=_h(10),
            hall=0,
            susp=0,
            end=0,
            reg_wd=cal.idx("2026-10-10"),
            reg_sec=_h(11),
            unit=unit[1],
        )
        # open on the make-up Saturday as-of: accepted Wed 09-30, elapsed 3 at 10-10
        cb.add(
            1, bt=B["transfer"], tag=nm, a_wd=cal.idx("2026-09-30"), a_sec=_h(10), hall=0, susp=0, end=3, unit=unit[2]
        )

    def timelimit_positives(self, unit: np.ndarray) -> None:
        """Open cases at the as-of (TL003, TL002), so that every seed has them."""
        cal, cb = self.cal, self.cb
        fx = T["fixed"]
        cb.add(
            1, bt=B["transfer"], tag=fx, a_wd=cal.idx("2026-09-29"), a_sec=_h(10), hall=0, susp=0, end=3, unit=unit[0]
        )
        cb.add(
            1, bt=B["transfer"], tag=fx, a_wd=cal.idx("2026-09-24"), a_sec=_h(10), hall=0, susp=0, end=3, unit=unit[1]
        )

    # ------------------------------------------------------------ per-case injections

    def inject_timelimits(self) -> None:
        """TL001: late registrations; TL002 / TL003: stuck and nearly-due open cases; an open suspended near-miss."""
        c, rng, cal, t, n = self.c, self.rng, self.cal, self.t, self.n
        S = SLOT
        bt = c["bt"]
        bg = c["tag"] == T["background"]
        self.taken = ~bg
        self.tl_late = np.zeros(n, dtype=bool)
        registered = t[:, S["reg"]] >= 0
        five = (LIMIT[bt] == 5) & bg & registered & ~self.susp & (t[:, S["cert"]] >= 0)
        # TL001: register 1-3 working days after the limit; later slots move along
        idx = _pick(rng, five, _count(RATES["TL001"], int(five.sum())), self.taken)
        a = np.searchsorted(cal.wd, (t[idx, S["accept"]] // DAY).astype("datetime64[D]"))
        reg_day = np.searchsorted(cal.wd, (t[idx, S["reg"]] // DAY).astype("datetime64[D]"))
        shift = a + LIMIT[bt[idx]] + rng.integers(1, 4, len(idx)) - reg_day
        for slot in ("reg", "cert", "issue", "complete", "archive"):
            col = t[idx, S[slot]]
            day = np.searchsorted(cal.wd, (col // DAY).astype("datetime64[D]"))
            new_day = np.clip(day + shift, 0, cal.cutoff_idx + 30)
            ok = (col >= 0) & (day + shift <= cal.cutoff_idx)
            t[idx, S[slot]] = np.where(ok, cal.wd_sec[np.clip(new_day, 0, cal.cutoff_idx)] + col % DAY, -1)
        self.tl_late[idx] = True
        # TL002: stuck cases accepted long ago (nothing after the review)
        old = bg & (LIMIT[bt] > 0) & (t[:, S["accept"]] >= 0) & (t[:, S["accept"]] < cal.wd_sec[cal.cutoff_idx - 40])
        idx = _pick(rng, old, _count(RATES["TL002"], int(old.sum())), self.taken)
        for slot in ("s2", "r2", "reg", "reject", "withdraw", "cert", "issue", "complete", "archive"):
            t[idx, S[slot]] = -1
        self.stuck = idx
        # open near the as-of: 4-5 working days elapsed (TL003) or 6 (TL002)
        acc_wd = np.searchsorted(cal.wd, (np.maximum(t[:, S["accept"]], 0) // DAY).astype("datetime64[D]"))
        near = (
            bg
            & (LIMIT[bt] == 5)
            & ~self.susp
            & (t[:, S["accept"]] >= 0)
            & (acc_wd >= cal.cutoff_idx - 6)
            & (acc_wd <= cal.cutoff_idx - 4)
        )
        idx = _pick(rng, near, max(3, int(0.3 * near.sum())), self.taken)
        for slot in ("s2", "r2", "reg", "reject", "withdraw", "cert", "issue", "complete", "archive"):
            t[idx, S[slot]] = -1
        # near-miss: open, suspended since (unpaired suspend runs to the as-of): not late
        el = (
            bg
            & self.susp
            & (LIMIT[bt] == 5)
            & (t[:, S["accept"]] > cal.wd_sec[cal.cutoff_idx - 30])
            & (t[:, S["accept"]] < cal.wd_sec[cal.cutoff_idx - 10])
        )
        idx = _pick(rng, el, 2, self.taken)
        for slot in (
            "r1",
            "rev1",
            "rev2",
            "s2",
            "r2",
            "reg",
            "reject",
            "withdraw",
            "cert",
            "issue",
            "complete",
            "archive",
        ):
            t[idx, S[slot]] = -1

    # ------------------------------------------------------------ labels

    def label_timelimits(self) -> None:
        c, cal, n = self.c, self.cal, self.n
        f, has, as_of = self.first, self.has, self.as_of
        bt = c["bt"]
        limit = LIMIT[bt]
        timed = has["accept"] & (limit >= 0)
        ends = np.where(
            np.stack([f["register"], f["complete"], f["reject"]]) >= 0,
            np.stack([f["register"], f["complete"], f["reject"]]),
            np.iinfo(np.int64).max,
        ).min(axis=0)
        ended = ends < np.iinfo(np.int64).max
        withdrawn = ~ended & has["withdraw"]
        end_t = np.where(ended, ends, as_of)
        cum = cal.workdays_upto
        W = np.maximum(cum(end_t) - cum(f["accept"]), 0)
        a_day = cal.day_offset(f["accept"])
        e_day = cal.day_offset(end_t)
        suspended = np.zeros(n, dtype=np.int64)
        T_ = self.t
        for s_slot, r_slot in (("s1", "r1"), ("s2", "r2")):
            s = T_[:, SLOT[s_slot]]
            r = T_[:, SLOT[r_slot]]
            on = s >= 0
            r_t = np.where(r >= 0, r, end_t)
            lo = np.maximum(cal.day_offset(s), a_day)
            hi = np.minimum(cal.day_offset(r_t), e_day)
            cnt = np.where(hi > lo, cal.cum[np.clip(hi, 0, None)] - cal.cum[np.clip(lo, 0, None)], 0)
            suspended += np.where(on, cnt, 0)
        elapsed = W - suspended
        self.elapsed = elapsed
        self.fire("TL001", timed & ended & (elapsed > limit))
        self.fire("TL002", timed & ~ended & ~withdrawn & (elapsed > limit))
        self.fire("TL003", timed & ~ended & ~withdrawn & (limit - elapsed <= 1) & (elapsed <= limit))
