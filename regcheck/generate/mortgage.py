"""Mortgage family (MG): unit stories with seals, objections and repeated mortgages."""

from __future__ import annotations

import numpy as np

from .common import (
    T,
)


class MortgageCases:
    def mg001(self, k: int) -> None:
        rng = self.rng
        office = rng.integers(0, self.n_off, k)
        day = self.random_day(k, 0, self.cal.cutoff_idx - 40)
        stack = rng.random(k) < 0.3
        s, st = ~stack, stack
        self.story_block(
            office[s], day[s], [("seal", 0, 1), ("mortgage", 2, 1), ("unseal", 12 + 0 * day[s], 1)], T["mg001_story"]
        )
        z = 0 * day[st]
        self.story_block(
            office[st],
            day[st],
            [("seal", z, 1), ("seal", z + 1, 1), ("unseal", z + 10, 1), ("mortgage", z + 13, 1), ("unseal", z + 25, 1)],
            T["mg001_story"],
        )

    def mg003(self, k: int) -> None:
        rng = self.rng
        office = rng.integers(0, self.n_off, k)
        day = self.random_day(k, 0, self.cal.cutoff_idx - 30)
        z = 0 * day
        self.story_block(
            office,
            day,
            [("objection", z, 1), ("mortgage", z + 1, 1), ("objection_cancel", z + 20, 1)],
            T["mg003_story"],
        )

    def mg005(self, k: int) -> None:
        rng = self.rng
        office = rng.integers(0, self.n_off, k)
        day = self.random_day(k, 0, self.cal.cutoff_idx - 20)
        z = 0 * day
        self.story_block(
            office, day, [("mortgage", z, 1), ("mortgage", z + 4, 1), ("mortgage", z + 8, 1)], T["mg005_story"]
        )

    def stories(self, n: int) -> None:
        rng = self.rng
        last = self.cal.cutoff_idx

        def group(share: float, span: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            k = max(2, int(share * n))
            return rng.integers(0, self.n_off, k), self.random_day(k, 0, last - span), np.zeros(k, dtype=np.int64)

        st = T["story"]
        o, d, z = group(0.004, 80)
        gap = rng.integers(15, 60, len(d))
        self.story_block(
            o, d, [("mortgage", z, 1), ("seal", z + 8, 1), ("unseal", gap + 8, 1), ("mortgage", gap + 11, 1)], st
        )
        o, d, z = group(0.001, 60)
        self.story_block(
            o,
            d,
            [("seal", z, 1), ("seal", z + 2, 1), ("unseal", z + 20, 1), ("unseal", z + 30, 1), ("mortgage", z + 33, 1)],
            st,
        )
        o, d, z = group(0.003, 40)
        self.story_block(
            o,
            d,
            [("objection", z, 1), ("objection_cancel", z + rng.integers(2, 8, len(d)), 1), ("mortgage", z + 10, 1)],
            st,
        )
        o, d, z = group(0.002, 40)
        self.story_block(o, d, [("objection", z, 1), ("mortgage", z + 16, 1)], st)  # lapsed objection
        o, d, z = group(0.02, 10)
        self.story_block(o, d, [("transfer", z, 1), ("mortgage", z + rng.integers(0, 2, len(d)), 1)], st)
        o, d, z = group(0.003, 300)
        self.story_block(
            o,
            d,
            [("mortgage", z, 1), ("mortgage_cancel", z + rng.integers(60, 200, len(d)), 1), ("mortgage", z + 250, 1)],
            st,
        )
