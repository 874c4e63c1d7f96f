"""Atomic output: write to a temporary file beside the target, then rename over it.

A run killed mid-write leaves the previous output intact (or none), never a
truncated file; leftover temporary files of killed runs are removed by the
next write to the same target. Files are created owner-only (0600) where the
operating system allows: findings name cases and staff.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

TMP_MARK = ".regcheck-tmp-"


def _tmp_prefix(target: Path) -> str:
    return f".{target.name}{TMP_MARK}"


def clean_stale(target: Path) -> None:
    for old in target.parent.glob(_tmp_prefix(target) + "*"):
        with contextlib.suppress(OSError):
            old.unlink()


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    fd, name = tempfile.mkstemp(prefix=_tmp_prefix(target), dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, 0o600)
        yield tmp
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_text_atomic(target: str | os.PathLike[str], write: Callable[[IO[str]], None], encoding: str) -> None:
    with atomic_path(target) as tmp, open(tmp, "w", encoding=encoding, newline="") as fh:
        write(fh)
