"""Personal data masking for everything regcheck writes (on by default; ``--no-mask`` turns it off).

Findings leave the registration office — to the province's problem platform, to
spreadsheets on shared drives — so regcheck must not be a leak itself (checklist item
16). Before any findings, report or rejects file is written, every free-text column
is masked:

* **names of natural persons** — the mortgagee of every case whose mortgagee_type is
  ``individual`` 自然人, and every ``name`` of the staff roster — wherever they occur
  (in a message, in the evidence JSON, as a value): the first character stays, the
  rest become ``*`` (张三 → 张*, 欧阳娜娜 → 欧***);
* anything shaped like a **PRC resident identity number** (18 characters: 6-digit
  area code, a plausible birth date, 3 digits, a check digit or X): the first 6 and
  last 4 stay (340102********1234);
* anything shaped like a **mainland mobile number** (1[3-9] and 9 more digits, an
  optional +86 and separators): 138****5678.

Masked in findings: every text column except the registration identifiers a finding
is acted on by (case_id, unit_id, office_code) and the columns regcheck writes itself
(rule id, title, severity …). finding_id is computed before masking, so ids and the
baseline ledger are unchanged. Masked in rejects: the ``value`` column.

Vectorised: identity and mobile numbers with RE2 (Arrow) on whole columns; names by
hashing every window of the text (one array of code points per column) and looking
the hashes up in the hashes of the known names.
"""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .facts import SourceInfo

# columns of a findings table that are never masked: identifiers and regcheck's own text
KEEP_COLUMNS = frozenset(
    {"finding_id", "rule_id", "title", "severity", "category", "basis", "status", "office_code", "case_id", "unit_id"}
)
MAX_NAME = 32  # longer "names" are data errors, not names; they are not looked for

_SEP = "[ ._·-]"  # separators written inside a number: 138-1234-5678, 138.1234.5678, 340102 19900101 1234


def _spaced(*tokens: str) -> str:
    """Digit tokens that may each be followed by one separator (the number as people write it)."""
    return f"{_SEP}?".join(tokens)


_D = "[0-9]"
_DATE = _spaced(
    f"(?:1{_SEP}?[89]|2{_SEP}?0)",
    _D,
    _D,
    f"(?:0{_SEP}?[1-9]|1{_SEP}?[0-2])",
    f"(?:0{_SEP}?[1-9]|[12]{_SEP}?[0-9]|3{_SEP}?[01])",
)
# 6-digit area code, a plausible birth date, 3 digits and a check digit (or X): first 6 and last 4 kept
_ID_BODY = f"({_spaced('[1-9]', *[_D] * 5)})({_SEP}?){_DATE}({_SEP}?)({_spaced(_D, _D, _D, '[0-9Xx]')})"
_FOUR = _spaced(*[_D] * 4)
_MOBILE_BODY = f"((?:\\+?86|0086){_SEP}?)?({_spaced('1', '[3-9]', _D)})({_SEP}?){_FOUR}({_SEP}?)({_FOUR})"
# (pattern, replacement); RE2 has no look-behind, so the boundary characters are captured and put back,
# and each pattern runs twice (two numbers separated by one character share that boundary). Only a digit
# next to it makes a run no number: letters around it (ID340102…, 13812345678abc) are a prefix or suffix.
_TEXT_PATTERNS = (
    ("(^|[^0-9])" + _ID_BODY + "($|[^0-9])", r"\1\2\3********\4\5\6"),
    (r"(^|[^0-9.])" + _MOBILE_BODY + r"($|[^0-9.]|\.[^0-9]|\.$)", r"\1\2\3\4****\5\6\7"),
)
# in the evidence JSON a number may be a JSON number: it becomes a (masked) JSON string
_JSON_ID = r"([1-9][0-9]{5})(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])([0-9]{4})"
_JSON_NUMBER_PATTERNS = (
    (r"([:,\[]\s*)" + _JSON_ID + r"(\s*[,}\]])", r'\1"\2********\3"\4'),
    (r"([:,\[]\s*)(1[3-9][0-9])[0-9]{4}([0-9]{4})(\s*[,}\]])", r'\1"\2****\3"\4'),
)
_ELEVEN_DIGITS = f"[0-9](?:{_SEP}?[0-9]){{10}}"  # in every identity or mobile number, however spelled
_DASHES = "\u2010\u2011\u2012\u2013\u2212\ufe63"  # hyphen, non-breaking hyphen, figure dash, en dash, minus


_FOLDING_BLOCKS = (0x0, 0x200, 0x2000, 0x2100, 0x2400, 0x3000, 0xFB00, 0xFE00, 0xFF00, 0x1D400, 0x1D500, 0x1D600,
                   0x1D700, 0x1F100, 0x1FB00)  # fmt: skip


@functools.cache
def _number_forms() -> dict[int, str]:
    """Characters NFKC folds into a digit, X, + or a separator (full-width １３８, ①, 𝟏, the ideographic space,
    full-width －．), and dashes: one character for one, so the text keeps its length and layout."""
    wanted = set("0123456789Xx+ ._-")
    table = {c: "-" for c in map(ord, _DASHES)}
    for block in _FOLDING_BLOCKS:  # the 256-character blocks holding all 166 such characters (Unicode 15)
        for c in range(block, block + 0x100):
            folded = unicodedata.normalize("NFKC", chr(c))
            if c >= 0x80 and folded in wanted:
                table[c] = folded
    return table


def _re2_class(codepoints: Iterable[int]) -> str:
    """An RE2 character class of the code points (each written as ``\\x{…}``, so none needs escaping)."""
    return "[" + "".join(f"\\x{{{c:x}}}" for c in codepoints) + "]"


@functools.cache
def _foldable_class() -> str:
    """An RE2 character class of the characters :func:`_number_forms` folds."""
    return _re2_class(sorted(_number_forms()))


_HASH_MUL = np.uint64(0x100000001B3)  # FNV prime: window hashes wrap around modulo 2**64


# the events' columns person_names reads (a scan keeps them when it frees the columns no rule reads any more)
PERSON_COLUMNS = ("mortgagee", "mortgagee_type", "case_id")


def person_names(
    events: pd.DataFrame | None = None, roster: pd.DataFrame | None = None, source: SourceInfo | None = None
) -> list[str]:
    """Names of natural persons in the data: individual mortgagees and the roster's names; on access messages
    and the standard tables the parties' names, ID numbers and phones (``source.parties``) instead of the
    roster's names (staff appear by name there, acting in office)."""
    found: list[pd.Series] = []
    if source is not None and source.parties:
        found.append(pd.Series(list(source.parties), dtype=object))
    if events is not None and set(PERSON_COLUMNS) <= set(events.columns):
        individual = (events["mortgagee_type"] == "individual").to_numpy(dtype=bool)
        # every mortgagee value of a case whose mortgagee is an individual (on any of its rows)
        case, _ = pd.factorize(events["case_id"])
        of_case = np.zeros(case.max() + 2 if len(case) else 1, dtype=bool)
        of_case[case[individual]] = True
        rows = of_case[case] & (case >= 0) | individual
        found.append(pd.Series(pd.unique(events["mortgagee"][rows].dropna())))
    if roster is not None and "name" in roster.columns and (source is None or source.form == "log"):
        # on messages and tables the staff are named as they act in office, and are not masked (sources.md §4)
        found.append(roster["name"])
    if not found:
        return []
    names = pd.concat([s.astype(object) for s in found], ignore_index=True).dropna().astype(str).str.strip()
    names = names[(names.str.len() >= 2) & (names.str.len() <= MAX_NAME)]
    return sorted(set(names.tolist()))


def baseline_names(findings: pd.DataFrame | None) -> list[str]:
    """Names of natural persons in an earlier findings file (``--baseline``), which may have been written
    with ``--no-mask`` and name people the current data no longer holds: the individual mortgagees of MG006
    (its evidence and message) and the roster names SD002–SD004 put after an operator id. Already masked
    names (张**) are no names."""
    if findings is None or findings.empty or not {"rule_id", "message"} <= set(findings.columns):
        return []
    rule = findings["rule_id"].fillna("").astype(str)
    message = findings["message"].fillna("").astype(str)
    found = [message[rule == "MG006"].str.extract(r"^抵押权人(.+?)为自然人（", expand=False)]
    if "evidence" in findings.columns:
        evidence = findings["evidence"].fillna("").astype(str)
        individual = evidence[(rule == "MG006") & evidence.str.contains('"individual"', regex=False)]
        found.append(individual.str.extract(r'"mortgagee"\s*:\s*"((?:[^"\\]|\\.)*)"', expand=False))
    staff = message[rule.str.startswith("SD")].str.extract(r"^(?:操作人|登簿人)?(.*?)（([^（）]+)）")
    if "operator_id" in findings.columns:
        operator = findings["operator_id"].fillna("").astype(str).reindex(staff.index)
        found.append(staff[1].where(staff[0] == operator))
    names = pd.concat(found).dropna().astype(str).str.strip()
    names = names[~names.str.contains("*", regex=False) & ~names.str.contains("\\", regex=False)]
    return sorted(set(names[(names.str.len() >= 2) & (names.str.len() <= MAX_NAME)].tolist()))


def mask_name(name: str) -> str:
    """张三 -> 张*: the first character stays."""
    return name[:1] + "*" * (len(name) - 1)


@dataclass
class Masker:
    """Masks personal data in text columns. ``names``: natural persons' names to hide."""

    names: Iterable[str] = ()
    _by_length: dict[int, np.ndarray] = field(init=False, repr=False)
    _first: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names = sorted({n for n in self.names if 2 <= len(n) <= MAX_NAME})
        self.names = tuple(names)
        by_length: dict[int, list[int]] = {}
        for n in names:
            by_length.setdefault(len(n), []).append(int(_window_hashes(_codepoints(n), len(n))[0]))
        self._by_length = {k: np.unique(np.asarray(v, dtype=np.uint64)) for k, v in by_length.items()}
        self._first = np.unique(np.asarray([ord(n[0]) for n in names], dtype=np.uint32))

    @classmethod
    def from_data(
        cls, events: pd.DataFrame | None = None, roster: pd.DataFrame | None = None, source: SourceInfo | None = None
    ) -> Masker:
        return cls(person_names(events, roster, source))

    def with_baseline(self, baseline: pd.DataFrame | None) -> Masker:
        """This masker, also hiding the names an earlier findings file holds (:func:`baseline_names`)."""
        extra = baseline_names(baseline)
        return Masker([*self.names, *extra]) if extra else self

    # -- columns ---------------------------------------------------------------------------

    def text(self, values: pd.Series, json: bool = False) -> pd.Series:
        """One text column masked (missing values stay missing). ``json``: the values are JSON objects."""
        present = values.notna().to_numpy(dtype=bool)
        if not present.any():
            return values
        strings = values[present]
        if strings.dtype != object or pd.api.types.infer_dtype(strings, skipna=False) != "string":
            strings = strings.astype(str).astype(object)
        # else Python strings already: no round trip through pandas' Arrow-backed text (astype(str))
        masked = self._names(strings)
        out = values.astype(object).copy()
        out.loc[present] = self._numbers(masked, json).to_numpy(dtype=object)
        return out

    @staticmethod
    def _numbers(strings: pd.Series, json: bool) -> pd.Series:
        """Identity and mobile numbers masked, in any spelling: found in the text with digits, X and
        separators folded (NFKC); a value where one is masked is written folded, any other as it was.
        Only the values holding a character to fold are folded (in Python); the rest go to RE2 as they are."""
        original = pa.array(strings.to_numpy(dtype=object), type=pa.large_string())
        foldable = pc.match_substring_regex(original, _foldable_class()).to_numpy(zero_copy_only=False)
        folded = original
        if foldable.any():
            values = strings.to_numpy(dtype=object).copy()
            values[foldable] = strings[foldable].str.translate(_number_forms()).to_numpy(dtype=object)
            folded = pa.array(values, type=pa.large_string())
        # every pattern needs 11 digits, one separator at most between two: the other values keep their text
        maybe = pc.match_substring_regex(folded, _ELEVEN_DIGITS)
        arr = folded.filter(maybe)
        for pattern, replacement in (_JSON_NUMBER_PATTERNS if json else ()) + _TEXT_PATTERNS:
            for _ in range(2):
                arr = pc.replace_substring_regex(arr, pattern=pattern, replacement=replacement)
        arr = pc.replace_with_mask(folded, maybe, arr)
        out = pc.if_else(pc.not_equal(arr, folded), arr, original)
        return pd.Series(out.to_numpy(zero_copy_only=False), index=strings.index, dtype=object)

    def findings(self, findings: pd.DataFrame) -> pd.DataFrame:
        """Every free-text column of a findings table masked (identifiers and metadata kept)."""
        if findings.empty:
            return findings
        out = findings.copy()
        for col in out.columns:
            if col in KEEP_COLUMNS or not _is_text(out[col]):
                continue
            out[col] = self.text(out[col], json=col == "evidence")
        return out

    def rejects(self, rejects: pd.DataFrame) -> pd.DataFrame:
        """The rejects table with the rejected values masked."""
        if rejects.empty or "value" not in rejects.columns:
            return rejects
        out = rejects.copy()
        out["value"] = self.text(out["value"])
        return out

    # -- names -----------------------------------------------------------------------------

    def _names(self, strings: pd.Series) -> pd.Series:
        """Names masked; only the values holding the first character of a name (found by one RE2 class) are
        searched window by window."""
        if not self._by_length or strings.empty:
            return strings
        first = _re2_class(self._first.tolist())
        arr = pa.array(strings.to_numpy(dtype=object), type=pa.large_string())
        holds = pc.match_substring_regex(arr, first).to_numpy(zero_copy_only=False)
        if not holds.any():
            return strings
        found = self._names_in(strings[holds])
        if found is None:
            return strings
        out = strings.copy()
        out[holds] = found
        return out

    def _names_in(self, strings: pd.Series) -> np.ndarray | None:
        """The values with names masked, or None when none holds one."""
        joined = "\x00".join(strings.tolist())  # NUL never occurs in a name, so no window spans two values
        cps = _codepoints(joined)
        # windows can only start where a name's first character is
        starts = np.flatnonzero(np.isin(cps, self._first))
        star = np.zeros(len(cps), dtype=bool)
        hashes = np.zeros(len(starts), dtype=np.uint64)
        for length in range(1, max(self._by_length) + 1):
            starts, hashes = starts[starts + length <= len(cps)], hashes[starts + length <= len(cps)]
            if not len(starts):
                break
            hashes = hashes * _HASH_MUL + cps[starts + length - 1].astype(np.uint64)
            wanted = self._by_length.get(length)
            if wanted is None:
                continue
            hit = starts[wanted[np.minimum(np.searchsorted(wanted, hashes), len(wanted) - 1)] == hashes]
            for k in range(1, length):
                star[hit + k] = True
        if not star.any():
            return None
        cps = cps.copy()
        cps[star] = ord("*")
        return np.asarray(cps.tobytes().decode("utf-32-le").split("\x00"), dtype=object)


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _window_hashes(cps: np.ndarray, length: int) -> np.ndarray:
    hashes = np.zeros(len(cps) - length + 1, dtype=np.uint64)
    for k in range(length):
        hashes = hashes * _HASH_MUL + cps[k : len(cps) - length + 1 + k].astype(np.uint64)
    return hashes


def _is_text(values: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)


__all__ = ["KEEP_COLUMNS", "Masker", "baseline_names", "mask_name", "person_names"]
