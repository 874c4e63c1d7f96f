"""The ground-truth labels, computed from the generated cases and rows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import (
    ACT,
    BIG,
    CAL_START,
    CK_MERGE,
    CK_SPLIT,
    CK_USE,
    DAY,
    FREE,
    HALVED,
    LIMIT,
    SLOT,
    TAGS,
    A,
    B,
    U,
    _cat,
    _first_per_group,
    _queue,
)


class LabelBuilder:
    # ------------------------------------------------------------ labels

    def labels(self) -> pd.DataFrame:
        c, cal, n, ev = self.c, self.cal, self.n, self.ev
        bt = c["bt"]
        out_rule: list[np.ndarray] = []
        out_case: list[np.ndarray] = []

        def fire(rule: str, mask: np.ndarray) -> None:
            idx = np.flatnonzero(mask)
            out_rule.append(np.full(len(idx), rule, dtype=object))
            out_case.append(idx)

        NA = len(ACT)
        first = _first_per_group(ev["case"] * NA + ev["act"], ev["time"], n * NA).reshape(n, NA)
        f = {name: first[:, i] for name, i in A.items()}
        self.first = f
        as_of = int(ev["time"].max())
        self.as_of = as_of
        has = {k: v >= 0 for k, v in f.items()}
        registered = has["register"]
        # ---- time limits
        limit = LIMIT[bt]
        timed = has["accept"] & (limit >= 0)
        ends = np.where(
            np.stack([f["register"], f["complete"], f["reject"]]) >= 0,
            np.stack([f["register"], f["complete"], f["reject"]]),
            np.iinfo(np.int64).max,
        ).min(axis=0)
        ended = ends < np.iinfo(np.int64).max
        withdrawn = ~ended & has["withdraw"]
        end_t = np.where(ended, ends, as_of)
        cum = cal.workdays_upto
        W = np.maximum(cum(end_t) - cum(f["accept"]), 0)
        a_day = cal.day_offset(f["accept"])
        e_day = cal.day_offset(end_t)
        suspended = np.zeros(n, dtype=np.int64)
        T_ = self.t
        for s_slot, r_slot in (("s1", "r1"), ("s2", "r2")):
            s = T_[:, SLOT[s_slot]]
            r = T_[:, SLOT[r_slot]]
            on = s >= 0
            r_t = np.where(r >= 0, r, end_t)
            lo = np.maximum(cal.day_offset(s), a_day)
            hi = np.minimum(cal.day_offset(r_t), e_day)
            cnt = np.where(hi > lo, cal.cum[np.clip(hi, 0, None)] - cal.cum[np.clip(lo, 0, None)], 0)
            suspended += np.where(on, cnt, 0)
        elapsed = W - suspended
        self.elapsed = elapsed
        fire("TL001", timed & ended & (elapsed > limit))
        fire("TL002", timed & ~ended & ~withdrawn & (elapsed > limit))
        fire("TL003", timed & ~ended & ~withdrawn & (limit - elapsed <= 1) & (elapsed <= limit))
        # ---- queues
        justified = (self.prio == 1) & (self.reason >= 0)
        hall = has["ticket"] & has["call"]
        hi_ = np.flatnonzero(hall)
        first_ticket_queue = self.queue  # scenarios and background keep one ticket row
        jumper, _, _ = _queue(
            c["office"][hi_] * 8 + first_ticket_queue[hi_], f["ticket"][hi_] - cal.t0, f["call"][hi_] - cal.t0, 0, None
        )
        m = np.zeros(n, dtype=bool)
        m[hi_[jumper]] = True
        fire("QJ001", m & ~justified)
        proc = has["accept"] & has["review"]
        pi = np.flatnonzero(proc)
        r1 = T_[:, SLOT["r1"]]
        enter = np.where((r1 >= 0) & (r1 < f["review"]), r1, f["accept"])
        _, held, light = _queue(
            c["office"][pi] * 16 + bt[pi], enter[pi] - cal.t0, f["review"][pi] - cal.t0, 24 * 3600, 5
        )
        m = np.zeros(n, dtype=bool)
        m[pi[held]] = True
        fire("QJ004", m)
        m = np.zeros(n, dtype=bool)
        m[pi[light]] = True
        fire("QJ002", m & ~justified)
        fire("QJ003", (self.prio == 1) & (self.reason < 0))
        # ---- approvals
        ck, ub, ua = self.ck, self.use_before, self.use_after
        differ = (ub >= 0) & (ua >= 0) & (ub != ua)
        requiring = ((ck & 7) != 0) | differ
        appr = self.appr
        reg_day = cal.day_offset(f["register"])
        a_date = self.approval_date[np.clip(appr, 0, None)]
        appr_day = (a_date - CAL_START).astype(np.int64)
        dated = (appr >= 0) & ~self.appr_date_missing
        fire("AP001", registered & requiring & (appr < 0))
        fire("AP002", registered & requiring & dated & (appr_day > reg_day))
        fire("AP003", differ & ((ck & CK_USE) == 0))
        carriers = np.flatnonzero(appr >= 0)
        parcel = c["unit"] // (100 * 10000)
        with_unit = carriers[c["unit"][carriers] >= 0]
        pairs = np.unique(np.stack([appr[with_unit], parcel[with_unit]], axis=1), axis=0)
        multi = np.bincount(pairs[:, 0], minlength=len(self.approval_number)) >= 2
        m = np.zeros(n, dtype=bool)
        m[carriers] = multi[appr[carriers]]
        fire("AP004", m)
        fire("AP005", registered & requiring & (appr >= 0) & ~self.in_registry[np.clip(appr, 0, None)])
        # ---- mortgages
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
        fire("MG001", m)
        ua_ = self.use_after
        fire(
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
        fire("MG003", m)
        am, va = self.amount, self.value
        fire("MG004", mort & (am > 0) & (va > 0) & (am > va))
        mkeys, _ = history([B["mortgage"]])
        cnt = np.searchsorted(mkeys, qk, "right") - np.searchsorted(mkeys, qk - 30 * DAY, "right")
        m = np.zeros(n, dtype=bool)
        m[mi] = cnt >= 3
        fire("MG005", m)
        fire("MG006", mort & np.isin(self.mtype, [2, 3]))
        # ---- duties
        op, act, case = ev["op"], ev["act"], ev["case"]
        n_ops = len(self.op_table) + 1
        acc_rows = (act == A["accept"]) & (op >= 0)
        reg_rows = (act == A["register"]) & (op >= 0)
        reg_keys = case[reg_rows] * n_ops + op[reg_rows]
        same = np.isin(reg_keys, case[acc_rows] * n_ops + op[acc_rows])
        m = np.zeros(n, dtype=bool)
        m[reg_keys[same] // n_ops] = True
        fire("SD001", m)
        ro = self.roster_arrays
        day = cal.day_offset(ev["time"])
        opc = np.clip(op, 0, None)
        bad = (op >= 0) & (~ro["known"][opc] | ~ro["trained"][opc] | (day < ro["from"][opc]) | (day > ro["to"][opc]))
        m = np.zeros(n, dtype=bool)
        m[case[bad]] = True
        fire("SD002", m)
        m = np.zeros(n, dtype=bool)
        m[case[(act == A["register"]) & (op >= 0) & ro["known"][opc] & ~ro["registrar"][opc]]] = True
        fire("SD003", m)
        # ---- queries
        qrow = act == A["query"]
        fire("IQ001", np.isin(np.arange(n), case[qrow]) & self.no_basis)
        tq = ev["time"][qrow]
        sod = tq % DAY
        off = ~cal.is_work(tq) | (sod < 8 * 3600) | (sod > 18 * 3600)
        m = np.zeros(n, dtype=bool)
        m[case[qrow][off]] = True
        fire("IQ002", m)
        # ---- fees
        fee = self.fee
        std = np.where(ua_ == U["residential"], 80.0, np.where(ua_ == U["homestead"], 0.0, 550.0))
        halve = HALVED[bt] | ((bt == B["change"]) & ((ck & (CK_SPLIT | CK_MERGE)) != 0))
        std = np.where(FREE[bt], 0.0, np.where(halve, std / 2, std))
        charged = ~np.isnan(fee)
        fire("FE001", charged & (std > 0) & (fee != std))
        fire("FE002", charged & (std == 0) & (fee > 0))
        # ---- integrity
        fire(
            "LG002",
            (has["accept"] & registered & (f["register"] < f["accept"]))
            | (has["ticket"] & has["call"] & (f["call"] < f["ticket"])),
        )
        fire("LG003", (registered | has["complete"]) & ~has["accept"])
        key = np.sort(((case * NA + act) * BIG + (ev["time"] - cal.t0)) * n_ops + (op + 1))
        dup = key[1:] == key[:-1]
        m = np.zeros(n, dtype=bool)
        m[key[1:][dup] // n_ops // BIG // NA] = True
        fire("LG004", m)
        # ---- assemble case-keyed labels
        rule = np.concatenate(out_rule)
        cidx = np.concatenate(out_case)
        self.case_ids_final()
        keys = self.case_id[cidx]
        notes = np.array(TAGS, dtype=object)[c["tag"][cidx]]
        frames = [pd.DataFrame({"rule_id": rule, "key": keys.astype(object), "note": notes})]
        # LG001 per gap
        off_d, seq_d = self.deleted
        o = np.lexsort((seq_d, off_d))
        off_d, seq_d = off_d[o], seq_d[o]
        run_start = np.ones(len(seq_d), dtype=bool)
        run_start[1:] = (off_d[1:] != off_d[:-1]) | (seq_d[1:] != seq_d[:-1] + 1)
        gaps = _cat(self.offices[off_d[run_start]], ":", seq_d[run_start].astype("T"))
        frames.append(pd.DataFrame({"rule_id": "LG001", "key": gaps.astype(object), "note": "deleted rows"}))
        # IQ003 per operator-day
        qop, qday = op[qrow], tq // DAY
        sel = qop >= 0
        d0 = int(qday.min()) if len(qday) else 0
        u, cnt = np.unique(qop[sel] * 100000 + (qday[sel] - d0), return_counts=True)
        hot = np.stack([u // 100000, u % 100000 + d0], axis=1)[cnt > 50]
        keys = _cat(self.op_table[hot[:, 0]], "@", (hot[:, 1]).astype("datetime64[D]").astype(str).astype("T"))
        frames.append(pd.DataFrame({"rule_id": "IQ003", "key": keys.astype(object), "note": "bulk querying"}))
        # SD004 per roster row
        frames.append(
            pd.DataFrame({"rule_id": "SD004", "key": self.rotation_overdue.astype(object), "note": "post_since"})
        )
        labels = pd.concat(frames, ignore_index=True)
        labels = labels.drop_duplicates(["rule_id", "key"]).sort_values(["rule_id", "key"], ignore_index=True)
        for col in labels.columns:
            labels[col] = labels[col].astype(pd.StringDtype("pyarrow"))
        return labels
