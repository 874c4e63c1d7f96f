"""TOML files given by the user (``regcheck.toml``, ``--profile``): parsed with a bound on their nesting.

A hand-made or hostile file nested 100,000 levels deep (``a = [[[[…`` or ``[a.a.a.…]``) is an input error
(exit 2) naming the file, not a RecursionError (exit 3) in the parser or in the code walking the values.
"""

from __future__ import annotations

import contextlib
import tomllib
from pathlib import Path
from typing import Any

from .errors import InputError

MAX_DEPTH = 32  # regcheck's own files nest four levels at most ([rules.TL001] limits = {…})


def parse_toml(text: str, path: Path | str, what: str) -> dict[str, Any]:
    """``tomllib.loads`` (its TOMLDecodeError is the caller's to word), refusing anything nested too deeply."""
    data = None
    if _dotted_depth(text) <= MAX_DEPTH:  # tomllib needs memory quadratic in the parts of a dotted key
        with contextlib.suppress(RecursionError):
            data = tomllib.loads(text)
    if data is None or _depth(data) > MAX_DEPTH:
        raise InputError(f"{path}: nested more than {MAX_DEPTH} levels deep; a {what} needs at most four")
    return data


def _dotted_depth(text: str) -> int:
    """The most parts of a dotted key or table header (``[a.b.c]``, ``a.b.c = 1``) on any line."""
    return max((line.split("=", 1)[0].count(".") + 1 for line in text.splitlines()), default=0)


def _depth(data: Any) -> int:
    """How deep tables and arrays nest (iteratively: the value may be deeper than the recursion limit)."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


__all__ = ["MAX_DEPTH", "parse_toml"]
