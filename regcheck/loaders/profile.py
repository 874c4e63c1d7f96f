"""Header profiles: canonical English, the built-in Chinese ``zh`` profile, user TOML.

A user profile (``--profile FILE.toml``, spec/input.md) maps another vendor's
headers to canonical names, maps values (``"初审" = "review"``) and supplies
constants for columns the export lacks::

    [columns]            # canonical name = header in the file
    case_id = "YWH"
    [values.activity]    # value in the file = canonical code
    "初审" = "review"
    [constants]          # same value on every row
    office_code = "340102"
    [options]
    timezone = "Asia/Shanghai"   # zone that offset timestamps are converted to
    [sources]            # access messages and standard tables: more mortgagee-type words
    bank_words = ["村镇银行"]
"""

from __future__ import annotations

import zoneinfo
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ..errors import InputError
from ..schema import BY_NAME, CANONICAL, ZH_HEADERS
from ..tomlfile import read_toml

DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def delimiter_char(value: str) -> str:
    """A CSV field separator: one character, or tab/comma/semicolon/pipe, or ``\\t``."""
    char = DELIMITER_NAMES.get(value.strip().lower(), value) if value.strip() else value
    if len(char) != 1 or char in '"\r\n':
        raise ValueError(f"delimiter {value!r}: one character such as ';' or '|', or 'tab'")
    return char


class ProfileOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    timezone: str = "Asia/Shanghai"
    delimiter: str = ","  # CSV field separator (--delimiter)

    @field_validator("delimiter")
    @classmethod
    def _one_char(cls, v: str) -> str:
        return delimiter_char(v)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            zoneinfo.ZoneInfo(v)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {v!r} (use an IANA name such as Asia/Shanghai)") from None
        return v


class SourceOptions(BaseModel):
    """``[sources]``: words a profile adds to the mortgagee-type word lists of access messages and the
    standard tables (regcheck/data/mortgagee_words.toml, spec/sources.md §5)."""

    model_config = ConfigDict(extra="forbid")
    bank_words: list[str] = Field(default_factory=list)
    financial_words: list[str] = Field(default_factory=list)


class Profile(BaseModel):
    """How the headers and values of one vendor's export map to the canonical log."""

    model_config = ConfigDict(extra="forbid")
    name: str = "canonical"
    columns: dict[str, str] = Field(default_factory=dict)
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    constants: dict[str, str] = Field(default_factory=dict)
    options: ProfileOptions = Field(default_factory=ProfileOptions)
    sources: SourceOptions = Field(default_factory=SourceOptions)

    @field_validator("columns", "constants")
    @classmethod
    def _known_columns(cls, v: dict[str, str]) -> dict[str, str]:
        unknown = [k for k in v if k not in BY_NAME]
        if unknown:
            raise ValueError(f"unknown canonical column(s): {', '.join(unknown)}")
        return {k: str(val) for k, val in v.items()}

    @field_validator("values")
    @classmethod
    def _known_value_columns(cls, v: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        unknown = [k for k in v if k not in BY_NAME]
        if unknown:
            raise ValueError(f"unknown canonical column(s) in [values]: {', '.join(unknown)}")
        return {col: {str(a).strip(): str(b).strip() for a, b in m.items()} for col, m in v.items()}

    @model_validator(mode="after")
    def _one_source_per_column(self) -> Profile:
        both = [c for c in self.columns if c in self.constants]
        if both:
            raise ValueError(f"{both[0]} is both a [columns] header and a [constants] value; keep one")
        seen: dict[str, str] = {}
        for canon, header in self.columns.items():
            if header in seen:
                raise ValueError(f"the header {header!r} is mapped to both {seen[header]} and {canon}")
            seen[header] = canon
        return self

    def resolve(self, path: Path, headers: list[str]) -> dict[str, str]:
        """:meth:`header_map`, refusing two sources for one column (e.g. ``case_id`` and ``业务号``): exit 2."""
        mapping = self.header_map(headers)
        first: dict[str, str] = {}
        for h, canon in mapping.items():
            if canon in first:
                raise InputError(
                    f"{path}: the headers {first[canon]!r} and {h!r} are both column {canon}; "
                    "remove or rename one (which one holds the data is not for regcheck to guess)"
                )
            if canon in self.constants:
                raise InputError(
                    f"{path}: column {canon} is both the header {h!r} and the profile's constant "
                    f"{self.constants[canon]!r}; remove one of them"
                )
            first[canon] = h
        return mapping

    def header_map(self, headers: list[str]) -> dict[str, str]:
        """File header -> canonical name, for the headers this profile recognises."""
        mapping: dict[str, str] = {}
        explicit = {file_h: canon for canon, file_h in self.columns.items()}
        for h in headers:
            key = h.strip().lstrip("\ufeff").strip()
            if key in explicit:
                mapping[h] = explicit[key]
            elif key in CANONICAL and key not in self.columns:
                mapping[h] = key
            elif key in ZH_HEADERS and ZH_HEADERS[key] not in self.columns:
                mapping[h] = ZH_HEADERS[key]
        return mapping


def load_profile(path: str | Path | None, delimiter: str | None = None) -> Profile:
    """The profile of ``path`` (None: the built-in one); ``delimiter`` (``--delimiter``) overrides its own."""
    profile = _read_profile(path)
    if delimiter is None:
        return profile
    try:
        options = profile.options.model_copy(update={"delimiter": delimiter_char(delimiter)})
    except ValueError as exc:
        raise InputError(f"--delimiter: {exc}") from None
    return profile.model_copy(update={"options": options})


def _read_profile(path: str | Path | None) -> Profile:
    if path is None:
        return Profile()
    p = Path(path)
    data = read_toml(p, "profile", "not a valid TOML profile")
    try:
        return Profile(name=p.stem, **data)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(x) for x in err["loc"])
        raise InputError(f"{p}: {where}: {err['msg']}") from None
