"""Queue family (QJ): injected overtaking scenarios and unjustified priorities."""

from __future__ import annotations

import numpy as np

from .common import (
    REASONS,
    SLOT,
    B,
    T,
    _count,
    _pick,
    _queue,
    _uniform,
)

RATES: dict[str, float] = {
    "QJ003": 0.005,  # hall cases: priority true, no reason
    "QJ001": 0.002,  # pairs (victim, jumper) per case
    "QJ002": 0.002,  # pairs (victim, early-reviewed jumper) per case
    "QJ004": 0.0005,  # groups (held-back case + 3-6 overtakers) per case
}


class QueueCases:
    # ------------------------------------------------------------ scenarios

    def queue_scenarios(self, n: int) -> None:
        n_qj1 = _count(RATES["QJ001"], n)
        self.qj001(n_qj1)
        self.qj002(_count(RATES["QJ002"], n))
        self.qj004(_count(RATES["QJ004"], n, 2))

    def qj001(self, k: int) -> None:
        rng, cal = self.rng, self.cal
        office = rng.integers(0, self.n_off, k)
        day = self.random_day(k, 0, cal.cutoff_idx - 8)
        t = _uniform(rng, 9 * 3600, 14 * 3600, k)
        variant = rng.random(k)
        variant[0] = 0.0  # the first pair is always a plain jump
        prio = np.where(variant < 0.7, -1, 1)
        reason = np.where(variant < 0.85, -1, rng.integers(0, len(REASONS), k))
        story = self.new_story(k)
        common = dict(office=office, bt=B["transfer"], a_wd=day, hall=1, susp=0, end=0, story=story)
        self.cb.add(k, tag=T["qj001_victim"], tk_sec=t, call_sec=t + 720, **common)
        self.cb.add(k, tag=T["qj001_jumper"], tk_sec=t + 120, call_sec=t + 240, prio=prio, reason=reason, **common)

    def qj002(self, k: int) -> None:
        rng, cal = self.rng, self.cal
        office = rng.integers(0, self.n_off, k)
        bt = np.where(rng.random(k) < 0.6, B["transfer"], B["mortgage"])
        day = self.random_day(k, 2, cal.cutoff_idx - 8)
        variant = rng.random(k)
        variant[0] = 0.0
        prio = np.where(variant < 0.7, -1, 1)
        reason = np.where(variant < 0.85, -1, rng.integers(0, len(REASONS), k))
        a_sec = _uniform(rng, 8 * 3600 + 40 * 60, 10 * 3600, k)
        common = dict(office=office, bt=bt, hall=0, susp=0, end=0)
        self.cb.add(
            k,
            tag=T["qj002_victim"],
            a_wd=day - 2,
            a_sec=_uniform(rng, 10 * 3600, 15 * 3600, k),
            rev_wd=day,
            rev_sec=_uniform(rng, 16 * 3600 + 40 * 60, 16 * 3600 + 55 * 60, k),
            **common,
        )
        self.cb.add(
            k,
            tag=T["qj002_jumper"],
            a_wd=day,
            a_sec=a_sec,
            rev_wd=day,
            rev_sec=a_sec + _uniform(rng, 600, 1800, k),
            prio=prio,
            reason=reason,
            **common,
        )

    def qj004(self, k: int) -> None:
        rng, cal = self.rng, self.cal
        office = rng.integers(0, self.n_off, k)
        bt = np.where(rng.random(k) < 0.6, B["transfer"], B["mortgage"])
        day = self.random_day(k, 0, cal.cutoff_idx - 10)
        common = dict(hall=0, susp=0, end=0)
        self.cb.add(
            k,
            office=office,
            bt=bt,
            tag=T["qj004_held"],
            a_wd=day,
            a_sec=_uniform(rng, 8 * 3600 + 40 * 60, 9 * 3600 + 30 * 60, k),
            rev_wd=day + 4,
            rev_sec=_uniform(rng, 17 * 3600 + 60, 17 * 3600 + 600, k),
            reg_wd=day + 5,
            **common,
        )
        m = np.where(rng.random(k) < 0.8, rng.integers(5, 7, k), rng.integers(3, 5, k))
        m[0] = 6
        rep = np.repeat(np.arange(k), m)
        j = len(rep)
        self.cb.add(
            j,
            office=office[rep],
            bt=bt[rep],
            tag=T["qj004_overtaker"],
            a_wd=day[rep] + rng.integers(1, 3, j),
            a_sec=_uniform(rng, 10 * 3600, 15 * 3600, j),
            **common,
        )

    # ------------------------------------------------------------ attributes

    def priority_attributes(self) -> None:
        """Priority: justified green channel, explicit false, unjustified (QJ003)."""
        c, rng, n, t = self.c, self.rng, self.n, self.t
        S = SLOT
        bg = c["tag"] == T["background"]
        prio, reason = c["prio"].copy(), c["reason"].copy()
        hall_bg = bg & self.hall
        green = _pick(rng, hall_bg, _count(0.01, int(hall_bg.sum())), self.taken)
        prio[green] = 1
        reason[green] = rng.integers(0, len(REASONS), len(green))
        late_reason = np.zeros(n, dtype=bool)
        late_reason[green[(rng.random(len(green)) < 0.3) & (t[green, S["rev1"]] >= 0)]] = True
        false = bg & (prio < 0) & (rng.random(n) < 0.05)
        prio[false] = 0
        qj3 = _pick(rng, hall_bg, _count(RATES["QJ003"], int(hall_bg.sum())), self.taken)
        prio[qj3] = 1
        reason[qj3] = -1
        self.late_reason = late_reason
        self.prio, self.reason = prio, reason

    # ------------------------------------------------------------ labels

    def label_queues(self) -> None:
        c, cal, n = self.c, self.cal, self.n
        f, has = self.first, self.has
        bt = c["bt"]
        T_ = self.t
        justified = (self.prio == 1) & (self.reason >= 0)
        hall = has["ticket"] & has["call"]
        hi_ = np.flatnonzero(hall)
        first_ticket_queue = self.queue  # scenarios and background keep one ticket row
        jumper, _, _ = _queue(
            c["office"][hi_] * 8 + first_ticket_queue[hi_], f["ticket"][hi_] - cal.t0, f["call"][hi_] - cal.t0, 0, None
        )
        m = np.zeros(n, dtype=bool)
        m[hi_[jumper]] = True
        self.fire("QJ001", m & ~justified)
        proc = has["accept"] & has["review"]
        pi = np.flatnonzero(proc)
        r1 = T_[:, SLOT["r1"]]
        enter = np.where((r1 >= 0) & (r1 < f["review"]), r1, f["accept"])
        _, held, light = _queue(
            c["office"][pi] * 16 + bt[pi], enter[pi] - cal.t0, f["review"][pi] - cal.t0, 24 * 3600, 5
        )
        m = np.zeros(n, dtype=bool)
        m[pi[held]] = True
        self.fire("QJ004", m)
        m = np.zeros(n, dtype=bool)
        m[pi[light]] = True
        self.fire("QJ002", m & ~justified)
        self.fire("QJ003", (self.prio == 1) & (self.reason < 0))
