"""Log integrity (日志) — checklist item 20: the log trail itself must be whole and plausible."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..model import EventLog
from ..schema import ACTIVITIES
from .base import (
    NoParams,
    case_findings,
    codes,
    empty_findings,
    findings,
    fmt_day,
    fmt_int,
    fmt_time,
    no_rows,
    rule,
    template,
    text,
    zh_labels,
)


@rule(
    "LG001",
    "日志序号缺口",
    "log sequence gap",
    severity="critical",
    category="数据",
    basis=(20,),
    fires_on="per office, missing event_seq values between its min and max; one finding per gap",
    columns=("event_seq",),
    facts=("event_seq",),
    grouping="row_office",
    key="{office_code}:{first_missing}",
    example="""
    office 340102 has event_seq 1001, 1002, 1004  ->  LG001 340102:1003 (1 row missing)
    """,
)
def log_sequence_gap(log: EventLog, p: NoParams) -> pd.DataFrame:
    """日志序号（平台流水号）按登记机构严格递增，中间缺号意味着日志行被删除。

    ## What it does
    查找每个登记机构日志序号（event_seq）在最小值与最大值之间缺失的号码。
    Per office, the event_seq numbers missing between its smallest and largest. Each run of
    consecutive missing numbers is one finding, keyed by the office and the first missing number.

    A **rejected** row (bad time, unknown activity, negative fee …) is in the export, so its
    event_seq counts as present: the row is listed in the rejects file, not reported as
    deleted. It counts for the office_code it carries; when that office_code itself is
    unreadable (blank, damaged), the number counts as present for every office whose gap it
    falls in — the row exists, and which office it belongs to cannot be told — but it never
    widens an office's range.

    ## Why it matters
    平台流水号只增不减，缺号说明日志行被删除或未导出，日志痕迹不完整（清单第20项：利用平台日志痕迹查找插队、超期）。
    The platform numbers its log rows without gaps; a missing number means a row was deleted (or
    left out of the export), and every other check on that office's log rests on an incomplete trail.

    ## Exempt
    没有序号的行不参与；无法拆分成表头字段数的CSV行没有可读序号，不计入。
    Rows without event_seq are ignored. A CSV line that cannot be split into the header's fields
    (wrong number of fields) has no readable event_seq: its number is not counted.

    ## Dated at
    缺口之后第一行的时间。
    The time of the first row after the gap (of the earliest row with that number); when that
    row's time is unreadable, the time of the next row of the office that has one (else of the
    row before the gap).
    """
    ev = log.events
    extra = log.rejected_seqs
    gaps = _gaps_with_rejected(ev, extra) if len(extra) else _gaps(ev)
    if gaps is None or not len(gaps):
        return empty_findings()
    before = pd.Series(gaps["before"].to_numpy())
    after = pd.Series(gaps["after"].to_numpy())
    first_missing = before + 1
    last_missing = after - 1
    count = last_missing - first_missing + 1
    office = text(gaps["office_code"])
    return findings(
        key=template("{office}:{first}", office=office, first=fmt_int(first_missing)),
        office_code=office,
        event_time=gaps["event_time"].to_numpy(),
        message=template(
            "日志序号{first}{upto}缺失（共{count}条），请核查日志是否被删除",
            first=fmt_int(first_missing),
            upto=np.where(count.to_numpy() > 1, template("至{last}", last=fmt_int(last_missing)), ""),
            count=fmt_int(count),
        ),
        evidence={
            "first_missing": first_missing.to_numpy(),
            "last_missing": last_missing.to_numpy(),
            "missing": count.to_numpy(),
            "seq_before": before.to_numpy(),
            "seq_after": after.to_numpy(),
        },
    )


def _gaps(ev: pd.DataFrame) -> pd.DataFrame | None:
    """Gaps of the accepted rows: office_code, before, after (present numbers) and event_time."""
    rows = np.flatnonzero(ev["event_seq"].notna().to_numpy())
    if not len(rows):
        return None
    office = codes(ev["office_code"])[0][rows]
    seq = ev["event_seq"].array.to_numpy(dtype=np.int64, na_value=0)[rows]
    mapped = _mapped_gaps(office, seq)
    if mapped is not None:
        _, before, after, hit, place = mapped
        # rows are in time order: the earliest row of a number after a gap is the first row with it
        after_rows = rows[hit[np.unique(place, return_index=True)[1]]]
    else:
        order = np.lexsort((seq, office))  # stable: the rows of a pair stay in time order
        oc, sq = office[order], seq[order]
        new = np.ones(len(oc), dtype=bool)
        new[1:] = (oc[1:] != oc[:-1]) | (sq[1:] != sq[:-1])
        oc, sq, first_row = oc[new], sq[new], order[new]
        at = np.flatnonzero((oc[1:] == oc[:-1]) & (sq[1:] - sq[:-1] > 1)) + 1
        before, after, after_rows = sq[at - 1], sq[at], rows[first_row[at]]
    return pd.DataFrame(
        {
            "office_code": ev["office_code"].take(after_rows).to_numpy(),
            "before": before,
            "after": after,
            "event_time": ev["event_time"].to_numpy()[after_rows],
        }
    )


MappedGaps = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _mapped_gaps(office: np.ndarray, seq: np.ndarray) -> MappedGaps | None:
    """Gaps found on a map of present numbers, laid out office after office over each one's own range:
    one pass over the rows and one over the range instead of a sort. Per gap (in office, number order):
    office code, number before, number after; then the rows holding a number after a gap and each
    one's place in the map (equal places = equal numbers). None when an office is missing (code -1)
    or the ranges hold many more numbers than there are rows (sparse numbers: a sort is cheaper)."""
    if not len(seq) or int(office.min()) < 0:
        return None
    n_offices = int(office.max()) + 1
    lo = np.full(n_offices, np.iinfo(np.int64).max)
    hi = np.full(n_offices, np.iinfo(np.int64).min)
    np.minimum.at(lo, office, seq)
    np.maximum.at(hi, office, seq)
    empty = hi < lo  # a code without rows
    lo[empty], hi[empty] = 0, -1
    if (hi.astype(np.float64) - lo + 1).sum() > 4 * len(seq) + (1 << 20):
        return None
    width = hi - lo + 1
    start = np.cumsum(width) - width
    pos = start[office] + (seq - lo[office])
    present = np.zeros(int(width.sum()), dtype=bool)
    present[pos] = True
    # every office's range begins and ends with a present number: the changes alternate (last before, first after)
    change = np.flatnonzero(present[1:] != present[:-1])
    last, first = change[0::2], change[1::2] + 1
    oc = np.searchsorted(start, first, side="right") - 1
    present[:] = False
    present[first] = True
    hit = np.flatnonzero(present[pos])
    return oc, last - start[oc] + lo[oc], first - start[oc] + lo[oc], hit, pos[hit]


def _gaps_with_rejected(ev: pd.DataFrame, extra: pd.DataFrame) -> pd.DataFrame | None:
    """Gaps of the accepted rows and the rejected rows' numbers together (see LG001's docstring)."""
    rows = np.flatnonzero(ev["event_seq"].notna().to_numpy())
    office_codes, labels = codes(ev["office_code"])
    named = extra["office_code"].notna().to_numpy()
    rej = extra.loc[named]
    rej_office = pd.Categorical(rej["office_code"].astype(str), categories=labels).codes.astype(np.int64)
    unseen = rej_office < 0
    new_codes, new_labels = pd.factorize(rej["office_code"].astype(str).to_numpy()[unseen])
    rej_office[unseen] = len(labels) + new_codes
    label = np.concatenate([np.asarray(labels, dtype=object), np.asarray(new_labels, dtype=object)])
    office = np.concatenate([office_codes[rows].astype(np.int64), rej_office])
    seq = np.concatenate([ev["event_seq"].array.to_numpy(dtype=np.int64, na_value=0)[rows], _ints(rej)])
    time = np.concatenate([ev["event_time"].to_numpy()[rows], rej["event_time"].to_numpy(dtype="datetime64[ns]")])
    if not len(seq):
        return None
    found = _pair_gaps_by_key(office, seq, time)
    if found is None:
        found = _pair_gaps_sorted(office, seq, time)
    oc, before, after, tm = found
    gaps = pd.DataFrame({"office_code": label[oc], "before": before, "after": after, "event_time": tm})
    return fill_unplaced(gaps, extra.loc[~named])


Gaps = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]  # office code, before, after, event_time


def _earliest(key: np.ndarray, time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys (sorted) and the earliest readable time of each (NaT if it has none)."""
    unreadable_last = np.where(np.isnat(time), np.iinfo(np.int64).max, time.view(np.int64))
    order = np.lexsort((unreadable_last, key))
    k = key[order]
    first = np.ones(len(k), dtype=bool)
    first[1:] = k[1:] != k[:-1]
    return k[first], time[order][first]


def _pair_gaps_by_key(office: np.ndarray, seq: np.ndarray, time: np.ndarray) -> Gaps | None:
    """The usual case, as fast as LG001 without rejected rows: a map of present numbers; the times of the
    few numbers after a gap only. None when the numbers are sparse or such a time is unreadable."""
    mapped = _mapped_gaps(office, seq)
    if mapped is None:
        return None
    oc, before, after, hit, place = mapped
    _, when = _earliest(place, time[hit])
    if np.isnat(when).any():
        return None
    return oc, before, after, when


def _pair_gaps_sorted(office: np.ndarray, seq: np.ndarray, time: np.ndarray) -> Gaps:
    """Every distinct (office, seq) with its time (an unreadable one filled from the office's next rows)."""
    order = np.lexsort((seq, office))
    oc, sq, tm = office[order], seq[order], time[order]
    pair = np.ones(len(oc), dtype=bool)
    pair[1:] = (oc[1:] != oc[:-1]) | (sq[1:] != sq[:-1])
    _, tm = _earliest(np.cumsum(pair), tm)
    oc, sq = oc[pair], sq[pair]
    tm = _filled(pd.Series(tm), oc)
    at = np.flatnonzero((oc[1:] == oc[:-1]) & (sq[1:] - sq[:-1] > 1)) + 1
    return oc[at], sq[at - 1], sq[at], tm[at]


def _ints(frame: pd.DataFrame) -> np.ndarray:
    return frame["event_seq"].astype("Int64").array.to_numpy(dtype=np.int64, na_value=0)


def _filled(times: pd.Series, group: np.ndarray) -> np.ndarray:
    """Unreadable times (NaT) -> the next readable time of the group, else the previous one."""
    if not times.isna().any():
        return times.to_numpy(dtype="datetime64[ns]")
    by = pd.Series(group, index=times.index)
    times = times.groupby(by).bfill()
    return times.groupby(by).ffill().to_numpy(dtype="datetime64[ns]")


def fill_unplaced(gaps: pd.DataFrame, unplaced: pd.DataFrame) -> pd.DataFrame:
    """Split gaps at the numbers of rejected rows whose office_code is unreadable (present in every office).

    ``gaps``: office_code, before, after, event_time; ``unplaced``: event_seq, event_time.
    A number inside a gap ends the part before it (at that row's time, or the next readable one)
    and starts the part after it; a number outside every gap changes nothing.
    """
    if not len(gaps) or not len(unplaced):
        return gaps
    seq, time = _ints(unplaced), unplaced["event_time"].to_numpy(dtype="datetime64[ns]")
    order = np.lexsort((np.where(np.isnat(time), np.iinfo(np.int64).max, time.view(np.int64)), seq))
    seq, time = seq[order], time[order]
    first = np.concatenate(([True], seq[1:] != seq[:-1]))
    w, wt = seq[first], time[first]  # distinct numbers, each with its earliest readable time
    before, after = gaps["before"].to_numpy(np.int64), gaps["after"].to_numpy(np.int64)
    lo, hi = np.searchsorted(w, before + 1, "left"), np.searchsorted(w, after - 1, "right")
    k = np.maximum(hi - lo, 0)
    if not k.any():
        return gaps
    g = np.repeat(np.arange(len(gaps)), k + 1)  # gap g becomes k + 1 parts
    j = np.arange(len(g)) - np.repeat(np.cumsum(k + 1) - (k + 1), k + 1)
    last = j == k[g]
    at = lo[g] + j  # the number ending part j (when it is not the last part)
    left = np.where(j == 0, before[g], w[np.clip(at - 1, 0, len(w) - 1)])
    at = np.clip(at, 0, len(w) - 1)
    right = np.where(last, after[g], w[at])
    when = np.where(last, gaps["event_time"].to_numpy(dtype="datetime64[ns]")[g], wt[at])
    when = _filled(pd.Series(when), g)
    keep = right - left > 1
    return pd.DataFrame(
        {
            "office_code": gaps["office_code"].to_numpy(dtype=object)[g][keep],
            "before": left[keep],
            "after": right[keep],
            "event_time": when[keep],
        }
    )


@rule(
    "LG002",
    "环节顺序异常",
    "impossible order",
    severity="high",
    category="数据",
    basis=(20,),
    fires_on="t_register < t_accept, or t_call < t_ticket (first times of the case)",
    example="""
    accept 2026-09-08 14:10, register 2026-09-08 09:30  ->  LG002 (登簿早于受理)
    """,
)
def impossible_order(log: EventLog, p: NoParams) -> pd.DataFrame:
    """登簿时间早于受理时间，或叫号时间早于取号时间：日志时间被改动或补录的迹象。

    ## What it does
    比较案件各环节的首次时间：登簿早于受理，或叫号早于取号，即报。
    Compares the first times of a case's activities: fires when the first register is earlier
    than the first accept, or the first call earlier than the first ticket. One finding per case,
    naming both pairs when both are out of order.

    ## Why it matters
    业务不可能先登簿后受理、先叫号后取号；时间倒置说明日志时间被改动或事后补录，插队、
    超期的核查也就无从谈起（清单第20项）。
    A case cannot be registered before it is accepted, nor called before it took a ticket. Times
    in the wrong order mean the log's times were edited or back-filled, which hides queue jumps
    and overdue cases (checklist item 20).

    ## Exempt
    缺少其中一个时间的案件不比较；时间相同不算倒置。
    A case missing either time of a pair is not compared for that pair; equal times are in order.

    ## Dated at
    登簿时间（登簿早于受理时），否则叫号时间。
    The first register time when register < accept, else the first call time.
    """
    c = log.cases
    reg = (c["t_register"] < c["t_accept"]).fillna(False).to_numpy(dtype=bool)
    call = (c["t_call"] < c["t_ticket"]).fillna(False).to_numpy(dtype=bool)
    hit = reg | call
    f = c.loc[hit]
    reg_f, call_f = reg[hit], call[hit]
    msg_reg = template(
        "登簿时间{register}早于受理时间{accept}", register=fmt_time(f["t_register"]), accept=fmt_time(f["t_accept"])
    )
    msg_call = template(
        "叫号时间{call}早于取号时间{ticket}", call=fmt_time(f["t_call"]), ticket=fmt_time(f["t_ticket"])
    )
    both = template("{register}；{call}", register=msg_reg, call=msg_call)
    message = np.where(reg_f & call_f, both, np.where(reg_f, msg_reg, msg_call))
    return case_findings(
        log,
        np.flatnonzero(hit),
        event_time=np.where(reg_f, f["t_register"].to_numpy(), f["t_call"].to_numpy()),
        message=template("{what}，请核查日志", what=message),
        evidence={
            "t_accept": f["t_accept"].to_numpy(),
            "t_register": f["t_register"].to_numpy(),
            "t_ticket": f["t_ticket"].to_numpy(),
            "t_call": f["t_call"].to_numpy(),
        },
    )


@rule(
    "LG003",
    "记录不完整",
    "incomplete case history",
    severity="info",
    category="数据",
    basis=(20,),
    fires_on="a register or complete event but no accept in the input",
    example="""
    case with rows review, register and no accept  ->  LG003 (history starts mid-case)
    """,
)
def incomplete_history(log: EventLog, p: NoParams) -> pd.DataFrame:
    """案件有登簿或办结记录却没有受理记录：日志不完整（或导出范围从案件中途开始），无法计时。

    ## What it does
    案件有登簿或办结行，却没有任何受理行，即报（提示级）。
    Fires on a case with a register or complete row but no accept row in the input.

    ## Why it matters
    没有受理时间就无法计算办理时限（TL001），超期案件会因此漏查；也可能是导出范围从案件中途开始，需确认。
    Without an acceptance the time limit cannot be counted, so an overdue case would escape TL001;
    it may also mean the export starts in the middle of the case — worth confirming.

    ## Exempt
    只有受理前环节（取号、叫号）或只有查询的案件、撤回或不予登记的案件不报。
    Cases that are neither registered nor completed (only a ticket, a query, a withdraw or a
    reject) are not reported.

    ## Dated at
    登簿与办结时间中较早者。
    The earlier of the first register and the first complete time.
    """
    c = log.cases
    done = c["t_register"].notna() | c["t_complete"].notna()
    hit = (done & c["t_accept"].isna()).to_numpy()
    f = c.loc[hit]
    when = f[["t_register", "t_complete"]].min(axis=1)
    return case_findings(
        log,
        np.flatnonzero(hit),
        event_time=when,
        message=pd.Series(["有登簿/办结记录但缺少受理记录，无法核查办理时限，请补全日志"] * len(f)),
        evidence={"t_register": f["t_register"].to_numpy(), "t_complete": f["t_complete"].to_numpy()},
    )


@rule(
    "LG004",
    "重复事件",
    "duplicate event",
    severity="low",
    category="数据",
    basis=(20,),
    fires_on="rows equal in case_id, activity, event_time and operator_id; one finding per case",
    columns=("operator_id",),
    facts=("duplicate_rows",),
    example="""
    two register rows of one case at 2026-09-08 10:00:00 by 340102-D1  ->  LG004
    """,
)
def duplicate_event(log: EventLog, p: NoParams) -> pd.DataFrame:
    """同一案件中环节、时间、操作人完全相同的重复日志行（比较前已去除首尾空白并完成值映射）。

    ## What it does
    同一案件中环节、时间（解析后）与操作人都相同的两行及以上为重复行；每个案件报一条，证据中给出重复行数。
    Rows of one case equal in activity, parsed event_time and operator_id (after trimming and value
    mapping; blank operators are equal) are duplicates. One finding per case, with the number of
    duplicate rows and the first duplicated activity in the evidence.

    ## Why it matters
    重复行多为导入、补录或接口重发造成，会重复计数（如批量查询）并掩盖真实操作轨迹，需要数据治理。
    Duplicate rows usually come from re-imports, back-filling or resent interface messages; they
    inflate counts (bulk queries, for one) and blur the real trail of who did what.

    ## Exempt
    时间相差一秒或操作人不同的行不算重复；不同案件的相同行不算。
    Rows differing by a second or by operator, and equal rows of different cases, are no duplicates.

    ## Dated at
    该案件最早的重复行的时间。
    The time of the case's earliest duplicate row.
    """
    ev = log.events
    time = ev["event_time"].to_numpy()
    if not len(time):
        return empty_findings()
    case = ev["case"].to_numpy()
    act = codes(ev["activity"])[0]
    op = codes(ev["operator_id"])[0]
    # rows are in event_time order, so equal times are runs of adjacent rows: number the runs, and
    # equal rows = equal integer keys (time run, case, activity code, operator code; blank operators are equal)
    new_time = np.ones(len(time), dtype=bool)
    new_time[1:] = time.view(np.int64)[1:] != time.view(np.int64)[:-1]
    radix = [log.n_cases + 1, int(act.max()) + 2, int(op.max()) + 2]  # digits: code + 1 (codes start at -1)
    if int(np.prod(radix, dtype=object)) * (int(new_time.sum()) + 1) < 2**63:
        key = np.cumsum(new_time, dtype=np.int64)
        for digit, base in zip((case, act, op), radix, strict=True):
            key *= base
            key += digit
            key += 1
        order = np.argsort(key, kind="stable")  # nearly sorted already: the time runs ascend
        key = key[order]
        same = key[1:] == key[:-1]
    else:
        run = np.cumsum(new_time, dtype=np.int64)
        order = np.lexsort((op, act, case, run))
        same = np.ones(len(order) - 1, dtype=bool)
        for k in (run, case, act, op):
            k = k[order]
            same &= k[1:] == k[:-1]
    dup = np.zeros(len(case), dtype=bool)
    dup[order[1:][same]] = True
    dup[order[:-1][same]] = True
    rows = np.flatnonzero(dup)
    if not len(rows):
        return empty_findings()
    # per case (sorted): its duplicate rows, and the first of them (events order: the earliest)
    first = log.first_row(rows)
    cases = np.flatnonzero(first >= 0)
    first = first[cases]
    per_case = pd.DataFrame(
        {
            "rows": np.bincount(case[rows], minlength=log.n_cases)[cases],
            "event_time": time[first],
            "activity": ev["activity"].take(first).to_numpy(),
        },
        index=cases,
    )
    return case_findings(
        log,
        cases,
        event_time=per_case["event_time"].to_numpy(),
        message=template(
            "存在{rows}条完全相同的重复日志行（首个环节：{activity}）",
            rows=fmt_int(per_case["rows"]),
            activity=zh_labels(per_case["activity"], ACTIVITIES),
        ),
        evidence={"duplicate_rows": per_case["rows"].to_numpy(), "activity": text(per_case["activity"])},
    )


# --- LG005 --------------------------------------------------------------------------------

# BizMsgID: 6-digit area code, yyMMdd, 6-digit sequence of that area and day, optional suffix (sources.md §2)
BIZ_MSG_ID = r"^(?P<area>\d{6})(?P<day>\d{6})(?P<seq>\d{6})(?:BBXZ|CBXZ|BL)?$"


def message_ids(log: EventLog) -> pd.DataFrame | None:
    """The distinct BizMsgIDs of ``log.source.heads`` as int64 ``area``, ``day`` (yyMMdd) and ``seq``, sorted,
    with ``date`` (the day as a date); ``attrs["not_counted"]``: how many messages had no such id (not 18
    digits plus a suffix, or a yyMMdd that is no date). None without heads."""
    heads = log.source.heads
    if heads is None:
        return None

    def build() -> pd.DataFrame:
        raw = heads["BizMsgID"] if "BizMsgID" in heads.columns else pd.Series([None] * len(heads), dtype=object)
        arr = pc.utf8_trim_whitespace(pa.array(raw.astype(object).where(raw.notna(), None), pa.string()))
        parts = pc.extract_regex(arr, BIZ_MSG_ID)  # null where the id does not match
        ok = parts.is_valid()
        num = [pc.cast(parts.field(k).filter(ok), pa.int64()).to_numpy() for k in ("area", "day", "seq")]
        # one int64 per id (area, day and seq have 6 digits each: below 10**18); distinct and sorted at once
        key = np.unique((num[0] * 10**6 + num[1]) * 10**6 + num[2])
        days = np.unique(key // 10**6 % 10**6)
        dates = pd.to_datetime(pd.Series(days).astype(str).str.zfill(6), format="%y%m%d", errors="coerce")
        valid = days[dates.notna().to_numpy()]  # yyMMdd that is no date (261399): not counted either
        dated = np.isin(num[1], valid)
        key = key[np.isin(key // 10**6 % 10**6, valid)]
        ids = pd.DataFrame({"area": key // 10**12, "day": key // 10**6 % 10**6, "seq": key % 10**6})
        ids["date"] = pd.Series(dates.to_numpy(), index=days).reindex(ids["day"].to_numpy()).to_numpy()
        ids.attrs["not_counted"] = int(len(heads) - dated.sum())
        return ids

    return log.memo("lg005:message_ids", build)


def message_ids_not_counted(log: EventLog) -> int | None:
    """How many messages' BizMsgIDs LG005 could not count (not 18 digits plus a suffix, or no date); None
    when the source has no message heads (the summaries say it: text and JSON)."""
    ids = message_ids(log)
    return None if ids is None else int(ids.attrs["not_counted"])


@rule(
    "LG005",
    "报文序号缺口",
    "access-message sequence gap",
    severity="medium",
    category="数据",
    basis=(20,),
    fires_on="per area code and day of the BizMsgIDs read (suffixes BBXZ/CBXZ/BL removed), sequence numbers "
    "between 1 and the highest seen that are absent; one finding per run of missing numbers",
    facts=("message_heads",),
    grouping="global",
    projection=no_rows,
    key="{office_code}:{yymmdd}:{first_missing}-{last_missing}",
    example="""
    340121 260105 000001, 000002, 000005          ->  LG005 340121:260105:3-4 (2 missing)
    340121 260106 000002 only                     ->  LG005 340121:260106:1-1
    340121 260107 000001, 000002BBXZ, 000003      ->  nothing
    """,
)
def message_sequence_gap(log: EventLog, p: NoParams) -> pd.DataFrame:
    """接入报文编号（BizMsgID）按地区、按日从000001起连续编号，中间缺号意味着有登簿未上报或报文被删除。

    ## What it does
    读取的每个接入报文的BizMsgID（去掉补报BBXZ、重新上报CBXZ、更正重发BL后缀）拆为6位行政区代码、6位日期
    （yyMMdd）和6位顺序号；每个行政区每日，1至当日最大顺序号之间缺失的号码即报，每段连续缺号一条，键为
    ``行政区:日期:首号-末号``。
    Each BizMsgID read (suffixes BBXZ 补报, CBXZ 重新上报 and BL 更正重发 removed) is split into the
    6-digit area code, the day (yyMMdd) and the 6-digit sequence. Per area code and day, the
    sequence numbers between 1 and the highest seen that are absent are reported, one finding per
    maximal run of missing numbers, keyed ``area:yyMMdd:first-last``. A BizMsgID seen twice counts
    once (and is no gap).

    ## Why it matters
    报文编号由系统在登簿时逐个生成，缺号是系统编了号而档案中没有的报文：登簿未上报，或报文被删除，
    日志痕迹不完整（清单第20项）。
    The system numbers a message at each registration; a gap is a message it numbered that the
    archive does not hold — a registration not reported, or a message removed — so the trail the
    other checks rest on is incomplete (checklist item 20).

    ## Exempt
    不是“18位数字加可选后缀”的BizMsgID、日期部分不是有效日期的，不计入（汇总中给出数量）；当日最大号之后无从判断，不报。
    只有接入报文才有报文头：标准表（文件或数据库）和普通日志不适用。
    A BizMsgID that is not 18 digits plus an optional suffix, or whose yyMMdd is no date, is not
    counted (the summary says how many). Numbers above the day's highest cannot be told apart
    from messages not yet sent. Only access messages have heads: on the standard tables (files or
    a database) and on flat logs the rule is not checkable.

    ## Dated at
    缺号所在日期的00:00:00。
    00:00:00 of the day of the missing numbers.
    """
    ids = message_ids(log)
    if ids is None or ids.empty:
        return empty_findings()
    group = ids["area"].to_numpy() * 10**6 + ids["day"].to_numpy()
    seq = ids["seq"].to_numpy(dtype=np.int64)
    start = np.r_[True, group[1:] != group[:-1]]
    before = np.where(start, 0, np.r_[0, seq[:-1]])  # the number present before: 0 at the day's start
    gap = np.flatnonzero(seq - before > 1)
    if not len(gap):
        return empty_findings()
    highest = pd.Series(seq).groupby(np.cumsum(start)).transform("max").to_numpy()[gap]
    first, last = before[gap] + 1, seq[gap] - 1
    g = ids.iloc[gap].reset_index(drop=True)
    area, day = _digits6(g["area"]), _digits6(g["day"])
    count = last - first + 1
    return findings(
        key=area + ":" + day + ":" + fmt_int(first) + "-" + fmt_int(last),
        office_code=area,
        event_time=g["date"].to_numpy(),
        message=template(
            "行政区{area}于{day}的接入报文序号{first}{to_last}缺失（共{count}个，当日最大序号{highest}），"
            "可能有登簿未上报或报文被删除，请核查",
            area=area,
            day=fmt_day(g["date"]),
            first=_digits6(first),
            to_last=np.where(count > 1, "至" + _digits6(last), ""),
            count=fmt_int(count),
            highest=_digits6(highest),
        ),
        evidence={
            "day": fmt_day(g["date"]).to_numpy(),
            "yymmdd": day.to_numpy(),
            "first_missing": first,
            "last_missing": last,
            "missing": count,
            "highest_seen": highest,
        },
    )


def _digits6(values: np.ndarray | pd.Series) -> pd.Series:
    """A part of a BizMsgID as it is written: 3 -> '000003', 260105 -> '260105'."""
    return fmt_int(values).str.zfill(6)
