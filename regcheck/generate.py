"""Synthetic registration audit logs with injected violations and ground-truth labels.

``generate(cases, seed)`` builds a realistic log of several registration offices
(2025-01 .. Sat 2026-10-10, a 调休 make-up working day, which is the export's
cut-off and so the as-of of a default scan), a staff roster and an approval
registry, and the exact set of findings a to-the-letter implementation of
spec/rules.md produces on it with default settings.

How the labels stay exact:

* The background is clean by construction: hall tickets are called in ticket
  order within each queue; every case is reviewed a fixed number of working
  days (per business type) after it entered the processing queue, so no case
  entering more than 24 hours later is reviewed first; cases finish within
  their limits; accept and register are done by different people; every
  operator is in the roster, trained and active; query staff stay under 50
  queries a day; fees follow the fee table; approvals precede registration;
  seals, objections and their releases live on their own units.
* Violations are injected at small rates (see ``RATES``; at least one or two
  of each per seed), plus a few fixed cases: positives (open cases at the
  as-of for TL002/TL003, three mortgages within 30 days) and near-misses that
  must not fire (registered on the limit day; across National Day 2026 and the
  make-up Saturday 10-10; open on the make-up Saturday; mortgage the day after
  an unseal and 16 days after an objection; a same-parcel split sharing one
  approval; an approval dated on the registration day, written with
  full-width digits; 50 queries in a day; queries at 08:00:00 / 18:00:00 and
  on make-up days; collective commercial collateral; an unregistered company
  mortgage; a departed clerk on his last day and a new one on her first;
  post_since exactly 5 years before the as-of; justified priority jumps).
* The labels are then computed, vectorised, from the generated cases and rows
  (first times, queue positions, unit histories, working-day counts), so every
  side effect of an injection is labelled too. tests/oracle.py checks them
  against an independent per-case implementation of the spec.

Everything is vectorised with numpy (loops run over offices, rules, business
types or a handful of fixed cases only): a million cases (~8.6 million rows)
take about 30 s of CPU time. The output is deterministic per seed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import ClassVar

import chinese_calendar
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from regcheck.schema import CANONICAL

__all__ = ["RATES", "Generated", "generate"]


@dataclass
class Generated:
    events: pd.DataFrame  # one row per event, the canonical columns in order
    labels: pd.DataFrame  # rule_id, key, note; sorted, no duplicates
    roster: pd.DataFrame | None  # staff roster (input.md "Staff roster")
    approvals: pd.DataFrame | None  # approval registry


# --------------------------------------------------------------------------- constants

OFFICE_CODES = ("340102", "340103", "340104", "340111", "340121", "340122", "340123", "340124", "340181")
OFFICE_CITY = "合肥市"

FIRST_DAY = np.datetime64("2025-01-02")
CUTOFF_DAY = np.datetime64("2026-10-10")  # Sat, make-up working day: the export's cut-off
CAL_START = np.datetime64("2024-12-01")
CAL_END = np.datetime64("2026-12-31")
OPEN = 8 * 3600 + 30 * 60  # office hours 08:30 ..
CLOSE = 17 * 3600 + 30 * 60  # .. 17:30
DAY = 86400
BIG = 1 << 27  # > seconds between CAL_START and CUTOFF_DAY + tolerance; group offset for queue keys

BT = (
    "first",
    "transfer",
    "change",
    "cancel",
    "correction",
    "objection",
    "objection_cancel",
    "prenotice",
    "seal",
    "unseal",
    "mortgage",
    "mortgage_cancel",
    "query",
)
B = {name: i for i, name in enumerate(BT)}
LIMIT = np.array([30, 5, 5, 5, 5, 1, 1, 5, 1, 1, 5, 5, -1])
REVIEW_LAG = np.array([3, 2, 2, 1, 2, 0, 0, 1, 0, 0, 2, 1, 0])  # working days after entering the queue
HALL_SHARE = np.array([0.7, 0.75, 0.7, 0.6, 0.6, 0.6, 0.5, 0.6, 0.0, 0.0, 0.7, 0.5, 0.0])
CERTIFIED = np.array([1, 1, 1, 0, 1, 1, 0, 1, 0, 0, 1, 0, 0], dtype=bool)
FREE = np.array([0, 0, 0, 1, 0, 0, 1, 1, 1, 1, 0, 1, 1], dtype=bool)
HALVED = np.array([0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0], dtype=bool)
COURT = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0], dtype=bool)  # no hall, no fee row

# Standalone business-type mix (stories add seals, objections, splits … on their own units).
MIX = {
    "first": 0.04,
    "transfer": 0.37,
    "change": 0.03,
    "cancel": 0.03,
    "correction": 0.02,
    "prenotice": 0.05,
    "mortgage": 0.36,
    "mortgage_cancel": 0.10,
}
QUERY_SHARE = 0.10

ACT = (
    "book",
    "ticket",
    "call",
    "accept",
    "charge",
    "suspend",
    "resume",
    "review",
    "register",
    "certify",
    "issue",
    "complete",
    "archive",
    "reject",
    "withdraw",
    "query",
)
A = {name: i for i, name in enumerate(ACT)}
# Time slots of a case, in chronological order, and the activity each one logs.
SLOTS = (
    ("book", "book"),
    ("ticket", "ticket"),
    ("call", "call"),
    ("accept", "accept"),
    ("charge", "charge"),
    ("s1", "suspend"),
    ("r1", "resume"),
    ("rev1", "review"),
    ("rev2", "review"),
    ("s2", "suspend"),
    ("r2", "resume"),
    ("reg", "register"),
    ("reject", "reject"),
    ("withdraw", "withdraw"),
    ("cert", "certify"),
    ("issue", "issue"),
    ("complete", "complete"),
    ("archive", "archive"),
    ("query", "query"),
)
SLOT = {name: i for i, (name, _) in enumerate(SLOTS)}

USES = (
    "residential",
    "commercial",
    "industrial",
    "office",
    "education",
    "medical",
    "elderly_care",
    "homestead",
    "public",
    "other",
)
U = {name: i for i, name in enumerate(USES)}
LANDS = ("state", "collective")
MTYPES = ("bank", "financial", "company", "individual")
CK_USE, CK_SPLIT, CK_MERGE = 1, 2, 4
CK_TEXT = ("", "use_change", "split", "split;use_change", "merge", "merge;use_change", "split;merge", "")
REASONS = ("老年人", "残疾人", "法院协助执行", "孕妇", "现役军人", "领导批示")
SUSPEND_REASONS = ("补正材料", "地籍调查", "公告")
BANKS = (
    "中国工商银行股份有限公司合肥分行",
    "中国建设银行股份有限公司合肥蜀山支行",
    "中国农业银行股份有限公司合肥庐阳支行",
    "中国银行股份有限公司安徽省分行",
    "交通银行股份有限公司安徽省分行",
    "徽商银行股份有限公司合肥分行",
    "合肥科技农村商业银行股份有限公司",
    "招商银行股份有限公司合肥分行",
)
FINANCIAL = ("合肥市住房公积金管理中心", "安徽国元信托有限责任公司", "安徽省中安金融资产管理股份有限公司")
COMPANIES = ("合肥鑫源投资管理有限公司", "安徽恒达商贸有限公司", "合肥融汇实业有限公司")
PERSONS = ("张伟", "王芳", "李强", "刘洋", "陈静", "杨磊")
SURNAMES = np.array(list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"))
GIVEN = np.array(list("伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超霞平刚桂英华"))

RATES: dict[str, float] = {
    # per-case injections, as a share of the eligible background cases
    "TL001": 0.015,  # L=5 cases registered 1-3 working days late
    "TL002": 0.005,  # cases stuck open long before the cut-off
    "QJ003": 0.005,  # hall cases: priority true, no reason
    "QJ001": 0.002,  # pairs (victim, jumper) per case
    "QJ002": 0.002,  # pairs (victim, early-reviewed jumper) per case
    "QJ004": 0.0005,  # groups (held-back case + 3-6 overtakers) per case
    "AP001": 0.05,  # approval-requiring cases registered without a number
    "AP002": 0.05,  # approval dated after registration
    "AP003": 0.003,  # transfers whose use changed without use_change
    "AP004": 0.03,  # approval number of another parcel reused
    "AP005": 0.03,  # number not in the registry
    "MG001": 0.001,  # seal stories with a mortgage inside the sealed period (per case)
    "MG002": 0.02,  # registered mortgages on prohibited collateral
    "MG003": 0.0015,  # objection stories with a mortgage within 15 days (per case)
    "MG004": 0.02,  # amount above assessed value
    "MG005": 0.001,  # units with three mortgages within 30 days (per case)
    "MG006": 0.03,  # non-financial mortgagee
    "SD001": 0.005,
    "SD002": 0.006,  # unknown / untrained / inactive operator
    "SD003": 0.003,  # registered by a non-registrar
    "IQ001": 0.01,  # of queries
    "IQ002": 0.01,  # of queries
    "IQ003": 0.01,  # bulk batches per query operator-day
    "FE001": 0.01,
    "FE002": 0.02,  # of free-service cases with a fee row
    "LG001": 0.002,  # deleted rows per case
    "LG002": 0.003,
    "LG003": 0.003,
    "LG004": 0.003,
}


# --------------------------------------------------------------------------- calendar


class _Calendar:
    def __init__(self) -> None:
        self.days = np.arange(CAL_START, CAL_END + 1)
        work = np.array([chinese_calendar.is_workday(d) for d in self.days.astype(dt.date)])
        self.work = work
        self.cum = np.cumsum(work)  # working days <= day (by day offset from CAL_START)
        wd = self.days[work]
        self.wd = wd[(wd >= FIRST_DAY) & (wd <= CUTOFF_DAY)]  # working days of the log
        self.wd_sec = (self.wd - np.datetime64("1970-01-01")).astype(np.int64) * DAY
        self.t0 = int((CAL_START - np.datetime64("1970-01-01")).astype(np.int64)) * DAY
        self.cutoff_idx = len(self.wd) - 1
        self.cutoff_abs = int(self.wd_sec[-1]) + CLOSE

    def idx(self, day: str) -> int:
        return int(np.searchsorted(self.wd, np.datetime64(day)))

    def abs(self, wd: np.ndarray, sec: np.ndarray) -> np.ndarray:
        return np.where((wd >= 0) & (sec >= 0), self.wd_sec[np.clip(wd, 0, len(self.wd) - 1)] + sec, -1)

    def day_offset(self, t: np.ndarray) -> np.ndarray:
        """Day index (from CAL_START) of absolute times."""
        return (t - self.t0) // DAY

    def workdays_upto(self, t: np.ndarray) -> np.ndarray:
        return self.cum[np.clip(self.day_offset(t), 0, len(self.cum) - 1)]

    def is_work(self, t: np.ndarray) -> np.ndarray:
        return self.work[np.clip(self.day_offset(t), 0, len(self.work) - 1)]


# --------------------------------------------------------------------------- helpers


def _fmt(values: np.ndarray, width: int) -> np.ndarray:
    return np.strings.zfill(np.asarray(values, dtype=np.int64).astype("T"), width)


def _cat(*parts: np.ndarray | str) -> np.ndarray:
    out = parts[0]
    for p in parts[1:]:
        out = np.strings.add(out, p)
    return np.asarray(out)


def _fullwidth(s: np.ndarray) -> np.ndarray:
    out = np.asarray(s, dtype="T")
    for d in "0123456789":
        out = np.strings.replace(out, d, chr(ord(d) + 0xFEE0))
    return out


def _uniform(rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, n: int) -> np.ndarray:
    lo = np.broadcast_to(np.asarray(lo, dtype=np.int64), (n,))
    hi = np.broadcast_to(np.asarray(hi, dtype=np.int64), (n,))
    return lo + np.floor(rng.random(n) * np.maximum(hi - lo, 0)).astype(np.int64)


def _pick(rng: np.random.Generator, mask: np.ndarray, k: int, taken: np.ndarray | None = None) -> np.ndarray:
    """k distinct random indices where mask (and not taken) holds; marks them taken."""
    cand = np.flatnonzero(mask if taken is None else mask & ~taken)
    k = min(k, len(cand))
    chosen = np.sort(rng.choice(cand, size=k, replace=False)) if k else cand[:0]
    if taken is not None:
        taken[chosen] = True
    return chosen


def _count(rate: float, eligible: int, minimum: int = 2) -> int:
    return max(minimum, round(rate * eligible))


def _first_per_group(keys: np.ndarray, values: np.ndarray, size: int, fill: int = -1) -> np.ndarray:
    """min(values) per integer key in [0, size)."""
    out = np.full(size, fill, dtype=np.int64)
    lo = int(values.min()) if len(values) else 0
    combined = np.sort(keys.astype(np.int64) * BIG + (values - lo))  # values span < BIG
    k = combined // BIG
    first = np.ones(len(k), dtype=bool)
    first[1:] = k[1:] != k[:-1]
    out[k[first]] = combined[first] % BIG + lo
    return out


def _dominance(pe: np.ndarray, ps: np.ndarray, qe: np.ndarray, qs: np.ndarray) -> np.ndarray:
    """For each query, how many points have pe > qe and ps < qs (merge-sort tree, O(n log^2 n))."""
    m = len(pe)
    out = np.zeros(len(qe), dtype=np.int64)
    if m == 0 or len(qe) == 0:
        return out
    order = np.argsort(pe, kind="stable")
    pe, ps = pe[order], ps[order]
    sorted_s = np.sort(ps)
    rank = np.searchsorted(sorted_s, ps, "left").astype(np.int64)
    y = np.searchsorted(sorted_s, qs, "left").astype(np.int64)
    p = np.searchsorted(pe, qe, "right").astype(np.int64)
    prefix = np.zeros(len(qe), dtype=np.int64)
    pos = np.arange(m, dtype=np.int64)
    level = 0
    while (1 << level) <= m:
        keys = np.sort((pos >> level) * (m + 1) + rank)
        sel = ((p >> level) & 1) == 1
        b = (p[sel] >> level) - 1
        prefix[sel] += np.searchsorted(keys, b * (m + 1) + y[sel], "left") - b * (1 << level)
        level += 1
    return y - prefix


def _queue(
    group: np.ndarray, enter: np.ndarray, start: np.ndarray, tol: int, held_min: int | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Overtaking within queues (rules.md "Queue order").

    Returns (jumped non-empty, overtaken >= held_min, jumped contains a case not held back).
    """
    n = len(group)
    none = np.zeros(n, dtype=bool)
    if n == 0:
        return none, none, none
    e = group.astype(np.int64) * BIG + enter
    s = group.astype(np.int64) * BIG + start
    order = np.argsort(e, kind="stable")
    es, ss = e[order], s[order]
    q = np.searchsorted(es, e - tol, "left")  # cases i with e_i < e_j - tol are es[:q]
    pmax = np.maximum.accumulate(ss)
    jumper = (q > 0) & (pmax[np.maximum(q - 1, 0)] > s)
    if held_min is None:
        return jumper, none, jumper
    p = np.searchsorted(es, e + tol, "right")  # cases j with e_j > e_i + tol are es[p:]
    smin = np.minimum.accumulate(ss[::-1])[::-1]
    victim = (p < n) & (smin[np.minimum(p, n - 1)] < s)
    count = np.zeros(n, dtype=np.int64)
    count[victim] = _dominance(e[jumper], s[jumper], e[victim] + tol, s[victim])
    held = count >= held_min
    light = np.where(victim & ~held, s, -1)[order]
    lmax = np.maximum.accumulate(light)
    jumps_light = (q > 0) & (lmax[np.maximum(q - 1, 0)] > s)
    return jumper, held, jumps_light


# --------------------------------------------------------------------------- cases


class _Cases:
    """Column store of cases; blocks are appended, then concatenated."""

    FIELDS: ClassVar[dict[str, tuple[type, int]]] = {
        "office": (np.int64, 0),
        "bt": (np.int64, 0),
        "tag": (np.int64, 0),
        "a_wd": (np.int64, -1),
        "a_sec": (np.int64, -1),
        "hall": (np.int64, -1),  # -1 random by type, 0 no, 1 yes
        "tk_sec": (np.int64, -1),  # fixed ticket / call seconds (scenarios; excluded from the call order)
        "call_sec": (np.int64, -1),
        "susp": (np.int64, -1),  # pre-review suspension: -1 random, 0 no, 1 yes
        "rev_wd": (np.int64, -1),
        "rev_sec": (np.int64, -1),
        "reg_wd": (np.int64, -1),
        "reg_sec": (np.int64, -1),
        "end": (np.int64, -1),  # -1 random, 0 registered, 1 rejected, 2 withdrawn, 3 stuck, 4 stuck suspended
        "unit": (np.int64, -1),  # unit key, -1 = pool
        "prio": (np.int64, -1),  # -1 none, 0 'false', 1 'true'
        "reason": (np.int64, -1),
        "story": (np.int64, -1),
        "approval": (np.int64, -1),  # approval-story id (approval number assigned later)
        "ck": (np.int64, 0),
        "use_before": (np.int64, -1),
        "use_after": (np.int64, -1),
        "land": (np.int64, -1),
    }

    def __init__(self) -> None:
        self.blocks: list[dict[str, np.ndarray]] = []

    def add(self, n: int, **fields: np.ndarray | int) -> None:
        block = {}
        for name, (dtype, default) in self.FIELDS.items():
            v = fields.pop(name, default)
            block[name] = np.broadcast_to(np.asarray(v, dtype=dtype), (n,)).copy()
        if fields:
            raise TypeError(f"unknown fields {sorted(fields)}")
        self.blocks.append(block)

    def build(self) -> dict[str, np.ndarray]:
        return {name: np.concatenate([b[name] for b in self.blocks]) for name in self.FIELDS}


TAGS = (
    "background",
    "near_miss",
    "story",
    "qj001_victim",
    "qj001_jumper",
    "qj002_victim",
    "qj002_jumper",
    "qj004_held",
    "qj004_overtaker",
    "mg001_story",
    "mg003_story",
    "mg005_story",
    "iq003_bulk",
    "approval_story",
    "fixed",
)
T = {name: i for i, name in enumerate(TAGS)}


# --------------------------------------------------------------------------- generator


class _Generator:
    def __init__(self, cases: int, seed: int, offices: int) -> None:
        if cases < 500:
            raise ValueError("generate needs at least 500 cases (the fixed near-miss scenarios take ~70)")
        if not 1 <= offices <= len(OFFICE_CODES):
            raise ValueError(f"offices must be between 1 and {len(OFFICE_CODES)}")
        self.n_target = cases
        self.rng = np.random.default_rng(seed)
        self.n_off = offices
        self.offices = np.array(OFFICE_CODES[:offices], dtype="T")
        self.cal = _Calendar()
        self.cb = _Cases()
        self.story_counter = 0
        self.unit_counter = np.zeros(offices, dtype=np.int64)
        self.pool_size = max(100, int(1.6 * cases / offices))
        self.notes: dict[str, str] = {}

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

    # ------------------------------------------------------------ queue scenarios

    def qj001(self, k: int) -> None:
        rng, cal = self.rng, self.cal
        office = rng.integers(0, self.n_off, k)
        day = self.random_day(k, 0, cal.cutoff_idx - 8)
        t = _uniform(rng, 9 * 3600, 14 * 3600, k)
        variant = rng.random(k)
        variant[0] = 0.0  # the first pair is always a plain jump
        prio = np.where(variant < 0.7, -1, 1)
        reason = np.where(variant < 0.85, -1, rng.integers(0, len(REASONS), k))
        story = self.new_story(k)
        common = dict(office=office, bt=B["transfer"], a_wd=day, hall=1, susp=0, end=0, story=story)
        self.cb.add(k, tag=T["qj001_victim"], tk_sec=t, call_sec=t + 720, **common)
        self.cb.add(k, tag=T["qj001_jumper"], tk_sec=t + 120, call_sec=t + 240, prio=prio, reason=reason, **common)

    def qj002(self, k: int) -> None:
        rng, cal = self.rng, self.cal
        office = rng.integers(0, self.n_off, k)
        bt = np.where(rng.random(k) < 0.6, B["transfer"], B["mortgage"])
        day = self.random_day(k, 2, cal.cutoff_idx - 8)
        variant = rng.random(k)
        variant[0] = 0.0
        prio = np.where(variant < 0.7, -1, 1)
        reason = np.where(variant < 0.85, -1, rng.integers(0, len(REASONS), k))
        a_sec = _uniform(rng, 8 * 3600 + 40 * 60, 10 * 3600, k)
        common = dict(office=office, bt=bt, hall=0, susp=0, end=0)
        self.cb.add(
            k,
            tag=T["qj002_victim"],
            a_wd=day - 2,
            a_sec=_uniform(rng, 10 * 3600, 15 * 3600, k),
            rev_wd=day,
            rev_sec=_uniform(rng, 16 * 3600 + 40 * 60, 16 * 3600 + 55 * 60, k),
            **common,
        )
        self.cb.add(
            k,
            tag=T["qj002_jumper"],
            a_wd=day,
            a_sec=a_sec,
            rev_wd=day,
            rev_sec=a_sec + _uniform(rng, 600, 1800, k),
            prio=prio,
            reason=reason,
            **common,
        )

    def qj004(self, k: int) -> None:
        rng, cal = self.rng, self.cal
        office = rng.integers(0, self.n_off, k)
        bt = np.where(rng.random(k) < 0.6, B["transfer"], B["mortgage"])
        day = self.random_day(k, 0, cal.cutoff_idx - 10)
        common = dict(hall=0, susp=0, end=0)
        self.cb.add(
            k,
            office=office,
            bt=bt,
            tag=T["qj004_held"],
            a_wd=day,
            a_sec=_uniform(rng, 8 * 3600 + 40 * 60, 9 * 3600 + 30 * 60, k),
            rev_wd=day + 4,
            rev_sec=_uniform(rng, 17 * 3600 + 60, 17 * 3600 + 600, k),
            reg_wd=day + 5,
            **common,
        )
        m = np.where(rng.random(k) < 0.8, rng.integers(5, 7, k), rng.integers(3, 5, k))
        m[0] = 6
        rep = np.repeat(np.arange(k), m)
        j = len(rep)
        self.cb.add(
            j,
            office=office[rep],
            bt=bt[rep],
            tag=T["qj004_overtaker"],
            a_wd=day[rep] + rng.integers(1, 3, j),
            a_sec=_uniform(rng, 10 * 3600, 15 * 3600, j),
            **common,
        )

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

    # ------------------------------------------------------------ per-case injections

    def inject_times(self) -> None:
        """TL001 / TL002 / LG002 / LG003: changes to times (after the timeline)."""
        c, rng, cal, t, n = self.c, self.rng, self.cal, self.t, self.n
        S = SLOT
        bt = c["bt"]
        bg = c["tag"] == T["background"]
        self.taken = ~bg
        self.tl_late = np.zeros(n, dtype=bool)
        registered = t[:, S["reg"]] >= 0
        five = (LIMIT[bt] == 5) & bg & registered & ~self.susp & (t[:, S["cert"]] >= 0)
        # TL001: register 1-3 working days after the limit; later slots move along
        idx = _pick(rng, five, _count(RATES["TL001"], int(five.sum())), self.taken)
        a = np.searchsorted(cal.wd, (t[idx, S["accept"]] // DAY).astype("datetime64[D]"))
        reg_day = np.searchsorted(cal.wd, (t[idx, S["reg"]] // DAY).astype("datetime64[D]"))
        shift = a + LIMIT[bt[idx]] + rng.integers(1, 4, len(idx)) - reg_day
        for slot in ("reg", "cert", "issue", "complete", "archive"):
            col = t[idx, S[slot]]
            day = np.searchsorted(cal.wd, (col // DAY).astype("datetime64[D]"))
            new_day = np.clip(day + shift, 0, cal.cutoff_idx + 30)
            ok = (col >= 0) & (day + shift <= cal.cutoff_idx)
            t[idx, S[slot]] = np.where(ok, cal.wd_sec[np.clip(new_day, 0, cal.cutoff_idx)] + col % DAY, -1)
        self.tl_late[idx] = True
        # TL002: stuck cases accepted long ago (nothing after the review)
        old = bg & (LIMIT[bt] > 0) & (t[:, S["accept"]] >= 0) & (t[:, S["accept"]] < cal.wd_sec[cal.cutoff_idx - 40])
        idx = _pick(rng, old, _count(RATES["TL002"], int(old.sum())), self.taken)
        for slot in ("s2", "r2", "reg", "reject", "withdraw", "cert", "issue", "complete", "archive"):
            t[idx, S[slot]] = -1
        self.stuck = idx
        # open near the as-of: 4-5 working days elapsed (TL003) or 6 (TL002)
        acc_wd = np.searchsorted(cal.wd, (np.maximum(t[:, S["accept"]], 0) // DAY).astype("datetime64[D]"))
        near = (
            bg
            & (LIMIT[bt] == 5)
            & ~self.susp
            & (t[:, S["accept"]] >= 0)
            & (acc_wd >= cal.cutoff_idx - 6)
            & (acc_wd <= cal.cutoff_idx - 4)
        )
        idx = _pick(rng, near, max(3, int(0.3 * near.sum())), self.taken)
        for slot in ("s2", "r2", "reg", "reject", "withdraw", "cert", "issue", "complete", "archive"):
            t[idx, S[slot]] = -1
        # near-miss: open, suspended since (unpaired suspend runs to the as-of): not late
        el = (
            bg
            & self.susp
            & (LIMIT[bt] == 5)
            & (t[:, S["accept"]] > cal.wd_sec[cal.cutoff_idx - 30])
            & (t[:, S["accept"]] < cal.wd_sec[cal.cutoff_idx - 10])
        )
        idx = _pick(rng, el, 2, self.taken)
        for slot in (
            "r1",
            "rev1",
            "rev2",
            "s2",
            "r2",
            "reg",
            "reject",
            "withdraw",
            "cert",
            "issue",
            "complete",
            "archive",
        ):
            t[idx, S[slot]] = -1
        # LG002 (a): register logged before accept on the same day (transfers)
        el = bg & (bt == B["transfer"]) & registered & (t[:, S["accept"]] % DAY >= 9 * 3600) & (c["use_before"] < 0)
        idx = _pick(rng, el, _count(RATES["LG002"] / 2, int(el.sum())), self.taken)
        acc = t[idx, S["accept"]]
        t[idx, S["reg"]] = acc - acc % DAY + _uniform(rng, OPEN, acc % DAY - 300, len(idx))
        # LG002 (b): ticket logged after its call
        el = bg & self.hall & (t[:, S["call"]] >= 0) & (t[:, S["accept"]] - t[:, S["call"]] > 20)
        idx = _pick(rng, el, _count(RATES["LG002"] / 2, int(el.sum())), self.taken)
        room = t[idx, S["accept"]] - t[idx, S["call"]]
        t[idx, S["ticket"]] = t[idx, S["call"]] + _uniform(rng, 5, np.minimum(room, 60), len(idx))
        # LG003: history starts at the review (registered) or at the reject (rejected)
        el = bg & registered & (t[:, S["rev1"]] >= 0)
        idx = _pick(rng, el, _count(RATES["LG003"] * 0.8, int(el.sum())), self.taken)
        for slot in ("book", "ticket", "call", "accept", "charge", "s1", "r1"):
            t[idx, S[slot]] = -1
        el = bg & (t[:, S["reject"]] >= 0)
        idx2 = _pick(rng, el, _count(RATES["LG003"] * 0.2, int(el.sum()), 1), self.taken)
        for slot in ("book", "ticket", "call", "accept", "charge", "s1", "r1", "rev1", "rev2"):
            t[idx2, S[slot]] = -1
        self.no_history = np.concatenate([idx, idx2])

    # ------------------------------------------------------------ attributes

    def attributes(self) -> None:
        c, rng, n = self.c, self.rng, self.n
        bt = c["bt"]
        t = self.t
        S = SLOT
        bg = c["tag"] == T["background"]
        registered = t[:, S["reg"]] >= 0
        mortgage = bt == B["mortgage"]
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
        # priority: justified green channel, explicit false, unjustified (QJ003)
        prio, reason = c["prio"].copy(), c["reason"].copy()
        hall_bg = bg & self.hall
        green = _pick(rng, hall_bg, _count(0.01, int(hall_bg.sum())), self.taken)
        prio[green] = 1
        reason[green] = rng.integers(0, len(REASONS), len(green))
        late_reason = np.zeros(n, dtype=bool)
        late_reason[green[(rng.random(len(green)) < 0.3) & (t[green, S["rev1"]] >= 0)]] = True
        false = bg & (prio < 0) & (rng.random(n) < 0.05)
        prio[false] = 0
        qj3 = _pick(rng, hall_bg, _count(RATES["QJ003"], int(hall_bg.sum())), self.taken)
        prio[qj3] = 1
        reason[qj3] = -1
        self.late_reason = late_reason
        # --- approvals
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
        # approval numbers: one per approval story; issued 5-120 days before the earliest acceptance
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
        # per case: approval id (index into the numbers), written form, date
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
        # --- mortgages
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
        # --- fees: the standard, then FE001/FE002 injections
        std = np.where(use_after == U["residential"], 80.0, np.where(use_after == U["homestead"], 0.0, 550.0))
        halve = HALVED[bt] | ((bt == B["change"]) & ((ck & (CK_SPLIT | CK_MERGE)) != 0))
        std = np.where(halve, std / 2, std)
        std = np.where(FREE[bt], 0.0, std)
        fee = np.where(self.fee_row & (t[:, S["charge"]] >= 0), std, np.nan)
        paid = bg & ~np.isnan(fee)
        idx = _pick(rng, paid & (std > 0), _count(RATES["FE001"], int((paid & (std > 0)).sum())), self.taken)
        fee[idx] = np.where(std[idx] == 80, 550.0, np.where(rng.random(len(idx)) < 0.5, 80.0, 0.0))
        idx = _pick(rng, paid & (std == 0), _count(RATES["FE002"], int((paid & (std == 0)).sum())), self.taken)
        fee[idx] = np.where(use_after[idx] == U["homestead"], 10.0, 80.0)
        self.fee = fee
        self.use_after, self.use_before, self.land, self.ck = use_after, use_before, land, ck
        self.prio, self.reason = prio, reason

    # ------------------------------------------------------------ staff

    def operators(self) -> None:
        c, rng, cal, t, n = self.c, self.rng, self.cal, self.t, self.n
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
        # operator table
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

        def pool(kind: str, size: np.ndarray | None = None) -> np.ndarray:
            out = np.empty(n, dtype=np.int64)
            for o in range(self.n_off):
                sel = office == o
                members = ids[(o, kind)]
                out[sel] = members[rng.integers(0, len(members), int(sel.sum()))]
            return out

        ops = np.full((n, len(SLOTS)), -1, dtype=np.int64)
        clerk = pool("W")
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
        ops[:, S["s1"]] = pool("W")
        ops[:, S["r1"]] = pool("W")
        ops[:, S["rev1"]] = pool("R")
        ops[:, S["rev2"]] = pool("R")
        ops[:, S["s2"]] = ops[:, S["rev1"]]
        ops[:, S["r2"]] = ops[:, S["rev1"]]
        reg = pool("D")
        ops[:, S["reg"]] = reg
        ops[:, S["reject"]] = reg
        ops[:, S["cert"]] = pool("W")
        ops[:, S["issue"]] = pool("W")
        ops[:, S["complete"]] = np.where(rng.random(n) < 0.5, reg, pool("W"))
        ops[:, S["archive"]] = np.where(rng.random(n) < 0.6, -1, pool("W"))
        qop = np.full(n, -1, dtype=np.int64)
        qpool = np.concatenate([ids[(o, "Q")] for o in range(self.n_off)])
        qstart = np.r_[0, np.cumsum(nQ)][:-1]
        oq = office[qi][order]
        qop[qi[order]] = qpool[qstart[oq] + rank % nQ[oq]]
        # near-miss queries: the extra query clerk of office 0
        qop[nm & (bt == B["query"])] = ids[(0, "nmq")][0]
        self.ids = ids
        self.nQ = nQ
        ops[:, S["query"]] = qop
        self.ops = ops
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
        ops[idx[ops[idx, S_["reg"]] < 0], S_["reg"]] = pool("R")[idx[ops[idx, S_["reg"]] < 0]]

    def queries(self) -> None:
        """Bulk batches (IQ003), then IQ001 / IQ002 injections, then bases."""
        c, rng, cal, t, n = self.c, self.rng, self.cal, self.t, self.n
        S = SLOT
        bulk = np.flatnonzero(c["tag"] == T["iq003_bulk"])
        batch = np.repeat(np.arange(self.n_bulk), self.bulk_sizes)
        office = rng.integers(0, self.n_off, self.n_bulk)
        day = self.random_day(self.n_bulk)
        qpool = np.concatenate([self.ids[(o, "Q")] for o in range(self.n_off)])
        qstart = np.r_[0, np.cumsum(self.nQ)][:-1]
        op = qpool[qstart[office] + np.floor(rng.random(self.n_bulk) * self.nQ[office]).astype(np.int64)]
        c["office"][bulk] = office[batch]
        t[bulk, S["query"]] = cal.wd_sec[day[batch]] + _uniform(rng, OPEN, CLOSE, len(bulk))
        self.ops[bulk, S["query"]] = op[batch]
        # IQ001 / IQ002
        q = (c["bt"] == B["query"]) & (c["tag"] == T["background"])
        nq = int(q.sum())
        self.no_basis = np.zeros(n, dtype=bool)
        idx = _pick(rng, q, _count(RATES["IQ001"], nq), self.taken)
        self.no_basis[idx] = True
        idx = _pick(rng, q, _count(RATES["IQ002"], nq), self.taken)
        kind = rng.integers(0, 3, len(idx))
        tq = t[idx, S["query"]]
        # 0: on a day off (the nearest non-working day after), 1: early, 2: late
        days = cal.days
        offday = days[~cal.work]
        d = (tq // DAY).astype("datetime64[D]")
        nxt_off = offday[np.minimum(np.searchsorted(offday, d), len(offday) - 1)]
        off_t = (nxt_off - np.datetime64("1970-01-01")).astype(np.int64) * DAY + tq % DAY
        prev_off = offday[np.maximum(np.searchsorted(offday, d) - 1, 0)]
        off_t = np.where(
            off_t > cal.cutoff_abs, (prev_off - np.datetime64("1970-01-01")).astype(np.int64) * DAY + tq % DAY, off_t
        )
        early = tq - tq % DAY + _uniform(rng, 6 * 3600, 8 * 3600, len(idx))
        late = tq - tq % DAY + _uniform(rng, 18 * 3600 + 1, 22 * 3600, len(idx))
        late = np.where(late > cal.cutoff_abs, early, late)
        t[idx, S["query"]] = np.select([kind == 0, kind == 1], [off_t, early], late)

    # ------------------------------------------------------------ rows

    def rows(self) -> None:
        """Explode cases into event rows; LG004 duplicates; event_seq; LG001 deletions."""
        c, rng, n, t = self.c, self.rng, self.n, self.t
        S = SLOT
        has = t >= 0
        case_idx, slot = np.nonzero(has)
        time = t[has]
        act = np.array([A[a] for _, a in SLOTS])[slot]
        op = self.ops[has]
        op[slot == S["book"]] = -1
        op[slot == S["ticket"]] = -1
        op[slot == S["withdraw"]] = -1
        # LG004: exact duplicate of a charge / certify / register row
        bg = c["tag"] == T["background"]
        el = bg & ((t[:, S["cert"]] >= 0) | (t[:, S["charge"]] >= 0))
        dup_cases = _pick(rng, el, _count(RATES["LG004"], int(bg.sum())), self.taken)
        want = np.zeros(n, dtype=np.int64) - 1
        pref = np.where(t[dup_cases, S["cert"]] >= 0, S["cert"], S["charge"])
        pref = np.where(rng.random(len(dup_cases)) < 0.3, np.where(t[dup_cases, S["reg"]] >= 0, S["reg"], pref), pref)
        want[dup_cases] = pref
        dup = np.flatnonzero(want[case_idx] == slot)
        rows = np.concatenate([np.arange(len(case_idx)), dup])
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
        # LG001: delete a few certify / issue / archive rows of clean cases (never an office's first or last)
        deletable = np.isin(slot, [S["cert"], S["issue"], S["archive"]]) & bg[case_idx] & ~self.taken[case_idx]
        is_edge = np.zeros(len(time), dtype=bool)
        ends = np.r_[start, np.r_[start[1:], len(order)] - 1]
        is_edge[order[ends]] = True
        deletable &= ~is_edge
        k = _count(RATES["LG001"], n)
        gone = _pick(rng, deletable, k)
        # sometimes the next row (in seq order) goes too: one gap of two
        pos = np.empty(len(time), dtype=np.int64)
        pos[order] = np.arange(len(order))
        nxt = order[np.minimum(pos[gone] + 1, len(order) - 1)]
        also = nxt[(rng.random(len(gone)) < 0.3) & deletable[nxt]]
        gone = np.unique(np.concatenate([gone, also]))
        keep = np.ones(len(time), dtype=bool)
        keep[gone] = False
        self.deleted = (office[gone], seq[gone])
        case_idx, slot, time, act, op, seq = case_idx[keep], slot[keep], time[keep], act[keep], op[keep], seq[keep]
        self.ev = dict(case=case_idx, slot=slot, time=time, act=act, op=op, seq=seq)

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
        self.rotation_overdue = self.op_table[overdue]
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
        c, rng, ev, n = self.c, self.rng, self.ev, self.n
        S = SLOT
        m = len(ev["time"])
        perm = rng.permutation(m)
        ev = {k: v[perm] for k, v in ev.items()}
        case, slot, act, op = ev["case"], ev["slot"], ev["act"], ev["op"]
        # attribute rows: the case's earliest row(s), and 15 % of the others
        first_t = np.full(n, np.iinfo(np.int64).max)
        np.minimum.at(first_t, case, ev["time"])
        attr = (ev["time"] == first_t[case]) | (rng.random(m) < 0.15)

        def col(values: np.ndarray, codes: np.ndarray, mask: np.ndarray) -> pd.Series:
            idx = pa.array(np.where(mask, codes, 0).astype(np.int64), mask=~mask)
            table = pa.array(np.asarray(values, dtype="T"), type=pa.large_string())
            return pd.Series(pd.arrays.ArrowStringArray(pc.take(table, idx)))

        def dict_col(values: tuple[str, ...] | np.ndarray, codes: np.ndarray, mask: np.ndarray) -> pd.Series:
            return col(np.asarray(values, dtype=object), codes, mask & (codes >= 0))

        out: dict[str, pd.Series] = {}
        seq = ev["seq"]
        out["event_seq"] = pd.Series(pd.array(np.where(seq >= 0, seq, 0), dtype="Int64")).mask(seq < 0)
        out["case_id"] = col(self.case_id, case, np.ones(m, dtype=bool))
        out["office_code"] = col(self.offices, c["office"][case], np.ones(m, dtype=bool))
        out["activity"] = dict_col(ACT, act, np.ones(m, dtype=bool))
        out["event_time"] = pd.Series(ev["time"].astype("datetime64[s]"))
        out["operator_id"] = col(self.op_table, op, op >= 0)
        queue_names = ("", "A", "B", "C")
        q = self.queue[case]
        on_q = np.isin(slot, [S["ticket"], S["call"]]) & (q > 0)
        out["queue_id"] = dict_col(queue_names, q, on_q)
        # window number: clerk 340102-W3 sits at window 3 (a loop over the small operator table)
        win = np.array([s.split("-W")[-1] if "-W" in s else s.split("-")[-1] for s in self.op_table], dtype=object)
        out["window_id"] = col(win, op, np.isin(slot, [S["call"], S["accept"]]) & (op >= 0))
        prio = self.prio[case]
        out["priority"] = dict_col(("false", "true"), prio, attr & (prio >= 0))
        reason = self.reason[case]
        late = self.late_reason[case]
        reason_row = np.where(late, slot == S["rev1"], attr)
        out["priority_reason"] = dict_col(REASONS, reason, reason_row)
        sr = np.where(slot == S["s2"], 2, self.s1_reason[case])
        out["suspend_reason"] = dict_col(SUSPEND_REASONS, sr, np.isin(slot, [S["s1"], S["s2"]]))
        # query basis: application number or court document
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
        out["query_basis"] = pd.Series(
            pd.arrays.ArrowStringArray(
                pc.if_else(pa.array(ok), pa.array(basis_all, type=pa.large_string()), pa.nulls(m, pa.large_string()))
            )
        )
        out["business_type"] = dict_col(BT, c["bt"][case], attr)
        out["unit_id"] = col(self.unit_str, case, attr & (c["unit"][case] >= 0))
        out["land_nature"] = dict_col(LANDS, self.land[case], attr)
        out["use_before"] = dict_col(USES, self.use_before[case], attr)
        # a later row sometimes carries a stale use (the first non-empty value wins)
        ua = self.use_after[case].copy()
        stale = ~attr & (self.use_after[case] >= 0) & (ev["time"] > first_t[case]) & (rng.random(m) < 0.01)
        ua[stale] = (ua[stale] + 1) % 4
        out["use_after"] = dict_col(USES, ua, attr | stale)
        out["change_kind"] = dict_col(CK_TEXT, self.ck[case], attr & (self.ck[case] > 0))
        appr = self.appr[case]
        n_numbers = len(self.approval_number)
        written = np.concatenate([self.approval_number, _fullwidth(self.approval_number)])
        out["approval_no"] = col(written, (self.appr + n_numbers * self.appr_fw)[case], attr & (appr >= 0))
        out["approval_date"] = col(
            self.approval_date.astype(str), appr, attr & (appr >= 0) & ~self.appr_date_missing[case]
        )
        out["mortgagee"] = col(self.mortgagee_names, self.mname[case], attr & (self.mname[case] >= 0))
        out["mortgagee_type"] = dict_col(MTYPES, self.mtype[case], attr)
        out["mortgage_amount"] = pd.Series(np.where(attr, self.amount[case], np.nan))
        out["assessed_value"] = pd.Series(np.where(attr, self.value[case], np.nan))
        out["fee_charged"] = pd.Series(np.where(slot == S["charge"], self.fee[case], np.nan))
        return pd.DataFrame({name: out[name] for name in CANONICAL})


def generate(cases: int, seed: int, offices: int = 4) -> Generated:
    """A synthetic log of about ``cases`` cases with injected violations and their labels."""
    g = _Generator(cases, seed, offices)
    g.plan()
    g.build_cases()
    g.timeline()
    g.inject_times()
    g.attributes()
    g.operators()
    g.queries()
    g.rows()
    g.as_of = int(g.ev["time"].max())
    roster = g.roster()
    g.case_ids_final()
    labels = g.labels()
    events = g.frame()
    return Generated(events=events, labels=labels, roster=roster, approvals=g.registry())
