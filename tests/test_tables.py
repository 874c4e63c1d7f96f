"""The standard tables as per-table CSV/Parquet files (spec/sources.md §1, §3): a table folder is
recognised by its acceptance table, names are matched without regard to case, and values come out as
the text that was written — typed Parquet (and database) values as the text a CSV export holds."""

from __future__ import annotations

import datetime as dt
import decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.errors import InputError
from regcheck.sources import FILE, MESSAGE_CASE, ORDER, ROW
from regcheck.sources.tables import is_table_dir, python_text, read_table_files
from tests._standard_tables import assert_same_rows, write_csv, write_parquet


def test_a_table_folder_is_recognised_by_its_acceptance_table(tmp_path: Path) -> None:
    for name, expected in [("DJT_DJ_SLSQ.csv", True), ("djt_dj_sl.PARQUET", True), ("Djt_Dj_Sl.Csv", True)]:
        folder = tmp_path / name.replace(".", "_")
        folder.mkdir()
        (folder / name).write_text("YWH\n1\n")
        assert is_table_dir(folder) is expected
    other = tmp_path / "other"
    other.mkdir()
    (other / "DJT_DJ_SLSQ.txt").write_text("YWH\n1\n")
    (other / "DJF_DJ_SH.csv").write_text("YWH\n1\n")
    assert not is_table_dir(other)
    (other / "djt_dj_sl.csv").mkdir()  # a folder of that name is no table
    assert not is_table_dir(other)
    assert not is_table_dir(other / "DJF_DJ_SH.csv")
    with pytest.raises(InputError, match="no DJT_DJ_SLSQ or DJT_DJ_SL table"):
        read_table_files(other)


@pytest.mark.parametrize("generation", ["new", "old"])
def test_csv_and_typed_parquet_give_the_same_rows(tmp_path: Path, generation: str) -> None:
    csv = read_table_files(write_csv(tmp_path / "csv", generation))
    parquet = read_table_files(write_parquet(tmp_path / "parquet", generation))
    assert_same_rows(parquet, csv)
    acceptance = "DJT_DJ_SLSQ" if generation == "new" else "DJT_DJ_SL"
    assert list(csv.tables) == sorted(
        [acceptance, "DJF_DJ_SH", "DJF_DJ_SF", "QLF_QL_DYAQ", "ZTT_GY_QLR", "QLT_QL_TDSYQ"]
    )
    assert csv.skipped == parquet.skipped == 2  # QLF_QL_NOTIME (no DJSJ) and XT_USER: no table regcheck reads
    sh = csv.tables["DJF_DJ_SH"]  # a GB18030 file, lower-case name, header "Ywh", "Jdmc" …
    assert list(sh.columns) == ["ID", "YWH", "JDMC", "SXH", "SHRYXM", "SHJSSJ", FILE, ROW, ORDER, MESSAGE_CASE]
    assert sh["JDMC"].tolist() == ["初审", "核定", "初审", "初审", "初审"]
    assert sh["SHJSSJ"].tolist()[2] is None and sh[MESSAGE_CASE].isna().all()
    dyaq = parquet.tables["QLF_QL_DYAQ"]
    assert dyaq[["DJLX", "DJSJ", "BDBZZQSE"]].iloc[0].tolist() == ["100", "2026-01-09T15:00:00", "85.50"]
    # one input order over the whole source: tables in name order, rows in file order
    orders = np.concatenate([f[ORDER].to_numpy() for f in csv.tables.values()])
    assert orders.tolist() == list(range(len(orders)))
    assert csv.tables["DJF_DJ_SF"][ROW].tolist() == [1, 2]


def test_values_are_kept_as_written(tmp_path: Path) -> None:
    """Placeholders, spaces and leading zeros are the mapping's business: the reader keeps them."""
    (tmp_path / "DJT_DJ_SLSQ.csv").write_text(
        "ywh,SLSJ,SLRY,SSJE\n YW1 ,/,无,085.50\nYW2,1900-01-01,-1,\nYW3,2026-01-05 09:00:00+08:00,张三,1e3\n",
        encoding="utf-8-sig",
    )
    got = read_table_files(tmp_path).tables["DJT_DJ_SLSQ"]
    assert list(got.columns[:4]) == ["YWH", "SLSJ", "SLRY", "SSJE"]  # the BOM is no part of the first name
    assert got.iloc[:, :4].values.tolist() == [
        [" YW1 ", "/", "无", "085.50"],
        ["YW2", "1900-01-01", "-1", None],
        ["YW3", "2026-01-05 09:00:00+08:00", "张三", "1e3"],
    ]


def test_bad_csv_rows_are_rejects_and_blank_lines_are_no_rows(tmp_path: Path) -> None:
    (tmp_path / "DJT_DJ_SL.csv").write_text("YWH,SLSJ\nYW1,2026-01-05\nYW2,2026-01-06,extra\n\nYW3,2026-01-07\n")
    raw = read_table_files(tmp_path)
    frame = raw.tables["DJT_DJ_SL"]
    assert frame["YWH"].tolist() == ["YW1", "YW3"] and frame[ROW].tolist() == [1, 4]
    assert raw.rejects[["row", "value", "reason"]].values.tolist() == [
        [2, "YW2,2026-01-06,extra", "expected 2 fields, found 3"]
    ]
    assert raw.rejects["file"].tolist() == [str(tmp_path / "DJT_DJ_SL.csv")]


@pytest.mark.parametrize(
    ("tail", "reason"),
    [(b'YW2,"\xe6\x9d\x8e', "inside a quoted value"), ("YW2,李".encode()[:-1], "in the middle of a character")],
)
def test_a_row_cut_off_at_the_end_of_the_file_is_rejected(tmp_path: Path, tail: bytes, reason: str) -> None:
    (tmp_path / "DJT_DJ_SLSQ.csv").write_bytes("YWH,SLRY\nYW1,张三\n".encode() + tail)
    raw = read_table_files(tmp_path)
    assert raw.tables["DJT_DJ_SLSQ"]["YWH"].tolist() == ["YW1"]
    assert raw.rejects["row"].tolist() == [2] and reason in raw.rejects["reason"].iloc[0]


def test_names_differing_only_in_case_are_refused(tmp_path: Path) -> None:
    (tmp_path / "DJT_DJ_SLSQ.csv").write_text("YWH,ywh\n1,2\n")
    with pytest.raises(InputError, match="same name in another letter case"):
        read_table_files(tmp_path)
    (tmp_path / "DJT_DJ_SLSQ.csv").write_text("YWH\n1\n")
    pq.write_table(pa.table({"YWH": ["1"]}), tmp_path / "djt_dj_slsq.parquet")
    with pytest.raises(InputError, match="are both table DJT_DJ_SLSQ"):
        read_table_files(tmp_path)


def test_typed_parquet_forms(tmp_path: Path) -> None:
    """Zoned timestamps in Shanghai time with their offset; whole floats without ``.0``; NaN missing."""
    stamps = pa.array([dt.datetime(2026, 1, 5, 1, 0, 0), None], pa.timestamp("ms", "UTC"))
    table = pa.table({"YWH": ["1", "2"], "SLSJ": stamps, "SSJE": [80.0, float("nan")], "N": pa.array([None, None])})
    pq.write_table(table, tmp_path / "DJT_DJ_SLSQ.parquet")
    got = read_table_files(tmp_path).tables["DJT_DJ_SLSQ"]
    assert got[["SLSJ", "SSJE", "N"]].values.tolist() == [["2026-01-05T09:00:00+08:00", "80", None], [None, None, None]]


# --- one family of values: typed Parquet, database values and their text agree ----------------

times = st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 12, 31))
amounts = st.decimals(min_value=-(10**9), max_value=10**9 - 1, places=2, allow_nan=False, allow_infinity=False)
integers = st.integers(min_value=-(2**62), max_value=2**62)


def _text(value: object) -> str | None:
    """The text a CSV export of the value holds (the spec's forms), computed independently."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S") + (f".{value.microsecond:06d}" if value.microsecond else "")
    return str(value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.one_of(st.none(), times), st.one_of(st.none(), amounts), st.one_of(st.none(), integers)),
        min_size=1,
        max_size=20,
    )
)
def test_typed_values_read_as_the_text_a_csv_holds(tmp_path_factory: pytest.TempPathFactory, rows: list[tuple]) -> None:
    folder = tmp_path_factory.mktemp("typed")
    t, a, i = (list(c) for c in zip(*rows, strict=True))
    table = pa.table(
        {
            "YWH": [str(k) for k in range(len(rows))],
            "SLSJ": pa.array(t, pa.timestamp("us")),
            "SSJE": pa.array(a, pa.decimal128(12, 2)),
            "DJDL": pa.array(i, pa.int64()),
        }
    )
    pq.write_table(table, folder / "DJT_DJ_SLSQ.parquet")
    got = read_table_files(folder).tables["DJT_DJ_SLSQ"]
    want = pd.DataFrame({"SLSJ": map(_text, t), "SSJE": map(_text, a), "DJDL": map(_text, i)}, dtype=object)
    pd.testing.assert_frame_equal(got[["SLSJ", "SSJE", "DJDL"]], want)
    # the same values as a database driver hands them (Python objects) give the same text
    for column, values in [("SLSJ", t), ("SSJE", a), ("DJDL", i)]:
        assert python_text(np.array(values, dtype=object)).to_pylist() == want[column].tolist()


def test_database_values_of_mixed_types(tmp_path: Path) -> None:
    """SQLite lets one column hold text, integers and reals; each value is read as its own text."""
    values = np.array(["2026-01-05", 3, 2.5, 4.0, decimal.Decimal("1.50"), b"\xe5\xbc\xa0", None, ""], dtype=object)
    assert python_text(values).to_pylist() == ["2026-01-05", "3", "2.5", "4", "1.50", "张", None, None]


def test_columns_without_a_name_hold_no_attribute(tmp_path: Path) -> None:
    """Exports that end every line with commas: the unnamed columns are no attribute (and no clash)."""
    (tmp_path / "DJT_DJ_SL.csv").write_text("YWH,SLSJ,,\nYW1,2026-01-05,,\n")
    frame = read_table_files(tmp_path).tables["DJT_DJ_SL"]
    assert [c for c in frame.columns if not c.startswith("_")] == ["YWH", "SLSJ"]
