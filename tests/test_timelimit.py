"""Time limits TL001–TL003 and EventLog.timing() (rules.md "Common definitions", "Time limits")."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import chinese_calendar
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from regcheck.config import build
from regcheck.loaders import load
from regcheck.model import EventLog
from regcheck.rules import REGISTRY
from regcheck.rules.timelimit import DEFAULT_LIMITS, DeadlineWarningParams, TimeLimitParams, timed_cases
from regcheck.schema import ACTIVITIES, BUSINESS_TYPES

from .conftest import rules_of, scan_findings, write_canonical_csv

OFFICE = "340102"


def row(cid: str, activity: str, when: str, **extra: str) -> dict:
    return {"case_id": cid, "office_code": OFFICE, "activity": activity, "event_time": when, **extra}


def accepted(cid: str, when: str, btype: str = "transfer", **extra: str) -> dict:
    return row(cid, "accept", when, operator_id="340102-W1", business_type=btype, **extra)


def tl(found: pd.DataFrame) -> pd.DataFrame:
    return found[found["rule_id"].str.startswith("TL")].reset_index(drop=True)


def scan_rows(rows: list[dict], tmp_path: Path, *args: str) -> pd.DataFrame:
    return tl(scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path, "--select", "TL", *args))


def log_of(rows: list[dict], tmp_path: Path, as_of: str | None = None) -> EventLog:
    loaded = load([str(write_canonical_csv(rows, tmp_path / "log.csv"))])
    return EventLog(loaded.events, as_of=pd.Timestamp(as_of) if as_of else None)


# -- table-driven: (name, rows, as-of, expected rule or None, elapsed, suspended, deadline) --------------

C = "34010220269900001"
LATER = "34010220269900099"  # another case whose acceptance sets the export's cut-off (as-of)

TABLE = [
    # ended cases (TL001), finished on / one day after the limit day
    (
        "transfer_on_limit_day",
        [accepted(C, "2026-09-07 09:00:00"), row(C, "register", "2026-09-14 17:59:59")],
        None,
        None,
        5,
        0,
        "2026-09-14",
    ),
    (
        "transfer_day_after_limit",
        [accepted(C, "2026-09-07 09:00:00"), row(C, "register", "2026-09-15 08:00:00")],
        None,
        "TL001",
        6,
        0,
        "2026-09-14",
    ),
    (
        "complete_also_ends",
        [accepted(C, "2026-09-07 09:00:00"), row(C, "complete", "2026-09-15 08:00:00")],
        None,
        "TL001",
        6,
        0,
        "2026-09-14",
    ),
    (
        "reject_ends_before_complete",
        [
            accepted(C, "2026-09-07 09:00:00"),
            row(C, "reject", "2026-09-14 08:00:00"),
            row(C, "complete", "2026-09-16 08:00:00"),
        ],
        None,
        None,
        5,
        0,
        "2026-09-14",
    ),
    # National Day 2026: 10-01..07 off, Sat 10-10 worked; accepted Wed 09-30
    (
        "national_day_on_time",
        [accepted(C, "2026-09-30 16:00:00"), row(C, "register", "2026-10-13 09:00:00")],
        None,
        None,
        5,
        0,
        "2026-10-13",
    ),
    (
        "national_day_registered_on_makeup_saturday",
        [accepted(C, "2026-09-30 16:00:00", "seal"), row(C, "register", "2026-10-10 09:00:00")],
        None,
        "TL001",
        3,
        0,
        "2026-10-08",
    ),
    (
        "national_day_holiday_registration_counts_nothing",
        [accepted(C, "2026-09-30 16:00:00", "seal"), row(C, "register", "2026-10-05 09:00:00")],
        None,
        None,
        0,
        0,
        "2026-10-08",
    ),
    (
        "one_day_limit_register_first_day_after_holiday",
        [accepted(C, "2026-09-30 16:00:00", "objection"), row(C, "register", "2026-10-08 09:00:00")],
        None,
        None,
        1,
        0,
        "2026-10-08",
    ),
    # suspension across the holiday: suspended 09-29 .. resumed 10-09 = 09-30, 10-08, 10-09 suspended
    (
        "suspension_across_national_day",
        [
            accepted(C, "2026-09-28 09:00:00"),
            row(C, "suspend", "2026-09-29 10:00:00", suspend_reason="公告"),
            row(C, "resume", "2026-10-09 10:00:00"),
            row(C, "register", "2026-10-14 10:00:00"),
        ],
        None,
        None,
        5,
        3,
        "2026-10-14",
    ),
    # open cases at as-of (TL002 / TL003)
    (
        "open_past_limit_with_explicit_as_of",
        [accepted(C, "2026-09-07 09:00:00")],
        "2026-09-15 23:00",
        "TL002",
        6,
        0,
        "2026-09-14",
    ),
    (
        "open_on_limit_day_warns",
        [accepted(C, "2026-09-07 09:00:00"), accepted(LATER, "2026-09-14 08:00:00")],
        None,
        "TL003",
        5,
        0,
        "2026-09-14",
    ),
    (
        "open_as_of_on_makeup_saturday",
        [accepted(C, "2026-10-09 09:00:00", "seal"), accepted(LATER, "2026-10-10 08:00:00")],
        None,
        "TL003",
        1,
        0,
        "2026-10-10",
    ),
    (
        "open_as_of_holiday_after_limit",
        [accepted(C, "2026-09-29 09:00:00", "seal")],
        "2026-10-06",
        "TL003",
        1,
        0,
        "2026-09-30",
    ),
    (
        "open_first_registration_far_from_limit",
        [accepted(C, "2026-09-07 09:00:00", "first")],
        "2026-10-09",
        None,
        19,
        0,
        "2026-10-23",
    ),
    (
        "open_suspended_now_clock_stopped",
        [accepted(C, "2026-09-07 09:00:00"), row(C, "suspend", "2026-09-10 09:00:00", suspend_reason="公告")],
        "2026-09-30",
        None,
        3,
        14,
        "2026-10-09",
    ),
]


@pytest.mark.parametrize(
    ("rows", "as_of", "expected", "elapsed", "suspended", "deadline"),
    [pytest.param(*t[1:], id=t[0]) for t in TABLE],
)
def test_time_limit_table(
    rows: list[dict],
    as_of: str | None,
    expected: str | None,
    elapsed: int,
    suspended: int,
    deadline: str,
    tmp_path: Path,
) -> None:
    log = log_of(rows, tmp_path, as_of)
    t = timed_cases(log, DEFAULT_LIMITS).set_index("case_id").loc[C]
    assert (t["elapsed"], t["suspended"]) == (elapsed, suspended)
    assert str(t["deadline"])[:10] == deadline
    found = scan_rows(rows, tmp_path, *(["--as-of", as_of] if as_of else []))
    assert sorted(zip(found["rule_id"], found["case_id"], strict=True)) == ([(expected, C)] if expected else [])
    if expected:
        evidence = json.loads(found.loc[0, "evidence"])
        assert (evidence["elapsed"], evidence["suspended"], evidence["deadline"]) == (elapsed, suspended, deadline)
        assert evidence["limit"] == DEFAULT_LIMITS[t["business_type"]]


def test_tl001_message_and_event_time(tmp_path: Path) -> None:
    rows = [
        accepted(C, "2026-09-07 09:00:00", unit_id="340102001002GB00001F00010001"),
        row(C, "suspend", "2026-09-08 15:00:00", suspend_reason="补正材料"),
        row(C, "resume", "2026-09-10 09:00:00"),
        row(C, "register", "2026-09-18 15:00:00", operator_id="340102-D1"),
    ]
    found = scan_rows(rows, tmp_path)
    assert list(found["rule_id"]) == ["TL001"]
    f = found.loc[0]
    # W = 9 (09-08 .. 09-18), suspended 2 (09-09, 09-10), elapsed 7 = limit 5 + 2
    assert "受理后第7个工作日办结，超出时限2个工作日" in f["message"]
    assert "已扣除中止2个工作日" in f["message"]
    assert "转移登记" in f["message"]
    assert f["event_time"] == "2026-09-18 15:00:00"
    assert f["unit_id"] == "340102001002GB00001F00010001"
    evidence = json.loads(f["evidence"])
    assert evidence == {
        "business_type": "transfer",
        "limit": 5,
        "elapsed": 7,
        "workdays": 9,
        "suspended": 2,
        "t_accept": "2026-09-07 09:00:00",
        "deadline": "2026-09-16",
        "t_end": "2026-09-18 15:00:00",
        "over": 2,
    }


def test_tl002_tl003_dated_at_as_of_with_deadline(tmp_path: Path) -> None:
    rows = [
        accepted("34010220269900002", "2026-09-01 09:00:00"),  # overdue
        row("34010220269900002", "suspend", "2026-09-02 09:00:00", suspend_reason="公告"),  # still suspended
        accepted("34010220269900003", "2026-09-04 09:00:00"),  # deadline 09-11, warns at 09-10
        accepted("34010220269900004", "2026-09-09 09:00:00"),
    ]
    found = scan_rows(rows, tmp_path, "--as-of", "2026-09-10 18:00")
    got = {r: c for r, c in zip(found["rule_id"], found["case_id"], strict=True)}
    assert got == {"TL003": "34010220269900003"}
    warn = found.loc[0]
    assert warn["event_time"] == "2026-09-10 18:00:00"
    assert "剩余1个工作日" in warn["message"] and "期限2026-09-11" in warn["message"]
    assert json.loads(warn["evidence"])["remaining"] == 1

    # without the suspension the first case is 7 working days old at as-of: TL002, noting the stop
    found = scan_rows([rows[0], *rows[2:]], tmp_path, "--as-of", "2026-09-10 18:00")
    over = found[found["rule_id"] == "TL002"].iloc[0]
    assert over["case_id"] == "34010220269900002"
    assert "已用7个工作日仍未办结，超出时限2个工作日" in over["message"]
    assert "期限2026-09-08" in over["message"]
    assert json.loads(over["evidence"])["suspended_now"] is False


def test_tl002_on_a_case_suspended_after_its_deadline_says_so(tmp_path: Path) -> None:
    rows = [accepted(C, "2026-09-01 09:00:00"), row(C, "suspend", "2026-09-09 09:00:00", suspend_reason="公告")]
    found = scan_rows(rows, tmp_path, "--as-of", "2026-09-15")
    assert list(found["rule_id"]) == ["TL002"]
    assert "目前处于中止状态" in found.loc[0, "message"]
    evidence = json.loads(found.loc[0, "evidence"])
    assert (evidence["elapsed"], evidence["suspended_now"], evidence["deadline"]) == (6, True, "2026-09-08")


@pytest.mark.parametrize(
    ("btype", "timed"),
    [("query", False), ("", False), ("first", True), ("mortgage_cancel", True), ("unseal", True)],
)
def test_untimed_business_types(btype: str, timed: bool, tmp_path: Path) -> None:
    rows = [accepted(C, "2026-09-01 09:00:00", btype), row(C, "register", "2026-12-01 09:00:00")]
    found = scan_rows(rows, tmp_path)
    assert list(found["rule_id"]) == (["TL001"] if timed else [])


def test_withdrawn_and_unaccepted_cases_not_timed(tmp_path: Path) -> None:
    rows = [
        accepted(C, "2026-09-01 09:00:00"),
        row(C, "withdraw", "2026-09-20 09:00:00"),
        row("34010220269900005", "review", "2026-09-01 09:00:00", business_type="transfer"),
        row("34010220269900005", "register", "2026-09-30 09:00:00"),
        accepted(LATER, "2026-10-30 09:00:00"),
    ]
    log = log_of(rows, tmp_path)
    assert set(log.cases.iloc[log.timing().index]["case_id"]) == {LATER}
    assert scan_rows(rows, tmp_path).empty


def test_withdraw_after_register_is_still_timed(tmp_path: Path) -> None:
    rows = [
        accepted(C, "2026-09-01 09:00:00"),
        row(C, "register", "2026-09-30 09:00:00"),
        row(C, "withdraw", "2026-10-09 09:00:00"),
    ]
    assert list(scan_rows(rows, tmp_path)["rule_id"]) == ["TL001"]


# -- parameters -------------------------------------------------------------------------------------------


def test_params_limits_merge_over_defaults_and_accept_labels() -> None:
    p = TimeLimitParams(limits={"转移登记": 3, "first": "none", "seal": "2"})
    assert p.limits["transfer"] == 3 and p.limits["first"] is None and p.limits["seal"] == 2
    assert p.limits["mortgage"] == 5 and p.limits["query"] is None
    assert set(p.limits) == set(BUSINESS_TYPES)
    assert TimeLimitParams().limits == DEFAULT_LIMITS


@pytest.mark.parametrize("bad", [{"transfr": 3}, {"transfer": -1}, {"transfer": 2.5}, {"transfer": "five"}])
def test_params_reject_bad_limits(bad: dict) -> None:
    with pytest.raises(ValidationError):
        TimeLimitParams(limits=bad)


def test_custom_limits_and_warn_days(tmp_path: Path) -> None:
    rows = [accepted(C, "2026-09-07 09:00:00"), row(C, "register", "2026-09-11 09:00:00")]  # elapsed 4
    log = log_of(rows, tmp_path)
    assert REGISTRY["TL001"].run(log).empty
    assert len(REGISTRY["TL001"].run(log, TimeLimitParams(limits={"transfer": 3}))) == 1
    assert REGISTRY["TL001"].run(log, TimeLimitParams(limits={"transfer": "none"})).empty

    open_rows = [accepted(C, "2026-09-07 09:00:00")]
    log = log_of(open_rows, tmp_path, as_of="2026-09-10 12:00")  # elapsed 3, 2 left
    assert REGISTRY["TL003"].run(log).empty
    warn = REGISTRY["TL003"].run(log, DeadlineWarningParams(warn_days=2))
    assert list(warn["case_id"]) == [C]


def test_config_limits_section_reaches_the_rules() -> None:
    cfg = build({"limits": {"transfer": 3, "查询": "none"}, "rules": {"TL003": {"warn_days": 2}}})
    assert cfg.params_for("TL001").limits["transfer"] == 3  # type: ignore[attr-defined]
    assert cfg.params_for("TL003").warn_days == 2  # type: ignore[attr-defined]
    assert cfg.params_for("TL003").limits["first"] == 30  # type: ignore[attr-defined]


def test_rules_declare_business_type() -> None:
    for rid in rules_of("timelimit"):
        assert "business_type" in REGISTRY[rid].columns
        assert REGISTRY[rid].doc.splitlines()[0].endswith("。")


# -- property: timing() against a day-by-day count over chinese_calendar ---------------------------------

BASE = dt.datetime(2026, 9, 1)
ACTS = list(ACTIVITIES)


@st.composite
def random_log(draw: st.DrawFn) -> tuple[pd.DataFrame, pd.Timestamp | None]:
    n_cases = draw(st.integers(1, 5))
    rows: list[tuple[str, str, dt.datetime, str | None]] = []
    minutes = st.integers(0, 75 * 24 * 60)  # 2026-09-01 .. mid November: crosses National Day
    for c in range(n_cases):
        cid = f"C{c}"
        btype = draw(st.sampled_from(["transfer", "seal", "first", "query", None]))
        if draw(st.booleans()) or c == 0:
            rows.append((cid, "accept", BASE + dt.timedelta(minutes=draw(minutes)), btype))
        for act in draw(st.lists(st.sampled_from(["suspend", "resume", "suspend", "review"]), max_size=6)):
            rows.append((cid, act, BASE + dt.timedelta(minutes=draw(minutes)), None))
        end = draw(st.sampled_from([None, None, "register", "complete", "reject", "withdraw"]))
        if end:
            rows.append((cid, end, BASE + dt.timedelta(minutes=draw(minutes)), None))
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "event_time", "business_type"])
    frame["office_code"] = OFFICE
    frame["activity"] = pd.Categorical(frame["activity"], categories=ACTS)
    frame["business_type"] = pd.Categorical(frame["business_type"], categories=list(BUSINESS_TYPES))
    as_of = draw(st.one_of(st.none(), minutes.map(lambda m: pd.Timestamp(BASE + dt.timedelta(minutes=m)))))
    return frame, as_of


def brute_timing(frame: pd.DataFrame, as_of: pd.Timestamp | None) -> dict[str, tuple[int, int, dt.date | None]]:
    """Day by day over chinese_calendar.is_workday: case_id -> (elapsed, suspended, deadline at default limit)."""
    frame = frame.assign(_row=range(len(frame))).sort_values(["event_time", "_row"], kind="stable")
    cut = as_of if as_of is not None else frame["event_time"].max()
    out = {}
    for cid, rows in frame.groupby("case_id", sort=False):
        acts = [str(a) for a in rows["activity"]]
        times = list(rows["event_time"])
        first = {a: min(t for b, t in zip(acts, times, strict=True) if b == a) for a in set(acts)}
        if "accept" not in first:
            continue
        ends = [first[a] for a in ("register", "complete", "reject") if a in first]
        if not ends and "withdraw" in first:
            continue
        a_day = first["accept"].date()
        e_day = min(ends).date() if ends else cut.date()
        suspended: set[dt.date] = set()
        for i, act in enumerate(acts):
            if act != "suspend":
                continue
            resume = next((times[j] for j in range(i + 1, len(acts)) if acts[j] == "resume"), None)
            r_day = resume.date() if resume is not None else e_day
            d = times[i].date() + dt.timedelta(days=1)
            while d <= r_day:
                if a_day < d <= e_day and chinese_calendar.is_workday(d):
                    suspended.add(d)
                d += dt.timedelta(days=1)
        work = sum(
            chinese_calendar.is_workday(a_day + dt.timedelta(days=k)) for k in range(1, (e_day - a_day).days + 1)
        )
        btype = rows["business_type"].dropna()
        limit = DEFAULT_LIMITS.get(str(btype.iloc[0])) if len(btype) else None
        deadline = None
        if limit is not None:
            d, count = a_day, 0
            while count < limit:
                d += dt.timedelta(days=1)
                count += chinese_calendar.is_workday(d) and d not in suspended
            deadline = d
        out[cid] = (work - len(suspended), len(suspended), deadline)
    return out


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_log())
def test_timing_matches_day_by_day_count(data: tuple[pd.DataFrame, pd.Timestamp | None]) -> None:
    frame, as_of = data
    log = EventLog(frame, as_of=as_of)
    t = log.timing()
    case_ids = log.cases["case_id"].to_numpy()[t.index]
    ours = {cid: (int(e), int(s)) for cid, e, s in zip(case_ids, t["elapsed"], t["suspended"], strict=True)}
    brute = brute_timing(frame, as_of)
    assert ours == {k: v[:2] for k, v in brute.items()}
    # the deadline: the limit-th unsuspended working day (exact when elapsed >= limit; a projection otherwise)
    timed = timed_cases(log, DEFAULT_LIMITS)
    deadlines = timed["deadline"].to_numpy(dtype="datetime64[D]")
    got = {cid: d.astype(dt.date) for cid, d in zip(timed["case_id"], deadlines, strict=True)}
    assert got == {k: v[2] for k, v in brute.items() if v[2] is not None}
    # the suspension intervals are disjoint, non-empty and clipped to (accept_day, end_day]
    iv = log.suspension_intervals()
    assert (iv["lo"] < iv["hi"]).all()
    same = iv["case"].to_numpy()[1:] == iv["case"].to_numpy()[:-1]
    assert (iv["hi"].to_numpy()[:-1][same] <= iv["lo"].to_numpy()[1:][same]).all()
    bounds = t.loc[iv["case"].to_numpy()]
    assert (iv["lo"].to_numpy() >= bounds["accept_day"].to_numpy()).all()
    assert (iv["hi"].to_numpy() <= bounds["end_day"].to_numpy()).all()


def test_timing_is_independent_of_row_order(tmp_path: Path) -> None:
    rows = [
        accepted(C, "2026-09-07 09:00:00"),
        row(C, "suspend", "2026-09-08 10:00:00"),
        row(C, "suspend", "2026-09-09 10:00:00"),
        row(C, "resume", "2026-09-11 10:00:00"),
        row(C, "suspend", "2026-09-10 10:00:00"),
        row(C, "resume", "2026-09-15 10:00:00"),
        row(C, "register", "2026-09-21 10:00:00"),
    ]
    a = log_of(rows, tmp_path).timing()
    b = log_of(rows[::-1], tmp_path).timing()
    assert a[["elapsed", "suspended"]].to_numpy().tolist() == b[["elapsed", "suspended"]].to_numpy().tolist()
    # in time order the three suspends (09-08, 09-09, 09-10) share the resume of 09-11 and the resume
    # of 09-15 has no open suspend: suspended 09-09 .. 09-11 = 3; W(09-07, 09-21) = 11 (Sun 09-20 worked)
    assert a[["workdays", "suspended", "elapsed"]].to_numpy().tolist() == [[11, 3, 8]]
    assert np.array_equal(a["open"].to_numpy(), [False])


@pytest.mark.parametrize("rows", [[], [row(C, "query", "2026-09-08 09:00:00", query_basis="(2026)皖0102执1号")]])
def test_logs_without_timed_cases(rows: list[dict], tmp_path: Path) -> None:
    log = log_of(rows, tmp_path)
    assert log.timing().empty and log.suspension_intervals().empty
    for rid in rules_of("timelimit"):
        assert REGISTRY[rid].run(log).empty


def test_summary_timing_keeps_text_as_pandas_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The summary's timing table holds case, office and business type as pandas' text, made once: never
    through Python objects and back (each value converted twice, 1M cases a scan)."""
    from regcheck.summary import timeliness

    rows = [accepted(f"3401022026990000{i}", f"2026-09-0{i + 1} 09:00:00", btype) for i, btype in
            enumerate(["transfer", "mortgage", "transfer"])]  # fmt: skip
    log = log_of([*rows, row(C, "register", "2026-09-14 17:00:00")], tmp_path)
    real = pd.Series.to_numpy

    def to_numpy(self: pd.Series, *args: object, **kwargs: object) -> np.ndarray:
        assert not pd.api.types.is_string_dtype(self.dtype), f"{self.name} went through Python objects"
        return real(self, *args, **kwargs)

    timed_cases(log, dict(DEFAULT_LIMITS))  # the rules' table (memoised) is not the summary's business
    monkeypatch.setattr(pd.Series, "to_numpy", to_numpy)
    timing = timeliness(log, dict(DEFAULT_LIMITS))
    monkeypatch.undo()
    assert {c: str(timing[c].dtype) for c in ("case_id", "office_code", "business_type")} == dict.fromkeys(
        ("case_id", "office_code", "business_type"), "str"
    )
    assert timing["case_id"].tolist() == [r["case_id"] for r in rows]
    assert timing["business_type"].tolist() == ["transfer", "mortgage", "transfer"]
    assert set(timing["office_code"]) == {OFFICE}


def test_timeliness_digest_adds_up_over_offices() -> None:
    """A partitioned scan keeps one Timeliness per office and merges them: the merged digest answers as the
    whole log's does (per office, totals, the overdue list, the ended counts), on the sample log."""
    from regcheck.summary import Timeliness, timeliness

    loaded = load([str(Path(__file__).parent.parent / "sample_data" / "logs.parquet")])
    log = EventLog(loaded.events)
    timing = timeliness(log, dict(DEFAULT_LIMITS))
    whole = Timeliness.of(timing)
    offices = timing["office_code"].unique()
    assert len(offices) > 1 and (timing["over"] > 0).any() and (~timing["open"]).any()
    merged = Timeliness.merged([Timeliness.of(timing.loc[timing["office_code"] == o]) for o in offices[::-1]])
    pd.testing.assert_frame_equal(merged.ended, whole.ended)
    pd.testing.assert_frame_equal(merged.per_office(), whole.per_office())
    ended = ~timing["open"]
    assert merged.totals() == whole.totals() == (int(((timing["over"] <= 0) & ended).sum()), int(ended.sum()))
    n = len(whole.overdue_rows)
    pd.testing.assert_frame_equal(merged.overdue(n), whole.overdue(n))
    assert whole.overdue(n)["over"].is_monotonic_decreasing and (whole.overdue(n)["over"] > 0).all()
