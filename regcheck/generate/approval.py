"""Approval family (AP): use changes, splits and merges carrying approval numbers."""

from __future__ import annotations

import numpy as np

from .common import (
    CK_MERGE,
    CK_SPLIT,
    CK_USE,
    B,
    T,
)


class ApprovalCases:
    def approval_stories(self, n: int) -> None:
        """Use changes, splits (2-3 units of one parcel, one approval) and merges."""
        rng = self.rng
        last = self.cal.cutoff_idx
        tag = T["approval_story"]
        k = max(6, int(0.006 * n))
        office = rng.integers(0, self.n_off, k)
        units = self.story_units(office)
        before = rng.integers(0, 4, k)  # residential, commercial, industrial, office
        after = (before + rng.integers(1, 4, k)) % 4
        self.cb.add(
            k,
            office=office,
            bt=B["change"],
            tag=tag,
            a_wd=self.random_day(k, 0, last),
            unit=units,
            approval=self.new_story(k),
            ck=CK_USE,
            use_before=before,
            use_after=after,
            land=0,
        )
        k = max(4, int(0.003 * n))
        office = rng.integers(0, self.n_off, k)
        units = self.story_units(office)
        day = self.random_day(k, 0, last)
        story = self.new_story(k)
        parts = rng.integers(2, 4, k)
        rep = np.repeat(np.arange(k), parts)
        room = np.arange(len(rep)) - np.repeat(np.cumsum(parts) - parts, parts)
        self.cb.add(
            len(rep),
            office=office[rep],
            bt=B["change"],
            tag=tag,
            a_wd=day[rep],
            unit=units[rep] + room,
            approval=story[rep],
            ck=CK_SPLIT,
            land=0,
        )
        k = max(2, int(0.002 * n))
        office = rng.integers(0, self.n_off, k)
        self.cb.add(
            k,
            office=office,
            bt=B["change"],
            tag=tag,
            a_wd=self.random_day(k, 0, last),
            unit=self.story_units(office),
            approval=self.new_story(k),
            ck=CK_MERGE,
            land=0,
        )
