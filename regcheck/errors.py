"""Exceptions that the command line maps to exit codes (spec/output.md)."""

from __future__ import annotations


class RegcheckError(Exception):
    """Base class of the errors regcheck reports to people."""


class InputError(RegcheckError):
    """Unreadable input, a missing column, a bad option value: exit code 2, one line."""
