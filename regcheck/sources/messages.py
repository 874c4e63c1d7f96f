"""Access messages (接入报文): XML files, folders and zip/tar archives -> RawRows (spec/sources.md §1, §2, §7).

One message is one XML document: root ``Message`` with a ``Head`` (child elements with text: BizMsgID,
AreaCode, RecFlowID …) and a ``Data`` whose every child element is one row of the standard table
named by its tag, its attributes the columns. :func:`read_messages` turns any number of them into
one :class:`~regcheck.sources.RawRows` (form "messages"), values as text; the mapping to events
(``sources/events.py``) does the rest.

- **Inputs.** A file named on the command line is read whatever its name; a folder is walked
  recursively (names in order) and its ``.xml`` files (any letter case) and archives are read;
  an archive (``.zip``, ``.tar``, ``.tar.gz``/``.tgz``) is read member by member in archive order,
  its ``.xml`` members parsed. Anything else, and names starting with ``.`` or ``_`` (``__MACOSX``
  litter, editors' files), is passed over and counted (``RawRows.skipped``).
- **Streamed.** An archive is never unpacked to disk; one member's bytes are in memory at a time.
  Rows go into per-table column lists, turned into Arrow arrays every ``_CHUNK`` rows, so memory
  holds the resulting frames and one chunk of Python strings, not the messages.
- **Safe.** lxml with entity resolution, DTD loading and the network off and the huge-tree limits on;
  a document that carries a DOCTYPE (hence any DTD or entity declaration) is refused whole before it
  is parsed — nothing is expanded, fetched or read.
- **Bad input never stops the scan** (§7): a file that is not XML, is malformed (the parser's reason
  and line), is not a ``Message`` or carries a DTD becomes one rejects row and nothing of it is used.
  An archive that cannot be opened or read to its end is an :class:`InputError` naming it.
"""

from __future__ import annotations

import bz2
import glob
import gzip
import io
import lzma
import os
import re
import tarfile
import zipfile
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError
from ..loaders.read import _check_regular, _hidden_name, _is_regular
from . import FILE, HEAD_FIELDS, MESSAGE_CASE, ORDER, ROW, RawRows

if TYPE_CHECKING:
    from lxml import etree

ARCHIVE_SUFFIXES = (".zip", ".tar", ".tar.gz", ".tgz")
FLAT_SUFFIXES = (".csv", ".parquet", ".pq")  # what the flat loader reads from a folder (loaders/read.py)
MAX_MESSAGE_BYTES = 64 << 20  # one message is a few KB; a larger member is refused, not read (zip bombs)
_SNIFF_BYTES = 1 << 12  # enough for the XML declaration, comments and the root's start tag
_CHUNK = 1 << 13  # rows per table kept as Python objects before they become Arrow arrays (all tables: ~60 MB)
_NOT_XML = ("Document is empty", "Start tag expected")  # libxml2's words for bytes that are no XML at all
_GB_DECLARATION = re.compile(
    rb"(?:\xef\xbb\xbf)?\s*<\?xml[^>]{0,200}?encoding\s*=\s*[\"'](gb2312|gbk|x-gbk|cp936)[\"']", re.I
)
_CASE_SUFFIX = re.compile(r"-\d+$")  # RecFlowID "YWH-2": the second message of case YWH
_PROLOG = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^\[>]*(?:\[.*?\])?\s*>)", re.S)
_ROOT = re.compile(r"\s*<(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


# -- which inputs are messages ---------------------------------------------------------------------


def looks_like_messages(inputs: Sequence[str | os.PathLike[str]]) -> bool:
    """True when the inputs are an access-message source, False when none of them is one.

    A message input is an archive (by name), an ``.xml`` file, a file of another name whose root
    element is ``Message`` (the first 4 KB are sniffed), or a folder holding ``.xml`` files or
    archives and no ``.csv``/``.parquet`` file (in a folder holding both, the first ``.xml`` is
    sniffed). Paths that do not exist are left to the reader to report. Messages and another kind
    of input in one scan raise :class:`InputError` (exit 2): a scan reads one kind of source.
    """
    kinds: dict[bool, str] = {}
    for path in _expand(inputs):
        if path.exists():
            kinds.setdefault(is_message_input(path), str(path))
    if len(kinds) == 2:
        raise InputError(
            f"{kinds[True]} holds access messages and {kinds[False]} does not; "
            "a scan reads one kind of source: give them in separate runs"
        )
    return kinds.get(True) is not None


def is_message_input(path: Path) -> bool:
    """Whether one existing path (file or folder) is access messages; see :func:`looks_like_messages`."""
    if path.is_dir():
        return _folder_is_messages(path)
    name = path.name.lower()
    return name.endswith((".xml", *ARCHIVE_SUFFIXES)) or is_message_file(path)


def root_name(head: bytes) -> str | None:
    """The local name of the root element from a document's first bytes, or None (not XML, or not
    enough bytes); the XML declaration, comments, processing instructions and a DOCTYPE are skipped."""
    text = _sniff_text(head)
    pos = 0
    while m := _PROLOG.match(text, pos):
        if m.end() == pos:
            break
        pos = m.end()
    m = _ROOT.match(text, pos)
    return m.group(1) if m else None


def _folder_is_messages(folder: Path) -> bool:
    first_xml: Path | None = None
    flat: Path | None = None
    archive = False
    for path in _walk_files(folder):
        name = path.name.lower()
        if _hidden_name(path):
            continue
        archive = archive or name.endswith(ARCHIVE_SUFFIXES)
        if first_xml is None and name.endswith(".xml"):
            first_xml = path
        if flat is None and name.endswith(FLAT_SUFFIXES):
            flat = path
    messages = archive or (first_xml is not None and (flat is None or is_message_file(first_xml)))
    if messages and flat is not None:
        raise InputError(
            f"{folder}: the folder holds access messages and {flat.name}; "
            "a scan reads one kind of source: give them in separate runs"
        )
    return messages


def is_message_file(path: Path) -> bool:
    """A file's root element is ``Message`` (sniffed), whatever its name."""
    try:
        with path.open("rb") as fh:
            return root_name(fh.read(_SNIFF_BYTES)) == "Message"
    except OSError:
        return False


def _sniff_text(data: bytes) -> str:
    """The bytes as text for looking at markup: UTF-16 by its BOM or NUL pattern, else byte for byte
    (the markup of UTF-8, GBK and GB18030 documents is ASCII)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace")
    if data.startswith(b"<\x00"):
        return data.decode("utf-16-le", "replace")
    if data.startswith(b"\x00<"):
        return data.decode("utf-16-be", "replace")
    return data.removeprefix(b"\xef\xbb\xbf").decode("latin-1")


# -- walking the inputs ----------------------------------------------------------------------------


def _expand(inputs: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Inputs as paths, a glob pattern (that is not itself a path) replaced by its matches in name order."""
    for item in inputs:
        text = os.fspath(item)
        if any(ch in text for ch in "*?[") and not Path(text).exists():
            found = sorted(glob.glob(text, recursive=True))
            if not found:
                raise InputError(f"{text}: no file matches this pattern")
            yield from map(Path, found)
        else:
            yield Path(text)


def _walk_files(folder: Path) -> Iterator[Path]:
    """A folder's entries other than subfolders, recursively, in name order (a subfolder's where its
    name sorts). Subfolders named ``.*`` or ``_*`` and links to folders are yielded, not entered
    (no loops), for the caller to pass over and count, as are files with such names."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        raise InputError(f"{folder}: cannot list the folder ({exc.strerror or exc})") from None
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and not _hidden_name(Path(entry.name)):
            yield from _walk_files(Path(entry.path))
        else:
            yield Path(entry.path)


@dataclass
class _Member:
    """One document to parse: its name as reported (``a.zip:2026/Biz….xml`` for a member) and its
    bytes, or why they could not be read."""

    name: str
    data: bytes = b""
    problem: str | None = None


@dataclass
class _Walk:
    """The documents of the inputs, in input order; what was passed over is counted."""

    inputs: Sequence[str | os.PathLike[str]]
    skipped: int = 0
    seen: set[Path] = field(default_factory=set)

    def members(self) -> Iterator[_Member]:
        for path in _expand(self.inputs):
            if path.is_dir():
                yield from self._folder(path)
            elif path.exists():
                _check_regular(path)
                yield from self._file(path)
            else:
                raise InputError(f"{path}: no such file or folder")

    def _folder(self, folder: Path) -> Iterator[_Member]:
        for path in _walk_files(folder):
            wanted = path.name.lower().endswith((".xml", *ARCHIVE_SUFFIXES))
            if _hidden_name(path) or not wanted or not _is_regular(path):
                self.skipped += 1
            else:
                yield from self._file(path)

    def _file(self, path: Path) -> Iterator[_Member]:
        key = path.resolve()
        if key in self.seen:
            return
        self.seen.add(key)
        name = path.name.lower()
        if name.endswith(".zip"):
            yield from self._zip(path)
        elif name.endswith(ARCHIVE_SUFFIXES):
            yield from self._tar(path)
        else:
            yield _read_file(path)

    def _wanted_member(self, name: str) -> bool:
        base = name.rsplit("/", 1)[-1]
        if base.lower().endswith(".xml") and not base.startswith((".", "_")):  # as loaders.read._hidden_name
            return True
        self.skipped += 1
        return False

    def _zip(self, path: Path) -> Iterator[_Member]:
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
            raise InputError(f"{path}: cannot read the zip archive ({exc})") from None
        with zf:
            infos = zf.filelist
            zf.NameToInfo.clear()  # the members are opened by their ZipInfo; let each go once read
            for i, info in enumerate(infos):
                infos[i] = None  # type: ignore[call-overload]
                if not info.is_dir() and self._wanted_member(info.filename):
                    yield _zip_member(zf, info, f"{path}:{_zip_name(info)}")

    def _tar(self, path: Path) -> Iterator[_Member]:
        try:
            with _tar_stream(path) as raw, tarfile.open(fileobj=raw, mode="r|") as tf:
                for info in tf:
                    if info.isdir() or not self._wanted_member(info.name):
                        continue
                    yield _tar_member(tf, info, f"{path}:{info.name.removeprefix('./')}")
                if raw.count < tf.offset + tarfile.BLOCKSIZE:  # no end-of-archive block was read
                    raise tarfile.ReadError("the archive ends in the middle (truncated)")
        except (tarfile.TarError, OSError, EOFError, zlib.error, lzma.LZMAError) as exc:
            raise InputError(f"{path}: cannot read the tar archive ({exc})") from None


def _read_file(path: Path) -> _Member:
    try:
        size = path.stat().st_size
        if size > MAX_MESSAGE_BYTES:
            return _Member(str(path), problem=_too_large(size))
        return _Member(str(path), path.read_bytes())
    except OSError as exc:
        raise InputError(f"{path}: cannot read it ({exc.strerror or exc})") from None


def _zip_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> _Member:
    if info.file_size > MAX_MESSAGE_BYTES:
        return _Member(name, problem=_too_large(info.file_size))
    try:
        with zf.open(info) as fh:
            data = fh.read(MAX_MESSAGE_BYTES + 1)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError) as exc:
        return _Member(name, problem=f"cannot read this archive member ({exc})")
    if len(data) > MAX_MESSAGE_BYTES:
        return _Member(name, problem=_too_large(len(data)))
    return _Member(name, data)


class _Counted(io.RawIOBase):
    """A byte stream that counts what it gave: tarfile ends quietly where a truncated archive ends,
    so whether it read the end-of-archive block is checked from the count."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream = stream
        self.count = 0

    def read(self, size: int = -1) -> bytes:
        data = self.stream.read(size)
        self.count += len(data)
        return data

    def close(self) -> None:
        self.stream.close()
        super().close()


def _tar_stream(path: Path) -> _Counted:
    """A tar archive's bytes, decompressed as its first bytes say (gzip, bzip2, xz or none): these
    decompressors raise on a truncated stream, where tarfile's own would stop quietly."""
    with path.open("rb") as fh:
        magic = fh.read(6)
    if magic.startswith(b"\x1f\x8b"):
        return _Counted(gzip.open(path, "rb"))
    if magic.startswith(b"BZh"):
        return _Counted(bz2.open(path, "rb"))
    if magic.startswith(b"\xfd7zXZ"):
        return _Counted(lzma.open(path, "rb"))
    return _Counted(path.open("rb"))


def _tar_member(tf: tarfile.TarFile, info: tarfile.TarInfo, name: str) -> _Member:
    if not info.isfile():
        return _Member(name, problem="not a regular file in the archive (a link or a device)")
    if info.size > MAX_MESSAGE_BYTES:
        return _Member(name, problem=_too_large(info.size))
    fh = tf.extractfile(info)
    return _Member(name, fh.read() if fh is not None else b"")


def _zip_name(info: zipfile.ZipInfo) -> str:
    """A member's name: without the UTF-8 flag, zip tools on Chinese Windows write GBK, which
    zipfile has decoded as CP437."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("gbk")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _too_large(size: int) -> str:
    return f"larger than {MAX_MESSAGE_BYTES >> 20} MiB ({size:,} bytes); an access message is a few KB"


# -- parsing ---------------------------------------------------------------------------------------


@cache
def parser() -> etree.XMLParser:
    """The one XML parser configuration regcheck uses: no entity resolution, no DTD, no network,
    libxml2's limits against huge documents on; ids not collected (nothing looks them up)."""
    try:
        from lxml import etree
    except ImportError:  # the "sources" extra is not installed
        raise InputError("reading access messages needs lxml: pip install 'regcheck[sources]'") from None
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        collect_ids=False,
    )


@dataclass
class _Parsed:
    """A document's Head fields and Data rows, or the reason (and line) it is refused."""

    head: dict[str, str | None] = field(default_factory=dict)
    rows: list[etree._Element] = field(default_factory=list)
    case: str | None = None  # the Head's RecFlowID without a "-n" suffix
    reason: str | None = None
    line: int = -1


def _parse_member(member: _Member) -> _Parsed:
    return _Parsed(reason=member.problem) if member.problem else parse_message(member.data)


def parse_message(data: bytes) -> _Parsed:
    """One document's bytes -> its Head and Data rows, or why it is refused as a whole (§7)."""
    from lxml import etree

    doctype = _doctype_line(data)
    if doctype:
        return _refused(doctype)
    try:
        root = etree.fromstring(_gb_widened(data), parser())
    except etree.XMLSyntaxError as exc:
        what = "not XML" if exc.msg.startswith(_NOT_XML) else "malformed XML"
        return _Parsed(reason=f"{what} ({exc.msg})", line=exc.lineno or -1)
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return _refused(1)
    return _message_parts(root)


def _gb_widened(data: bytes) -> bytes:
    """A document declared GB2312 or GBK, read as GB18030, the superset of both (as browsers do):
    systems declare GB2312 and write GBK characters (镕, 堃 …), which a strict GB2312 decoder refuses."""
    m = _GB_DECLARATION.match(data)
    return data if m is None else data[: m.start(1)] + b"GB18030" + data[m.end(1) :]


def _doctype_line(data: bytes) -> int:
    """The line of a DOCTYPE in the document (0: none). Looked for in the raw bytes, so a document
    carrying one never reaches the parser; UTF-16 documents are decoded to look."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"<\x00", b"\x00<")):
        text = _sniff_text(data)
        at = text.find("<!DOCTYPE")
        return text.count("\n", 0, at) + 1 if at >= 0 else 0
    at = data.find(b"<!DOCTYPE")
    return data.count(b"\n", 0, at) + 1 if at >= 0 else 0


def _refused(line: int) -> _Parsed:
    return _Parsed(
        reason="refused: the document carries a DOCTYPE (a DTD or entity declarations); "
        "access messages have none, and regcheck expands and fetches nothing",
        line=line,
    )


def _message_parts(root: etree._Element) -> _Parsed:
    from lxml import etree

    name = _local(root.tag)
    if name != "Message":
        return _Parsed(reason=f"not an access message (the root element is <{name}>, not <Message>)", line=_line(root))
    parts: dict[str, etree._Element] = {}
    for child in root.iterchildren(etree.Element):
        parts.setdefault(_local(child.tag), child)
    for needed in ("Head", "Data"):
        if needed not in parts:
            return _Parsed(reason=f"not an access message (<Message> has no <{needed}>)", line=_line(root))
    head = {el.tag: el.text for el in parts["Head"].iterchildren(etree.Element)}
    if "{" in "".join(head):
        head = {_local(tag): text for tag, text in head.items()}
    rows = list(parts["Data"].iterchildren(etree.Element))
    return _Parsed(head=head, rows=rows, case=message_case(_head_value(head, "RecFlowID")))


def _local(tag: str) -> str:
    """An element's name without its namespace (``{uri}Message`` -> ``Message``)."""
    return tag.rsplit("}", 1)[1] if tag.startswith("{") else tag


def _line(el: etree._Element) -> int:
    return el.sourceline or -1


def message_case(rec_flow_id: str | None) -> str | None:
    """The case of a message: its RecFlowID without a ``-n`` suffix (one case sent as several
    messages, one per unit); None when the Head has none."""
    if rec_flow_id is None or not rec_flow_id.strip():
        return None
    return _CASE_SUFFIX.sub("", rec_flow_id.strip())


# -- collecting rows -------------------------------------------------------------------------------


class _Columns:
    """The heads, whose columns are open (a Head carries the fields its vendor writes): Python lists
    for the current chunk, Arrow arrays for the chunks before it (so the Python strings of at most
    ``_CHUNK`` heads are alive at once). A column first seen in a later row is null before it."""

    def __init__(self, provenance: dict[str, pa.DataType]) -> None:
        self.provenance = provenance  # provenance column -> its Arrow type, given with every row
        self.chunks: list[tuple[int, dict[str, pa.Array]]] = []
        self._start()

    def _start(self) -> None:
        self.n = 0
        self.cols: dict[str, list[str | None]] = {}
        self.given: list[list[Any]] = [[] for _ in self.provenance]
        self.last_keys: list[str] = []  # the columns of the last row, and their lists in that order:
        self.last_lists: list[list[str | None]] = []  # a row with the same columns appends in one C loop

    def add(self, keys: list[str], values: Iterable[str | None], *given: Any) -> None:
        """One row: its columns (each once) and their values, and the provenance values."""
        if keys != self.last_keys:
            self.last_keys = keys
            self.last_lists = [self._list(key) for key in keys]
        _consume(map(list.append, self.last_lists, values))
        _consume(map(list.append, self.given, given))
        self.n += 1
        if self.n == _CHUNK:
            self.flush()

    def _list(self, key: str) -> list[str | None]:
        """The list of column ``key``, null-padded to the rows before this one (a new column, or one
        that rows before this one lacked)."""
        values = self.cols.get(key)
        if values is None:
            values = self.cols[key] = [None] * self.n
        elif len(values) < self.n:
            values.extend([None] * (self.n - len(values)))
        return values

    def flush(self) -> None:
        if not self.n:
            return
        n = self.n
        arrays = {k: pa.array(v + [None] * (n - len(v)), pa.string()) for k, v in self.cols.items()}
        for (name, typ), values in zip(self.provenance.items(), self.given, strict=True):
            arrays[name] = pa.array(values, typ)
        self.chunks.append((n, arrays))
        self._start()

    def frame(self, column_name: Callable[[str], str]) -> pd.DataFrame:
        """The rows as one frame: attribute columns named by ``column_name`` (names that differ only
        in letter case or namespace are one column, the first non-null value of a row taken), in the
        order first seen, then the provenance columns; text columns as pandas' ``str``. A column no
        row has a value in is left out (an attribute no message carries)."""
        self.flush()
        groups: dict[str, list[str]] = {}
        for _n, arrays in self.chunks:
            for key in arrays:
                if key not in self.provenance:
                    names = groups.setdefault(column_name(key), [])
                    if key not in names:
                        names.append(key)
        columns = {name: self._column(keys, pa.string()) for name, keys in groups.items()}
        columns = {name: col for name, col in columns.items() if col.null_count < len(col)}
        for name, typ in self.provenance.items():
            columns[name] = self._column([name], typ)
        return pa.table(columns).to_pandas()

    def _column(self, keys: list[str], typ: pa.DataType) -> pa.ChunkedArray:
        parts = []
        for n, arrays in self.chunks:
            found = [arrays[k] for k in keys if k in arrays]
            parts.append(pc.coalesce(*found) if len(found) > 1 else found[0] if found else pa.nulls(n, typ))
        return pa.chunked_array(parts, typ)


_KEYS = ("YWH", "QXDM")
COLUMNS: dict[str, tuple[str, ...]] = {  # spec/sources.md §3: the tables and columns regcheck takes
    "DJT_DJ_SLSQ": (*_KEYS, "SLRY", "SLSJ", "DJDL", "DJLX", "JSSJ", "AJZT"),
    "DJT_DJ_SL": (*_KEYS, "SLRY", "SLSJ", "DJDL", "DJLX", "JSSJ", "AJZT"),
    "DJF_DJ_SH": (*_KEYS, "JDMC", "SXH", "SHRYXM", "SHKSSJ", "SHJSSJ", "CZJG"),
    "DJF_DJ_DB": (*_KEYS, "DBRYXM", "DBSJ"),
    "DJF_DJ_SZ": (*_KEYS, "SZRY", "SZSJ"),
    "DJF_DJ_FZ": (*_KEYS, "FZRY", "FZSJ"),
    "DJF_DJ_SF": (*_KEYS, "SFRY", "SFRQ", "YSJE", "SSJE"),
    "DJF_DJ_GD": (*_KEYS, "GDRY", "GDSJ"),
    "ZTT_GY_QLR": (*_KEYS, "BDCDYH", "SXH", "QLRMC", "QLRLX", "ZJH", "DH"),
}
RIGHT_COLUMNS = (  # every QLF_*/QLT_* right table (登簿 facts); the columns of one table it lacks are absent
    *_KEYS,
    *("BDCDYH", "DJLX", "DJSJ", "DBR", "GHYT", "QLXZ"),
    *("DYFS", "BDBZZQSE", "ZGZQSE", "JFYWH", "JFDJSJ", "JFDBR", "ZXYYYWH"),
)


def table_columns(table: str) -> tuple[str, ...] | None:
    """The columns regcheck takes from a table (upper-case name), or None: a table it does not read
    (DJF_DJ_SQR 申请人 and others no rule needs are passed over, personal data included)."""
    if table.startswith(("QLF_", "QLT_")):
        return RIGHT_COLUMNS
    return COLUMNS.get(table)


_HEAD_PROVENANCE = {FILE: pa.string(), ORDER: pa.int64(), MESSAGE_CASE: pa.string()}
_HEAD_SPELLING = {f.upper(): f for f in HEAD_FIELDS}


def _attribute_column(key: str) -> str:
    """A Data row's attribute (or tag) as a column (or table) name: its local name, upper-case."""
    return _local(key).upper()


def _consume(iterator: Iterator[Any]) -> None:
    deque(iterator, maxlen=0)


def _head_column(key: str) -> str:
    """A Head field as a column: the spec's spelling whatever the letter case (``BizMsgId`` ->
    ``BizMsgID``), other fields as written."""
    return _HEAD_SPELLING.get(key.upper(), key)


class _Rows:
    """One table's rows, its columns fixed (:func:`table_columns`): a tuple per row (the message's
    index in the files read, the line, the order, then the values) for the current chunk, an Arrow
    table per chunk before it — so the Python strings of at most about ``_CHUNK`` rows are alive."""

    def __init__(self, columns: tuple[str, ...]) -> None:
        self.columns = columns
        self.rows: list[tuple[Any, ...]] = []
        self.chunks: list[pa.Table] = []
        self.schema = pa.schema(
            [("_message", pa.int64()), (ROW, pa.int64()), (ORDER, pa.int64()), *((c, pa.string()) for c in columns)]
        )

    def flush(self) -> None:
        if self.rows:
            columns = list(zip(*self.rows, strict=True))
            self.chunks.append(
                pa.Table.from_arrays(list(map(pa.array, columns, self.schema.types)), schema=self.schema)
            )
            self.rows = []

    def frame(self, files: pa.Array, cases: pa.Array) -> pd.DataFrame:
        """The rows as one frame: the columns some row has a value in, then the provenance columns
        (FILE and MESSAGE_CASE looked up from the message's index: one string per message, not per row)."""
        self.flush()
        table = pa.concat_tables(self.chunks) if self.chunks else self.schema.empty_table()
        present = {c: table[c] for c in self.columns if table[c].null_count < len(table)}
        message = table["_message"]
        given = {FILE: files.take(message), ROW: table[ROW], ORDER: table[ORDER], MESSAGE_CASE: cases.take(message)}
        return pa.table({**present, **given}).to_pandas()


class _Collector:
    """Rows of all messages read so far, per table, and the heads, rejects and files."""

    def __init__(self, order: int = 0) -> None:
        self.tables: dict[str, _Rows] = {}
        self.tags: dict[str, _Rows | None] = {}  # element tag -> its table, or None: a table not read
        self.heads = _Columns(_HEAD_PROVENANCE)
        self.rejects: list[tuple[str, int, str, str, str]] = []
        self.files: list[str] = []
        self.cases: list[str | None] = []  # per file read: its message's case
        self.messages = 0
        self.last_case: str | None = None
        self.order = order  # the next _order: one per message (its Head) and one per Data element

    def take(self, name: str, parsed: _Parsed) -> None:
        """One document: its rows into the tables, or its rejects row."""
        index = len(self.files)
        self.files.append(name)
        self.cases.append(parsed.case)
        if parsed.reason is not None:
            self.rejects.append((name, parsed.line, "", "", parsed.reason))
            return
        case = parsed.case
        self.heads.add(list(parsed.head), parsed.head.values(), name, self.order, case)
        keys = "".join(parsed.rows[0].attrib) if parsed.rows else ""
        upper = keys == keys.upper()  # one vendor writes ywh="…": its rows go the slow way
        for order, el in enumerate(parsed.rows, self.order + 1):
            table = self.tags.get(el.tag, False)
            if table is False:
                table = self.tags[el.tag] = self._table(el.tag)
            if table is not None:
                get = el.get if upper else _upper_attributes(el).get
                table.rows.append((index, el.sourceline or -1, order, *map(get, table.columns)))
        self.order += 1 + len(parsed.rows)
        self.messages += 1
        self.last_case = case
        for table in self.tables.values():
            if len(table.rows) >= _CHUNK:
                table.flush()

    def _table(self, tag: str) -> _Rows | None:
        name = _attribute_column(tag)  # <djt_dj_slsq> and <DJT_DJ_SLSQ> are one table
        columns = table_columns(name)
        if columns is None:
            return None
        if name not in self.tables:
            self.tables[name] = _Rows(columns)
        return self.tables[name]

    def result(self, skipped: int) -> RawRows:
        files, cases = pa.array(self.files, pa.string()), pa.array(self.cases, pa.string())
        tables = {name: rows.frame(files, cases) for name, rows in self.tables.items()}
        rejects = pd.DataFrame(self.rejects, columns=["file", "row", "column", "value", "reason"])
        rejects["row"] = rejects["row"].astype("int64")
        return RawRows("messages", tables, self.heads.frame(_head_column), rejects, self.files, skipped)


def _upper_attributes(el: etree._Element) -> dict[str, str]:
    """A row whose attribute names are not all upper-case (``ywh``): its attributes by upper-case name."""
    return {_attribute_column(k): v for k, v in el.items()}


def _head_value(head: dict[str, str | None], name: str) -> str | None:
    if name in head:
        return head[name]
    return next((v for k, v in head.items() if k.upper() == name.upper()), None)


# -- the readers -----------------------------------------------------------------------------------


def read_messages(inputs: Sequence[str | os.PathLike[str]]) -> RawRows:
    """Access-message files, folders and archives -> one RawRows (form "messages").

    Raises :class:`InputError` for a path that does not exist, an archive that cannot be read, and
    inputs that hold no ``.xml`` file at all; a bad document is a rejects row instead.
    """
    parts = list(iter_messages(inputs, batch=0))
    return parts[0]


def iter_messages(inputs: Sequence[str | os.PathLike[str]], batch: int) -> Iterator[RawRows]:
    """The rows of :func:`read_messages` in parts of about ``batch`` messages (0: one part), for
    sources too large for memory at once (``partition``). ``_order`` runs on over the parts; each
    part holds its own rejects, files and passed-over count. A part ends only between messages of
    different cases, so the messages of one case (RecFlowID ``YWH-1``, ``YWH-2`` …) stay together
    when they follow each other, as a system writes them.
    """
    walk = _Walk(inputs)
    collector = _Collector()
    skipped = 0
    read = 0
    for member in walk.members():
        parsed = _parse_member(member)
        if batch and collector.messages >= batch and parsed.reason is None and parsed.case != collector.last_case:
            yield collector.result(walk.skipped - skipped)
            skipped = walk.skipped
            collector = _Collector(collector.order)
        collector.take(member.name, parsed)
        read += 1
    if not read:
        shown = ", ".join(map(os.fspath, inputs[:3])) + (" …" if len(inputs) > 3 else "")
        raise InputError(f"{shown}: no .xml access message found ({walk.skipped:,} other files passed over)")
    yield collector.result(walk.skipped - skipped)
