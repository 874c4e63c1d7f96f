"""regcheck sample: stratified by office × business type, reproducible, high-severity cases always in."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcheck.errors import InputError
from regcheck.sampling import REASON_ZH, parse_rate, quota, stratified_sample
from regcheck.schema import BUSINESS_TYPES

from ._monthly import ev, write_log
from .conftest import run_cli

OFFICES = ("340102", "340103", "340104")
TYPES = ("transfer", "mortgage", None)

case_rows = st.lists(
    st.tuples(st.sampled_from(OFFICES), st.sampled_from(TYPES), st.booleans(), st.sampled_from(["", "", "", "high"])),
    min_size=0,
    max_size=80,
)
rates = st.fractions(min_value=Fraction(1, 100), max_value=1, max_denominator=100)


def tables(rows: list[tuple]) -> tuple[pd.DataFrame, pd.DataFrame]:
    cases = pd.DataFrame(
        {
            "case_id": [f"C{i:03d}" for i in range(len(rows))],
            "office_code": [r[0] for r in rows],
            "business_type": [r[1] for r in rows],
            "population": [r[2] for r in rows],
        }
    )
    flagged = [(f"C{i:03d}", "TL002", "critical") for i, r in enumerate(rows) if r[3]]
    return cases, pd.DataFrame(flagged, columns=["case_id", "rule_id", "severity"])


def stratum(frame: pd.DataFrame) -> pd.Series:
    return frame["office_code"].astype(str) + "|" + frame["business_type"].fillna("").astype(str)


@settings(max_examples=60, deadline=None)
@given(rows=case_rows, rate=rates, seed=st.integers(0, 2**32), k=st.integers(0, 3))
def test_sample_properties(rows: list[tuple], rate: Fraction, seed: int, k: int) -> None:
    cases, flagged = tables(rows)
    result = stratified_sample(cases, flagged, rate, seed, k)
    s = result.sample
    assert not s["case_id"].duplicated().any()

    # every high/critical case is in, for its finding
    want = set(flagged["case_id"])
    assert set(s.loc[s["reason"] == "finding", "case_id"]) == want

    pop = cases.loc[cases["population"].astype(bool)]
    pop_stratum = stratum(pop)
    drawn = s[s["reason"] == "random"]
    assert set(drawn["case_id"]) <= set(pop["case_id"]) - want  # random draws: population, not already in
    drawn_per = stratum(drawn).value_counts()
    for key, n in pop_stratum.value_counts().items():
        available = int((pop_stratum[~pop["case_id"].isin(want)] == key).sum())
        target = int(quota([n], rate, k)[0])
        got = int(drawn_per.get(key, 0))
        # the rate, within rounding (half up), with the per-stratum minimum, capped by what is there
        assert got == min(available, target)
        assert target == min(n, max(k, int(rate * n + Fraction(1, 2))))
        if k >= 1:  # every stratum is represented
            assert key in set(stratum(s))

    # reproducible, whatever the row order
    again = stratified_sample(cases.iloc[::-1], flagged.iloc[::-1], rate, seed, k).sample
    pd.testing.assert_frame_equal(again, s)


def test_strata_table_adds_up() -> None:
    rows = [("340102", "transfer", True, "")] * 30 + [("340102", "mortgage", True, "high")] * 3
    rows += [("340103", None, True, "")] * 9 + [("340103", "transfer", False, "high")]
    cases, flagged = tables(rows)
    r = stratified_sample(cases, flagged, Fraction(1, 10), 7, 1)
    strata = r.strata.set_index(["office_code", "business_type"])
    assert strata.loc[("340102", "transfer"), ["population", "random", "finding"]].tolist() == [30, 3, 0]
    assert strata.loc[("340102", "mortgage"), ["population", "random", "finding"]].tolist() == [3, 0, 3]
    assert strata.loc[("340103", ""), ["population", "random", "finding"]].tolist() == [9, 1, 0]
    # a finding case outside the population still comes in, in a stratum of its own
    assert strata.loc[("340103", "transfer"), ["population", "random", "finding"]].tolist() == [0, 0, 1]
    assert r.totals == {"population": 42, "random": 4, "finding": 4, "sampled": 8}


RATE_CASES = [
    ("5%", Fraction(1, 20)),
    ("5 %", Fraction(1, 20)),
    ("0.05", Fraction(1, 20)),
    ("1/3", Fraction(1, 3)),
    ("100%", Fraction(1)),
]


@pytest.mark.parametrize(("text", "value"), RATE_CASES)
def test_parse_rate(text: str, value: Fraction) -> None:
    assert parse_rate(text) == value


@pytest.mark.parametrize("bad", ["0%", "150%", "-5%", "five", ""])
def test_bad_rate(bad: str) -> None:
    with pytest.raises(InputError):
        parse_rate(bad)


def test_half_rounds_up() -> None:
    # 5% of 10 = 0.5 -> 1; 5% of 30 = 1.5 -> 2; 5% of 29 = 1.45 -> 1
    assert quota([10, 30, 29, 0], Fraction(1, 20), 0).tolist() == [1, 2, 1, 0]


# --- the command --------------------------------------------------------------------------------


def big_log(path: Path, order: int = 1) -> Path:
    rows = []
    for i in range(120):
        office = OFFICES[i % 3]
        btype = ("transfer", "mortgage")[i % 2]
        day = 2 + (i % 4)
        rows.append(ev(f"S{i:04d}", office, "accept", f"2026-11-0{day} 09:{i % 60:02d}:00", "W", btype=btype))
        rows.append(ev(f"S{i:04d}", office, "register", f"2026-11-0{day} 15:{i % 60:02d}:00", "D", btype=btype))
    return write_log(path, rows[::order])


def sample_cli(tmp_path: Path, log: Path, name: str, *args: str) -> pd.DataFrame:
    out = tmp_path / name
    code, _, err = run_cli("sample", str(log), "-o", str(out), "-q", *args)
    assert code == 0, err
    return pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def test_same_seed_same_sample_any_row_order(tmp_path: Path) -> None:
    a = sample_cli(tmp_path, big_log(tmp_path / "a.csv"), "sample-a.csv", "--rate", "10%", "--seed", "42")
    b = sample_cli(tmp_path, big_log(tmp_path / "b.csv", order=-1), "sample-b.csv", "--rate", "10%", "--seed", "42")
    c = sample_cli(tmp_path, big_log(tmp_path / "c.csv"), "sample-c.csv", "--rate", "10%", "--seed", "43")
    pd.testing.assert_frame_equal(a, b)
    assert list(a.columns) == ["case_id", "office_code", "business_type", "reason", "note"]
    assert len(a) == 12 and set(a["reason"]) == {"random"}  # 6 strata of 20, 2 each
    assert set(a["case_id"]) != set(c["case_id"])


def test_high_severity_cases_come_in_on_top(tmp_path: Path) -> None:
    s = sample_cli(
        tmp_path, write_log(tmp_path / "m.csv"), "s.csv", "--rate", "1%", "--seed", "1", "--min-per-stratum", "0"
    )
    by_case = s.set_index("case_id")
    assert by_case.loc["A1", "reason"] == "finding" and "TL002(严重)" in by_case.loc["A1", "note"]
    assert by_case.loc["A2", "reason"] == "finding" and "TL001(高)" in by_case.loc["A2", "note"]
    assert "B2" not in by_case.index  # only an info finding, and never accepted
    assert set(s["reason"]) == {"finding"}  # 1% of one or two cases rounds to none


def test_period_and_json_summary(tmp_path: Path) -> None:
    log = write_log(tmp_path / "m.csv")
    code, out, err = run_cli(
        "sample",
        str(log),
        "-o",
        str(tmp_path / "s.csv"),
        "--seed",
        "3",
        "--period",
        "2026-11",
        "--summary-format",
        "json",
    )
    assert code == 0, err
    summary = json.loads(out)
    # accepted in November: A3, B1, C1 (A1, A2 in October); A1 comes in for its November TL002 only
    assert summary["population"] == 3
    assert summary["finding"] == 1 and summary["random"] == 3 and summary["seed"] == 3


def test_xlsx_sample_has_strata_sheet(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    out = tmp_path / "s.xlsx"
    code, _, err = run_cli("sample", str(write_log(tmp_path / "m.csv")), "-o", str(out), "--seed", "1", "-q")
    assert code == 0, err
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["抽查样本", "分层统计", "字段说明"]
    sample = wb["抽查样本"]
    assert [c.value for c in sample[1]] == ["case_id", "office_code", "business_type", "reason", "note"]  # hidden
    assert sample.row_dimensions[1].hidden
    assert [c.value for c in sample[2]] == ["业务号", "登记机构代码", "业务类型", "抽取原因", "说明"]
    shown = {c.value for row in sample.iter_rows(min_row=3, min_col=3, max_col=4) for c in row}
    assert shown and shown <= {*BUSINESS_TYPES.values(), "（未填）", *REASON_ZH.values()}  # labels, not codes
    strata = wb["分层统计"]
    assert [c.value for c in strata[2]][:3] == ["登记机构代码", "业务类型", "案件数"]
    assert {c.value for c in strata["B"][2:]} <= {*BUSINESS_TYPES.values(), "（未填）"}


def test_sample_needs_a_seed(tmp_path: Path) -> None:
    code, _, err = run_cli("sample", str(write_log(tmp_path / "m.csv")), "-o", str(tmp_path / "s.csv"))
    assert code == 2 and "--seed" in err


def test_library_sample_is_the_command(tmp_path: Path) -> None:
    """api.sample writes the command's sample byte for byte and returns it; what the command says on
    stderr (the period warning) comes back through ``warn``; bad options are InputError, not exits."""
    from regcheck import api

    log = write_log(tmp_path / "m.csv")
    args = ("--seed", "5", "--rate", "50%", "--period", "2026-11")  # the log stops on 11-06: a warning
    code, _out, err = run_cli("sample", str(log), "-o", str(tmp_path / "cli.csv"), "-q", *args)
    assert code == 0 and "regcheck: warning: " in err
    said: list[tuple[str, str]] = []
    drawn = api.sample(
        [str(log)],
        seed=5,
        rate="50%",
        period="2026-11",
        output=str(tmp_path / "lib.csv"),
        warn=lambda kind, text: said.append((kind, text)),
    )
    assert (tmp_path / "lib.csv").read_bytes() == (tmp_path / "cli.csv").read_bytes()
    written = pd.read_csv(tmp_path / "lib.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(written["case_id"]) == list(drawn.sample["case_id"]) and len(written) > 0
    assert [kind for kind, _ in said] == ["warning"] and f"regcheck: warning: {said[0][1]}" in err
    with pytest.raises(InputError, match="--rate"):
        api.sample([str(log)], seed=5, rate="2x", output=str(tmp_path / "bad.csv"))
    assert not (tmp_path / "bad.csv").exists()
