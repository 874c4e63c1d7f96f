"""Queue family (QJ): injected overtaking scenarios."""

from __future__ import annotations

import numpy as np

from .common import (
    REASONS,
    B,
    T,
    _uniform,
)


class QueueCases:
    # ------------------------------------------------------------ queue scenarios

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
