"""Event rows, identifiers, the events frame and the approval registry."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from regcheck.schema import CANONICAL

from .common import (
    ACT,
    BIG,
    BT,
    CK_TEXT,
    DAY,
    LANDS,
    MTYPES,
    OPEN,
    REASONS,
    SLOT,
    SLOTS,
    SUSPEND_REASONS,
    USES,
    A,
    B,
    _cat,
    _fmt,
    _fullwidth,
)


def _col(values: np.ndarray, codes: np.ndarray, mask: np.ndarray) -> pd.Series:
    """Strings values[codes] where mask holds (null elsewhere), built as an Arrow take."""
    idx = pa.array(np.where(mask, codes, 0).astype(np.int64), mask=~mask)
    table = pa.array(np.asarray(values, dtype="T"), type=pa.large_string())
    return pd.Series(pd.arrays.ArrowStringArray(pc.take(table, idx)))


def _dict_col(values: tuple[str, ...] | np.ndarray, codes: np.ndarray, mask: np.ndarray) -> pd.Series:
    return _col(np.asarray(values, dtype=object), codes, mask & (codes >= 0))


class FrameBuilder:
    # ------------------------------------------------------------ rows

    def rows(self) -> None:
        """Explode cases into event rows; LG004 duplicates; event_seq; LG001 deletions."""
        c, rng, t = self.c, self.rng, self.t
        S = SLOT
        has = t >= 0
        case_idx, slot = np.nonzero(has)
        time = t[has]
        act = np.array([A[a] for _, a in SLOTS])[slot]
        op = self.ops[has]
        op[slot == S["book"]] = -1
        op[slot == S["ticket"]] = -1
        op[slot == S["withdraw"]] = -1
        rows = self.duplicate_rows(case_idx, slot)
        case_idx, slot, time, act, op = case_idx[rows], slot[rows], time[rows], act[rows], op[rows]
        # event_seq: per office in time order (bookings come from another system: no number)
        office = c["office"][case_idx]
        numbered = slot != S["book"]
        tie = rng.integers(0, 1 << 20, len(time))  # equal times: any order
        order = np.argsort((office * BIG + (time - self.cal.t0)) * (1 << 20) + tie)
        order = order[numbered[order]]
        off_sorted = office[order]
        start = np.r_[0, np.flatnonzero(off_sorted[1:] != off_sorted[:-1]) + 1]
        rank = np.arange(len(order)) - np.repeat(start, np.diff(np.r_[start, len(order)]))
        base = 100001 + 1000 * rng.integers(1, 900, self.n_off)
        seq = np.full(len(time), -1, dtype=np.int64)
        seq[order] = base[off_sorted] + rank
        keep = self.delete_rows(slot, case_idx, office, seq, order, start)
        case_idx, slot, time, act, op, seq = case_idx[keep], slot[keep], time[keep], act[keep], op[keep], seq[keep]
        self.ev = dict(case=case_idx, slot=slot, time=time, act=act, op=op, seq=seq)

    def registry(self) -> pd.DataFrame:
        used = np.zeros(len(self.approval_number), dtype=bool)
        used[self.appr[self.appr >= 0]] = True
        keep = self.in_registry & used
        # parcel of the (first) carrier
        parcel_code = np.full(len(keep), None, dtype=object)
        carriers = np.flatnonzero(self.appr >= 0)
        order = carriers[np.argsort(self.appr[carriers], kind="stable")]
        firsts = order[np.r_[True, self.appr[order][1:] != self.appr[order][:-1]]] if len(order) else order
        parcel_code[self.appr[firsts]] = np.strings.slice(self.unit_str[firsts], 0, 19).astype(object)
        return pd.DataFrame(
            {
                "approval_no": self.approval_number[keep].astype(object),
                "issuer": self.approval_issuer[keep].astype(object),
                "approval_date": self.approval_date[keep].astype(str).astype(object),
                "parcel_code": parcel_code[keep],
            }
        ).reset_index(drop=True)

    # ------------------------------------------------------------ strings

    def case_ids_final(self) -> None:
        if hasattr(self, "case_id"):
            return
        c, n, t = self.c, self.n, self.t
        S = SLOT
        created = np.where(c["bt"] == B["query"], t[:, S["query"]], self.cal.abs(c["a_wd"], np.full(n, OPEN)))
        ym = (created // DAY).astype("datetime64[D]").astype("datetime64[M]")
        ymi = ym.astype(np.int64)
        order = np.lexsort((np.arange(n), created, ymi, c["office"]))
        key = c["office"][order] * 100000 + ymi[order]
        start = np.r_[0, np.flatnonzero(key[1:] != key[:-1]) + 1]
        rank = np.arange(n) - np.repeat(start, np.diff(np.r_[start, n]))
        seq = np.empty(n, dtype=np.int64)
        seq[order] = rank + 1
        if seq.max() > 99999:
            raise ValueError("more than 99999 cases in one office-month; use more offices")
        yyyymm = np.strings.replace(ym.astype(str).astype("T"), "-", "")
        self.case_id = _cat(self.offices[c["office"]], yyyymm, _fmt(seq, 5))
        u = c["unit"]
        room = u % 10000
        bld = (u // 10000) % 100
        parcel = (u // 10**6) % 100000
        feat = (u // 10**11) % 2
        sub = (u // (2 * 10**11)) % 100
        zone = (u // (2 * 10**13)) % 100
        office = u // (2 * 10**15)
        self.unit_str = _cat(
            self.offices[np.clip(office, 0, self.n_off - 1)],
            _fmt(zone, 3),
            _fmt(sub, 3),
            np.where(feat == 1, "JC", "GB").astype("T"),
            _fmt(parcel, 5),
            "F",
            _fmt(bld, 4),
            _fmt(room, 4),
        )

    def frame(self) -> pd.DataFrame:
        """The events frame: strings via Arrow dictionaries, rows shuffled."""
        _c, rng, ev, n = self.c, self.rng, self.ev, self.n
        m = len(ev["time"])
        perm = rng.permutation(m)
        ev = {k: v[perm] for k, v in ev.items()}
        case, _slot, _act, _op = ev["case"], ev["slot"], ev["act"], ev["op"]
        # attribute rows: the case's earliest row(s), and 15 % of the others
        first_t = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first_t, case, ev["time"])
        attr = (ev["time"] == first_t[case]) | (rng.random(m) < 0.15)
        out = self._event_columns(ev, attr)
        out["query_basis"] = self._query_basis(ev)
        out.update(self._case_columns(ev, attr, first_t))
        return pd.DataFrame({name: out[name] for name in CANONICAL if name in out})  # no optional `step`

    def _event_columns(self, ev: dict[str, np.ndarray], attr: np.ndarray) -> dict[str, pd.Series]:
        """Columns of the event itself: seq, case, office, activity, time, operator, queue, window, reasons."""
        c = self.c
        S = SLOT
        m = len(ev["time"])
        case, slot, act, op = ev["case"], ev["slot"], ev["act"], ev["op"]
        out: dict[str, pd.Series] = {}
        seq = ev["seq"]
        out["event_seq"] = pd.Series(pd.array(np.where(seq >= 0, seq, 0), dtype="Int64")).mask(seq < 0)
        out["case_id"] = _col(self.case_id, case, np.ones(m, dtype=bool))
        out["office_code"] = _col(self.offices, c["office"][case], np.ones(m, dtype=bool))
        out["activity"] = _dict_col(ACT, act, np.ones(m, dtype=bool))
        out["event_time"] = pd.Series(ev["time"].astype("datetime64[s]"))
        out["operator_id"] = _col(self.op_table, op, op >= 0)
        queue_names = ("", "A", "B", "C")
        q = self.queue[case]
        on_q = np.isin(slot, [S["ticket"], S["call"]]) & (q > 0)
        out["queue_id"] = _dict_col(queue_names, q, on_q)
        # window number: clerk 340102-W3 sits at window 3 (a loop over the small operator table)
        win = np.array([s.split("-W")[-1] if "-W" in s else s.split("-")[-1] for s in self.op_table], dtype=object)
        out["window_id"] = _col(win, op, np.isin(slot, [S["call"], S["accept"]]) & (op >= 0))
        prio = self.prio[case]
        out["priority"] = _dict_col(("false", "true"), prio, attr & (prio >= 0))
        reason = self.reason[case]
        late = self.late_reason[case]
        reason_row = np.where(late, slot == S["rev1"], attr)
        out["priority_reason"] = _dict_col(REASONS, reason, reason_row)
        sr = np.where(slot == S["s2"], 2, self.s1_reason[case])
        out["suspend_reason"] = _dict_col(SUSPEND_REASONS, sr, np.isin(slot, [S["s1"], S["s2"]]))
        return out

    def _query_basis(self, ev: dict[str, np.ndarray]) -> pd.Series:
        """Query basis: application number or court document (missing where IQ001 was injected)."""
        c = self.c
        S = SLOT
        m = len(ev["time"])
        case, slot = ev["case"], ev["slot"]
        qrow = slot == S["query"]
        kind = (case % 5 == 0).astype(np.int64)
        yr = (ev["time"] // DAY).astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
        office_c = self.offices[c["office"][case[qrow]]]
        basis = np.where(
            kind[qrow] == 1,
            _cat(
                "(",
                yr[qrow].astype("T"),
                ")皖",
                np.strings.slice(office_c, 2, 6),
                "执",
                (case[qrow] % 9000 + 100).astype("T"),
                "号",
            ),
            _cat("CX", office_c, yr[qrow].astype("T"), _fmt(case[qrow] % 1000000, 6)),
        )
        basis_all = np.full(m, "", dtype="T")
        basis_all[qrow] = basis
        ok = qrow & ~self.no_basis[case]
        return pd.Series(
            pd.arrays.ArrowStringArray(
                pc.if_else(pa.array(ok), pa.array(basis_all, type=pa.large_string()), pa.nulls(m, pa.large_string()))
            )
        )

    def _case_columns(self, ev: dict[str, np.ndarray], attr: np.ndarray, first_t: np.ndarray) -> dict[str, pd.Series]:
        """Attributes of the case, on its attribute rows: unit, uses, approval, mortgage; the fee on charge rows."""
        c, rng = self.c, self.rng
        S = SLOT
        m = len(ev["time"])
        case, slot = ev["case"], ev["slot"]
        out: dict[str, pd.Series] = {}
        out["business_type"] = _dict_col(BT, c["bt"][case], attr)
        out["unit_id"] = _col(self.unit_str, case, attr & (c["unit"][case] >= 0))
        out["land_nature"] = _dict_col(LANDS, self.land[case], attr)
        out["use_before"] = _dict_col(USES, self.use_before[case], attr)
        # a later row sometimes carries a stale use (the first non-empty value wins)
        ua = self.use_after[case].copy()
        stale = ~attr & (self.use_after[case] >= 0) & (ev["time"] > first_t[case]) & (rng.random(m) < 0.01)
        ua[stale] = (ua[stale] + 1) % 4
        out["use_after"] = _dict_col(USES, ua, attr | stale)
        out["change_kind"] = _dict_col(CK_TEXT, self.ck[case], attr & (self.ck[case] > 0))
        appr = self.appr[case]
        n_numbers = len(self.approval_number)
        written = np.concatenate([self.approval_number, _fullwidth(self.approval_number)])
        out["approval_no"] = _col(written, (self.appr + n_numbers * self.appr_fw)[case], attr & (appr >= 0))
        out["approval_date"] = _col(
            self.approval_date.astype(str), appr, attr & (appr >= 0) & ~self.appr_date_missing[case]
        )
        out["mortgagee"] = _col(self.mortgagee_names, self.mname[case], attr & (self.mname[case] >= 0))
        out["mortgagee_type"] = _dict_col(MTYPES, self.mtype[case], attr)
        out["mortgage_amount"] = pd.Series(np.where(attr, self.amount[case], np.nan))
        out["assessed_value"] = pd.Series(np.where(attr, self.value[case], np.nan))
        out["fee_charged"] = pd.Series(np.where(slot == S["charge"], self.fee[case], np.nan))
        return out
