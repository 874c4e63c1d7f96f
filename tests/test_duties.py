"""Separation of duties and staff: SD001–SD004 (rules.md "Separation of duties and staff")."""

from __future__ import annotations

import dataclasses
import json
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.engine import run
from regcheck.findings import finding_id
from regcheck.generate import generate
from regcheck.loaders import load
from regcheck.model import EventLog
from regcheck.rules import REGISTRY, duties
from regcheck.rules.duties import RosterParams, RotationParams
from regcheck.schema import CANONICAL
from regcheck.sideinputs import load_roster, parse_roster
from regcheck.writers.logfile import write_log

from .conftest import label_key, rules_needing, rules_of, run_cli, scan_findings, write_canonical_csv
from .oracle import oracle_findings

OFFICE = "340102"
ROSTER_HEADER = ["operator_id", "name", "office_code", "post", "registrar", "trained", "training_hours",
                 "active_from", "active_to", "post_since"]  # fmt: skip


def ev(case: str, activity: str, time: str, op: str = "", **kw: str) -> dict:
    return {"case_id": case, "office_code": OFFICE, "activity": activity, "event_time": time, "operator_id": op, **kw}


def staff(op: str, **kw: str) -> dict:
    base = {"operator_id": op, "office_code": OFFICE, "registrar": "否", "trained": "是"}
    return {**base, **kw}


def write_roster(path: Path, entries: list[dict]) -> Path:
    pd.DataFrame([{c: e.get(c, "") for c in ROSTER_HEADER} for e in entries], columns=ROSTER_HEADER).to_csv(
        path, index=False
    )
    return path


def scan(tmp_path: Path, rows: list[dict], roster: list[dict] | None = None, *extra: str) -> pd.DataFrame:
    log = write_canonical_csv(rows, tmp_path / "log.csv")
    args = list(extra)
    if roster is not None:
        args += ["--roster", str(write_roster(tmp_path / "roster.csv", roster))]
    return scan_findings(log, tmp_path, *args)


def of(found: pd.DataFrame, rule_id: str) -> pd.DataFrame:
    return found[found["rule_id"] == rule_id].reset_index(drop=True)


# --- SD001 ---------------------------------------------------------------------------------

SD001_CASES = [
    # (name, rows, expected {case_id: (operator, event_time)})
    (
        "same_operator",
        [ev("A", "accept", "2026-09-08 09:00:00", "W1"), ev("A", "register", "2026-09-09 15:00:00", "W1")],
        {"A": ("W1", "2026-09-09 15:00:00")},
    ),
    (
        "different_operators",
        [ev("A", "accept", "2026-09-08 09:00:00", "W1"), ev("A", "register", "2026-09-09 15:00:00", "D1")],
        {},
    ),
    (
        "blank_operators",
        [ev("A", "accept", "2026-09-08 09:00:00"), ev("A", "register", "2026-09-09 15:00:00")],
        {},
    ),
    (
        "second_register_row_matches",
        [
            ev("A", "accept", "2026-09-08 09:00:00", "W1"),
            ev("A", "register", "2026-09-09 10:00:00", "D1"),
            ev("A", "register", "2026-09-09 11:00:00", "W1"),
        ],
        {"A": ("W1", "2026-09-09 11:00:00")},
    ),
    (
        "two_operators_did_both_earliest_register_reported",
        [
            ev("A", "accept", "2026-09-08 09:00:00", "W1"),
            ev("A", "accept", "2026-09-08 10:00:00", "W2"),
            ev("A", "register", "2026-09-09 10:00:00", "W2"),
            ev("A", "register", "2026-09-09 11:00:00", "W1"),
        ],
        {"A": ("W2", "2026-09-09 10:00:00")},
    ),
    (
        "accept_after_register_still_counts",
        [ev("A", "register", "2026-09-09 10:00:00", "W1"), ev("A", "accept", "2026-09-09 11:00:00", "W1")],
        {"A": ("W1", "2026-09-09 10:00:00")},
    ),
    (
        "across_cases_no_finding",
        [
            ev("A", "accept", "2026-09-08 09:00:00", "W1"),
            ev("B", "accept", "2026-09-08 09:10:00", "W2"),
            ev("A", "register", "2026-09-09 15:00:00", "D1"),
            ev("B", "register", "2026-09-09 15:10:00", "W1"),
        ],
        {},
    ),
    (
        "review_and_register_is_not_sd001",
        [
            ev("A", "accept", "2026-09-08 09:00:00", "W1"),
            ev("A", "review", "2026-09-08 10:00:00", "D1"),
            ev("A", "register", "2026-09-09 15:00:00", "D1"),
        ],
        {},
    ),
]


@pytest.mark.parametrize(("rows", "expected"), [c[1:] for c in SD001_CASES], ids=[c[0] for c in SD001_CASES])
def test_sd001(tmp_path: Path, rows: list[dict], expected: dict) -> None:
    f = of(scan(tmp_path, rows), "SD001")
    got = {r.case_id: (r.operator_id, r.event_time) for r in f.itertuples()}
    assert got == expected
    for r in f.itertuples():
        assert r.finding_id == finding_id("SD001", r.case_id)
        assert r.operator_id in r.message


# --- SD002 ---------------------------------------------------------------------------------

ROSTER = [
    staff("W1", name="张三", active_from="2026-01-01", active_to="2026-09-08"),
    staff("D1", registrar="是", training_hours="40"),
    staff("N1", trained="否"),
    staff("N2", trained=""),  # trained not recorded = not trained
    staff("B1", registrar=""),  # registrar not recorded
    # moved office on 2026-07-01: untrained in the old period, trained in the new one
    staff("M1", office_code="340103", trained="否", active_from="2025-01-01", active_to="2026-06-30"),
    staff("M1", active_from="2026-07-01"),
    # registrar in the old period only
    staff("M2", registrar="是", active_to="2026-06-30"),
    staff("M2", registrar="否", active_from="2026-07-01"),
    # left, was not a registrar
    staff("R9", active_to="2026-01-01"),
]

SD002_CASES = [
    # (name, rows of case "A", expected (operator, reason) or None)
    ("active_to_day_inclusive", [ev("A", "accept", "2026-09-08 17:00:00", "W1")], None),
    ("day_after_active_to", [ev("A", "accept", "2026-09-09 09:00:00", "W1")], ("W1", "inactive")),
    ("active_from_day_inclusive", [ev("A", "accept", "2026-01-01 08:00:00", "W1")], None),
    ("day_before_active_from", [ev("A", "accept", "2025-12-31 16:00:00", "W1")], ("W1", "inactive")),
    ("unknown_operator", [ev("A", "review", "2026-09-08 10:00:00", "X9")], ("X9", "unknown")),
    ("untrained", [ev("A", "review", "2026-09-08 10:00:00", "N1")], ("N1", "untrained")),
    ("trained_blank", [ev("A", "review", "2026-09-08 10:00:00", "N2")], ("N2", "untrained")),
    ("query_rows_count_too", [ev("A", "query", "2026-09-08 10:00:00", "X9", query_basis="申请1")], ("X9", "unknown")),
    ("blank_operator_not_checked", [ev("A", "accept", "2026-09-08 10:00:00")], None),
    ("second_period_in_effect", [ev("A", "accept", "2026-09-08 10:00:00", "M1")], None),
    ("first_period_untrained", [ev("A", "accept", "2026-06-30 10:00:00", "M1")], ("M1", "untrained")),
    ("padded_operator_known", [ev("A", "accept", "2026-09-08 10:00:00", " D1\u3000")], None),
    (
        "first_offending_row_of_case",
        [
            ev("A", "accept", "2026-09-08 09:00:00", "D1"),
            ev("A", "review", "2026-09-08 11:00:00", "N1"),
            ev("A", "review", "2026-09-08 10:00:00", "X9"),
            ev("A", "register", "2026-09-09 10:00:00", "X9"),
        ],
        ("X9", "unknown"),
    ),
]


@pytest.mark.parametrize(("rows", "expected"), [c[1:] for c in SD002_CASES], ids=[c[0] for c in SD002_CASES])
def test_sd002(tmp_path: Path, rows: list[dict], expected: tuple[str, str] | None) -> None:
    f = of(scan(tmp_path, rows, ROSTER), "SD002")
    if expected is None:
        assert f.empty
        return
    assert len(f) == 1 and f.loc[0, "case_id"] == "A"
    assert f.loc[0, "finding_id"] == finding_id("SD002", "A")
    evidence = json.loads(f.loc[0, "evidence"])
    assert (f.loc[0, "operator_id"], evidence["reason"]) == expected


def test_sd002_one_finding_per_case_with_counts(tmp_path: Path) -> None:
    rows = [
        ev("A", "accept", "2026-09-08 09:00:00", "X9"),
        ev("A", "review", "2026-09-08 10:00:00", "N1"),
        ev("A", "register", "2026-09-08 11:00:00", "X9"),
        ev("B", "accept", "2026-09-08 09:30:00", "D1"),
    ]
    f = of(scan(tmp_path, rows, ROSTER), "SD002")
    assert f["case_id"].tolist() == ["A"]
    evidence = json.loads(f.loc[0, "evidence"])
    assert (evidence["rows"], evidence["operators"]) == (3, 2)
    assert f.loc[0, "event_time"] == "2026-09-08 09:00:00"
    assert "不在人员名册中" in f.loc[0, "message"] and "3条" in f.loc[0, "message"]


def _engine(tmp_path: Path, rows: list[dict], roster: list[dict], rule_id: str, params, as_of: str | None = None):
    log_path = write_canonical_csv(rows, tmp_path / "log.csv")
    loaded = load([log_path])
    log = EventLog(loaded.events, as_of=pd.Timestamp(as_of) if as_of else None)
    side = {"roster": load_roster(write_roster(tmp_path / "roster.csv", roster))}
    return run(log, [REGISTRY[rule_id]], params={rule_id: params}, side=side).findings


@pytest.mark.parametrize(
    ("min_hours", "expected"),
    [(None, set()), (40, {("A", "hours")}), (12.5, set())],
)
def test_sd002_min_training_hours(tmp_path: Path, min_hours: float | None, expected: set) -> None:
    roster = [staff("T1", training_hours="12.5"), staff("T2", training_hours="40")]
    rows = [ev("A", "accept", "2026-09-08 09:00:00", "T1"), ev("B", "accept", "2026-09-08 09:00:00", "T2")]
    f = _engine(tmp_path, rows, roster, "SD002", RosterParams(min_training_hours=min_hours))
    assert {(r.case_id, json.loads(r.evidence)["reason"]) for r in f.itertuples()} == expected


# --- SD003 ---------------------------------------------------------------------------------

SD003_CASES = [
    ("registrar_false", [ev("A", "register", "2026-09-08 10:00:00", "W1")], "W1"),
    ("registrar_true", [ev("A", "register", "2026-09-08 10:00:00", "D1")], None),
    ("registrar_blank_not_false", [ev("A", "register", "2026-09-08 10:00:00", "B1")], None),
    ("unknown_operator_is_sd002s", [ev("A", "register", "2026-09-08 10:00:00", "X9")], None),
    ("non_register_rows_not_checked", [ev("A", "accept", "2026-09-08 10:00:00", "W1")], None),
    ("period_in_effect_not_registrar", [ev("A", "register", "2026-09-08 10:00:00", "M2")], "M2"),
    ("period_in_effect_registrar", [ev("A", "register", "2026-06-01 10:00:00", "M2")], None),
    ("no_period_in_effect_falls_back_to_flag", [ev("A", "register", "2026-09-08 10:00:00", "R9")], "R9"),
    (
        "first_such_register_row",
        [
            ev("A", "register", "2026-09-08 10:00:00", "D1"),
            ev("A", "register", "2026-09-08 11:00:00", "N1"),
            ev("A", "register", "2026-09-08 12:00:00", "W1"),
        ],
        "N1",
    ),
]


@pytest.mark.parametrize(("rows", "expected"), [c[1:] for c in SD003_CASES], ids=[c[0] for c in SD003_CASES])
def test_sd003(tmp_path: Path, rows: list[dict], expected: str | None) -> None:
    f = of(scan(tmp_path, rows, ROSTER), "SD003")
    assert f["operator_id"].tolist() == ([expected] if expected else [])
    if expected:
        assert f.loc[0, "finding_id"] == finding_id("SD003", "A")


# --- SD004 ---------------------------------------------------------------------------------

SD004_CASES = [
    # (name, roster entry, expected key or None); as-of 2026-09-30
    ("exactly_five_years", staff("P1", post_since="2021-09-30"), None),
    ("five_years_and_a_day", staff("P1", post_since="2021-09-29"), "340102:P1"),
    ("recent", staff("P1", post_since="2024-01-01"), None),
    ("left_before_as_of", staff("P1", post_since="2010-01-01", active_to="2026-06-30"), None),
    ("leaves_on_as_of_day", staff("P1", post_since="2010-01-01", active_to="2026-09-30"), "340102:P1"),
    ("starts_after_as_of", staff("P1", post_since="2010-01-01", active_from="2026-10-01"), None),
    ("no_post_since", staff("P1"), None),
    ("no_office", staff("P1", office_code="", post_since="2010-01-01"), ":P1"),
    ("leap_day", staff("P1", post_since="2020-02-29"), "340102:P1"),
]


@pytest.mark.parametrize(("entry", "key"), [c[1:] for c in SD004_CASES], ids=[c[0] for c in SD004_CASES])
def test_sd004(tmp_path: Path, entry: dict, key: str | None) -> None:
    rows = [ev("A", "accept", "2026-09-08 09:00:00", "P1")]
    f = of(scan(tmp_path, rows, [entry], "--as-of", "2026-09-30"), "SD004")
    assert f["finding_id"].tolist() == ([finding_id("SD004", key)] if key else [])
    if key:
        assert f.loc[0, "operator_id"] == "P1" and f.loc[0, "case_id"] == ""
        assert f.loc[0, "office_code"] == key.split(":")[0]
        assert json.loads(f.loc[0, "evidence"])["post_since"] == entry["post_since"]


def test_sd004_as_of_defaults_to_latest_event(tmp_path: Path) -> None:
    roster = [staff("P1", post_since="2021-09-29"), staff("P2", post_since="2021-09-30")]
    rows = [ev("A", "accept", "2026-09-08 09:00:00", "P1"), ev("A", "review", "2026-09-30 23:59:00", "P2")]
    f = of(scan(tmp_path, rows, roster), "SD004")
    assert f["operator_id"].tolist() == ["P1"]


def test_sd004_one_finding_per_office_and_operator(tmp_path: Path) -> None:
    roster = [
        staff("P1", post_since="2015-01-01", active_to="2020-12-31"),
        staff("P1", post_since="2019-01-01", active_from="2021-01-01"),
        staff("P1", office_code="340103", post_since="2019-06-01"),
    ]
    f = of(scan(tmp_path, [ev("A", "accept", "2026-09-08 09:00:00", "P1")], roster), "SD004")
    assert sorted(f["finding_id"]) == sorted(finding_id("SD004", k) for k in ("340102:P1", "340103:P1"))


@pytest.mark.parametrize(("posts", "expected"), [(None, ["D1", "W1"]), (["登簿"], ["D1"]), ([], [])])
def test_sd004_key_posts(tmp_path: Path, posts: list[str] | None, expected: list[str]) -> None:
    roster = [staff("D1", post="登簿", post_since="2015-01-01"), staff("W1", post="受理", post_since="2015-01-01")]
    rows = [ev("A", "accept", "2026-09-08 09:00:00", "W1")]
    f = _engine(tmp_path, rows, roster, "SD004", RotationParams(posts=posts))
    assert sorted(f["operator_id"]) == expected


# --- without --roster: skipped, and said so --------------------------------------------------


def test_without_roster_rules_are_skipped_and_summary_says_why(tmp_path: Path) -> None:
    log = write_canonical_csv([ev("A", "accept", "2026-09-08 09:00:00", "X9")], tmp_path / "log.csv")
    out = tmp_path / "findings.csv"
    code, stdout, _ = run_cli("scan", str(log), "-o", str(out), "--select", "SD")
    assert code == 0
    skipped = [line for line in stdout.splitlines() if line.startswith("跳过 skipped")]
    assert skipped == [f"跳过 skipped {rid}: needs --roster FILE" for rid in rules_needing("roster")]
    found = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert not found["rule_id"].isin(rules_needing("roster")).any()


def test_quiet_run_prints_nothing(tmp_path: Path) -> None:
    log = write_canonical_csv([ev("A", "accept", "2026-09-08 09:00:00", "X9")], tmp_path / "log.csv")
    code, stdout, stderr = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "--quiet")
    assert (code, stdout, stderr) == (0, "", "")


def test_with_roster_nothing_skipped(tmp_path: Path) -> None:
    log = write_canonical_csv([ev("A", "accept", "2026-09-08 09:00:00", "X9")], tmp_path / "log.csv")
    roster = write_roster(tmp_path / "roster.csv", [staff("W1")])
    code, stdout, _ = run_cli(
        "scan", str(log), "-o", str(tmp_path / "f.csv"), "--select", "SD", "--roster", str(roster)
    )
    assert code == 0 and "跳过" not in stdout


# --- against the independent reference implementation (tests/oracle.py) -----------------------

OPERATORS = ["W1", "W2", "D1", "N1", "X9", " W1\u3000", ""]
DAYS = ["2026-09-07", "2026-09-08", "2026-09-09", "2026-09-10"]
flag = st.sampled_from(["是", "否", "", "true", "0"])
day_or_blank = st.sampled_from(["", *DAYS])
roster_entry = st.fixed_dictionaries(
    {
        "registrar": flag,
        "trained": flag,
        "active_from": day_or_blank,
        "active_to": day_or_blank,
        "post_since": st.sampled_from(["", "2021-09-09", "2021-09-10", "2021-09-11", "2015-01-01"]),
    }
).filter(lambda e: not (e["active_from"] and e["active_to"] and e["active_to"] < e["active_from"]))
event_row = st.tuples(
    st.integers(0, 3),
    st.sampled_from(["accept", "review", "register", "query", "accept", "register"]),
    st.sampled_from(DAYS),
    st.integers(0, 23),
    st.sampled_from(OPERATORS),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(event_row, min_size=1, max_size=14),
    roster=st.dictionaries(st.sampled_from(["W1", "W2", "D1", "N1", "P1"]), roster_entry, max_size=5),
)
def test_sd_rules_agree_with_oracle(rows: list[tuple], roster: dict[str, dict]) -> None:
    events = [ev(f"C{c}", act, f"{d} {h:02d}:00:00", op) for c, act, d, h, op in rows]
    staff_rows = [staff(op, **e) for op, e in sorted(roster.items())]
    roster_df = pd.DataFrame([{c: e.get(c, "") for c in ROSTER_HEADER} for e in staff_rows], columns=ROSTER_HEADER)
    with tempfile.TemporaryDirectory() as tmp:
        loaded = load([write_canonical_csv(events, Path(tmp) / "log.csv")])
    log = EventLog(loaded.events)
    ours = run(log, [REGISTRY[r] for r in rules_of("duties")], side={"roster": parse_roster(roster_df)})
    got = {(row["rule_id"], label_key(row)) for row in ours.findings.to_dict("records")}
    frame = pd.DataFrame([{c: e.get(c, "") for c in CANONICAL} for e in events])
    expected = {(r, k) for r, k in oracle_findings(frame, roster_df) if r.startswith("SD")}
    # SD004 here: only staff in post on the as-of day (the oracle looks at every roster row)
    as_of = log.as_of.strftime("%Y-%m-%d")
    in_post = {
        f"{e['office_code']}:{e['operator_id']}"
        for e in staff_rows
        if (not e["active_from"] or e["active_from"] <= as_of) and (not e["active_to"] or as_of <= e["active_to"])
    }
    expected = {(r, k) for r, k in expected if r != "SD004" or k in in_post}
    assert got == expected


# --- roster status: lookup table vs binary search -----------------------------------------
# The roster status of an event row is looked up in a table of all (operator, day) slots when
# that table is small (always, for logs of test size), else by a binary search over the segment
# starts. Both must agree.


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    gen = generate(600, 5)
    tmp = tmp_path_factory.mktemp("roster_status")
    write_log(gen.events, tmp / "log.parquet")
    gen.roster.to_csv(tmp / "roster.csv", index=False)
    return tmp / "log.parquet", tmp / "roster.csv", gen.labels


def test_roster_status_binary_search_matches_table_per_row(generated: tuple[Path, Path, pd.DataFrame]) -> None:
    log_path, roster_path, _ = generated
    log = EventLog(load([log_path]).events)
    tabled = duties._roster_status(log, load_roster(roster_path))
    assert tabled.table is not None, "the log is small: the lookup table is expected"
    searched = dataclasses.replace(tabled, table=None)
    segment = tabled.segment()
    np.testing.assert_array_equal(searched.segment(), segment)
    assert len(np.unique(segment)) > len(tabled.by_operator), "several segments per operator: the search is exercised"
    at = np.arange(0, len(segment), 7)
    np.testing.assert_array_equal(searched.segment(at), segment[at])
    for flag in ("known", "active", "trained_active", "non_registrar"):
        values = tabled.segments[flag].to_numpy(dtype=bool)
        np.testing.assert_array_equal(searched.per_row(values), tabled.per_row(values), err_msg=flag)


def test_sd002_sd003_binary_search_matches_table(
    generated: tuple[Path, Path, pd.DataFrame], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log_path, roster_path, labels = generated
    selected = "SD002,SD003"  # the two rules reading the roster per event row
    real = duties._RosterStatus
    runs: dict[str, pd.DataFrame] = {}
    for name, force_search in (("table", False), ("search", True)):
        made: list[duties._RosterStatus] = []

        def status(*, force: bool = force_search, made: list = made, **fields: object) -> duties._RosterStatus:
            made.append(real(**{**fields, **({"table": None} if force else {})}))
            return made[-1]

        monkeypatch.setattr(duties, "_RosterStatus", status)
        (tmp_path / name).mkdir()
        runs[name] = scan_findings(log_path, tmp_path / name, "--select", selected, "--roster", str(roster_path))
        assert len(made) == 1 and (made[0].table is None) == force_search, f"not the {name} path"
    for rule_id in selected.split(","):
        expected = set(labels.loc[labels["rule_id"] == rule_id, "key"])
        assert expected and set(of(runs["table"], rule_id)["case_id"]) == expected, rule_id
    pd.testing.assert_frame_equal(runs["search"], runs["table"])
