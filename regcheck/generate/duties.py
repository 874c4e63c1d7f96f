"""Duties family (SD): operators, their roster and the injected duty violations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import (
    CAL_START,
    DAY,
    GIVEN,
    SLOT,
    SLOTS,
    SURNAMES,
    A,
    B,
    T,
    _cat,
    _count,
    _h,
    _pick,
)

RATES: dict[str, float] = {
    "SD001": 0.005,
    "SD002": 0.006,  # unknown / untrained / inactive operator
    "SD003": 0.003,  # registered by a non-registrar
}


class DutyCases:
    # ------------------------------------------------------------ fixed cases

    def duty_near_misses(self, unit: np.ndarray) -> None:
        """A departed clerk's last day and a new clerk's first day (operators set in operators())."""
        cal, cb = self.cal, self.cb
        nm = T["near_miss"]
        cb.add(
            1, bt=B["transfer"], tag=nm, a_wd=cal.idx("2025-06-30"), a_sec=_h(10), hall=0, susp=0, end=0, unit=unit[8]
        )
        cb.add(
            1, bt=B["transfer"], tag=nm, a_wd=cal.idx("2026-03-02"), a_sec=_h(10), hall=0, susp=0, end=0, unit=unit[9]
        )

    # ------------------------------------------------------------ staff

    def operators(self) -> None:
        """Staff per office, sized by volume; every slot's operator; the SD injections."""
        c, cal, t = self.c, self.cal, self.t
        S = SLOT
        bt = c["bt"]
        office = c["office"]
        volume = np.bincount(office, minlength=self.n_off) / len(cal.wd)
        nW = np.maximum(3, np.ceil(volume / 25)).astype(int)
        nR = np.maximum(2, np.ceil(volume / 40)).astype(int)
        nD = np.maximum(2, np.ceil(volume / 60)).astype(int)
        # queries: round robin per (office, day) so that nobody does more than 45
        query = (bt == B["query"]) & (c["tag"] != T["iq003_bulk"]) & (c["tag"] != T["near_miss"])
        qi = np.flatnonzero(query)
        qday = t[qi, S["query"]] // DAY
        key = office[qi] * 100000 + (qday - qday.min() if len(qday) else 0)
        order = np.lexsort((t[qi, S["query"]], key))
        ks = key[order]
        start = np.r_[0, np.flatnonzero(ks[1:] != ks[:-1]) + 1]
        counts = np.diff(np.r_[start, len(ks)])
        rank = np.arange(len(ks)) - np.repeat(start, counts)
        per_office_max = np.zeros(self.n_off, dtype=int)
        np.maximum.at(per_office_max, office[qi][order][start], counts)
        nQ = np.maximum(2, np.ceil(per_office_max / 45)).astype(int)
        self._operator_table(nW, nR, nD, nQ)
        left, new, left_day, new_day = self._assign_operators(nW, nQ, qi, order, rank)
        self._duty_injections(left, new, left_day, new_day)

    def _operator_table(self, nW: np.ndarray, nR: np.ndarray, nD: np.ndarray, nQ: np.ndarray) -> None:
        """Clerks (W), reviewers (R), registrars (D), query staff (Q) and the special ones, per office."""
        ids: dict[tuple[int, str], np.ndarray] = {}
        table: list[str] = []

        def staff(o: int, prefix: str, k: int, offset: int = 0) -> np.ndarray:
            first = len(table)
            for i in range(k):
                table.append(f"{self.offices[o]}-{prefix}{i + 1 + offset}")
            return np.arange(first, first + k)

        for o in range(self.n_off):
            ids[(o, "W")] = staff(o, "W", nW[o])
            ids[(o, "R")] = staff(o, "R", nR[o])
            ids[(o, "D")] = staff(o, "D", nD[o])
            ids[(o, "Q")] = staff(o, "Q", nQ[o])
            ids[(o, "left")] = staff(o, "W", 1, offset=nW[o])
            ids[(o, "new")] = staff(o, "W", 1, offset=nW[o] + 1)
            ids[(o, "untrained")] = staff(o, "W", 1, offset=nW[o] + 2)
            ids[(o, "nmq")] = staff(o, "Q", 1, offset=nQ[o])
            ids[(o, "unknown")] = staff(o, "T", 1)
        self.op_table = np.array(table, dtype="T")
        self.ids = ids

    def _pool(self, kind: str) -> np.ndarray:
        """Per case, a random member of its office's staff of this kind."""
        office, rng, n, ids = self.c["office"], self.rng, self.n, self.ids
        out = np.empty(n, dtype=np.int64)
        for o in range(self.n_off):
            sel = office == o
            members = ids[(o, kind)]
            out[sel] = members[rng.integers(0, len(members), int(sel.sum()))]
        return out

    def _assign_operators(
        self, nW: np.ndarray, nQ: np.ndarray, qi: np.ndarray, order: np.ndarray, rank: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, int, int]:
        """Operators of every slot; returns the departed and the new clerk per case and their days."""
        c, rng, cal, t, n = self.c, self.rng, self.cal, self.t, self.n
        S = SLOT
        bt = c["bt"]
        office = c["office"]
        ids = self.ids
        ops = np.full((n, len(SLOTS)), -1, dtype=np.int64)
        clerk = self._pool("W")
        # the departed clerk worked until 2025-06-30, the new one from 2026-03-02
        acc_t = np.where(t[:, S["accept"]] >= 0, t[:, S["accept"]], t[:, S["rev1"]])
        left_day = cal.wd_sec[cal.idx("2025-06-30")]
        new_day = cal.wd_sec[cal.idx("2026-03-02")]
        roll = rng.random(n) < 1 / (nW[office] + 1)
        left = np.array([ids[(o, "left")][0] for o in range(self.n_off)])[office]
        new = np.array([ids[(o, "new")][0] for o in range(self.n_off)])[office]
        clerk = np.where(roll & (acc_t < left_day + DAY), left, clerk)
        clerk = np.where(roll & (acc_t >= new_day), new, clerk)
        nm = c["tag"] == T["near_miss"]
        nm_day = t[:, S["accept"]] // DAY * DAY
        clerk = np.where(nm & (nm_day == left_day), left, clerk)
        clerk = np.where(nm & (nm_day == new_day), new, clerk)
        for slot in ("call", "accept"):
            ops[:, S[slot]] = clerk
        ops[:, S["charge"]] = np.where(rng.random(n) < 0.3, -1, clerk)
        ops[:, S["s1"]] = self._pool("W")
        ops[:, S["r1"]] = self._pool("W")
        ops[:, S["rev1"]] = self._pool("R")
        ops[:, S["rev2"]] = self._pool("R")
        ops[:, S["s2"]] = ops[:, S["rev1"]]
        ops[:, S["r2"]] = ops[:, S["rev1"]]
        reg = self._pool("D")
        ops[:, S["reg"]] = reg
        ops[:, S["reject"]] = reg
        ops[:, S["cert"]] = self._pool("W")
        ops[:, S["issue"]] = self._pool("W")
        ops[:, S["complete"]] = np.where(rng.random(n) < 0.5, reg, self._pool("W"))
        ops[:, S["archive"]] = np.where(rng.random(n) < 0.6, -1, self._pool("W"))
        qop = np.full(n, -1, dtype=np.int64)
        qpool = np.concatenate([ids[(o, "Q")] for o in range(self.n_off)])
        qstart = np.r_[0, np.cumsum(nQ)][:-1]
        oq = office[qi][order]
        qop[qi[order]] = qpool[qstart[oq] + rank % nQ[oq]]
        # near-miss queries: the extra query clerk of office 0
        qop[nm & (bt == B["query"])] = ids[(0, "nmq")][0]
        self.nQ = nQ
        ops[:, S["query"]] = qop
        self.ops = ops
        return left, new, left_day, new_day

    def _duty_injections(self, left: np.ndarray, new: np.ndarray, left_day: int, new_day: int) -> None:
        """SD001-SD003 on background cases."""
        c, rng, t, ops, ids = self.c, self.rng, self.t, self.ops, self.ids
        office = c["office"]
        S = SLOT
        # --- SD injections on background cases
        bg = c["tag"] == T["background"]
        S_ = S
        reg_ok = (t[:, S_["reg"]] >= 0) & (t[:, S_["accept"]] >= 0)
        idx = _pick(rng, bg & reg_ok, _count(RATES["SD001"], int((bg & reg_ok).sum())), self.taken)
        ops[idx, S_["accept"]] = ops[idx, S_["reg"]]  # the registrar accepted it himself
        accepted = bg & (t[:, S_["accept"]] >= 0)
        k = _count(RATES["SD002"], int(accepted.sum()), 4)
        idx = _pick(rng, accepted, k, self.taken)
        kind = np.arange(len(idx)) % 4
        unknown = np.array([ids[(o, "unknown")][0] for o in range(self.n_off)])
        untrained = np.array([ids[(o, "untrained")][0] for o in range(self.n_off)])
        o = office[idx]
        # 0: unknown operator on the review; 1: untrained clerk; 2: departed clerk later; 3: new clerk earlier
        rv = idx[(kind == 0) & (t[idx, S_["rev1"]] >= 0)]
        ops[rv, S_["rev1"]] = unknown[office[rv]]
        ops[idx[kind == 1], S_["accept"]] = untrained[o[kind == 1]]
        late = idx[(kind == 2) & (t[idx, S_["accept"]] > left_day + DAY)]
        ops[late, S_["accept"]] = left[late]
        early = idx[(kind == 3) & (t[idx, S_["accept"]] < new_day)]
        ops[early, S_["accept"]] = new[early]
        el = bg & (t[:, S_["reg"]] >= 0)
        idx = _pick(rng, el, _count(RATES["SD003"], int(el.sum())), self.taken)
        ops[idx, S_["reg"]] = ops[idx, S_["rev1"]]
        ops[idx[ops[idx, S_["reg"]] < 0], S_["reg"]] = self._pool("R")[idx[ops[idx, S_["reg"]] < 0]]

    # ------------------------------------------------------------ roster / registry

    def roster(self) -> pd.DataFrame:
        rng = self.rng
        m = len(self.op_table)
        ids = self.ids
        office = np.zeros(m, dtype=np.int64)
        post = np.empty(m, dtype=object)
        registrar = np.zeros(m, dtype=bool)
        trained = np.ones(m, dtype=bool)
        known = np.ones(m, dtype=bool)
        far_past, far_future = -(10**6), 10**6
        frm = np.full(m, far_past, dtype=np.int64)
        to = np.full(m, far_future, dtype=np.int64)
        day = lambda s: int((np.datetime64(s) - CAL_START).astype(np.int64))  # noqa: E731
        posts = {
            "W": "窗口受理",
            "R": "审核",
            "D": "登簿",
            "Q": "查询",
            "left": "窗口受理",
            "new": "窗口受理",
            "untrained": "窗口受理",
            "nmq": "查询",
            "unknown": "临时",
        }
        for (o, kind), members in ids.items():
            office[members] = o
            post[members] = posts[kind]
            if kind == "D":
                registrar[members] = True
            if kind == "untrained":
                trained[members] = False
            if kind == "left":
                to[members] = day("2025-06-30")
            if kind == "new":
                frm[members] = day("2026-03-02")
            if kind == "unknown":
                known[members] = False
        as_of_day = (np.int64(self.as_of) // DAY).astype("datetime64[D]")
        # post_since: within the last 4.5 years, except a few overdue registrars/reviewers (SD004)
        since = as_of_day - rng.integers(30, 1640, m)
        start_job = np.minimum(since, np.datetime64("2024-12-31"))
        key_post = np.isin(post, ["登簿", "审核"]) & known
        overdue = _pick(rng, key_post, max(1, int(0.05 * key_post.sum())))
        since[overdue] = as_of_day - rng.integers(1900, 4000, len(overdue))
        # near-miss: exactly five calendar years before the as-of date
        exact = _pick(rng, key_post & ~np.isin(np.arange(m), overdue), 1)
        y, md = str(as_of_day)[:4], str(as_of_day)[4:]
        since[exact] = np.datetime64(f"{int(y) - 5}{md}")
        since = np.where(frm > far_past, np.maximum(since, np.datetime64("2026-03-02")), since)
        start_job = np.where(frm > far_past, np.datetime64("2026-03-02"), np.minimum(start_job, since))
        # labelled by the finding's key, office:operator (one finding per office and operator)
        self.rotation_overdue = _cat(self.offices[office[overdue]].astype("T"), ":", self.op_table[overdue])
        self.roster_arrays = {"known": known, "trained": trained, "registrar": registrar, "from": frm, "to": to}
        names = _cat(
            SURNAMES[rng.integers(0, len(SURNAMES), m)],
            GIVEN[rng.integers(0, len(GIVEN), m)],
            GIVEN[rng.integers(0, len(GIVEN), m)],
        )
        hours = rng.integers(40, 90, m)
        hours[~trained] = 0
        roster = pd.DataFrame(
            {
                "operator_id": self.op_table.astype(object),
                "name": names.astype(object),
                "office_code": self.offices[office].astype(object),
                "post": post,
                "registrar": registrar,
                "trained": trained,
                "training_hours": hours,
                "active_from": np.where(frm > far_past, "2026-03-02", start_job.astype(str)).astype(object),
                "active_to": np.where(to < far_future, "2025-06-30", None).astype(object),
                "post_since": since.astype(str).astype(object),
            }
        )
        return roster[known].reset_index(drop=True)

    # ------------------------------------------------------------ labels

    def label_duties(self) -> None:
        cal, n, ev, n_ops = self.cal, self.n, self.ev, self.n_ops
        op, act, case = ev["op"], ev["act"], ev["case"]
        acc_rows = (act == A["accept"]) & (op >= 0)
        reg_rows = (act == A["register"]) & (op >= 0)
        reg_keys = case[reg_rows] * n_ops + op[reg_rows]
        same = np.isin(reg_keys, case[acc_rows] * n_ops + op[acc_rows])
        m = np.zeros(n, dtype=bool)
        m[reg_keys[same] // n_ops] = True
        self.fire("SD001", m)
        ro = self.roster_arrays
        day = cal.day_offset(ev["time"])
        opc = np.clip(op, 0, None)
        bad = (op >= 0) & (~ro["known"][opc] | ~ro["trained"][opc] | (day < ro["from"][opc]) | (day > ro["to"][opc]))
        m = np.zeros(n, dtype=bool)
        m[case[bad]] = True
        self.fire("SD002", m)
        m = np.zeros(n, dtype=bool)
        m[case[(act == A["register"]) & (op >= 0) & ro["known"][opc] & ~ro["registrar"][opc]]] = True
        self.fire("SD003", m)

    def sd004_labels(self) -> pd.DataFrame:
        """SD004 per roster row."""
        return pd.DataFrame({"rule_id": "SD004", "key": self.rotation_overdue.astype(object), "note": "post_since"})
