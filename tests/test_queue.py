"""Queue order QJ001–QJ004 (rules.md "Queue order"): rule behaviour and the O(n log n) counting."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcheck.config import build
from regcheck.loaders import load
from regcheck.model import EventLog
from regcheck.rules import REGISTRY
from regcheck.rules.queue import (
    HallQueueParams,
    ProcessingQueueParams,
    QueueCoords,
    _dominance_grid,
    _dominance_merge,
    dominance_count,
    hall_queue,
    processing_queue,
)

from .conftest import rules_of, scan_findings, write_canonical_csv

OFFICE = "340102"
HOUR = 3600 * 10**9


def row(cid: str, activity: str, when: str, office: str = OFFICE, **extra: str) -> dict:
    return {"case_id": cid, "office_code": office, "activity": activity, "event_time": when, **extra}


def hall(cid: str, ticket: str, call: str, queue: str = "", caller: str = "340102-W2", **extra: str) -> list[dict]:
    return [
        row(cid, "ticket", ticket, queue_id=queue, **extra),
        row(cid, "call", call, operator_id=caller, window_id="3"),
    ]


def processing(cid: str, accept: str, review: str, btype: str = "transfer", reviewer: str = "340102-R1", **extra):
    return [
        row(cid, "accept", accept, operator_id="340102-W1", business_type=btype, **extra),
        row(cid, "review", review, operator_id=reviewer),
    ]


def qj(found: pd.DataFrame) -> pd.DataFrame:
    return found[found["rule_id"].str.startswith("QJ")].reset_index(drop=True)


def scan_rows(rows: list[dict], tmp_path: Path, *args: str) -> pd.DataFrame:
    return qj(scan_findings(write_canonical_csv(rows, tmp_path / "log.csv"), tmp_path, "--select", "QJ", *args))


def pairs(found: pd.DataFrame) -> list[tuple[str, str]]:
    return sorted(zip(found["rule_id"], found["case_id"], strict=True))


def log_of(rows: list[dict], tmp_path: Path) -> EventLog:
    return EventLog(load([str(write_canonical_csv(rows, tmp_path / "log.csv"))]).events)


# -- hall queue (QJ001) ------------------------------------------------------------------------------------

HALL_TABLE = [
    ("in_order", [*hall("A", "09:00:00", "09:10:00"), *hall("B", "09:05:00", "09:20:00")], []),
    ("jump", [*hall("A", "09:00:00", "09:20:00"), *hall("B", "09:05:00", "09:10:00")], [("QJ001", "B")]),
    ("same_second_no_jump", [*hall("A", "09:00:00", "09:20:00"), *hall("B", "09:00:00", "09:10:00")], []),
    ("equal_calls_no_jump", [*hall("A", "09:00:00", "09:10:00"), *hall("B", "09:05:00", "09:10:00")], []),
    (
        "other_queue_no_jump",
        [*hall("A", "09:00:00", "09:20:00", "A"), *hall("B", "09:05:00", "09:10:00", "B")],
        [],
    ),
    (
        "other_office_no_jump",
        [*hall("A", "09:00:00", "09:20:00"), *[dict(r, office_code="340104") for r in hall("B", "09:05", "09:10")]],
        [],
    ),
    (
        "one_jumper_two_victims_one_finding",
        [
            *hall("A", "09:00:00", "09:30:00"),
            *hall("B", "09:01:00", "09:31:00"),
            *hall("C", "09:05:00", "09:10:00"),
        ],
        [("QJ001", "C")],
    ),
    (
        "justified_priority_exempt_unjustified_not",
        [
            *hall("A", "09:00:00", "09:30:00"),
            *hall("B", "09:05:00", "09:10:00", priority="是", priority_reason="残疾人"),
            *hall("C", "09:06:00", "09:11:00", priority="是"),
        ],
        [("QJ001", "C"), ("QJ003", "C")],
    ),
    (
        "uncalled_ticket_not_in_queue",
        [row("A", "ticket", "2026-09-08 09:00:00"), *hall("B", "09:05:00", "09:10:00")],
        [],
    ),
]


def _day(rows: list[dict]) -> list[dict]:
    return [
        dict(r, event_time=r["event_time"] if " " in r["event_time"] else f"2026-09-08 {r['event_time']}") for r in rows
    ]


@pytest.mark.parametrize(("rows", "expected"), [pytest.param(_day(r), e, id=n) for n, r, e in HALL_TABLE])
def test_hall_queue_table(rows: list[dict], expected: list[tuple[str, str]], tmp_path: Path) -> None:
    assert pairs(scan_rows(rows, tmp_path)) == sorted(expected)


def test_hall_finding_names_caller_victim_and_counts(tmp_path: Path) -> None:
    rows = _day(
        [
            *hall("A", "09:00:00", "09:30:00", "A"),
            *hall("B", "09:01:00", "09:31:00", "A"),
            *hall("C", "09:05:00", "09:10:00", "A", caller="340102-W9"),
        ]
    )
    f = scan_rows(rows, tmp_path).iloc[0]
    assert (f["rule_id"], f["case_id"], f["operator_id"], f["event_time"]) == (
        "QJ001",
        "C",
        "340102-W9",
        "2026-09-08 09:10:00",
    )
    evidence = json.loads(f["evidence"])
    assert evidence["overtook"] == 2
    assert evidence["longest_waiting_case"] == "A"
    assert evidence["longest_waiting_enter"] == "2026-09-08 09:00:00"
    assert evidence["queue"] == "A"
    assert "2个更早取号的案件" in f["message"] and "叫号人340102-W9" in f["message"]


def test_hall_tolerance_parameter(tmp_path: Path) -> None:
    rows = _day([*hall("A", "09:00:00", "09:20:00"), *hall("B", "09:00:30", "09:10:00")])
    log = log_of(rows, tmp_path)
    assert list(REGISTRY["QJ001"].run(log)["case_id"]) == ["B"]
    assert REGISTRY["QJ001"].run(log, HallQueueParams(tolerance_seconds=30)).empty
    assert list(REGISTRY["QJ001"].run(log, HallQueueParams(tolerance_seconds=29))["case_id"]) == ["B"]


def test_hall_queue_key_uses_office_of_case_and_first_ticket(tmp_path: Path) -> None:
    rows = _day(
        [
            row("A", "accept", "08:00:00", office="340104"),  # the case's first row: office 340104
            *hall("A", "09:00:00", "09:20:00"),
            row("B", "ticket", "08:55:00", queue_id="VIP"),
            *hall("B", "09:05:00", "09:10:00"),  # second ticket in the default queue does not count
        ]
    )
    t = hall_queue(log_of(rows, tmp_path)).frame.set_index("case_id")
    assert t.loc["A", "office_code"] == "340104" and t.loc["B", "queue"] == "VIP"
    assert str(t.loc["B", "enter"]) == "2026-09-08 08:55:00"
    assert (t["jumped"] == 0).all()


# -- processing queue (QJ002 / QJ004) ---------------------------------------------------------------------

MON, TUE, WED, THU, FRI = (f"2026-09-{d:02d}" for d in (7, 8, 9, 10, 11))

PROCESSING_TABLE = [
    (
        "in_order",
        [*processing("A", f"{MON} 09:00", f"{TUE} 09:00"), *processing("B", f"{TUE} 10:00", f"{WED} 09:00")],
        [],
    ),
    (
        "overtaken_25h_later",
        [*processing("A", f"{MON} 09:00", f"{WED} 09:00"), *processing("B", f"{TUE} 10:00", f"{TUE} 11:00")],
        [("QJ002", "B")],
    ),
    (
        "exactly_24h_is_tolerated",
        [*processing("A", f"{MON} 09:00", f"{WED} 09:00"), *processing("B", f"{TUE} 09:00", f"{TUE} 11:00")],
        [],
    ),
    (
        "other_business_type",
        [
            *processing("A", f"{MON} 09:00", f"{WED} 09:00"),
            *processing("B", f"{TUE} 10:00", f"{TUE} 11:00", "mortgage"),
        ],
        [],
    ),
    (
        "blank_business_types_share_a_queue",
        [*processing("A", f"{MON} 09:00", f"{WED} 09:00", ""), *processing("B", f"{TUE} 10:00", f"{TUE} 11:00", "")],
        [("QJ002", "B")],
    ),
    (
        "blank_and_typed_do_not_compete",
        [*processing("A", f"{MON} 09:00", f"{WED} 09:00", ""), *processing("B", f"{TUE} 10:00", f"{TUE} 11:00")],
        [],
    ),
    (
        "resume_before_review_is_entry",
        [
            *processing("A", f"{MON} 09:00", f"{WED} 12:00"),
            row("A", "suspend", f"{MON} 10:00"),
            row("A", "resume", f"{TUE} 08:00"),
            row("A", "resume", f"{TUE} 11:00"),  # the last resume before the review: A enters Tue 11:00
            *processing("B", f"{TUE} 10:00", f"{TUE} 12:00"),
        ],
        [],
    ),
    (
        "resume_after_review_ignored",
        [
            *processing("A", f"{MON} 09:00", f"{WED} 12:00"),
            row("A", "resume", f"{THU} 08:00"),
            *processing("B", f"{TUE} 10:00", f"{TUE} 12:00"),
        ],
        [("QJ002", "B")],
    ),
    (
        "review_without_accept_not_in_queue",
        [
            row("A", "review", f"{WED} 09:00", business_type="transfer"),
            *processing("B", f"{TUE} 10:00", f"{TUE} 11:00"),
        ],
        [],
    ),
]


@pytest.mark.parametrize(("rows", "expected"), [pytest.param(r, e, id=n) for n, r, e in PROCESSING_TABLE])
def test_processing_queue_table(rows: list[dict], expected: list[tuple[str, str]], tmp_path: Path) -> None:
    assert pairs(scan_rows(rows, tmp_path)) == sorted(expected)


def held_back_rows(overtakers: int, extra_victim: bool = False) -> list[dict]:
    """A accepted Mon, reviewed Fri; ``overtakers`` cases accepted Tue and reviewed Tue. Optionally
    C, accepted Tue 08:00 and reviewed Fri, overtaken by Z (accepted Wed 09:30, reviewed Wed)."""
    rows = processing("A", f"{MON} 09:00", f"{FRI} 16:00", reviewer="340102-R7")
    for k in range(overtakers):
        rows += processing(f"O{k}", f"{TUE} {10 + k}:00", f"{TUE} {10 + k}:30")
    if extra_victim:
        rows += processing("C", f"{TUE} 08:00", f"{FRI} 15:00")
        rows += processing("Z", f"{WED} 09:30", f"{WED} 10:00")
    return rows


@pytest.mark.parametrize(
    ("overtakers", "extra", "expected"),
    [
        (4, False, [("QJ002", "O0"), ("QJ002", "O1"), ("QJ002", "O2"), ("QJ002", "O3")]),
        (5, False, [("QJ004", "A")]),
        (6, False, [("QJ004", "A")]),
        # Z overtook A (held back by 6 with Z) and C (overtaken only by Z): Z is QJ002
        (5, True, [("QJ002", "Z"), ("QJ004", "A")]),
    ],
)
def test_held_back_threshold(overtakers: int, extra: bool, expected: list, tmp_path: Path) -> None:
    assert pairs(scan_rows(held_back_rows(overtakers, extra), tmp_path)) == sorted(expected)


def test_held_back_finding_and_qj002_note(tmp_path: Path) -> None:
    found = scan_rows(held_back_rows(5, True), tmp_path)
    held = found[found["rule_id"] == "QJ004"].iloc[0]
    assert (held["operator_id"], held["event_time"]) == ("340102-R7", f"{FRI} 16:00:00")
    evidence = json.loads(held["evidence"])
    assert (evidence["overtakers"], evidence["held_back_min"]) == (6, 5)
    assert "6个晚24小时以上入队的案件抢先审核" in held["message"]
    jump = found[found["rule_id"] == "QJ002"].iloc[0]
    evidence = json.loads(jump["evidence"])
    assert (evidence["overtook"], evidence["overtook_not_held_back"]) == (2, 1)
    assert evidence["longest_waiting_case"] == "A"
    assert "其中1件已另记压件" in jump["message"]


def test_held_back_min_and_tolerance_parameters(tmp_path: Path) -> None:
    log = log_of(held_back_rows(3), tmp_path)
    assert REGISTRY["QJ004"].run(log).empty
    assert len(REGISTRY["QJ002"].run(log)) == 3
    p = ProcessingQueueParams(held_back_min=3)
    assert list(REGISTRY["QJ004"].run(log, p)["case_id"]) == ["A"]
    assert REGISTRY["QJ002"].run(log, p).empty
    # with a 25-hour tolerance O0 (accepted Tue 10:00, exactly 25 h after A) no longer overtook A
    wide = ProcessingQueueParams(tolerance_hours=25)
    assert sorted(REGISTRY["QJ002"].run(log, wide)["case_id"]) == ["O1", "O2"]


def test_justified_priority_counts_as_overtaker_but_is_not_flagged(tmp_path: Path) -> None:
    rows = held_back_rows(4) + processing("P", f"{TUE} 15:00", f"{TUE} 15:30", priority="1", priority_reason="老年人")
    assert pairs(scan_rows(rows, tmp_path)) == [("QJ004", "A")]
    rows = processing("A", f"{MON} 09:00", f"{FRI} 16:00")
    rows += processing("P", f"{TUE} 15:00", f"{TUE} 15:30", priority="1", priority_reason="老年人")
    assert pairs(scan_rows(rows, tmp_path)) == []


def test_processing_enter_and_operator(tmp_path: Path) -> None:
    rows = [
        *processing("A", f"{MON} 09:00", f"{WED} 12:00", reviewer="340102-R2"),
        row("A", "resume", f"{TUE} 08:00"),
        row("A", "review", f"{THU} 08:00", operator_id="340102-R3"),  # not the first review
        row("A", "resume", f"{WED} 12:00"),  # same second as the first review: not strictly earlier
    ]
    t = processing_queue(log_of(rows, tmp_path)).frame.iloc[0]
    assert str(t["enter"]) == f"{TUE} 08:00:00" and str(t["start"]) == f"{WED} 12:00:00"
    assert t["operator_id"] == "340102-R2" and bool(t["resumed"])


# -- QJ003 --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("priority", "reason", "fires"),
    [("是", "", True), ("Y", "\u3000", True), ("true", "老年人", False), ("否", "", False), ("", "", False)],
)
def test_priority_without_reason(priority: str, reason: str, fires: bool, tmp_path: Path) -> None:
    rows = [
        row("A", "ticket", f"{TUE} 08:50"),
        row("A", "accept", f"{TUE} 09:00", operator_id="340102-W4", priority=priority, priority_reason=reason),
    ]
    found = scan_rows(rows, tmp_path)
    assert pairs(found) == ([("QJ003", "A")] if fires else [])
    if fires:
        f = found.iloc[0]
        assert (f["operator_id"], f["event_time"]) == ("340102-W4", f"{TUE} 09:00:00")


def test_columns_declared() -> None:
    assert {"queue_id", "operator_id", "priority", "priority_reason"} <= REGISTRY["QJ001"].columns
    assert {"business_type", "operator_id", "priority", "priority_reason"} <= REGISTRY["QJ002"].columns
    assert {"business_type", "operator_id"} <= REGISTRY["QJ004"].columns
    assert {"priority", "priority_reason"} <= REGISTRY["QJ003"].columns


def test_config_sets_queue_parameters() -> None:
    cfg = build({"rules": {"QJ004": {"held_back_min": 3}, "QJ001": {"tolerance_seconds": 60}}})
    assert cfg.params_for("QJ004").held_back_min == 3  # type: ignore[attr-defined]
    assert cfg.params_for("QJ001").tolerance_seconds == 60  # type: ignore[attr-defined]


# -- properties: the vectorised counts equal the pairwise definition -----------------------------------------


def brute(g: np.ndarray, e: np.ndarray, s: np.ndarray, tol: int) -> np.ndarray:
    """M[i, j] = j overtook i (the definition, pairwise)."""
    return (g[:, None] == g[None, :]) & (e[:, None] < e[None, :] - tol) & (s[None, :] < s[:, None])


queues = st.integers(0, 40).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 3), min_size=n, max_size=n),
        st.lists(st.integers(0, 12), min_size=n, max_size=n),  # few distinct values: many ties
        st.lists(st.integers(0, 12), min_size=n, max_size=n),
        st.sampled_from([0, 1, 2, 5]),
        st.lists(st.booleans(), min_size=n, max_size=n),
    )
)


@settings(max_examples=200, deadline=None)
@given(queues)
def test_counts_equal_pairwise_definition(data: tuple) -> None:
    g, e, s, tol_hours, mask = (np.asarray(x) for x in data)
    g, e, s, mask = g.astype(np.int64), e.astype(np.int64) * HOUR, s.astype(np.int64) * HOUR, mask.astype(bool)
    tol = int(tol_hours) * HOUR
    c = QueueCoords.build(g, e, s, tol)
    m = brute(g, e, s, tol)
    assert np.array_equal(c.overtaken(), m.sum(axis=1))
    assert np.array_equal(c.jumped(), m.sum(axis=0))
    assert np.array_equal(c.jumped(among=mask), m[mask].sum(axis=0))
    assert np.array_equal(c.overtaken(by=mask), m[:, mask].sum(axis=1))
    tiebreak = np.arange(len(g))[::-1]
    victim = c.longest_waiting_victim(tiebreak)
    for j in range(len(g)):
        victims = np.flatnonzero(m[:, j])
        want = victims[np.lexsort((tiebreak[victims], e[victims]))][0] if len(victims) else -1
        assert victim[j] == want


@settings(max_examples=200, deadline=None)
@given(queues, st.integers(0, 20))
def test_flags_and_partial_counts_equal_pairwise_definition(data: tuple, k: int) -> None:
    """The running-extremum flags, the counts of some cases and the victim restricted to the
    overtaken cases (the rules' shortcuts) equal the pairwise definition too."""
    g, e, s, tol_hours, mask = (np.asarray(x) for x in data)
    g, e, s, mask = g.astype(np.int64), e.astype(np.int64) * HOUR, s.astype(np.int64) * HOUR, mask.astype(bool)
    tol = int(tol_hours) * HOUR
    c = QueueCoords.build(g, e, s, tol)
    m = brute(g, e, s, tol)
    overtaken = m.sum(axis=1)
    assert np.array_equal(c.overtook_any, m.sum(axis=0) > 0)
    assert np.array_equal(c.was_overtaken, overtaken > 0)
    assert np.array_equal(c.overtook(among=mask), m[mask].sum(axis=0) > 0)
    assert np.array_equal(c.overtaken_at_least(k), overtaken >= k)  # k > 16: counted
    some = np.flatnonzero(mask)
    assert np.array_equal(c.jumped(among=~mask, of=some), m[~mask][:, some].sum(axis=0))
    assert np.array_equal(c.overtaken(by=~mask, of=some), m[some][:, ~mask].sum(axis=1))
    tiebreak = np.arange(len(g))[::-1]
    asked: list[np.ndarray] = []

    def keys(rows: np.ndarray) -> np.ndarray:
        asked.append(rows)
        return tiebreak[rows]

    assert np.array_equal(c.longest_waiting_victim(keys), c.longest_waiting_victim(tiebreak))
    assert len(asked) <= 1 and all(c.was_overtaken[rows].all() for rows in asked)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5)), min_size=1, max_size=30),
    st.lists(st.tuples(st.integers(-6, 6), st.integers(-6, 6)), min_size=1, max_size=30),
)
def test_dominance_grid_and_merge_sort_equal_pairwise(points: list, queries: list) -> None:
    p = np.array(points, dtype=np.int64)
    q = np.array(queries, dtype=np.int64)
    want = ((p[None, :, 0] <= q[:, None, 0]) & (p[None, :, 1] < q[:, None, 1])).sum(axis=1)
    xs, ys = np.unique(q[:, 0]), np.unique(q[:, 1])
    assert np.array_equal(_dominance_grid(p[:, 0], p[:, 1], q[:, 0], q[:, 1], xs, ys), want)
    assert np.array_equal(_dominance_merge(p[:, 0], p[:, 1], q[:, 0], q[:, 1]), want)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-5, 5), st.integers(-5, 5)), max_size=30),
    st.lists(st.tuples(st.integers(-6, 6), st.integers(-6, 6)), max_size=30),
)
def test_dominance_count_equals_pairwise(points: list, queries: list) -> None:
    p = np.array(points, dtype=np.int64).reshape(-1, 2)
    q = np.array(queries, dtype=np.int64).reshape(-1, 2)
    want = ((p[None, :, 0] <= q[:, None, 0]) & (p[None, :, 1] < q[:, None, 1])).sum(axis=1)
    assert np.array_equal(dominance_count(p[:, 0], p[:, 1], q[:, 0], q[:, 1]), want)


def test_dominance_count_with_huge_coordinates() -> None:
    big = np.array([-(2**62), 0, 2**62], dtype=np.int64)
    got = dominance_count(big, big, big, big)
    assert got.tolist() == [0, 1, 2]
    assert _dominance_merge(big, big, big, big).tolist() == [0, 1, 2]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from(["transfer", "mortgage", ""]), st.integers(0, 96), st.integers(0, 96), st.booleans()),
        min_size=1,
        max_size=14,
    )
)
def test_processing_rules_equal_pairwise_definition(cases: list) -> None:
    """QJ002/QJ004 from the EventLog equal the rules.md definitions evaluated pairwise."""
    base = pd.Timestamp("2026-09-07 08:00")
    rows = []
    for k, (btype, enter_h, wait_h, prio) in enumerate(cases):
        accept = base + pd.Timedelta(hours=enter_h)
        rows.append((f"C{k:02d}", "accept", accept, btype or None, prio))
        rows.append((f"C{k:02d}", "review", accept + pd.Timedelta(hours=wait_h), None, None))
    frame = pd.DataFrame(rows, columns=["case_id", "activity", "event_time", "business_type", "priority"])
    frame["office_code"] = OFFICE
    frame["priority"] = frame["priority"].astype("boolean")
    frame["priority_reason"] = np.where(frame["priority"].fillna(False), "老年人", None)
    frame["priority_reason"] = frame["priority_reason"].astype("str")
    log = EventLog(frame)
    ids = np.array([f"C{k:02d}" for k in range(len(cases))])
    g = pd.factorize(np.array([b for b, *_ in cases]))[0]
    e = np.array([h for _, h, _, _ in cases]) * HOUR
    s = e + np.array([w for _, _, w, _ in cases]) * HOUR
    justified = np.array([p for *_, p in cases])
    m = brute(g, e, s, 24 * HOUR)
    overtaken = m.sum(axis=1)
    qj004 = set(ids[overtaken >= 5])
    qj002 = {ids[j] for j in range(len(ids)) if not justified[j] and (m[:, j] & (overtaken < 5)).any()}
    assert set(REGISTRY["QJ004"].run(log)["case_id"]) == qj004
    assert set(REGISTRY["QJ002"].run(log)["case_id"]) == qj002


@pytest.mark.parametrize("rows", [[], [row("A", "accept", f"{TUE} 09:00", priority="否")]])
def test_logs_without_queues(rows: list[dict], tmp_path: Path) -> None:
    log = log_of(rows, tmp_path)
    assert hall_queue(log).frame.empty and processing_queue(log).frame.empty
    for rid in rules_of("queue"):
        assert REGISTRY[rid].run(log).empty
