"""Shared test helpers: where the test data lives, and running the real CLI in-process."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
from click.testing import CliRunner

from regcheck.cli import main
from regcheck.facts import flat_log_lacks
from regcheck.rules import REGISTRY
from regcheck.schema import CANONICAL
from regcheck.writers import ID_COLUMNS

REPO = Path(__file__).resolve().parents[1]


DATA = REPO / "tests" / "data"  # copies kept in the repository: a clone needs nothing beside it
EXAMPLES = DATA / "examples"  # the spec's worked examples, one JSON file per rule family
RECEIPT = DATA / "receipt.csv.gz"  # the public PM4Py "receipt" log (tests/data/README.md)


def rules_of(family: str) -> tuple[str, ...]:
    """A rule family's ids — the rules declared in regcheck/rules/<family>.py — read from the registry."""
    return tuple(sorted(r.id for r in REGISTRY.values() if r.family == family))


def rules_needing(side: str) -> tuple[str, ...]:
    """The ids of the rules that need the side input ``side`` ("roster", "approvals"), from the registry."""
    return tuple(sorted(r.id for r in REGISTRY.values() if side in r.needs))


# The columns of a generated flat log: every canonical column but the optional `step` (the generator writes no
# review steps; SD005 is tested in tests/test_review_steps.py).
GENERATED_COLUMNS = tuple(c for c in CANONICAL if c != "step")


def flat_log_rules() -> list[str]:
    """The rules a scan of a generated flat log can feed: not SD005 (no `step`) nor LG005 (message heads), nor the
    trend warnings (grouping "months": only `regcheck trend` runs them, tests/test_trend.py)."""
    lacks = flat_log_lacks(GENERATED_COLUMNS)
    return sorted(r.id for r in REGISTRY.values() if not r.facts & lacks and r.grouping != "months")


def label_key(finding: Mapping[str, Any]) -> str:
    """A finding's key as the worked examples and the generator's labels name it: its case for a finding on a
    case (IQ001/IQ002 are keyed by case and time, but every query row has its own case), else the declared key."""
    r = REGISTRY[finding["rule_id"]]
    return finding["case_id"] if "case_id" in r.key_fields else r.key_of(finding)


def write_canonical_csv(rows: list[dict], path: Path, encoding: str = "utf-8") -> Path:
    """Rows with canonical names -> a CSV with all 26 canonical columns, blanks as empty cells."""
    frame = pd.DataFrame([{c: r.get(c, "") for c in CANONICAL} for r in rows], columns=list(CANONICAL))
    frame.to_csv(path, index=False, encoding=encoding)
    return path


def run_cli(*args: str) -> tuple[int, str, str]:
    runner = CliRunner()
    result = runner.invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def scan_findings(path: Path, tmp: Path, *extra: str) -> pd.DataFrame:
    out = tmp / "findings.csv"
    code, _stdout, stderr = run_cli("scan", str(path), "-o", str(out), "--quiet", *extra)
    assert code == 0, stderr
    return read_findings_csv(out)


def read_findings_csv(path: Path) -> pd.DataFrame:
    """A findings CSV as an importing program reads it: ids that end in a tab (kept as text for Excel, README
    "输出 / output") without it."""
    found = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    for col in ID_COLUMNS:
        if col in found.columns:
            found[col] = found[col].str.removesuffix("\t")
    return found
