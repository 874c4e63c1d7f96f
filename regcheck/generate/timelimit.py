"""Time-limit family (TL): late, stuck and nearly-due cases."""

from __future__ import annotations

import numpy as np

from .common import (
    DAY,
    LIMIT,
    OPEN,
    RATES,
    SLOT,
    B,
    T,
    _count,
    _pick,
    _uniform,
)


class TimeLimitCases:
    # ------------------------------------------------------------ per-case injections

    def inject_times(self) -> None:
        """TL001 / TL002 / LG002 / LG003: changes to times (after the timeline)."""
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
