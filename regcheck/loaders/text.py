"""What a CSV file's bytes are before any of it is parsed: encoding, damage, a cut-off end.

One pass over the bytes (C-speed decoding, no Python per line) decides:

* the encoding — UTF-8 (with or without BOM) when every byte decodes as UTF-8, else
  GB18030 (a superset of GBK and GB2312) when every byte decodes as that;
* **mixed encodings** — a file that is not UTF-8 but holds lines that read as UTF-8
  Chinese (two exports of different encodings concatenated, or a UTF-8 file with
  GBK rows appended). Decoding it either way would turn part of it into mojibake,
  so it is an error naming the first UTF-8 line and the first line that is not;
* **a cut-off end** — a file that ends in the middle of a multi-byte character, or
  inside a quoted value, was cut (a copy interrupted, a disk full). Its last row is
  rejected with that reason; a quote opened earlier and never closed (which would
  swallow every following line into one value) is an error naming its line;
* NUL bytes and workbooks saved under a ``.csv`` name.

Candidates for "a line that reads as UTF-8 Chinese" are found with one RE2 pass
(Arrow) per block; each candidate is confirmed by comparing how many common (GB2312)
hanzi it yields decoded as UTF-8 and decoded as GB18030, because a short GB18030 line
can be valid UTF-8 by accident but then decodes to rare characters.
"""

from __future__ import annotations

import codecs
import csv
import functools
import io
import itertools
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import InputError

_CHUNK = 1 << 24
_BLOCK = 1 << 13  # sub-block for locating RE2 hits
_CUT_CHAR = "the file ends in the middle of a character: this row was cut off"
_CUT_QUOTE = "the file ends inside a quoted value: this row was cut off"

# workbooks saved under a .csv name (a common mistake): magic bytes -> what it is
_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1": "an Excel 97-2003 (.xls) workbook",
}

# a whole line of valid UTF-8 holding at least two CJK characters (U+3000–U+9FFF)
_U = r"(?:[\x00-\x09\x0b-\x7f]|[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3})"
_C = r"(?:[\xe3-\xe9][\x80-\xbf]{2})"
_UTF8_CJK_LINE = "(?m)^" + _U + "*" + _C + _U + "*" + _C + _U + "*$"
_UTF8_CJK_LINE_PY = re.compile(_UTF8_CJK_LINE.encode("latin-1"))


@dataclass(frozen=True)
class TextInfo:
    encoding: str  # utf-8, utf-8-sig or gb18030
    size: int  # bytes to read: the whole file, or fewer when it ends in the middle of a character
    cut: str | None = None  # the last row was cut off: why
    nul: bool = False  # the text holds NUL bytes


def inspect_text(path: Path) -> TextInfo:
    """Encoding and damage of a CSV text file (cached per file version); InputError when unusable."""
    st = path.stat()
    return _inspect(str(path), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _inspect(name: str, size: int, _mtime: int) -> TextInfo:
    path = Path(name)
    with path.open("rb") as fh:
        head = fh.read(8)
    for magic, what in _MAGIC.items():
        if head.startswith(magic):
            raise InputError(f"{path}: this is {what}, not CSV text; save the sheet as CSV (UTF-8) or export Parquet")
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):  # before UTF-16: FF FE 00 00 starts as FF FE
        raise InputError(f"{path}: UTF-32 text is not supported; save the file as UTF-8 or GB18030")
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise InputError(f"{path}: UTF-16 text is not supported; save the file as UTF-8 or GB18030")
    bom = head.startswith(codecs.BOM_UTF8)

    utf8 = codecs.getincrementaldecoder("utf-8")()
    gb = codecs.getincrementaldecoder("gb18030")()
    quotes = 0
    nul = False
    utf8_bad: int | None = None  # first byte that is not UTF-8
    utf8_block = 0  # where the block holding it starts
    gb_bad: int | None = None
    for base, block in _blocks(path):
        # neither UTF-8 nor GB18030 uses 0x22 or 0x00 inside a multi-byte character
        quotes += block.count(b'"')
        nul = nul or b"\x00" in block
        if utf8_bad is None:
            held = len(utf8.getstate()[0])
            try:
                utf8.decode(block)
            except UnicodeDecodeError as exc:
                utf8_bad, utf8_block = base - held + exc.start, base
                if bom:
                    raise InputError(
                        f"{path}: the file starts as UTF-8 (byte-order mark) but {_where(path, utf8_bad)} is not "
                        "UTF-8; save the whole file in one encoding (UTF-8 or GB18030)"
                    ) from None
        if gb_bad is None:
            held = len(gb.getstate()[0])
            try:
                gb.decode(block)
            except UnicodeDecodeError as exc:
                gb_bad = base - held + exc.start
        if utf8_bad is not None:
            # not UTF-8, so GB18030 — unless part of it reads as UTF-8 (mixed encodings)
            hit = _utf8_line_in(block)
            if hit is not None:
                _mixed(path, base + hit, utf8_bad)
            if gb_bad is not None:
                break
    if utf8_bad is None:
        encoding, pending = ("utf-8-sig" if bom else "utf-8"), len(utf8.getstate()[0])
    else:
        # the blocks before the first non-UTF-8 byte were UTF-8: Chinese lines there mean mixed encodings
        hit = _first_utf8_line(path, utf8_block)
        if hit is not None:
            _mixed(path, hit, utf8_bad)
        if gb_bad is not None:
            raise InputError(
                f"{path}: the text is neither UTF-8 nor GB18030/GBK ({_where(path, gb_bad)} cannot be decoded); "
                "save the file as UTF-8 or GB18030"
            )
        encoding, pending = "gb18030", len(gb.getstate()[0])
    readable = size - pending
    cut = _CUT_CHAR if pending else None
    if quotes % 2:
        cut = _open_quote(path, encoding, readable) or cut
    return TextInfo(encoding=encoding, size=readable, cut=cut, nul=nul)


def _blocks(path: Path, limit: int | None = None) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) of consecutive blocks of whole lines (a line longer than 4 chunks is split)."""
    base = 0
    carry = b""
    with path.open("rb") as fh:
        while True:
            want = _CHUNK if limit is None else min(_CHUNK, limit - base - len(carry))
            chunk = fh.read(want) if want > 0 else b""
            data = carry + chunk
            if not data:
                return
            end = len(data) if not chunk or len(data) > 4 * _CHUNK else data.rfind(b"\n") + 1
            if end <= 0:  # no line break yet
                carry = data
                continue
            yield base, data[:end]
            base += end
            carry = data[end:]


def _mixed(path: Path, utf8_at: int, bad_at: int) -> None:
    raise InputError(
        f"{path}: mixed text encodings: line {_line_of(path, utf8_at):,} is UTF-8 but {_where(path, bad_at)} is not; "
        "save the whole file in one encoding (UTF-8 or GB18030)"
    )


def _where(path: Path, offset: int) -> str:
    return f"line {_line_of(path, offset):,} at byte {offset:,}"


def _line_of(path: Path, offset: int) -> int:
    """1-based physical line holding byte ``offset``."""
    lines = 1
    with path.open("rb") as fh:
        left = offset
        while left > 0 and (chunk := fh.read(min(_CHUNK, left))):
            lines += chunk.count(b"\n")
            left -= len(chunk)
    return lines


def _first_utf8_line(path: Path, limit: int) -> int | None:
    """Byte offset of the first line before ``limit`` that reads as UTF-8 Chinese, or None."""
    for base, block in _blocks(path, limit):
        hit = _utf8_line_in(block)
        if hit is not None:
            return base + hit
    return None


def _utf8_line_in(block: bytes) -> int | None:
    """Offset in ``block`` (whole lines) of the first confirmed UTF-8 Chinese line."""
    cuts = [0]
    for k in range(_BLOCK, len(block), _BLOCK):
        nl = block.find(b"\n", max(k, cuts[-1]))
        if nl < 0:
            break
        cuts.append(nl + 1)
    cuts.append(len(block))
    offsets = np.unique(np.asarray(cuts, dtype=np.int64))
    arr = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), len(offsets) - 1, [None, pa.py_buffer(offsets), pa.py_buffer(block)]
    )
    counts = pc.count_substring_regex(arr, _UTF8_CJK_LINE).to_numpy(zero_copy_only=False)
    for i in np.flatnonzero(counts):
        lo, hi = int(offsets[i]), int(offsets[i + 1])
        for m in _UTF8_CJK_LINE_PY.finditer(block, lo, hi):
            if _reads_as_utf8(m.group(0)):
                return m.start()
    return None


def _reads_as_utf8(line: bytes) -> bool:
    """True when the line makes more sense as UTF-8 than as GB18030 (more common hanzi)."""
    try:
        as_utf8 = line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return _common_share(as_utf8) > _common_share(line.decode("gb18030", "replace"))


def _common_share(text: str) -> float:
    cjk = [ch for ch in text if "\u3400" <= ch <= "\u9fff"]
    if not cjk:
        return 0.0
    return sum(_in_gb2312(ch) for ch in cjk) / len(cjk)


@functools.lru_cache(maxsize=8192)
def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _open_quote(path: Path, encoding: str, size: int) -> str | None:
    """An odd number of quotes: is a quoted value still open at the end of the file?

    Open in the last line only: the row was cut (returns the reason). Open earlier: every
    following line would be read into one value — an error naming the line.
    """
    with _open_text(path, encoding, size) as fh:
        reader = csv.reader(fh)
        start = end = 0  # physical lines where the last record starts and ends
        try:
            for _ in reader:
                start, end = end + 1, reader.line_num
        except csv.Error:
            return None
    with _open_text(path, encoding, size) as fh:
        last = list(itertools.islice(fh, start - 1, None))
    try:
        list(csv.reader(last, strict=True))
    except csv.Error as exc:
        if "unexpected end of data" not in str(exc):
            return None
        if len(last) > 1:
            raise InputError(
                f"{path}: the quoted value opened on line {start:,} is never closed, so the {len(last):,} lines "
                f"from there on would be read as one value; close the quote (or remove the stray '\"')"
            ) from None
        return _CUT_QUOTE
    return None


def _open_text(path: Path, encoding: str, size: int) -> io.TextIOWrapper:
    """The first ``size`` bytes as text lines (line endings kept, as the csv module wants)."""
    raw = path.open("rb")
    if size < os.fstat(raw.fileno()).st_size:
        data = raw.read(size)
        raw.close()
        return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, errors="replace", newline="")
    return io.TextIOWrapper(raw, encoding=encoding, errors="replace", newline="")  # type: ignore[arg-type]


def last_line(path: Path, info: TextInfo, limit: int = 200) -> str:
    """The (cut-off) last line of the file, for the rejects file."""
    with path.open("rb") as fh:
        fh.seek(max(0, info.size - 4 * limit))
        tail = fh.read(info.size - max(0, info.size - 4 * limit))
    line = tail.rstrip(b"\r\n").rsplit(b"\n", 1)[-1]
    return line.decode(info.encoding.replace("-sig", ""), "replace")[-limit:]
