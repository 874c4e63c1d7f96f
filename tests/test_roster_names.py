"""--roster matches an operator_id against the roster's operator_id, then against its name (spec/sources.md §4):
access messages and standard tables name their staff, rosters key them by id."""

from __future__ import annotations

from pathlib import Path

import pytest

from .test_duties import ev, of, scan, staff

ROWS = [
    ev("A", "accept", "2026-09-08 09:00:00", "张三"),
    ev("A", "register", "2026-09-09 15:00:00", "李四"),
]


@pytest.mark.parametrize(
    ("roster", "sd002", "sd003"),
    [
        # named in the log, keyed by id in the roster: found by name; 李四 is no registrar -> SD003
        ([staff("W1", name="张三"), staff("D1", name="李四", registrar="否")], set(), {"A"}),
        ([staff("W1", name="张三"), staff("D1", name="李四", registrar="是")], set(), set()),
        # not on the roster by id or by name -> SD002 for both rows' operators, no SD003
        ([staff("W1", name="王五")], {"A"}, set()),
        # an id that is someone else's name: the id wins (the row keyed 李四 is a registrar)
        (
            [staff("W1", name="张三"), staff("李四", name="赵六", registrar="是"), staff("D9", name="李四")],
            set(),
            set(),
        ),
    ],
)
def test_staff_named_in_the_log_are_found_on_the_roster_by_name(
    tmp_path: Path, roster: list[dict], sd002: set[str], sd003: set[str]
) -> None:
    found = scan(tmp_path, ROWS, roster, "--as-of", "2026-09-30", "--select", "SD002,SD003")
    assert set(of(found, "SD002")["case_id"]) == sd002
    assert set(of(found, "SD003")["case_id"]) == sd003
