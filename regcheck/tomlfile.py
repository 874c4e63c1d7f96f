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


def read_toml(path: Path, what: str, invalid: str) -> dict[str, Any]:
    """The user's TOML file ``path`` (a ``what``: config, profile), UTF-8 with or without BOM; a file that
    cannot be read, is not UTF-8 or is not TOML (``invalid`` words that) is one InputError naming it."""
    try:
        return parse_toml(path.read_text(encoding="utf-8-sig"), path, what)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise InputError(not_utf8(path)) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: {invalid} ({exc})") from None


def not_utf8(path: Path) -> str:
    """A TOML file (config, profile) saved in another encoding, e.g. GBK by Notepad or WPS."""
    return f"{path}: the file is not UTF-8 text; save {path.name} as UTF-8 (e.g. Notepad: Save As, Encoding: UTF-8)"


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
