"""The base timeline: units, the plan of case blocks, the case table and the times of every slot."""

from __future__ import annotations

import numpy as np

from .common import (
    BIG,
    CERTIFIED,
    CK_SPLIT,
    CK_USE,
    CLOSE,
    COURT,
    DAY,
    FREE,
    HALL_SHARE,
    LIMIT,
    MIX,
    OPEN,
    QUERY_SHARE,
    RATES,
    REVIEW_LAG,
    SLOT,
    SLOTS,
    B,
    T,
    U,
    _count,
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
        n_qj1 = _count(RATES["QJ001"], n)
        self.qj001(n_qj1)
        self.qj002(_count(RATES["QJ002"], n))
        self.qj004(_count(RATES["QJ004"], n, 2))
        self.mg001(_count(RATES["MG001"], n))
        self.mg003(_count(RATES["MG003"], n))
        self.mg005(_count(RATES["MG005"], n, 1))
        # -- clean stories
        self.stories(n)
        self.approval_stories(n)
        used = sum(len(b["bt"]) for b in self.cb.blocks)
        # -- queries (bulk batches are added in queries())
        n_query = int(QUERY_SHARE * n)
        n_bulk = _count(RATES["IQ003"], int(n_query / 40), 1)
        self.n_bulk = n_bulk
        bulk_sizes = rng.integers(51, 60, n_bulk)
        self.bulk_sizes = bulk_sizes
        n_query_bg = max(10, n_query - int(bulk_sizes.sum()))
        self.cb.add(
            n_query_bg, office=rng.integers(0, self.n_off, n_query_bg), bt=B["query"], a_wd=self.random_day(n_query_bg)
        )
        self.cb.add(
            int(bulk_sizes.sum()), bt=B["query"], tag=T["iq003_bulk"], office=0, a_wd=0
        )  # office / day / operator set in queries()
        used += n_query_bg + int(bulk_sizes.sum())
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
        cal, cb = self.cal, self.cb
        h = lambda hh, mm=0: hh * 3600 + mm * 60  # noqa: E731
        unit = self.story_units(np.zeros(12, dtype=np.int64))
        nm = T["near_miss"]
        # registered exactly on the limit day: accepted Mon 09-07, registered Mon 09-14 (elapsed 5)
        cb.add(
            1,
            bt=B["transfer"],
            tag=nm,
            a_wd=cal.idx("2026-09-07"),
            a_sec=h(10),
            hall=0,
            susp=0,
            end=0,
            reg_wd=cal.idx("2026-09-14"),
            reg_sec=h(15),
            unit=unit[0],
        )
        # across National Day: accepted Mon 09-28, registered Sat 10-10 (make-up day): elapsed 5
        cb.add(
            1,
            bt=B["transfer"],
            tag=nm,
            a_wd=cal.idx("2026-09-28"),
            a_sec=h(10),
            hall=0,
            susp=0,
            end=0,
            reg_wd=cal.idx("2026-10-10"),
            reg_sec=h(11),
            unit=unit[1],
        )
        # open on the make-up Saturday as-of: accepted Wed 09-30, elapsed 3 at 10-10
        cb.add(
            1, bt=B["transfer"], tag=nm, a_wd=cal.idx("2026-09-30"), a_sec=h(10), hall=0, susp=0, end=3, unit=unit[2]
        )
        # mortgage registered the day after an unseal (Mon 08-31 -> Tue 09-01)
        cb.add(
            1,
            bt=B["seal"],
            tag=nm,
            a_wd=cal.idx("2026-07-06"),
            a_sec=h(9, 30),
            hall=0,
            end=0,
            reg_wd=cal.idx("2026-07-06"),
            reg_sec=h(14),
            unit=unit[3],
        )
        cb.add(
            1,
            bt=B["unseal"],
            tag=nm,
            a_wd=cal.idx("2026-08-31"),
            a_sec=h(9),
            hall=0,
            end=0,
            reg_wd=cal.idx("2026-08-31"),
            reg_sec=h(10, 30),
            unit=unit[3],
        )
        cb.add(
            1,
            bt=B["mortgage"],
            tag=nm,
            a_wd=cal.idx("2026-08-28"),
            a_sec=h(9),
            hall=0,
            susp=0,
            end=0,
            rev_sec=h(9, 30),
            reg_wd=cal.idx("2026-09-01"),
            reg_sec=h(10, 30),
            unit=unit[3],
        )
        # mortgage registered 16 days after an objection (08-03 10:00 -> 08-19 10:00)
        cb.add(
            1,
            bt=B["objection"],
            tag=nm,
            a_wd=cal.idx("2026-08-03"),
            a_sec=h(9),
            hall=0,
            end=0,
            reg_wd=cal.idx("2026-08-03"),
            reg_sec=h(10),
            unit=unit[4],
        )
        cb.add(
            1,
            bt=B["mortgage"],
            tag=nm,
            a_wd=cal.idx("2026-08-17"),
            a_sec=h(9, 30),
            hall=0,
            susp=0,
            end=0,
            rev_sec=h(9, 20),
            reg_wd=cal.idx("2026-08-19"),
            reg_sec=h(10),
            unit=unit[4],
        )
        # same-parcel split sharing one approval number (units 1 and 2 of one parcel)
        story = self.new_story(1)[0]
        for r in range(2):
            cb.add(
                1,
                bt=B["change"],
                tag=nm,
                a_wd=cal.idx("2026-09-08"),
                a_sec=h(10, 10 * r),
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
            a_sec=h(10),
            hall=0,
            susp=0,
            end=0,
            reg_wd=cal.idx("2026-09-10"),
            reg_sec=h(11),
            unit=unit[6],
            approval=story,
            ck=CK_USE,
            use_before=U["industrial"],
            use_after=U["commercial"],
            land=0,
        )
        # collective land, commercial use: mortgage allowed (MG002 near-miss)
        cb.add(
            1,
            bt=B["mortgage"],
            tag=nm,
            a_wd=cal.idx("2026-06-08"),
            a_sec=h(10),
            hall=0,
            susp=0,
            end=0,
            unit=unit[7],
            use_after=U["commercial"],
            land=1,
        )
        # departed clerk's last day / new clerk's first day (operators set in operators())
        cb.add(
            1, bt=B["transfer"], tag=nm, a_wd=cal.idx("2025-06-30"), a_sec=h(10), hall=0, susp=0, end=0, unit=unit[8]
        )
        cb.add(
            1, bt=B["transfer"], tag=nm, a_wd=cal.idx("2026-03-02"), a_sec=h(10), hall=0, susp=0, end=0, unit=unit[9]
        )
        # 50 queries by one operator in a day, and queries on boundaries / make-up days
        cb.add(
            50,
            bt=B["query"],
            tag=nm,
            a_wd=cal.idx("2026-09-08"),
            a_sec=np.linspace(h(8, 40), h(17, 20), 50).astype(np.int64),
            unit=unit[10],
        )
        for day, sec in (("2026-09-10", h(8)), ("2026-09-10", h(18)), ("2026-09-20", h(10)), ("2026-10-10", h(10))):
            cb.add(1, bt=B["query"], tag=nm, a_wd=cal.idx(day), a_sec=sec, unit=unit[11])
        # fixed positives, so that every seed has them: open cases at the as-of (TL003, TL002) and
        # three mortgages on one unit within 30 days (MG005)
        fx = T["fixed"]
        unit = self.story_units(np.zeros(4, dtype=np.int64))
        cb.add(
            1, bt=B["transfer"], tag=fx, a_wd=cal.idx("2026-09-29"), a_sec=h(10), hall=0, susp=0, end=3, unit=unit[0]
        )
        cb.add(
            1, bt=B["transfer"], tag=fx, a_wd=cal.idx("2026-09-24"), a_sec=h(10), hall=0, susp=0, end=3, unit=unit[1]
        )
        cb.add(1, bt=B["seal"], tag=fx, a_wd=cal.idx("2026-10-10"), a_sec=h(9), hall=0, end=3, unit=unit[2])
        for day, reg in (("2026-06-01", "2026-06-03"), ("2026-06-08", "2026-06-10"), ("2026-06-15", "2026-06-17")):
            cb.add(
                1,
                bt=B["mortgage"],
                tag=fx,
                a_wd=cal.idx(day),
                a_sec=h(9),
                hall=0,
                susp=0,
                end=0,
                reg_wd=cal.idx(reg),
                reg_sec=h(15),
                unit=unit[3],
            )

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

    def timeline(self) -> None:
        """Times of every slot, as (working-day index, seconds of day) -> absolute seconds."""
        c, rng, cal, n = self.c, self.rng, self.cal, self.n
        bt = c["bt"]
        lag = REVIEW_LAG[bt]
        limit = LIMIT[bt]
        query = bt == B["query"]
        k0 = lag == 0
        latest = np.where(k0, 15 * 3600 + 30 * 60, 16 * 3600 + 30 * 60)
        wd = np.full((n, len(SLOTS)), -1, dtype=np.int64)
        sec = np.full((n, len(SLOTS)), -1, dtype=np.int64)
        a = c["a_wd"]
        hall = np.where(c["hall"] >= 0, c["hall"] == 1, rng.random(n) < HALL_SHARE[bt]) & ~query
        self.hall = hall

        def nxt(
            prev_wd: np.ndarray,
            prev_sec: np.ndarray,
            day: np.ndarray,
            lo: int = 9 * 3600,
            hi: int = 16 * 3600 + 30 * 60,
        ) -> np.ndarray:
            same = day == prev_wd
            room = np.maximum(CLOSE - prev_sec, 2)
            gap = np.maximum(1, np.floor(room * (0.05 + 0.35 * rng.random(len(day))))).astype(np.int64)
            return np.where(same, prev_sec + gap, _uniform(rng, lo, hi, len(day)))

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
        # fee row
        fee_row = case & ~COURT[bt] & (~FREE[bt] | (rng.random(n) < 0.5))
        self.fee_row = fee_row
        pw, ps = a.copy(), acc.copy()
        wd[fee_row, S["charge"]] = a[fee_row]
        sec[fee_row, S["charge"]] = nxt(a, acc, a)[fee_row]
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
        sec[susp, S["s1"]] = nxt(pw, ps, s1)[susp]
        wd[susp, S["r1"]] = r1[susp]
        sec[susp, S["r1"]] = _uniform(rng, OPEN, 16 * 3600, n)[susp]
        self.s1_reason = np.where(bt == B["first"], rng.integers(0, 2, n), 0)
        enter_wd = np.where(susp, r1, a)
        enter_sec = np.where(susp, sec[:, S["r1"]], ps)
        # review(s)
        rev = np.where(c["rev_wd"] >= 0, c["rev_wd"], enter_wd + lag)
        rev_sec = np.where(c["rev_sec"] >= 0, c["rev_sec"], nxt(enter_wd, enter_sec, rev))
        wd[case, S["rev1"]] = rev[case]
        sec[case, S["rev1"]] = rev_sec[case]
        two = case & (rng.random(n) < 0.4) & (c["tag"] == T["background"])
        wd[two, S["rev2"]] = rev[two]
        sec[two, S["rev2"]] = nxt(rev, rev_sec, rev)[two]
        pw, ps = rev.copy(), np.where(two, sec[:, S["rev2"]], rev_sec)
        # 公告 for first registrations (15 working days)
        notice = case & (bt == B["first"]) & (rng.random(n) < 0.8)
        s2 = pw.copy()
        r2 = s2 + 15 + rng.integers(0, 2, n)
        wd[notice, S["s2"]] = s2[notice]
        sec[notice, S["s2"]] = nxt(pw, ps, s2)[notice]
        wd[notice, S["r2"]] = r2[notice]
        sec[notice, S["r2"]] = _uniform(rng, OPEN, 16 * 3600, n)[notice]
        pw = np.where(notice, r2, pw)
        ps = np.where(notice, sec[:, S["r2"]], ps)
        # register within the budget left by the limit
        suspended = np.where(susp, r1 - s1, 0) + np.where(notice, r2 - s2, 0)
        used = (pw - a) - suspended
        budget = np.maximum(limit - used, 0)
        cap = np.where(bt == B["first"], 8, np.where(rng.random(n) < 0.5, 1, budget))
        reg = np.where(
            c["reg_wd"] >= 0, np.maximum(c["reg_wd"], pw), pw + _uniform(rng, 0, np.minimum(budget, cap) + 1, n)
        )
        chained = nxt(pw, ps, reg)
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
        sec[wdr, S["withdraw"]] = nxt(enter_wd, enter_sec, rev)[wdr]
        for slot in ("rev1", "rev2", "s2", "r2"):
            wd[wdr, S[slot]] = -1
        # stuck: nothing after the review; stuck suspended: nothing after the suspend
        stuck = case & (end == 3)
        stuck_s = case & (end == 4)
        for slot in ("s2", "r2"):
            wd[stuck, S[slot]] = -1
        for slot in ("r1", "rev1", "rev2", "s2", "r2"):
            wd[stuck_s, S[slot]] = -1
        # after registration: certificate, issue, complete, archive
        cw = reg + rng.integers(0, 2, n)
        cs = nxt(reg, reg_sec, cw)
        cert = done & CERTIFIED[bt]
        wd[cert, S["cert"]] = cw[cert]
        sec[cert, S["cert"]] = cs[cert]
        iw = np.where(cert, cw + rng.integers(0, 3, n), reg)
        isec = np.where(cert, nxt(cw, cs, iw), reg_sec)
        wd[cert, S["issue"]] = iw[cert]
        sec[cert, S["issue"]] = isec[cert]
        closing = done | rej
        cpw = np.where(cert, iw, reg)
        cps = np.where(cert, isec, reg_sec)
        comp = nxt(cpw, cps, cpw)
        wd[closing, S["complete"]] = cpw[closing]
        sec[closing, S["complete"]] = comp[closing]
        aw = cpw + rng.integers(1, 6, n)
        wd[closing, S["archive"]] = aw[closing]
        sec[closing, S["archive"]] = _uniform(rng, OPEN, 16 * 3600, n)[closing]
        self.end = end
        self.susp = susp
        self.notice = notice
        # absolute times; the export stops at the cut-off
        t = np.where(wd >= 0, cal.wd_sec[np.clip(wd, 0, cal.cutoff_idx)] + sec, -1)
        t[wd > cal.cutoff_idx] = -1
        t[:, S["book"]] = self.book_abs
        t[t > cal.cutoff_abs] = -1
        work = wd[:, : SLOT["query"]] >= 0
        if (sec[:, : SLOT["query"]][work] > CLOSE).any():  # queries may be off-hours on purpose
            raise AssertionError("event after office hours")
        self.t = t

    def queue_of(self, c: dict[str, np.ndarray]) -> np.ndarray:
        """Hall queue code per case: 0 = blank (office default), 1 A, 2 B, 3 C."""
        bt, office = c["bt"], c["office"]
        mortgage = np.isin(bt, [B["mortgage"], B["mortgage_cancel"]])
        style = office % 4
        q = np.where(mortgage, 2, 1)
        q = np.where(style == 2, 0, q)
        q = np.where((style == 3) & np.isin(bt, [B["first"], B["change"], B["correction"]]), 3, q)
        return q
