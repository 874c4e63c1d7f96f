"""The real public log tests/data/receipt.csv.gz scanned through profiles/receipt.toml, with its counts pinned.

The counts below were computed once and checked by hand against an independent
pandas computation of the same definitions (Europe/Amsterdam dates, the official
PRC calendar, the profile's activity map): 946 cases whose "Confirmation of
receipt" and "T04 Determine …" were done by the same resource (SD001); of the
1,434 cases 1,303 reach T04, 10 of them after more than 30 working days (TL001);
of the 131 without T04, 122 are past 30 working days at as-of 2012-01-23 (TL002)
and 2 are within a day of it (TL003); in the single processing queue of 1,318
cases with an acceptance and a review, 68 were overtaken by 5 or more later
cases (QJ004) and 17 overtook a case that was overtaken fewer than 5 times (QJ002).
"""

from __future__ import annotations

import csv
import gzip
from pathlib import Path

import pandas as pd
import pytest

from regcheck.engine import select_rules
from regcheck.loaders import load, load_profile
from regcheck.loaders.profile import ProfileOptions
from regcheck.rules import REGISTRY

from .conftest import RECEIPT, REPO, run_cli

PROFILE = REPO / "profiles" / "receipt.toml"
ROWS = 8577
REJECTED = 296
CASES = 1434
# unmapped activities -> rejected rows (the reason is "not a known activity value" for all of them)
REJECTED_ACTIVITIES = {
    "T08 Draft and send request for advice": 18,
    "T09-1 Process or receive external advice from party 1": 7,
    "T09-2 Process or receive external advice from party 2": 1,
    "T09-3 Process or receive external advice from party 3": 8,
    "T09-4 Process or receive external advice from party 4": 5,
    "T11 Create document X request unlicensed": 44,
    "T12 Check document X request unlicensed": 41,
    "T13 Adjust document X request unlicensed": 2,
    "T14 Determine document X request unlicensed": 39,
    "T15 Print document X request unlicensed": 39,
    "T16 Report reasons to hold request": 20,
    "T17 Check report Y to stop indication": 26,
    "T18 Adjust report Y to stop indicition": 6,
    "T19 Determine report Y to stop indication": 20,
    "T20 Print report Y to stop indication": 20,
}
# findings per rule with default settings (no roster/approvals: SD002–SD004 and AP005 are skipped)
# fmt: off
PINNED = {
    "SD001": 946, "TL001": 10, "TL002": 122, "TL003": 2, "QJ002": 17, "QJ004": 68,
    "AP001": 0, "AP002": 0, "AP003": 0, "AP004": 0, "AP005": 0, "FE001": 0, "FE002": 0, "IQ001": 0, "IQ002": 0,
    "IQ003": 0, "LG001": 0, "LG002": 0, "LG003": 0, "LG004": 0, "MG001": 0, "MG002": 0, "MG003": 0, "MG004": 0,
    "MG005": 0, "MG006": 0, "QJ001": 0, "QJ003": 0, "SD002": 0, "SD003": 0, "SD004": 0,
    "SD005": 0, "LG005": 0,  # not checkable: the log has no review steps and no access-message heads
}
# fmt: on


@pytest.fixture(scope="module")
def receipt(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The log as users have it: a plain receipt.csv (kept gzip-compressed in the repository)."""
    path = tmp_path_factory.mktemp("public") / "receipt.csv"
    path.write_bytes(gzip.decompress(RECEIPT.read_bytes()))
    return path


@pytest.fixture(scope="module")
def scanned(receipt: Path, tmp_path_factory: pytest.TempPathFactory) -> dict:
    folder = tmp_path_factory.mktemp("receipt")
    findings, rejects = folder / "findings.csv", folder / "rejects.csv"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", "240")
        code, out, err = run_cli(
            "scan", str(receipt), "--profile", str(PROFILE), "-o", str(findings), "--rejects", str(rejects)
        )
    assert code == 0, err
    read = {"dtype": str, "keep_default_na": False, "encoding": "utf-8-sig"}
    return {
        "out": " ".join(out.split()),
        "findings": pd.read_csv(findings, **read),
        "rejects": pd.read_csv(rejects, **read),
    }


def test_summary_counts(scanned: dict) -> None:
    assert f"读取 rows read 8,577 · 拒收 rejected {REJECTED} · 案件 cases 1,434 · 机构 offices 1" in scanned["out"]


def test_rejected_rows_and_their_reasons(scanned: dict, receipt: Path) -> None:
    rej = scanned["rejects"]
    assert len(rej) == REJECTED and rej["row"].is_unique
    assert set(rej["column"]) == {"activity"} and set(rej["reason"]) == {"not a known activity value"}
    assert rej["value"].value_counts().to_dict() == REJECTED_ACTIVITIES
    # the row numbers are those of the file (header = row 1)
    with receipt.open(encoding="utf-8", newline="") as fh:
        raw = list(csv.DictReader(fh))
    assert len(raw) == ROWS
    for _, r in rej.sample(25, random_state=1).iterrows():
        assert raw[int(r["row"]) - 2]["concept:name"] == r["value"]


@pytest.fixture(scope="module")
def loaded(receipt: Path):
    return load([str(receipt)], load_profile(PROFILE))


def test_every_row_is_accepted_or_rejected(loaded) -> None:
    assert loaded.rows_read == ROWS
    assert len(loaded.events) + loaded.rows_rejected == ROWS
    lines = sorted([*loaded.events["_line"].tolist(), *loaded.rejects["row"].tolist()])
    assert lines == list(range(2, ROWS + 2))
    ev = loaded.events
    assert ev["case_id"].nunique() == CASES
    assert ev["activity"].value_counts().to_dict() == {"review": 4240, "accept": 1434, "register": 1307, "issue": 1300}
    assert set(ev["office_code"]) == {"999001"} and set(ev["business_type"]) == {"first"}
    assert ev["operator_id"].nunique() == 48 and ev["operator_id"].notna().all()


def local_times(events: pd.DataFrame) -> dict[int, str]:
    picked = events.set_index("_line").loc[[2, 62, 8578], "event_time"]
    return {line: t.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] for line, t in picked.items()}


def test_offsets_and_fractions_become_local_time(loaded, receipt: Path) -> None:
    # row 2:    2011-10-11 13:45:40.276000+02:00  (summer time)
    # row 62:   2011-11-09 20:39:03.392000+01:00  (winter time)
    # row 8578: 2011-10-18 09:06:20.547000+02:00  (the last row of the file)
    last = receipt.read_text(encoding="utf-8").splitlines()[-1]
    assert last.endswith(",2011-10-18 09:06:20.547000+02:00")
    # the profile keeps the municipality's own zone: the written wall time, fraction included
    assert local_times(loaded.events) == {
        2: "2011-10-11 13:45:40.276",
        62: "2011-11-09 20:39:03.392",
        8578: "2011-10-18 09:06:20.547",
    }
    # the same file in the default zone: converted to Asia/Shanghai (+6 h in summer, +7 h in winter)
    shanghai = load_profile(PROFILE).model_copy(update={"options": ProfileOptions(timezone="Asia/Shanghai")})
    events = load([str(receipt)], shanghai).events
    assert local_times(events) == {
        2: "2011-10-11 19:45:40.276",
        62: "2011-11-10 03:39:03.392",  # the next day
        8578: "2011-10-18 15:06:20.547",
    }


@pytest.mark.parametrize("rule_id", [r.id for r in select_rules()])  # the rules a scan runs (not trend warnings)
def test_findings_per_rule(scanned: dict, rule_id: str) -> None:
    got = int((scanned["findings"]["rule_id"] == rule_id).sum())
    if rule_id not in PINNED:
        pytest.skip(f"{rule_id} is not pinned yet: it finds {got} on receipt.csv; check by hand, then pin")
    assert got == PINNED[rule_id]


def test_findings_are_about_this_office_and_its_cases(scanned: dict, loaded) -> None:
    f = scanned["findings"]
    assert len(f) == sum(PINNED.get(r, 0) for r in set(f["rule_id"]))
    assert set(f["office_code"]) == {"999001"}
    assert set(f["case_id"]) <= set(loaded.events["case_id"])
    assert f["finding_id"].is_unique


def test_rules_the_log_cannot_feed_are_named_not_checkable(scanned: dict) -> None:
    unfed = [r for r in REGISTRY.values() if r.facts & {"step", "message_heads"}]  # no review steps, no heads
    assert unfed
    for r in unfed:
        assert f"{r.id} {r.title}: 不适用：数据源无" in scanned["out"]
