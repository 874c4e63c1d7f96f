"""Approval family (AP): use changes, splits and merges carrying approval numbers, and their injections."""

from __future__ import annotations

import numpy as np

from .common import (
    CAL_START,
    CK_MERGE,
    CK_SPLIT,
    CK_USE,
    DAY,
    OFFICE_CITY,
    OPEN,
    SLOT,
    B,
    T,
    U,
    _cat,
    _count,
    _h,
    _pick,
)

RATES: dict[str, float] = {
    "AP001": 0.05,  # approval-requiring cases registered without a number
    "AP002": 0.05,  # approval dated after registration
    "AP003": 0.003,  # transfers whose use changed without use_change
    "AP004": 0.03,  # approval number of another parcel reused
    "AP005": 0.03,  # number not in the registry
}


class ApprovalCases:
    # ------------------------------------------------------------ fixed cases

    def approval_near_misses(self, unit: np.ndarray) -> None:
        cal, cb = self.cal, self.cb
        nm = T["near_miss"]
        # same-parcel split sharing one approval number (units 1 and 2 of one parcel)
        story = self.new_story(1)[0]
        for r in range(2):
            cb.add(
                1,
                bt=B["change"],
                tag=nm,
                a_wd=cal.idx("2026-09-08"),
                a_sec=_h(10, 10 * r),
                hall=0,
                susp=0,
                end=0,
                unit=unit[5] + r,
                approval=story,
                ck=CK_SPLIT,
                use_after=U["commercial"],
                land=0,
            )
        # approval dated on the registration day (written with full-width digits)
        story = self.new_story(1)[0]
        self.approval_on_reg_day = story
        cb.add(
            1,
            bt=B["change"],
            tag=nm,
            a_wd=cal.idx("2026-09-07"),
            a_sec=_h(10),
            hall=0,
            susp=0,
            end=0,
            reg_wd=cal.idx("2026-09-10"),
            reg_sec=_h(11),
            unit=unit[6],
            approval=story,
            ck=CK_USE,
            use_before=U["industrial"],
            use_after=U["commercial"],
            land=0,
        )

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

    # ------------------------------------------------------------ attributes

    def approval_attributes(self) -> None:
        """AP003 use changes, the approval numbers, then AP001 / AP002 / AP004 / AP005 per case."""
        c, rng, n = self.c, self.rng, self.n
        bt = c["bt"]
        bg = c["tag"] == T["background"]
        special = c["special"]
        use_before, use_after = self.use_before, self.use_after
        ck = self.ck
        approval = c["approval"].copy()  # approval-story id, -1 none
        # AP003 (a): transfer whose uses differ, no change_kind, no approval
        el = bg & (bt == B["transfer"]) & ~special & (use_before < 0)
        idx = _pick(rng, el, _count(RATES["AP003"], int((bt == B["transfer"]).sum())), self.taken)
        use_before[idx] = U["industrial"]
        use_after[idx] = U["commercial"]
        # AP003 (b): split whose uses differ without use_change
        story = approval >= 0
        splits = story & (ck == CK_SPLIT) & (c["tag"] == T["approval_story"])
        first_of_story = np.zeros(n, dtype=bool)
        sid = np.where(story, approval, -1)
        order = np.lexsort((np.arange(n), sid))
        fs = np.ones(n, dtype=bool)
        fs[1:] = sid[order][1:] != sid[order][:-1]
        first_of_story[order[fs]] = True
        idx = _pick(rng, splits & first_of_story, max(1, int(0.1 * (splits & first_of_story).sum())))
        use_before[idx] = U["industrial"]
        use_after[idx] = U["commercial"]
        number, issuer, a_date, year = self._approval_numbers(approval, story)
        self._approval_cases(approval, first_of_story, number, issuer, a_date, year)

    def _approval_numbers(
        self, approval: np.ndarray, story: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """One number per approval story, issued 5-120 days before the story's earliest acceptance."""
        c, rng, n, t = self.c, self.rng, self.n, self.t
        S = SLOT
        n_story = self.story_counter
        acc_day = np.where(t[:, S["accept"]] >= 0, t[:, S["accept"]], self.cal.abs(c["a_wd"], np.full(n, OPEN)))
        earliest = np.full(n_story, np.iinfo(np.int64).max)
        np.minimum.at(earliest, approval[story], acc_day[story])
        ok_story = earliest < np.iinfo(np.int64).max
        approved_abs = np.where(ok_story, earliest - self.rng.integers(5, 120, n_story) * DAY, 0)
        year = (approved_abs // DAY).astype("datetime64[D]").astype("datetime64[Y]").astype(int) + 1970
        order = np.lexsort((np.arange(n_story), year))
        seq = np.empty(n_story, dtype=np.int64)
        ys = year[order]
        start = np.r_[0, np.flatnonzero(ys[1:] != ys[:-1]) + 1]
        seq[order] = np.arange(n_story) - np.repeat(start, np.diff(np.r_[start, n_story])) + 1
        prefix = np.where(rng.random(n_story) < 0.7, "合自然资规〔", "皖规批〔").astype("T")
        number = _cat(prefix, year.astype("T"), "〕", seq.astype("T"), "号")
        issuer = np.where(
            np.strings.startswith(prefix, "合"), f"{OFFICE_CITY}自然资源和规划局", "安徽省自然资源厅"
        ).astype("T")
        a_date = (approved_abs // DAY).astype("datetime64[D]")
        # fixed near-miss: approval dated on the registration day
        nm = self.approval_on_reg_day
        carriers = np.flatnonzero(approval == nm)
        a_date[nm] = (t[carriers[0], S["reg"]] // DAY).astype("datetime64[D]")
        return number, issuer, a_date, year

    def _approval_cases(
        self,
        approval: np.ndarray,
        first_of_story: np.ndarray,
        number: np.ndarray,
        issuer: np.ndarray,
        a_date: np.ndarray,
        year: np.ndarray,
    ) -> None:
        """Per case: approval id (index into the numbers), written form, date; the AP injections."""
        c, rng, n, t = self.c, self.rng, self.n, self.t
        S = SLOT
        registered = t[:, S["reg"]] >= 0
        n_story = self.story_counter
        carriers = np.flatnonzero(approval == self.approval_on_reg_day)
        appr = approval.copy()
        written_fw = np.zeros(n, dtype=bool)
        written_fw[carriers] = True
        date_missing = np.zeros(n, dtype=bool)
        st = (c["tag"] == T["approval_story"]) & first_of_story
        reg_st = st & registered
        ap_taken = np.zeros(n, dtype=bool)  # approval stories are not background: own bookkeeping
        # AP001: registered without number (some keep a date)
        ap1 = _pick(rng, reg_st, _count(RATES["AP001"], int(st.sum())), ap_taken)
        self.ap_blank = ap1
        # AP002: approval dated after registration (story-wide: all carriers get the late date)
        ap2 = _pick(rng, reg_st, _count(RATES["AP002"], int(st.sum())), ap_taken)
        late = (t[ap2, S["reg"]] // DAY).astype("datetime64[D]") + rng.integers(1, 30, len(ap2))
        a_date[approval[ap2]] = late
        # no approval_date at all (not AP001, not AP002)
        nod = _pick(rng, st, max(1, int(0.03 * st.sum())), ap_taken)
        date_missing[np.isin(approval, approval[nod])] = True
        # AP005: a number not in the registry (fabricated)
        ap5 = _pick(rng, reg_st, _count(RATES["AP005"], int(st.sum())), ap_taken)
        in_registry = np.ones(n_story + len(ap5), dtype=bool)
        fake = n_story + np.arange(len(ap5))
        in_registry[fake] = False
        fake_no = _cat(
            np.array(["合规批字〔"] * len(ap5), dtype="T"),
            year[approval[ap5]].astype("T"),
            "〕第",
            (1 + np.arange(len(ap5))).astype("T"),
            "号",
        )
        number = np.concatenate([number, fake_no])
        a_date = np.concatenate([a_date, a_date[approval[ap5]]])
        remap = np.arange(n_story)
        remap[approval[ap5]] = fake
        appr = np.where(approval >= 0, remap[np.clip(approval, 0, None)], -1)
        # AP004: reuse another parcel's number (30 % written with full-width digits)
        donors = np.flatnonzero(st & ~np.isin(np.arange(n), ap1))
        el = st & np.isin(np.arange(n), np.concatenate([ap1, ap2, ap5]), invert=True) & ~np.isin(appr, appr[ap5])
        ap4 = _pick(rng, el, _count(RATES["AP004"], int(st.sum())), ap_taken)
        if len(donors) > 1 and len(ap4):
            donor = rng.choice(donors, len(ap4))
            bad = appr[donor] == appr[ap4]
            donor[bad] = donors[(np.searchsorted(donors, donor[bad]) + 1) % len(donors)]
            appr[ap4] = appr[donor]
            written_fw[ap4[rng.random(len(ap4)) < 0.3]] = True
        appr[np.isin(np.arange(n), ap1)] = -1
        # an unreferenced approval-requiring split story loses its number on all parts only via ap1 (first part)
        self.approval_number = number
        self.approval_issuer = np.concatenate([issuer, np.array(["合肥市规划委员会"] * len(ap5), dtype="T")])
        self.approval_date = a_date
        self.in_registry = in_registry
        self.appr = appr
        self.appr_fw = written_fw
        self.appr_date_missing = date_missing | (appr < 0) & (rng.random(n) < 0.5)

    # ------------------------------------------------------------ labels

    def label_approvals(self) -> None:
        c, cal, n = self.c, self.cal, self.n
        f = self.first
        registered = self.has["register"]
        ck, ub, ua = self.ck, self.use_before, self.use_after
        differ = (ub >= 0) & (ua >= 0) & (ub != ua)
        requiring = ((ck & 7) != 0) | differ
        appr = self.appr
        reg_day = cal.day_offset(f["register"])
        a_date = self.approval_date[np.clip(appr, 0, None)]
        appr_day = (a_date - CAL_START).astype(np.int64)
        dated = (appr >= 0) & ~self.appr_date_missing
        self.fire("AP001", registered & requiring & (appr < 0))
        self.fire("AP002", registered & requiring & dated & (appr_day > reg_day))
        self.fire("AP003", differ & ((ck & CK_USE) == 0))
        carriers = np.flatnonzero(appr >= 0)
        parcel = c["unit"] // (100 * 10000)
        with_unit = carriers[c["unit"][carriers] >= 0]
        pairs = np.unique(np.stack([appr[with_unit], parcel[with_unit]], axis=1), axis=0)
        multi = np.bincount(pairs[:, 0], minlength=len(self.approval_number)) >= 2
        m = np.zeros(n, dtype=bool)
        m[carriers] = multi[appr[carriers]]
        self.fire("AP004", m)
        self.fire("AP005", registered & requiring & (appr >= 0) & ~self.in_registry[np.clip(appr, 0, None)])
