"""Issue 13 item 12: identity and mobile numbers are masked however they are written.

Family: an 18-character resident id or an 11-digit mobile number with any mix of full-width (and other
NFKC-equivalent) digits, separators from a set between its groups, a +86 prefix, and letters (or Chinese)
right before and after it — in a message, in the evidence, or as an operator id. And its counterpart: the
identifiers that are no personal data (case ids of 17+ digits, 28-character unit ids, office codes, times,
amounts) are never masked.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.masking import Masker, _number_forms

from .conftest import run_cli, write_canonical_csv

SEPARATORS = [" ", "-", ".", "·", "_", "\u3000", "－", "．", "\u2010", "\u2013", "\u00a0"]
FULL_WIDTH = {str(d): chr(0xFF10 + d) for d in range(10)} | {"X": "Ｘ", "x": "ｘ"}
LETTERS = st.text(alphabet="IDidTelPhone身份证号手机电话：:（(", min_size=0, max_size=4)
SETTINGS = settings(max_examples=200, deadline=None)


def digits(text: str) -> str:
    """The digits (and X) a reader sees, in ASCII."""
    return re.sub(r"[^0-9Xx]", "", unicodedata.normalize("NFKC", text))


@st.composite
def spelled(draw: st.DrawFn, number: str, groups: list[list[int]]) -> str:
    """``number`` with some digits full-width and, for one of the groupings, a separator between groups."""
    chars = [FULL_WIDTH[c] if draw(st.booleans()) else c for c in number]
    cuts = draw(st.sampled_from(groups))
    sep = draw(st.sampled_from(SEPARATORS))
    out, at = "", 0
    for size in cuts:
        out += "".join(chars[at : at + size]) + sep
        at += size
    return out + "".join(chars[at:])


@st.composite
def resident_ids(draw: st.DrawFn) -> tuple[str, str]:
    area = draw(st.integers(110000, 659999))
    born = draw(st.dates(dt.date(1900, 1, 1), dt.date(2025, 12, 31)))
    tail = f"{draw(st.integers(0, 999)):03d}{draw(st.sampled_from('0123456789Xx'))}"
    number = f"{area}{born:%Y%m%d}{tail}"
    return number, draw(spelled(number, [[], [6, 8], [6, 4, 4], [3, 3, 8]]))


@st.composite
def mobiles(draw: st.DrawFn) -> tuple[str, str]:
    number = f"1{draw(st.integers(3, 9))}{draw(st.integers(0, 999_999_999)):09d}"
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086-", "86"]))
    return number, prefix + draw(spelled(number, [[], [3, 4], [3, 8]]))


@SETTINGS
@given(case=resident_ids(), before=LETTERS, after=LETTERS)
def test_a_resident_id_is_masked_in_any_spelling(case: tuple[str, str], before: str, after: str) -> None:
    number, written = case
    got = Masker().text(pd.Series([f"{before}{written}{after}"])).iloc[0]
    assert digits(got) == digits(before) + number[:6] + number[-4:] + digits(after), (written, got)
    assert "********" in got and got.endswith(after) and got.startswith(before.replace("：", "："))


@SETTINGS
@given(case=mobiles(), before=LETTERS, after=LETTERS)
def test_a_mobile_number_is_masked_in_any_spelling(case: tuple[str, str], before: str, after: str) -> None:
    number, written = case
    got = Masker().text(pd.Series([f"{before}{written}{after}"])).iloc[0]
    prefix = digits(written)[: -len(number)]
    assert digits(got) == digits(before) + prefix + number[:3] + number[-4:] + digits(after), (written, got)
    assert "****" in got and got.endswith(after)


@st.composite
def identifiers(draw: st.DrawFn) -> str:
    """What is not personal data: case ids (17 digits, or 19 and more: an 18-digit one shaped exactly like a
    resident id cannot be told from one in free text, docs/reliability.md), unit ids, office codes, times,
    amounts, landlines."""
    office = f"{draw(st.integers(110000, 659999))}"
    month = f"{draw(st.integers(2004, 2026))}{draw(st.integers(1, 12)):02d}"
    case_id = office + month + f"{draw(st.integers(0, 99999)):05d}"
    longer = case_id + f"{draw(st.integers(10, 10**6)):d}"
    unit = office + f"{draw(st.integers(0, 999_999)):06d}GB{draw(st.integers(0, 99_999)):05d}F"
    unit += f"{draw(st.integers(0, 10**8 - 1)):08d}"
    when = f"{draw(st.dates(dt.date(2004, 1, 1), dt.date(2030, 12, 31)))} {draw(st.times()):%H:%M:%S}"
    amount = f"{draw(st.integers(10**9, 10**11))}.{draw(st.integers(0, 99)):02d}"
    landline = f"0551-{draw(st.integers(10**7, 10**8 - 1))}"
    return draw(st.sampled_from([office, case_id, longer, unit, when, amount, landline]))


@SETTINGS
@given(values=st.lists(identifiers(), min_size=1, max_size=4), glue=st.sampled_from(["，", " ", "；案件", "、", "\n"]))
def test_identifiers_that_are_not_personal_data_are_never_masked(values: list[str], glue: str) -> None:
    text = "被案件" + glue.join(values) + "插队"
    assert Masker().text(pd.Series([text])).iloc[0] == text
    evidence = json.dumps({"case_ids": values, "n": len(values)}, ensure_ascii=False)
    assert Masker().text(pd.Series([evidence]), json=True).iloc[0] == evidence


@SETTINGS
@given(
    values=st.lists(
        st.one_of(resident_ids().map(lambda c: c[1]), mobiles().map(lambda c: c[1]), identifiers(), LETTERS),
        min_size=1,
        max_size=8,
    ),
    json_column=st.booleans(),
)
def test_only_values_with_a_character_to_fold_are_folded(values: list[str], json_column: bool) -> None:
    """A column masks each value as it would be masked alone, and only the values holding a full-width
    digit, separator or dash go through Python's str.translate (the others are not copied character by
    character: most findings text holds none)."""
    translated: list[str] = []
    searched: list[int] = []
    real, real_regex = pd.core.strings.accessor.StringMethods.translate, pc.replace_substring_regex

    def spy(self: pd.core.strings.accessor.StringMethods, table: dict) -> pd.Series:
        translated.extend(self._data)
        return real(self, table)

    def regex_spy(values: pa.Array, **kwargs: str) -> pa.Array:
        searched.append(len(values))
        return real_regex(values, **kwargs)

    column = pd.Series([f"第{i}条：{v}" for i, v in enumerate(values)])
    alone = [Masker().text(pd.Series([v]), json=json_column).iloc[0] for v in column]
    with pytest.MonkeyPatch.context() as m:
        m.setattr(pd.core.strings.accessor.StringMethods, "translate", spy)
        m.setattr(pc, "replace_substring_regex", regex_spy)
        got = Masker().text(column, json=json_column).tolist()
    assert got == alone
    assert translated == [v for v in column if any(map(folds, v))]
    # the patterns search only the values with 11 digits, one separator at most between two
    eleven = sum(bool(re.search(r"[0-9](?:[ ._·-]?[0-9]){10}", v.translate(_number_forms()))) for v in column)
    assert set(searched) <= {eleven}


def folds(c: str) -> bool:
    """A character written for a digit, X, + or a separator (full-width, ideographic space …), or a dash."""
    return ord(c) >= 0x80 and (unicodedata.normalize("NFKC", c) in set("0123456789Xx+ ._-") or c in "\u2010\u2013")


def test_an_unmasked_value_keeps_its_full_width_characters() -> None:
    text = "收费１００元，受理（窗口３）"
    assert Masker().text(pd.Series([text])).iloc[0] == text


# --- end to end: operator ids and messages in every output ---------------------------------------

OFFICE = "340104"


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rid=resident_ids(), mobile=mobiles(), before=LETTERS)
def test_operator_ids_spelled_like_ids_or_mobiles_are_masked_in_the_findings(
    tmp_path: Path, rid: tuple[str, str], mobile: tuple[str, str], before: str
) -> None:
    rows = []
    for case, (_number, written) in (("S1", rid), ("S2", mobile)):
        for activity, time in (("accept", "2026-09-10 09:00:00"), ("register", "2026-09-10 10:00:00")):
            rows.append({"case_id": case, "office_code": OFFICE, "activity": activity, "event_time": time,
                         "operator_id": before + written})  # fmt: skip
    log = write_canonical_csv(rows, tmp_path / "log.csv")
    for out in (tmp_path / "f.csv", tmp_path / "f.jsonl"):
        code, _o, err = run_cli("scan", str(log), "-o", str(out), "-q", "--select", "SD001")
        assert code == 0, err
        found = pd.read_json(out, lines=True, dtype=False) if out.suffix == ".jsonl" else pd.read_csv(out, dtype=str)
        assert sorted(found["case_id"]) == ["S1", "S2"] and found["operator_id"].str.contains("*", regex=False).all()
        for cell in found[["operator_id", "message", "evidence"]].astype(str).to_numpy().ravel():
            for number, _written in (rid, mobile):  # no cell holds a whole number, whatever its spelling
                assert number.upper() not in digits(cell).upper(), cell
