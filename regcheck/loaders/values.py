"""Vectorised parsing of cell values (spec/input.md, "Enum values may appear …").

Every function takes a pandas Series as read from a file and returns the parsed
Series with missing values as NA/NaT plus, where a value was present but not
understood, a boolean mask of those rows so the loader can reject them with a
reason. Low-cardinality columns are parsed on their distinct values only.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import FALSE_VALUES, MISSING_VALUES, TRUE_VALUES

_TS_RE = (
    r"^(?P<y>\d{4})[-/年.](?P<mo>\d{1,2})[-/月.](?P<d>\d{1,2})日?"
    r"(?:(?:[ T]+|日)(?P<h>\d{1,2})[:：时](?P<mi>\d{1,2})分?"
    r"(?:[:：](?P<s>\d{1,2})秒?(?P<f>\.\d{1,9})?)?)?"
    r"\s*(?P<tz>Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$"
)
# ISO 8601's basic format and the compact form of many platforms: 20260315, 202603151000, 20260315100000
_COMPACT_RE = (
    r"^(?P<y>\d{4})(?P<mo>\d{2})(?P<d>\d{2})"
    r"(?:T?(?P<h>\d{2})(?P<mi>\d{2})(?:(?P<s>\d{2})(?P<f>\.\d{1,9})?)?)?"
    r"\s*(?P<tz>Z|z|UTC|[+-]\d{2}(?::?\d{2})?)?$"
)
_EXCEL_RE = r"^\d+(?:\.\d+)?$"
# Excel's day 0 is 1899-12-30 (with its 1900 leap-year bug folded in).
_EXCEL_EPOCH = np.datetime64("1899-12-30T00:00:00", "ns")
_EXCEL_FIRST, _EXCEL_END = 32874, 73416  # serials of 1990-01-01 and 2101-01-01

# Every time and date regcheck reads lies in 1900-01-01 … 2100-12-31 (docs/reliability.md, "Issue 13
# classes"): outside it a value is rejected as out of range, never wrapped around pandas' nanosecond range.
TIME_FIRST = np.datetime64("1900-01-01T00:00:00", "ns")
TIME_END = np.datetime64("2101-01-01T00:00:00", "ns")  # exclusive
TIME_RANGE_TEXT = "1900-01-01 … 2100-12-31"
OUT_OF_RANGE = "time out of range"


def to_arrow_strings(values: pd.Series | pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    if isinstance(values, pd.Series) and isinstance(values.dtype, pd.StringDtype):
        # pandas' text is Arrow text already: taken as it is, not as one Python string object per row. It is
        # one Array, or a ChunkedArray when it has several chunks (a CSV's blocks), which a list around it would
        # have Arrow read value by value (1.1 s for 1.5M times)
        arrow = pa.array(values.array).cast(pa.string())
        values = arrow if isinstance(arrow, pa.ChunkedArray) else pa.chunked_array([arrow])
    elif isinstance(values, pd.Series):
        values = pa.chunked_array([pa.array(values.astype(object), type=pa.string(), from_pandas=True)])
    elif isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    if not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        if pa.types.is_dictionary(values.type):
            values = values.cast(values.type.value_type)
        values = pc.cast(values, pa.string())
    return values


# a number column: "NaN" is a value that is no number, rejected like "inf" (not a missing value)
NUMBER_MISSING = MISSING_VALUES - {"nan"}


def clean_strings(values: pd.Series | pa.ChunkedArray, missing: frozenset[str] = MISSING_VALUES) -> pd.Series:
    """Trim surrounding whitespace (U+3000 included); '', NULL, whitespace-only -> NA.

    ``missing``: the (lower-case) spellings read as missing. Returns a pandas Series of the default string dtype.
    """
    arr = to_arrow_strings(values)
    trimmed = pc.utf8_trim_whitespace(arr)
    is_missing = pc.is_in(pc.utf8_lower(trimmed), value_set=pa.array(sorted(missing)))
    cleaned = pc.if_else(is_missing, pa.scalar(None, trimmed.type), trimmed)
    # pandas' default "str" dtype is Arrow large_string: hand it that type and the conversion is zero-copy
    out = pd.Series(pc.cast(cleaned, pa.large_string()).to_pandas(types_mapper=_STR_DTYPE.get))
    if isinstance(values, pd.Series):
        out.index = values.index
    return out


@dataclass(frozen=True)
class Entries:
    """Which entry of a list of distinct values each row holds, kept as it was read (not copied).

    ``codes`` (``-1`` = none) index ``entry``, which names the entry each code stands for, one code per
    row or, with ``present``, per row holding a value; or, for an Arrow dictionary column, each chunk's
    indices index its own ``entry`` array.
    """

    codes: np.ndarray | None = None
    entry: np.ndarray | None = None
    present: np.ndarray | None = None  # rows holding a value, when ``codes`` has one per such row
    chunks: tuple[tuple[pa.Array, np.ndarray], ...] = ()

    def spread(self, per_entry: np.ndarray, missing: object) -> np.ndarray:
        """``per_entry`` (one value per entry) -> one value per row, ``missing`` where a row holds none:
        one pass over the rows whatever was composed on the entries."""
        if self.codes is not None:
            small = per_entry if self.entry is None else per_entry[self.entry]
            small = np.concatenate([small, np.array([missing], dtype=small.dtype)])
            if self.present is None:
                return small[self.codes]
            out = np.full(len(self.present), missing, dtype=small.dtype)
            out[self.present] = small[self.codes]
            return out
        out = np.empty(sum(len(indices) for indices, _ in self.chunks), dtype=per_entry.dtype)
        row = 0
        for indices, entry in self.chunks:
            small = np.concatenate([per_entry[entry], np.array([missing], dtype=per_entry.dtype)])
            if indices.null_count:
                indices = pc.fill_null(indices, len(entry))
            np.take(small, indices.to_numpy(zero_copy_only=False), out=out[row : row + len(indices)])
            row += len(indices)
        return out


def code_type(categories: int) -> type[np.signedinteger]:
    """The integer type pandas gives the codes of a categorical with this many categories."""
    return np.int8 if categories < 127 else np.int16 if categories < 32767 else np.int32


@dataclass(frozen=True)
class Coded:
    """A text column as integer codes into its distinct values (``-1`` = missing).

    This is what a dictionary-encoded Parquet column already is; CSV text is encoded
    once. The loaders clean and parse each distinct value once instead of once per row,
    and hand the rules categoricals, whose reordering is a take of integers rather than
    a copy of strings. Recoding composes on the distinct values; the rows are mapped
    once, when the codes are asked for.
    """

    rows_of: Entries  # the entry each row holds, as read
    entry_code: np.ndarray  # per entry: its code into values, -1 = missing
    values: pd.Series  # the distinct values, RangeIndex 0..k-1

    @cached_property
    def codes(self) -> np.ndarray:
        """Per row: the code into ``values`` (the smallest integer type for them), -1 = missing."""
        return self.rows_of.spread(self.entry_code.astype(code_type(len(self.values))), -1)

    def rows(self, per_value: np.ndarray) -> np.ndarray:
        """A mask over the distinct values -> the mask over the rows (missing rows: False)."""
        per_value = np.append(np.asarray(per_value, dtype=bool), False)
        return self.rows_of.spread(per_value[self.entry_code], False)

    def recode(self, new_values: pd.Series) -> Coded:
        """Replace each distinct value (by position; missing allowed) and merge the ones now equal.

        The distinct values come out sorted, so a categorical of them sorts as the text does.
        """
        text = new_values.reset_index(drop=True)
        if text.dtype != "str":
            text = pd.Series(text.to_numpy(dtype=object), dtype="str")
        codes, uniques = pd.factorize(text, sort=True, use_na_sentinel=True)
        remap = np.append(codes, -1).astype(np.int32)
        return Coded(self.rows_of, remap[self.entry_code], pd.Series(uniques, dtype="str"))

    def categorical(self) -> pd.Series:
        categories = pd.Index(self.values, dtype="str")
        return pd.Series(pd.Categorical.from_codes(self.codes, categories=categories, validate=False), copy=False)

    def take(self, per_value: pd.Series) -> pd.Series:
        """Values given per distinct value (any dtype) -> per row, missing where the row is."""
        return pd.Series(per_value.array.take(self.codes, allow_fill=True))


def encode(values: pa.ChunkedArray | pa.Array) -> Coded:
    """Text (plain or dictionary-encoded Arrow) -> :class:`Coded` with cleaned, sorted distinct values."""
    rows_of, dictionary = distinct_entries(values)
    if not len(dictionary):
        return Coded(rows_of, np.zeros(0, dtype=np.int32), null_strings(0))
    cleaned = clean_strings(dictionary)
    if cleaned.notna().all() and pc.all(pc.equal(pa.array(cleaned.array), dictionary.cast(pa.large_string()))).as_py():
        # cleaning changed nothing (the usual case): the values are still distinct, only sort them
        order = pc.array_sort_indices(dictionary).to_numpy()
        rank = np.empty(len(order), dtype=np.int32)
        rank[order] = np.arange(len(order), dtype=np.int32)
        return Coded(rows_of, rank, cleaned.take(order).reset_index(drop=True))
    # merge values that cleaning made equal (or missing)
    return Coded(rows_of, np.arange(len(dictionary), dtype=np.int32), cleaned).recode(cleaned)


def distinct_entries(values: pa.ChunkedArray | pa.Array) -> tuple[Entries, pa.Array]:
    """Text (plain or dictionary-encoded Arrow) -> (the entry each row holds, the distinct values as written).

    A dictionary column keeps its indices: only its chunks' dictionaries (a few values each) are
    matched up. Plain text is encoded by :func:`same_width_codes` when its values have one width,
    else by Arrow's ``dictionary_encode``.
    """
    if isinstance(values, pa.Array):
        values = pa.chunked_array([values])
    if pa.types.is_dictionary(values.type) and not pa.types.is_string(values.type.value_type):
        values = values.cast(values.type.value_type)  # a dictionary of numbers: read as text below
    if not pa.types.is_dictionary(values.type):
        values = to_arrow_strings(values)
        fixed = same_width_codes(values)
        if fixed is not None:
            return fixed
        values = pc.dictionary_encode(values)
    dictionaries = [chunk.dictionary for chunk in values.chunks]
    if not dictionaries:
        return Entries(codes=np.zeros(0, dtype=np.int32)), pa.array([], pa.string())
    # the chunks' dictionaries as one: which distinct value each chunk's entry is
    joined = pc.dictionary_encode(pa.concat_arrays(dictionaries), null_encoding="encode")
    entry = joined.indices.to_numpy(zero_copy_only=False)
    bounds = np.cumsum([0] + [len(d) for d in dictionaries])
    chunks = tuple(
        (chunk.indices, entry[lo:hi]) for chunk, lo, hi in zip(values.chunks, bounds[:-1], bounds[1:], strict=True)
    )
    return Entries(chunks=chunks), joined.dictionary


@dataclass(frozen=True)
class _Words:
    """One chunk of one-width text read in place: the 64-bit words covering each value (the last one
    overlapping the one before when the width is no multiple of 8), of the rows holding a value."""

    rows: int  # rows of the chunk
    present: np.ndarray | None  # rows holding a value (None: all of them)
    words: list[np.ndarray]  # per word: one little-endian uint64 per row holding a value

    @property
    def count(self) -> int:
        return len(self.words[0]) if self.words else 0


def _word_starts(width: int) -> list[int]:
    return [*range(0, width - 8, 8), width - 8]


def _chunk_words(chunk: pa.Array) -> tuple[int, _Words] | None:
    """(width, words) of a chunk whose values ('' and null aside) have one width of 8+ bytes, else None.

    Width 0: the chunk holds no value."""
    if not len(chunk):
        return 0, _Words(0, None, [])
    _validity, offsets, data = chunk.buffers()
    off_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    off = np.frombuffer(offsets, dtype=off_type)[chunk.offset : chunk.offset + len(chunk) + 1]
    sizes = np.diff(off)
    width = int(sizes.max())
    present = sizes > 0
    del sizes
    if chunk.null_count:
        present &= np.asarray(chunk.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    count = int(np.count_nonzero(present))
    if not count:
        return 0, _Words(len(chunk), present, [])
    # every value at most `width` long and together count * width: all of one width, laid end to end
    # (a null slot with bytes behind it breaks the sum)
    if width < 8 or int(off[-1] - off[0]) != width * count:
        return None
    words = [np.ndarray((count,), "<u8", data, int(off[0]) + k, (width,)) for k in _word_starts(width)]
    return width, _Words(len(chunk), None if count == len(chunk) else present, words)


_BLOCK = 1 << 15  # rows mixed at a time: the working arrays stay in the processor's cache


def _mix(words: list[np.ndarray]) -> np.ndarray:
    """The words of each value mixed into one 64-bit integer: each word is xor-ed in and the bits spread
    by MurmurHash3's finaliser, so that values differing in a few bytes differ everywhere."""
    out = np.zeros(len(words[0]), dtype=np.uint64)
    for lo in range(0, len(out), _BLOCK):
        block = out[lo : lo + _BLOCK]
        for w in words:
            block ^= w[lo : lo + _BLOCK]
            for shift, factor in _FMIX:
                block ^= block >> shift
                block *= factor
            block ^= block >> np.uint64(33)
    return out


_FMIX = ((np.uint64(33), np.uint64(0xFF51AFD7ED558CCD)), (np.uint64(33), np.uint64(0xC4CEB9FE1A85EC53)))


def same_width_codes(values: pa.ChunkedArray) -> tuple[Entries, pa.Array] | None:
    """Codes and distinct values of text whose values all have one width of 8+ bytes (identifiers: a case
    number, the 28-character unit number); ``''`` and null are ``-1``. None for other text.

    Arrow hashes text at some 300 ns a row; here each value is read in place as the 64-bit words
    that cover it and turned into one integer, and the integers are factorised, several times
    faster. Digits only, at most 19 of them (case numbers): the integer is the number they write,
    so equal integers are equal values. Other text: the words are mixed into one integer, and since
    two values with the same mixed integer would be merged, every row's words are then compared
    with those of its value's representative row: on any difference (possible, never seen) the
    result is None and Arrow encodes the text instead.
    """
    chunks = [_chunk_words(chunk) for chunk in values.chunks]
    widths = {c[0] for c in chunks if c is not None and c[0]}
    if not chunks or any(c is None for c in chunks) or len(widths) > 1:
        return None
    width = widths.pop() if widths else 8
    parts = [c[1] for c in chunks if c is not None]
    held = [p for p in parts if p.count]
    numbers = _numbers_written(held, width)
    found = _distinct_numbers(numbers, width) if numbers is not None else _distinct_mixed(held, width)
    if found is None:
        return None
    codes, order, texts = found
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    present = None
    if any(p.present is not None for p in parts):
        present = np.concatenate([np.ones(p.rows, dtype=bool) if p.present is None else p.present for p in parts])
    return Entries(codes=codes, entry=rank, present=present), texts


def _distinct_mixed(held: list[_Words], width: int) -> tuple[np.ndarray, np.ndarray, pa.Array] | None:
    """(codes, the order of the distinct values as text, their texts in that order) by mixed words, every row
    checked against its value's representative; None when two values mixed to one integer."""
    mixed = np.concatenate([_mix(p.words) for p in held]) if held else np.zeros(0, dtype=np.uint64)
    codes, uniques = _factorised(mixed)
    del mixed
    shown = _representatives(held, codes, len(uniques), width)
    for p, lo in zip(held, np.cumsum([0] + [p.count for p in held]), strict=False):
        mine = codes[lo : lo + p.count]
        if any(not np.array_equal(w, out[mine]) for out, w in zip(shown, p.words, strict=True)):
            return None
    # sorted as text (bytes): the words read big-endian, first word first
    order = np.lexsort([w.view(">u8").astype(np.uint64) for w in reversed(shown)])
    return codes, order, _texts([w[order] for w in shown], width)


def _distinct_numbers(numbers: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """(codes, the order of the distinct values as text, their texts in that order) of values that are
    ``width`` digits, given as the numbers they write: of one width, numbers sort as their text does."""
    codes, uniques = _factorised(numbers)
    del numbers
    order = np.argsort(uniques, kind="stable")
    digits = pc.utf8_lpad(pc.cast(pa.array(uniques[order]), pa.string()), width=width, padding="0")
    return codes, order, digits.cast(pa.large_string())


def _factorised(ints: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(int32 codes, distinct integers in order of first appearance): Arrow's hash table, which gives the
    codes as int32 directly (pandas' are int64, then narrowed: a copy more)."""
    encoded = pc.dictionary_encode(pa.array(ints))
    return encoded.indices.to_numpy(), encoded.dictionary.to_numpy()


_ASCII_ZEROS = np.uint64(0x3030303030303030)  # '0' in every byte
_HIGH_NIBBLES = np.uint64(0xF0F0F0F0F0F0F0F0)
_SIXES = np.uint64(0x0606060606060606)
# the steps of 8 digits (first digit in the lowest byte) to their value: pairs, fours, all eight
_DIGIT_STEPS = (
    (np.uint64(10), np.uint64(8), np.uint64(0x00FF00FF00FF00FF)),
    (np.uint64(100), np.uint64(16), np.uint64(0x0000FFFF0000FFFF)),
    (np.uint64(10000), np.uint64(32), np.uint64(0x00000000FFFFFFFF)),
)
_MAX_DIGITS = 19  # 10**19 - 1 < 2**64


def _numbers_written(held: list[_Words], width: int) -> np.ndarray | None:
    """The number each value writes, when every value is ``width`` ASCII digits (8 … 19), else None.

    Each word is checked and converted in place (eight digits at a time, in the words' lanes); the
    last word overlaps the one before it when ``width`` is no multiple of 8, and only its last
    digits count.
    """
    if width > _MAX_DIGITS or not held:
        return None
    starts = _word_starts(width)
    scales = [np.uint64(10 ** (width - s - 8)) for s in starts[:-1]]
    tail = np.uint64(10 ** (width - starts[-2] - 8)) if len(starts) > 1 else None
    out = np.empty(sum(p.count for p in held), dtype=np.uint64)
    at = 0
    for p in held:
        for lo in range(0, p.count, _BLOCK):
            block = out[at + lo : at + min(lo + _BLOCK, p.count)]
            for k, w in enumerate(p.words):
                value = _eight_digits(w[lo : lo + _BLOCK])
                if value is None:
                    return None
                if k < len(scales):
                    value *= scales[k]
                elif tail is not None:
                    value %= tail
                if k:
                    block += value
                else:
                    block[:] = value
        at += p.count
    return out


def _eight_digits(word: np.ndarray) -> np.ndarray | None:
    """Words of eight ASCII digits (the first in the lowest byte) -> the numbers they write; None if a
    byte is no digit (its high nibble is not 3, or adding 6 carries it past 9)."""
    if ((word & _HIGH_NIBBLES) != _ASCII_ZEROS).any() or (((word + _SIXES) & _HIGH_NIBBLES) != _ASCII_ZEROS).any():
        return None
    x = word - _ASCII_ZEROS
    for factor, shift, mask in _DIGIT_STEPS:
        x = (x * factor + (x >> shift)) & mask
    return x


def _representatives(held: list[_Words], codes: np.ndarray, count: int, width: int) -> list[np.ndarray]:
    """The words of one row (among the rows holding a value, chunk after chunk) of each code."""
    where = np.empty(count, dtype=np.int64)
    where[codes] = np.arange(len(codes), dtype=np.int64)
    shown = [np.empty(count, dtype="<u8") for _ in _word_starts(width)]
    if len(held) == 1:
        return [w[where] for w in held[0].words]
    by_row = np.argsort(where)
    bounds = np.cumsum([0] + [p.count for p in held])
    cuts = np.searchsorted(where[by_row], bounds)
    for p, lo, a, b in zip(held, bounds[:-1], cuts[:-1], cuts[1:], strict=True):
        mine = by_row[a:b]
        for out, w in zip(shown, p.words, strict=True):
            out[mine] = w[where[mine] - lo]
    return shown


def _texts(words: list[np.ndarray], width: int) -> pa.Array:
    """The values whose words these are, as Arrow text."""
    count = len(words[0]) if words else 0
    data = np.empty((count, width), dtype=np.uint8)
    for k, w in zip(_word_starts(width), words, strict=True):
        data[:, k : k + 8] = w.view(np.uint8).reshape(count, 8)
    offsets = np.arange(0, (count + 1) * width, width, dtype=np.int64)
    return pa.LargeStringArray.from_buffers(count, pa.py_buffer(offsets), pa.py_buffer(data))


REJECT_VALUE_CHARS = 200  # a rejected value longer than this is shortened in the rejects file


def visible(text: str) -> str:
    """NUL bytes shown as ``\\x00``, so that a rejected value stays readable and writable."""
    return text.replace("\x00", "\\x00")


def has_nul(clean: pd.Series) -> np.ndarray:
    """Values holding a NUL byte (damaged text)."""
    return clean.str.contains("\x00", regex=False).fillna(False).to_numpy(dtype=bool)


def reject_value(values: pd.Series) -> pd.Series:
    """Values as the rejects file shows them: missing as '', NUL visible, long values shortened."""
    text = values.astype(object).where(values.notna(), "").astype("str")
    text = text.str.replace("\x00", "\\x00", regex=False)
    long = (text.str.len() > REJECT_VALUE_CHARS).to_numpy(dtype=bool)
    if long.any():
        size = text.str.len().astype("int64").astype(str)
        short = text.str.slice(0, REJECT_VALUE_CHARS) + "… (" + size + " characters)"
        text = text.where(~long, short)
    return text.astype(object).reset_index(drop=True)


def null_strings(n: int) -> pd.Series:
    """An all-missing column of the default string dtype, built without a Python object array."""
    return pd.Series(pa.nulls(n, pa.large_string()).to_pandas(types_mapper=_STR_DTYPE.get))


_STR_DTYPE = {pa.large_string(): pd.StringDtype("pyarrow", na_value=np.nan)}


def as_text(values: pd.Series) -> pd.Series:
    """A text column, categorical or not, as pandas' default string dtype (missing kept missing). A
    categorical of text is taken from its categories in Arrow: pandas' own conversion makes a Python
    string per row and reads them back (0.1 s a million rows)."""
    arr = values.array
    if not (isinstance(arr, pd.Categorical) and arr.categories.dtype == "str"):
        return values.astype("str").reset_index(drop=True)
    codes = arr.codes
    rows = pa.array(codes, mask=codes < 0) if (codes < 0).any() else pa.array(codes)
    taken = pc.take(pa.array(arr.categories.array).cast(pa.large_string()), rows)
    return pd.Series(taken.to_pandas(types_mapper=_STR_DTYPE.get), copy=False)


def _bad(parsed: pd.Series, present: pd.Series) -> np.ndarray:
    return (present & parsed.isna()).to_numpy(dtype=bool)


def map_on_uniques(clean: pd.Series, mapping) -> pd.Series:
    """Apply ``mapping`` (a function of one string) to the distinct values only."""
    codes, uniques = pd.factorize(clean, use_na_sentinel=True)
    mapped = np.array([mapping(u) for u in uniques], dtype=object)
    out = np.full(len(codes), None, dtype=object)
    ok = codes >= 0
    out[ok] = mapped[codes[ok]]
    return pd.Series(out, index=clean.index, dtype=object)


def as_category(values: pd.Series) -> pd.Series:
    """Codes -> categorical with string categories (also when every value is missing)."""
    return values.astype("str").astype("category")


def parse_enum(clean: pd.Series, lookup: dict[str, str]) -> tuple[pd.Series, np.ndarray]:
    """Codes or Chinese labels -> canonical code (categorical); unknown -> bad."""
    lower = {k.lower(): v for k, v in lookup.items()}

    def one(u: str) -> str | None:
        return lookup.get(u) or lower.get(u.lower())

    parsed = map_on_uniques(clean, one)
    bad = _bad(parsed, clean.notna())
    return as_category(parsed), bad


def parse_list(clean: pd.Series, lookup: dict[str, str], order: list[str]) -> tuple[pd.Series, np.ndarray]:
    """';'-separated subset of codes/labels, each item trimmed -> canonical ';'-joined codes."""
    lower = {k.lower(): v for k, v in lookup.items()}
    rank = {code: i for i, code in enumerate(order)}

    def one(u: str) -> str | None:
        items = [i.strip() for i in u.replace("；", ";").replace("、", ";").split(";")]
        codes = set()
        for item in items:
            if not item:
                continue
            code = lookup.get(item) or lower.get(item.lower())
            if code is None:
                return None
            codes.add(code)
        return ";".join(sorted(codes, key=rank.__getitem__)) if codes else ""

    parsed = map_on_uniques(clean, one)
    bad = _bad(parsed, clean.notna())
    parsed = parsed.where(parsed != "", None)
    return as_category(parsed), bad


def parse_bool_series(clean: pd.Series) -> pd.Series:
    def one(u: str) -> bool | None:
        low = u.strip().lower()
        if low in TRUE_VALUES:
            return True
        if low in FALSE_VALUES:
            return False
        return None

    return map_on_uniques(clean, one).astype("boolean")


def parse_bool(clean: pd.Series) -> tuple[pd.Series, np.ndarray]:
    parsed = parse_bool_series(clean)
    return parsed, _bad(parsed, clean.notna())


def parse_decimal(clean: pd.Series) -> tuple[pd.Series, np.ndarray]:
    text = clean.str.replace(",", "", regex=False).str.replace("，", "", regex=False)
    text = text.str.removesuffix("元")
    parsed = pd.to_numeric(text, errors="coerce").astype("float64")
    parsed = parsed.where(np.isfinite(parsed))  # "inf", "1e999": not an amount
    return parsed, _bad(parsed, clean.notna())


# an integer that float64 holds exactly, written plainly: Arrow's cast reads it as pandas' to_numeric would
_PLAIN_INT_RE = r"^-?\d{1,15}$"


def parse_int(clean: pd.Series) -> tuple[pd.Series, np.ndarray]:
    arr = to_arrow_strings(clean)
    plain = pc.fill_null(pc.match_substring_regex(arr, _PLAIN_INT_RE), False)
    if (pc.sum(plain).as_py() or 0) == len(arr) - arr.null_count:  # every value plain (the usual column)
        ints = pc.cast(arr, pa.int64()).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        return pd.Series(ints.array, index=clean.index), np.zeros(len(clean), dtype=bool)
    num = pd.to_numeric(clean, errors="coerce").astype("float64")
    # whole numbers that fit in 64 bits ("inf" or 1e30 is not a sequence number)
    whole = num.notna() & (num == np.floor(num)) & (num.abs() < 2.0**63)
    parsed = num.where(whole).astype("Int64")
    # beyond 2**53 a float64 rounds: take the digits of plainly written integers as they are
    big = (whole & (num.abs() >= 2.0**53)).to_numpy(dtype=bool)
    if big.any():
        text = clean[big].str.strip()
        digits = text.str.fullmatch(r"[+-]?\d{1,19}").fillna(False).to_numpy(dtype=bool)
        exact = parsed.to_numpy(dtype=object)
        # the few values this large (rare: a sequence number near 2**63), not every row
        values = [int(t) for t in text[digits]]
        exact[np.flatnonzero(big)[digits]] = [v if -(2**63) <= v < 2**63 else None for v in values]
        parsed = pd.Series(pd.array(exact, dtype="Int64"), index=clean.index)
    return parsed, _bad(parsed, clean.notna())


def _from_parts(parts: pa.StructArray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Regex groups -> (naive datetime64[ns] of the written wall time, offset minutes or NaN, year out of range).

    A well-formed time whose year lies outside 1899 … 2101 is NaT with its flag set; nothing is
    built outside pandas' nanosecond range (which would raise or wrap around).
    """

    def col(name: str, default: int) -> np.ndarray:
        text = pc.struct_field(parts, name)
        text = pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)
        out = pc.cast(text, pa.int64()).to_numpy(zero_copy_only=False)
        out = np.where(np.isnan(out.astype("float64")), default, out)
        return out.astype(np.int64)

    frame = pd.DataFrame(
        {
            "year": col("y", 1970),
            "month": col("mo", 1),
            "day": col("d", 1),
            "hour": col("h", 0),
            "minute": col("mi", 0),
            "second": col("s", 0),
        }
    )
    valid = (frame["hour"] < 24) & (frame["minute"] < 60) & (frame["second"] < 60)
    valid &= frame["month"].between(1, 12) & frame["day"].between(1, 31)
    # one year of margin each side: an offset can move a time across the range's edge
    far = (valid & ~frame["year"].between(1899, 2101)).to_numpy(dtype=bool, copy=True)
    valid &= ~far
    # an invalid part (hour 25, month 13) -> a date that does not exist, which to_datetime makes NaT
    ok = valid.to_numpy(dtype=bool)
    parts_ok = {k: np.where(ok, v.to_numpy(), {"year": 1, "month": 13, "day": 1}.get(k, 0)) for k, v in frame.items()}
    stamps = pd.to_datetime(pd.DataFrame(parts_ok), errors="coerce")
    frac_text = pc.struct_field(parts, "f")
    frac_text = pc.if_else(pc.equal(frac_text, ""), pa.scalar(".0"), frac_text)
    frac = pc.cast(pc.binary_join_element_wise("0", frac_text, ""), pa.float64()).to_numpy()
    stamps = stamps + pd.to_timedelta(np.round(frac * 1e9).astype(np.int64), unit="ns")
    offsets = _offset_minutes(pc.struct_field(parts, "tz"))
    # copy: under pandas 3 copy-on-write to_numpy() is a read-only view, and the caller writes into it
    return stamps.to_numpy(dtype="datetime64[ns]", copy=True), offsets, far


_OFFSET_RE = r"^(?P<sign>[+-])(?P<hh>\d{2})(?::?(?P<mm>\d{2}))?$"


def _offset_minutes(text: pa.Array) -> np.ndarray:
    """Offset texts (``Z``, ``UTC``, ``+08``, ``+0800``, ``-05:30``; '' = none) -> minutes east of UTC.

    NaN where a value carries no offset. An impossible offset (beyond ±14:00, or 60+
    minutes) is returned as +inf so that the caller can treat the time as not understood.
    """
    zulu = np.asarray(pc.is_in(pc.utf8_upper(text), value_set=pa.array(["Z", "UTC"])).to_numpy(zero_copy_only=False))
    parts = pc.extract_regex(text, _OFFSET_RE)

    def num(name: str) -> np.ndarray:
        field = pc.struct_field(parts, name)
        field = pc.if_else(pc.equal(field, ""), pa.scalar("0"), field)
        return pc.cast(field, pa.float64()).to_numpy(zero_copy_only=False)

    hours, minutes = num("hh"), num("mm")
    west = pc.fill_null(pc.equal(pc.struct_field(parts, "sign"), "-"), False).to_numpy(zero_copy_only=False)
    out = np.where(west, -1.0, 1.0) * (hours * 60 + minutes)
    out[(minutes >= 60) | (np.abs(out) > 14 * 60)] = np.inf
    out[zulu.astype(bool)] = 0.0
    return out


_TS_FIELDS = ["y", "mo", "d", "h", "mi", "s", "f", "tz"]


def _match_times(sub: pa.Array, pattern: str, tz: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Values matching a timestamp pattern -> (local times, matched, out of range); NaT where not understood."""
    parts = pc.extract_regex(sub, pattern)
    matched = np.asarray(parts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    parts_filled = pc.if_else(parts.is_valid(), parts, pa.scalar({k: "" for k in _TS_FIELDS}, parts.type))
    stamps, offsets, far = _from_parts(parts_filled, len(sub))
    stamps[~matched] = np.datetime64("NaT")
    stamps[np.isinf(offsets)] = np.datetime64("NaT")  # impossible offset, e.g. +25:00
    far &= matched & ~np.isinf(offsets)
    has_off = np.isfinite(offsets) & matched & ~far
    if has_off.any():
        utc = stamps[has_off] - (offsets[has_off] * 60).astype("timedelta64[s]")
        local = pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(tz).tz_localize(None)
        stamps[has_off] = local.to_numpy(dtype="datetime64[ns]")
    return stamps, matched, far


def excel_serials(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Excel serial day numbers -> (local times, not understood, out of range).

    Serials of 1990-01-01 … 2100-12-31 are dates; a smaller number (a stray count, a negative,
    NaN, infinity) is not a date; a larger finite one is a date after 2100: out of range.
    """
    days = np.asarray(days, dtype=np.float64)
    finite = np.isfinite(days)
    ok = finite & (days >= _EXCEL_FIRST) & (days < _EXCEL_END)
    out_of_range = finite & (days >= _EXCEL_END)
    seconds = np.round(np.where(ok, days, 0.0) * 86400).astype(np.int64)
    stamps = np.where(ok, _EXCEL_EPOCH + seconds.astype("timedelta64[s]"), np.datetime64("NaT"))
    return stamps.astype("datetime64[ns]"), ~ok & ~out_of_range, out_of_range


# a canonical time whose every field is in range on every day of the calendar (day ≤ 28, second ≤ 59)
_PLAIN_TIME_RE = r"^\d{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|1\d|2[0-8]) (?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d$"


def _read_as_written(arr: pa.Array, parsed: pa.Array) -> np.ndarray:
    """Where ``strptime`` read the text as it is written: it rolls impossible days over (2026-02-30 ->
    2026-03-02), so a value counts only if it prints back as given. Printing is slow (1 s a million), and a
    value of the canonical shape with a day up to 28 and a second up to 59 always prints back: only the others
    are printed and compared."""
    ok = np.asarray(pc.is_valid(parsed).to_numpy(zero_copy_only=False), dtype=bool)
    plain = pc.fill_null(pc.match_substring_regex(arr, _PLAIN_TIME_RE), False)
    doubt = np.flatnonzero(ok & ~np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool))
    if len(doubt):
        rows = pa.array(doubt)
        printed = pc.strftime(parsed.take(rows), format="%Y-%m-%d %H:%M:%S")
        same = pc.fill_null(pc.equal(printed, arr.take(rows)), False)
        ok[doubt] = np.asarray(same.to_numpy(zero_copy_only=False), dtype=bool)
    return ok


def parse_times(clean: pd.Series, tz: str = "Asia/Shanghai") -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Every timestamp form of input.md -> (naive local wall time in ``tz``, not understood, out of range).

    Values that carry an offset (``+02:00``, ``Z``) are converted to ``tz`` before the offset
    is dropped; values without one are already local time. The compact ``20260315100000``
    (ISO 8601's basic format) and Excel serial numbers (days since 1899-12-30) are accepted too.
    A time outside 1900-01-01 … 2100-12-31 (local) is NaT and flagged out of range.
    """
    n = len(clean)
    arr = to_arrow_strings(clean).combine_chunks()
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    far = np.zeros(n, dtype=bool)
    present = ~np.asarray(pc.is_null(arr).to_numpy(zero_copy_only=False), dtype=bool)
    # fast path: the canonical 'YYYY-MM-DD HH:MM:SS', read to seconds (any year fits) and range-checked
    fast = pc.strptime(arr, format="%Y-%m-%d %H:%M:%S", unit="s", error_is_null=True)
    fast_ok = _read_as_written(arr, fast)
    seconds = fast.to_numpy(zero_copy_only=False).astype("datetime64[s]")
    # compared in seconds: a comparison in nanoseconds would itself wrap around
    inside = fast_ok & (seconds >= TIME_FIRST.astype("datetime64[s]")) & (seconds < TIME_END.astype("datetime64[s]"))
    out[inside] = seconds[inside].astype("datetime64[ns]")
    far[fast_ok & ~inside] = True
    rest = np.flatnonzero(present & ~fast_ok)
    if len(rest):
        sub = arr.take(pa.array(rest))
        stamps, matched, sub_far = _match_times(sub, _TS_RE, tz)
        compact = ~matched & np.asarray(pc.match_substring_regex(sub, _COMPACT_RE).to_numpy(zero_copy_only=False))
        if compact.any():
            c_stamps, _, c_far = _match_times(sub.filter(pa.array(compact)), _COMPACT_RE, tz)
            # digits that are no compact time (month 00 …) are left to be read as an Excel serial
            claimed = np.flatnonzero(compact)[~np.isnat(c_stamps) | c_far]
            stamps[compact], sub_far[compact] = c_stamps, c_far
            matched[claimed] = True
        excel = np.asarray(pc.match_substring_regex(sub, _EXCEL_RE).to_numpy(zero_copy_only=False), dtype=bool)
        excel &= ~matched
        if excel.any():
            days = pc.cast(sub.filter(pa.array(excel)), pa.float64()).to_numpy()
            stamps[excel], _, sub_far[excel] = excel_serials(days)
        out[rest], far[rest] = stamps, sub_far
    # a time near an edge of the range may have crossed it when its offset was applied
    edge = ~np.isnat(out) & ((out < TIME_FIRST) | (out >= TIME_END))
    out[edge] = np.datetime64("NaT")
    far |= edge
    parsed = pd.Series(out, index=clean.index)
    return parsed, present & np.isnat(out) & ~far, far


def parse_timestamps(clean: pd.Series, tz: str = "Asia/Shanghai") -> tuple[pd.Series, np.ndarray]:
    """:func:`parse_times` with one mask of the values that are no usable time (not understood or out of range)."""
    parsed, bad, far = parse_times(clean, tz)
    return parsed, bad | far


def parse_dates(clean: pd.Series, tz: str = "Asia/Shanghai") -> pd.Series:
    """Dates in the timestamp forms (time optional) -> datetime64 at midnight."""
    parsed, _ = parse_timestamps(clean, tz)
    return parsed.dt.normalize()


_PER_DAY = {"s": 86_400, "ms": 86_400_000, "us": 86_400_000_000, "ns": 86_400_000_000_000}


def typed_times(values: pa.ChunkedArray, tz: str) -> tuple[pd.Series, np.ndarray]:
    """A typed Arrow timestamp (any unit, with or without a time zone) or date32/date64 column
    -> (naive local time, out of range). tz-aware values are converted to ``tz``.

    The range is checked on the stored integers before any conversion to nanoseconds, so a
    ``timestamp[s]`` of 2610 or 9999 is flagged, never wrapped around.
    """
    typ = values.type
    if pa.types.is_date32(typ):
        ints, per_day, zone = pc.cast(values, pa.int32()), 1, None
    elif pa.types.is_date64(typ):
        ints, per_day, zone = pc.cast(values, pa.int64()), _PER_DAY["ms"], None
    else:
        ints, per_day, zone = pc.cast(values, pa.int64()), _PER_DAY[typ.unit], typ.tz
    if zone is None and _all_inside(ints, per_day):  # the usual case: one conversion, no masks
        stamps = pc.cast(values, pa.timestamp("ns")).to_numpy(zero_copy_only=False)
        return pd.Series(stamps, copy=False), np.zeros(len(values), dtype=bool)
    present = ~np.asarray(pc.is_null(ints).to_numpy(zero_copy_only=False), dtype=bool)
    raw = pc.fill_null(ints, 0).to_numpy(zero_copy_only=False).astype(np.int64)
    # a day of margin each side (a time zone can move a time across the edge); then nanoseconds are safe
    first = (TIME_FIRST.astype("datetime64[D]").astype(np.int64) - 1) * per_day
    end = (TIME_END.astype("datetime64[D]").astype(np.int64) + 1) * per_day
    band = present & (raw >= first) & (raw < end)
    nanos = np.where(band, raw, 0) * (_PER_DAY["ns"] // per_day)
    stamps = np.where(band, nanos.view("datetime64[ns]"), np.datetime64("NaT"))
    if zone is not None:
        local = pd.DatetimeIndex(stamps).tz_localize("UTC").tz_convert(tz).tz_localize(None)
        stamps = local.to_numpy(dtype="datetime64[ns]", copy=True)
    inside = band & (stamps >= TIME_FIRST) & (stamps < TIME_END)
    stamps[~inside] = np.datetime64("NaT")
    return pd.Series(stamps), present & ~inside


def _all_inside(ints: pa.ChunkedArray, per_day: int) -> bool:
    """Every value (times as integers, ``per_day`` to a day) lies in 1900-01-01 … 2100-12-31; nulls aside."""
    low, high = pc.min_max(ints).values()
    if not low.is_valid:
        return True  # no value at all
    first = TIME_FIRST.astype("datetime64[D]").astype(np.int64) * per_day
    end = TIME_END.astype("datetime64[D]").astype(np.int64) * per_day
    return bool(first <= low.as_py() and high.as_py() < end)


# --- identifiers a spreadsheet turned into numbers (README "输入 / input") --------------------

ID_COLUMNS = ("case_id", "unit_id", "office_code")
MANGLED = "identifier mangled by a spreadsheet ({how}): re-export as text"
SCIENTIFIC = "scientific notation"
ROUNDED = "rounded to 15 digits"
DECIMAL = "decimal number"
FLOATING = "stored as floating-point numbers"
MANGLED_REASONS = frozenset(MANGLED.format(how=how) for how in (SCIENTIFIC, ROUNDED, DECIMAL, FLOATING))
# 3.40104E+16, 3.4010220260100002e16, 3,40104E+16; a mantissa without a point needs a signed exponent,
# so that an id such as 2026E001 is not taken for one
_SCIENTIFIC_RE = r"^[+-]?(?:\d+[.,]\d*[eE][+-]?\d+|\d+[eE][+-]\d+)$"
_DECIMAL_RE = r"^\d+\.0+$"  # 34010220260100002.0: written back from a floating-point number
# a 16+-digit value whose digits after the 15th are all 0: what Excel's 15 significant digits leave


def mangled_ids(values: pd.Series) -> pd.Series:
    """Per distinct identifier: how a spreadsheet mangled it (SCIENTIFIC, ROUNDED, DECIMAL), else NA.

    Scientific notation and a ``.0`` ending are never a real identifier. Zeros after the 15th digit
    can be (one 17-digit id in 100 ends in 00), so ROUNDED is judged on the column: more than half
    of its distinct 16+-digit values end so, and together they are a 1-in-1,000 chance for real ids
    (at least three such zeros in all: two 17-digit ids, or one of 18 digits).
    """
    arr = pa.array(values.array) if values.dtype == "str" else to_arrow_strings(values).combine_chunks()
    arr = arr.cast(pa.large_string())
    digits = np.asarray(pc.fill_null(pc.utf8_is_digit(arr), False).to_numpy(zero_copy_only=False), dtype=bool)
    kinds = [DECIMAL, SCIENTIFIC, ROUNDED]
    out = np.full(len(values), -1, dtype=np.int8)  # index into kinds, -1 = not mangled
    other = np.flatnonzero(~digits & arr.is_valid().to_numpy(zero_copy_only=False))
    if len(other):  # RE2 on the values that are not all digits only (all-digit ids are the usual case)
        text = arr.take(pa.array(other))
        for k, pattern in enumerate((_DECIMAL_RE, _SCIENTIFIC_RE)):
            hit = np.asarray(pc.match_substring_regex(text, pattern).to_numpy(zero_copy_only=False), dtype=bool)
            out[other[hit]] = k
    length = pc.utf8_length(arr).to_numpy(zero_copy_only=False)
    long = digits & (np.nan_to_num(length.astype("float64")) >= 16)
    if long.any():
        tail = pc.utf8_rtrim(pc.utf8_slice_codeunits(arr, 15), characters="0")
        rounded = long & np.asarray(pc.fill_null(pc.equal(tail, ""), False).to_numpy(zero_copy_only=False), dtype=bool)
        zeros = int((length[rounded] - 15).sum())
        if rounded.sum() * 2 > long.sum() and zeros >= 3:
            out[rounded] = 2
    return pd.Series(pd.Categorical.from_codes(out, categories=kinds), index=values.index)
