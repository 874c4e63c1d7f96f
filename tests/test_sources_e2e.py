"""Access messages and standard tables end to end, through the real CLI (issue 15).

The generator writes one registration history as a message archive and as table files (with the
labels of what it injected, never computed by regcheck). A scan recovers the labels exactly; the
same data as messages, table files, SQLite and a real PostgreSQL server gives byte-identical findings,
rejects counts and summary; a dataset written by ``regcheck partition`` scans as the source does.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from regcheck.findings import finding_id
from regcheck.rules import REGISTRY
from tests._postgres import Postgres, postgres_server  # noqa: F401 (the fixture)

from .conftest import read_findings_csv, run_cli

SEED, CASES = 11, 300
# the summary keys that name where the data came from, not what it said
WHERE = ("files_read", "output")


def _generate(folder: Path, form: str) -> Path:
    out = folder / ("messages.zip" if form == "access" else "tables")
    code, _out, err = run_cli("generate", "--format", form, "--cases", str(CASES), "--seed", str(SEED), "-o", str(out))
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("sources")
    return {"access": _generate(folder, "access"), "tables": _generate(folder, "tables"), "folder": folder}


def _labels(path: Path) -> pd.DataFrame:
    stem = path.with_suffix("") if path.suffix == ".zip" else path
    return pd.read_csv(f"{stem}.labels.csv", dtype=str, encoding="utf-8-sig")


def _roster(path: Path) -> str:
    stem = path.with_suffix("") if path.suffix == ".zip" else path
    return f"{stem}.roster.csv"


def _scan(tmp: Path, name: str, *source: str, roster: str, extra: tuple[str, ...] = ()) -> tuple[bytes, dict]:
    """(the findings CSV's bytes, the JSON summary) of a scan of ``source`` (paths, or --db URL)."""
    out = tmp / f"{name}.csv"
    code, stdout, err = run_cli("scan", *source, "--roster", roster, "-o", str(out), "--summary-format", "json", *extra)
    assert code == 0, err
    return out.read_bytes(), json.loads(stdout)


def _ids(findings_csv: bytes, tmp: Path) -> dict[str, set[str]]:
    path = tmp / "ids.csv"
    path.write_bytes(findings_csv)
    found = read_findings_csv(path)
    return {rule: set(group["finding_id"]) for rule, group in found.groupby("rule_id")}


def _label_ids(labels: pd.DataFrame) -> dict[str, set[str]]:
    ids = labels.assign(finding_id=[finding_id(r, k) for r, k in zip(labels["rule_id"], labels["key"], strict=True)])
    return {rule: set(group["finding_id"]) for rule, group in ids.groupby("rule_id")}


def _what(summary: dict) -> dict:
    """The summary without the keys that say where the data was read from."""
    return {k: v for k, v in summary.items() if k not in WHERE}


def test_a_scan_of_the_archive_recovers_the_labels(generated: dict[str, Path], tmp_path: Path) -> None:
    archive = generated["access"]
    found, summary = _scan(tmp_path, "messages", str(archive), roster=_roster(archive))
    assert _ids(found, tmp_path) == _label_ids(_labels(archive))
    # what the source cannot feed is named, never a silent zero
    set_aside = {n["rule_id"] for n in summary["not_checkable"]}
    assert set_aside == {r.id for r in REGISTRY.values() if r.facts - {"message_heads", "step"}}
    assert all(n["reason"].startswith("不适用：数据源无") for n in summary["not_checkable"])


def test_a_scan_of_the_table_files_recovers_the_labels(generated: dict[str, Path], tmp_path: Path) -> None:
    tables = generated["tables"]
    found, summary = _scan(tmp_path, "tables", str(tables), roster=_roster(tables))
    assert _ids(found, tmp_path) == _label_ids(_labels(tables))
    assert "LG005" in {n["rule_id"] for n in summary["not_checkable"]}  # tables have no message heads


def _load_tables(folder: Path, url: str) -> None:
    """The table files into a database, every column text, as a vendor's intermediate database holds them."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for path in sorted(folder.glob("*.csv")):
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            frame = frame.where(frame != "", None)
            frame.to_sql(path.stem, conn, index=False, if_exists="replace", dtype=dict.fromkeys(frame.columns, sa.Text))
    engine.dispose()


def test_messages_table_files_sqlite_and_postgresql_say_the_same(
    generated: dict[str, Path],
    tmp_path: Path,
    postgres_server: Postgres,  # noqa: F811
) -> None:
    tables = generated["tables"]
    roster = _roster(tables)
    db = tmp_path / "regdata.db"
    _load_tables(tables, f"sqlite:///{db}")
    _load_tables(tables, postgres_server.url())
    files = _scan(tmp_path, "files", str(tables), roster=roster)
    sqlite = _scan(tmp_path, "sqlite", "--db", f"sqlite:///{db}", roster=roster)
    postgres = _scan(tmp_path, "postgres", "--db", postgres_server.url(), roster=roster)
    archive = generated["access"]
    messages = _scan(tmp_path, "messages", str(archive), roster=_roster(archive), extra=("--ignore", "LG005"))
    for name, (found, summary) in {"sqlite": sqlite, "postgresql": postgres}.items():
        assert found == files[0], name
        assert _what(summary) == _what(files[1]), name
    assert messages[0] == files[0]
    for key in ("rows_rejected", "by_rule", "by_office", "zero_report"):
        assert messages[1][key] == files[1][key], key


def test_a_partitioned_dataset_of_the_archive_scans_as_the_archive(generated: dict[str, Path], tmp_path: Path) -> None:
    archive = generated["access"]
    dataset = tmp_path / "dataset"
    code, _out, err = run_cli("partition", str(archive), "-o", str(dataset), "--quiet")
    assert code == 0, err
    whole = _scan(tmp_path, "whole", str(archive), roster=_roster(archive))
    by_office = _scan(tmp_path, "by_office", str(dataset), roster=_roster(archive))
    assert by_office[0] == whole[0]
    assert by_office[1]["not_checkable"] == whole[1]["not_checkable"]


def test_a_flat_log_and_messages_are_not_mixed(generated: dict[str, Path], tmp_path: Path) -> None:
    log = tmp_path / "log.csv"
    log.write_text("case_id,office_code,activity,event_time\nC1,340102,accept,2026-01-05 09:00:00\n")
    code, _out, err = run_cli("scan", str(log), str(generated["access"]), "-o", str(tmp_path / "f.csv"))
    assert code == 2 and "not mixed" in err and err.count("\n") == 1
    code, _out, err = run_cli("scan", str(log), "--db", "sqlite:///x.db", "-o", str(tmp_path / "f.csv"))
    assert code == 2 and "--db" in err and err.count("\n") == 1


def test_validate_says_per_table_what_was_read_used_and_rejected(generated: dict[str, Path]) -> None:
    code, out, err = run_cli("validate", str(generated["access"]))
    assert code in (0, 1), err
    flat = out.replace("\n", " ")
    for table in ("DJT_DJ_SLSQ", "DJF_DJ_SH", "DJF_DJ_SF"):
        assert table in flat
    assert "read" in flat and "used" in flat and "rejected" in flat


@pytest.mark.parametrize("month", ["2025-09", "2026-01"])
def test_period_push_down_finds_what_the_files_find(generated: dict[str, Path], tmp_path: Path, month: str) -> None:
    """--period reads only the cases accepted before the month's end from a database, and keeps the history
    (a unit's earlier mortgages, MG005) the rules need: the findings are those of the files."""
    tables = generated["tables"]
    db = tmp_path / "regdata.db"
    _load_tables(tables, f"sqlite:///{db}")
    period = ("--period", month)
    files = _scan(tmp_path, "files", str(tables), roster=_roster(tables), extra=period)
    pushed = _scan(tmp_path, "db", "--db", f"sqlite:///{db}", roster=_roster(tables), extra=period)
    assert pushed[0] == files[0]
    assert pushed[1]["rows_read"] <= files[1]["rows_read"]


def test_staff_are_named_in_office_and_parties_masked(generated: dict[str, Path], tmp_path: Path) -> None:
    """Staff appear by name in messages and act in office: not masked, whatever the roster (sources.md §4);
    the parties' names, ID numbers and phones never appear unmasked (issue 15 item 5)."""
    archive = generated["access"]
    found, _summary = _scan(tmp_path, "staff", str(archive), roster=_roster(archive))
    path = tmp_path / "staff.csv"
    path.write_bytes(found)
    operators = read_findings_csv(path)["operator_id"].dropna()
    roster = pd.read_csv(_roster(archive), dtype=str, encoding="utf-8-sig")
    assert len(operators) and not operators.str.contains(r"\*").any()
    assert set(operators) & set(roster["name"])  # staff named as the messages name them
    text = found.decode("utf-8-sig")
    parties = _parties(archive)
    assert parties and not [p for p in parties if p in text]


def _parties(archive: Path) -> set[str]:
    """The individual parties' names, ID numbers and phones written into the archive (ZTT_GY_QLR, QLRLX 1)."""
    import zipfile

    from lxml import etree

    out: set[str] = set()
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    with zipfile.ZipFile(archive) as z:
        for name in z.namelist():
            for row in etree.fromstring(z.read(name), parser).iter("ZTT_GY_QLR"):
                if row.get("QLRLX") == "1":
                    out |= {v for k in ("QLRMC", "ZJH", "DH") if (v := row.get(k)) and v not in ("/", "无", "-1")}
    return out


def test_a_quoted_glob_of_message_files_is_read_as_messages(generated: dict[str, Path], tmp_path: Path) -> None:
    """A pattern the shell did not expand (a scheduled job's quoted argument) is recognised as the files it names."""
    import zipfile

    folder = tmp_path / "msgs"
    with zipfile.ZipFile(generated["access"]) as z:
        z.extractall(folder)
    archive = generated["access"]
    whole, _ = _scan(tmp_path, "zip", str(archive), roster=_roster(archive))
    globbed, _ = _scan(tmp_path, "glob", str(folder / "*.xml"), roster=_roster(archive))
    assert len(whole) > 1000 and globbed == whole
