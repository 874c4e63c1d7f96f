"""``regcheck partition`` on a message or table source: parse once, scan many times.

The source is read and mapped to events (regcheck/sources/events.py) once, and the events are
written as the canonical flat log, laid out by office like any ``regcheck partition`` dataset
(regcheck/partition.py). The marker records the source's form and the facts it lacks, and the
message heads go beside the partitions (``_heads.parquet``), so that a scan of the dataset —
whole, one office at a time, or on Dask — runs and sets aside the same rules as a scan of the
source itself. The rows the mapping rejected are reported by the partition run (``--rejects``);
the dataset holds the rows that were used.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from ..facts import SourceInfo
from ..partition import MARKER, PartitionReport, write_dataset
from ..schema import CANONICAL
from .route import Source, load_source

if TYPE_CHECKING:
    from ..loaders.profile import Profile

HEADS = "_heads.parquet"


def write_source_dataset(source: Source, root: str | Path, profile: Profile | None = None) -> PartitionReport:
    """Write the events of a message/table/database source as an office-partitioned dataset at ``root``."""
    loaded, _tables = load_source(source, profile)
    info = loaded.source
    events = loaded.events[[c for c in CANONICAL if c in loaded.events.columns]]
    marker = {"form": info.form, "lacks": sorted(info.lacks), "read": loaded.files}
    beside = {HEADS: info.heads} if info.heads is not None and len(info.heads) else {}
    with tempfile.TemporaryDirectory(prefix=".regcheck-events-", dir=Path(root).parent) as tmp:
        flat = Path(tmp) / "events.parquet"
        events.to_parquet(flat, index=False)  # a scratch file, read back at once: not an output (no atomic_path)
        report = write_dataset([flat], root, None, source=marker, beside=beside)
    report.files = loaded.files
    report.rows_read = loaded.rows_read
    report.rejects = loaded.rejects
    return report


def dataset_source(root: str | Path) -> SourceInfo | None:
    """The SourceInfo a dataset's marker records, or None for a dataset of a flat log."""
    root = Path(root)
    try:
        marker = json.loads((root / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = marker.get("source")
    if not isinstance(found, dict):
        return None
    heads = pd.read_parquet(root / HEADS) if (root / HEADS).exists() else None
    return SourceInfo(form=found["form"], lacks=frozenset(found.get("lacks", ())), heads=heads)
