"""A real PostgreSQL 15 for the tests, and a `store` fixture over SQLite and PostgreSQL.

Registered from tests/conftest.py. One throwaway server per pytest worker (session
scope): initdb in a temp dir (as the `postgres` user when we are root, since initdb
refuses root), started on loopback on a free port with fsync off, stopped by its PID at
the end. Each test gets its own database, copied from a template that is migrated once,
so a test costs a CREATE DATABASE (a few ms), not a migration.
"""

from __future__ import annotations

import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from agentdesk.store import Store

PG_BIN = Path(os.environ.get("AGENTDESK_PG_BIN", "/usr/lib/postgresql/15/bin"))
PASSWORD = "agentdesk-test"
TEMPLATE = "agentdesk_template"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres(argv: list[str]) -> list[str]:
    """Run as the postgres user when we are root (initdb and postgres refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


@dataclass
class PgServer:
    """A running throwaway PostgreSQL server."""

    root: Path
    port: int
    pid: int
    _counter: itertools.count[int]

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres:{PASSWORD}@127.0.0.1:{self.port}/{database}"

    def admin(self) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1", port=self.port, user="postgres", password=PASSWORD,
            dbname="postgres", autocommit=True,
        )

    def create_database(self, template: str = "template0") -> str:
        """A new empty (or template-copied) database; returns its SQLAlchemy URL."""
        name = f"t{os.getpid()}_{next(self._counter)}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return self.url(name)

    def stop(self) -> None:
        try:
            os.kill(self.pid, signal.SIGINT)  # "fast" shutdown
        except ProcessLookupError:
            pass
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and _alive(self.pid):
            time.sleep(0.05)
        shutil.rmtree(self.root, ignore_errors=True)


def _alive(pid: int) -> bool:
    """Whether `pid` runs (a zombie counts as gone: PID 1 here reaps late)."""
    try:
        state = subprocess.run(
            ["ps", "-o", "stat=", "-p", str(pid)], capture_output=True, text=True
        ).stdout.strip()
    except OSError:
        return False
    return bool(state) and not state.startswith("Z")


def start_server() -> PgServer:
    """initdb and start a server on loopback; returns once it accepts connections."""
    if not (PG_BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL 15 not found in {PG_BIN}: run scripts/install-test-deps")
    root = Path(tempfile.mkdtemp(prefix="agentdesk-pg-"))
    data, sock, pwfile = root / "data", root / "sock", root / "pw"
    sock.mkdir()
    pwfile.write_text(PASSWORD)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
        shutil.chown(sock, "postgres", "postgres")
        shutil.chown(pwfile, "postgres", "postgres")
    subprocess.run(
        _as_postgres([
            str(PG_BIN / "initdb"), "--no-sync", "-U", "postgres", f"--pwfile={pwfile}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8",
            "--locale=C.UTF-8", "-D", str(data),
        ]),
        check=True, capture_output=True,
    )
    port = free_port()
    options = (
        f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={sock} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    subprocess.run(
        _as_postgres([
            str(PG_BIN / "pg_ctl"), "-w", "-D", str(data), "-l", str(root / "log"),
            "-o", options, "start",
        ]),
        check=True, capture_output=True, stdin=subprocess.DEVNULL,
    )
    pid = int((data / "postmaster.pid").read_text().split()[0])
    return PgServer(root=root, port=port, pid=pid, _counter=itertools.count())


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """One PostgreSQL 15 per test worker, with a migrated template database."""
    server = start_server()
    try:
        with server.admin() as conn:
            conn.execute(f'CREATE DATABASE "{TEMPLATE}" TEMPLATE template0')
        Store.open(server.url(TEMPLATE)).dispose()
        yield server
    finally:
        server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """The URL of a fresh, empty PostgreSQL database (not migrated)."""
    return pg_server.create_database()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated store's URL: a SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        Store.open(tmp_path / "store.db").dispose()
        return f"sqlite:///{tmp_path / 'store.db'}"
    server: PgServer = request.getfixturevalue("pg_server")
    return server.create_database(TEMPLATE)


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    """A migrated Store, on SQLite and on PostgreSQL (the test runs once on each)."""
    opened = Store.open(store_url)
    try:
        yield opened
    finally:
        opened.dispose()
