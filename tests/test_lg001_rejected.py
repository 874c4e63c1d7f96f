"""Issue 13 item 9: a rejected row's event_seq is present in the input, so LG001 never reports it as deleted.

The family: logs of one to three offices whose numbered rows are kept, deleted (a real gap) or damaged in
one of the ways that reject a row — a time not understood or out of range, an unknown activity, an empty
case_id, a negative or NaN fee, an empty office_code (the number then counts for every office, never
widening one's range). Whole-file, partitioned and Dask scans give the same findings.
"""

from __future__ import annotations

import itertools
import json
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from regcheck.findings import finding_id

from .conftest import run_cli

OFFICES = ["340102", "340103", "340104"]
COLUMNS = ["event_seq", "case_id", "office_code", "activity", "event_time", "fee_charged"]
DAMAGE = {
    "time not understood": {"event_time": "2026-13-45 10:00:00"},
    "time out of range": {"event_time": "2610-03-15 10:00:00"},
    "unknown activity": {"activity": "bogus"},
    "empty case_id": {"case_id": ""},
    "negative fee": {"fee_charged": "-80"},
    "NaN fee": {"fee_charged": "NaN"},
    "empty office_code": {"office_code": ""},
}
FATES = ["keep", "keep", "keep", "delete", *DAMAGE]


def _row(office: str, seq: int, fate: str) -> dict[str, str]:
    minute = OFFICES.index(office) * 100 + seq % 100_000
    row = {
        "event_seq": str(seq),
        "case_id": f"C{office}{seq:04d}",
        "office_code": office,
        "activity": "accept",
        "event_time": str(pd.Timestamp("2026-09-01 08:00") + pd.Timedelta(minutes=minute)),
        "fee_charged": "80",
    }
    return {**row, **DAMAGE.get(fate, {})}


def _expected_gaps(fates: dict[str, list[str]], first: dict[str, int]) -> dict[str, int]:
    """The oracle: key -> event_seq of the row after the gap, from the numbers present in the file."""
    unplaced = {first[o] + i for o, fs in fates.items() for i, f in enumerate(fs) if f == "empty office_code"}
    out: dict[str, int] = {}
    for office, fs in fates.items():
        present = sorted(first[office] + i for i, f in enumerate(fs) if f not in ("delete", "empty office_code"))
        for a, b in itertools.pairwise(present):
            missing = [s for s in range(a + 1, b) if s not in unplaced]
            runs = [s for s in missing if s - 1 not in missing]
            for start in runs:
                end = start
                while end + 1 in missing:
                    end += 1
                after = min([s for s in unplaced if s > end and s < b] + [b])
                out[f"{office}:{start}"] = after
    return out


def write_log(path: Path, fates: dict[str, list[str]], first: dict[str, int]) -> Path:
    rows = [_row(o, first[o] + i, f) for o, fs in fates.items() for i, f in enumerate(fs) if f != "delete"]
    pd.DataFrame(rows, columns=COLUMNS).to_csv(path, index=False)
    return path


def scan(path: Path, out: Path, *extra: str) -> tuple[pd.DataFrame, dict, bytes]:
    code, stdout, err = run_cli(
        "scan", str(path), "-o", str(out / "f.csv"), "--rejects", str(out / "rej.csv"), "--summary-format", "json",
        *extra,
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads(stdout)
    findings = pd.read_csv(out / "f.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    # every rule runs (a --select reads, and so rejects on, only the columns its rules need)
    return findings.loc[findings["rule_id"] == "LG001"], summary, (out / "f.csv").read_bytes()


fates_strategy = st.dictionaries(
    st.sampled_from(OFFICES), st.lists(st.sampled_from(FATES), min_size=2, max_size=25), min_size=1, max_size=3
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fates=fates_strategy, numbering=st.sampled_from(["from 1", "thousands", "far apart"]))
def test_a_rejected_row_never_makes_a_gap(fates: dict[str, list[str]], numbering: str) -> None:
    # offices number from 1 each (their sequences overlap), from separate thousands, or 2**61 apart
    # (the (office, seq) pairs no longer fit one int64 key)
    step = {"from 1": 0, "thousands": 1000, "far apart": 2**61}[numbering]
    first = {o: 1 + step * OFFICES.index(o) for o in fates}
    assume(any(f == "keep" for fs in fates.values() for f in fs))
    with tempfile.TemporaryDirectory() as tmp:
        path = write_log(Path(tmp, "log.csv"), fates, first)
        findings, summary, _ = scan(path, Path(tmp))
    written = sum(f != "delete" for fs in fates.values() for f in fs)
    damaged = sum(f in DAMAGE for fs in fates.values() for f in fs)
    assert summary["rows_read"] == written and summary["rows_rejected"] == damaged
    want = _expected_gaps(fates, first)
    assert sorted(findings["finding_id"]) == sorted(finding_id("LG001", k) for k in want)
    # the finding's time is that of the row after the gap, when that row was accepted
    by_id = dict(zip(findings["finding_id"], findings["event_time"], strict=True))
    for key, after in want.items():
        office = key.split(":")[0]
        at = after - first[office]
        if 0 <= at < len(fates[office]) and fates[office][at] == "keep":
            assert by_id[finding_id("LG001", key)] == _row(office, after, "keep")["event_time"]


def test_the_issue_example(tmp_path: Path) -> None:
    """1001 accepted, 1002 rejected (bad time), 1003 accepted: no gap; before the fix, 340102:1002 was reported."""
    fates = {"340102": ["keep", "time not understood", "keep", "delete", "keep"]}
    path = write_log(tmp_path / "log.csv", fates, {"340102": 1001})
    findings, summary, _ = scan(path, tmp_path)
    assert findings["finding_id"].tolist() == [finding_id("LG001", "340102:1004")]
    assert summary["rows_read"] == 4 and summary["rows_rejected"] == 1


# --- partitioned and Dask scans -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def split_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Rejected rows in every placement a partitioned scan meets.

    * 340104's number 5 is on a row of a 340102 case rejected for a negative fee: the row travels
      with its case to 340102's folder, away from 340104's other rows;
    * 340103's number 3 is on a row with an empty office_code (its own folder);
    * 340102's number 4 is on a row with a time out of range; 340102's 7 is deleted (the one real gap).
    """
    root = tmp_path_factory.mktemp("split")
    rows = [_row("340102", s, "keep") for s in (1, 2, 3, 5, 6, 8)]
    rows.append(_row("340102", 4, "time out of range"))
    rows += [_row("340103", s, "keep") for s in (1, 2, 4)]
    rows.append(_row("340103", 3, "empty office_code"))
    rows += [_row("340104", s, "keep") for s in (1, 2, 3, 4, 6)]
    moved = dict(_row("340104", 5, "negative fee"), case_id="C3401020001", activity="review")
    rows.append(moved)
    pd.DataFrame(rows, columns=COLUMNS).to_csv(root / "log.csv", index=False)
    return root / "log.csv"


def test_the_whole_scan_of_the_split_log(split_log: Path, tmp_path: Path) -> None:
    findings, summary, _ = scan(split_log, tmp_path)
    assert findings["finding_id"].tolist() == [finding_id("LG001", "340102:7")]
    assert summary["rows_read"] == 17 and summary["rows_rejected"] == 3


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_partitioned_and_dask_scans_count_rejected_numbers_like_the_whole_scan(
    split_log: Path, tmp_path: Path, engine: str
) -> None:
    if engine == "dask":
        pytest.importorskip("distributed")
        extra = ("--engine", "dask", "--workers", "2")
    else:
        extra = ("--partition-by", "office_code")
    (tmp_path / "whole").mkdir()
    whole = scan(split_log, tmp_path / "whole")
    (tmp_path / "part").mkdir()
    part = scan(split_log, tmp_path / "part", *extra)
    assert part[2] == whole[2]
    assert {k: v for k, v in part[1].items() if k != "output"} == {k: v for k, v in whole[1].items() if k != "output"}
