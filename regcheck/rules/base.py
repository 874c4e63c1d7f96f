"""The rule registry: one decorator carries everything `rules`, `explain`, config and docs need.

A rule is a pure function ``(log, params) -> findings frame`` built with
:func:`findings`. Rules register themselves on import; a rule that is not
implemented is simply not in the registry.
"""

from __future__ import annotations

import inspect
import json
import re
import string
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo

from ..facts import FACTS
from ..model import EventLog
from ..schema import CATEGORIES, SEVERITIES

Severity = Literal["info", "low", "medium", "high", "critical"]
# What a rule reads together, so what a partitioned scan (regcheck/distributed.py) must keep together:
# "case" — one case's rows (any partition holding the case will do); "row_office" — every row carrying an
# office_code (LG001); "case_office" — every case of an office (the queues); "unit" — every case on a unit
# (its seal/objection/mortgage history); "global" — rows from every office, gathered by the rule's projection;
# "months" — a trend warning (WR…): it reads the month-by-month table of `regcheck trend` (regcheck/trend.py
# Trend), not one EventLog, so only `regcheck trend` runs it (engine.select_rules(..., trend=True)).
Grouping = Literal["case", "row_office", "case_office", "unit", "global", "months"]
GROUPINGS: tuple[Grouping, ...] = ("case", "row_office", "case_office", "unit", "global", "months")
Projection = Callable[[EventLog], np.ndarray]  # positions in log.events of the rows a global rule needs

# Columns a rule may return; the engine adds the rule's metadata and the finding id.
FINDING_FIELDS = ("key", "office_code", "case_id", "unit_id", "operator_id", "event_time", "message", "evidence")


class NoParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def number(default: Any, *, ge: float, le: float, description: str) -> Any:
    """A numeric rule parameter: finite and within [ge, le] (inf, nan, 1e308 are config errors, exit 2).

    The range is part of the declaration, so ``regcheck explain`` and docs/rules.md state it (:func:`value_range`).
    """
    return Field(default, ge=ge, le=le, allow_inf_nan=False, description=description)


def value_range(info: FieldInfo) -> str:
    """' (range 0–86,400)' for a parameter declared with bounds, else ''."""
    lo = next((m.ge for m in info.metadata if getattr(m, "ge", None) is not None), None)
    hi = next((m.le for m in info.metadata if getattr(m, "le", None) is not None), None)
    if lo is None and hi is None:
        return ""
    return f" (range {'' if lo is None else f'{lo:,}'}–{'' if hi is None else f'{hi:,}'})"


# The fixed sections of a rule's documentation, in order (as ruff documents a rule). The docstring holds
# a one-line Chinese summary and the first four as ``## Heading`` blocks; Example and Parameters come from
# the declaration (``example=``, ``params=``). `regcheck explain` and docs/rules.md print them in this order.
DOC_SECTIONS = ("What it does", "Why it matters", "Exempt", "Dated at")
SECTIONS = (*DOC_SECTIONS, "Example", "Parameters")
SECTION_ZH = {
    "What it does": "检查什么",
    "Why it matters": "为什么重要",
    "Exempt": "不报",
    "Dated at": "发现时间",
    "Example": "示例",
    "Parameters": "参数",
}


def doc_sections(rule_id: str, doc: str) -> tuple[str, dict[str, str]]:
    """(summary, {section: text}) of a rule docstring; ValueError unless every DOC_SECTIONS heading is
    there, once, in order, and not empty ("Exempt" may say "nothing")."""
    parts = re.split(r"^## (.+?)[ \t]*$", doc, flags=re.MULTILINE)
    summary, heads, bodies = parts[0].strip(), parts[1::2], [b.strip() for b in parts[2::2]]
    if tuple(heads) != DOC_SECTIONS:
        raise ValueError(f"{rule_id}: docstring sections are {heads}, want {list(DOC_SECTIONS)}")
    empty = [h for h, b in zip(heads, bodies, strict=True) if not b]
    if not summary or empty:
        raise ValueError(f"{rule_id}: empty docstring section(s): {empty or ['summary']}")
    return summary, dict(zip(heads, bodies, strict=True))


@dataclass(frozen=True)
class Rule:
    id: str
    title: str  # Chinese
    title_en: str
    severity: Severity
    category: str
    basis: tuple[int, ...]
    func: Callable[..., pd.DataFrame]
    params: type[BaseModel] = NoParams
    columns: frozenset[str] = frozenset()  # canonical columns the rule reads
    needs: frozenset[str] = frozenset()  # side inputs: "roster", "approvals"
    facts: frozenset[str] = frozenset()  # facts of the source it needs (regcheck/facts.py FACTS)
    grouping: Grouping = "case"
    projection: Projection | None = None  # global rules: the rows they need (None: every row)
    key: str = "{case_id}"  # what a finding's key is: finding columns and evidence fields ({name})
    example: str = ""
    fires_on: str = ""
    doc: str = field(default="")

    @property
    def summary(self) -> str:
        """The docstring's one-line Chinese summary (before the first section)."""
        return doc_sections(self.id, self.doc)[0]

    @property
    def sections(self) -> dict[str, str]:
        """The documentation sections, in SECTIONS order; Parameters is the parameter names, "none" if none."""
        text = doc_sections(self.id, self.doc)[1]
        params = ", ".join(self.params.model_fields) or "none"
        return {**text, "Example": self.example, "Parameters": params}

    @property
    def basis_text(self) -> str:
        return ";".join(str(b) for b in self.basis)

    @property
    def family(self) -> str:
        """The rule's family: the module it is declared in (``timelimit``, ``queue`` …)."""
        return self.func.__module__.rsplit(".", 1)[-1]

    @property
    def key_fields(self) -> tuple[str, ...]:
        """The names in :attr:`key`, in order (``("office_code", "first_missing")``)."""
        return key_fields(self.key)

    def key_of(self, finding: Mapping[str, Any]) -> str:
        """A finding's key rebuilt from a findings row (as written: columns as text, ``evidence`` as JSON),
        so that ``finding_id(rule_id, key_of(row))`` is the row's finding_id."""
        evidence = finding.get("evidence") or "{}"
        values = {**(json.loads(evidence) if isinstance(evidence, str) else dict(evidence)), **finding}
        return self.key.format_map({k: _key_text(values.get(k)) for k in self.key_fields})

    def run(self, log: EventLog, params: BaseModel | None = None, **side: Any) -> pd.DataFrame:
        p = params if params is not None else self.params()
        kwargs = {k: v for k, v in side.items() if k in inspect.signature(self.func).parameters}
        return self.func(log, p, **kwargs)


def key_fields(template: str) -> tuple[str, ...]:
    return tuple(name for _text, name, _spec, _conv in string.Formatter().parse(template) if name)


def _key_text(value: Any) -> str:
    if isinstance(value, pd.Timestamp | np.datetime64):
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M:%S")
    return "" if value is None else str(value)


REGISTRY: dict[str, Rule] = {}


def rule(
    id: str,
    title: str,
    title_en: str,
    *,
    severity: Severity,
    category: str,
    basis: Iterable[int],
    fires_on: str,
    params: type[BaseModel] = NoParams,
    columns: Iterable[str] = (),
    needs: Iterable[str] = (),
    facts: Iterable[str] = (),
    grouping: Grouping = "case",
    projection: Projection | None = None,
    key: str = "{case_id}",
    example: str = "",
) -> Callable[[Callable[..., pd.DataFrame]], Callable[..., pd.DataFrame]]:
    if severity not in SEVERITIES:
        raise ValueError(f"{id}: unknown severity {severity}")
    if category not in CATEGORIES:
        raise ValueError(f"{id}: unknown category {category}")

    def register(func: Callable[..., pd.DataFrame]) -> Callable[..., pd.DataFrame]:
        if id in REGISTRY:
            raise ValueError(f"rule {id} registered twice")
        if not example.strip():
            raise ValueError(f"{id}: a rule needs an example")
        if unknown := set(facts) - set(FACTS):
            raise ValueError(f"{id}: unknown facts {sorted(unknown)} (see regcheck/facts.py)")
        if grouping not in GROUPINGS:
            raise ValueError(f"{id}: unknown grouping {grouping!r}, one of {GROUPINGS}")
        if projection is not None and grouping != "global":
            raise ValueError(f"{id}: only a global rule has a projection")
        if not key_fields(key):
            raise ValueError(f"{id}: key {key!r} names no field")
        doc_sections(id, inspect.cleandoc(func.__doc__ or ""))
        REGISTRY[id] = Rule(
            id=id,
            title=title,
            title_en=title_en,
            severity=severity,
            category=category,
            basis=tuple(basis),
            func=func,
            params=params,
            columns=frozenset(columns),
            needs=frozenset(needs),
            facts=frozenset(facts),
            grouping=grouping,
            projection=projection,
            key=key,
            example=inspect.cleandoc(example) if example else "",
            fires_on=fires_on,
            doc=inspect.cleandoc(func.__doc__ or ""),
        )
        return func

    return register


def _json_records(evidence: Mapping[str, Any], n: int) -> list[str]:
    if not evidence:
        return ["{}"] * n
    frame = pd.DataFrame({k: _jsonable(v, n) for k, v in evidence.items()})
    floats = [k for k in frame.columns if pd.api.types.is_float_dtype(frame[k].dtype)]
    for k in floats:
        frame[k] = _float_text(frame[k])
    text = frame.to_json(orient="records", lines=True, force_ascii=False, date_format="iso")
    for k in floats:  # the number's text went in as a JSON string: unquote it (an inner quote would be \")
        text = re.sub(r'([{,]"' + re.escape(str(k)) + r'":)"([^"]*)"', r"\1\2", text)
    lines = text.rstrip("\n").split("\n") if n else []  # not splitlines(): U+2028 in a value is no line break
    return lines if len(lines) == n else ["{}"] * n


def _float_text(s: pd.Series) -> pd.Series:
    """Floats as written: the shortest text that reads back as the same number (``4701100.01``, not
    the ``4701100.0099999998`` of pandas' fixed ten decimals); not finite -> None (JSON null)."""
    arr = s.to_numpy(dtype=float, na_value=np.nan)
    text = pd.Series(list(map(repr, arr.tolist())), index=s.index, dtype=object)
    return text.where(np.isfinite(arr), None)


def _jsonable(v: Any, n: int) -> Any:
    arr = v if isinstance(v, pd.Series | np.ndarray | list) else [v] * n
    s = pd.Series(arr).reset_index(drop=True)
    if pd.api.types.is_datetime64_any_dtype(s):
        return s.dt.strftime("%Y-%m-%d %H:%M:%S").astype(object).where(s.notna(), None)
    return s


def findings(
    *,
    key: Any,
    office_code: Any,
    event_time: Any,
    message: Any,
    case_id: Any = None,
    unit_id: Any = None,
    operator_id: Any = None,
    evidence: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Assemble a rule's findings. Arguments are equal-length columns or scalars."""
    base = pd.Series(key).reset_index(drop=True)
    n = len(base)

    def col(v: Any) -> Any:
        if v is None:
            return [None] * n
        if isinstance(v, pd.Series | pd.Index):
            return v.to_numpy() if len(v) == n else v
        if isinstance(v, np.ndarray | list):
            return v
        return [v] * n

    frame = pd.DataFrame(
        {
            "key": base.astype(str).to_numpy(),
            "office_code": col(office_code),
            "case_id": col(case_id),
            "unit_id": col(unit_id),
            "operator_id": col(operator_id),
            "event_time": pd.to_datetime(pd.Series(col(event_time))).to_numpy(dtype="datetime64[ns]"),
            "message": col(message),
            "evidence": _json_records(evidence or {}, n),
        }
    )
    for c in ("office_code", "case_id", "unit_id", "operator_id", "message"):
        frame[c] = frame[c].astype(object).where(pd.notna(frame[c]), None)
    return frame


def case_findings(
    log: EventLog,
    idx: Any,
    *,
    message: Any,
    evidence: Mapping[str, Any] | None = None,
    at: str | None = None,
    event_time: Any = None,
    operator_id: Any = None,
    key: Any = None,
) -> pd.DataFrame:
    """Findings on the cases ``idx`` (positions in ``log.cases``), one a case: case_id, office_code and
    unit_id from ``log.cases``, keyed by case_id unless ``key`` is given. ``at`` (an activity) dates
    each finding at the case's first row of it (``t_<at>``) and names that row's operator, where
    ``event_time`` / ``operator_id`` are not given; the other arguments as :func:`findings`."""
    idx = np.asarray(idx, dtype=np.int64)
    c = log.cases.iloc[idx]
    if at is not None:
        event_time = c[f"t_{at}"] if event_time is None else event_time
        operator_id = log.case_value("operator_id", log.first_row(at)[idx]) if operator_id is None else operator_id
    return findings(
        key=c["case_id"] if key is None else key,
        case_id=c["case_id"],
        office_code=c["office_code"],
        unit_id=c.get("unit_id"),
        operator_id=operator_id,
        event_time=event_time,
        message=message,
        evidence=evidence,
    )


def no_rows(log: EventLog) -> np.ndarray:
    """The projection of a global rule that reads no row of the log (SD004 reads the roster)."""
    return np.zeros(0, dtype=np.int64)


def empty_findings() -> pd.DataFrame:
    return findings(key=[], office_code=[], event_time=[], message=[])


def fmt_int(values: Any) -> pd.Series:
    return pd.Series(pd.Series(values).to_numpy(dtype=np.int64).astype(str).astype(object))


def fmt_day(values: Any) -> pd.Series:
    return pd.to_datetime(pd.Series(values).reset_index(drop=True)).dt.strftime("%Y-%m-%d")


def fmt_time(values: Any) -> pd.Series:
    return pd.to_datetime(pd.Series(values).reset_index(drop=True)).dt.strftime("%Y-%m-%d %H:%M:%S")


def zh_labels(values: Any, table: Mapping[str, str], missing: str = "") -> pd.Series:
    """Codes as their Chinese labels (``certify`` -> 缮证) for messages; a value not in ``table`` stays."""
    s = text(values, missing)
    return s.map(table).fillna(s).astype(str)


def template(pattern: str, **values: Any) -> pd.Series:
    """A message per row: ``pattern``'s ``{name}`` fields filled column-wise from ``values`` (columns —
    Series, arrays or lists, taken by position — or scalars; missing values as ''), e.g.
    ``template("受理后第{elapsed}个工作日办结", elapsed=fmt_int(f["elapsed"]))``. A field without a
    value, or a value without a field, is a ValueError (a typo would otherwise blank a message)."""
    parts = list(string.Formatter().parse(pattern))
    names = {name for _, name, _, _ in parts if name is not None}
    if names != set(values):
        raise ValueError(f"template {pattern!r}: fields {sorted(names)}, values {sorted(values)}")
    columns = {k: text(v).to_numpy() for k, v in values.items() if not np.isscalar(v)}
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError(f"template {pattern!r}: columns of different lengths {sorted(lengths)}")
    n = lengths.pop() if lengths else 1
    out: Any = _filled(n, "")
    for literal, name, _, _ in parts:
        out = out + _filled(n, literal) if literal else out
        if name is not None:
            out = out + (columns[name] if name in columns else _filled(n, str(values[name])))
    return pd.Series(out, dtype=object)


def _filled(n: int, value: str) -> np.ndarray:
    """``n`` times ``value`` as an object array (numpy's ``full`` and ``+`` with a str scalar go through a
    fixed-width string, which drops a trailing NUL)."""
    out = np.empty(n, dtype=object)
    out.fill(value)
    return out


def text(values: Any, missing: str = "") -> pd.Series:
    """The values as Python strings (object dtype; missing -> ``missing``). Not pandas' Arrow-backed text
    (``astype(str)``): messages and evidence are built from Python strings, and every trip through
    it converts each value twice."""
    s = pd.Series(values).reset_index(drop=True)
    if isinstance(s.dtype, pd.CategoricalDtype):
        s = pd.Series(s.to_numpy(dtype=object))  # the rows' values, without converting every category
    out = s.astype(object).where(s.notna(), missing)
    if pd.api.types.infer_dtype(out, skipna=False) not in ("string", "empty"):
        out = out.astype(str).astype(object)
    return out


def codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (-1 = missing) and the values they index: a categorical's own, else factorized."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return values.array.codes, values.cat.categories
    found, uniques = pd.factorize(values)
    return found, pd.Index(uniques)


def per_category(values: pd.Categorical, flag: np.ndarray) -> np.ndarray:
    """``flag`` (one per category) per value; a missing value gets False."""
    return np.append(np.asarray(flag, dtype=bool), False)[values.codes]


def case_categorical(c: pd.DataFrame, column: str) -> pd.Categorical:
    """A column of ``c`` as a categorical (a text column of a loaded log is one already); absent: all missing."""
    if column in c.columns:
        return pd.Categorical(c[column])
    return pd.Categorical.from_codes(np.full(len(c), -1, dtype=np.int8), categories=pd.Index([], dtype="str"))
