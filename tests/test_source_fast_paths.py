"""The mapping's fast paths give what the plain computation gives (issue 15, parse target).

sources/events.py hands the loader per-event case attributes dictionary-encoded, parses amounts once
per distinct value and looks for the 1900-01-01 placeholder only in values that start with it. Each
is checked here against the plain computation over a family of inputs (repeats, missing values,
placeholders and bad values among them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from regcheck.loaders import values as V
from regcheck.sources.events import (
    _PLACEHOLDER_TIME,
    PLACEHOLDERS,
    _text_array,
    arrow_text,
    clean_values,
    per_event,
    scaled_amount,
)

TEXTS = ["80", "120.5", "1,234.50", "0.000001", "1e3", "-5", "abc", "", " 7 ", "999999999999", "1.2345678"]
CELLS = [
    "1900-01-01",
    "1900-01-01T00:00:00",
    "1900-01-01 00:00:00+08:00",
    "1900-01-01T12:00:00",
    "1900-01-011",
    " 1900-01-01 ",
    "/",
    "无",
    "-1",
    "NULL",
    "",
    "2026-01-05T09:00:00",
    "张伟",
]


@settings(max_examples=60, deadline=None)
@given(
    per_case=st.lists(st.one_of(st.none(), st.sampled_from(["a", "b", "银行", "c "])), min_size=0, max_size=8),
    keys=st.lists(st.integers(min_value=-1, max_value=10), max_size=40),
)
def test_per_event_is_the_plain_column(per_case: list[str | None], keys: list[int]) -> None:
    """Case values taken per event, dictionary-encoded, read by the loader as the plain text column is."""
    values = pd.Series(per_case, index=np.arange(len(per_case)) * 2, dtype=object)  # keys with no value too
    key = np.array(keys, dtype=np.int64)
    plain = pd.Series(key).map(values).where(key >= 0, None).astype(object)
    got = per_event(values, key)
    assert pa.types.is_dictionary(got.type)
    assert got.to_pylist() == [None if pd.isna(v) else v for v in plain]
    used = {v for v in got.to_pylist() if v is not None}
    assert set(got.chunk(0).dictionary.to_pylist()) == used  # no value that no event takes
    want = V.encode(pa.chunked_array([pa.array(plain.to_numpy(), pa.string(), from_pandas=True)]))
    coded = V.encode(got)
    assert coded.values.tolist() == want.values.tolist()
    assert np.array_equal(coded.codes, want.codes)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(TEXTS)), max_size=30), st.sampled_from([2, 4, 6]))
def test_amounts_parsed_once_per_value_as_each_alone(texts: list[str | None], digits: int) -> None:
    column = pd.Series(texts, dtype=object)
    value, bad = scaled_amount(column, digits)
    for i, text in enumerate(texts):
        one, one_bad = scaled_amount(pd.Series([text], dtype=object), digits)
        assert bool(bad[i]) == bool(one_bad[0]), text
        assert (pd.isna(value.iloc[i]) and pd.isna(one.iloc[0])) or value.iloc[i] == one.iloc[0], text


@settings(max_examples=80, deadline=None)
@given(st.lists(st.one_of(st.none(), st.sampled_from(CELLS)), max_size=30), st.booleans())
def test_placeholder_time_missing_wherever_it_stands(cells: list[str | None], arrow: bool) -> None:
    """Arrow-backed (as the readers give) or object text: the placeholders and 1900-01-01 at 00:00 go missing."""
    column = pd.Series(cells, dtype="str" if arrow else object)
    got = clean_values(column)
    plain = V.clean_strings(pd.Series(cells, dtype=object), missing=PLACEHOLDERS)
    want = plain.mask(plain.str.match(_PLACEHOLDER_TIME).fillna(False).to_numpy(dtype=bool))
    assert got.index.equals(column.index)
    assert [None if pd.isna(v) else v for v in got] == [None if pd.isna(v) else v for v in want]


def test_text_of_several_chunks_stays_arrow() -> None:
    """A reader's frame concatenated from batches holds its text in several Arrow chunks: it is handed on as one
    Arrow array (and to a new frame as the Arrow-backed array it is), not value by value as Python objects."""
    chunks = pa.chunked_array([pa.array(["a", None], pa.large_string()), pa.array(["b"], pa.large_string())])
    text = pd.Series(pd.arrays.ArrowStringArray(chunks))
    got = arrow_text(text)
    assert isinstance(got, pa.Array) and got.to_pylist() == ["a", None, "b"]
    assert _text_array(text) is text.array
