"""The office's configuration file, ``regcheck.toml``: rule selection, parameters, limits, fees, suppressions.

Found in the working directory or given with ``--config``; validated with
pydantic, and every unknown key is an error that names it (exit 2)::

    select = ["TL", "QJ", "AP"]          # default: all rules
    ignore = ["MG006"]

    [rules.TL003]                        # parameters of one rule, checked against its params model
    warn_days = 2

    [limits]                             # working-day limits by business type (code or Chinese label)
    transfer = 3
    query = "none"                       # no limit

    [fees]                               # the fee table of FE001/FE002 (rules/fee.py FeeTable)
    residential = 80
    exempt_types = ["prenotice"]

    [[suppress]]                         # an approved exception (豁免)
    rule = "TL001"
    case_id = "34010220260100002"        # or office_code / operator_id (all given must match)
    reason = "法院协助执行，延期经局务会批准"
    approved_by = "张三"
    expires = 2026-12-31

Sections ``[limits]`` and ``[fees]`` feed every registered rule whose params
model has a field of that name (``limits``: TL001–TL003; ``fees``: FE001–FE002);
queue rules are tuned under ``[rules.QJ001]`` and so on. Dict and table parameters are merged over
their defaults, so a config names only what differs; lists replace. ``[rules.ID]``
wins over the sections for that rule.

A suppression stays in force up to and including its ``expires`` date, judged
against the scan's as-of date (the data's cut-off, never the wall clock, so a
re-run of the same export gives the same result). Expired suppressions stop
suppressing and are reported; suppressions of a rule that ran and matched no
finding are reported as unused (like ruff's unused ``noqa``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .errors import InputError, quote
from .rules import REGISTRY, Rule
from .rules.base import value_range
from .rules.timelimit import MAX_LIMIT_DAYS, no_limit
from .schema import BUSINESS_TYPES, enum_lookup
from .tomlfile import read_toml

CONFIG_NAME = "regcheck.toml"

# Config section -> the params field names it feeds, in order of preference.
SECTION_FIELDS: dict[str, tuple[str, ...]] = {
    "limits": ("limits",),
    "fees": ("fees", "fee_table", "fee_standard"),
}


def _text(v: Any) -> Any:
    """TOML integers are fine where an id is expected (case_id = 34010220260100002)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return v.strip()
    return v


class Suppression(BaseModel):
    """One approved exception: a rule (id or prefix) on a case, an office or an operator, until a date."""

    model_config = ConfigDict(extra="forbid")
    rule: str
    case_id: str | None = None
    office_code: str | None = None
    operator_id: str | None = None
    reason: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    expires: dt.date

    @field_validator("rule", "case_id", "office_code", "operator_id", "reason", "approved_by", mode="before")
    @classmethod
    def _strip(cls, v: Any) -> Any:
        return _text(v)

    @field_validator("rule")
    @classmethod
    def _known_rule(cls, v: str) -> str:
        v = v.upper()
        if not v:
            raise ValueError("a blank rule would match every finding; name a rule id or prefix (e.g. TL001)")
        if not any(rid.startswith(v) for rid in REGISTRY):
            raise ValueError(f"no rule matches {quote(v)}")
        return v

    @model_validator(mode="after")
    def _has_target(self) -> Suppression:
        if not (self.case_id or self.office_code or self.operator_id):
            raise ValueError("a suppression needs case_id, office_code or operator_id")
        return self

    def describe(self) -> str:
        target = ", ".join(
            f"{k}={v}"
            for k, v in (("case_id", self.case_id), ("office", self.office_code), ("operator", self.operator_id))
            if v
        )
        return f"{self.rule} {target} (批准 {self.approved_by}, 至 {self.expires:%Y-%m-%d}: {self.reason})"


class ConfigFile(BaseModel):
    """The file as written; cross-checks against the registry happen in :func:`build`."""

    model_config = ConfigDict(extra="forbid")
    select: list[str] | None = None
    ignore: list[str] = Field(default_factory=list)
    rules: dict[str, dict[str, Any]] = Field(default_factory=dict)
    limits: dict[str, Any] | None = None
    fees: dict[str, Any] | None = None
    suppress: list[Suppression] = Field(default_factory=list)

    @field_validator("select", "ignore", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, str) else v


@dataclass
class Config:
    path: Path | None = None
    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    params: dict[str, BaseModel] = field(default_factory=dict)  # rule id -> effective params (configured rules)
    configured: dict[str, set[str]] = field(default_factory=dict)  # rule id -> parameter names the file sets
    suppressions: list[Suppression] = field(default_factory=list)

    def params_for(self, rule_id: str) -> BaseModel:
        return self.params.get(rule_id) or REGISTRY[rule_id].params()

    def rule_selection(self, select: Iterable[str], ignore: Iterable[str]) -> tuple[list[str], list[str]]:
        """Command-line --select replaces the file's; --ignore adds to it (ruff's convention)."""
        sel = list(select) or list(self.select or [])
        return sel, [*self.ignore, *ignore]


# -- loading ------------------------------------------------------------------------------


def find_config(path: str | None, cwd: Path | None = None) -> Path | None:
    if path:
        p = Path(path)
        if not p.is_file():
            raise InputError(f"{p}: no such config file")
        return p
    p = (cwd or Path.cwd()) / CONFIG_NAME
    return p if p.is_file() else None


def load_config(path: str | None = None, cwd: Path | None = None) -> Config:
    """``--config FILE``, else ``./regcheck.toml`` if there is one, else the defaults."""
    p = find_config(path, cwd)
    if p is None:
        return Config()
    return build(read_toml(p, "config", "not valid TOML"), p)


def _unknown(data: Mapping[str, Any]) -> str | None:
    """Every unknown key at every level, named together (ruff-style config errors)."""
    keys = [str(k) for k in data if k not in ConfigFile.model_fields]
    rules: list[str] = []
    sections = data.get("rules")
    if isinstance(sections, Mapping):
        for rid, values in sections.items():
            r = REGISTRY.get(str(rid).upper())
            if r is None:
                rules.append(f"[rules.{rid}]")
            elif isinstance(values, Mapping):
                keys += [f"rules.{rid}.{k}" for k in values if k not in r.params.model_fields]
    entries = data.get("suppress")
    if isinstance(entries, list):
        for i, entry in enumerate(entries):
            if isinstance(entry, Mapping):
                keys += [f"suppress.{i}.{k}" for k in entry if k not in Suppression.model_fields]
    parts = []
    if keys:
        parts.append("unknown key(s) " + ", ".join(quote(k) for k in keys))
    if rules:
        parts.append(f"unknown rule(s) {', '.join(quote(r, as_is=True) for r in rules)}; `regcheck rules` lists them")
    return "; ".join(parts) or None


def build(data: Mapping[str, Any], path: Path | None = None) -> Config:
    name = str(path) if path else CONFIG_NAME
    unknown_keys = _unknown(data)
    if unknown_keys:
        raise InputError(f"{name}: {unknown_keys}")
    try:
        raw = ConfigFile.model_validate(data)
    except ValidationError as exc:
        raise InputError(f"{name}: {_one_line(exc)}") from None
    for token in [*(raw.select or []), *raw.ignore]:
        t = token.strip().upper()
        if not t:
            raise InputError(f"{name}: select/ignore: a blank entry names no rule; remove it or name a rule id")
        if t != "ALL" and not any(rid.startswith(t) for rid in REGISTRY):
            raise InputError(f"{name}: select/ignore: no rule matches {quote(token)}")

    sections = {s: getattr(raw, s) for s in SECTION_FIELDS if getattr(raw, s) is not None}
    if "limits" in sections:
        sections["limits"] = _limits(sections["limits"], f"{name}: [limits]")
    used: set[str] = set()
    params: dict[str, BaseModel] = {}
    configured: dict[str, set[str]] = {}
    rule_sections = {rid.upper(): values for rid, values in raw.rules.items()}
    for rid in sorted(REGISTRY):
        model = REGISTRY[rid].params
        fields = model.model_fields
        values: dict[str, Any] = {}
        for section, value in sections.items():
            target = next((f for f in SECTION_FIELDS[section] if f in fields), None)
            if target is not None:
                values[target] = _merge(_default(model, target), value)
                if section not in used:  # a mistake in [fees] is named as [fees], not as the first rule taking it
                    try:
                        model.model_validate({target: values[target]})
                    except ValidationError as exc:
                        raise InputError(f"{name}: [{section}] {_one_line(exc, strip=target)}") from None
                used.add(section)
        for key, value in rule_sections.get(rid, {}).items():
            if key == "limits" and isinstance(value, Mapping):
                value = _limits(value, f"{name}: [rules.{rid}].limits")
            values[key] = _merge(_default(model, key), value) if key in fields else value
        if not values:
            continue
        try:
            params[rid] = model.model_validate(values)
        except ValidationError as exc:
            raise InputError(f"{name}: [rules.{rid}] {_one_line(exc)}") from None
        configured[rid] = set(values)
    idle = [s for s in sections if s not in used]
    if idle:
        raise InputError(f"{name}: no registered rule takes {', '.join(f'[{s}]' for s in idle)}")
    return Config(
        path=path,
        select=[s.strip().upper() for s in raw.select] if raw.select is not None else None,
        ignore=[s.strip().upper() for s in raw.ignore],
        params=params,
        configured=configured,
        suppressions=list(raw.suppress),
    )


def _default(model: type[BaseModel], name: str) -> Any:
    info = model.model_fields.get(name)
    return info.get_default(call_default_factory=True) if info is not None else None


def _merge(default: Any, value: Any) -> Any:
    """Dict parameters are merged over their defaults; anything else is replaced."""
    if isinstance(value, Mapping):
        if isinstance(default, BaseModel):
            return {**default.model_dump(), **value}
        if isinstance(default, Mapping):
            return {**{str(getattr(k, "value", k)): v for k, v in default.items()}, **value}
    return value


def _limits(section: Mapping[str, Any], where: str) -> dict[str, int | None]:
    """Business type (code or Chinese label) -> working days, or None for "none"/false."""
    lookup = enum_lookup("business_type")
    out: dict[str, int | None] = {}
    for key, value in section.items():
        code = lookup.get(str(key).strip()) or lookup.get(str(key).strip().lower())
        if code is None:
            raise InputError(f"{where}: unknown business type {quote(key)} (one of {', '.join(BUSINESS_TYPES)})")
        if no_limit(value):
            out[code] = None
        elif isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_LIMIT_DAYS:
            out[code] = value
        else:
            days = f'a number of working days (0–{MAX_LIMIT_DAYS:,}) or "none"'
            raise InputError(f"{where}: {quote(key, as_is=True)} = {quote(value)}: {days}")
    return out


def _one_line(exc: ValidationError, strip: str | None = None) -> str:
    """All errors of a validation in one line; unknown keys are named together."""
    unknown: list[str] = []
    other: list[str] = []
    for err in exc.errors():
        parts = list(err["loc"])
        if strip is not None and parts[:1] == [strip]:
            parts = parts[1:]
        loc = quote(".".join(str(x) for x in parts), as_is=True)
        if err["type"] == "extra_forbidden":
            unknown.append(loc)
        else:
            msg = err["msg"].removeprefix("Value error, ")
            other.append(f"{loc}: {msg}" if loc else msg)
    parts = []
    if unknown:
        parts.append("unknown key(s) " + ", ".join(quote(u) for u in unknown))
    parts.extend(other)
    return "; ".join(parts)


# -- suppressions ---------------------------------------------------------------------------


@dataclass
class SuppressionReport:
    suppressed: int = 0
    active: list[tuple[Suppression, int]] = field(default_factory=list)  # (entry, findings suppressed)
    expired: list[tuple[Suppression, int]] = field(default_factory=list)  # (entry, findings it would match)
    unused: list[Suppression] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        def entry(s: Suppression, n: int | None = None) -> dict[str, Any]:
            d = s.model_dump(mode="json", exclude_none=True)
            if n is not None:
                d["matched"] = n
            return d

        return {
            "suppressed": self.suppressed,
            "expired": [entry(s, n) for s, n in self.expired],
            "unused": [entry(s) for s in self.unused],
        }


def _matches(findings: pd.DataFrame, s: Suppression) -> np.ndarray:
    mask = np.array(findings["rule_id"].astype(str).str.startswith(s.rule), dtype=bool)
    for col in ("case_id", "office_code", "operator_id"):
        want = getattr(s, col)
        if want:
            mask &= np.asarray(findings[col].astype(object).fillna("").astype(str).str.strip() == want, dtype=bool)
    return mask


def apply_suppressions(
    findings: pd.DataFrame,
    suppressions: list[Suppression],
    as_of: pd.Timestamp,
    ran: Iterable[str],
) -> tuple[pd.DataFrame, SuppressionReport]:
    """Drop the findings that an in-force suppression covers; report expired and unused entries."""
    report = SuppressionReport()
    if not suppressions:
        return findings, report
    ran_ids = list(ran)
    today = pd.Timestamp(as_of).date() if pd.notna(as_of) else dt.date.min
    drop = np.zeros(len(findings), dtype=bool)
    for s in suppressions:
        hit = _matches(findings, s) if len(findings) else np.zeros(0, dtype=bool)
        n = int(hit.sum())
        if s.expires < today:
            report.expired.append((s, n))
            continue
        drop |= hit
        report.active.append((s, n))
        if n == 0 and any(rid.startswith(s.rule) for rid in ran_ids):
            report.unused.append(s)
    report.suppressed = int(drop.sum())
    return findings.loc[~drop].reset_index(drop=True), report


def explain_params(rule: Rule, cfg: Config) -> list[str]:
    """``regcheck explain`` lines: each parameter's effective value, and where it differs, the default."""
    source = cfg.path.name if cfg.path else None
    effective = cfg.params_for(rule.id)
    set_here = cfg.configured.get(rule.id, set())
    head = f"参数 parameters (effective under {cfg.path}):" if source else "参数 parameters (default):"
    out = [head] if rule.params.model_fields else ["参数 parameters: none"]
    for name, info in rule.params.model_fields.items():
        value = _plain(getattr(effective, name))
        default = _plain(info.get_default(call_default_factory=True))
        desc = (f" — {info.description}" if info.description else "") + value_range(info)
        if name in set_here and value != default and isinstance(value, dict) and isinstance(default, dict):
            changed = ", ".join(
                f"{k}: {default.get(k)!r} → {value.get(k)!r}"
                for k in [*value, *(k for k in default if k not in value)]
                if value.get(k) != default.get(k)
            )
            out.append(f"  {name} = {value!r}{desc}")
            out.append(f"      ← {source}: {changed}")
        elif name in set_here and value != default:
            out.append(f"  {name} = {value!r}  ← {source}（默认 default {default!r}）{desc}")
        else:
            out.append(f"  {name} = {value!r}{desc}")
    if cfg.select is not None or cfg.ignore:
        from .engine import select_rules

        chosen = {r.id for r in select_rules(*cfg.rule_selection((), ()))}
        if rule.id not in chosen:
            out.append(f"  （{source} 的 select/ignore 未启用此规则 — not selected by the config）")
    for s in cfg.suppressions:
        if rule.id.startswith(s.rule):
            out.append(f"  豁免 suppression: {s.describe()}")
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump()
    if isinstance(value, Mapping):
        return {str(getattr(k, "value", k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return type(value)(_plain(v) for v in value) if not isinstance(value, set | frozenset) else sorted(value)
    return getattr(value, "value", value)


__all__ = [
    "CONFIG_NAME",
    "Config",
    "Suppression",
    "SuppressionReport",
    "apply_suppressions",
    "build",
    "explain_params",
    "find_config",
    "load_config",
]
