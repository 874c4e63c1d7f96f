"""Exceptions that the command line maps to exit codes (spec/output.md)."""

from __future__ import annotations


class RegcheckError(Exception):
    """Base class of the errors regcheck reports to people."""


class InputError(RegcheckError):
    """Unreadable input, a missing column, a bad option value: exit code 2, one line."""


ECHO_CHARS = 200  # a value quoted in an error message is cut here (a 1 MB key is not printed whole)


def quote(value: object, *, as_is: bool = False, limit: int = ECHO_CHARS) -> str:
    """A value as an error message quotes it: ``repr`` (control characters escaped; ``as_is``: the text
    itself), cut at ``limit`` characters with the full length said."""
    text = str(value) if as_is else repr(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"
