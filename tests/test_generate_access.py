"""`regcheck generate --format access|tables` (issue 15 item 7): the message archive, the table files, labels.

Every check reads what was written — the zip's XML parsed with lxml (safe settings), the CSV files — and
recomputes what it asserts from there, independently of regcheck's own mapping of messages to events.
"""

from __future__ import annotations

import errno
import io
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from tests.conftest import REPO, run_cli
from tests.test_outputs import inject, snapshot

SAFE = dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False, huge_tree=False)
BIZ = re.compile(r"^(\d{6})(\d{6})(\d{6})(BBXZ|CBXZ|BL)?$")
STEP = {"初审": "first_review", "复审": "second_review", "核定": "approve", "审批": "approve", "审定": "approve"}
PLACEHOLDERS = {"/", "无", "-1", "1900-01-01", "1900-01-01T00:00:00"}


def _generate(folder: Path, form: str, cases: int = 300, seed: int = 7) -> Path:
    out = folder / ("messages.zip" if form == "access" else "tables")
    code, stdout, stderr = run_cli(
        "generate", "--format", form, "--cases", str(cases), "--seed", str(seed), "-o", str(out)
    )
    assert code == 0, stderr
    assert "labels" in stdout
    return out


def _messages(path: Path) -> list[dict]:
    """Each member: name, raw bytes, declared encoding, Head fields, Data rows (table, attributes, line)."""
    out = []
    parser = etree.XMLParser(**SAFE)
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            raw = z.read(info)
            root = etree.parse(io.BytesIO(raw), parser).getroot()
            assert root.tag == "Message" and [c.tag for c in root] == ["Head", "Data"], info.filename
            head = {c.tag: c.text for c in root.find("Head")}
            rows = [(r.tag, dict(r.attrib)) for r in root.find("Data")]
            enc = re.match(rb'<\?xml[^>]*encoding="([^"]+)"', raw).group(1).decode()
            out.append(dict(name=info.filename, raw=raw, encoding=enc, head=head, rows=rows))
    return out


def _rows(msgs: list[dict], table: str) -> pd.DataFrame:
    """One table's rows over all messages, each with its case (YWH, else RecFlowID without -n) and message."""
    recs = []
    for i, m in enumerate(msgs):
        case = re.sub(r"-\d+$", "", m["head"]["RecFlowID"])
        recs += [{**a, "_case": a.get("YWH") or case, "_msg": i} for t, a in m["rows"] if t == table]
    return pd.DataFrame(recs)


def _labels(path: Path) -> pd.DataFrame:
    stem = path.with_suffix("") if path.suffix == ".zip" else path
    return pd.read_csv(f"{stem}.labels.csv", dtype=str, encoding="utf-8-sig")


def _keys(labels: pd.DataFrame, rule: str) -> set[str]:
    return set(labels.loc[labels["rule_id"] == rule, "key"])


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _generate(tmp_path_factory.mktemp("access"), "access")


@pytest.fixture(scope="module")
def msgs(archive: Path) -> list[dict]:
    return _messages(archive)


def test_every_member_is_a_message_named_after_its_bizmsgid(msgs: list[dict]) -> None:
    assert len(msgs) > 300
    for m in msgs:
        assert m["name"] == f"Biz{m['head']['BizMsgID']}.xml"
        assert BIZ.match(m["head"]["BizMsgID"]), m["head"]["BizMsgID"]
        assert m["head"]["AreaCode"] == m["head"]["BizMsgID"][:6]
    names = [m["name"] for m in msgs]
    assert names == sorted(names) and len(set(names)) == len(names)


def test_suffixes_resends_and_multi_unit_cases(msgs: list[dict]) -> None:
    suffixes = {BIZ.match(m["head"]["BizMsgID"]).group(4) for m in msgs}
    assert {"BBXZ", "CBXZ", "BL"} <= suffixes
    flows = pd.Series([m["head"]["RecFlowID"] for m in msgs])
    split = flows[flows.str.contains("-")]
    assert len(split) >= 4
    assert (split.str.replace(r"-\d+$", "", regex=True).value_counts() >= 2).all()  # one case, several messages
    # a resend (CBXZ/BL) carries the same rows as the message it repeats
    by_id = {m["head"]["BizMsgID"]: m for m in msgs}
    resent = [m for m in msgs if m["head"]["BizMsgID"].endswith(("CBXZ", "BL"))]
    assert resent
    for m in resent:
        base = re.sub(r"(CBXZ|BL)$", "", m["head"]["BizMsgID"])
        orig = by_id.get(base) or by_id[base + "BBXZ"]
        assert orig["rows"] == m["rows"]


def test_both_name_generations(msgs: list[dict]) -> None:
    tables = [{t for t, _ in m["rows"]} for m in msgs]
    new = [t for t in tables if "DJT_DJ_SLSQ" in t]
    old = [t for t in tables if "DJT_DJ_SL" in t]
    assert new and old
    assert all("DJF_DJ_DB" in t for t in new)
    assert not any("DJF_DJ_DB" in t for t in old)
    assert not any("DJT_DJ_SLSQ" in t and "DJT_DJ_SL" in t for t in tables)
    assert all("DJDL" in a for m in msgs for t, a in m["rows"] if t == "DJT_DJ_SLSQ")
    assert all("DJLX" in a for m in msgs for t, a in m["rows"] if t == "DJT_DJ_SL")
    # a newer-generation case without a right row: its 登簿 is DJF_DJ_DB alone
    rights = ("QLT_", "QLF_")
    assert any("DJF_DJ_DB" in t and not any(x.startswith(rights) for x in t) for t in tables)


def test_time_forms_and_placeholders(msgs: list[dict]) -> None:
    values = pd.Series([v for m in msgs for _, a in m["rows"] for v in a.values()])
    assert values.str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$").any()
    assert values.str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$").any()
    assert values.str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+$").any()
    sf = _rows(msgs, "DJF_DJ_SF")
    assert sf["SFRQ"].str.match(r"^\d{4}-\d\d-\d\d$").any()  # a date alone
    assert {"/", "无", "-1", "1900-01-01", "1900-01-01T00:00:00", ""} <= set(values)
    absent_ywh = _rows(msgs, "ZTT_GY_QLR")
    assert absent_ywh["YWH"].isna().any()  # party rows that belong to their message's case


def test_identical_duplicate_rows_inside_a_message(msgs: list[dict]) -> None:
    dup = 0
    for m in msgs:
        seen = [(t, tuple(sorted(a.items()))) for t, a in m["rows"]]
        dup += len(seen) - len(set(seen))
    assert dup >= 5


def test_gbk_files_declare_and_use_gbk(msgs: list[dict]) -> None:
    gbk = [m for m in msgs if m["encoding"] == "GBK"]
    assert gbk and len(gbk) < len(msgs)
    for m in gbk:
        with pytest.raises(UnicodeDecodeError):
            m["raw"].decode("utf-8")
        assert "Message" in m["raw"].decode("gbk")


def test_review_steps_staff_and_parties(archive: Path, msgs: list[dict]) -> None:
    sh = _rows(msgs, "DJF_DJ_SH")
    assert {"初审", "复审", "核定"} <= set(sh["JDMC"].dropna().str.strip())
    roster = pd.read_csv(archive.with_suffix("").with_name("messages.roster.csv"), dtype=str, encoding="utf-8-sig")
    names = set(roster["name"])
    ops = pd.concat([_rows(msgs, t)[c] for t, c in (("DJT_DJ_SLSQ", "SLRY"), ("DJF_DJ_SH", "SHRYXM"))])
    assert ops.str.fullmatch(r"[\u4e00-\u9fff]{3}").all()  # staff appear by name
    assert ops.isin(names).mean() > 0.95
    assert (roster["operator_id"] == roster["name"]).any() and (roster["operator_id"] != roster["name"]).any()
    qlr = _rows(msgs, "ZTT_GY_QLR")
    assert {"1", "2"} <= set(qlr["QLRLX"])
    assert qlr["QLRMC"].str.contains("银行").any() and qlr["QLRMC"].str.contains("有限公司").any()
    assert qlr["ZJH"].str.fullmatch(r"\d{17}[\dX]").any() and qlr["DH"].str.fullmatch(r"1\d{10}").any()
    assert not set(qlr["QLRMC"]) & names  # parties are never staff


def _missing_runs(bizmsgids: list[str]) -> set[str]:
    per: dict[tuple[str, str], set[int]] = {}
    for b in bizmsgids:
        m = BIZ.match(b)
        per.setdefault((m.group(1), m.group(2)), set()).add(int(m.group(3)))
    out = set()
    for (area, day), seen in per.items():
        run: list[int] = []
        for k in range(1, max(seen) + 2):
            if k not in seen and k <= max(seen):
                run.append(k)
            elif run:
                out.add(f"{area}:{day}:{run[0]}-{run[-1]}")
                run = []
    return out


def test_lg005_labels_are_the_missing_sequence_numbers(archive: Path, msgs: list[dict]) -> None:
    gaps = _missing_runs([m["head"]["BizMsgID"] for m in msgs])
    assert len(gaps) >= 2
    assert _keys(_labels(archive), "LG005") == gaps


def _sd005_cases(sh: pd.DataFrame) -> set[str]:
    sh = sh.assign(step=sh["JDMC"].str.strip().map(STEP)).dropna(subset=["step", "SHRYXM"])
    per = sh.drop_duplicates(["_case", "SHRYXM", "step"]).groupby(["_case", "SHRYXM"]).size()
    return set(per[per >= 2].index.get_level_values("_case"))


def test_sd005_labels_are_one_reviewer_at_two_steps(archive: Path, msgs: list[dict]) -> None:
    sh = _rows(msgs, "DJF_DJ_SH")
    cases = _sd005_cases(sh)
    assert len(cases) >= 2
    assert _keys(_labels(archive), "SD005") == cases
    # the near-misses are there: one reviewer twice at one step (redone), and a review without a step
    same_step = sh.assign(s=sh["JDMC"].str.strip()).dropna(subset=["s"]).drop_duplicates()
    assert same_step.duplicated(["_case", "SHRYXM", "s"]).any()
    stepless = sh["JDMC"].isna() | sh["JDMC"].isin(PLACEHOLDERS)
    assert stepless.any()


def test_lg003_sd001_fe002_mg006_labels_match_what_was_written(archive: Path, msgs: list[dict]) -> None:
    labels = _labels(archive)
    acc = pd.concat([_rows(msgs, "DJT_DJ_SLSQ"), _rows(msgs, "DJT_DJ_SL")]).drop_duplicates("_case")
    no_time = acc["SLSJ"].isna() | acc["SLSJ"].isin(PLACEHOLDERS | {""})
    assert _keys(labels, "LG003") == set(acc.loc[no_time, "_case"]) != set()
    regs = pd.concat(
        [
            _rows(msgs, t)
            for t in ("QLT_FW_FDCQ_YZ", "QLF_QL_DYAQ", "QLF_QL_CFDJ", "QLF_QL_YYDJ", "QLF_QL_YGDJ", "QLF_QL_JSYDSYQ")
        ]
    )
    dbr = regs.sort_values("DJSJ").drop_duplicates("_case").set_index("_case")["DBR"]
    db = _rows(msgs, "DJF_DJ_DB").drop_duplicates("_case").set_index("_case")["DBRYXM"]
    register_op = dbr.combine_first(db)
    ok = acc.loc[~no_time].set_index("_case")["SLRY"]
    assert _keys(labels, "SD001") == set(ok.index[ok == register_op.reindex(ok.index)]) != set()
    sf = _rows(msgs, "DJF_DJ_SF").drop(columns="_msg").drop_duplicates()
    fee = pd.to_numeric(sf["SSJE"], errors="coerce").groupby(sf["_case"]).sum()
    free = acc.set_index("_case").apply(lambda r: r.get("DJDL") if pd.notna(r.get("DJDL")) else r.get("DJLX"), axis=1)
    free_cases = set(free.index[free.isin(["400", "700"])])  # cancel (also mortgage_cancel), prenotice
    assert _keys(labels, "FE002") == {c for c in free_cases if fee.get(c, 0) > 0} != set()
    dyaq = _rows(msgs, "QLF_QL_DYAQ")
    mortgages = set(dyaq.loc[dyaq["DJLX"] != "400", "_case"])
    qlr = _rows(msgs, "ZTT_GY_QLR")
    first = qlr.loc[qlr["_case"].isin(mortgages)].assign(s=lambda d: d["SXH"].astype(int))
    first = first.sort_values("s", kind="stable").drop_duplicates("_case")
    finance = first["QLRMC"].str.contains("银行|公积金|信托|金融")
    assert _keys(labels, "MG006") == set(first.loc[(first["QLRLX"] == "1") | ~finance, "_case"]) != set()


# What the generator injects for each rule that runs on messages (sources.md §6), per rule.
INJECTED = {
    "TL001": "accept -> register over the limit (no suspension known)",
    "MG001": "a mortgage on a sealed unit, also under two seals and one unseal",
    "MG002": "education or medical use; a residence on collective land",
    "MG003": "a mortgage within 15 days of an objection",
    "MG005": "three mortgages of one unit in 30 days",
    "MG006": "a company or a person as the mortgagee",
    "SD001": "one name accepts and registers",
    "SD002": "a reviewer not in the roster, a clerk after leaving, an untrained archivist, a clerk before starting",
    "SD003": "a reviewer registers",
    "SD004": "registrars and reviewers in post over five years",
    "SD005": "one reviewer at 初审 and 核定, or at 复审 and 核定",
    "FE001": "a fee 20 or 100 over the standard",
    "FE002": "a fee on a free service",
    "LG002": "登簿 the working day before acceptance",
    "LG003": "an acceptance row without SLSJ",
    "LG005": "BizMsgID numbers missing in an area's day",
}


def test_mortgage_stories_and_every_rule_labelled(archive: Path) -> None:
    labels = _labels(archive)
    assert set(labels["rule_id"]) == set(INJECTED)
    notes = labels.groupby("rule_id")["note"].agg(set)
    assert "story:mg001_stack" in notes["MG001"] and notes["MG003"] == {"story:mg003"}
    assert not labels["note"].isin(["story:mg001_near", "story:mg003_near", "story:mg003_cancel"]).any()


def test_tables_hold_the_same_rows_each_with_its_ywh(tmp_path: Path, archive: Path, msgs: list[dict]) -> None:
    folder = _generate(tmp_path, "tables")
    files = sorted(p.name for p in folder.iterdir())
    assert {"DJT_DJ_SLSQ.csv", "DJT_DJ_SL.csv", "DJF_DJ_SH.csv", "DJF_DJ_DB.csv", "ZTT_GY_QLR.csv"} <= set(files)
    for name in files:
        df = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        assert (df["YWH"] != "").all(), name
        xml = _rows(msgs, name.removesuffix(".csv"))
        assert set(df["YWH"]) == set(xml["_case"]), name
    labels = _labels(folder)
    msg_labels = _labels(archive)
    assert labels.equals(msg_labels.loc[msg_labels["rule_id"] != "LG005"].reset_index(drop=True))


def test_same_seed_same_bytes(tmp_path: Path, archive: Path) -> None:
    again = _generate(tmp_path, "access")
    assert again.read_bytes() == archive.read_bytes()
    assert _labels(again).equals(_labels(archive))
    other = _generate(tmp_path / "other", "access", seed=8)
    assert other.read_bytes() != archive.read_bytes()


def test_wrong_output_name_is_one_line_exit_2(tmp_path: Path) -> None:
    code, _out, err = run_cli("generate", "--format", "access", "--cases", "300", "-o", str(tmp_path / "m.csv"))
    assert code == 2 and err.startswith("regcheck: error:") and err.count("\n") == 1
    assert not list(tmp_path.iterdir())


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**31 - 1), offices=st.integers(1, 9))
def test_labels_follow_the_archive_for_any_seed(
    tmp_path_factory: pytest.TempPathFactory, seed: int, offices: int
) -> None:
    folder = tmp_path_factory.mktemp("seed")
    out = folder / "m.zip"
    code, _out, err = run_cli(
        "generate",
        "--format",
        "access",
        "--cases",
        "200",
        "--seed",
        str(seed),
        "--offices",
        str(offices),
        "-o",
        str(out),
    )
    assert code == 0, err
    msgs = _messages(out)
    labels = _labels(out)
    assert _keys(labels, "LG005") == _missing_runs([m["head"]["BizMsgID"] for m in msgs])
    assert _keys(labels, "SD005") == _sd005_cases(_rows(msgs, "DJF_DJ_SH"))


def test_sample_messages_zip_is_what_the_readme_command_makes(tmp_path: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    command = "regcheck generate --format access --cases 400 --seed 15 -o sample_data/messages.zip"
    assert command in readme
    out = tmp_path / "messages.zip"
    code, stdout, err = run_cli(*command.split()[1:-1], str(out))
    assert code == 0, err
    assert "439 messages" in stdout and "439 messages" in readme
    sample = REPO / "sample_data"
    assert out.read_bytes() == (sample / "messages.zip").read_bytes()
    for name in ("labels", "roster"):
        assert (tmp_path / f"messages.{name}.csv").read_bytes() == (sample / f"messages.{name}.csv").read_bytes()


@pytest.mark.parametrize("form, out", [("access", "m.zip"), ("tables", "t")])
def test_a_failed_write_leaves_no_archive_tables_or_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str, out: str
) -> None:
    stem = out.removesuffix(".zip")
    before = snapshot(tmp_path)
    inject(monkeypatch, tmp_path, f"{stem}.roster.csv", "rename", errno.ENOSPC)  # the last of the three outputs
    code, _o, err = run_cli("generate", "--format", form, "--cases", "200", "-o", str(tmp_path / out))
    assert code == 2 and f"{stem}.roster.csv: cannot write it: the disk is full" in err, err
    assert snapshot(tmp_path) == before


def test_the_unit_and_office_a_message_names_are_in_the_tables_too(tmp_path: Path, msgs: list[dict]) -> None:
    """What only the Head says (EstateNum, AreaCode) the table form cannot say: so that the forms agree, a
    case's first message (in name order) names its first unit, a case without a right row names none, and
    every table-form acceptance row carries its QXDM."""
    rights = ("QLT_", "QLF_")
    first: dict[str, dict] = {}
    for m in msgs:
        first.setdefault(re.sub(r"-\d+$", "", m["head"]["RecFlowID"]), m)
    for m in first.values():
        right = [a for t, a in m["rows"] if t.startswith(rights)]
        estate = m["head"]["EstateNum"]
        if not right:
            assert estate in PLACEHOLDERS
        elif estate not in PLACEHOLDERS:
            assert estate == right[0]["BDCDYH"] and estate.endswith("0001")
    folder = _generate(tmp_path, "tables")
    for name in ("DJT_DJ_SLSQ.csv", "DJT_DJ_SL.csv"):
        qxdm = pd.read_csv(folder / name, dtype=str, keep_default_na=False)["QXDM"]
        assert qxdm.str.fullmatch(r"\d{6}").all()
    acc = pd.concat([_rows(msgs, "DJT_DJ_SLSQ"), _rows(msgs, "DJT_DJ_SL")])
    assert (acc["QXDM"] == "/").any()  # the XML form falls back on the Head's AreaCode
