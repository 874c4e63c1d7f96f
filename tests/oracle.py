"""Independent, slow, obviously-correct reference implementation of spec/rules.md.

This is a test oracle, not product code: plain per-case Python loops that read
like the rule text, with clarity over speed. It takes a frame of canonical
columns (``regcheck.generate.Generated.events`` or an example's rows) and
returns the set of ``(rule_id, key)`` pairs the default rule set produces.

Keys: the case_id, except LG001 (``office:first_missing_event_seq``), IQ003
(``operator@YYYY-MM-DD``) and SD004 (``office:operator``, the office of the
roster row: a roster finding has no case).

Decisions where rules.md leaves room (the product must decide the same way):

- Suspension pairing walks the case's rows in (event_time, input order): a
  ``resume`` pairs with every still-open ``suspend`` before it in that order.
- AP005 (like AP001/AP002) is evaluated on registered approval-requiring cases
  only, and only where approval_no is non-blank (a blank number is AP001's).
- The roster may hold several rows (periods) per operator; the rows in effect
  on day d have active_from <= d <= active_to (calendar days, inclusive, blank
  = open). SD002 checks rows with a non-blank operator_id: it fires unless a
  row in effect on the event's date is trained (a blank trained cell is not
  trained). SD003 fires on a register row whose operator's registrar flag is
  an explicit false (and none true) on the rows in effect, or on all the
  operator's rows when none is in effect; an operator unknown to the roster is
  SD002's finding only.
- SD004: rows in effect on date(as-of) whose post_since + 5 calendar years
  < date(as-of) (calendar years, not 5 x 365 days).
- Unit state (MG001/MG003/MG005) needs the mortgage's unit_id; other cases
  take part only through an equal unit_id.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

import chinese_calendar
import pandas as pd

TRUE_VALUES = {"true", "1", "是", "y", "yes", "t"}
FALSE_VALUES = {"false", "0", "否", "n", "no", "f"}
MISSING_TEXT = {"", "null", "none", "nan", "nat"}

LIMITS: dict[str, int | None] = {
    "first": 30,
    "transfer": 5,
    "change": 5,
    "cancel": 5,
    "correction": 5,
    "prenotice": 5,
    "mortgage": 5,
    "mortgage_cancel": 5,
    "objection": 1,
    "objection_cancel": 1,
    "seal": 1,
    "unseal": 1,
    "query": None,
}
WARN_DAYS = 1
HALL_TOLERANCE = dt.timedelta(0)
PROCESSING_TOLERANCE = dt.timedelta(hours=24)
HELD_BACK_MIN = 5
OBJECTION_PERIOD = dt.timedelta(days=15)
REMORTGAGE_WINDOW = dt.timedelta(days=30)
REMORTGAGE_MIN = 3
BULK_QUERIES = 50
ROTATION_YEARS = 5
FREE_TYPES = {"seal", "unseal", "cancel", "mortgage_cancel", "objection_cancel", "prenotice", "query"}
HALVED_TYPES = {"correction", "objection"}
PROHIBITED_USES = {"homestead", "education", "medical", "elderly_care"}
CHANGE_KIND_LABELS = {"用途变更": "use_change", "分割": "split", "合并": "merge"}
CASE_ATTRIBUTES = (
    "priority",
    "priority_reason",
    "business_type",
    "unit_id",
    "land_nature",
    "use_before",
    "use_after",
    "change_kind",
    "approval_no",
    "approval_date",
    "mortgagee",
    "mortgagee_type",
    "mortgage_amount",
    "assessed_value",
    "fee_charged",
)


# ---------------------------------------------------------------- values


def text(value: Any) -> str | None:
    """Trimmed string, or None for a missing value (NA, empty, whitespace-only)."""
    if value is None:
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    s = str(value).strip(" \t\r\n\u3000")
    if s.lower() in MISSING_TEXT:
        return None
    return s


def boolean(value: Any) -> bool | None:
    s = text(value)
    if s is None:
        return None
    s = s.lower()
    if s in TRUE_VALUES:
        return True
    if s in FALSE_VALUES:
        return False
    return None


def decimal(value: Any) -> Decimal | None:
    s = text(value)
    if s is None:
        return None
    try:
        return Decimal(s)
    except InvalidOperation:
        return None


def timestamp(value: Any) -> dt.datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        s = text(value)
        if s is None:
            return None
        value = pd.Timestamp(s)
    if pd.isna(value):
        return None
    return pd.Timestamp(value).to_pydatetime().replace(tzinfo=None)


def date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    t = timestamp(value)
    return None if t is None else t.date()


def normalise_approval(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip(" \t\r\n\u3000").upper()


def change_kinds(value: str | None) -> set[str]:
    if value is None:
        return set()
    kinds = set()
    for item in value.split(";"):
        item = item.strip(" \t\r\n\u3000")
        if item:
            kinds.add(CHANGE_KIND_LABELS.get(item, item))
    return kinds


# ---------------------------------------------------------------- calendar


@cache
def is_workday(d: dt.date) -> bool:
    return bool(chinese_calendar.is_workday(d))


def working_days_between(a: dt.date, b: dt.date) -> int:
    """W(a, b): working days d with a < d <= b; 0 when b <= a."""
    count = 0
    d = a + dt.timedelta(days=1)
    while d <= b:
        if is_workday(d):
            count += 1
        d += dt.timedelta(days=1)
    return count


# ---------------------------------------------------------------- the log


class Case:
    def __init__(self, case_id: str) -> None:
        self.case_id = case_id
        self.rows: list[dict[str, Any]] = []  # in (event_time, input order)
        self.office: str | None = None
        self.attrs: dict[str, Any] = {}

    def times(self, activity: str) -> list[dt.datetime]:
        return [r["event_time"] for r in self.rows if r["activity"] == activity]

    def first(self, activity: str) -> dt.datetime | None:
        ts = self.times(activity)
        return min(ts) if ts else None

    def operators(self, activity: str) -> set[str]:
        return {r["operator_id"] for r in self.rows if r["activity"] == activity and r["operator_id"]}

    def rows_of(self, activity: str) -> list[dict[str, Any]]:
        return [r for r in self.rows if r["activity"] == activity]


def read_rows(events: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    records = events.to_dict("records")
    for position, rec in enumerate(records):
        row = {k: text(v) for k, v in rec.items() if k not in ("event_time", "event_seq")}
        row["event_time"] = timestamp(rec.get("event_time"))
        seq = rec.get("event_seq")
        row["event_seq"] = None if text(seq) is None else int(float(str(seq).strip()))
        row["position"] = position
        rows.append(row)
    rows.sort(key=lambda r: (r["event_time"], r["position"]))
    return rows


def build_cases(rows: list[dict[str, Any]]) -> dict[str, Case]:
    cases: dict[str, Case] = {}
    for row in rows:
        case_id = row["case_id"]
        case = cases.get(case_id)
        if case is None:
            case = cases[case_id] = Case(case_id)
            case.office = row.get("office_code")
        case.rows.append(row)
        for name in CASE_ATTRIBUTES:
            if name not in case.attrs and row.get(name) is not None:
                case.attrs[name] = row[name]
    return cases


# ---------------------------------------------------------------- rules


def time_limits(cases: dict[str, Case], as_of: dt.datetime) -> set[tuple[str, str]]:
    out = set()
    for case in cases.values():
        t_accept = case.first("accept")
        btype = case.attrs.get("business_type")
        limit = LIMITS.get(btype) if btype else None
        if t_accept is None or limit is None:
            continue
        ends = [t for t in (case.first("register"), case.first("complete"), case.first("reject")) if t]
        t_end = min(ends) if ends else None
        if t_end is None and case.times("withdraw"):
            continue  # withdrawn: exempt
        end_date = t_end.date() if t_end else as_of.date()
        accept_date = t_accept.date()
        # suspension pairs, walking the rows in order
        pairs: list[tuple[dt.date, dt.date]] = []
        open_suspends: list[dt.date] = []
        for row in case.rows:
            if row["activity"] == "suspend":
                open_suspends.append(row["event_time"].date())
            elif row["activity"] == "resume" and open_suspends:
                for s in open_suspends:
                    pairs.append((s, row["event_time"].date()))
                open_suspends = []
        for s in open_suspends:
            pairs.append((s, end_date))
        suspended = set()
        for s, r in pairs:
            d = s + dt.timedelta(days=1)
            while d <= r:
                if accept_date < d <= end_date and is_workday(d):
                    suspended.add(d)
                d += dt.timedelta(days=1)
        elapsed = working_days_between(accept_date, end_date) - len(suspended)
        if t_end is not None:
            if elapsed > limit:
                out.add(("TL001", case.case_id))
        else:
            if elapsed > limit:
                out.add(("TL002", case.case_id))
            if limit - elapsed <= WARN_DAYS and elapsed <= limit:
                out.add(("TL003", case.case_id))
    return out


def justified(case: Case) -> bool:
    return boolean(case.attrs.get("priority")) is True and case.attrs.get("priority_reason") is not None


def overtakes(members: list[tuple[Case, dt.datetime, dt.datetime]], tolerance: dt.timedelta) -> dict[str, set[str]]:
    """jumped(j) for each member j: the cases i that j overtook."""
    jumped: dict[str, set[str]] = {c.case_id: set() for c, _, _ in members}
    for ci, enter_i, start_i in members:
        for cj, enter_j, start_j in members:
            if ci is cj:
                continue
            if enter_i < enter_j - tolerance and start_j < start_i:
                jumped[cj.case_id].add(ci.case_id)
    return jumped


def queue_order(cases: dict[str, Case]) -> set[tuple[str, str]]:
    out = set()
    # hall queues
    hall: dict[tuple[str | None, str], list[tuple[Case, dt.datetime, dt.datetime]]] = defaultdict(list)
    for case in cases.values():
        tickets = case.rows_of("ticket")
        t_call = case.first("call")
        if not tickets or t_call is None:
            continue
        first_ticket = tickets[0]  # rows are in (event_time, input order)
        key = (case.office, first_ticket.get("queue_id") or "")
        hall[key].append((case, first_ticket["event_time"], t_call))
    for members in hall.values():
        jumped = overtakes(members, HALL_TOLERANCE)
        for case, _, _ in members:
            if jumped[case.case_id] and not justified(case):
                out.add(("QJ001", case.case_id))
    # processing queues
    processing: dict[tuple[str | None, str | None], list[tuple[Case, dt.datetime, dt.datetime]]] = defaultdict(list)
    for case in cases.values():
        t_accept = case.first("accept")
        t_review = case.first("review")
        if t_accept is None or t_review is None:
            continue
        resumes = [t for t in case.times("resume") if t < t_review]
        enter = max(resumes) if resumes else t_accept
        processing[(case.office, case.attrs.get("business_type"))].append((case, enter, t_review))
    for members in processing.values():
        jumped = overtakes(members, PROCESSING_TOLERANCE)
        overtaken: dict[str, int] = defaultdict(int)
        for victims in jumped.values():
            for v in victims:
                overtaken[v] += 1
        for case, _, _ in members:
            if overtaken[case.case_id] >= HELD_BACK_MIN:
                out.add(("QJ004", case.case_id))
            if not justified(case) and any(overtaken[v] < HELD_BACK_MIN for v in jumped[case.case_id]):
                out.add(("QJ002", case.case_id))
    for case in cases.values():
        if boolean(case.attrs.get("priority")) is True and case.attrs.get("priority_reason") is None:
            out.add(("QJ003", case.case_id))
    return out


def approval_requiring(case: Case) -> bool:
    kinds = change_kinds(case.attrs.get("change_kind"))
    if kinds & {"use_change", "split", "merge"}:
        return True
    before, after = case.attrs.get("use_before"), case.attrs.get("use_after")
    return before is not None and after is not None and before != after


def approvals_rules(cases: dict[str, Case], approvals: pd.DataFrame | None) -> set[tuple[str, str]]:
    out = set()
    registry: set[str] | None = None
    if approvals is not None:
        registry = set()
        for value in approvals["approval_no"]:
            s = text(value)
            if s is not None:
                registry.add(normalise_approval(s))
    for case in cases.values():
        number = case.attrs.get("approval_no")
        t_register = case.first("register")
        if t_register is not None and approval_requiring(case):
            if number is None:
                out.add(("AP001", case.case_id))
            else:
                approved = date(case.attrs.get("approval_date"))
                if approved is not None and approved > t_register.date():
                    out.add(("AP002", case.case_id))
                if registry is not None and normalise_approval(number) not in registry:
                    out.add(("AP005", case.case_id))
        before, after = case.attrs.get("use_before"), case.attrs.get("use_after")
        differ = before is not None and after is not None and before != after
        if differ and "use_change" not in change_kinds(case.attrs.get("change_kind")):
            out.add(("AP003", case.case_id))
    carriers: dict[str, list[Case]] = defaultdict(list)
    for case in cases.values():
        number = case.attrs.get("approval_no")
        if number is not None:
            carriers[normalise_approval(number)].append(case)
    for group in carriers.values():
        parcels = {c.attrs["unit_id"][:19] for c in group if c.attrs.get("unit_id")}
        if len(parcels) >= 2:
            for case in group:
                out.add(("AP004", case.case_id))
    return out


def mortgage_rules(cases: dict[str, Case]) -> set[tuple[str, str]]:
    out = set()
    registered_on_unit: dict[str, list[tuple[str, dt.datetime]]] = defaultdict(list)
    for case in cases.values():
        unit, t_register = case.attrs.get("unit_id"), case.first("register")
        if unit is not None and t_register is not None:
            registered_on_unit[unit].append((case.attrs.get("business_type"), t_register))
    for case in cases.values():
        t = case.first("register")
        if case.attrs.get("business_type") != "mortgage" or t is None:
            continue
        unit = case.attrs.get("unit_id")
        history = registered_on_unit.get(unit, []) if unit is not None else []
        before = [(b, tr) for b, tr in history if tr < t]
        seals = sum(1 for b, _ in before if b == "seal")
        unseals = sum(1 for b, _ in before if b == "unseal")
        if seals > unseals:
            out.add(("MG001", case.case_id))
        use_after, nature = case.attrs.get("use_after"), case.attrs.get("land_nature")
        if use_after in PROHIBITED_USES or (nature == "collective" and use_after == "residential"):
            out.add(("MG002", case.case_id))
        for b, t_o in before:
            if b == "objection" and t - t_o <= OBJECTION_PERIOD:
                cancelled = any(b2 == "objection_cancel" and t_o < t2 < t for b2, t2 in history)
                if not cancelled:
                    out.add(("MG003", case.case_id))
        amount, value = decimal(case.attrs.get("mortgage_amount")), decimal(case.attrs.get("assessed_value"))
        if amount is not None and value is not None and amount > 0 and value > 0 and amount > value:
            out.add(("MG004", case.case_id))
        recent = [tr for b, tr in history if b == "mortgage" and t - REMORTGAGE_WINDOW < tr <= t]
        if len(recent) >= REMORTGAGE_MIN:
            out.add(("MG005", case.case_id))
        if case.attrs.get("mortgagee_type") in {"company", "individual"}:
            out.add(("MG006", case.case_id))
    return out


def duty_rules(cases: dict[str, Case], roster: pd.DataFrame | None, as_of: dt.datetime) -> set[tuple[str, str]]:
    out = set()
    for case in cases.values():
        if case.operators("accept") & case.operators("register"):
            out.add(("SD001", case.case_id))
    if roster is None:
        return out
    # An operator may have several roster rows (periods); the rows "in effect" on a day d are
    # those with active_from <= d <= active_to (calendar days, inclusive, blank = open).
    staff: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for rec in roster.to_dict("records"):
        operator = text(rec.get("operator_id"))
        if operator is None:
            continue
        staff[operator].append(
            {
                "registrar": boolean(rec.get("registrar")),
                "trained": boolean(rec.get("trained")),
                "active_from": date(rec.get("active_from")),
                "active_to": date(rec.get("active_to")),
                "post_since": date(rec.get("post_since")),
                "office": text(rec.get("office_code")) or "",
            }
        )

    def in_effect(periods: list[dict[str, Any]], day: dt.date) -> list[dict[str, Any]]:
        return [
            p
            for p in periods
            if (p["active_from"] is None or p["active_from"] <= day)
            and (p["active_to"] is None or day <= p["active_to"])
        ]

    for case in cases.values():
        for row in case.rows:
            operator = row["operator_id"]
            if operator is None:
                continue
            periods = staff.get(operator, [])
            current = in_effect(periods, row["event_time"].date())
            if not any(p["trained"] is True for p in current):  # unknown, outside every period, or untrained
                out.add(("SD002", case.case_id))
            if row["activity"] == "register" and periods:
                flags = {p["registrar"] for p in (current or periods)}
                if False in flags and True not in flags:  # an explicit false; blank is not recorded
                    out.add(("SD003", case.case_id))
    as_of_day = pd.Timestamp(as_of.date())
    for operator, periods in staff.items():
        for p in in_effect(periods, as_of.date()):
            since = p["post_since"]
            if since is not None and pd.Timestamp(since) + pd.DateOffset(years=ROTATION_YEARS) < as_of_day:
                out.add(("SD004", f"{p['office']}:{operator}"))
    return out


def query_rules(rows: list[dict[str, Any]]) -> set[tuple[str, str]]:
    out = set()
    per_day: dict[tuple[str, dt.date], int] = defaultdict(int)
    for row in rows:
        if row["activity"] != "query":
            continue
        t = row["event_time"]
        if row.get("query_basis") is None:
            out.add(("IQ001", row["case_id"]))
        if not is_workday(t.date()) or t.time() < dt.time(8, 0, 0) or t.time() > dt.time(18, 0, 0):
            out.add(("IQ002", row["case_id"]))
        if row["operator_id"] is not None:
            per_day[(row["operator_id"], t.date())] += 1
    for (operator, day), count in per_day.items():
        if count > BULK_QUERIES:
            out.add(("IQ003", f"{operator}@{day.isoformat()}"))
    return out


def standard_fee(case: Case) -> Decimal:
    btype = case.attrs["business_type"]
    if btype in FREE_TYPES:
        return Decimal(0)
    use_after = case.attrs.get("use_after")
    fee = Decimal(80) if use_after == "residential" else Decimal(0) if use_after == "homestead" else Decimal(550)
    halved = btype in HALVED_TYPES or (
        btype == "change" and change_kinds(case.attrs.get("change_kind")) & {"split", "merge"}
    )
    return fee / 2 if halved else fee


def fee_rules(cases: dict[str, Case]) -> set[tuple[str, str]]:
    out = set()
    for case in cases.values():
        charged = decimal(case.attrs.get("fee_charged"))
        if charged is None or case.attrs.get("business_type") is None:
            continue
        standard = standard_fee(case)
        if standard > 0 and charged != standard:
            out.add(("FE001", case.case_id))
        if standard == 0 and charged > 0:
            out.add(("FE002", case.case_id))
    return out


def integrity_rules(rows: list[dict[str, Any]], cases: dict[str, Case]) -> set[tuple[str, str]]:
    out = set()
    seqs: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        if row["event_seq"] is not None and row.get("office_code") is not None:
            seqs[row["office_code"]].add(row["event_seq"])
    for office, values in seqs.items():
        in_gap = False
        for n in range(min(values), max(values) + 1):
            if n not in values and not in_gap:
                out.add(("LG001", f"{office}:{n}"))
            in_gap = n not in values
    for case in cases.values():
        t_accept, t_register = case.first("accept"), case.first("register")
        t_ticket, t_call = case.first("ticket"), case.first("call")
        if (t_accept and t_register and t_register < t_accept) or (t_ticket and t_call and t_call < t_ticket):
            out.add(("LG002", case.case_id))
        if (case.times("register") or case.times("complete")) and not case.times("accept"):
            out.add(("LG003", case.case_id))
        seen: set[tuple[Any, ...]] = set()
        for row in case.rows:
            key = (row["activity"], row["event_time"], row["operator_id"])
            if key in seen:
                out.add(("LG004", case.case_id))
            seen.add(key)
    return out


def oracle_findings(
    events: pd.DataFrame,
    roster: pd.DataFrame | None = None,
    approvals: pd.DataFrame | None = None,
    as_of: Any = None,
) -> set[tuple[str, str]]:
    rows = [r for r in read_rows(events) if r["case_id"] is not None and r["event_time"] is not None]
    cases = build_cases(rows)
    as_of_time = timestamp(as_of) if as_of is not None else max(r["event_time"] for r in rows)
    assert as_of_time is not None
    return (
        time_limits(cases, as_of_time)
        | queue_order(cases)
        | approvals_rules(cases, approvals)
        | mortgage_rules(cases)
        | duty_rules(cases, roster, as_of_time)
        | query_rules(rows)
        | fee_rules(cases)
        | integrity_rules(rows, cases)
    )
