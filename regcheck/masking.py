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

from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# columns of a findings table that are never masked: identifiers and regcheck's own text
KEEP_COLUMNS = frozenset(
    {"finding_id", "rule_id", "title", "severity", "category", "basis", "status", "office_code", "case_id", "unit_id"}
)
MAX_NAME = 32  # longer "names" are data errors, not names; they are not looked for

_ID_BODY = r"([1-9][0-9]{5})(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])([0-9]{3}[0-9Xx])"
_MOBILE_BODY = r"((?:\+?86|0086)[- ]?)?(1[3-9][0-9])([- ]?)[0-9]{4}([- ]?)([0-9]{4})"
# (pattern, replacement); RE2 has no look-behind, so the boundary characters are captured and put back,
# and each pattern runs twice (two numbers separated by one character share that boundary)
_TEXT_PATTERNS = (
    (r"(^|[^0-9A-Za-z])" + _ID_BODY + r"($|[^0-9A-Za-z])", r"\1\2********\3\4"),
    (r"(^|[^0-9.])" + _MOBILE_BODY + r"($|[^0-9.]|\.[^0-9]|\.$)", r"\1\2\3\4****\5\6\7"),
)
# in the evidence JSON a number may be a JSON number: it becomes a (masked) JSON string
_JSON_NUMBER_PATTERNS = (
    (r"([:,\[]\s*)" + _ID_BODY.replace("[0-9Xx]", "[0-9]") + r"(\s*[,}\]])", r'\1"\2********\3"\4'),
    (r"([:,\[]\s*)(1[3-9][0-9])[0-9]{4}([0-9]{4})(\s*[,}\]])", r'\1"\2****\3"\4'),
)
_HASH_MUL = np.uint64(0x100000001B3)  # FNV prime: window hashes wrap around modulo 2**64


def person_names(events: pd.DataFrame | None = None, roster: pd.DataFrame | None = None) -> list[str]:
    """Names of natural persons in the data: individual mortgagees and the roster's names."""
    found: list[pd.Series] = []
    if events is not None and {"mortgagee", "mortgagee_type", "case_id"} <= set(events.columns):
        individual = (events["mortgagee_type"] == "individual").to_numpy(dtype=bool)
        # every mortgagee value of a case whose mortgagee is an individual (on any of its rows)
        case, _ = pd.factorize(events["case_id"])
        of_case = np.zeros(case.max() + 2 if len(case) else 1, dtype=bool)
        of_case[case[individual]] = True
        rows = of_case[case] & (case >= 0) | individual
        found.append(pd.Series(pd.unique(events["mortgagee"][rows].dropna())))
    if roster is not None and "name" in roster.columns:
        found.append(roster["name"])
    if not found:
        return []
    names = pd.concat([s.astype(object) for s in found], ignore_index=True).dropna().astype(str).str.strip()
    names = names[(names.str.len() >= 2) & (names.str.len() <= MAX_NAME)]
    return sorted(set(names.tolist()))


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
    def from_data(cls, events: pd.DataFrame | None = None, roster: pd.DataFrame | None = None) -> Masker:
        return cls(person_names(events, roster))

    # -- columns ---------------------------------------------------------------------------

    def text(self, values: pd.Series, json: bool = False) -> pd.Series:
        """One text column masked (missing values stay missing). ``json``: the values are JSON objects."""
        present = values.notna().to_numpy(dtype=bool)
        if not present.any():
            return values
        strings = values[present].astype(str)
        masked = self._names(strings)
        arr = pa.array(masked.to_numpy(dtype=object), type=pa.large_string())
        patterns = (_JSON_NUMBER_PATTERNS if json else ()) + _TEXT_PATTERNS
        for pattern, replacement in patterns:
            for _ in range(2):
                arr = pc.replace_substring_regex(arr, pattern=pattern, replacement=replacement)
        out = values.astype(object).copy()
        out.loc[present] = np.asarray(arr.to_pylist(), dtype=object)
        return out

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
        if not self._by_length or strings.empty:
            return strings
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
            return strings
        cps = cps.copy()
        cps[star] = ord("*")
        return pd.Series(cps.tobytes().decode("utf-32-le").split("\x00"), index=strings.index, dtype=object)


def _codepoints(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)


def _window_hashes(cps: np.ndarray, length: int) -> np.ndarray:
    hashes = np.zeros(len(cps) - length + 1, dtype=np.uint64)
    for k in range(length):
        hashes = hashes * _HASH_MUL + cps[k : len(cps) - length + 1 + k].astype(np.uint64)
    return hashes


def _is_text(values: pd.Series) -> bool:
    return pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)


__all__ = ["KEEP_COLUMNS", "Masker", "mask_name", "person_names"]
