"""Fuzzing the loader and the scan with hypothesis: random values in every column, random text, random bytes.

Properties (docs/reliability.md):

* every row read is either accepted or rejected with a reason — the accepted rows' row numbers and the
  rejected rows' row numbers are disjoint and together are exactly the rows of the file;
* rows read = rows accepted + rows rejected;
* the loader raises nothing but InputError (one line), and a scan exits 0 or 2 — never 3.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.errors import InputError
from regcheck.loaders import load
from regcheck.loaders.values import clean_strings
from regcheck.schema import BY_NAME, CANONICAL, ENUMS, REQUIRED, Column

from .conftest import run_cli

# REGCHECK_FUZZ_EXAMPLES=2000 for a long run (e.g. nightly); the default keeps the suite fast
EXAMPLES = int(os.environ.get("REGCHECK_FUZZ_EXAMPLES", "60"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SCAN_SETTINGS = settings(
    max_examples=max(15, EXAMPLES // 4), deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

JUNK = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12)
BLANK = st.sampled_from(["", " ", "\u3000", "NULL", "null", "\t", "nan"])
TIMES = st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2026, 12, 31))
TIME_FORMS = st.sampled_from(
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%SZ",
        "%Y-%m-%dT%H:%M:%S+08:00",
        "%Y-%m-%d %H:%M:%S-05:30",
        "%Y/%m/%d %H:%M",
        "%Y年%m月%d日 %H:%M:%S",
        "%Y-%m-%d",
    ]
)


def _time_text(kind: str) -> st.SearchStrategy[str]:
    as_text = st.builds(lambda t, f: t.strftime(f), TIMES, TIME_FORMS)
    serial = st.floats(min_value=45658, max_value=46387, allow_nan=False).map(lambda d: f"{d:.4f}")  # Excel, 2025-26
    if kind == "date":
        as_text = st.builds(lambda t: t.strftime("%Y-%m-%d"), TIMES)
    return st.one_of(as_text, serial)


def valid(col: Column) -> st.SearchStrategy[str]:
    """Values a real export could hold in this column (codes, labels, every form input.md allows)."""
    if col.name == "case_id":
        return st.sampled_from(["C1", "C2", "C3", "34010220260300001", " C1 "])
    if col.name == "office_code":
        return st.sampled_from(["340102", "340103"])
    if col.kind == "enum":
        table = ENUMS[col.enum or ""]
        return st.sampled_from(sorted(table) + sorted(table.values()) + [k.upper() for k in table])
    if col.kind == "list":
        table = ENUMS[col.enum or ""]
        items = st.lists(st.sampled_from(sorted(table) + sorted(table.values())), max_size=3)
        return st.builds(lambda xs, sep: sep.join(xs), items, st.sampled_from([";", "；", "、", " ; "]))
    if col.kind in ("timestamp", "date"):
        return _time_text(col.kind)
    if col.kind == "bool":
        return st.sampled_from(["true", "false", "1", "0", "是", "否", "Y", "N"])
    if col.kind == "decimal":
        return st.one_of(
            st.integers(min_value=0, max_value=10**9).map(str),
            st.floats(min_value=0, max_value=1e9, allow_nan=False).map(lambda x: f"{x:,.2f}"),
            st.integers(min_value=0, max_value=10**6).map(lambda x: f"{x}元"),
        )
    if col.kind == "int":
        return st.integers(min_value=-5, max_value=10**12).map(str)
    return st.one_of(
        st.sampled_from(["W1", "W2", "D1", "张三", "中国建设银行", "340102199001011234", "13812345678"]),
        st.text(alphabet="AB张三12-;:/ ", max_size=8),
    )


def cell(col: Column) -> st.SearchStrategy[str]:
    return st.one_of(valid(col), valid(col), valid(col), JUNK, BLANK)


ROW = st.fixed_dictionaries({name: cell(BY_NAME[name]) for name in CANONICAL})
ROWS = st.lists(ROW, max_size=12)


def write_csv(rows: list[dict], path: Path, encoding: str, zh: bool) -> Path:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([BY_NAME[c].zh if zh else c for c in CANONICAL])
    writer.writerows([[r[c] for c in CANONICAL] for r in rows])
    text = buf.getvalue()
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError:
        data = text.encode("utf-8")
    path.write_bytes(data)
    return path


def assert_every_row_accounted_for(result, rows: int | None = None, source: list[dict] | None = None) -> None:
    """Accepted, rejected and blank rows partition the rows read; every reject has a reason.

    Blank rows (every cell empty) are counted, neither accepted nor rejected (issue 12 item 6); with the
    ``source`` rows at hand, each row neither accepted nor rejected is checked to be blank.
    """
    if rows is not None:
        assert result.rows_read == rows
    accepted = result.events["_line"].astype(int).tolist()
    rejected = set(result.rejects["row"].astype(int)) if len(result.rejects) else set()
    assert len(set(accepted)) == len(accepted)
    assert not rejected & set(accepted)
    blank = set(range(2, result.rows_read + 2)) - set(accepted) - rejected
    assert set(accepted) | rejected | blank == set(range(2, result.rows_read + 2))
    assert len(blank) == result.rows_blank
    assert len(result.events) + result.rows_rejected + result.rows_blank == result.rows_read
    for line in blank if source is not None else ():
        cells = pd.Series([source[line - 2][c] for c in CANONICAL], dtype=object)
        assert clean_strings(cells).isna().all(), (line, source[line - 2])
    assert all(isinstance(r, str) and r for r in result.rejects["reason"])
    assert set(result.rejects["column"]) <= {*CANONICAL, ""}
    for name in REQUIRED:
        assert result.events[name].notna().all()


@SETTINGS
@given(rows=ROWS, encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030"]), zh=st.booleans())
def test_every_csv_row_is_accepted_or_rejected_with_a_reason(rows: list[dict], encoding: str, zh: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(rows, Path(tmp) / "log.csv", encoding, zh)
        assert_every_row_accounted_for(load([str(path)]), len(rows), rows)


@SETTINGS
@given(lines=st.lists(JUNK, max_size=10), newline=st.sampled_from(["\n", "\r\n", "\r"]))
def test_any_text_after_the_header_loads_or_is_one_clear_error(lines: list[str], newline: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "text.csv"
        header = ",".join(REQUIRED)
        path.write_bytes(newline.join([header, *lines]).encode("utf-8"))
        try:
            result = load([str(path)])
        except InputError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
            return
        assert_every_row_accounted_for(result)


def frame_of(rows: list[dict], typed: dict[str, object]) -> pd.DataFrame:
    frame = pd.DataFrame([{c: r[c] for c in CANONICAL} for r in rows], columns=list(CANONICAL), dtype=object)
    for name, values in typed.items():
        frame[name] = values
    return frame


TYPED = st.fixed_dictionaries(
    {},
    optional={
        "event_time": st.just("datetime"),
        "mortgage_amount": st.just("float"),
        "priority": st.just("bool"),
        "event_seq": st.sampled_from(["int", "float"]),
        "assessed_value": st.just("int"),
    },
)


@SETTINGS
@given(rows=ROWS.filter(bool), typed=TYPED, data=st.data())
def test_every_parquet_row_is_accepted_or_rejected_with_a_reason(rows: list[dict], typed: dict, data) -> None:
    n = len(rows)
    values: dict[str, object] = {}
    for name, kind in typed.items():
        if kind == "datetime":
            values[name] = pd.Series(data.draw(st.lists(st.one_of(TIMES, st.none()), min_size=n, max_size=n)))
        elif kind == "float":
            floats = st.floats(allow_nan=True, allow_infinity=True)
            values[name] = np.asarray(data.draw(st.lists(floats, min_size=n, max_size=n)), dtype="float64")
        elif kind == "bool":
            values[name] = pd.array(data.draw(st.lists(st.one_of(st.booleans(), st.none()), min_size=n, max_size=n)))
        else:
            ints = st.integers(min_value=-(2**62), max_value=2**62)
            values[name] = np.asarray(data.draw(st.lists(ints, min_size=n, max_size=n)), dtype="int64")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "log.parquet"
        frame_of(rows, values).to_parquet(path, index=False)
        assert_every_row_accounted_for(load([str(path)]), n)


@SCAN_SETTINGS
@given(rows=ROWS, encoding=st.sampled_from(["utf-8", "gb18030"]), zh=st.booleans())
def test_a_scan_of_random_rows_never_fails_internally(rows: list[dict], encoding: str, zh: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = write_csv(rows, folder / "log.csv", encoding, zh)
        code, _out, err = run_cli(
            "scan", str(path), "-o", str(folder / "f.xlsx"), "--rejects", str(folder / "r.csv"),
            "--report", str(folder / "r.html"), "-q",
        )  # fmt: skip
        assert code in (0, 2), err
        if code == 2:
            assert err.count("\n") == 1 and "Traceback" not in err
        else:
            assert (folder / "f.xlsx").exists() and (folder / "r.html").exists()


@SCAN_SETTINGS
@given(data=st.binary(max_size=600), name=st.sampled_from(["x.csv", "x.parquet"]))
def test_a_scan_of_random_bytes_never_fails_internally(data: bytes, name: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_bytes(data)
        code, _out, err = run_cli("scan", str(path), "-o", str(Path(tmp) / "f.csv"), "-q")
        assert code in (0, 2), err
        if code == 2:
            assert err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    "prefix", [b"case_id,office_code,activity,event_time\n", b"\xef\xbb\xbfcase_id,office_code,activity,event_time\n"]
)
@SCAN_SETTINGS
@given(body=st.binary(max_size=400))
def test_random_bytes_after_a_valid_header_never_fail_internally(prefix: bytes, body: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.csv"
        path.write_bytes(prefix + body)
        code, _out, err = run_cli("scan", str(path), "-o", str(Path(tmp) / "f.csv"), "-q")
        assert code in (0, 2), err
        if code == 2:
            assert err.count("\n") == 1 and "Traceback" not in err
