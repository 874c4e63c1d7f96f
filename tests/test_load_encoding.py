"""Issue 16, the load path: a text column becomes codes into its cleaned, sorted distinct values by one of
several routes (an Arrow dictionary's chunks matched up, identifiers of one width hashed in place, Arrow's
``dictionary_encode``), and typed Parquet columns are converted in one pass when nothing in them needs a
mask. Every route must give what a plain reading of the values gives, for every form the text arrives in.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.loaders import load
from regcheck.loaders import values as V
from regcheck.schema import MISSING_VALUES

CHECK = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
WHITESPACE = [" ", "\u3000", "\t"]


def reference(values: list[str | None]) -> tuple[list[int], list[str]]:
    """Codes and distinct values as a reader of the cells sees them: trimmed, missing spellings missing, sorted."""
    cleaned = [None if v is None or v.strip().lower() in MISSING_VALUES else v.strip() for v in values]
    distinct = sorted({v for v in cleaned if v is not None})
    index = {v: i for i, v in enumerate(distinct)}
    return [-1 if v is None else index[v] for v in cleaned], distinct


@st.composite
def text_columns(draw: st.DrawFn) -> tuple[list[str | None], pa.ChunkedArray]:
    """A text column as a file may hand it over: values of one width (identifiers) or of several, with nulls,
    empty cells, padding and missing spellings; plain or dictionary-encoded, in chunks that are slices."""
    width = draw(st.integers(1, 30))
    alphabet = st.sampled_from("0123456789ABGXFW晓")
    ident = st.text(alphabet, min_size=width, max_size=width)
    pool = draw(st.lists(ident, min_size=1, max_size=8))
    cell = st.one_of(
        st.sampled_from(pool),
        st.tuples(st.sampled_from(WHITESPACE), st.sampled_from(pool)).map("".join),
        st.none(),
        st.sampled_from(["", "NULL", "nan"]),
        st.text(alphabet, min_size=1, max_size=35),
    )
    mostly_one_width = draw(st.booleans())
    values = draw(st.lists(st.sampled_from(pool) if mostly_one_width else cell, max_size=60))
    if mostly_one_width and draw(st.booleans()):
        values = [None if draw(st.booleans()) else v for v in values]
    typ = draw(st.sampled_from([pa.string(), pa.large_string()]))
    cuts = sorted(draw(st.lists(st.integers(0, len(values)), max_size=4)))
    whole = pa.array(["pad", *values], typ).slice(1)  # every chunk is a slice: its offset is not 0
    bounds = [0, *cuts, len(values)]
    chunks = [whole.slice(lo, hi - lo) for lo, hi in itertools.pairwise(bounds)]
    if draw(st.booleans()):
        chunks = [pc.dictionary_encode(c) for c in chunks]  # each chunk its own dictionary, as Parquet row groups
    return values, pa.chunked_array(chunks, type=chunks[0].type)


def coded_as_lists(coded: V.Coded) -> tuple[list[int], list[str]]:
    return coded.codes.tolist(), coded.values.tolist()


@CHECK
@given(column=text_columns())
def test_every_route_of_encoding_gives_the_cleaned_sorted_distinct_values(column) -> None:
    values, arr = column
    coded = V.encode(arr)
    assert coded_as_lists(coded) == reference(values)
    assert coded.codes.dtype == V.code_type(len(coded.values))  # the categorical keeps the codes as they are
    cat = coded.categorical()
    assert cat.astype(object).where(cat.notna(), None).tolist() == [
        None if c < 0 else reference(values)[1][c] for c in reference(values)[0]
    ]


@CHECK
@given(column=text_columns(), data=st.data())
def test_masks_and_recodes_compose_on_the_distinct_values(column, data: st.DataObject) -> None:
    values, arr = column
    coded = V.encode(arr)
    codes, distinct = reference(values)
    flags = np.array(data.draw(st.lists(st.booleans(), min_size=len(distinct), max_size=len(distinct))), dtype=bool)
    assert coded.rows(flags).tolist() == [c >= 0 and bool(flags[c]) for c in codes]
    # recoding: every value lower-cased, one dropped; the rows follow without being read again
    drop = data.draw(st.sampled_from(distinct)) if distinct else None
    new = coded.values.map(lambda v: None if v == drop else v.lower())
    recoded = V.encode(pa.array([None if c < 0 or distinct[c] == drop else distinct[c].lower() for c in codes]))
    assert coded_as_lists(coded.recode(new)) == coded_as_lists(recoded)


def test_identifiers_of_one_width_are_hashed_in_place() -> None:
    ids = pa.chunked_array(
        [pa.array(["340102202601000017", None, "", "340102202601000009"]), pa.array(["340102202601000017"])]
    )
    entries, dictionary = V.same_width_codes(ids)
    assert dictionary.to_pylist() == ["340102202601000009", "340102202601000017"]
    assert entries.spread(np.array([10, 20]), -1).tolist() == [20, -1, -1, 10, 20]
    assert V.same_width_codes(pa.chunked_array([pa.array(["C1", "C22"])])) is None  # two widths: Arrow encodes


@pytest.mark.parametrize("form", ["same width", "one value per row"])
def test_two_values_mixed_to_one_integer_are_never_merged(monkeypatch: pytest.MonkeyPatch, form: str) -> None:
    """The in-place route checks every row against its value's representative; a shared mixed integer
    (forced here for every value) sends the column to Arrow's encoding, whose answer is the same."""
    monkeypatch.setattr(V, "_mix", lambda words: np.zeros(len(words[0]), dtype=np.uint64))
    values = ["340104090001GB01609F00010001", "340104010001GB01609F00010009", None, "340104090001GB01609F00010001"]
    if form == "one value per row":
        values = values[:1]
    arr = pa.chunked_array([pa.array(values)])
    assert (V.same_width_codes(arr) is None) == (form == "same width")
    assert coded_as_lists(V.encode(arr)) == reference(values)


@st.composite
def digit_columns(draw: st.DrawFn) -> tuple[list[str | None], pa.ChunkedArray]:
    """Numeric identifiers of one width (case numbers), with nulls and empty cells, in chunks that are slices;
    sometimes one value has a byte next to the digits (':' and '/' border '0'-'9', '?' adding 6 to '9' …)."""
    width = draw(st.integers(8, 22))
    ident = st.text(st.sampled_from("0123456789"), min_size=width, max_size=width)
    pool = draw(st.lists(st.one_of(ident, st.sampled_from(["0" * width, "9" * width])), min_size=1, max_size=8))
    if draw(st.booleans()):
        at = draw(st.integers(0, width - 1))
        odd = draw(st.sampled_from(":/?@ A\x7f"))
        pool.append(pool[0][:at] + odd + pool[0][at + 1 :])
    values = draw(st.lists(st.one_of(st.sampled_from(pool), st.sampled_from([None, ""])), min_size=1, max_size=60))
    typ = draw(st.sampled_from([pa.string(), pa.large_string()]))
    cuts = sorted(draw(st.lists(st.integers(0, len(values)), max_size=4)))
    whole = pa.array(["pad", *values], typ).slice(1)
    bounds = [0, *cuts, len(values)]
    return values, pa.chunked_array([whole.slice(lo, hi - lo) for lo, hi in itertools.pairwise(bounds)], type=typ)


@CHECK
@given(column=digit_columns())
def test_digit_identifiers_are_read_as_the_numbers_they_write(monkeypatch: pytest.MonkeyPatch, column) -> None:
    """Up to 19 digits, the number a value writes stands for it exactly: no mixing, no check against a
    representative (a mixing that merges every value changes nothing), and numbers sort as the text does.
    A byte that is no digit, or more than 19 digits, take the mixed route, whose collision check then sends
    the column to Arrow; every route gives the reference answer."""
    values, arr = column
    monkeypatch.setattr(V, "_mix", lambda words: np.zeros(len(words[0]), dtype=np.uint64))
    present = {v for v in values if v}
    digits_only = all(v.isdigit() and v.isascii() for v in present)
    width = len(next(iter(present))) if present else 0
    in_place = V.same_width_codes(arr)
    if digits_only and width <= 19:
        assert in_place is not None
    elif len(present) > 1:
        assert in_place is None  # the forced collision is caught
    assert coded_as_lists(V.encode(arr)) == reference(values)


UNITS = ["s", "ms", "us", "ns"]
EDGES = [dt.datetime(1900, 1, 1), dt.datetime(2100, 12, 31, 23, 59, 59), dt.datetime(2026, 9, 8, 10, 0, 1)]


@settings(max_examples=30, deadline=None)
@given(
    unit=st.sampled_from(UNITS),
    times=st.lists(
        st.one_of(
            st.none(), st.sampled_from(EDGES), st.datetimes(EDGES[0], EDGES[1]).map(lambda t: t.replace(microsecond=0))
        ),
        min_size=1,
        max_size=12,
    ),
)
def test_typed_parquet_times_inside_the_range_load_as_written(unit: str, times: list[dt.datetime | None]) -> None:
    if unit == "ns":
        times = [t if t is None or dt.datetime(1678, 1, 1) < t < dt.datetime(2262, 1, 1) else None for t in times]
    typ = pa.timestamp(unit)
    stamps = pa.array(times, typ)
    n = len(times)
    table = pa.table(
        {
            "case_id": pa.array([f"C{i}" for i in range(n)]),
            "office_code": pa.array(["340102"] * n),
            "activity": pa.array(["accept"] * n),
            "event_time": pa.array([dt.datetime(2026, 9, 8, 10)] * n, typ),
            "approval_date": stamps,
        }
    )
    with tempfile.TemporaryDirectory() as tmp:
        pq.write_table(table, Path(tmp, "t.parquet"))
        res = load([Path(tmp, "t.parquet")], columns=["approval_date"])
    want = pd.Series(stamps.cast(pa.timestamp("ns")).to_pandas()).dt.normalize()
    assert res.rejects.empty and len(res.events) == n
    pd.testing.assert_series_equal(res.events["approval_date"], want, check_names=False)


def test_loading_holds_no_second_copy_of_the_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The loader's own columns (``_line``, ``_row``) are put into the frame as built, not copied (pandas 3
    copies an ndarray set as a column): the arrays numpy allocates during a load peak at about the frame's
    size (Arrow's buffers aside), not a fifth more."""
    import tracemalloc

    from regcheck.generate import generate

    monkeypatch.setenv("REGCHECK_THREADS", "1")  # columns one after another: the peak does not depend on timing
    path = tmp_path / "log.parquet"
    pq.write_table(pa.Table.from_pandas(generate(20_000, 3).events, preserve_index=False), path)
    tracemalloc.start()
    try:
        loaded = load([path], columns={"case_id"})
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    frame = int(loaded.events.memory_usage(deep=False).sum())
    assert len(loaded.events) > 100_000
    assert peak < 1.08 * frame  # 1.21 with the two copies


def test_text_times_are_parsed_without_a_python_string_per_row() -> None:
    """Times written as text (a CSV log) reach Arrow's parser as the Arrow text pandas holds them in, not as
    one Python string object per row (some 40 bytes a row more at the peak, and their CPU)."""
    import tracemalloc

    n = 100_000
    start = np.datetime64("2026-01-01T08:00:00")
    text = pd.Series((start + np.arange(n).astype("timedelta64[s]")).astype(str), dtype="str").str.replace("T", " ")
    tracemalloc.start()
    try:
        parsed, bad, far = V.parse_times(text)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert parsed.iloc[-1] == pd.Timestamp(start + np.timedelta64(n - 1, "s")) and not bad.any() and not far.any()
    assert peak < 50 * n  # 76 bytes a row with the Python strings
