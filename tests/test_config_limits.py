"""Issue 13 items 11 and 18: a config that is careless or hostile is exit 2 with one short line.

Families: a blank suppression rule or select/ignore entry (any mix of Unicode white space); every numeric
rule parameter given a non-finite or out-of-range number; configs and profiles nested 100,000 levels deep;
any over-long value echoed in an error.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.config import build
from regcheck.errors import ECHO_CHARS, InputError
from regcheck.rules import REGISTRY
from regcheck.rules.base import value_range
from regcheck.rules.fee import FeeTable

from ._monthly import write_log
from .conftest import run_cli

SETTINGS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
BLANKS = st.text(alphabet=" \t\u00a0\u3000\u2003\u2009", max_size=6)


def scan_with(tmp_path: Path, text: str, *extra: str) -> tuple[int, str]:
    cfg = tmp_path / "regcheck.toml"
    cfg.write_text(text, encoding="utf-8")
    log = tmp_path / "log.csv"
    if not log.exists():
        write_log(log)
    code, _out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "--config", str(cfg), "-q", *extra)
    return code, err


def one_line_exit_2(code: int, err: str) -> str:
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("regcheck: error: "), err
    return err


# --- item 11: a blank rule matches nothing, it is an error --------------------------------------


@SETTINGS
@given(rule=BLANKS)
def test_a_blank_suppression_rule_is_exit_2_like_a_wildcard(tmp_path: Path, rule: str) -> None:
    text = f'[[suppress]]\nrule = "{rule}"\ncase_id = "A1"\nreason = "r"\napproved_by = "x"\nexpires = 2099-12-31\n'
    err = one_line_exit_2(*scan_with(tmp_path, text))
    assert "suppress.0.rule: a blank rule would match every finding" in err
    err = one_line_exit_2(*scan_with(tmp_path, text.replace(f'"{rule}"', '"*"')))
    assert "no rule matches '*'" in err


@SETTINGS
@given(entry=BLANKS, key=st.sampled_from(["select", "ignore"]))
def test_a_blank_select_or_ignore_entry_is_exit_2(tmp_path: Path, entry: str, key: str) -> None:
    err = one_line_exit_2(*scan_with(tmp_path, f'{key} = ["TL", "{entry}"]\n'))
    assert "select/ignore: a blank entry names no rule" in err


# --- item 18: every numeric parameter is finite and within a stated range -----------------------


def numeric_parameters() -> list[tuple[str, str, float, float]]:
    """(rule id, parameter, low, high) of every int/float parameter of every rule."""
    out = []
    for rid in sorted(REGISTRY):
        for name, info in REGISTRY[rid].params.model_fields.items():
            if str(info.annotation) in ("<class 'int'>", "<class 'float'>", "float | None", "int | None"):
                lo = next(m.ge for m in info.metadata if getattr(m, "ge", None) is not None)
                hi = next(m.le for m in info.metadata if getattr(m, "le", None) is not None)
                out.append((rid, name, lo, hi))
    return out


PARAMS = numeric_parameters()


def test_every_numeric_parameter_declares_a_finite_range_that_explain_states() -> None:
    assert len(PARAMS) >= 10  # tolerance_seconds, tolerance_hours, warn_days, window_days …
    for rid, name, lo, hi in PARAMS:
        assert math.isfinite(lo) and math.isfinite(hi) and lo <= hi, (rid, name)
        code, out, err = run_cli("explain", rid)
        assert code == 0, err
        line = next(x for x in out.splitlines() if x.strip().startswith(f"{name} ="))
        assert f"(range {lo:,}–{hi:,})" in line, line
    for name, info in FeeTable.model_fields.items():
        if info.annotation is float:
            assert value_range(info) == " (range 0–1,000,000)", name


def bad_number(lo: float, hi: float) -> st.SearchStrategy[str]:
    """TOML spellings of numbers no parameter may take: inf, nan, huge, just outside the range."""
    outside = st.one_of(
        st.floats(min_value=hi + 1, max_value=1e308), st.floats(min_value=-1e308, max_value=lo - 1)
    ).map(repr)
    return st.one_of(st.sampled_from(["inf", "+inf", "-inf", "nan", "1e308", "1e300", "-1e308"]), outside)


@st.composite
def bad_parameter(draw: st.DrawFn) -> tuple[str, str, str]:
    rid, name, lo, hi = draw(st.sampled_from(PARAMS))
    return rid, name, draw(bad_number(lo, hi))


@SETTINGS
@given(case=bad_parameter())
def test_a_non_finite_or_absurd_parameter_is_exit_2_naming_it(tmp_path: Path, case: tuple[str, str, str]) -> None:
    rid, name, value = case
    err = one_line_exit_2(*scan_with(tmp_path, f"[rules.{rid}]\n{name} = {value}\n"))
    assert f"[rules.{rid}] {name}:" in err


@SETTINGS
@given(
    where=st.sampled_from(["[fees]\nresidential", "[fees]\nother", "[fees]\ncommercial", "[limits]\ntransfer"]),
    value=bad_number(0, 1_000_000),
)
def test_non_finite_or_absurd_fees_and_limits_are_exit_2(tmp_path: Path, where: str, value: str) -> None:
    err = one_line_exit_2(*scan_with(tmp_path, f"{where} = {value}\n"))
    assert where.split("\n")[0] in err


def test_the_largest_values_in_range_still_scan(tmp_path: Path) -> None:
    sections: dict[str, str] = {}
    for rid, name, _lo, hi in PARAMS:
        sections[rid] = sections.get(rid, f"[rules.{rid}]\n") + f"{name} = {hi}\n"
    text = "".join(sections.values()) + "[limits]\ntransfer = 1000\n[fees]\nresidential = 1000000\n"
    code, err = scan_with(tmp_path, text)
    assert code == 0, err


# --- deep nesting, long echoes ------------------------------------------------------------------

DEEP = 100_000
NESTINGS = {
    "arrays": "a = " + "[" * DEEP + "]" * DEEP + "\n",
    "inline tables": "a = " + "{b = " * DEEP + "1" + "}" * DEEP + "\n",
    "dotted table header": "[" + ".".join(["a"] * DEEP) + "]\nx = 1\n",
    "dotted key in a rule section": "[rules.TL003]\n" + ".".join(["a"] * DEEP) + " = 1\n",
}


@pytest.mark.parametrize("text", NESTINGS.values(), ids=NESTINGS.keys())
@pytest.mark.parametrize("option", ["--config", "--profile"])
def test_a_config_or_profile_nested_100k_levels_is_exit_2(tmp_path: Path, text: str, option: str) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text(text, encoding="utf-8")
    log = write_log(tmp_path / "log.csv")
    code, _out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), option, str(deep), "-q")
    err = one_line_exit_2(code, err)
    assert "nested more than 32 levels deep" in err


LONG_PLACES = [
    "{v} = 1\n",
    "[rules.{v}]\nx = 1\n",
    "[rules.TL003]\n{v} = 1\n",
    "select = ['{v}']\n",
    "[limits]\n{v} = 3\n",
    "[fees]\nfree_types = ['{v}']\n",
    "[rules.TL001]\nlimits = {{ {v} = 3 }}\n",
    "[[suppress]]\nrule = '{v}'\ncase_id = 'A1'\nreason = 'r'\napproved_by = 'x'\nexpires = 2099-12-31\n",
]


@SETTINGS
@given(place=st.sampled_from(LONG_PLACES), size=st.integers(min_value=ECHO_CHARS + 1, max_value=200_000))
def test_a_long_value_echoed_in_an_error_is_cut_at_200_characters(tmp_path: Path, place: str, size: int) -> None:
    value = ("X" * size)[:size]
    err = one_line_exit_2(*scan_with(tmp_path, place.format(v=value)))
    assert "X" * (ECHO_CHARS + 1) not in err
    said = re.search(r"… \(([\d,]+) characters\)", err)
    assert said and size <= int(said.group(1).replace(",", "")) <= size + 20, err  # the length is said
    assert len(err) < 1000


def test_build_names_the_blank_rule_without_a_scan() -> None:
    entry = {"rule": "\u3000", "case_id": "A1", "reason": "r", "approved_by": "x", "expires": "2099-12-31"}
    with pytest.raises(InputError, match="blank rule would match every finding"):
        build({"suppress": [entry]})


NO_LIMIT_SPELLINGS = st.builds(
    lambda word, upper, pad: pad + (word.upper() if upper else word) + pad,
    st.sampled_from(["none", "null", "无", "不限", "-", "", "nil", "--"]),
    st.booleans(),
    st.sampled_from(["", " ", "\t", "\u3000"]),
)


@SETTINGS
@given(word=NO_LIMIT_SPELLINGS)
def test_config_and_rule_params_agree_on_the_words_for_no_limit(word: str) -> None:
    """Issue 14 item 7: one list of "no limit" words; a [limits] value and a TL001 parameter read alike."""
    from pydantic import ValidationError

    from regcheck.rules.timelimit import TimeLimitParams

    try:
        via_config: object = build({"limits": {"first": word}}).params["TL001"].limits["first"]  # type: ignore[attr-defined]
    except InputError:
        via_config = "error"
    try:
        via_params: object = TimeLimitParams.model_validate({"limits": {"first": word}}).limits["first"]
    except ValidationError:
        via_params = "error"
    if word.strip().lower() in {"none", "无", "不限", "-"}:
        assert via_config is None
    assert via_config == via_params
