"""`generate --months N` (issue 17): the drift scenario, recovered exactly by `regcheck trend` and `scan`.

The log, the labels and the trend go through files and the real CLI, as a user's would. The warnings'
(rule_id, key) must equal the WR labels; the month-by-month findings the ordinary labels; and the operators'
rates, computed here from `scan --period` month by month, show the drift the WR001 labels name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.rules import REGISTRY
from regcheck.writers.logfile import write_log

from .conftest import label_key, read_findings_csv, run_cli

MONTHS = ("2026-05", "2026-06", "2026-07", "2026-08", "2026-09", "2026-10")


def _generate(tmp: Path, *args: str) -> tuple[Path, pd.DataFrame]:
    log = tmp / "drift.parquet"
    code, _, err = run_cli("generate", *args, "-o", str(log))
    assert code == 0, err
    labels = pd.read_csv(tmp / "drift.labels.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return log, labels


def _trend(log: Path, out: Path, first: str, last: str = "2026-10") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The trend table and the warnings of `regcheck trend LOG --from first --to last`."""
    code, _, err = run_cli(
        "trend", str(log), "--from", first, "--to", last, "-o", str(out / "trend.csv"),
        "--warnings", str(out / "warnings.csv"), "-q",
    )  # fmt: skip
    assert code == 0, err
    table = pd.read_csv(out / "trend.csv", dtype={"office_code": str, "operator_id": str}, keep_default_na=False)
    return table, read_findings_csv(out / "warnings.csv")


def _keys(found: pd.DataFrame) -> set[tuple[str, str]]:
    return {(r["rule_id"], label_key(r)) for r in found.to_dict("records")}


def _labelled(labels: pd.DataFrame, warnings: bool) -> set[tuple[str, str]]:
    pick = labels["rule_id"].str.startswith("WR") == warnings
    return set(zip(labels.loc[pick, "rule_id"], labels.loc[pick, "key"], strict=True))


@pytest.fixture(scope="module")
def drift(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    tmp = tmp_path_factory.mktemp("drift")
    log, labels = _generate(tmp, "--months", "6", "--cases", "3000", "--seed", "5")
    table, warnings = _trend(log, tmp, MONTHS[0])
    return log, labels, table, warnings


def test_trend_recovers_the_warning_labels_exactly(drift: tuple) -> None:
    _, labels, _, warnings = drift
    expected = _labelled(labels, warnings=True)
    warning_rules = {r.id for r in REGISTRY.values() if r.grouping == "months"}
    assert {rule for rule, _ in expected} == warning_rules, "the scenario labels every trend warning"
    assert _keys(warnings) == expected


def test_the_months_findings_are_the_rule_labels(drift: tuple, tmp_path: Path) -> None:
    """A whole-log scan finds exactly the rule labels, and the trend table counts each office's labelled
    findings in the month they fall (every case of the scenario runs inside one month: its id says which)."""
    log, labels, table, _ = drift
    code, _, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "-q")
    assert code == 0, err
    assert _keys(read_findings_csv(tmp_path / "f.csv")) == _labelled(labels, warnings=False)
    ruled = labels[~labels["rule_id"].str.startswith("WR")]
    expected = ruled.groupby([ruled["key"].str[:6], ruled["key"].str[6:10] + "-" + ruled["key"].str[10:12]]).size()
    office = table[table["level"] == "office"].set_index(["office_code", "month"])["findings"]
    assert office[office > 0].sort_index().to_dict() == expected.sort_index().to_dict()


def test_drifting_operators_from_the_monthly_scans(drift: tuple, tmp_path: Path) -> None:
    """Each of the last three months scanned as `scan --period` does: the operators whose findings per 100
    cases handled reach 3 × their office's median in at least two of them are the WR001 labels; the others
    of the drifters' offices stay level (their rate is the same every month)."""
    log, labels, _, _ = drift
    events = pd.read_parquet(log, columns=["case_id", "office_code", "operator_id", "event_time"])
    month = pd.to_datetime(events["event_time"]).dt.strftime("%Y-%m")
    flagged: dict[str, int] = {}
    rates: dict[str, set[float]] = {}
    for m in MONTHS[-3:]:
        out = tmp_path / f"{m}.csv"
        code, _, err = run_cli("scan", str(log), "--period", m, "-o", str(out), "-q")
        assert code == 0, err
        found = read_findings_csv(out)
        rows = events[(month == m).to_numpy() & events["operator_id"].notna().to_numpy()]
        handled = rows.groupby(["office_code", "operator_id"])["case_id"].nunique()
        own = found[found["operator_id"] != ""].groupby(["office_code", "operator_id"]).size()
        rate = 100 * own.reindex(handled.index, fill_value=0) / handled
        median = rate.groupby(level="office_code").transform("median")
        for (office, op), r in rate.items():
            rates.setdefault(op, set()).add(round(r, 6))
            if r >= 3 * median[(office, op)] and handled[(office, op)] >= 20:
                flagged[f"{office}:{op}"] = flagged.get(f"{office}:{op}", 0) + 1
    drifters = {key for key, n in flagged.items() if n >= 2}
    assert drifters == {key for rule, key in _labelled(labels, warnings=True) if rule == "WR001"}
    for key in drifters:
        office, op = key.split(":")
        assert len(rates[op]) == 3, "a drifter's rate rises month over month"
        colleagues = {o for o in rates if o.startswith(office) and "-W" in o and o != op}
        assert colleagues and all(len(rates[o]) == 1 for o in colleagues), "the office's other clerks stay level"


def test_a_short_range_is_labelled_as_it_is(tmp_path: Path) -> None:
    """Three months: no falling on-time rate over three months to compare (no WR003), the drifters still
    (WR001); one month: no WR001 either. The labels say so and the trend agrees."""
    for months, first, absent in ((3, "2026-08", "WR003"), (1, "2026-10", "WR001,WR003")):
        out = tmp_path / str(months)
        out.mkdir()
        log, labels = _generate(out, "--months", str(months), "--cases", "500")
        expected = _labelled(labels, warnings=True)
        assert not {rule for rule, _ in expected} & set(absent.split(","))
        assert _keys(_trend(log, out, first)[1]) == expected


def test_same_seed_same_files_another_seed_another_log(tmp_path: Path) -> None:
    made = []
    for run, seed in enumerate(("4", "4", "5")):
        out = tmp_path / str(run)
        out.mkdir()
        log, _ = _generate(out, "--months", "2", "--cases", "500", "--seed", seed)
        made.append((log.read_bytes(), (out / "drift.labels.csv").read_bytes()))
    assert made[0] == made[1]
    assert made[0][0] != made[2][0]


@pytest.mark.parametrize(
    "args, message",
    [
        (("--format", "access", "-o", "x.zip"), "--months writes a flat event log"),
        (("--offices", "3", "-o", "x.parquet"), "--months needs at least 4 offices"),
        (("--months", "22", "-o", "x.parquet"), "between 1 and 21"),
    ],
)
def test_months_refused_with_one_line(args: tuple[str, ...], message: str, tmp_path: Path) -> None:
    months = () if "--months" in args else ("--months", "6")
    args = tuple(str(tmp_path / a) if a.startswith("x.") else a for a in args)
    code, _, err = run_cli("generate", *months, *args)
    assert code == 2 and message in err and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, bytes]:
    tmp = tmp_path_factory.mktemp("small")
    log, _ = _generate(tmp, "--months", "4", "--cases", "500", "--seed", "2")
    _trend(log, tmp, "2026-07")
    return log, (tmp / "trend.csv").read_bytes(), (tmp / "warnings.csv").read_bytes()


# a permutation of the rows: random (hypothesis draws the seed), reversed, or sorted by a column
PERMUTATIONS = st.one_of(
    st.integers(0, 2**32 - 1),
    st.sampled_from(["reverse", "event_time", "case_id", "operator_id", "activity"]),
)


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(how=PERMUTATIONS)
def test_permuting_the_rows_changes_nothing(small: tuple, how: int | str, tmp_path_factory) -> None:
    """The trend table and the warnings are byte for byte the same whatever the order of the log's rows."""
    log, table, warnings = small
    events = pd.read_parquet(log)
    if isinstance(how, int):
        order = np.random.default_rng(how).permutation(len(events))
    elif how == "reverse":
        order = np.arange(len(events))[::-1]
    else:
        order = np.argsort(events[how].astype(str).to_numpy(), kind="stable")[::-1]
    tmp = tmp_path_factory.mktemp("perm")
    write_log(events.iloc[order].reset_index(drop=True), tmp / "shuffled.parquet")
    _trend(tmp / "shuffled.parquet", tmp, "2026-07")
    assert (tmp / "trend.csv").read_bytes() == table
    assert (tmp / "warnings.csv").read_bytes() == warnings
