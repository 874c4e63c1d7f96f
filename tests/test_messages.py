"""Access messages to RawRows (spec/sources.md §1, §2, §7; issue 15 items 1 and 2): message files,
folders and zip/tar archives read in input order, streamed; XML attacks refused; bad files rejected
as a whole while the rest is read. Every document here is real XML bytes written to tmp_path."""

from __future__ import annotations

import gzip
import http.server
import io
import tarfile
import threading
import time
import tracemalloc
import zipfile
from pathlib import Path
from typing import ClassVar
from xml.sax.saxutils import escape, quoteattr

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("lxml")

from regcheck.errors import InputError
from regcheck.sources import FILE, MESSAGE_CASE, ORDER, ROW, RawRows
from regcheck.sources import messages as M

Row = tuple[str, dict[str, str]]


def message(
    ywh: str = "340121202601050001",
    rows: list[Row] | None = None,
    *,
    head: dict[str, str] | None = None,
    encoding: str = "UTF-8",
    declaration: bool = True,
) -> bytes:
    """One access message as a vendor writes it: Head fields as child elements, Data rows as empty
    elements with attributes, one per line."""
    fields = {"BizMsgID": "340121260105000001", "AreaCode": "340121", "RecFlowID": ywh, "RegType": "100"}
    fields.update(head or {})
    if rows is None:
        rows = [("DJT_DJ_SLSQ", {"YWH": ywh, "QXDM": "340121", "SLRY": "张伟", "SLSJ": "2026-01-05T09:00:00"})]
    lines = [f'<?xml version="1.0" encoding="{encoding}"?>'] if declaration else []
    lines += ["<Message>", "  <Head>"]
    lines += [f"    <{k}>{escape(v)}</{k}>" for k, v in fields.items()]
    lines += ["  </Head>", "  <Data>"]
    lines += [
        f"    <{table} " + " ".join(f"{k}={quoteattr(v)}" for k, v in attrs.items()) + "/>" for table, attrs in rows
    ]
    lines += ["  </Data>", "</Message>", ""]
    return "\n".join(lines).encode(encoding)


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def write_zip(path: Path, members: list[tuple[str, bytes]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def write_tar(path: Path, members: list[tuple[str, bytes]], mode: str = "w:gz") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, mode) as tf:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return path


def everything(raw: RawRows) -> str:
    """Every value of a RawRows as one text: what a leak would show up in."""
    parts = [raw.heads.to_csv(), raw.rejects.to_csv(), *raw.files]
    parts += [frame.to_csv() for frame in raw.tables.values()]
    return "\n".join(parts)


CASE_A = "340121202601050001"
CASE_B = "340121202601050002"
MORTGAGE_ROWS: list[Row] = [
    ("DJF_DJ_SH", {"YWH": CASE_A, "JDMC": "初审", "SXH": "1", "SHRYXM": "王芳", "SHJSSJ": "2026-01-05T10:00:00"}),
    ("DJT_DJ_SLSQ", {"YWH": CASE_A, "QXDM": "340121", "SLRY": "张伟", "SLSJ": "2026-01-05T09:00:00+08:00"}),
    ("DJF_DJ_SQR", {"YWH": CASE_A, "SQRMC": "张三", "ZJH": "340121199001011234"}),
    (
        "QLF_QL_DYAQ",
        {
            "YWH": CASE_A,
            "BDCDYH": "340121001001GB00001F00010001",
            "DJLX": "100",
            "BDBZZQSE": "120.5",
            "DJSJ": "2026-01-06T12:00:00",
            "DBR": "李娜",
            "ZWR": "张三",
        },
    ),
    ("DJF_DJ_SH", {"YWH": CASE_A, "JDMC": "核定", "SXH": "2", "SHRYXM": "王芳", "SHJSSJ": "2026-01-06T10:00:00"}),
]


# -- tables, heads and provenance -------------------------------------------------------------------


def test_rows_become_table_frames_with_provenance(tmp_path: Path) -> None:
    """Each Data element is a row of its table, attributes as text; the Head one heads row; FILE, ROW
    (the element's line), ORDER (document order over the source) and the case without its -n suffix."""
    first = write(tmp_path / "in" / "a" / "Biz1.xml", message(CASE_A, MORTGAGE_ROWS, head={"RecFlowID": CASE_A + "-1"}))
    second = write(tmp_path / "in" / "b.xml", message(CASE_B, head={"BizMsgID": "340121260105000002"}))
    raw = M.read_messages([tmp_path / "in"])

    assert raw.form == "messages"
    assert raw.files == [str(first), str(second)]  # name order: "a" sorts before "b.xml"
    assert raw.rejects.empty and list(raw.rejects.columns) == ["file", "row", "column", "value", "reason"]
    assert set(raw.tables) == {"DJF_DJ_SH", "DJT_DJ_SLSQ", "QLF_QL_DYAQ"}  # 申请人 is not read: no rule needs it
    sh = raw.tables["DJF_DJ_SH"]
    assert sh["JDMC"].tolist() == ["初审", "核定"] and sh["SHRYXM"].tolist() == ["王芳", "王芳"]
    assert sh[ROW].tolist() == [
        10,
        14,
    ]  # 8 lines before Data's first row: declaration, Message, Head, 4 fields, </Head>, Data
    assert sh[FILE].tolist() == [str(first)] * 2 and sh[MESSAGE_CASE].tolist() == [CASE_A] * 2
    dyaq = raw.tables["QLF_QL_DYAQ"]
    assert dyaq.loc[0, "BDBZZQSE"] == "120.5" and dyaq.loc[0, "DBR"] == "李娜"
    assert "ZWR" not in dyaq.columns and "ZGZQSE" not in dyaq.columns  # not taken / carried by no row
    slsq = raw.tables["DJT_DJ_SLSQ"]
    assert slsq["SLSJ"].tolist() == ["2026-01-05T09:00:00+08:00", "2026-01-05T09:00:00"]  # exactly as written
    assert slsq[MESSAGE_CASE].tolist() == [CASE_A, CASE_B] and slsq[ROW].tolist() == [11, 10]
    # order: message 1's head, its five elements in document order, then message 2's head and row
    assert raw.heads[ORDER].tolist() == [0, 6]
    assert sh[ORDER].tolist() == [1, 5] and slsq[ORDER].tolist() == [2, 7] and dyaq[ORDER].tolist() == [4]
    assert raw.heads["RecFlowID"].tolist() == [CASE_A + "-1", CASE_B]
    assert raw.heads["BizMsgID"].tolist() == ["340121260105000001", "340121260105000002"]
    assert raw.heads[FILE].tolist() == raw.files
    assert sh[ROW].dtype == "int64" and sh[ORDER].dtype == "int64"


def test_absent_attributes_are_missing_and_columns_align(tmp_path: Path) -> None:
    """A column first seen in a later row is missing in the rows before it, and a row lacking a column
    other rows have is missing there: rows never shift between columns."""
    rows: list[Row] = [
        ("DJF_DJ_SF", {"YWH": CASE_A, "SFRY": "赵敏"}),
        ("DJF_DJ_SF", {"YWH": CASE_A, "SSJE": "80", "SFRY": "杨磊"}),
        ("DJF_DJ_SF", {"YWH": CASE_A}),
        ("DJF_DJ_SF", {"SSJE": "", "YWH": CASE_A, "SFRQ": "2026-01-05"}),
    ]
    raw = M.read_messages([write(tmp_path / "m.xml", message(CASE_A, rows))])
    sf = raw.tables["DJF_DJ_SF"]
    assert sf["SFRY"].tolist()[:2] == ["赵敏", "杨磊"] and sf["SFRY"].isna().tolist() == [False, False, True, True]
    assert sf["SSJE"].isna().tolist() == [True, False, True, False] and sf.loc[3, "SSJE"] == ""  # "" is kept
    assert sf["SFRQ"].isna().tolist() == [True, True, True, False]


def test_letter_case_and_namespaces_do_not_matter(tmp_path: Path) -> None:
    """Tables and columns are matched without regard to letter case (one vendor writes lower case)."""
    rows: list[Row] = [("djt_dj_slsq", {"ywh": CASE_A, "slry": "张伟", "SLSJ": "2026-01-05T09:00:00"})]
    data = message(CASE_A, rows).replace(b"<Message>", b'<Message xmlns="urn:x">')
    raw = M.read_messages([write(tmp_path / "m.XML", data), write(tmp_path / "n.xml", message(CASE_B))])
    slsq = raw.tables["DJT_DJ_SLSQ"]
    assert slsq["YWH"].tolist() == [CASE_A, CASE_B] and slsq["SLRY"].tolist() == ["张伟", "张伟"]
    assert raw.heads["RecFlowID"].tolist() == [CASE_A, CASE_B]


@pytest.mark.parametrize(("encoding", "name"), [("GBK", "欧阳娜"), ("GB18030", "欧阳䶮"), ("UTF-8", "欧阳䶮")])
def test_declared_encodings(tmp_path: Path, encoding: str, name: str) -> None:
    """GBK and GB18030 declared encodings are honoured: Chinese text in attributes and in the Head
    (䶮 is in GB18030 only)."""
    rows: list[Row] = [("DJF_DJ_SH", {"YWH": CASE_A, "JDMC": "初审", "SHRYXM": name, "SHJSSJ": "2026-01-05"})]
    raw = M.read_messages(
        [write(tmp_path / "m.xml", message(CASE_A, rows, head={"RegOrgID": "长丰县不动产登记中心"}, encoding=encoding))]
    )
    assert raw.rejects.empty
    assert raw.tables["DJF_DJ_SH"][["JDMC", "SHRYXM"]].values.tolist() == [["初审", name]]
    assert raw.heads.loc[0, "RegOrgID"] == "长丰县不动产登记中心"


@pytest.mark.parametrize(("declared", "name", "codec"), [("GB2312", "朱镕基", "gbk"), ("gbk", "欧阳䶮", "gb18030")])
def test_gb2312_and_gbk_declarations_read_as_gb18030(tmp_path: Path, declared: str, name: str, codec: str) -> None:
    """Systems declare GB2312 and write GBK characters (镕 is not in GB2312), or declare GBK and write
    GB18030: read as GB18030, the superset, as browsers do, instead of rejecting the message."""
    rows: list[Row] = [("DJT_DJ_SLSQ", {"YWH": CASE_A, "SLRY": name, "SLSJ": "2026-01-05"})]
    data = message(CASE_A, rows, encoding=codec).replace(
        f'encoding="{codec}"'.encode(), f'encoding="{declared}"'.encode()
    )
    raw = M.read_messages([write(tmp_path / "m.xml", data)])
    assert raw.rejects.empty and raw.tables["DJT_DJ_SLSQ"]["SLRY"].tolist() == [name]


# -- folders, archives and input order ------------------------------------------------------------


def test_archives_are_read_member_by_member_in_archive_order(tmp_path: Path) -> None:
    """zip, tar and tar.gz give the same rows; members in archive order (not name order); other
    members passed over and counted; members named "archive:member/path.xml"."""
    members = [
        ("2026/01/06/Biz2.xml", message(CASE_B)),
        ("2026/01/05/Biz1.XML", message(CASE_A)),
        ("2026/readme.txt", b"not a message"),
        ("__MACOSX/2026/._Biz1.xml", b"\x00\x05\x16\x07 resource fork"),
    ]
    archives = [
        write_zip(tmp_path / "day.zip", members),
        write_tar(tmp_path / "day.tar.gz", members),
        write_tar(tmp_path / "day.tgz", members),
        write_tar(tmp_path / "day.tar", members, mode="w"),
    ]
    for archive in archives:
        raw = M.read_messages([archive])
        assert raw.files == [f"{archive}:2026/01/06/Biz2.xml", f"{archive}:2026/01/05/Biz1.XML"]
        assert raw.tables["DJT_DJ_SLSQ"]["YWH"].tolist() == [CASE_B, CASE_A]
        assert raw.skipped == 2 and raw.rejects.empty
    together = M.read_messages(archives[:2])
    assert together.files[2] == f"{archives[1]}:2026/01/06/Biz2.xml" and len(together.heads) == 4


def test_folders_recursive_in_name_order_named_files_whatever_their_name(tmp_path: Path) -> None:
    """In a folder: .xml files (any case) and archives, recursively, in name order; anything else and
    hidden names are passed over and counted. A file named on the command line is read whatever its name."""
    root = tmp_path / "msgs"
    write(root / "b" / "Biz3.xml", message("C3"))
    write(root / "a.xml", message("C1"))
    write(root / "b" / "notes.txt", b"x")
    write(root / ".hidden.xml", message("HIDDEN"))
    write(root / "Biz9.txt", message("TXT"))
    write_zip(root / "c" / "day.zip", [("Biz4.xml", message("C4"))])
    raw = M.read_messages([root])
    assert raw.tables["DJT_DJ_SLSQ"]["YWH"].tolist() == ["C1", "C3", "C4"]
    assert raw.skipped == 3
    named = M.read_messages([root / "Biz9.txt", root / "a.xml", root])  # a.xml again inside root: read once
    assert named.tables["DJT_DJ_SLSQ"]["YWH"].tolist() == ["TXT", "C1", "C3", "C4"]


def test_a_link_to_a_folder_is_not_followed(tmp_path: Path) -> None:
    """A link back to a parent folder would walk for ever: links to folders are passed over, counted."""
    write(tmp_path / "m" / "sub" / "Biz1.xml", message(CASE_A))
    (tmp_path / "m" / "sub" / "loop").symlink_to(tmp_path / "m", target_is_directory=True)
    raw = M.read_messages([tmp_path / "m"])
    assert raw.files == [str(tmp_path / "m" / "sub" / "Biz1.xml")] and raw.skipped == 1
    assert M.looks_like_messages([tmp_path / "m"])


def test_zip_member_names_in_gbk(tmp_path: Path) -> None:
    """Zip tools on Chinese Windows write member names in GBK without the UTF-8 flag: shown in Chinese."""
    path = write_zip(tmp_path / "报文.zip", [("ABCDEF/Biz1.xml", message(CASE_A))])
    gbk = "长丰县".encode("gbk")  # 6 bytes, as long as the placeholder: the offsets stay right
    path.write_bytes(path.read_bytes().replace(b"ABCDEF", gbk))
    raw = M.read_messages([path])
    assert raw.files == [f"{path}:长丰县/Biz1.xml"]


# -- XML attacks (item 2) ---------------------------------------------------------------------------

SECRET = "绝密-0xC0FFEE-secret-of-the-host"
LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Message [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Message><Head><RecFlowID>&lol9;</RecFlowID></Head>
<Data><DJT_DJ_SLSQ YWH="&lol9;" SLRY="&lol9;" SLSJ="2026-01-05"/></Data></Message>
"""


def entity_message(system_id: str, parameter: bool = False) -> str:
    if parameter:  # an external parameter entity, referenced inside the DTD itself
        return f"""<?xml version="1.0"?>
<!DOCTYPE Message [<!ENTITY % ext SYSTEM "{system_id}"> %ext;]>
<Message><Head><RecFlowID>C1</RecFlowID></Head><Data><DJT_DJ_SLSQ YWH="C1" SLSJ="2026-01-05"/></Data></Message>
"""
    return f"""<?xml version="1.0"?>
<!DOCTYPE Message [<!ENTITY ext SYSTEM "{system_id}">]>
<Message><Head><RecFlowID>&ext;</RecFlowID></Head>
<Data><DJT_DJ_SLSQ YWH="&ext;" SLRY="&ext;" SLSJ="2026-01-05"/></Data></Message>
"""


class _Recorder(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        body = SECRET.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def http_server():
    """A local HTTP server that serves SECRET and records every request it gets."""
    _Recorder.requests = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.requests
    server.shutdown()
    server.server_close()


def assert_refused(raw: RawRows, name: str) -> None:
    assert raw.files == [name]
    assert raw.rejects["file"].tolist() == [name] and "DOCTYPE" in raw.rejects.loc[0, "reason"]
    assert not raw.tables and raw.heads.empty  # nothing of it used


def test_billion_laughs_refused_without_expanding(tmp_path: Path) -> None:
    good = write(tmp_path / "b.xml", message(CASE_B))
    bomb = write(tmp_path / "a.xml", LAUGHS.encode())
    start = time.perf_counter()
    tracemalloc.start()
    raw = M.read_messages([bomb, good])
    _size, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert time.perf_counter() - start < 10 and peak < 50 << 20  # 10^9 "lol"s would be 3 GB
    assert raw.rejects["file"].tolist() == [str(bomb)] and raw.rejects.loc[0, "row"] == 2
    assert raw.tables["DJT_DJ_SLSQ"]["YWH"].tolist() == [CASE_B]  # the scan goes on
    assert "lol" not in everything(raw).replace("laughs", "")


def test_external_entity_to_a_local_file_is_never_read(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.txt", SECRET.encode())
    for parameter in (False, True):
        doc = write(tmp_path / f"m{parameter}.xml", entity_message(secret.as_uri(), parameter).encode())
        raw = M.read_messages([doc])
        assert_refused(raw, str(doc))
        assert SECRET not in everything(raw)


def test_external_entity_and_dtd_by_url_fetch_nothing(tmp_path: Path, http_server: tuple[str, list[str]]) -> None:
    url, requests = http_server
    docs = [
        entity_message(f"{url}/entity"),
        entity_message(f"{url}/parameter", parameter=True),
        f'<?xml version="1.0"?>\n<!DOCTYPE Message SYSTEM "{url}/dtd">\n<Message><Head/><Data/></Message>\n',
    ]
    for i, text in enumerate(docs):
        for encoding in ("utf-8", "utf-16"):  # UTF-16: the DOCTYPE is not visible in the raw bytes
            doc = write(
                tmp_path / f"m{i}{encoding}.xml", text.replace('"1.0"', f'"1.0" encoding="{encoding}"').encode(encoding)
            )
            raw = M.read_messages([doc])
            assert_refused(raw, str(doc))
            assert SECRET not in everything(raw)
    assert requests == []


def test_the_parser_itself_resolves_and_fetches_nothing(tmp_path: Path, http_server: tuple[str, list[str]]) -> None:
    """The second line of defence: were a DOCTYPE to reach lxml, the parser regcheck configures expands
    no entity, reads no file and opens no connection."""
    from lxml import etree

    url, requests = http_server
    secret = write(tmp_path / "secret.txt", SECRET.encode())
    for system_id in (secret.as_uri(), f"{url}/entity"):
        for parameter in (False, True):
            try:
                root = etree.fromstring(entity_message(system_id, parameter).encode(), M.parser())
            except etree.XMLSyntaxError:
                continue
            assert SECRET not in etree.tostring(root, encoding="unicode")
            assert all(SECRET not in (el.text or "") for el in root.iter())
    assert requests == []
    try:  # libxml2 stops an entity explosion (an error), or keeps the references unexpanded
        root = etree.fromstring(LAUGHS.encode(), M.parser())
    except etree.XMLSyntaxError:
        return
    assert len(etree.tostring(root)) < 1 << 20


def test_a_dtd_bearing_message_is_refused(tmp_path: Path) -> None:
    dtd = message(CASE_A).replace(b"<Message>", b"<!DOCTYPE Message [<!ELEMENT Message ANY>]>\n<Message>")
    good = write(tmp_path / "z.xml", message(CASE_B))
    raw = M.read_messages([write(tmp_path / "a.xml", dtd), good])
    assert raw.rejects.loc[0, "row"] == 2 and "DOCTYPE" in raw.rejects.loc[0, "reason"]
    assert raw.tables["DJT_DJ_SLSQ"]["YWH"].tolist() == [CASE_B] and raw.heads["RecFlowID"].tolist() == [CASE_B]


# -- bad input (§7) -------------------------------------------------------------------------------


def test_bad_files_rejected_whole_and_the_rest_read(tmp_path: Path) -> None:
    """Not XML, root not Message, no Head, truncated, wrong encoding: each one rejects row (file, line,
    the parser's reason), nothing of it used; the good messages around them are read."""
    good = message(CASE_A, MORTGAGE_ROWS)
    bad = {
        "1-csv.xml": b"case_id,activity\nC1,accept\n",
        "2-root.xml": b'<?xml version="1.0"?>\n<Root><Head/><Data/></Root>\n',
        "3-nohead.xml": b"<Message>\n<Data><DJT_DJ_SLSQ YWH='X3'/></Data></Message>",
        "4-truncated.xml": good[: good.index(b"<QLF_QL_DYAQ") + 20],
        "5-encoding.xml": message("X5", encoding="GBK").replace(b'encoding="GBK"', b'encoding="UTF-8"'),
        "6-empty.xml": b"",
    }
    paths = [write(tmp_path / name, data) for name, data in bad.items()]
    paths.insert(3, write(tmp_path / "3a-good.xml", good))
    zipped = write_zip(tmp_path / "zz.zip", [("in/bad.xml", b"<Message><Head>"), ("in/good.xml", message(CASE_B))])
    raw = M.read_messages([*paths, zipped])
    rej = raw.rejects.set_index("file")
    assert list(raw.rejects.columns) == ["file", "row", "column", "value", "reason"]
    assert rej.loc[str(paths[0]), "reason"].startswith("not XML (Start tag expected")
    assert rej.loc[str(paths[1]), "reason"] == "not an access message (the root element is <Root>, not <Message>)"
    assert rej.loc[str(paths[1]), "row"] == 2
    assert rej.loc[str(paths[2]), "reason"] == "not an access message (<Message> has no <Head>)"
    truncated = rej.loc[str(paths[4])]
    assert truncated["reason"].startswith("malformed XML (") and truncated["row"] == 13
    assert "Invalid bytes in character encoding" in rej.loc[str(paths[5]), "reason"]
    assert rej.loc[str(paths[6]), "reason"].startswith("not XML (Document is empty")
    assert rej.loc[f"{zipped}:in/bad.xml", "reason"].startswith("malformed XML (")
    assert len(raw.rejects) == 7 and set(raw.rejects["column"]) == {""} and set(raw.rejects["value"]) == {""}
    assert raw.tables["DJT_DJ_SLSQ"]["YWH"].tolist() == [CASE_A, CASE_B]  # X3, X5 and the truncated copy: nothing
    assert len(raw.tables["QLF_QL_DYAQ"]) == 1 and raw.heads["RecFlowID"].tolist() == [CASE_A, CASE_B]
    assert len(raw.files) == 9


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_unreadable_archive_is_one_input_error(tmp_path: Path, kind: str) -> None:
    members = [(f"Biz{i}.xml", message(f"C{i}") + b"<!-- padding -->" * 200) for i in range(20)]
    good = write_zip(tmp_path / "g.zip", members) if kind == "zip" else write_tar(tmp_path / "g.tar.gz", members)
    data = good.read_bytes()
    cut = write(tmp_path / f"cut.{kind}", data[: len(data) // 2])
    with pytest.raises(InputError, match=f"^{cut}: cannot read the {kind.split('.')[0]} archive"):
        M.read_messages([cut])
    garbage = write(tmp_path / f"garbage.{kind}", b"this is no archive at all" * 10)
    with pytest.raises(InputError, match=f"^{garbage}: cannot read the"):
        M.read_messages([garbage])


def test_corrupt_zip_member_is_a_reject_and_oversized_members_are_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A member whose bytes fail their CRC is rejected (the archive's directory is intact); a member
    larger than MAX_MESSAGE_BYTES is refused without being read (a zip bomb)."""
    path = write_zip(tmp_path / "a.zip", [("Biz1.xml", message("C1")), ("Biz2.xml", message("C2"))])
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        first = zf.infolist()[0]
        at = first.header_offset + 30 + len(first.filename) + 5
    data[at] ^= 0xFF
    path.write_bytes(bytes(data))
    raw = M.read_messages([path])
    assert raw.rejects["file"].tolist() == [f"{path}:Biz1.xml"]
    assert raw.rejects.loc[0, "reason"].startswith("cannot read this archive member")
    assert raw.tables["DJT_DJ_SLSQ"]["YWH"].tolist() == ["C2"]

    monkeypatch.setattr(M, "MAX_MESSAGE_BYTES", 1000)
    big = message("C3", [("DJT_DJ_SLSQ", {"YWH": "C3", "ZL": "x" * 5000})])
    for archive in (
        write_zip(tmp_path / "b.zip", [("Biz3.xml", big)]),
        write_tar(tmp_path / "b.tgz", [("Biz3.xml", big)]),
    ):
        raw = M.read_messages([archive, write(tmp_path / "big.xml", big)])
        assert len(raw.rejects) == 2 and raw.rejects["reason"].str.startswith("larger than").all()


def test_missing_input_and_no_message_are_input_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file or folder"):
        M.read_messages([tmp_path / "nothing.zip"])
    write(tmp_path / "only" / "a.csv", b"x\n1\n")
    with pytest.raises(InputError, match=r"no \.xml access message found \(1 other files passed over\)"):
        M.read_messages([tmp_path / "only"])
    with pytest.raises(InputError, match="no file matches this pattern"):
        M.read_messages([str(tmp_path / "*.zip")])


# -- recognising a message source -----------------------------------------------------------------


def test_looks_like_messages(tmp_path: Path) -> None:
    xml = write(tmp_path / "m" / "Biz1.xml", message(CASE_A))
    odd = write(tmp_path / "Biz2", message(CASE_B, declaration=False))
    write(tmp_path / "flat" / "notes.xml", b"<notes/>")
    csv = write(tmp_path / "flat" / "log.csv", b"case_id\nC1\n")
    archive = write_zip(tmp_path / "d.zip", [("Biz1.xml", message(CASE_A))])
    only_zips = tmp_path / "zips"
    write_tar(only_zips / "day.tar.gz", [("Biz1.xml", message(CASE_A))])
    assert M.looks_like_messages([xml]) and M.looks_like_messages([odd]) and M.looks_like_messages([archive])
    assert M.looks_like_messages([tmp_path / "m"]) and M.looks_like_messages([only_zips])
    assert M.looks_like_messages([str(tmp_path / "m" / "*.xml"), archive])
    assert not M.looks_like_messages([csv]) and not M.looks_like_messages(
        [tmp_path / "flat"]
    )  # notes.xml is no Message
    assert not M.looks_like_messages([tmp_path / "missing.csv"])
    write(tmp_path / "flat" / "Biz3.xml", message("C3"))  # now the folder mixes a log and messages
    for mixed in ([csv, xml], [archive, csv], [tmp_path / "flat"]):
        with pytest.raises(InputError, match="a scan reads one kind of source"):
            M.looks_like_messages(mixed)


@pytest.mark.parametrize(
    ("head", "name"),
    [
        (b'<?xml version="1.0" encoding="GBK"?>\n<!-- exported -->\n<Message>', "Message"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><?pi x?><ns:Message xmlns:ns='u'>", "Message"),
        ('<?xml version="1.0" encoding="UTF-16"?><Message>'.encode("utf-16"), "Message"),
        (b"<!DOCTYPE Message [<!ENTITY a 'b'>]><Message>", "Message"),
        (b"case_id,activity\n", None),
        (b"PAR1\x00\x00", None),
        (b"<Root>", "Root"),
    ],
)
def test_root_name_sniffs_the_first_bytes(head: bytes, name: str | None) -> None:
    assert M.root_name(head) == name


# -- streaming: batches, chunks, memory -----------------------------------------------------------


def test_iter_messages_parts_keep_a_case_together(tmp_path: Path) -> None:
    """Parts of about `batch` messages, _order running on; a case sent as several messages (YWH-1,
    YWH-2) is not cut between parts; together the parts are read_messages."""
    members = []
    for i in range(7):
        suffixes = ["-1", "-2", "-3"] if i == 1 else [""]
        for s in suffixes:
            members.append((f"Biz{i}{s}.xml", message(f"C{i}", head={"RecFlowID": f"C{i}{s}"})))
    members.insert(4, ("readme.txt", b"x"))
    archive = write_zip(tmp_path / "a.zip", members)
    parts = list(M.iter_messages([archive], batch=2))
    assert [p.heads[MESSAGE_CASE].tolist() for p in parts] == [
        ["C0", "C1", "C1", "C1"],
        ["C2", "C3"],
        ["C4", "C5"],
        ["C6"],
    ]
    assert sum(p.skipped for p in parts) == 1
    whole = M.read_messages([archive])
    for table in ("DJT_DJ_SLSQ",):
        joined = pd.concat([p.tables[table] for p in parts], ignore_index=True)
        pd.testing.assert_frame_equal(joined, whole.tables[table])
    assert [f for p in parts for f in p.files] == whole.files


def test_memory_does_not_grow_with_the_messages_beyond_the_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rows are kept as Arrow arrays (outside Python's heap) once a chunk is full: the Python memory at
    the peak grows by less than a kilobyte per message, far below the text of its rows (~2.5 KB here)."""
    monkeypatch.setattr(M, "_CHUNK", 256)
    rows: list[Row] = [
        (t, {"YWH": "Y" * 30, "QXDM": "340121", **{c: f"{c}-{'v' * 40}" for c in M.COLUMNS[t][2:]}})
        for t in ("DJT_DJ_SLSQ", "DJF_DJ_SH", "DJF_DJ_SH", "DJF_DJ_SZ", "DJF_DJ_FZ", "DJF_DJ_GD")
    ]

    def peak(n: int) -> int:
        path = write_zip(tmp_path / f"{n}.zip", [(f"Biz{i}.xml", message(f"C{i}", rows)) for i in range(n)])
        tracemalloc.start()
        raw = M.read_messages([path])
        _size, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert len(raw.tables["DJF_DJ_SH"]) == 2 * n
        return top

    small, large = peak(300), peak(1500)
    assert (large - small) / 1200 < 1024, (small, large)


# -- a family of inputs: values come back exactly as written --------------------------------------

XML_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from("\t\n\r"),
    max_size=12,
)
SH_COLUMNS = list(M.COLUMNS["DJF_DJ_SH"])


@st.composite
def sh_rows(draw: st.DrawFn) -> list[dict[str, str]]:
    """Review rows each carrying a random subset of the columns, in a random order, random text values."""
    out = []
    for _ in range(draw(st.integers(1, 6))):
        columns = draw(st.lists(st.sampled_from(SH_COLUMNS), unique=True, max_size=len(SH_COLUMNS)))
        out.append({c: draw(XML_TEXT) for c in columns})
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    messages=st.lists(sh_rows(), min_size=1, max_size=5),
    chunk=st.sampled_from([1, 2, 3, 1 << 16]),
    encoding=st.sampled_from(["UTF-8", "GB18030"]),
)
def test_values_round_trip_whatever_columns_rows_carry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, messages: list[list[dict[str, str]]], chunk: int, encoding: str
) -> None:
    monkeypatch.setattr(M, "_CHUNK", chunk)
    members = [
        (f"Biz{i}.xml", message(f"C{i}", [("DJF_DJ_SH", r) for r in rows], encoding=encoding))
        for i, rows in enumerate(messages)
    ]
    raw = M.read_messages([write_zip(tmp_path / "a.zip", members)])
    expected = [r for rows in messages for r in rows]
    frame = raw.tables["DJF_DJ_SH"]
    assert len(frame) == len(expected) and raw.rejects.empty
    for column in SH_COLUMNS:
        got = frame[column].tolist() if column in frame.columns else [None] * len(frame)
        assert [None if pd.isna(v) else v for v in got] == [r.get(column) for r in expected], column
    assert frame[ORDER].is_monotonic_increasing and frame[MESSAGE_CASE].str.startswith("C").all()


def test_gzip_is_not_a_tar(tmp_path: Path) -> None:
    """A gzip-compressed single message named .tar.gz is not a tar: one InputError, not a crash."""
    path = write(tmp_path / "m.tar.gz", gzip.compress(message(CASE_A)))
    with pytest.raises(InputError, match="cannot read the tar archive"):
        M.read_messages([path])
