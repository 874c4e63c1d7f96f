"""A small two-month log for the monthly-workflow tests (config, period, baseline, reports).

2026 calendar facts used: 10-01..10-07 National Day holidays, Sat 10-10 a make-up
working day. As-of = the latest event, Fri 2026-11-06 16:00.

| case | office | story | finding |
|---|---|---|---|
| A1 | 340102 | transfer accepted Mon 10-26, reviewed 11-06, still open: elapsed 9 > 5 | TL002 at as-of (November) |
| A2 | 340102 | transfer accepted Thu 10-08, registered Tue 10-20: elapsed 9 > 5 | TL001 on 10-20 (October) |
| A3 | 340102 | transfer accepted Mon 11-02, registered Wed 11-04: elapsed 2 | on time |
| B1 | 340103 | mortgage accepted Mon 11-02, registered Tue 11-03: elapsed 1 | on time |
| B2 | 340103 | review and register in November, no accept (history before the data) | LG003, incomplete |
| C1 | 340104 | transfer accepted Tue 11-03, registered Thu 11-05 | on time: office with zero findings |
"""

from __future__ import annotations

from pathlib import Path

from .conftest import write_canonical_csv

AS_OF = "2026-11-06 16:00:00"
FINDINGS = {"A1": "TL002", "A2": "TL001", "B2": "LG003"}  # the table above: case -> its finding


def ev(case: str, office: str, activity: str, time: str, op: str, btype: str = "transfer", **kw: str) -> dict:
    return {
        "case_id": case,
        "office_code": office,
        "activity": activity,
        "event_time": time,
        "operator_id": op,
        "business_type": btype,
        "use_after": "residential",
        **kw,
    }


def base_rows() -> list[dict]:
    return [
        ev("A2", "340102", "accept", "2026-10-08 09:00:00", "W1"),
        ev("A2", "340102", "register", "2026-10-20 15:00:00", "D1"),
        ev("A1", "340102", "accept", "2026-10-26 09:30:00", "W1"),
        ev("A3", "340102", "accept", "2026-11-02 09:00:00", "W2"),
        ev("B1", "340103", "accept", "2026-11-02 10:00:00", "W3", btype="mortgage"),
        ev("B1", "340103", "register", "2026-11-03 11:00:00", "D3", btype="mortgage"),
        ev("C1", "340104", "accept", "2026-11-03 09:00:00", "W4"),
        ev("B2", "340103", "review", "2026-11-03 14:00:00", "R3"),
        ev("A3", "340102", "register", "2026-11-04 10:00:00", "D1"),
        ev("B2", "340103", "register", "2026-11-05 09:00:00", "D3"),
        ev("C1", "340104", "register", "2026-11-05 11:00:00", "D4"),
        ev("A1", "340102", "review", AS_OF, "R1"),
    ]


def write_log(path: Path, rows: list[dict] | None = None) -> Path:
    return write_canonical_csv(rows if rows is not None else base_rows(), path)


def pairs(found) -> set[tuple[str, str]]:
    """(rule_id, case_id) of a findings frame."""
    return set(zip(found["rule_id"], found["case_id"], strict=True))
