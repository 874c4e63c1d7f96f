"""Issue 13, "silent wrong data": times outside 1900-01-01 … 2100-12-31, NaN and negative amounts.

Each class is generated as a family (hypothesis): every spelling and type a time can arrive in, every
decimal column, every unit of a typed Parquet timestamp. docs/reliability.md, "Issue 13 classes".
"""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.loaders import load
from regcheck.loaders.read import NEGATIVE_AMOUNT

from .conftest import run_cli

OUT = "time out of range"
CHECK = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
GOOD = [
    {
        "event_seq": "1",
        "case_id": "C1",
        "office_code": "340102",
        "activity": "accept",
        "event_time": "2026-09-08 09:00:00",
    },
    {
        "event_seq": "2",
        "case_id": "C1",
        "office_code": "340102",
        "activity": "review",
        "event_time": "2026-09-08 10:00:00",
    },
]


# --- spellings of a wall time ------------------------------------------------------------------------


def spell(t: dt.datetime, form: str, offset: str = "") -> str:
    """One wall time in one of the spellings a time column may hold (an offset is appended where it fits)."""
    y, mo, d, h, mi, s = t.year, t.month, t.day, t.hour, t.minute, t.second
    text = {
        "iso space": f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}",
        "iso T": f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}",
        "iso fraction": f"{y:04d}-{mo:02d}-{d:02d}T{h:02d}:{mi:02d}:{s:02d}.250",
        "slashes": f"{y:04d}/{mo}/{d} {h}:{mi:02d}:{s:02d}",
        "chinese": f"{y:04d}年{mo}月{d}日 {h}:{mi:02d}",
        "compact": f"{y:04d}{mo:02d}{d:02d}{h:02d}{mi:02d}{s:02d}",
        "iso basic": f"{y:04d}{mo:02d}{d:02d}T{h:02d}{mi:02d}{s:02d}",
        "date only": f"{y:04d}-{mo:02d}-{d:02d}",
    }[form]
    return text + offset if form not in ("chinese", "date only") else text


FORMS = ["iso space", "iso T", "iso fraction", "slashes", "chinese", "compact", "iso basic", "date only"]
OFFSETS = ["", "", "Z", "+08:00", "-05:00", "+0530", "+14:00"]


def wall_times(years: st.SearchStrategy[int]) -> st.SearchStrategy[dt.datetime]:
    return st.builds(
        dt.datetime,
        years,
        st.integers(1, 12),
        st.integers(1, 28),
        st.integers(0, 23),
        st.integers(0, 59),
        st.integers(0, 59),
    )


FAR_YEARS = st.one_of(st.integers(1, 1898), st.integers(2102, 9999))
FAR_SERIALS = st.one_of(
    st.integers(73416, 2_958_465).map(str),  # 2101-01-01 … 9999-12-31 as Excel serials
    st.integers(73416, 10**30).map(str),  # huge serials
    st.integers(1_000_000_000, 4_200_000_000).map(str),  # epoch-like seconds
    st.integers(10**12, 4 * 10**12).map(str),  # epoch-like milliseconds
    st.floats(73416, 1e12).map(lambda f: f"{f:.4f}"),
)


def far_spellings() -> st.SearchStrategy[str]:
    spelled = st.builds(spell, wall_times(FAR_YEARS), st.sampled_from(FORMS), st.sampled_from(OFFSETS))
    return st.one_of(spelled, FAR_SERIALS)


def csv_with(path: Path, rows: list[dict]) -> Path:
    columns = sorted({k for r in rows for k in r}, key=lambda c: [*GOOD[0], c].index(c) if c in GOOD[0] else 99)
    pd.DataFrame(rows, columns=columns).fillna("").to_csv(path, index=False)
    return path


def loaded_rejects(path: Path) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    res = load([path])
    assert res.rows_read == len(res.events) + res.rows_rejected
    return res.events, res.rejects, res.rows_read


# --- 5. times outside the range --------------------------------------------------------------------


@CHECK
@given(value=far_spellings(), column=st.sampled_from(["event_time", "approval_date"]))
def test_a_time_outside_the_range_is_rejected_as_out_of_range_in_every_spelling(value: str, column: str) -> None:
    bad = dict(GOOD[1], **{column: value, "event_seq": "3"})
    with tempfile.TemporaryDirectory() as tmp:
        events, rejects, read = loaded_rejects(csv_with(Path(tmp, "log.csv"), [*GOOD, bad]))
    assert read == 3 and len(events) == 2
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [[4, column, value, OUT]]
    # nothing wrapped around: every accepted time is the one written
    assert events["event_time"].tolist() == [pd.Timestamp("2026-09-08 09:00"), pd.Timestamp("2026-09-08 10:00")]


@CHECK
@given(t=wall_times(st.integers(1901, 2099)), form=st.sampled_from(FORMS))
def test_a_time_inside_the_range_is_read_as_written_in_every_spelling(t: dt.datetime, form: str) -> None:
    value = spell(t, form)
    with tempfile.TemporaryDirectory() as tmp:
        events, rejects, _ = loaded_rejects(csv_with(Path(tmp, "log.csv"), [dict(GOOD[0], event_time=value)]))
    assert rejects.empty, rejects
    expected = pd.Timestamp(t)
    if form == "chinese":
        expected = expected.replace(second=0)
    elif form == "date only":
        expected = expected.normalize()
    elif form == "iso fraction":
        expected += pd.Timedelta("250ms")
    assert events["event_time"].iloc[0] == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2100-12-31 23:59:59", None),
        ("1900-01-01 00:00:00", None),
        ("2101-01-01 00:00:00", OUT),
        ("1899-12-31 23:59:59", OUT),
        ("2100-12-31T23:00:00-05:00", OUT),  # 2101-01-01 12:00 in Shanghai
        ("1900-01-01T02:00:00+14:00", OUT),  # 1899-12-31 in Shanghai
        ("0000-00-00 00:00:00", "time not understood"),  # a MySQL "zero date" is no time at all
        ("2026-02-30 10:00:00", "time not understood"),
        ("9" * 400, "time not understood"),  # a number too large even for a float
        ("73415.5", None),  # Excel serial of 2100-12-31 12:00
        ("73416", OUT),
    ],
)
def test_the_edges_of_the_range(tmp_path: Path, value: str, reason: str | None) -> None:
    _, rejects, _ = loaded_rejects(csv_with(tmp_path / "log.csv", [dict(GOOD[0], event_time=value)]))
    assert rejects["reason"].tolist() == ([reason] if reason else [])


def _typed_parquet(path: Path, times: pa.Array, column: str = "event_time") -> Path:
    n = len(times)
    cols = {
        "case_id": pa.array([f"C{i}" for i in range(n)]),
        "office_code": pa.array(["340102"] * n),
        "activity": pa.array(["accept"] * n),
        "event_time": pa.array([dt.datetime(2026, 9, 8, 9)] * n, pa.timestamp("s")),
    }
    cols[column] = times
    pq.write_table(pa.table(cols), path)
    return path


UNITS = ["s", "ms", "us", "ns"]
TZS = [None, "UTC", "Asia/Shanghai", "America/New_York"]


@CHECK
@given(
    unit=st.sampled_from(UNITS),
    tz=st.sampled_from(TZS),
    far=st.one_of(st.integers(1, 1898), st.integers(2102, 9999)),
    column=st.sampled_from(["event_time", "approval_date"]),
)
def test_typed_parquet_timestamps_outside_the_range_are_rejected_in_every_unit(
    unit: str, tz: str | None, far: int, column: str
) -> None:
    if unit == "ns":  # nanoseconds reach 1677-09-22 … 2262-04-11 only
        far = 1800 if far < 1900 else 2200
    good = dt.datetime(2026, 9, 8, 10)
    typ = pa.timestamp(unit, tz=tz)
    times = pa.array([good, dt.datetime(far, 6, 1, 12), None], typ)
    with tempfile.TemporaryDirectory() as tmp:
        events, rejects, read = loaded_rejects(_typed_parquet(Path(tmp, "t.parquet"), times, column))
    assert read == 3 and len(events) == (1 if column == "event_time" else 2)  # a null event_time is empty
    reasons = rejects.loc[rejects["reason"] == OUT, ["row", "column"]].values.tolist()
    assert reasons == [[3, column]]


@pytest.mark.parametrize("kind", ["date32", "date64"])
@pytest.mark.parametrize("column", ["event_time", "approval_date"])
def test_typed_parquet_dates_outside_the_range_are_rejected(tmp_path: Path, kind: str, column: str) -> None:
    days = [dt.date(2026, 9, 8), dt.date(2610, 3, 15), dt.date(1, 1, 1), dt.date(9999, 12, 31)]
    times = pa.array(days, getattr(pa, kind)())
    events, rejects, read = loaded_rejects(_typed_parquet(tmp_path / "d.parquet", times, column))
    assert read == 4 and len(events) == 1
    assert rejects["reason"].tolist() == [OUT] * 3


@pytest.mark.parametrize(
    ("values", "typ", "expected"),
    [
        (
            [46273.375, 2958465.0, 1e20, float("nan"), float("inf"), 12345.0],
            pa.float64(),
            [None, OUT, OUT, "x", "x", "x"],
        ),
        ([46273, 73416, 2958465, 1_773_540_000, -5], pa.int64(), [None, OUT, OUT, OUT, "x"]),
    ],
)
def test_numbers_in_a_typed_time_column_are_excel_serials_checked_for_range(
    tmp_path: Path, values: list, typ: pa.DataType, expected: list
) -> None:
    _, rejects, read = loaded_rejects(_typed_parquet(tmp_path / "n.parquet", pa.array(values, typ)))
    got = dict(zip(rejects["row"] - 2, rejects["reason"], strict=True))
    want = {i: (OUT if e == OUT else "time not understood") for i, e in enumerate(expected) if e}
    assert got == want and read == len(values)


def test_the_scan_rejects_far_times_and_the_findings_keep_their_true_times(tmp_path: Path) -> None:
    rows = [*GOOD, dict(GOOD[1], event_seq="3", event_time="2610-03-15 10:00:00")]
    rows.append(dict(GOOD[1], event_seq="4", event_time="9999-12-31T23:59:59Z"))
    rows.append(dict(GOOD[1], event_seq="5", event_time="2610年3月15日 10:00"))
    path = csv_with(tmp_path / "log.csv", rows)
    out, rej = tmp_path / "f.csv", tmp_path / "rej.csv"
    code, _, err = run_cli("scan", str(path), "-o", str(out), "--rejects", str(rej), "--quiet")
    assert code == 0, err
    rejects = pd.read_csv(rej, dtype=str, encoding="utf-8-sig")
    assert rejects["reason"].tolist() == [OUT] * 3
    findings = pd.read_csv(out, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert not findings["event_time"].str.startswith(("1816", "2025")).any()


# --- side inputs, the calendar file and --as-of: one line, exit 2 -------------------------------------


@CHECK
@given(value=far_spellings())
def test_as_of_outside_the_range_is_exit_2_naming_it(value: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = csv_with(Path(tmp, "log.csv"), GOOD)
        code, _, err = run_cli("scan", str(path), "-o", str(Path(tmp, "f.csv")), "--quiet", "--as-of", value)
    assert code == 2, err
    assert err.startswith("regcheck: error: --as-of") and OUT in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("value", ["2610-03-15", "9999-12-31 23:59:59", "0001/1/1", "26100315", "2958465"])
@pytest.mark.parametrize(
    ("option", "header", "row"),
    [
        ("--roster", "operator_id,registrar,trained,active_from", "W1,true,true,{v}"),
        ("--roster", "operator_id,registrar,trained,active_to", "W1,true,true,{v}"),
        ("--roster", "operator_id,registrar,trained,post_since", "W1,true,true,{v}"),
        ("--approvals", "approval_no,approval_date", "A1,{v}"),
        ("--calendar", "date,workday", "{v},true"),
    ],
)
def test_side_files_with_a_time_outside_the_range_are_exit_2_with_one_line(
    tmp_path: Path, value: str, option: str, header: str, row: str
) -> None:
    side = tmp_path / "side.csv"
    side.write_text(f"{header}\n{row.format(v=value)}\n", encoding="utf-8")
    path = csv_with(tmp_path / "log.csv", GOOD)
    code, _, err = run_cli("scan", str(path), "-o", str(tmp_path / "f.csv"), "--quiet", option, str(side))
    assert code == 2, err
    assert err.startswith(f"regcheck: error: {side}: row 2:") and OUT in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "f.csv").exists()


@pytest.mark.parametrize(
    ("option", "columns", "typ"),
    [
        ("--roster", {"operator_id": ["W1"], "registrar": [True], "trained": [True]}, pa.timestamp("s")),
        ("--roster", {"operator_id": ["W1"], "registrar": [True], "trained": [True]}, pa.timestamp("us", tz="UTC")),
        ("--roster", {"operator_id": ["W1"], "registrar": [True], "trained": [True]}, pa.date32()),
        ("--approvals", {"approval_no": ["A1"]}, pa.timestamp("ms")),
        ("--approvals", {"approval_no": ["A1"]}, pa.date64()),
        ("--calendar", {"workday": [True]}, pa.date32()),
        ("--calendar", {"workday": [True]}, pa.timestamp("s")),
    ],
)
def test_typed_parquet_side_files_with_a_time_outside_the_range_are_exit_2(
    tmp_path: Path, option: str, columns: dict, typ: pa.DataType
) -> None:
    name = {"--roster": "active_from", "--approvals": "approval_date", "--calendar": "date"}[option]
    far = dt.date(9999, 12, 31) if pa.types.is_date(typ) else dt.datetime(2610, 3, 15, 10)
    side = tmp_path / "side.parquet"
    pq.write_table(pa.table({**columns, name: pa.array([far], typ)}), side)
    path = csv_with(tmp_path / "log.csv", GOOD)
    code, _, err = run_cli("scan", str(path), "-o", str(tmp_path / "f.csv"), "--quiet", option, str(side))
    assert code == 2, err
    assert err.startswith(f"regcheck: error: {side}: row 2: {name}: {OUT}") and len(err.strip().splitlines()) == 1


# --- 10. NaN and negative amounts ------------------------------------------------------------------

DECIMALS = ["mortgage_amount", "assessed_value", "fee_charged"]
NANS = st.sampled_from(["NaN", "nan", "NAN", "-nan", "+NaN", " NaN ", "nan(ind)"])
NEGATIVES = st.one_of(
    st.decimals(min_value=-(10**9), max_value=Decimal("-0.01"), places=2, allow_nan=False).map(str),
    st.integers(-(10**9), -1).map(lambda i: f"{i:,}"),
    st.integers(-(10**6), -1).map(lambda i: f"{i}元"),
)


@CHECK
@given(column=st.sampled_from(DECIMALS), value=st.one_of(NANS, NEGATIVES))
def test_nan_and_negative_amounts_are_rejected_in_every_decimal_column(column: str, value: str) -> None:
    rows = [dict(GOOD[0], **{column: "0"}), dict(GOOD[1], **{column: value})]
    with tempfile.TemporaryDirectory() as tmp:
        events, rejects, _ = loaded_rejects(csv_with(Path(tmp, "log.csv"), rows))
    reason = "not a number" if "n" in value.lower() else NEGATIVE_AMOUNT
    assert rejects[["row", "column", "value", "reason"]].values.tolist() == [[3, column, value.strip(), reason]]
    assert events[column].tolist() == [0.0]  # zero is an amount (免收)


@pytest.mark.parametrize("column", DECIMALS)
@pytest.mark.parametrize("typ", [pa.float64(), pa.float32(), pa.int64(), pa.int32()])
def test_typed_parquet_nan_and_negative_amounts_are_rejected_and_null_is_missing(
    tmp_path: Path, column: str, typ: pa.DataType
) -> None:
    floating = pa.types.is_floating(typ)
    values = [10.0, -3.0, None, 0.0, float("nan")] if floating else [10, -3, None, 0]
    base = _typed_parquet(tmp_path / "x.parquet", pa.array([dt.datetime(2026, 9, 8)] * len(values), pa.timestamp("s")))
    table = pq.read_table(base).append_column(column, pa.array(values, typ))
    pq.write_table(table, base)
    events, rejects, _ = loaded_rejects(base)
    expected = [[3, column, NEGATIVE_AMOUNT]] + ([[6, column, "not a number"]] if floating else [])
    assert rejects[["row", "column", "reason"]].values.tolist() == expected
    assert events[column].isna().tolist() == [False, True, False]


@pytest.mark.parametrize("value", ["NaN", "nan"])
def test_nan_as_a_sequence_number_is_rejected(tmp_path: Path, value: str) -> None:
    _, rejects, _ = loaded_rejects(csv_with(tmp_path / "log.csv", [dict(GOOD[0], event_seq=value)]))
    assert rejects[["column", "reason"]].values.tolist() == [["event_seq", "not a whole number"]]


@pytest.mark.parametrize("value", ["NaN", "-1"])
def test_roster_training_hours_nan_or_negative_is_exit_2(tmp_path: Path, value: str) -> None:
    roster = tmp_path / "roster.csv"
    roster.write_text(f"operator_id,registrar,trained,training_hours\nW1,true,true,{value}\n", encoding="utf-8")
    path = csv_with(tmp_path / "log.csv", GOOD)
    code, _, err = run_cli("scan", str(path), "-o", str(tmp_path / "f.csv"), "--quiet", "--roster", str(roster))
    assert code == 2 and err.startswith(f"regcheck: error: {roster}: row 2: training_hours"), err


def test_nan_is_still_a_missing_value_in_text_columns(tmp_path: Path) -> None:
    events, rejects, _ = loaded_rejects(csv_with(tmp_path / "log.csv", [dict(GOOD[0], operator_id="nan")]))
    assert rejects.empty and events["operator_id"].isna().all()


_FIELD = st.one_of(st.integers(0, 99).map(lambda v: f"{v:02d}"), st.sampled_from(["0", "7", "28", "29", "30", "31"]))


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["2026", "2024", "2100", "1900", "0000", "9999"]),
            _FIELD,
            _FIELD,
            _FIELD,
            _FIELD,
            _FIELD,
            st.sampled_from([" ", " ", " ", "T", "  "]),
        ),
        min_size=1,
        max_size=60,
    )
)
@settings(max_examples=300, deadline=None)
def test_a_canonical_time_counts_as_read_only_if_it_prints_back_as_written(fields: list[tuple]) -> None:
    """The fast path prints back only the times whose day or second could roll over: it decides as printing
    every time back would (2026-02-30 rolls over to March and is not read as written)."""
    import numpy as np
    import pyarrow.compute as pc

    from regcheck.loaders.values import _read_as_written

    arr = pa.array([f"{y}-{mo}-{d}{sep}{h}:{mi}:{s}" for y, mo, d, h, mi, s, sep in fields], pa.string())
    parsed = pc.strptime(arr, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    printed = pc.fill_null(pc.equal(pc.strftime(parsed, format="%Y-%m-%d %H:%M:%S"), arr), False)
    assert np.array_equal(_read_as_written(arr, parsed), np.asarray(printed.to_numpy(zero_copy_only=False), bool))


def test_text_of_many_chunks_goes_to_arrow_as_it_is() -> None:
    """pandas' text in several Arrow chunks (a CSV read in blocks) comes out as those chunks, cast, not rebuilt
    value by value into one (what a list around the chunked array made Arrow do: 1.1 s for 1.5M times)."""
    from regcheck.loaders.values import to_arrow_strings

    chunks = pa.chunked_array([pa.array(["a", None], pa.large_string()), pa.array(["b", "c"], pa.large_string())])
    text = pd.Series(pd.arrays.ArrowStringArray(chunks))
    got = to_arrow_strings(text)
    assert got.type == pa.string() and got.to_pylist() == ["a", None, "b", "c"]
    assert got.num_chunks == 2


@given(
    st.lists(st.integers(-(10**15) + 1, 10**15 - 1), min_size=1, max_size=40),
    st.lists(st.booleans(), min_size=40, max_size=40),
    st.sampled_from(["1.0", "+7", "1e3", "x", None]),
)
@settings(max_examples=200, deadline=None)
def test_whole_numbers_read_alike_with_or_without_a_value_that_is_not_plain(
    numbers: list[int], padded: list[bool], other: str | None
) -> None:
    """A column of plainly written integers is cast by Arrow; one value written otherwise ("1.0", "+7", …)
    sends the column through pandas' reading: the integers come out the same either way."""
    import numpy as np

    from regcheck.loaders.values import clean_strings, parse_int

    text = [f"{'-' if n < 0 else ''}{'00' if pad else ''}{abs(n)}" for n, pad in zip(numbers, padded, strict=False)]
    plain, plain_bad = parse_int(clean_strings(pd.Series(text, dtype=object)))
    mixed, _bad = parse_int(clean_strings(pd.Series([*text, other], dtype=object)))
    assert plain.tolist() == numbers and not plain_bad.any() and plain.dtype == "Int64"
    assert mixed.iloc[: len(numbers)].tolist() == numbers and np.array_equal(plain.to_numpy(), mixed.to_numpy()[:-1])


@pytest.mark.parametrize(
    "values",
    [
        pd.Series(pd.Categorical(["b", None, "a", "b"], categories=pd.Index(["a", "b", "c"], dtype="str"))),
        pd.Series(pd.Categorical([None, None], categories=pd.Index(["a"], dtype="str"))),
        pd.Series(pd.Categorical([1, 2, 1])),  # not text: pandas' own conversion
        pd.Series(["x", None], dtype="str"),
    ],
)
def test_as_text_is_pandas_text_of_the_values(values: pd.Series) -> None:
    """A categorical of text is taken from its categories in Arrow; the result is what pandas' conversion to
    its default string dtype gives: the same values, missing where they are, the same dtype."""
    from regcheck.loaders.values import as_text

    pd.testing.assert_series_equal(as_text(values), values.astype("str").reset_index(drop=True))
