"""Mortgage family (MG): unit stories with seals, objections and repeated mortgages; collateral and amounts."""

from __future__ import annotations

import numpy as np

from .common import (
    BANKS,
    BIG,
    COMPANIES,
    DAY,
    FINANCIAL,
    PERSONS,
    SLOT,
    B,
    T,
    U,
    _count,
    _h,
    _pick,
)

RATES: dict[str, float] = {
    "MG001": 0.001,  # seal stories with a mortgage inside the sealed period (per case)
    "MG002": 0.02,  # registered mortgages on prohibited collateral
    "MG003": 0.0015,  # objection stories with a mortgage within 15 days (per case)
    "MG004": 0.02,  # amount above assessed value
    "MG005": 0.001,  # units with three mortgages within 30 days (per case)
    "MG006": 0.03,  # non-financial mortgagee
}


class MortgageCases:
    # ------------------------------------------------------------ fixed cases

    def mortgage_near_misses(self, unit: np.ndarray) -> None:
        """A mortgage the day after an unseal; one 16 days after an objection."""
        cal, cb = self.cal, self.cb
        nm = T["near_miss"]
        # mortgage registered the day after an unseal (Mon 08-31 -> Tue 09-01)
        cb.add(
            1,
            bt=B["seal"],
            tag=nm,
            a_wd=cal.idx("2026-07-06"),
            a_sec=_h(9, 30),
            hall=0,
            end=0,
            reg_wd=cal.idx("2026-07-06"),
            reg_sec=_h(14),
            unit=unit[3],
        )
        cb.add(
            1,
            bt=B["unseal"],
            tag=nm,
            a_wd=cal.idx("2026-08-31"),
            a_sec=_h(9),
            hall=0,
            end=0,
            reg_wd=cal.idx("2026-08-31"),
            reg_sec=_h(10, 30),
            unit=unit[3],
        )
        cb.add(
            1,
            bt=B["mortgage"],
            tag=nm,
            a_wd=cal.idx("2026-08-28"),
            a_sec=_h(9),
            hall=0,
            susp=0,
            end=0,
            rev_sec=_h(9, 30),
            reg_wd=cal.idx("2026-09-01"),
            reg_sec=_h(10, 30),
            unit=unit[3],
        )
        # mortgage registered 16 days after an objection (08-03 10:00 -> 08-19 10:00)
        cb.add(
            1,
            bt=B["objection"],
            tag=nm,
            a_wd=cal.idx("2026-08-03"),
            a_sec=_h(9),
            hall=0,
            end=0,
            reg_wd=cal.idx("2026-08-03"),
            reg_sec=_h(10),
            unit=unit[4],
        )
        cb.add(
            1,
            bt=B["mortgage"],
            tag=nm,
            a_wd=cal.idx("2026-08-17"),
            a_sec=_h(9, 30),
            hall=0,
            susp=0,
            end=0,
            rev_sec=_h(9, 20),
            reg_wd=cal.idx("2026-08-19"),
            reg_sec=_h(10),
            unit=unit[4],
        )

    def collateral_near_miss(self, unit: np.ndarray) -> None:
        cal, cb = self.cal, self.cb
        nm = T["near_miss"]
        # collective land, commercial use: mortgage allowed (MG002 near-miss)
        cb.add(
            1,
            bt=B["mortgage"],
            tag=nm,
            a_wd=cal.idx("2026-06-08"),
            a_sec=_h(10),
            hall=0,
            susp=0,
            end=0,
            unit=unit[7],
            use_after=U["commercial"],
            land=1,
        )

    def mortgage_positives(self, unit: np.ndarray) -> None:
        """Three mortgages on one unit within 30 days (MG005), so that every seed has them."""
        cal, cb = self.cal, self.cb
        fx = T["fixed"]
        cb.add(1, bt=B["seal"], tag=fx, a_wd=cal.idx("2026-10-10"), a_sec=_h(9), hall=0, end=3, unit=unit[2])
        for day, reg in (("2026-06-01", "2026-06-03"), ("2026-06-08", "2026-06-10"), ("2026-06-15", "2026-06-17")):
            cb.add(
                1,
                bt=B["mortgage"],
                tag=fx,
                a_wd=cal.idx(day),
                a_sec=_h(9),
                hall=0,
                susp=0,
                end=0,
                reg_wd=cal.idx(reg),
                reg_sec=_h(15),
                unit=unit[3],
            )

    # ------------------------------------------------------------ unit stories

    def mortgage_scenarios(self, n: int) -> None:
        self.mg001(_count(RATES["MG001"], n))
        self.mg003(_count(RATES["MG003"], n))
        self.mg005(_count(RATES["MG005"], n, 1))

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

    # ------------------------------------------------------------ attributes

    def mortgage_attributes(self) -> None:
        """Mortgagee, amount and assessed value; MG002 / MG004 / MG006 injections."""
        c, rng, n, t = self.c, self.rng, self.n, self.t
        S = SLOT
        bt = c["bt"]
        bg = c["tag"] == T["background"]
        registered = t[:, S["reg"]] >= 0
        mortgage = bt == B["mortgage"]
        use_after, land = self.use_after, self.land
        bank = rng.random(n) < 0.85
        mtype = np.where(mortgage, np.where(bank, 0, 1), -1)
        mortgagee = np.where(bank, rng.integers(0, len(BANKS), n), rng.integers(0, len(FINANCIAL), n))
        value = np.round(rng.uniform(3e5, 5e6, n), -2)
        amount = np.round(value * rng.uniform(0.3, 0.8, n), -2)
        mg_bg = bg & mortgage
        mg_reg = mg_bg & registered
        idx = _pick(rng, mg_reg & ~c["special"], _count(RATES["MG002"], int(mg_reg.sum())), self.taken)
        kind = rng.integers(0, 5, len(idx))
        use_after[idx] = np.array([U["homestead"], U["education"], U["medical"], U["elderly_care"], U["residential"]])[
            kind
        ]
        land[idx] = np.where(kind == 4, 1, np.where(kind == 0, 1, 0))
        idx = _pick(rng, mg_reg, _count(RATES["MG004"], int(mg_reg.sum())), self.taken)
        amount[idx] = np.where(rng.random(len(idx)) < 0.5, value[idx] + 0.01, np.round(value[idx] * 1.2, -2))
        idx = _pick(rng, mg_reg, _count(RATES["MG006"], int(mg_reg.sum())), self.taken)
        mtype[idx] = rng.integers(2, 4, len(idx))
        # near-miss: an unregistered company mortgage
        idx = _pick(rng, mg_bg & ~registered, 2, self.taken)
        mtype[idx] = 2
        names = np.array(BANKS + FINANCIAL + COMPANIES + PERSONS, dtype="T")
        mname = np.select(
            [mtype == 0, mtype == 1, mtype == 2, mtype == 3],
            [
                mortgagee % len(BANKS),
                len(BANKS) + mortgagee % len(FINANCIAL),
                len(BANKS) + len(FINANCIAL) + mortgagee % len(COMPANIES),
                len(BANKS) + len(FINANCIAL) + len(COMPANIES) + mortgagee % len(PERSONS),
            ],
            -1,
        )
        self.mortgagee_names = names
        self.mname = np.where(mortgage, mname, -1)
        self.mtype = np.where(mortgage, mtype, -1)
        self.amount = np.where(mortgage, amount, np.nan)
        self.value = np.where(mortgage & (rng.random(n) < 0.97), value, np.nan)

    # ------------------------------------------------------------ labels

    def label_mortgages(self) -> None:
        c, cal, n = self.c, self.cal, self.n
        f = self.first
        bt = c["bt"]
        registered = self.has["register"]
        unit = c["unit"]
        t_reg = f["register"] - cal.t0
        mort = registered & (bt == B["mortgage"])
        mi = np.flatnonzero(mort)
        qk = unit[mi] * BIG + t_reg[mi]

        def history(types: list[int], delta: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
            sel = np.flatnonzero(registered & np.isin(bt, types))
            keys = unit[sel] * BIG + t_reg[sel]
            o = np.argsort(keys, kind="stable")
            return keys[o], (np.ones(len(sel), dtype=np.int64) if delta is None else delta[sel])[o]

        delta = np.where(bt == B["seal"], 1, -1)
        keys, d = history([B["seal"], B["unseal"]], delta)
        csum = np.r_[0, np.cumsum(d)]
        before = np.searchsorted(keys, qk, "left")
        unit_start = np.searchsorted(keys, unit[mi] * BIG, "left")
        sealed = (csum[before] - csum[unit_start]) > 0
        m = np.zeros(n, dtype=bool)
        m[mi] = sealed
        self.fire("MG001", m)
        ua_ = self.use_after
        self.fire(
            "MG002",
            mort
            & (
                np.isin(ua_, [U["homestead"], U["education"], U["medical"], U["elderly_care"]])
                | ((self.land == 1) & (ua_ == U["residential"]))
            ),
        )
        okeys, _ = history([B["objection"]])
        ckeys, _ = history([B["objection_cancel"]])
        base = unit[mi] * BIG
        io = np.searchsorted(okeys, qk, "left") - 1
        t_o = np.where(io >= 0, okeys[np.maximum(io, 0)], -1)
        has_o = (io >= 0) & (t_o >= base)
        ic = np.searchsorted(ckeys, qk, "left") - 1
        t_c = np.where(ic >= 0, ckeys[np.maximum(ic, 0)], -1)
        has_c = (ic >= 0) & (t_c >= base)
        m = np.zeros(n, dtype=bool)
        m[mi] = has_o & (qk - t_o <= 15 * DAY) & ~(has_c & (t_c > t_o))
        self.fire("MG003", m)
        am, va = self.amount, self.value
        self.fire("MG004", mort & (am > 0) & (va > 0) & (am > va))
        mkeys, _ = history([B["mortgage"]])
        cnt = np.searchsorted(mkeys, qk, "right") - np.searchsorted(mkeys, qk - 30 * DAY, "right")
        m = np.zeros(n, dtype=bool)
        m[mi] = cnt >= 3
        self.fire("MG005", m)
        self.fire("MG006", mort & np.isin(self.mtype, [2, 3]))
