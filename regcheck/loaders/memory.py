"""Refuse to load a log that cannot fit in memory, before reading it, with a way out.

A whole-log scan holds every accepted row in memory (plus the rules' working tables).
Measured on generated logs, a scan peaks at roughly 10 times a CSV file's size and
about 1 KB per row; the estimate below takes the lower end of that (4 times a CSV's
bytes, 500 bytes per Parquet row from the file's footer, and at least the uncompressed
size of a Parquet file's column chunks from its footer), so that it only refuses a
log that would certainly not fit. Such a log is laid out by office with ``regcheck
partition`` and scanned one office at a time (``--engine local``, the default for a
dataset), each office's rows in memory at once.

The available memory is the kernel's ``MemAvailable`` (/proc/meminfo), or less where a
cgroup (a container) limits the process; unknown (another OS) means no check.
``REGCHECK_NO_MEMORY_CHECK=1`` skips the check. A MemoryError during a scan is
reported the same way by the command line.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import pyarrow.parquet as pq

from ..errors import InputError

CSV_FACTOR = 4  # memory per byte of CSV text
PARQUET_ROW_BYTES = 500  # memory per Parquet row


def available_memory() -> int | None:
    """Bytes this process can still use, or None when the OS does not say."""
    avail: int | None = None
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError):
        avail = None
    if avail is None:
        try:
            avail = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (AttributeError, OSError, ValueError):
            avail = None
    limit = _cgroup_room()
    if limit is not None:
        avail = limit if avail is None else min(avail, limit)
    return avail


def _cgroup_room() -> int | None:
    """A cgroup v2 memory limit less the group's usage (containers), or None."""
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit == "max":
            return None
        used = int(Path("/sys/fs/cgroup/memory.current").read_text().strip())
        return max(0, int(limit) - used)
    except (OSError, ValueError):
        return None


def parquet_sizes(meta: pq.FileMetaData, compressed: bool) -> dict[str, int]:
    """Bytes per top-level column over all row groups (compressed, or uncompressed as in memory)."""
    out: dict[str, int] = {}
    for r in range(meta.num_row_groups):
        group = meta.row_group(r)
        for c in range(group.num_columns):
            chunk = group.column(c)
            name = chunk.path_in_schema.split(".")[0]
            size = chunk.total_compressed_size if compressed else chunk.total_uncompressed_size
            out[name] = out.get(name, 0) + size
    return out


def estimate(paths: Sequence[Path], kinds: Sequence[str]) -> tuple[int, int]:
    """(bytes on disk, estimated bytes in memory) of loading these files whole."""
    on_disk = need = 0
    for path, kind in zip(paths, kinds, strict=True):
        try:
            size = path.stat().st_size
        except OSError:
            continue
        on_disk += size
        if kind == "parquet":
            try:
                meta = pq.ParquetFile(path).metadata
                rows, values = meta.num_rows, sum(parquet_sizes(meta, compressed=False).values())
            except Exception:  # unreadable: the read itself reports it
                rows = values = 0
            # a small file of long, well-compressed values: its uncompressed size is what memory holds
            need += max(rows * PARQUET_ROW_BYTES, size * CSV_FACTOR, values)
        else:
            need += size * CSV_FACTOR
    return on_disk, need


def check_memory(paths: Sequence[Path], kinds: Sequence[str]) -> None:
    """InputError when loading these files whole would exceed the available memory."""
    if not paths or os.environ.get("REGCHECK_NO_MEMORY_CHECK"):
        return
    on_disk, need = estimate(paths, kinds)
    avail = available_memory()
    if avail is None or need <= avail:
        return
    biggest = max(paths, key=lambda p: p.stat().st_size if p.exists() else 0)
    what = f"{biggest}" if len(paths) == 1 else f"{biggest} and {len(paths) - 1} more files"
    raise InputError(
        f"{what}: the log ({_size(on_disk)} on disk) needs about {_size(need)} of memory to scan whole, "
        f"more than the {_size(avail)} available; lay it out by office with `regcheck partition INPUT… -o DATASET` "
        "and scan DATASET (one office at a time, --engine local)"
    )


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:,.0f} {unit}" if unit == "B" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} GB"


__all__ = ["available_memory", "check_memory", "estimate", "parquet_sizes"]
