"""Read CSV / Parquet files, directories and globs into one normalised events frame.

Rows that cannot be used go to the rejects table with the file, the row number
(as a spreadsheet shows it: the header is row 1), the column, the value and the
reason; the rest load. A file that cannot be read at all raises InputError.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import os
import stat
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from pandas.api.types import union_categoricals

from ..errors import InputError
from ..facts import SourceInfo, flat_log_lacks
from ..schema import BY_NAME, CANONICAL, CHANGE_KINDS, REQUIRED, ZH_HEADERS, column_label, enum_lookup, step_code
from ..threads import map_in_threads
from . import values as V
from .memory import check_memory, parquet_sizes
from .profile import Profile
from .text import inspect_text, last_line

DATA_SUFFIXES = {".csv", ".parquet", ".pq"}  # read from folders and globs; a named file is always read
DATASET_MARKER = "_regcheck_dataset.json"  # partition.MARKER: not data, passed over without a note
REJECT_COLUMNS = ["file", "row", "column", "value", "reason"]
_CHUNK = 1 << 24  # CSV block: a value longer than this makes the file read as one block
_MAX_BLOCK = (1 << 31) - 1  # the largest block pyarrow reads


@dataclass
class LoadResult:
    events: pd.DataFrame  # canonical columns (parsed) + _row (input order), _file, _line
    rejects: pd.DataFrame  # file, row, column, value, reason — one line per problem
    files: list[str]
    rows_read: int  # accepted + rejected + blank (rows_blank); repeated header lines are not rows
    rows_blank: int = 0  # rows whose every cell is empty: neither used nor rejected
    # office_code (None if unreadable), event_seq, event_time (NaT if unreadable) of the rejected
    # rows whose event_seq is readable: present in the input, so LG001 counts them (rules/integrity.py)
    rejected_seqs: pd.DataFrame = field(default_factory=lambda: rejected_seq_frame([]))
    source: SourceInfo = field(default_factory=SourceInfo)  # the flat log, or a message/table source

    @property
    def rows_rejected(self) -> int:
        if self.rejects.empty:
            return 0
        return int(self.rejects[["file", "row"]].drop_duplicates().shape[0])


@dataclass
class SourceFile:
    path: Path
    constants: dict[str, str] = field(default_factory=dict)  # Hive partition keys

    @property
    def kind(self) -> str:
        """Parquet when the bytes say so (``PAR1`` magic) whatever the name, else CSV text."""
        try:
            with self.path.open("rb") as fh:
                if fh.read(4) == b"PAR1":
                    return "parquet"
        except OSError:
            pass
        return "parquet" if self.path.suffix.lower() in {".parquet", ".pq"} else "csv"


def hive_keys(path: Path) -> dict[str, str]:
    """``key=value`` folder names on the path (Hive partitioning); inner folders win."""
    consts: dict[str, str] = {}
    for part in path.parts[:-1]:
        if "=" in part:
            key, _, val = part.partition("=")
            consts[unquote(key)] = unquote(val)
    return consts


@dataclass
class Survey:
    """What a scan reads (files in order) and what it passed over, each with the reason."""

    files: list[SourceFile]
    skipped: list[str] = field(default_factory=list)  # "PATH (why)", one per file or folder passed over


def discover(inputs: Sequence[str | os.PathLike[str]], recursive: bool = False) -> list[SourceFile]:
    """The files of :func:`survey`, in order."""
    return survey(inputs, recursive).files


def survey(inputs: Sequence[str | os.PathLike[str]], recursive: bool = False) -> Survey:
    """Paths, globs and folders -> the files to read, in order, and what was passed over.

    A folder is read without its subfolders unless ``recursive`` — except ``key=value`` (Hive)
    subfolders, the layout of an ``office_code=…`` dataset, which are always read. In a folder or a
    glob's matches, only ``.csv``, ``.parquet`` and ``.pq`` files are read, and names starting with
    ``_`` or ``.`` are passed over; a file named on the command line is always read. Files keep the
    order given (a folder's files and a glob's matches sorted by name); a file named twice
    (``logs/ logs/a.csv``) is read once, where it first appears; two files with the same content are
    an error (the same export given twice would double every count).
    """
    out: list[SourceFile] = []
    skipped: list[str] = []
    seen: set[Path] = set()

    def add(f: Path) -> None:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            out.append(SourceFile(f, hive_keys(f)))

    for item in inputs:
        text = str(item)
        if any(ch in text for ch in "*?[") and not Path(text).exists():
            found = sorted(glob.glob(text, recursive=True))
            if not found:
                raise InputError(f"{text}: no file matches this pattern")
            for m in found:
                _walk(Path(m), recursive, add, skipped, top=False)
            continue
        path = Path(text)
        if path.is_dir():
            before = len(out)
            _walk(path, recursive, add, skipped, top=True)
            if len(out) == before:
                raise InputError(f"{path}: the folder holds no .csv or .parquet file" + _hint(path, skipped))
        elif path.exists() or path.is_symlink():
            _check_regular(path)
            add(path)
        else:
            raise InputError(f"{path}: no such file or folder")
    _check_same_content(out)
    return Survey(out, list(dict.fromkeys(skipped)))


def _walk(path: Path, recursive: bool, add: Callable[[Path], None], skipped: list[str], top: bool) -> None:
    """A folder's data files (sorted by name; subfolders: Hive ones, or all when recursive), or one glob match."""
    if not top:  # a glob's match: a data file, a folder, or something passed over
        if path.is_dir():
            _walk(path, recursive, add, skipped, top=True)
        elif _is_regular(path) and path.suffix.lower() in DATA_SUFFIXES and not _hidden_name(path):
            add(path)
        else:
            skipped.append(f"{path} ({_skip_reason(path)})")
        return
    for p in sorted(path.iterdir()):
        if p.name == DATASET_MARKER:
            continue  # the description of an office_code=… dataset, not data
        if _hidden_name(p):
            skipped.append(f"{p} ({_skip_reason(p)})")
        elif p.is_dir():
            if recursive or "=" in p.name:
                _walk(p, recursive, add, skipped, top=True)
            else:
                skipped.append(f"{p}/ (a subfolder; --recursive reads subfolders)")
        elif _is_regular(p) and p.suffix.lower() in DATA_SUFFIXES:
            add(p)
        else:
            skipped.append(f"{p} ({_skip_reason(p)})")


def _hidden_name(p: Path) -> bool:
    return p.name.startswith((".", "_"))


def _skip_reason(p: Path) -> str:
    if _hidden_name(p):
        return f"the name starts with {p.name[0]!r}"
    if p.exists() and not p.is_dir() and not _is_regular(p):
        return "not a regular file"
    return "neither .csv nor .parquet"


def _hint(path: Path, skipped: list[str]) -> str:
    mine = [s for s in skipped if s.startswith(str(path))]
    return f"; passed over: {', '.join(mine[:3])}" + (" …" if len(mine) > 3 else "") if mine else ""


def _is_regular(p: Path) -> bool:
    try:
        return stat.S_ISREG(p.stat().st_mode)
    except OSError:
        return False


def _check_regular(path: Path) -> None:
    """A device (/dev/zero), a FIFO or a socket is named as such, not as a missing file."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise InputError(f"{path}: cannot open it ({exc.strerror or exc})") from None
    if not stat.S_ISREG(mode):
        what = next((name for test, name in _NOT_REGULAR if test(mode)), "not a file")
        raise InputError(f"{path}: not a regular file ({what}); save the export to a file and give that")


_NOT_REGULAR = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


def _check_same_content(files: Sequence[SourceFile]) -> None:
    """Two files of one scan with the same bytes: InputError naming both (header-only files aside)."""
    by_size: dict[int, list[Path]] = {}
    for f in files:
        by_size.setdefault(f.path.stat().st_size, []).append(f.path)
    for size, paths in by_size.items():
        if len(paths) < 2 or size == 0:
            continue
        first: dict[str, Path] = {}
        for p in paths:
            digest = _digest(p)
            if digest in first and _holds_rows(p):
                raise InputError(
                    f"{first[digest]} and {p} have identical content (the same export given twice?); "
                    "give each export once"
                )
            first.setdefault(digest, p)


def _digest(path: Path) -> str:
    h = hashlib.blake2b(digest_size=16)
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _holds_rows(path: Path) -> bool:
    """False for a file with a header and no rows (two months without activity may export the same bytes)."""
    try:
        with path.open("rb") as fh:
            if fh.read(4) == b"PAR1":
                return pq.ParquetFile(path).metadata.num_rows > 0
            fh.seek(0)
            head = fh.read(1 << 16)
    except (OSError, pa.ArrowException):
        return True
    return len(head) == 1 << 16 or len([line for line in head.splitlines() if line.strip()]) > 1


# --- CSV ---------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """UTF-8 with BOM, UTF-8, or GB18030 (a superset of GBK), decided by decoding the bytes (loaders/text.py)."""
    return inspect_text(path).encoding


def _read_header(path: Path, encoding: str, delimiter: str = ",") -> list[str]:
    with path.open("r", encoding=encoding, newline="") as fh:
        try:
            headers = next(csv.reader(fh, delimiter=delimiter))
        except StopIteration:
            raise InputError(f"{path}: the file is empty") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise InputError(f"{path}: cannot read the header line ({exc})") from None
    if not any(h.strip() for h in headers):
        raise InputError(f"{path}: the first line is empty; it must be the header line (column names)")
    if any("\x00" in h for h in headers):
        raise InputError(f"{path}: the header line holds NUL bytes; this is not a CSV text file")
    return headers


def read_csv_table(
    path: Path, wanted: Callable[[list[str]], list[str]], delimiter: str = ","
) -> tuple[pa.Table, list[str], list[dict]]:
    """All cells as strings. Returns (table, headers, ragged-row problems)."""
    info = inspect_text(path)
    encoding = info.encoding
    headers = _read_header(path, encoding, delimiter)
    _check_duplicates(path, headers)
    keep = wanted(headers)
    problems: list[dict] = []
    # a file cut in the middle of a character: read the whole characters (the cut row is rejected)
    source: Path | pa.BufferReader = path
    if info.size < path.stat().st_size:
        source = pa.BufferReader(pa.memory_map(str(path)).read_buffer(info.size))

    def on_invalid(row: pacsv.InvalidRow) -> str:
        problems.append(
            {
                "row": None if row.number is None else int(row.number),
                "reason": f"expected {row.expected_columns} fields, found {row.actual_columns}",
                "value": V.visible(row.text or "")[:200],
            }
        )
        return "skip"

    pyenc = "utf8" if encoding == "utf-8" else encoding

    block = _CHUNK

    def read(threads: bool) -> pa.Table:
        problems.clear()
        if isinstance(source, pa.BufferReader):
            source.seek(0)
        return pacsv.read_csv(
            source,
            read_options=pacsv.ReadOptions(encoding=pyenc, block_size=block, use_threads=threads),
            parse_options=csv_parse_options(delimiter, on_invalid),
            convert_options=csv_convert_options(headers, keep),
        )

    try:
        try:
            table = read(threads=True)
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc) or info.size <= block:
                raise
            # one value longer than a block (a scanned document pasted into a cell): read the file as one block
            block = min(info.size + 1, _MAX_BLOCK)
            if info.size + 1 > _MAX_BLOCK:
                raise InputError(
                    f"{path}: a single value (a quoted cell) is over {_MAX_BLOCK >> 20:,} MB, more than regcheck "
                    "reads in one piece; shorten or remove that cell"
                ) from None
            table = read(threads=True)
        if any(p["row"] is None for p in problems):
            # the multi-threaded reader does not know the row numbers of malformed rows;
            # such files are rare, so read them again single-threaded to report where they are
            table = read(threads=False)
    except (pa.ArrowInvalid, pa.ArrowKeyError, UnicodeDecodeError, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InputError(f"{path}: cannot read the CSV ({first})") from None
    return table, headers, problems


def csv_parse_options(delimiter: str, on_invalid: Callable[[pacsv.InvalidRow], str]) -> pacsv.ParseOptions:
    """How every reader of a CSV log splits it (the loader and both passes of ``regcheck partition``).

    An empty line is a blank row (counted), not skipped, so that later rows keep their row numbers.
    """
    return pacsv.ParseOptions(
        delimiter=delimiter, newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=on_invalid
    )


def csv_convert_options(headers: list[str], keep: list[str] | None = None) -> pacsv.ConvertOptions:
    """Every cell as text, an empty cell as "" (not null): the columns ``keep`` (all if None)."""
    return pacsv.ConvertOptions(
        column_types={h: pa.string() for h in headers},
        include_columns=keep,
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )


def _check_duplicates(path: Path, headers: list[str]) -> None:
    seen: set[str] = set()
    for h in headers:
        key = h.strip()
        if key in seen and key:
            raise InputError(f"{path}: the header {key!r} appears twice")
        seen.add(key)


# --- Parquet -----------------------------------------------------------------------------


def _value_type_is(typ: pa.DataType, test: Callable[[pa.DataType], bool]) -> bool:
    """``test`` on a column's value type (a dictionary column: on its dictionary's)."""
    return test(typ.value_type if pa.types.is_dictionary(typ) else typ)


def _is_text(typ: pa.DataType) -> bool:
    return pa.types.is_string(typ) or pa.types.is_large_string(typ)


def read_parquet_table(
    path: Path, wanted: Callable[[list[str]], list[str]], dictionary: bool = True
) -> tuple[pa.Table, list[str]]:
    """The wanted columns; text columns as Arrow dictionaries unless ``dictionary`` is False."""
    try:
        pf = pq.ParquetFile(path)
        headers = list(pf.schema_arrow.names)
        _check_duplicates(path, headers)
        columns = wanted(headers)
        # text columns as Arrow dictionaries: Parquet stores them so, and the loaders work on distinct values
        text = [f.name for f in pf.schema_arrow if dictionary and f.name in columns and _is_text(f.type)]
        if text:
            pf = pq.ParquetFile(path, read_dictionary=text)
        table = pf.read(columns=columns)
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise _parquet_error(path, exc) from None
    return table, headers


def _parquet_error(path: Path, exc: Exception) -> InputError:
    first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return InputError(f"{path}: cannot read the Parquet file ({first})")


@dataclass(frozen=True)
class ParquetColumn:
    """One column of a Parquet file, read by the thread that parses it.

    Reading column by column overlaps decoding with parsing, and costs less CPU than
    one read of all columns (measured at 1M cases: 3.6 s against 5.8 s).
    """

    path: Path
    name: str
    dictionary: bool  # text: read as an Arrow dictionary
    size: int = 0  # compressed bytes in the file (for the progress bar)
    on_read: Callable[[int], None] | None = field(default=None, compare=False)

    def read(self) -> pa.ChunkedArray:
        try:
            pf = pq.ParquetFile(self.path, read_dictionary=[self.name] if self.dictionary else None)
            column = pf.read(columns=[self.name]).column(0)
        except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
            raise _parquet_error(self.path, exc) from None
        if self.on_read is not None:
            self.on_read(self.size)
        return column


def parquet_columns(
    path: Path, wanted: Callable[[list[str]], list[str]], on_read: Callable[[int], None] | None = None
) -> tuple[dict[str, ParquetColumn], int]:
    """The wanted columns of a Parquet file, to be read when parsed, and its number of rows.

    ``on_read(bytes)`` is called as each column has been read (the progress bar).
    """
    try:
        pf = pq.ParquetFile(path)
        headers = list(pf.schema_arrow.names)
        _check_duplicates(path, headers)
        columns = set(wanted(headers))
        sizes = parquet_sizes(pf.metadata, compressed=True)
        found = {}
        for f in pf.schema_arrow:
            if f.name in columns:
                _check_flat(path, f)
                found[f.name] = ParquetColumn(path, f.name, _is_text(f.type), sizes.get(f.name, 0), on_read)
        return found, pf.metadata.num_rows
    except (pa.ArrowInvalid, pa.ArrowException, OSError) as exc:
        raise _parquet_error(path, exc) from None


def _check_flat(path: Path, f: pa.Field) -> None:
    """A nested column (list, struct, map …) where regcheck expects a value: exit 2 naming it."""
    if pa.types.is_nested(f.type) or isinstance(f.type, pa.ExtensionType):
        raise InputError(
            f"{path}: column {f.name!r} holds nested Parquet values ({f.type}); regcheck reads one value per "
            "cell (text, number, time) — export that column flat"
        )


_BINARY = (pa.types.is_binary, pa.types.is_large_binary, pa.types.is_fixed_size_binary, pa.types.is_binary_view)


def _binary_as_text(name: str, src: pa.ChunkedArray) -> tuple[pa.ChunkedArray, list[Problem]]:
    """A Parquet BYTE_ARRAY column without the UTF-8 mark: its values as text, rows not UTF-8 rejected.

    Decoded once per distinct value; a value that is not UTF-8 is shown with its bytes escaped.
    """
    coded = pc.dictionary_encode(src).unify_dictionaries()
    raw = coded.chunk(0).dictionary.to_pylist() if coded.num_chunks else []
    if not raw:  # no value at all
        return pa.chunked_array([pa.nulls(len(src), pa.string())]), []
    text = [_utf8_or_none(v) for v in raw]
    bad_value = np.array([t is None for t in text], dtype=bool)
    codes = np.concatenate([pc.fill_null(c.indices, -1).to_numpy(zero_copy_only=False) for c in coded.chunks])
    missing = codes < 0
    bad = ~missing & bad_value[np.where(missing, 0, codes)]
    indices = pa.array(np.where(missing | bad, 0, codes).astype(np.int32), mask=missing | bad)
    dictionary = pa.array([t if t is not None else "" for t in text] or [""], pa.string())
    out = pa.chunked_array([pa.DictionaryArray.from_arrays(indices, dictionary)])
    if not bad.any():
        return out, []
    escaped = np.array([v.decode("utf-8", "backslashreplace") for v in raw], dtype=object)
    shown = pd.Series(escaped[np.where(bad, codes, 0)])
    return out, [(name, bad, shown, "not UTF-8 text (binary Parquet value)")]


def _utf8_or_none(value: bytes) -> str | None:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return None


# --- parsing -----------------------------------------------------------------------------


def _empty(kind: str, n: int) -> pd.Series:
    """An all-missing column of the dtype a parsed column of this kind has (built without Python lists)."""
    if kind == "timestamp" or kind == "date":
        return pd.Series(np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]"))
    if kind == "decimal":
        return pd.Series(np.full(n, np.nan))
    if kind == "int":
        return pd.Series(pd.arrays.IntegerArray(np.zeros(n, dtype=np.int64), np.ones(n, dtype=bool)))
    if kind == "bool":
        return pd.Series(pd.arrays.BooleanArray(np.zeros(n, dtype=bool), np.ones(n, dtype=bool)))
    # text kinds (str, enum, list): a categorical with no categories
    return pd.Series(pd.Categorical.from_codes(np.full(n, -1, dtype=np.int8), categories=pd.Index([], dtype="str")))


# kinds parsed once per distinct value (text ids, codes, flags, dates) and kinds with typed Parquet forms
_CODED_KINDS = {"str", "enum", "list", "bool", "date"}
_SLOW_COLUMNS = ("case_id", "unit_id")
_TYPED_KINDS = {"timestamp", "date", "decimal", "int", "bool"}
_REASONS = {
    "enum": "not a known {name} value",
    "list": "not a ';'-separated list of {name} values",
    "bool": "not a boolean (true/false, 1/0, 是/否, Y/N)",
    "decimal": "not a number",
    "int": "not a whole number",
    "timestamp": "time not understood",
    "date": "date not understood",
}


Problem = tuple[str, np.ndarray, pd.Series, str]  # (column, bad-row mask, values shown, reason)
Parsed = tuple[pd.Series, list[Problem]]  # one column's values and its problems


def _typed(name: str, kind: str, src: pa.ChunkedArray, tz: str) -> Parsed | None:
    """Columns the Parquet file already types (times, numbers, booleans); None if it is text."""
    typ = src.type
    if kind in ("timestamp", "date"):
        return _typed_time(name, kind, src, tz)
    if kind in ("decimal", "int") and pa.types.is_integer(typ):
        missing = src.is_null().to_numpy(zero_copy_only=False)
        values = pc.fill_null(src, 0).to_numpy().astype(np.int64, copy=False)
        if kind == "int":
            return pd.Series(pd.arrays.IntegerArray(values, missing)), []
        return pd.Series(np.where(missing, np.nan, values.astype(np.float64))), []
    if kind == "decimal" and pa.types.is_floating(typ) and pc.all(pc.is_finite(src)).as_py() is not False:
        # the usual case (no NaN, no infinity): a missing value (null) becomes NaN in the one conversion
        return pd.Series(pc.cast(src, pa.float64()).to_numpy(zero_copy_only=False), copy=False), []
    if kind in ("decimal", "int") and pa.types.is_floating(typ):
        # NaN is a value here (a Parquet missing value is null): rejected like infinity, not read as missing
        present = ~src.is_null().to_numpy(zero_copy_only=False)
        num = pd.Series(pc.fill_null(src, 0).to_numpy(zero_copy_only=False)).astype("float64")
        ok = np.isfinite(num) & ((num == np.floor(num)) & (num.abs() < 2.0**63) if kind == "int" else True)
        bad = present & ~ok.to_numpy(dtype=bool)  # NaN, inf, 1.5 as a sequence number …
        parsed = num.where(ok & present)
        problems = [(name, bad, num.astype(str), _REASONS[kind])] if bad.any() else []
        return (parsed.astype("Int64") if kind == "int" else parsed), problems
    if kind == "bool" and pa.types.is_boolean(typ):
        return pd.Series(src.to_pandas()).astype("boolean"), []
    return None


def _typed_time(name: str, kind: str, src: pa.ChunkedArray, tz: str) -> Parsed | None:
    """Typed Parquet times (timestamp of any unit and zone, date32/date64) and numbers (Excel serials)."""
    typ = src.type
    if pa.types.is_timestamp(typ) or pa.types.is_date(typ):
        parsed, far = V.typed_times(src, tz)
        bad = np.zeros(len(parsed), dtype=bool)
    elif pa.types.is_integer(typ) or pa.types.is_floating(typ):
        days = pc.cast(src, pa.float64()).to_numpy(zero_copy_only=False)  # null -> NaN
        stamps, bad, far = V.excel_serials(days)
        bad &= ~src.is_null().to_numpy(zero_copy_only=False)
        parsed = pd.Series(stamps)
    else:
        return None
    if kind == "date":
        parsed = parsed.dt.normalize()
    if not bad.any() and not far.any():
        return parsed, []
    shown = pd.Series(src.to_pandas(date_as_object=True, timestamp_as_object=True)).astype(str)
    problems = [(name, mask, shown, reason) for mask, reason in ((bad, _REASONS[kind]), (far, V.OUT_OF_RANGE))]
    return parsed, [p for p in problems if p[1].any()]


def _parse_coded(name: str, kind: str, coded: V.Coded, profile: Profile, check_nul: bool) -> Parsed:
    """Clean and parse a text column on its distinct values, then spread the result over the rows."""
    problems: list[Problem] = []
    if check_nul:
        nul = V.has_nul(coded.values)
        if nul.any():
            problems.append((name, coded.rows(nul), coded.categorical(), "holds a NUL byte (damaged data)"))
            coded = coded.recode(coded.values.mask(nul))
    mapping = profile.values.get(name)
    if mapping:
        coded = coded.recode(coded.values.map(lambda u, m=mapping: m.get(u, u)))
    if name == "step":  # 初审 -> first_review …, after the profile's own mapping (spec/sources.md §4)
        coded = coded.recode(coded.values.map(step_code, na_action="ignore"))
    if kind == "str":
        if name in V.ID_COLUMNS:
            problems += _mangled(name, coded)
        return coded.categorical(), problems
    values = coded.values
    if kind == "enum":
        parsed, bad = V.parse_enum(values, enum_lookup(BY_NAME[name].enum or ""))
        out = coded.recode(parsed).categorical()
    elif kind == "list":
        parsed, bad = V.parse_list(values, enum_lookup("change_kind"), list(CHANGE_KINDS))
        out = coded.recode(parsed).categorical()
    elif kind == "bool":
        parsed, bad = V.parse_bool(values)
        out = coded.take(parsed)
    else:  # date
        parsed, bad, far = V.parse_times(values, profile.options.timezone)
        out = coded.take(parsed.dt.normalize())
        if far.any():
            problems.append((name, coded.rows(far), coded.categorical(), V.OUT_OF_RANGE))
    if bad.any():
        problems.append((name, coded.rows(bad), coded.categorical(), _REASONS[kind].format(name=name)))
    return out, problems


def _mangled(name: str, coded: V.Coded) -> list[Problem]:
    """Identifiers a spreadsheet turned into numbers: one problem per way of mangling found."""
    how = V.mangled_ids(coded.values)
    return [
        (
            name,
            coded.rows((how == kind).fillna(False).to_numpy(dtype=bool)),
            coded.categorical(),
            V.MANGLED.format(how=kind),
        )
        for kind in how.dropna().unique()
    ]


def _floating_ids(name: str, src: pa.ChunkedArray) -> Parsed:
    """An identifier column stored as floating-point numbers: mangled by definition (digits beyond 2**53 lost)."""
    shown = pd.Series(src.to_pandas()).astype("float64")
    bad = shown.notna().to_numpy(dtype=bool)
    values = V.encode(pc.cast(src, pa.string())).categorical()
    return values, [(name, bad, shown.map(repr), V.MANGLED.format(how=V.FLOATING))] if bad.any() else []


def _parse_column(
    name: str, src: pa.ChunkedArray | ParquetColumn | str | None, n: int, profile: Profile, check_nul: bool
) -> Parsed:
    """One canonical column from its Arrow column, Parquet column, constant or absence."""
    col = BY_NAME[name]
    tz = profile.options.timezone
    if src is None:
        return _empty(col.kind, n), []
    if isinstance(src, ParquetColumn):
        # identifiers are mostly distinct: Arrow would hash them into a dictionary per row group, then
        # again to unify those; read as plain text, they are encoded once (values.same_width_codes)
        src = (replace(src, dictionary=False) if name in _SLOW_COLUMNS else src).read()
    if not isinstance(src, str) and any(test(src.type) for test in _BINARY):
        src, undecoded = _binary_as_text(name, src)
        parsed, problems = _parse_column(name, src, n, profile, check_nul)
        return parsed, undecoded + problems
    if isinstance(src, str):  # a constant (profile, Hive folder): one distinct value
        src = pa.chunked_array([pa.DictionaryArray.from_arrays(np.zeros(n, np.int32), pa.array([src]))])
    if name in V.ID_COLUMNS and _value_type_is(src.type, pa.types.is_floating):
        return _floating_ids(name, src)
    typed = _typed(name, col.kind, src, tz) if col.kind in _TYPED_KINDS else None
    if typed is not None:
        return _amount_checked(name, col.kind, *typed, lambda: pd.Series(src.to_pandas()).astype(str))
    if col.kind in _CODED_KINDS:
        return _parse_coded(name, col.kind, V.encode(src), profile, check_nul)
    # numbers and times written as text: parsed row by row (their values are mostly distinct)
    if pa.types.is_dictionary(src.type):
        src = src.cast(src.type.value_type)
    # in a number column "NaN" is a value that is no number (rejected like "inf"), not a missing value
    clean = V.clean_strings(src, missing=V.NUMBER_MISSING if col.kind in ("decimal", "int") else V.MISSING_VALUES)
    problems: list[Problem] = []
    if check_nul:
        nul = V.has_nul(clean)
        if nul.any():
            problems.append((name, nul, clean, "holds a NUL byte (damaged data)"))
            clean = clean.mask(nul)
    mapping = profile.values.get(name)
    if mapping:
        clean = V.map_on_uniques(clean, lambda u, m=mapping: m.get(u, u)).astype("str")
    if col.kind == "decimal":
        parsed, bad = V.parse_decimal(clean)
    elif col.kind == "int":
        parsed, bad = V.parse_int(clean)
    else:  # timestamp
        parsed, bad, far = V.parse_times(clean, tz)
        if far.any():
            problems.append((name, far, clean, V.OUT_OF_RANGE))
    if bad.any():
        problems.append((name, bad, clean, _REASONS[col.kind]))
    return _amount_checked(name, col.kind, parsed, problems, lambda: clean)


NEGATIVE_AMOUNT = "negative amount: fees and amounts are never below 0"


def _amount_checked(
    name: str, kind: str, parsed: pd.Series, problems: list[Problem], shown: Callable[[], pd.Series]
) -> Parsed:
    """Every decimal column of the log is money (schema.py): a negative value rejects its row."""
    if kind != "decimal":
        return parsed, problems
    negative = (parsed < 0).to_numpy(dtype=bool)
    if negative.any():
        problems = [*problems, (name, negative, shown(), NEGATIVE_AMOUNT)]
        parsed = parsed.where(~negative)
    return parsed, problems


def parse_columns(
    raw: dict[str, pa.ChunkedArray | ParquetColumn | str],
    n: int,
    profile: Profile,
    columns: Iterable[str],
    check_nul: bool = False,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse the canonical columns. ``raw`` maps canonical name -> Arrow column or constant.

    Returns the parsed frame and a list of (column, bad-mask, original values, reason).
    ``check_nul``: reject values holding NUL bytes (damaged text; set for CSV files that hold any).
    """
    # columns are independent: parse them side by side, the identifiers (most distinct values,
    # the longest to encode) first so that they do not finish last; results in column order
    columns = list(columns)
    jobs = sorted(columns, key=lambda c: c not in _SLOW_COLUMNS)
    parsed = map_in_threads(lambda c: _parse_column(c, raw.get(c), n, profile, check_nul), jobs)
    done = dict(zip(jobs, parsed, strict=True))
    out = {c: done[c][0].reset_index(drop=True) for c in columns}
    problems = [p for c in columns for p in done[c][1]]
    frame = pd.DataFrame(out, copy=False)  # no copy into consolidated blocks
    return frame, problems


def load(
    inputs: Sequence[str | os.PathLike[str]],
    profile: Profile | None = None,
    columns: Iterable[str] | None = None,
    on_file: Callable[[Path, int], None] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LoadResult:
    """Load inputs as one log. ``columns``: canonical columns to read (required ones always).

    ``progress(bytes, rows)``: more of the input read — a Parquet file's columns as they are read,
    a CSV file when Arrow has read it; the rows when a file is done (regcheck/progress.py).
    """
    profile = profile or Profile()
    needed = [c for c in CANONICAL if columns is None or c in set(columns) or c in REQUIRED]
    sources = discover(inputs)
    check_memory([s.path for s in sources], [s.kind for s in sources])
    parts: list[pd.DataFrame] = []
    rejects: list[pd.DataFrame] = []
    rows_read = rows_blank = 0
    seqs: list[pd.DataFrame] = []
    present: set[str] = set()  # canonical columns some file has (read or not): what the log can tell
    for file_no, src in enumerate(sources):
        credit = _Credit(src.path, progress)
        frame, rej, n, blank, rejected = _load_one(src, profile, needed, credit, present)
        credit.done(n)
        rows_read += n
        rows_blank += blank
        seqs.append(rejected)
        frame["_file"] = np.int32(file_no)
        parts.append(frame)
        rejects.append(rej)
        if on_file:
            on_file(src.path, n)
    events = concat_events(parts) if parts else pd.DataFrame(columns=needed)
    rej = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=REJECT_COLUMNS)
    # _row is the input order over accepted rows (file order, files in the order given)
    events["_row"] = pd.Series(np.arange(len(events), dtype=np.int64), copy=False)
    return LoadResult(
        events=events,
        rejects=rej,
        files=[str(s.path) for s in sources],
        rows_read=rows_read,
        rows_blank=rows_blank,
        rejected_seqs=rejected_seq_frame(seqs),
        source=SourceInfo(form="log", lacks=flat_log_lacks(present)),
    )


def concat_events(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Several files' events as one frame; text columns stay categoricals over the union of their values."""
    if len(parts) == 1:
        return parts[0].reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    for name in parts[0].columns:
        cols = [p[name] for p in parts]
        if all(isinstance(c.dtype, pd.CategoricalDtype) for c in cols):
            out[name] = pd.Series(union_categoricals(cols, sort_categories=True, ignore_order=True))
        else:
            out[name] = pd.concat(cols, ignore_index=True)
    return pd.DataFrame(out)


class _Credit:
    """One file's share of the progress: its bytes as they are read, the rest and its rows when done."""

    def __init__(self, path: Path, progress: Callable[[int, int], None] | None) -> None:
        self.progress = progress
        self.size = path.stat().st_size if progress else 0
        self.given = 0

    def read(self, nbytes: int) -> None:
        if self.progress is not None:
            nbytes = max(0, min(nbytes, self.size - self.given))
            self.given += nbytes
            self.progress(nbytes, 0)

    def done(self, rows: int) -> None:
        if self.progress is not None:
            self.progress(self.size - self.given, rows)
            self.given = self.size


def order_rejects(rej: pd.DataFrame, by: str) -> pd.DataFrame:
    """Rejects in ``by`` order (one file's ``row``, or the input order over files), a row with
    several problems in column order (a reason with no column first); stable, index reset."""
    rank = {c: i for i, c in enumerate(CANONICAL)}
    return (
        rej.assign(_c=rej["column"].map(rank).fillna(-1))
        .sort_values([by, "_c"], kind="stable")
        .drop(columns="_c")
        .reset_index(drop=True)
    )


def rejected_seq_frame(parts: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """The rejected rows' office_code, event_seq and event_time, typed alike however many parts."""
    parts = [p for p in parts if len(p)]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(_SEQ_COLUMNS))
    return pd.DataFrame(
        {
            "office_code": frame["office_code"].astype(object).where(frame["office_code"].notna(), None),
            "event_seq": frame["event_seq"].astype("Int64"),
            "event_time": frame["event_time"].astype("datetime64[ns]"),
        }
    )


_SEQ_COLUMNS = ("office_code", "event_seq", "event_time")


def _rejected_seqs(frame: pd.DataFrame, reject_mask: np.ndarray) -> pd.DataFrame:
    if "event_seq" not in frame.columns or not reject_mask.any():
        return rejected_seq_frame([])
    keep = reject_mask & frame["event_seq"].notna().to_numpy()
    return rejected_seq_frame([frame.loc[keep, list(_SEQ_COLUMNS)].astype({"office_code": object})])


def _load_one(
    src: SourceFile, profile: Profile, needed: list[str], credit: _Credit | None = None, present: set[str] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame, int, int, pd.DataFrame]:
    """One file's accepted rows, rejects, rows read (blank rows included), blank rows and rejected seqs;
    the canonical columns the file has (needed or not) are added to ``present``."""
    path = src.path
    chosen: dict[str, str] = {}
    found: list[str] = []

    def wanted(headers: list[str]) -> list[str]:
        found[:] = headers
        hmap = profile.resolve(path, headers)
        if present is not None:
            present.update(hmap.values())
        for h, canon in hmap.items():
            if canon in needed and canon not in chosen:
                chosen[canon] = h
        return list(chosen.values())

    ragged: list[dict] = []
    on_read = credit.read if credit is not None and credit.progress is not None else None
    if src.kind == "parquet":
        columns, n = parquet_columns(path, wanted, on_read)
    else:
        table, _headers, ragged = read_csv_table(path, wanted, profile.options.delimiter)
        columns, n = {h: table.column(h) for h in table.column_names}, table.num_rows
        if on_read is not None:
            on_read(path.stat().st_size)
    constants = dict(profile.constants)
    for key, val in src.constants.items():  # a partition folder (office_code=340102) beats a profile constant
        canon = profile.header_map([key]).get(key)
        if canon:
            constants[canon] = val
    if present is not None:
        present.update(constants)
    raw: dict[str, pa.ChunkedArray | ParquetColumn | str] = {}
    for canon in needed:
        if canon in chosen:
            raw[canon] = columns[chosen[canon]]
        elif canon in constants:
            raw[canon] = constants[canon]
    missing = [c for c in REQUIRED if c not in raw]
    if missing:
        raise InputError(missing_column(path, missing[0], found, profile))
    text = inspect_text(path) if src.kind == "csv" else None  # cached by read_csv_table
    frame, problems = parse_columns(raw, n, profile, needed, check_nul=text is not None and text.nul)
    lines = np.arange(2, n + 2, dtype=np.int64)
    if ragged and src.kind == "csv":
        lines = _csv_record_lines(n, ragged)
    header = np.zeros(n, dtype=bool)
    if text is not None:
        header = repeated_headers(path, columns, chosen, found, lines, ragged, profile)
    blank = _blank_rows(frame, list(chosen), problems) & ~header
    skip = blank | header  # not data: neither accepted nor rejected
    if skip.any():
        problems = [(c, bad & ~skip, shown, why) for c, bad, shown, why in problems if (bad & ~skip).any()]
    stop_if_mostly_mangled(path, problems, lines, int(n - skip.sum()))
    frame["_line"] = pd.Series(lines, copy=False)  # an ndarray would be copied (pandas 3)
    reasons: list[pd.DataFrame] = []
    reject_mask = np.zeros(n, dtype=bool)
    if text is not None and text.cut:
        # the file ends in the middle of its last row: never accept what is left of it
        last = 1 + n + len(ragged)
        cut_ragged = [p for p in ragged if p["row"] == last]
        for p in cut_ragged:
            p["reason"] = f"{text.cut} ({p['reason']})"
        if not cut_ragged and n:
            reject_mask[n - 1] = True
            reasons.append(_reject_rows(path, lines[-1:], "", pd.Series([last_line(path, text)]), text.cut))
    for name in REQUIRED:
        miss = frame[name].isna().to_numpy() & ~_flagged(problems, name, n) & ~skip
        if miss.any():
            reject_mask |= miss
            reasons.append(_reject_rows(path, lines[miss], name, pd.Series([""] * int(miss.sum())), f"{name} is empty"))
    for name, bad, original, reason in problems:
        reject_mask |= bad
        reasons.append(_reject_rows(path, lines[bad], name, original[bad].reset_index(drop=True), reason))
    if ragged:
        reasons.append(
            pd.DataFrame(
                {
                    "file": str(path),
                    "row": [-1 if p["row"] is None else p["row"] for p in ragged],
                    "column": "",
                    "value": [p["value"] for p in ragged],
                    "reason": [p["reason"] for p in ragged],
                }
            )
        )
    rej = pd.concat(reasons, ignore_index=True) if reasons else pd.DataFrame(columns=REJECT_COLUMNS)
    rej = order_rejects(rej, "row")
    drop = reject_mask | skip
    kept = frame.loc[~drop].reset_index(drop=True) if drop.any() else frame
    return kept, rej, n + len(ragged) - int(header.sum()), int(blank.sum()), _rejected_seqs(frame, reject_mask)


def _blank_rows(frame: pd.DataFrame, from_file: list[str], problems: list[Problem]) -> np.ndarray:
    """Rows whose every cell read from the file is empty (constants of a profile or folder do not count)."""
    blank = np.ones(len(frame), dtype=bool) if from_file else np.zeros(len(frame), dtype=bool)
    for name in from_file:
        blank &= frame[name].isna().to_numpy()
    for _name, bad, _shown, _why in problems:
        blank &= ~bad
    return blank


def repeated_headers(
    path: Path,
    columns: dict[str, pa.ChunkedArray],
    chosen: dict[str, str],
    headers: list[str],
    lines: np.ndarray,
    ragged: list[dict],
    profile: Profile,
) -> np.ndarray:
    """Rows of a CSV that repeat the header line (exports concatenated), to be skipped.

    A repeat in the same column order is skipped; one in another order (or with other columns)
    would put every later row's values under the wrong columns: exit 2 naming the row.
    """
    names = sorted({*CANONICAL, *ZH_HEADERS, *profile.columns.values(), *(h.strip() for h in headers)})
    value_set = pa.array(names)
    found = np.zeros(len(lines), dtype=bool)
    same = np.zeros(len(lines), dtype=bool)
    for k, h in enumerate(chosen.values()):
        cell = pc.utf8_trim_whitespace(columns[h])
        hit = np.asarray(pc.is_in(cell, value_set=value_set).to_numpy(zero_copy_only=False), dtype=bool)
        own = np.asarray(pc.fill_null(pc.equal(cell, h.strip()), False).to_numpy(zero_copy_only=False), dtype=bool)
        found = hit if k == 0 else found & hit
        same = own if k == 0 else same & own
        if not found.any():
            break
    other = found & ~same
    rows = [int(lines[i]) for i in np.flatnonzero(other)[:1]]
    rows += [p["row"] for p in ragged if p["row"] is not None and _is_header_text(p["value"], profile)]
    if rows:
        raise InputError(
            f"{path}: row {min(rows):,} repeats the header line with other columns or another column order "
            "(exports concatenated?), so the rows after it would be read under the wrong columns; split the file "
            "there into files of their own"
        )
    return found


def _is_header_text(line: str, profile: Profile) -> bool:
    """A malformed row that is a header line: its fields name every required column."""
    fields = next(csv.reader([line], delimiter=profile.options.delimiter), [])
    return set(REQUIRED) <= set(profile.header_map(fields).values())


def stop_if_mostly_mangled(path: Path, problems: list[Problem], lines: np.ndarray, rows: int) -> None:
    """More than half of a file's ``rows`` (not blank) hold mangled identifiers: the export is wrong (exit 2)."""
    mangled = [p for p in problems if p[3] in V.MANGLED_REASONS]
    if not mangled:
        return
    bad = np.logical_or.reduce([p[1] for p in mangled])
    if bad.sum() * 2 <= rows:
        return
    name, first, values, reason = mangled[0]
    i = int(np.flatnonzero(first)[0])
    raise InputError(
        f"{path}: {int(bad.sum()):,} of {rows:,} rows hold identifiers mangled by a spreadsheet "
        f"(row {lines[i]}: {name} {values.iloc[i]!r}, {reason.split('(')[1].split(')')[0]}); "
        "re-export the file with case_id, unit_id and office_code as text"
    )


def missing_column(path: Path, name: str, headers: list[str], profile: Profile) -> str:
    """The message for a required column the file lacks: the headers found, and a likely delimiter."""
    hint = f" (the profile maps it to the header {profile.columns[name]!r})" if name in profile.columns else ""
    shown = ", ".join(repr(h) for h in headers[:30]) + (f" … ({len(headers)} headers)" if len(headers) > 30 else "")
    msg = f"{path}: required column {column_label(name)} is missing{hint}; the headers found are {shown}"
    seps = [sep for sep in (";", "\t", "|", ",") if sep != profile.options.delimiter]
    sep = next((sep for sep in seps if len(headers) == 1 and sep in headers[0]), None)
    if sep is not None:
        flag = "tab" if sep == "\t" else repr(sep)
        msg += f"; the fields look separated by {flag}: add --delimiter {flag}"
    return msg


def _flagged(problems: list[Problem], name: str, n: int) -> np.ndarray:
    for col, bad, _, _ in problems:
        if col == name:
            return bad
    return np.zeros(n, dtype=bool)


def _csv_record_lines(n: int, ragged: list[dict]) -> np.ndarray:
    """Record numbers of the kept rows when ragged rows were skipped (header = row 1)."""
    skipped = sorted(p["row"] for p in ragged if p["row"] is not None)
    lines = np.arange(2, n + 2 + len(skipped), dtype=np.int64)
    if skipped:
        keep = ~np.isin(lines, np.asarray(skipped, dtype=np.int64))
        lines = lines[keep][:n]
    return lines


def _reject_rows(path: Path, lines: np.ndarray, column: str, values: pd.Series, reason: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "file": str(path),
            "row": lines,
            "column": column,
            "value": V.reject_value(values).to_numpy(),
            "reason": reason,
        }
    )


def read_table_file(path: str | Path) -> pd.DataFrame:
    """A side table (roster, registry, baseline …) as strings: CSV in any encoding or Parquet."""
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    _check_regular(p)
    if p.suffix.lower() in {".parquet", ".pq"}:
        table, _ = read_parquet_table(p, lambda hs: hs, dictionary=False)
        return table.to_pandas()
    encoding = detect_encoding(p)
    try:
        return pd.read_csv(open(p, encoding=encoding, newline=""), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: cannot read the table ({str(exc).splitlines()[0]})") from None
