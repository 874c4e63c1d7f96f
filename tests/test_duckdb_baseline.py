"""The DuckDB baseline of the benchmark (benchmarks/duckdb_baseline.py) gives regcheck's findings.

Issue 6 compares the five-rule scan with TL001, TL002, QJ001, MG001 and SD001 hand-written in
DuckDB SQL; the comparison only means something if both give the same findings. Checked on
logs of both generators (regcheck's and benchmarks/gen2.py; written to Parquet, scanned by the
real CLI) and on small hand-written logs whose expected findings are worked out from
spec/rules.md (ties by input order, strict boundaries, shared resumes, the hall-queue key, the
seal stack at the same second).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from regcheck.schema import CANONICAL

from .conftest import scan_findings

pytest.importorskip("duckdb", reason="duckdb is a benchmark-only dependency: pip install -e '.[bench]'")

from benchmarks import duckdb_baseline as baseline

RULES = baseline.RULES
FLOATS = {"mortgage_amount", "assessed_value", "fee_charged"}


def write_parquet(rows: list[dict], path: Path) -> Path:
    """Rows with canonical names -> Parquet with all 26 columns, in the given (input) order."""
    data: dict[str, object] = {}
    for c in CANONICAL:
        if c == "event_time":
            data[c] = pd.to_datetime([r[c] for r in rows], format="ISO8601")
        elif c == "event_seq":
            data[c] = pd.array([r.get(c) for r in rows], dtype="Int64")
        elif c in FLOATS:
            data[c] = np.array([r.get(c, np.nan) for r in rows], dtype=float)
        else:
            data[c] = pd.array([r.get(c, "") for r in rows], dtype="string")
    pd.DataFrame(data).to_parquet(path, index=False)
    return path


def regcheck_findings(path: Path, tmp: Path) -> set[tuple[str, str]]:
    f = scan_findings(path, tmp, "--select", RULES)
    return set(zip(f["rule_id"], f["case_id"], strict=True))


# -- hand-written logs ---------------------------------------------------------------------------

OFFICE = "340102"


def row(case: str, activity: str, time: str, **kw: str) -> dict:
    return {"case_id": case, "office_code": OFFICE, "activity": activity, "event_time": time, **kw}


def unit(n: int) -> str:
    return f"340102001001GB0{n:04d}F00010001"  # 28 characters


T = "transfer"
SCENARIOS: dict[str, tuple[list[dict], set[tuple[str, str]]]] = {
    # W(a, b) counts a < d <= b: Mon 09-07 -> Mon 09-14 is 5 working days, -> Tue 09-15 is 6.
    "time limit boundary": (
        [
            row("C1", "accept", "2026-09-07 09:00", business_type=T),
            row("C1", "register", "2026-09-14 10:00"),
            row("C2", "accept", "2026-09-07 09:00", business_type=T),
            row("C2", "register", "2026-09-15 10:00"),
        ],
        {("TL001", "C2")},
    ),
    # National Day 10-01..07 off, Sat 10-10 a make-up working day.
    "holidays and make-up day": (
        [
            row("C1", "accept", "2026-09-30 09:00", business_type=T),
            row("C1", "register", "2026-10-14 10:00"),
            row("C2", "accept", "2026-09-30 09:00", business_type=T),
            row("C2", "register", "2026-10-13 10:00"),
        ],
        {("TL001", "C1")},
    ),
    # two suspends share one resume; their overlap counts once: W = 11, suspended (09-08, 09-14] = 4.
    "shared resume, overlap once": (
        [
            row("C1", "accept", "2026-09-07 09:00", business_type=T),
            row("C1", "suspend", "2026-09-08 10:00"),
            row("C1", "suspend", "2026-09-09 10:00"),
            row("C1", "resume", "2026-09-14 10:00"),
            row("C1", "register", "2026-09-21 10:00"),
            row("C2", "accept", "2026-09-07 09:00", business_type=T),
            row("C2", "suspend", "2026-09-08 10:00"),
            row("C2", "resume", "2026-09-10 10:00"),
            row("C2", "register", "2026-09-16 10:00"),
            row("C3", "accept", "2026-09-07 09:00", business_type=T),
            row("C3", "resume", "2026-09-08 09:00"),  # no open suspend: ignored
            row("C3", "register", "2026-09-15 10:00"),
        ],
        {("TL001", "C1"), ("TL001", "C3")},
    ),
    # a resume at the suspend's own second pairs only if it comes later in the input.
    "suspend and resume in the same second": (
        [
            row("C1", "accept", "2026-09-07 09:00", business_type=T),
            row("C1", "resume", "2026-09-08 10:00"),
            row("C1", "suspend", "2026-09-08 10:00"),  # unpaired: runs to the end day
            row("C1", "register", "2026-09-15 10:00"),
            row("C2", "accept", "2026-09-07 09:00", business_type=T),
            row("C2", "suspend", "2026-09-08 10:00"),
            row("C2", "resume", "2026-09-08 10:00"),  # pairs: nothing suspended
            row("C2", "register", "2026-09-15 10:00"),
        ],
        {("TL001", "C2")},
    ),
    # as-of = the latest event (Tue 09-15 16:00); withdrawn cases are exempt; attributes are
    # the first non-empty value in (event_time, input order).
    "open, withdrawn, as-of, first attribute": (
        [
            row("C1", "accept", "2026-09-07 09:00", business_type=T),
            row("C2", "accept", "2026-09-07 09:00", business_type=T),
            row("C2", "withdraw", "2026-09-08 09:00"),
            row("C3", "accept", "2026-09-07 09:00", business_type="first"),
            row("C4", "accept", "2026-09-07 09:00", business_type=T),
            row("C4", "suspend", "2026-09-08 09:00"),
            row("C5", "accept", "2026-09-07 09:00", business_type=" "),
            row("C5", "review", "2026-09-08 09:00", business_type="转移登记"),
            row("C6", "accept", "2026-09-07 09:00", business_type="first"),
            row("C6", "review", "2026-09-07 09:00", business_type=T),
            row("C9", "accept", "2026-09-15 09:00", business_type=T),
            row("C9", "register", "2026-09-15 16:00"),
        ],
        {("TL002", "C1"), ("TL002", "C5")},
    ),
    "hall queue": (
        [
            # default queue of 340102 (blank and 'NULL' are both the default)
            row("A", "ticket", "2026-09-07 09:00:00", queue_id="NULL"),
            row("A", "call", "2026-09-07 09:20:00"),
            row("B", "ticket", "2026-09-07 09:00:01"),
            row("B", "call", "2026-09-07 09:10:00", operator_id="W1"),
            row("C", "ticket", "2026-09-07 09:00:01"),
            row("C", "call", "2026-09-07 09:05:00"),
            row("D", "ticket", "2026-09-07 10:00:00"),
            row("D", "call", "2026-09-07 10:30:00"),
            row("E", "ticket", "2026-09-07 10:00:00"),  # same second as D: tolerance 0, strict
            row("E", "call", "2026-09-07 10:10:00"),
            # another office: never in 340102's queue
            {**row("P", "ticket", "2026-09-07 09:59:59"), "office_code": "340103"},
            {**row("P", "call", "2026-09-07 10:50:00"), "office_code": "340103"},
            # justified priority is exempt, priority without a reason is not
            row("F", "ticket", "2026-09-07 11:00:00"),
            row("F", "call", "2026-09-07 11:30:00"),
            row("G", "ticket", "2026-09-07 11:01:00", priority="true", priority_reason="老年人"),
            row("G", "call", "2026-09-07 11:10:00"),
            row("H", "ticket", "2026-09-07 11:02:00", priority="是", priority_reason=""),
            row("H", "call", "2026-09-07 11:15:00"),
            # named queues: the queue_id of the case's first ticket row (input order on ties)
            row("I", "ticket", "2026-09-07 12:00:00", queue_id="A"),
            row("I", "call", "2026-09-07 12:30:00"),
            row("J", "ticket", "2026-09-07 12:01:00", queue_id="B"),
            row("J", "call", "2026-09-07 12:10:00"),
            row("L", "ticket", "2026-09-07 12:59:00", queue_id="B"),
            row("L", "call", "2026-09-07 13:30:00"),
            row("K", "ticket", "2026-09-07 13:00:00", queue_id="A"),
            row("K", "ticket", "2026-09-07 13:00:00", queue_id="B"),
            row("K", "call", "2026-09-07 13:10:00"),
            row("M", "ticket", "2026-09-07 14:00:00"),  # never called: not in the queue
        ],
        {("QJ001", "B"), ("QJ001", "C"), ("QJ001", "H")},
    ),
    # the seal stack on the same unit_id, registrations strictly before the mortgage's t_register
    "seal stack": (
        [
            row("S1", "register", "2026-09-07 10:00", business_type="seal", unit_id=unit(1)),
            row("S2", "register", "2026-09-08 10:00", business_type="seal", unit_id=unit(1)),
            row("X1", "register", "2026-09-09 10:00", business_type="unseal", unit_id=unit(1)),
            row("M1", "register", "2026-09-10 10:00", business_type="mortgage", unit_id=unit(1)),
            row("S3", "register", "2026-09-07 10:00", business_type="seal", unit_id=unit(2)),
            row("X3", "register", "2026-09-10 10:00:00", business_type="unseal", unit_id=unit(2)),
            row("M2", "register", "2026-09-10 10:00:00", business_type="mortgage", unit_id=unit(2)),
            row("S4", "register", "2026-09-10 10:00:00", business_type="seal", unit_id=unit(3)),
            row("M3", "register", "2026-09-10 10:00:00", business_type="mortgage", unit_id=unit(3)),
            row("S5", "register", "2026-09-07 10:00", business_type="seal", unit_id=unit(4)),
            row("X5", "register", "2026-09-08 10:00", business_type="unseal", unit_id=unit(4)),
            row("M4", "register", "2026-09-09 10:00", business_type="mortgage", unit_id=unit(4)),
            row("S6", "register", "2026-09-07 10:00", business_type="seal", unit_id=unit(5)),
            row("M5", "register", "2026-09-09 10:00", business_type="mortgage", unit_id=unit(6)),
            row("S7", "review", "2026-09-07 10:00", business_type="seal", unit_id=unit(7)),  # not registered
            row("M7", "register", "2026-09-09 10:00", business_type="mortgage", unit_id=unit(7)),
            row("M8", "register", "2026-09-08 10:00", business_type="mortgage", unit_id=unit(8)),
            row("S8", "register", "2026-09-10 10:00", business_type="seal", unit_id=unit(8)),
            row("M8", "register", "2026-09-12 10:00"),  # t_register is the first register
        ],
        {("MG001", "M1"), ("MG001", "M2")},
    ),
    "same person accepted and registered": (
        [
            row("C1", "accept", "2026-09-07 09:00", operator_id="W1"),
            row("C1", "register", "2026-09-08 09:00", operator_id="W1"),
            row("C2", "accept", "2026-09-07 09:00", operator_id="W1"),
            row("C2", "accept", "2026-09-08 09:00", operator_id="W2"),
            row("C2", "register", "2026-09-09 09:00", operator_id="W2"),
            row("C3", "accept", "2026-09-07 09:00", operator_id=""),
            row("C3", "register", "2026-09-08 09:00", operator_id=""),
            row("C4", "受理", "2026-09-07 09:00", operator_id="W1"),
            row("C4", "登簿", "2026-09-08 09:00", operator_id="W2"),
            row("C5", "受理", "2026-09-07 09:00", operator_id=" W3"),
            row("C5", "登簿", "2026-09-08 09:00", operator_id="W3\u3000"),
        ],
        {("SD001", "C1"), ("SD001", "C2"), ("SD001", "C5")},
    ),
}


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_hand_written_logs(name: str, tmp_path: Path) -> None:
    rows, expected = SCENARIOS[name]
    path = write_parquet(rows, tmp_path / "log.parquet")
    assert baseline.findings(path) == expected
    assert regcheck_findings(path, tmp_path) == expected


# -- generated logs -------------------------------------------------------------------------------


@pytest.mark.parametrize(("generator", "seed"), [("regcheck", 3), ("regcheck", 20260910), ("gen2", 16), ("gen2", 5)])
def test_generated_log(generator: str, seed: int, tmp_path: Path) -> None:
    """Both generators: regcheck's own, and benchmarks/gen2.py (12 skewed offices, ~12 events per case)."""
    path = tmp_path / "log.parquet"
    if generator == "gen2":
        from benchmarks import gen2

        gen2.generate(20_000, path, seed)
    else:
        from regcheck.generate import generate

        generate(3000, seed).events.to_parquet(path, index=False)
    duck = baseline.findings(path)
    ours = regcheck_findings(path, tmp_path)
    assert {rule for rule, _ in duck} == set(RULES.split(","))  # every rule has findings to compare
    assert sorted(duck - ours) == [] and sorted(ours - duck) == []
    assert baseline.findings(path, as_written=True) == duck  # generated values are clean: same findings


def test_timings_cover_every_step(tmp_path: Path) -> None:
    rows, expected = SCENARIOS["time limit boundary"]
    path = write_parquet(rows, tmp_path / "log.parquet")
    steps: dict[str, float] = {}
    frame = baseline.run(path, timings=steps, threads=1)
    assert list(frame.columns) == ["rule_id", "case_id"]
    assert set(zip(frame["rule_id"], frame["case_id"], strict=True)) == expected
    # timed: the loading steps, the TL rules together, then each other rule
    assert list(steps) == ["load", "cases", "calendar", "TL", *(r for r in RULES.split(",") if r[:2] != "TL")]
