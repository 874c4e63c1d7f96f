"""The base timeline: units, the plan of case blocks, the case table, the times of every slot, uses."""

from __future__ import annotations

import numpy as np

from .common import (
    BIG,
    CERTIFIED,
    CLOSE,
    COURT,
    DAY,
    FREE,
    HALL_SHARE,
    LIMIT,
    MIX,
    OPEN,
    REVIEW_LAG,
    SLOT,
    SLOTS,
    B,
    T,
    U,
    _uniform,
)


class TimelineCases:
    # ------------------------------------------------------------ units

    @staticmethod
    def unit_key(*parts: np.ndarray | int) -> np.ndarray:
        """office, zone, sub-zone, feature (0 GB / 1 JC), parcel, building, room -> one int64."""
        office, zone, sub, feat, parcel, bld, room = parts
        k = np.asarray(office, dtype=np.int64)
        for v, base in ((zone, 100), (sub, 100), (feat, 2), (parcel, 100000), (bld, 100), (room, 10000)):
            k = k * base + np.asarray(v, dtype=np.int64)
        return k

    def story_units(self, office: np.ndarray, rooms: int = 1) -> np.ndarray:
        """Fresh parcels (zone 90-98) for stories: returns unit keys of room 1 (add r-1 for room r)."""
        office = np.asarray(office, dtype=np.int64)
        out = np.empty(len(office), dtype=np.int64)
        for o in range(self.n_off):
            sel = np.flatnonzero(office == o)
            seq = self.unit_counter[o] + np.arange(len(sel))
            self.unit_counter[o] += len(sel)
            out[sel] = self.unit_key(o, 90 + seq // 90000, 1 + (seq // 9000) % 10, 0, 1 + seq % 9000, 1, 1)
        return out

    # ------------------------------------------------------------ plan

    def random_day(self, n: int, lo: int = 0, hi: int | None = None) -> np.ndarray:
        hi = self.cal.cutoff_idx if hi is None else hi
        return self.rng.integers(lo, hi + 1, n)

    def plan(self) -> None:
        rng, cal, n = self.rng, self.cal, self.n_target
        self.near_misses()
        last = cal.cutoff_idx
        # -- injected scenario groups
        self.queue_scenarios(n)
        self.mortgage_scenarios(n)
        # -- clean stories
        self.stories(n)
        self.approval_stories(n)
        used = sum(len(b["bt"]) for b in self.cb.blocks)
        used += self.plan_queries(n)
        # -- standalone background
        n_bg = n - used
        if n_bg < 100:
            raise ValueError("too few cases for the scenarios; use more cases")
        names = list(MIX)
        p = np.array([MIX[k] for k in names])
        bt = np.array([B[k] for k in names])[rng.choice(len(names), n_bg, p=p / p.sum())]
        self.cb.add(n_bg, office=rng.integers(0, self.n_off, n_bg), bt=bt, a_wd=self.random_day(n_bg, 0, last))

    # ------------------------------------------------------------ fixed near-misses

    def near_misses(self) -> None:
        """Fixed cases that must not fire, then a few fixed positives; each family adds its own, in this order."""
        unit = self.story_units(np.zeros(12, dtype=np.int64))
        self.timelimit_near_misses(unit)  # units 0-2
        self.mortgage_near_misses(unit)  # units 3-4
        self.approval_near_misses(unit)  # units 5-6
        self.collateral_near_miss(unit)  # unit 7
        self.duty_near_misses(unit)  # units 8-9
        self.query_near_misses(unit)  # units 10-11
        unit = self.story_units(np.zeros(4, dtype=np.int64))
        self.timelimit_positives(unit)  # units 0-2
        self.mortgage_positives(unit)  # unit 3

    def new_story(self, n: int) -> np.ndarray:
        ids = self.story_counter + np.arange(n)
        self.story_counter += n
        return ids

    # ------------------------------------------------------------ unit stories

    def story_block(
        self, office: np.ndarray, day: np.ndarray, steps: list[tuple[str, np.ndarray, int]], tag: int
    ) -> None:
        """Cases on one fresh unit per story: steps = (business type, accept-day offset, room)."""
        unit = self.story_units(office)
        story = self.new_story(len(office))
        for bt, offset, room in steps:
            a = day + offset
            keep = a <= self.cal.cutoff_idx
            self.cb.add(
                int(keep.sum()),
                office=office[keep],
                bt=B[bt],
                tag=tag,
                a_wd=a[keep],
                hall=0,
                susp=0,
                end=np.where(bt in ("seal", "unseal", "objection", "objection_cancel"), 0, -1),
                unit=unit[keep] + room - 1,
                story=story[keep],
            )

    # ------------------------------------------------------------ build the case table

    def build_cases(self) -> None:
        c = self.cb.build()
        self.c = c
        self.n = len(c["bt"])
        rng = self.rng
        n = self.n
        # pool units for cases without one
        pool = c["unit"] < 0
        idx = rng.integers(0, self.pool_size, n)
        special = rng.random(n) < 0.05
        eligible_special = np.isin(c["bt"], [B["first"], B["transfer"], B["correction"], B["cancel"]])
        special &= eligible_special
        parcel = idx // 200 + 1
        zone = np.where(special, 50 + parcel % 10, 1 + parcel % 40)
        sub = 1 + (parcel // 40) % 20
        special_uses = np.array(
            [U["homestead"]] * 4
            + [U["education"], U["medical"], U["elderly_care"], U["public"], U["other"], U["commercial"]]
        )
        sp = special_uses[(idx * 7919) % 10]
        feat = (special & np.isin(sp, [U["homestead"], U["commercial"]])).astype(np.int64)
        pool_key = self.unit_key(c["office"], zone, sub, feat, parcel, 1 + (idx // 20) % 10, 1 + idx % 20)
        c["unit"] = np.where(pool, pool_key, c["unit"])
        c["special"] = np.where(pool, special, False)
        c["special_use"] = np.where(c["special"], sp, -1)

    def _next(
        self,
        prev_wd: np.ndarray,
        prev_sec: np.ndarray,
        day: np.ndarray,
        lo: int = 9 * 3600,
        hi: int = 16 * 3600 + 30 * 60,
    ) -> np.ndarray:
        """The next slot's seconds: later the same day as the previous one, or at random on another day."""
        rng = self.rng
        same = day == prev_wd
        room = np.maximum(CLOSE - prev_sec, 2)
        gap = np.maximum(1, np.floor(room * (0.05 + 0.35 * rng.random(len(day))))).astype(np.int64)
        return np.where(same, prev_sec + gap, _uniform(rng, lo, hi, len(day)))

    def timeline(self) -> None:
        """Times of every slot, as (working-day index, seconds of day) -> absolute seconds."""
        c, rng, cal, n = self.c, self.rng, self.cal, self.n
        bt = c["bt"]
        lag = REVIEW_LAG[bt]
        query = bt == B["query"]
        k0 = lag == 0
        latest = np.where(k0, 15 * 3600 + 30 * 60, 16 * 3600 + 30 * 60)
        wd = np.full((n, len(SLOTS)), -1, dtype=np.int64)
        sec = np.full((n, len(SLOTS)), -1, dtype=np.int64)
        hall = np.where(c["hall"] >= 0, c["hall"] == 1, rng.random(n) < HALL_SHARE[bt]) & ~query
        self.hall = hall
        acc = self._front_desk(wd, sec, latest)
        v = self._processing(wd, sec, acc, k0)
        reg, reg_sec, done, rej = self._register(wd, sec, v)
        self._after_registration(wd, sec, reg, reg_sec, done, rej)
        self.end = v["end"]
        self.susp = v["susp"]
        self.notice = v["notice"]
        S = SLOT
        # absolute times; the export stops at the cut-off
        t = np.where(wd >= 0, cal.wd_sec[np.clip(wd, 0, cal.cutoff_idx)] + sec, -1)
        t[wd > cal.cutoff_idx] = -1
        t[:, S["book"]] = self.book_abs
        t[t > cal.cutoff_abs] = -1
        work = wd[:, : SLOT["query"]] >= 0
        if (sec[:, : SLOT["query"]][work] > CLOSE).any():  # queries may be off-hours on purpose
            raise AssertionError("event after office hours")
        self.t = t

    def _front_desk(self, wd: np.ndarray, sec: np.ndarray, latest: np.ndarray) -> np.ndarray:
        """Booking, ticket, call (in ticket order per queue), accept (or the query); returns accept seconds."""
        c, rng, cal, n, hall = self.c, self.rng, self.cal, self.n, self.hall
        query = c["bt"] == B["query"]
        a = c["a_wd"]
        # hall: ticket, call (called in ticket order per queue), accept
        tk = np.where(c["tk_sec"] >= 0, c["tk_sec"], _uniform(rng, OPEN, latest - 1800, n))
        self.queue = self.queue_of(c)
        free_hall = hall & (c["call_sec"] < 0)
        t_abs = cal.abs(a, tk)
        raw = t_abs + rng.integers(60, 1500, n)
        qkey = c["office"] * 8 + self.queue
        ordr = np.flatnonzero(free_hall)
        ordr = ordr[np.lexsort((t_abs[ordr], qkey[ordr]))]
        v = qkey[ordr] * (BIG * 64) + (raw[ordr] - cal.t0)
        called = np.maximum.accumulate(v) - qkey[ordr] * (BIG * 64) + cal.t0
        call_abs = raw.copy()
        call_abs[ordr] = called
        call = np.where(c["call_sec"] >= 0, c["call_sec"], call_abs - cal.wd_sec[np.clip(a, 0, None)])
        acc = np.where(
            hall, call + rng.integers(60, 240, n), np.where(c["a_sec"] >= 0, c["a_sec"], _uniform(rng, OPEN, latest, n))
        )
        acc = np.where(query, c["a_sec"], acc)
        acc = np.where(query & (acc < 0), _uniform(rng, OPEN, CLOSE - 60, n), acc)
        S = SLOT
        wd[hall, S["ticket"]] = a[hall]
        sec[hall, S["ticket"]] = tk[hall]
        wd[hall, S["call"]] = a[hall]
        sec[hall, S["call"]] = call[hall]
        wd[query, S["query"]] = a[query]
        sec[query, S["query"]] = acc[query]
        case = ~query
        wd[case, S["accept"]] = a[case]
        sec[case, S["accept"]] = acc[case]
        # appointment booked online 1-7 days before (any day, 07:00-22:00)
        book = hall & (rng.random(n) < 0.35)
        self.book_abs = np.where(
            book,
            np.maximum(cal.wd_sec[np.clip(a, 0, None)] - rng.integers(1, 8, n) * DAY, cal.wd_sec[0] - DAY)
            + _uniform(rng, 7 * 3600, 22 * 3600, n),
            -1,
        )
        return acc

    def _processing(self, wd: np.ndarray, sec: np.ndarray, acc: np.ndarray, k0: np.ndarray) -> dict[str, np.ndarray]:
        """Fee row, end kind, suspension, review(s), 公告: the arrays the registration builds on."""
        c, rng, n = self.c, self.rng, self.n
        bt = c["bt"]
        lag = REVIEW_LAG[bt]
        query = bt == B["query"]
        a = c["a_wd"]
        S = SLOT
        case = ~query
        # fee row
        fee_row = case & ~COURT[bt] & (~FREE[bt] | (rng.random(n) < 0.5))
        self.fee_row = fee_row
        pw, ps = a.copy(), acc.copy()
        wd[fee_row, S["charge"]] = a[fee_row]
        sec[fee_row, S["charge"]] = self._next(a, acc, a)[fee_row]
        ps = np.where(fee_row, sec[:, S["charge"]], ps)
        # end kind
        end = c["end"].copy()
        r = rng.random(n)
        rnd = end < 0
        end[rnd] = np.select([r[rnd] < 0.02, r[rnd] < 0.03], [1, 2], 0)
        # pre-review suspension (补正材料 / 地籍调查)
        susp = np.where(c["susp"] >= 0, c["susp"] == 1, (rng.random(n) < np.where(bt == B["first"], 0.3, 0.1)) & ~k0)
        susp &= case & ~k0
        s1 = a + rng.integers(0, 2, n)
        r1 = s1 + np.where(bt == B["first"], rng.integers(3, 15, n), rng.integers(1, 8, n))
        wd[susp, S["s1"]] = s1[susp]
        sec[susp, S["s1"]] = self._next(pw, ps, s1)[susp]
        wd[susp, S["r1"]] = r1[susp]
        sec[susp, S["r1"]] = _uniform(rng, OPEN, 16 * 3600, n)[susp]
        self.s1_reason = np.where(bt == B["first"], rng.integers(0, 2, n), 0)
        enter_wd = np.where(susp, r1, a)
        enter_sec = np.where(susp, sec[:, S["r1"]], ps)
        # review(s)
        rev = np.where(c["rev_wd"] >= 0, c["rev_wd"], enter_wd + lag)
        rev_sec = np.where(c["rev_sec"] >= 0, c["rev_sec"], self._next(enter_wd, enter_sec, rev))
        wd[case, S["rev1"]] = rev[case]
        sec[case, S["rev1"]] = rev_sec[case]
        two = case & (rng.random(n) < 0.4) & (c["tag"] == T["background"])
        wd[two, S["rev2"]] = rev[two]
        sec[two, S["rev2"]] = self._next(rev, rev_sec, rev)[two]
        pw, ps = rev.copy(), np.where(two, sec[:, S["rev2"]], rev_sec)
        # 公告 for first registrations (15 working days)
        notice = case & (bt == B["first"]) & (rng.random(n) < 0.8)
        s2 = pw.copy()
        r2 = s2 + 15 + rng.integers(0, 2, n)
        wd[notice, S["s2"]] = s2[notice]
        sec[notice, S["s2"]] = self._next(pw, ps, s2)[notice]
        wd[notice, S["r2"]] = r2[notice]
        sec[notice, S["r2"]] = _uniform(rng, OPEN, 16 * 3600, n)[notice]
        pw = np.where(notice, r2, pw)
        ps = np.where(notice, sec[:, S["r2"]], ps)
        return dict(
            end=end,
            susp=susp,
            s1=s1,
            r1=r1,
            notice=notice,
            s2=s2,
            r2=r2,
            pw=pw,
            ps=ps,
            rev=rev,
            enter_wd=enter_wd,
            enter_sec=enter_sec,
        )

    def _register(
        self, wd: np.ndarray, sec: np.ndarray, v: dict[str, np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Register (or reject) within the budget left by the limit; withdrawn and stuck cases stop early."""
        c, rng, n = self.c, self.rng, self.n
        bt = c["bt"]
        limit = LIMIT[bt]
        case = bt != B["query"]
        a = c["a_wd"]
        S = SLOT
        end, susp, s1, r1, notice, s2, r2 = v["end"], v["susp"], v["s1"], v["r1"], v["notice"], v["s2"], v["r2"]
        pw, ps, rev, enter_wd, enter_sec = v["pw"], v["ps"], v["rev"], v["enter_wd"], v["enter_sec"]
        # register within the budget left by the limit
        suspended = np.where(susp, r1 - s1, 0) + np.where(notice, r2 - s2, 0)
        used = (pw - a) - suspended
        budget = np.maximum(limit - used, 0)
        cap = np.where(bt == B["first"], 8, np.where(rng.random(n) < 0.5, 1, budget))
        reg = np.where(
            c["reg_wd"] >= 0, np.maximum(c["reg_wd"], pw), pw + _uniform(rng, 0, np.minimum(budget, cap) + 1, n)
        )
        chained = self._next(pw, ps, reg)
        reg_sec = np.where((c["reg_sec"] >= 0) & ((reg > pw) | (c["reg_sec"] > ps)), c["reg_sec"], chained)
        done = case & (end == 0)
        rej = case & (end == 1)
        wd[done, S["reg"]] = reg[done]
        sec[done, S["reg"]] = reg_sec[done]
        wd[rej, S["reject"]] = reg[rej]
        sec[rej, S["reject"]] = reg_sec[rej]
        # withdrawn before review: drop everything from the review on
        wdr = case & (end == 2)
        wd[wdr, S["withdraw"]] = rev[wdr]
        sec[wdr, S["withdraw"]] = self._next(enter_wd, enter_sec, rev)[wdr]
        for slot in ("rev1", "rev2", "s2", "r2"):
            wd[wdr, S[slot]] = -1
        # stuck: nothing after the review; stuck suspended: nothing after the suspend
        stuck = case & (end == 3)
        stuck_s = case & (end == 4)
        for slot in ("s2", "r2"):
            wd[stuck, S[slot]] = -1
        for slot in ("r1", "rev1", "rev2", "s2", "r2"):
            wd[stuck_s, S[slot]] = -1
        return reg, reg_sec, done, rej

    def _after_registration(
        self, wd: np.ndarray, sec: np.ndarray, reg: np.ndarray, reg_sec: np.ndarray, done: np.ndarray, rej: np.ndarray
    ) -> None:
        """Certificate, issue, complete, archive."""
        c, rng, n = self.c, self.rng, self.n
        bt = c["bt"]
        S = SLOT
        # after registration: certificate, issue, complete, archive
        cw = reg + rng.integers(0, 2, n)
        cs = self._next(reg, reg_sec, cw)
        cert = done & CERTIFIED[bt]
        wd[cert, S["cert"]] = cw[cert]
        sec[cert, S["cert"]] = cs[cert]
        iw = np.where(cert, cw + rng.integers(0, 3, n), reg)
        isec = np.where(cert, self._next(cw, cs, iw), reg_sec)
        wd[cert, S["issue"]] = iw[cert]
        sec[cert, S["issue"]] = isec[cert]
        closing = done | rej
        cpw = np.where(cert, iw, reg)
        cps = np.where(cert, isec, reg_sec)
        comp = self._next(cpw, cps, cpw)
        wd[closing, S["complete"]] = cpw[closing]
        sec[closing, S["complete"]] = comp[closing]
        aw = cpw + rng.integers(1, 6, n)
        wd[closing, S["archive"]] = aw[closing]
        sec[closing, S["archive"]] = _uniform(rng, OPEN, 16 * 3600, n)[closing]

    def queue_of(self, c: dict[str, np.ndarray]) -> np.ndarray:
        """Hall queue code per case: 0 = blank (office default), 1 A, 2 B, 3 C."""
        bt, office = c["bt"], c["office"]
        mortgage = np.isin(bt, [B["mortgage"], B["mortgage_cancel"]])
        style = office % 4
        q = np.where(mortgage, 2, 1)
        q = np.where(style == 2, 0, q)
        q = np.where((style == 3) & np.isin(bt, [B["first"], B["change"], B["correction"]]), 3, q)
        return q

    # ------------------------------------------------------------ attributes

    def base_attributes(self) -> None:
        """Uses, land and change kinds of every case (the families inject into them afterwards)."""
        c, rng, n = self.c, self.rng, self.n
        bt = c["bt"]
        bg = c["tag"] == T["background"]
        # uses and land from the unit (pool units: regular or special)
        unit_hash = (c["unit"] // 10000) * 7 + (c["unit"] % 10000)
        regular = np.array([0] * 14 + [1] * 3 + [3] * 2 + [2])  # residential, commercial, office, industrial
        use = regular[unit_hash % 20]
        sp = c["special_use"]
        special = c["special"]
        use = np.where(special, sp, use)
        land = np.where(special & np.isin(sp, [U["homestead"], U["commercial"]]), 1, 0)
        use_after = np.where(c["use_after"] >= 0, c["use_after"], use)
        land = np.where(c["land"] >= 0, c["land"], land)
        # objections and cancellations need not name a use; queries never
        no_use = np.isin(bt, [B["objection"], B["objection_cancel"], B["query"]]) & (rng.random(n) < 0.5)
        use_after = np.where(no_use | (bt == B["query"]), -1, use_after)
        land = np.where(bt == B["query"], -1, land)
        use_before = c["use_before"].copy()
        same = bg & (bt == B["transfer"]) & (rng.random(n) < 0.1)
        use_before[same] = use_after[same]
        ck = c["ck"].copy()
        self.use_after, self.use_before, self.land, self.ck = use_after, use_before, land, ck
