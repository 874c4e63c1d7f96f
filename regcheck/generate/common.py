"""Constants, the working-day calendar, vectorised helpers and the case table of the generator."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

import chinese_calendar
import numpy as np

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


def _h(hh: int, mm: int = 0) -> int:
    """Seconds of the day at hh:mm (fixed scenario times)."""
    return hh * 3600 + mm * 60


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
