"""Which kind of source the inputs are, and reading it as one log (spec/sources.md §1).

A scan reads one kind of source: the flat event log (CSV/Parquet files and folders), access
messages (XML files, folders of them, zip/tar archives), the standard tables as files (a folder
holding DJT_DJ_SLSQ/DJT_DJ_SL) or the standard tables in a database (``--db URL``). Kinds are
never mixed in one scan (exit 2, one line): a message archive beside a CSV log is a mistake.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from ..errors import InputError
from ..loaders.read import _is_regular
from . import FILE, ORDER, RawRows

if TYPE_CHECKING:
    from ..loaders.profile import Profile
    from ..loaders.read import LoadResult

Kind = Literal["log", "messages", "tables", "db"]
KIND_WORDS = {
    "log": "a flat event log (CSV/Parquet)",
    "messages": "access messages (XML, zip, tar)",
    "tables": "standard-table files (DJT_DJ_SLSQ …)",
    "db": "a database (--db)",
}
DB_ENV = "REGCHECK_DB_URL"  # where --db may come from, so that the password stays out of the shell history


@dataclass(frozen=True)
class Source:
    """The inputs of one scan and their kind; ``db_url`` only for kind "db"."""

    kind: Kind
    paths: tuple[str, ...] = ()
    db_url: str | None = None
    db_schema: str | None = None

    @property
    def is_log(self) -> bool:
        return self.kind == "log"

    def label(self) -> str:
        """How the summary names what was read (the password of a URL masked)."""
        if self.kind == "db":
            try:
                from .db import mask_url
            except ImportError:
                return "--db URL"  # never the URL itself: it may hold the password
            return mask_url(self.db_url or "")
        return ", ".join(self.paths)


def _kind_of(path: str) -> Kind:
    from ..distributed import is_url
    from .messages import looks_like_messages
    from .tables import is_table_dir

    if is_url(path):
        return "log"  # a remote dataset (distributed.py)
    p = Path(path)
    pattern = any(ch in path for ch in "*?[") and not p.exists()  # a glob, expanded as the readers do
    if not pattern and not (p.is_dir() or _is_regular(p)):
        return "log"  # missing, a FIFO, a device: never opened to sniff (the flat loader says what it is)
    if p.is_dir() and is_table_dir(p):
        return "tables"
    return "messages" if looks_like_messages([path]) else "log"


def classify(inputs: Sequence[str], db_url: str | None = None, db_schema: str | None = None) -> Source:
    """The kind of source INPUT… (and --db) are; exit 2 when kinds are mixed or nothing is given."""
    url = db_url or (os.environ.get(DB_ENV) if not inputs else None)
    if url:
        if inputs:
            raise InputError("--db and INPUT files are not read together: scan the database or the files")
        return Source("db", (), url, db_schema)
    if db_schema:
        raise InputError("--db-schema goes with --db URL")
    if not inputs:
        raise InputError(f"no INPUT given: name log files, folders or archives, or a database with --db URL ({DB_ENV})")
    kinds = {path: _kind_of(path) for path in inputs}
    found = sorted(set(kinds.values()))
    if len(found) > 1:
        first = {k: next(p for p, v in kinds.items() if v == k) for k in found}
        parts = "; ".join(f"{first[k]} is {KIND_WORDS[k]}" for k in found)
        raise InputError(f"one kind of source per scan, not mixed: {parts}")
    return Source(found[0], tuple(inputs))


def read_raw(source: Source, window: tuple[pd.Timestamp | None, pd.Timestamp] | None = None) -> RawRows:
    """The rows of the standard tables from a message, table-file or database source."""
    if source.kind == "messages":
        from .messages import read_messages

        return read_messages(list(source.paths))
    if source.kind == "tables":
        from .tables import read_table_files

        return merge_raw([read_table_files(Path(p)) for p in source.paths])
    if source.kind == "db":
        try:
            from .db import read_db
        except ImportError:
            raise InputError("reading a database needs SQLAlchemy: pip install 'regcheck[sources]'") from None
        return read_db(source.db_url or "", source.db_schema, window)
    raise ValueError(f"not a table source: {source.kind}")


def merge_raw(parts: Sequence[RawRows]) -> RawRows:
    """Several sources of one kind as one (input order: the parts in the order given)."""
    if len(parts) == 1:
        return parts[0]
    out = RawRows(form=parts[0].form)
    offset = 0
    for part in parts:
        for name, frame in part.tables.items():
            shifted = frame.assign(**{ORDER: frame[ORDER] + offset})
            out.tables[name] = (
                pd.concat([out.tables[name], shifted], ignore_index=True) if name in out.tables else shifted
            )
        if len(part.heads):
            heads = part.heads.assign(**{ORDER: part.heads[ORDER] + offset})
            out.heads = pd.concat([out.heads, heads], ignore_index=True) if len(out.heads) else heads
        out.rejects = pd.concat([out.rejects, part.rejects], ignore_index=True) if len(part.rejects) else out.rejects
        out.files += part.files
        out.skipped += part.skipped
        offset += 1 + max((int(f[ORDER].max()) for f in part.tables.values() if len(f)), default=0)
    return out


def load_source(
    source: Source, profile: Profile | None = None, window: tuple[pd.Timestamp | None, pd.Timestamp] | None = None
) -> tuple[LoadResult, pd.DataFrame]:
    """A message, table-file or database source as the log a flat export of it would be, and its
    per-table counts (table, read, used, rejected …) for `validate` and the summary."""
    from .events import to_load

    raw = read_raw(source, window)
    if not any(len(f) for f in raw.tables.values()) and raw.rejects.empty:
        where = source.label()
        raise InputError(f"{where}: no access messages or standard-table rows found")
    return to_load(raw, profile)


__all__ = ["DB_ENV", "FILE", "Source", "classify", "load_source", "merge_raw", "read_raw"]
