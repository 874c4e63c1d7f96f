"""A second audit-log generator, written from spec/input.md and spec/rules.md (issue 16).

regcheck's own generator (``regcheck.generate``) writes about 8.6 events per case, four-ish offices
of like size and one business mix. This one is built differently, so that a benchmark or a test
run on both logs is not tuned to one shape of data:

* **12 offices with Zipf-skewed sizes** (exponent 1.3: the largest office has about 42% of the cases,
  the smallest under 2%; ``--offices``/``--zipf`` change both), each with its own staff
  (acceptors, reviewers, registrars, cashiers, certificate clerks) in proportion to its size;
* **about 12 events per case**: appointments, hall tickets and calls (re-calls, a second ticket when
  the applicant brings missing papers), acceptance, one to three review steps (初审/复审/核定 in
  ``step``), charges (some twice), suspensions and resumes (补正材料, 公告, 地籍调查), registration,
  several certificate prints and hand-outs, completion, archiving, data queries;
* a mix led by mortgages (30%), with seals and their unseals on the same units, change cases with
  approval numbers, refusals, withdrawals and cases still open at the export's cut-off;
* one calendar year (2025) of working days from the official calendar (chinese-calendar, make-up
  days included), office hours with a lunch break;
* deliberate faults so that each of TL001, TL002, QJ001, MG001 and SD001 (and most other rules)
  finds hundreds to thousands of cases per million: late registrations, stuck cases, queue jumps
  (some with a justified priority, which is exempt), mortgages on sealed units, one person accepting
  and registering, deleted log rows, queries without a basis.

Everything is vectorised numpy/pyarrow: cases are made in chunks of 250,000 (each chunk a slice of
the year's working days, so hall queues never interleave across chunks), and each chunk is appended
to the Parquet file in row groups of 262,144 rows as it completes: memory stays bounded whatever the
size. A fixed seed gives the same bytes (each chunk has its own ``default_rng([seed, chunk])``).

    python benchmarks/gen2.py 1000000 -o log.parquet            # + log_roster.csv, log_approvals.csv
    python benchmarks/gen2.py 10000000 -o /data/province.parquet --seed 16
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

YEAR = 2025
CHUNK = 250_000  # cases per chunk; part of the output's definition (same seed -> same bytes)
ROW_GROUP = 1 << 18
OFFICES = (
    "320505", "320506", "320507", "320508", "320509", "320571",
    "320581", "320582", "320583", "320585", "320590", "320591",
)  # fmt: skip
ZIPF = 1.3
CUTOFF = np.datetime64(f"{YEAR}-12-31T18:00:00", "s").astype(np.int64)

# Business mix (canonical codes), its time limit in working days, and how it is handled.
BT = ("mortgage", "transfer", "mortgage_cancel", "first", "change", "prenotice", "query",
      "cancel", "correction", "seal", "unseal", "objection", "objection_cancel")  # fmt: skip
BT_P = np.array([0.30, 0.22, 0.13, 0.06, 0.06, 0.05, 0.06, 0.03, 0.02, 0.03, 0.02, 0.012, 0.008])
LIMIT = np.array([5, 5, 5, 30, 5, 5, -1, 5, 5, 1, 1, 1, 1])
MORTGAGE, TRANSFER, FIRST, CHANGE, QUERY, SEAL, UNSEAL = 0, 1, 3, 4, 6, 9, 10
CERTIFIED = np.isin(np.arange(len(BT)), [0, 1, 3, 4, 5, 8])  # a certificate or 证明 is printed and issued
REVIEWS = np.array([3, 3, 1, 3, 2, 1, 0, 1, 2, 1, 1, 1, 1])  # most review steps of the type
COURT = np.isin(np.arange(len(BT)), [SEAL, UNSEAL])  # sent by a court: no hall ticket, no fee
FREE = np.isin(np.arange(len(BT)), [2, 5, 6, 7, 9, 10, 12])  # no registration fee

ACTIVITIES = ("book", "ticket", "call", "accept", "review", "register", "certify", "issue", "charge",
              "suspend", "resume", "reject", "withdraw", "complete", "query", "archive")  # fmt: skip
A = {name: i for i, name in enumerate(ACTIVITIES)}
STEPS = ("初审", "复审", "核定")
REASONS = ("补正材料", "公告", "地籍调查")
QUEUES = ("A", "B", "C")  # 综合, 抵押 (banks), 查询
USES = ("住宅", "商服", "工业", "办公", "教育", "其他")  # Chinese labels: the spec allows either
MORTGAGEES = ("中国建设银行股份有限公司苏州分行", "中国农业银行股份有限公司苏州分行", "苏州银行股份有限公司",
              "江苏苏州农村商业银行股份有限公司", "苏州市融资担保有限公司", "张某")  # fmt: skip
MORTGAGEE_TYPES = ("银行", "银行", "银行", "银行", "非金融企业", "自然人")
ROLES = ("SL", "SH", "DB", "SF", "FZ")  # 受理, 审核, 登簿, 收费, 发证
ROLE_SHARE = np.array([14, 12, 5, 6, 6])  # staff per role in the largest office, scaled down by size


@dataclass(frozen=True)
class Offices:
    """The registration offices and their shares of the cases."""

    codes: tuple[str, ...]
    shares: np.ndarray

    @classmethod
    def make(cls, count: int = len(OFFICES), zipf: float = ZIPF) -> Offices:
        """Zipf shares: rank r gets 1/r^s, dealt to the offices in a fixed shuffled order.

        Twelve offices are those of one city; more are numbered as a province's (13 cities × 8).
        """
        if not 1 <= count <= 104:
            raise ValueError("offices: 1 to 104")
        codes = (
            OFFICES[:count]
            if count <= len(OFFICES)
            else tuple(f"32{1 + i // 8:02d}{2 + i % 8 * 2:02d}" for i in range(count))
        )
        w = 1.0 / np.arange(1, count + 1) ** zipf
        order = np.random.default_rng(1216).permutation(count)
        shares = np.empty(count)
        shares[order] = w / w.sum()
        return cls(codes, shares)


def workdays(first: dt.date, last: dt.date) -> np.ndarray:
    """Working days (official calendar, make-up days included) as datetime64[D]."""
    import chinese_calendar

    days = np.arange(np.datetime64(first), np.datetime64(last) + 1)
    keep = np.array([chinese_calendar.is_workday(d) for d in days.astype(dt.date)])  # one year: ~550 days
    return days[keep]


@dataclass(frozen=True)
class Staff:
    """Operator ids of every office and role: ``ids[first[o, r] + k]`` for k < count[o, r]."""

    ids: list[str]
    first: np.ndarray  # (office, role) -> offset into ids
    count: np.ndarray  # (office, role) -> staff of that role

    @classmethod
    def make(cls, offices: Offices) -> Staff:
        shares = offices.shares
        count = np.maximum(3, np.round(ROLE_SHARE[None, :] * shares[:, None] / shares.max())).astype(np.int64)
        ids = [
            f"{o}{role}{k + 1:03d}"
            for i, o in enumerate(offices.codes)
            for r, role in enumerate(ROLES)
            for k in range(count[i, r])
        ]
        first = np.concatenate([[0], np.cumsum(count.ravel())[:-1]]).reshape(count.shape)
        return cls(ids, first, count)

    def next(self, office: np.ndarray, role: int, op: np.ndarray, k: int) -> np.ndarray:
        """The k-th colleague after ``op`` in its office and role (distinct for k < staff)."""
        first, count = self.first[office, role], self.count[office, role]
        return first + (op - first + k) % count

    def pick(self, rng: np.random.Generator, office: np.ndarray, role: int) -> np.ndarray:
        return self.first[office, role] + (rng.random(len(office)) * self.count[office, role]).astype(np.int64)


@dataclass
class Events:
    """Column arrays of the events of one chunk (codes and indices, not yet strings)."""

    case: list[np.ndarray]
    act: list[np.ndarray]
    t: list[np.ndarray]
    op: list[np.ndarray]  # index into Staff.ids, -1 = none
    extra: list[np.ndarray]  # per activity: step / reason / queue index, -1 = none

    def add(
        self, mask: np.ndarray, act: int, t: np.ndarray, op: np.ndarray | int = -1, extra: np.ndarray | int = -1
    ) -> None:
        idx = np.flatnonzero(mask)
        self.case.append(idx)
        self.act.append(np.full(len(idx), act, np.int8))
        self.t.append(t[idx])
        self.op.append(np.broadcast_to(op, mask.shape)[idx].astype(np.int64))
        self.extra.append(np.broadcast_to(extra, mask.shape)[idx].astype(np.int8))

    def concat(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate(getattr(self, k)) for k in ("case", "act", "t", "op", "extra")}


# -- one chunk ----------------------------------------------------------------------------------


class Chunk:
    """The cases of one chunk: their attributes (per case) and their events."""

    def __init__(
        self,
        k: int,
        n: int,
        start: int,
        total: int,
        seed: int,
        days: np.ndarray,
        lo: int,
        hi: int,
        staff: Staff,
        offices: Offices,
    ) -> None:
        self.rng = rng = np.random.default_rng([seed, k])
        self.n, self.start, self.total, self.days, self.staff = n, start, total, days, staff
        self.codes = np.asarray(offices.codes)
        shares = offices.shares
        self.office = rng.choice(len(shares), n, p=shares)
        self.bt = rng.choice(len(BT), n, p=BT_P / BT_P.sum())
        self.arrive = rng.integers(lo, hi, n)  # index into days
        self.pool = np.maximum(50, (shares * total * 0.8).astype(np.int64))  # units per office
        self.unit = (rng.random(n) * self.pool[self.office]).astype(np.int64)
        self._pair_unseals()
        self.ev = Events([], [], [], [], [])

    def _pair_unseals(self) -> None:
        """An unseal lifts a seal of its office: same unit, 5–120 working days later."""
        for o in range(len(self.codes)):  # offices, not cases
            seals = np.flatnonzero((self.bt == SEAL) & (self.office == o))
            unseals = np.flatnonzero((self.bt == UNSEAL) & (self.office == o))
            if len(seals) == 0 or len(unseals) == 0:
                continue
            src = seals[self.rng.integers(0, len(seals), len(unseals))]
            self.unit[unseals] = self.unit[src]
            self.arrive[unseals] = self.arrive[src] + self.rng.integers(5, 120, len(unseals))

    def clock(self, day: np.ndarray, after: np.ndarray | None = None, gap: tuple[int, int] = (60, 1800)) -> np.ndarray:
        """A time on working day ``day`` (08:30–11:30, 13:30–17:30), not before ``after`` + a gap."""
        day = np.minimum(day, len(self.days) - 1)
        tod = self.rng.integers(0, 7 * 3600, len(day))
        tod = 8 * 3600 + 1800 + tod + np.where(tod >= 3 * 3600, 2 * 3600, 0)
        t = self.days[day].astype("datetime64[s]").astype(np.int64) + tod
        if after is not None:
            t = np.maximum(t, after + self.rng.integers(*gap, len(day)))
        return t

    def hall(self) -> tuple[np.ndarray, np.ndarray]:
        """Tickets and calls: called in ticket order per (office, queue), some jump the queue."""
        rng, n = self.rng, self.n
        hall = ~COURT[self.bt] & (rng.random(n) < 0.8)
        queue = np.where(self.bt == QUERY, 2, np.where(np.isin(self.bt, [0, 2]), 1, 0))
        queue = np.where(rng.random(n) < 0.02, 0, queue)  # 2%: whatever window was free
        ticket = self.clock(self.arrive)
        wait = np.minimum(rng.exponential(900, n), 5400).astype(np.int64) + 60
        jump = hall & (rng.random(n) < 0.0015)
        key = self.office * 4 + queue
        order = np.lexsort((ticket, key))
        fifo = ticket + wait
        fifo[jump] = 0  # a jumper does not hold up the queue behind it
        call = np.empty(n, np.int64)
        for g in np.unique(key[order]):  # one per (office, queue), not per case
            sel = order[key[order] == g]
            call[sel] = np.maximum.accumulate(fifo[sel])
        call = np.where(jump, ticket + rng.integers(20, 120, n), np.maximum(call, ticket + 60))
        self.priority = np.where(jump, rng.choice([0, 1, 2], n, p=[0.5, 0.3, 0.2]), (rng.random(n) < 0.002) * 1)
        self.hall_mask, self.queue = hall, queue
        return ticket, call

    def build(self) -> None:
        rng, n, ev, st, bt, office = self.rng, self.n, self.ev, self.staff, self.bt, self.office
        book = rng.random(n) < 0.35
        ticket, call = self.hall()
        hall = self.hall_mask
        ev.add(hall & book, A["book"], ticket - 86400 - rng.integers(0, 86400 * 3, n))
        ev.add(hall, A["ticket"], ticket, extra=self.queue)
        w_acc = st.pick(rng, office, 0)
        ev.add(hall, A["call"], call, w_acc)
        recall = hall & (rng.random(n) < 0.2)
        ev.add(recall, A["call"], call + rng.integers(60, 300, n), w_acc)
        query = bt == QUERY
        t_acc = np.where(hall, call + rng.integers(120, 1200, n), self.clock(self.arrive))
        ev.add(np.ones(n, bool), A["accept"], t_acc, w_acc)
        self._query_events(query, t_acc, w_acc)
        look = np.isin(bt, [MORTGAGE, TRANSFER]) & (rng.random(n) < 0.5)  # 查档 while accepting
        ev.add(look, A["query"], t_acc + rng.integers(60, 600, n), w_acc, np.where(rng.random(n) < 0.003, 0, 1))
        standard = self.standard_fee()
        fee = (standard > 0) | (rng.random(n) < 0.003)
        t_fee = t_acc + rng.integers(300, 1800, n)
        ev.add(fee, A["charge"], t_fee, st.pick(rng, office, 3))
        ev.add(fee & (rng.random(n) < 0.04), A["charge"], t_fee + rng.integers(600, 7200, n), st.pick(rng, office, 3))
        wrong = np.where(standard > 0, standard * 0.5, 80.0)
        self.fee = np.where(fee, np.where((rng.random(n) < 0.01) | (standard == 0), wrong, standard), np.nan)
        self._process(~query, t_acc, w_acc)

    def standard_fee(self) -> np.ndarray:
        """The standard fee of each case (rules.md, Fees): 80 for homes, else 550; halved for some types."""
        bt, n = self.bt, self.n
        self.use = self.rng.choice(len(USES), n, p=[0.7, 0.12, 0.06, 0.06, 0.02, 0.04])
        self.kind = np.where(bt == CHANGE, self.rng.integers(-1, 4, n), -1)  # use_change/split/merge/split;merge
        self.use_after = np.where(
            self.kind == 0, (self.use + 1 + self.rng.integers(0, len(USES) - 1, n)) % len(USES), self.use
        )
        fee = np.where(self.use_after == 0, 80.0, 550.0)
        fee = np.where(np.isin(bt, [8, 11]) | ((bt == CHANGE) & (self.kind >= 1)), fee / 2, fee)
        return np.where(FREE[bt], 0.0, fee)

    def _query_events(self, query: np.ndarray, t_acc: np.ndarray, w_acc: np.ndarray) -> None:
        """A data query: one to three query rows, then completed; 0.5% without a basis."""
        rng, n = self.rng, self.n
        t = t_acc
        for k in range(3):
            mask = query & (rng.random(n) < (1.0, 0.4, 0.15)[k])
            t = t + rng.integers(60, 900, n)
            ev_extra = np.where(rng.random(n) < 0.005, 0, 1)  # 0 = no basis
            self.ev.add(mask, A["query"], t, w_acc, ev_extra)
            query = mask
        self.ev.add(self.bt == QUERY, A["complete"], t_acc + 3600 + rng.integers(0, 3600, n), w_acc)

    def _process(self, cases: np.ndarray, t_acc: np.ndarray, w_acc: np.ndarray) -> None:
        """Reviews, suspensions, the end of the case and what follows it, by working days."""
        rng, n, ev, st, bt, office = self.rng, self.n, self.ev, self.staff, self.bt, self.office
        limit = LIMIT[bt]
        short = limit <= 1
        days = np.where(
            short, rng.integers(0, 2, n), np.where(bt == FIRST, rng.integers(8, 29, n), rng.integers(1, 5, n))
        )
        late = rng.random(n) < np.where(short, 0.004, 0.012)
        days = np.where(late, limit + rng.integers(1, 8, n), days)
        # suspensions: 补正 (any type), 公告 and 地籍调查 (first registrations)
        susp = cases & ~short & (rng.random(n) < np.where(bt == FIRST, 0.7, 0.18))
        sus_len = np.where(bt == FIRST, rng.integers(10, 20, n), rng.integers(2, 12, n))
        sus_at = np.minimum(days, 1)  # working days after acceptance
        reason = np.where(bt == FIRST, rng.choice([1, 2], n), 0)
        acc_day = np.searchsorted(self.days, t_acc.astype("datetime64[s]").astype("datetime64[D]"))
        end_day = acc_day + days + np.where(susp, sus_len, 0)
        # reviews: up to three steps on working days between acceptance and the end
        t_prev = t_acc
        reviewer0 = st.pick(rng, office, 1)
        for k in range(3):
            mask = cases & (REVIEWS[bt] > k)
            day = acc_day + np.minimum(k * np.maximum(days, 1) // 3, days)
            t_rev = self.clock(day, t_prev, (600, 3600))
            same = rng.random(n) < 0.002  # one reviewer at two steps (SD005)
            op = np.where(same, reviewer0, st.next(office, 1, reviewer0, k))
            ev.add(mask, A["review"], t_rev, op, k)
            ev.add(mask & (rng.random(n) < 0.08), A["review"], t_rev + rng.integers(600, 3600, n), op, k)  # redone
            if k == 0:
                t_sus = self.clock(acc_day + sus_at, t_rev, (600, 3600))
                t_res = self.clock(acc_day + sus_at + sus_len, t_sus)
                ev.add(susp, A["suspend"], t_sus, op, reason)
                back = susp & (reason == 0) & self.hall_mask & (rng.random(n) < 0.6)
                ev.add(back, A["ticket"], t_res - rng.integers(1200, 3600, n), extra=self.queue)
                ev.add(back, A["call"], t_res - rng.integers(60, 1200, n), w_acc)
                ev.add(susp, A["resume"], t_res, np.where(reason == 0, w_acc, op))
                t_prev = np.where(susp, t_res, t_rev)
            else:
                t_prev = np.where(mask, t_rev, t_prev)
        fate = rng.random(n)
        refused, withdrawn = cases & (fate < 0.01), cases & (fate >= 0.01) & (fate < 0.02)
        stuck = cases & (fate >= 0.02) & (fate < 0.0225)  # never finished: open past its limit
        registered = cases & ~refused & ~withdrawn & ~stuck
        t_end = self.clock(end_day, t_prev, (600, 7200))
        ev.add(refused, A["reject"], t_end, st.pick(rng, office, 2))
        ev.add(withdrawn, A["withdraw"], self.clock(acc_day + 1, t_acc))
        registrar = np.where(rng.random(n) < 0.0015, w_acc, st.pick(rng, office, 2))  # SD001
        ev.add(registered, A["register"], t_end, registrar)
        self.registered, self.t_register = registered, t_end
        self._after(registered, end_day, t_end)

    def _after(self, registered: np.ndarray, end_day: np.ndarray, t_reg: np.ndarray) -> None:
        """Certificates printed (sometimes twice) and handed out (to each holder), closed, filed."""
        rng, n, ev, st, office = self.rng, self.n, self.ev, self.staff, self.office
        cert = registered & CERTIFIED[self.bt]
        t_c = self.clock(end_day, t_reg, (600, 3600))
        clerk = st.pick(rng, office, 4)
        ev.add(cert, A["certify"], t_c, clerk)
        ev.add(cert & (rng.random(n) < 0.3), A["certify"], t_c + rng.integers(60, 900, n), clerk)
        t_i = self.clock(end_day + rng.integers(0, 4, n), t_c, (1800, 7200))
        ev.add(cert, A["issue"], t_i, clerk)
        collect = cert & self.hall_mask & (rng.random(n) < 0.7)  # a ticket to collect the certificate
        ev.add(collect, A["ticket"], t_i - rng.integers(900, 2700, n), extra=np.zeros(n, np.int64))
        ev.add(collect, A["call"], t_i - rng.integers(60, 800, n), clerk)
        ev.add(cert & (rng.random(n) < 0.5), A["issue"], t_i + rng.integers(60, 600, n), clerk)
        t_done = np.where(cert, t_i, t_reg) + rng.integers(60, 3600, n)
        ev.add(registered, A["complete"], t_done, clerk)
        ev.add(registered & (rng.random(n) < 0.9), A["archive"], self.clock(end_day + rng.integers(3, 15, n), t_done))

    # -- to Arrow -------------------------------------------------------------------------------

    def table(self, seq_next: np.ndarray) -> pa.Table:
        """The chunk's rows, sorted by time (a cut-off export), with event_seq per office."""
        e = self.ev.concat()
        keep = e["t"] <= CUTOFF
        e = {k: v[keep] for k, v in e.items()}
        order = np.lexsort((e["act"], e["case"], e["t"]))
        e = {k: v[order] for k, v in e.items()}
        off = self.office[e["case"]]
        seq = _seq_per_office(off, seq_next)
        lost = self.rng.random(len(seq)) < 2e-5  # deleted log rows: LG001's gaps
        e = {k: v[~lost] for k, v in e.items()}
        return self._arrow(e, seq[~lost], off[~lost])

    def _arrow(self, e: dict[str, np.ndarray], seq: np.ndarray, off: np.ndarray) -> pa.Table:
        c, act = e["case"], e["act"]
        case_ids = _join(pa.array(self.codes[self.office]), _pad(self.start + np.arange(self.n), 8), prefix=f"{YEAR}")
        attrs = (act == A["accept"]) | (act == A["register"]) | ((act == A["query"]) & (e["extra"] >= 0))
        cols: dict[str, pa.Array] = {
            "event_seq": pa.array(seq),
            "case_id": case_ids.take(pa.array(c)),
            "office_code": _dict(list(self.codes), off),
            "activity": _dict(ACTIVITIES, act),
            "event_time": pa.array(e["t"].astype("datetime64[s]")),
            "operator_id": _dict(self.staff.ids, e["op"]),
            "queue_id": _dict(QUEUES, np.where(act == A["ticket"], e["extra"], -1)),
            "window_id": _dict([f"{k:02d}" for k in range(1, 41)], np.where(act == A["call"], e["op"] % 40, -1)),
            "priority": _dict(("是",), np.where((act == A["ticket"]) & (self.priority[c] > 0), 0, -1)),
            "priority_reason": _dict(
                ("老年人", "残疾人"), np.where((act == A["ticket"]) & (self.priority[c] == 1), c % 2, -1)
            ),
            "suspend_reason": _dict(REASONS, np.where(act == A["suspend"], e["extra"], -1)),
            "query_basis": _query_basis(c, act == A["query"], e["extra"]),
            "step": _dict(STEPS, np.where(act == A["review"], e["extra"], -1)),
            "business_type": _dict(BT, self.bt[c]),
        }
        cols.update(self._attributes(c, attrs))
        cols["fee_charged"] = pa.array(np.where(act == A["charge"], self.fee[c], np.nan), from_pandas=True)
        return pa.table(cols)

    def _attributes(self, c: np.ndarray, on: np.ndarray) -> dict[str, pa.Array]:
        """Case attributes on the accept, register and query rows of a case (others blank)."""
        rng, n, bt = self.rng, self.n, self.bt
        unit = _unit_ids(self.codes[self.office], self.unit)
        use, kind, use_after = self.use, self.kind, self.use_after
        mort = bt == MORTGAGE
        mortgagee = np.where(mort, rng.choice(len(MORTGAGEES), n, p=[0.32, 0.27, 0.22, 0.16, 0.02, 0.01]), -1)
        value = np.round(rng.lognormal(13.7, 0.5, n), -2)
        amount = np.where(
            mort, np.round(value * rng.uniform(0.3, 0.95, n) * np.where(rng.random(n) < 0.005, 1.5, 1.0), -2), np.nan
        )
        approval = _join(pa.array(np.full(n, "苏自然资规〔2025〕")), _pad(self.start + np.arange(n), 1), suffix="号")
        has_approval = (kind >= 0) & (rng.random(n) > 0.01)
        t_reg = self.t_register.astype("datetime64[s]").astype("datetime64[D]")
        a_date = t_reg - rng.integers(5, 200, n) + np.where(rng.random(n) < 0.01, 210, 0)
        self.approvals = (has_approval, approval, unit, a_date)

        def per_case(values: pa.Array, present: np.ndarray) -> pa.Array:
            return values.take(pa.array(np.where(present[c] & on, c, -1), mask=~(present[c] & on)))

        return {
            "unit_id": per_case(unit, ~(bt == QUERY)),
            "land_nature": _dict(("国有", "集体"), np.where(on & (bt[c] != QUERY), (c % 97 == 0) * 1, -1)),
            "use_before": _dict(USES, np.where(on & (kind[c] >= 0), use[c], -1)),
            "use_after": _dict(USES, np.where(on & (bt[c] != QUERY), use_after[c], -1)),
            "change_kind": _dict(("use_change", "split", "merge", "split;merge"), np.where(on, kind[c], -1)),
            "approval_no": per_case(approval, has_approval),
            "approval_date": per_case(pa.array(a_date.astype(str)), has_approval),
            "mortgagee": _dict(MORTGAGEES, np.where(on, mortgagee[c], -1)),
            "mortgagee_type": _dict(MORTGAGEE_TYPES, np.where(on, mortgagee[c], -1)),
            "mortgage_amount": pa.array(np.where(on & mort[c], amount[c], np.nan), from_pandas=True),
            "assessed_value": pa.array(np.where(on & mort[c], value[c], np.nan), from_pandas=True),
        }


# -- vectorised string helpers ------------------------------------------------------------------


def _pad(numbers: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(pc.cast(pa.array(numbers), pa.string()), width=width, padding="0")


def _join(*parts: pa.Array, prefix: str = "", suffix: str = "") -> pa.Array:
    out = pc.binary_join_element_wise(*parts, "")
    if prefix or suffix:
        out = pc.binary_join_element_wise(prefix, out, suffix, "")
    return out


def _dict(values: tuple[str, ...] | list[str], codes: np.ndarray) -> pa.Array:
    """Strings from codes into ``values`` (-1 = null), through a dictionary (all in C++)."""
    codes = np.asarray(codes)
    arr = pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32), mask=codes < 0), pa.array(list(values)))
    return arr.cast(pa.string())


def _unit_ids(office: np.ndarray, unit: np.ndarray) -> pa.Array:
    """28-character unit numbers: office(6) street(3) block(3) GB parcel(5) F building(4) room(4)."""
    parcel = unit // 24
    return _join(
        pa.array(office),
        _pad(1 + parcel // 50_000 % 1000, 3),
        _pad(1 + parcel // 1000 % 50, 3),
        pa.array(np.full(len(unit), "GB")),
        _pad(parcel % 1000 + 1, 5),
        pa.array(np.full(len(unit), "F")),
        _pad(1 + unit % 24 // 6, 4),
        _pad(101 + unit % 6, 4),
    )


def _query_basis(case: np.ndarray, on: np.ndarray, has: np.ndarray) -> pa.Array:
    num = _join(pa.array(np.full(len(case), "苏（2025）查字第")), _pad(case, 7), suffix="号")
    return pc.if_else(pa.array(on & (has > 0)), num, pa.scalar(None, pa.string()))


def _seq_per_office(office: np.ndarray, seq_next: np.ndarray) -> np.ndarray:
    """1, 2, 3 … per office in row order, continuing from ``seq_next`` (updated in place)."""
    order = np.argsort(office, kind="stable")
    counts = np.bincount(office, minlength=len(seq_next))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.empty(len(office), np.int64)
    rank[order] = np.arange(len(office)) - np.repeat(starts, counts)
    seq = seq_next[office] + rank
    seq_next += counts
    return seq


# -- whole log ----------------------------------------------------------------------------------


def roster(staff: Staff, rng: np.random.Generator) -> pa.Table:
    """The staff roster: registrars are the DB role; a few untrained, gone, or long in post."""
    n = len(staff.ids)
    role = np.array([i[6:8] for i in staff.ids])
    office = np.array([i[:6] for i in staff.ids])
    post = {"SL": "窗口受理", "SH": "审核", "DB": "登簿", "SF": "收费", "FZ": "缮证发证"}
    since = np.datetime64("2025-01-01") - rng.integers(30, 2800, n)
    gone = rng.random(n) < 0.005
    return pa.table(
        {
            "operator_id": staff.ids,
            "name": [f"职员{k:04d}" for k in range(n)],
            "office_code": office,
            "post": [post[r] for r in role],
            "registrar": (role == "DB").tolist(),
            "trained": (rng.random(n) > 0.005).tolist(),
            "training_hours": rng.integers(20, 120, n),
            "active_from": (since - rng.integers(0, 400, n)).astype(str),
            "active_to": np.where(gone, (np.datetime64("2025-11-01") + rng.integers(0, 30, n)).astype(str), ""),
            "post_since": since.astype(str),
        }
    )


def side_paths(path: Path) -> tuple[Path, Path]:
    stem = path.with_suffix("")
    return Path(f"{stem}_roster.csv"), Path(f"{stem}_approvals.csv")


def generate(cases: int, path: Path, seed: int = 16, offices: Offices | None = None) -> int:
    """Write the log of ``cases`` cases to ``path`` (+ roster and approvals beside it); returns its rows."""
    days = workdays(dt.date(YEAR - 1, 12, 1), dt.date(YEAR + 1, 6, 30))
    first = int(np.searchsorted(days, np.datetime64(f"{YEAR}-01-01")))
    last = int(np.searchsorted(days, np.datetime64(f"{YEAR + 1}-01-01")))
    chunks = max(1, -(-cases // CHUNK))
    bounds = np.linspace(first, last, chunks + 1).astype(np.int64)
    offices = offices or Offices.make()
    staff = Staff.make(offices)
    seq_next = np.ones(len(offices.codes), np.int64)
    roster_path, approvals_path = side_paths(path)
    tmp = path.with_name(path.name + ".tmp")
    rows, pending = 0, []
    writer, approvals = None, None
    try:
        for k in range(chunks):
            start = k * cases // chunks
            n = (k + 1) * cases // chunks - start
            ch = Chunk(k, n, start, cases, seed, days, bounds[k], bounds[k + 1], staff, offices)
            ch.build()
            t = ch.table(seq_next)
            writer = writer or pq.ParquetWriter(tmp, t.schema, compression="snappy")
            pending.append(t)
            buf = pa.concat_tables(pending)
            full = buf.num_rows // ROW_GROUP * ROW_GROUP
            if full:
                writer.write_table(buf.slice(0, full), row_group_size=ROW_GROUP)
            pending = [buf.slice(full)]
            rows += t.num_rows
            approvals = _write_approvals(ch, approvals, approvals_path)
        rest = pa.concat_tables(pending)
        if rest.num_rows:
            writer.write_table(rest, row_group_size=ROW_GROUP)
    finally:
        if writer is not None:
            writer.close()
        if approvals is not None:
            approvals.close()
    pacsv.write_csv(roster(staff, np.random.default_rng([seed, 99])), roster_path)
    tmp.replace(path)
    return rows


def _write_approvals(ch: Chunk, writer: pacsv.CSVWriter | None, path: Path) -> pacsv.CSVWriter:
    """The registry: 98% of the numbers used (the rest is AP005's), issuer, date, parcel."""
    has, number, unit, date = ch.approvals
    listed = has & (ch.rng.random(ch.n) < 0.98)
    idx = pa.array(np.flatnonzero(listed))
    t = pa.table(
        {
            "approval_no": number.take(idx),
            "issuer": pa.array(np.full(len(idx), "苏州市自然资源和规划局")),
            "approval_date": pa.array(date[listed].astype(str)),
            "parcel_code": pc.utf8_slice_codeunits(unit.take(idx), 0, 19),
        }
    )
    writer = writer or pacsv.CSVWriter(path, t.schema)
    writer.write_table(t)
    return writer


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="The second log generator of the benchmarks (see the module docstring).")
    ap.add_argument("cases", type=lambda s: int(s.replace("_", "")))
    ap.add_argument(
        "-o", "--output", type=Path, required=True, help="the log (.parquet); roster and approvals beside it"
    )
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--offices", type=int, default=len(OFFICES), help="number of offices (default 12)")
    ap.add_argument("--zipf", type=float, default=ZIPF, help="Zipf exponent of the office sizes (default 1.3)")
    args = ap.parse_args(argv)
    start = time.process_time()
    rows = generate(args.cases, args.output, args.seed, Offices.make(args.offices, args.zipf))
    print(f"{args.cases:,} cases, {rows:,} events -> {args.output} ({time.process_time() - start:.1f} s CPU)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
