"""Worked cases beside each rule family: tests/cases/<family>.toml, one file per module of regcheck/rules/.

Each case is a small log (a ``|`` table), the rules it selects, and every finding those rules must
report — nothing more, nothing less — scanned on its own by the library scan (``regcheck.api.scan``,
the code behind ``regcheck scan``); a family of trend warnings (grouping "months") runs through
``regcheck.api.trend`` over the case's ``months``. tests/cases/README.md describes the format.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from regcheck import api
from regcheck.findings import finding_id
from regcheck.loaders import load
from regcheck.rules import REGISTRY
from regcheck.schema import CANONICAL

from .conftest import REPO, write_canonical_csv

CASES = REPO / "tests" / "cases"
CASE_KEYS = {"name", "rules", "why", "rows", "expect", "as_of", "period", "config", "roster", "approvals", "calendar"}
CASE_KEYS |= {"months"}  # a trend warnings' case: the range --from … --to
EXPECT_KEYS = {"rule", "key", "message", "time", "operator", "office"}


def families() -> dict[str, set[str]]:
    """Rule ids by family: the module of regcheck/rules/ that registers them."""
    found: dict[str, set[str]] = {}
    for r in REGISTRY.values():
        found.setdefault(r.func.__module__.rsplit(".", 1)[-1], set()).add(r.id)
    return found


def table(text: str) -> list[dict[str, str]]:
    """A ``|`` table (header line, then one line per row) as rows; a blank cell is a blank value."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    header = [h.strip() for h in lines[0].split("|")]
    rows = []
    for line in lines[1:]:
        cells = [c.strip() for c in line.split("|")]
        assert len(cells) == len(header), f"{len(cells)} cells under {len(header)} headers: {line!r}"
        rows.append(dict(zip(header, cells, strict=True)))
    return rows


def load_family(family: str) -> dict[str, Any]:
    return tomllib.loads((CASES / f"{family}.toml").read_text(encoding="utf-8"))


def all_cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        for case in data["case"]:
            params.append(pytest.param(path.stem, data.get("defaults", {}), case, id=f"{path.stem}-{case['name']}"))
    return params


def log_rows(case: dict[str, Any], defaults: dict[str, str]) -> list[dict[str, str]]:
    """The case's rows, with the file's defaults in the columns its table does not have."""
    rows = table(case["rows"])
    unknown = (set(rows[0]) | set(defaults)) - set(CANONICAL)
    assert not unknown, f"not canonical columns: {sorted(unknown)}"
    return [{**defaults, **row} for row in rows]


def side_file(case: dict[str, Any], name: str, folder: Path) -> str | None:
    """A side table of the case (roster, approvals, calendar) as a CSV, or None when the case has none."""
    if name not in case:
        return None
    path = folder / f"{name}.csv"
    pd.DataFrame(table(case[name])).to_csv(path, index=False)
    return str(path)


def scan_case(case: dict[str, Any], defaults: dict[str, str], folder: Path) -> pd.DataFrame:
    """The findings of the case's rules on its rows, as `regcheck scan --select RULES` writes them."""
    log = write_canonical_csv(log_rows(case, defaults), folder / "log.csv")
    config = folder / "regcheck.toml"
    config.write_text(case.get("config", ""), encoding="utf-8")
    outcome = api.scan(
        [str(log)],
        output=str(folder / "findings.csv"),
        select=case["rules"],
        config_path=str(config),
        as_of=case.get("as_of"),
        period=case.get("period"),
        roster_path=side_file(case, "roster", folder),
        approvals_path=side_file(case, "approvals", folder),
        calendar_path=side_file(case, "calendar", folder),
    )
    assert outcome.summary.rows_rejected == 0, "a row of the case was rejected: see its cells"
    return outcome.findings


def is_trend_family(family: str) -> bool:
    """Whether the family's rules are trend warnings (grouping "months"), run by `regcheck trend`."""
    return any(REGISTRY[r].grouping == "months" for r in families().get(family, ()))


def trend_case(case: dict[str, Any], defaults: dict[str, str], folder: Path) -> pd.DataFrame:
    """The warnings of `regcheck trend --from FIRST --to LAST --select RULES` on the case's rows; ``rules`` names
    the warnings and the scan rules whose findings the table counts."""
    log = write_canonical_csv(log_rows(case, defaults), folder / "log.csv")
    config = folder / "regcheck.toml"
    config.write_text(case.get("config", ""), encoding="utf-8")
    outcome = api.trend(
        [str(log)],
        first=case["months"][0],
        last=case["months"][-1],
        output=str(folder / "trend.csv"),
        select=case["rules"],
        config_path=str(config),
        roster_path=side_file(case, "roster", folder),
        approvals_path=side_file(case, "approvals", folder),
        calendar_path=side_file(case, "calendar", folder),
    )
    assert outcome.rows_rejected == 0, "a row of the case was rejected: see its cells"
    return outcome.warnings


def shown(found: pd.DataFrame) -> str:
    cols = ["rule_id", "case_id", "operator_id", "event_time", "message", "evidence"]
    return found[cols].to_string(index=False) if len(found) else "(none)"


@pytest.mark.parametrize(("family", "defaults", "case"), all_cases())
def test_worked_case(family: str, defaults: dict[str, str], case: dict[str, Any], tmp_path: Path) -> None:
    assert set(case) <= CASE_KEYS and {"name", "rules", "why", "rows", "expect"} <= set(case), sorted(case)
    mine = families().get(family, set())
    if is_trend_family(family):  # the warnings, and the scan rules whose findings they read
        assert "months" in case and "period" not in case and "as_of" not in case, sorted(case)
        assert set(case["rules"]) & mine and all(REGISTRY[r].grouping != "months" for r in set(case["rules"]) - mine)
        found = trend_case(case, defaults, tmp_path)
    else:
        assert set(case["rules"]) <= mine and "months" not in case, f"{case['rules']} are not all {family} rules"
        found = scan_case(case, defaults, tmp_path)
    assert set(found["rule_id"]) <= set(case["rules"])
    want = Counter(finding_id(e["rule"], e["key"]) for e in case["expect"])
    assert Counter(found["finding_id"]) == want, (
        f"{case['why']}\nwant: {[(e['rule'], e['key']) for e in case['expect']]}\ngot:\n{shown(found)}"
    )
    by_id = found.set_index("finding_id")
    for e in case["expect"]:
        assert set(e) <= EXPECT_KEYS and e["rule"] in case["rules"], e
        got = by_id.loc[finding_id(e["rule"], e["key"])]
        if "message" in e:
            assert got["message"] == e["message"], (e["rule"], e["key"])
        if "time" in e:
            assert pd.Timestamp(got["event_time"]) == pd.Timestamp(e["time"]), (e["rule"], e["key"])
        if "operator" in e:
            assert got["operator_id"] == e["operator"], (e["rule"], e["key"])
        if "office" in e:
            assert got["office_code"] == e["office"], (e["rule"], e["key"])


def test_every_family_has_its_cases_file() -> None:
    """One file per rule family, named after the module (a new family needs its worked cases)."""
    assert {p.stem for p in CASES.glob("*.toml")} == set(families())


def flat_log_lacks(folder: Path) -> frozenset[str]:
    """The facts a flat log with every canonical column cannot supply, as the loader reports them."""
    row = {"case_id": "A", "office_code": "340102", "activity": "accept", "event_time": "2026-09-08 09:00:00"}
    return load([write_canonical_csv([row], folder / "log.csv")]).source.lacks


@pytest.mark.parametrize("family", sorted(families()))
def test_every_rule_has_passing_and_failing_cases(family: str, tmp_path: Path) -> None:
    """Each rule of the family is selected by at least three cases: at least one where it reports
    a finding and at least one where it reports none. A rule needing a fact no flat log has (the
    heads of access messages) is not checkable on these logs: its cases are its source's tests."""
    cases = load_family(family)["case"]
    lacks = flat_log_lacks(tmp_path)
    for rule_id in sorted(r for r in families()[family] if not REGISTRY[r].facts & lacks):
        mine = [c for c in cases if rule_id in c["rules"]]
        fires = [c for c in mine if any(e["rule"] == rule_id for e in c["expect"])]
        assert len(mine) >= 3, f"{rule_id}: {len(mine)} worked cases, want 3 or more"
        assert fires and len(fires) < len(mine), f"{rule_id}: want cases where it fires and where it does not"


def test_readme_example_is_a_real_case() -> None:
    """The case tests/cases/README.md shows is the one in queue.toml, so the format it describes is the one run."""
    text = (CASES / "README.md").read_text(encoding="utf-8")
    shown_case = tomllib.loads(re.search(r"```toml\n(.*?)```", text, re.DOTALL).group(1))
    data = load_family("queue")
    assert shown_case["defaults"] == data["defaults"]
    assert shown_case["case"][0] in data["case"]
