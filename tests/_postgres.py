"""A real PostgreSQL server for the tests: ``initdb``/``pg_ctl`` into a temporary folder, listening
only on a unix socket in that folder, stopped when the session ends.

``initdb`` refuses to run as root: as root, the server runs as the ``postgres`` system user (the
``postgresql`` package creates it; .ci/run installs the package), and the folder is handed to it.
The binaries are looked for on PATH, then in /usr/lib/postgresql/*/bin (where Debian puts them);
the tests skip, saying so, only where there are none at all.

Authentication: the superuser ``postgres`` connects by trust over the socket (to set up); the role
``reader`` (password :data:`READER_PASSWORD`, SELECT only) connects with a password (scram).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

READER_PASSWORD = "s3cr3t-Pa55/wörd"  # characters that a URL must quote: the masking must catch every spelling
DATABASE = "regdata"


@dataclass(frozen=True)
class Postgres:
    socket_dir: Path

    def url(self, user: str = "postgres", password: str | None = None, database: str = DATABASE) -> str:
        from sqlalchemy.engine import URL

        return URL.create(
            "postgresql+psycopg",
            username=user,
            password=password,
            database=database,
            query={"host": str(self.socket_dir)},
        ).render_as_string(hide_password=False)


def pg_bin() -> Path | None:
    """The folder of ``initdb``/``pg_ctl``: on PATH, else the newest /usr/lib/postgresql/*/bin."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    return Path(versions[-1]).parent if versions else None


def _as_server_user(args: list[str]) -> list[str]:
    """As root, the command runs as the ``postgres`` system user (initdb and postgres refuse root)."""
    if os.geteuid() != 0:
        return args
    return ["runuser", "-u", "postgres", "--", *args]


def _run(args: list[str]) -> None:
    done = subprocess.run(_as_server_user(args), capture_output=True, text=True, timeout=120)
    if done.returncode:
        raise RuntimeError(f"{' '.join(args[:2])} failed ({done.returncode}): {done.stderr.strip()[-800:]}")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[Postgres]:
    """A PostgreSQL server of its own, for the whole session; database ``regdata`` with role ``reader``."""
    bin_dir = pg_bin()
    if bin_dir is None:
        why = "no PostgreSQL binaries (initdb/pg_ctl) on PATH or in /usr/lib/postgresql/*/bin"
        if os.environ.get("REGCHECK_REQUIRE_POSTGRES"):  # .ci/run: these tests must run there
            pytest.fail(f"{why}; .ci/run installs the postgresql package")
        pytest.skip(f"{why} (apt-get install postgresql)")
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail(
                "running as root needs the 'postgres' system user to run the server (apt-get install postgresql)"
            )
    base = Path(tempfile.mkdtemp(prefix="regcheck-pg-"))
    data = base / "data"
    if os.geteuid() == 0:
        shutil.chown(base, "postgres", "postgres")
    os.chmod(base, 0o700)
    _run([str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth-local=trust", "-E", "UTF8", "--no-sync"])
    hba = "local all postgres trust\nlocal all all scram-sha-256\n"
    (data / "pg_hba.conf").write_text(hba)
    if os.geteuid() == 0:
        shutil.chown(data / "pg_hba.conf", "postgres", "postgres")
    options = f"-c listen_addresses='' -k {base} -c fsync=off -c password_encryption=scram-sha-256"
    _run([str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(base / "log"), "-w", "-t", "60", "start"])
    try:
        server = Postgres(base)
        _setup(server)
        yield server
    finally:
        subprocess.run(
            _as_server_user([str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(base, ignore_errors=True)


def _setup(server: Postgres) -> None:
    import psycopg

    with psycopg.connect(host=str(server.socket_dir), user="postgres", dbname="postgres", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {DATABASE}")
        conn.execute("CREATE ROLE reader LOGIN PASSWORD %s".replace("%s", _literal(READER_PASSWORD)))
    with psycopg.connect(host=str(server.socket_dir), user="postgres", dbname=DATABASE, autocommit=True) as conn:
        conn.execute("ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO reader")


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
