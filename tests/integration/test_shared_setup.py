"""`agentdesk init --shared` checked with real unix users: a group member and an outsider.

The test (run as root, as CI does) creates a throwaway group with two members and one
user outside it, runs init --shared, and then has the members write the same store at
the same time from their own processes with a umask of 022, while the outsider is
refused. Users and group are removed at the end.
"""

from __future__ import annotations

import grp
import os
import secrets
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agentdesk.cli import app

pytestmark = pytest.mark.integration

MEMBER_SCRIPT = """
import os, stat, sys
from agentdesk.store import Store
from tests.seed import inbound, desk
from agentdesk.services import agents, inbox
from agentdesk.services.views import View
db = sys.argv[1]
store = Store.open(db)
inbound(store, sys.argv[2] + "@example.test", text="from " + sys.argv[2])
agents.add(store, sys.argv[2])
def show(suffix):
    st = os.stat(db + suffix)
    return f"{suffix}:{stat.S_IMODE(st.st_mode):o}:{st.st_gid}"
print(show("-wal"), show("-shm"), flush=True)
if len(sys.argv) > 3:      # hold the connection (and our own -wal/-shm) until told
    sys.stdin.readline()
    inbound(store, sys.argv[2] + "2@example.test", text="again")
print(inbox.count(desk(store, sys.argv[2]), View.OPEN), flush=True)
store.dispose()
"""


@dataclass
class Team:
    group: str
    gid: int
    members: list[str]
    outsider: str


def _run(*argv: str) -> None:
    subprocess.run(argv, check=True, capture_output=True)


@pytest.fixture
def team() -> Iterator[Team]:
    if os.geteuid() != 0:
        pytest.fail("this test creates unix users: run it as root (CI does)")
    tag = secrets.token_hex(3)
    group = f"adg{tag}"
    members, outsider = [f"ada{tag}", f"adb{tag}"], f"ado{tag}"
    _run("groupadd", group)
    try:
        for user in [*members, outsider]:
            _run("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", user)
        for user in members:
            _run("usermod", "-aG", group, user)
        yield Team(group, grp.getgrnam(group).gr_gid, members, outsider)
    finally:
        for user in [*members, outsider]:
            subprocess.run(["userdel", user], capture_output=True)
        subprocess.run(["groupdel", group], capture_output=True)


@pytest.fixture
def open_dir() -> Iterator[Path]:
    """A folder every user can enter (pytest's tmp_path is private to root)."""
    path = Path(tempfile.mkdtemp(prefix="agentdesk-shared-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


REPO = Path(__file__).parents[2]


def _python_for_others() -> str:
    """A Python the test users may run: ours may sit under root's private home (pyenv).

    The system Python of the same version gets our packages through PYTHONPATH.
    """
    system = Path(f"/usr/bin/python{sys.version_info[0]}.{sys.version_info[1]}")
    return str(system) if system.exists() else sys.executable


PYTHON = _python_for_others()


def _as(user: str, *argv: str, stdin: int | None = None) -> subprocess.Popen[str]:
    import site

    env = {
        "PATH": os.environ.get("PATH", ""), "HOME": "/nonexistent",
        "PYTHONPATH": os.pathsep.join([str(REPO), *site.getsitepackages()]),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    command = ["runuser", "-u", user, "--", "sh", "-c", 'umask 022; exec "$@"', "sh", *argv]
    return subprocess.Popen(
        command, env=env, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        cwd=str(REPO),
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_shared_lets_the_group_in_and_keeps_others_out(team: Team, open_dir: Path) -> None:
    root, config = open_dir / "srv", open_dir / "etc" / "config.toml"
    result = CliRunner().invoke(
        app,
        ["init", "--shared", "--group", team.group, "--path", str(root), "--system-config", str(config)],
    )
    assert result.exit_code == 0, result.output
    db = root / "agentdesk.db"
    for folder in (root, root / "templates"):
        assert _mode(folder) == 0o2770 and folder.stat().st_gid == team.gid
    assert _mode(db) == 0o660 and db.stat().st_gid == team.gid
    assert _mode(config) == 0o640 and f'path = "{db}"' in config.read_text()

    # Member A writes and keeps its connection (its own -wal and -shm) open...
    first = _as(team.members[0], PYTHON, "-c", MEMBER_SCRIPT, str(db), "a", "hold",
                stdin=subprocess.PIPE)
    assert first.stdout is not None and first.stdin is not None
    files = first.stdout.readline().split()
    assert files, first.stderr.read() if first.stderr else ""
    for entry in files:
        suffix, mode, gid = entry.split(":")
        assert (mode, int(gid)) == ("660", team.gid), entry
    # ...while member B writes through those very files,
    second = _as(team.members[1], PYTHON, "-c", MEMBER_SCRIPT, str(db), "b")
    out, err = second.communicate(timeout=60)
    assert second.returncode == 0, err
    assert out.split()[-1] == "2"
    # and A writes again after B.
    first.stdin.write("go\n")
    first.stdin.flush()
    out_a, err_a = first.communicate(timeout=60)
    assert first.returncode == 0, err_a
    assert out_a.split()[-1] == "3"

    # The doctor, run by a member with the system config, finds nothing to fix.
    doctor = _as(team.members[1], "env", f"AGENTDESK_SYSTEM_CONFIG={config}",
                 PYTHON, "-c", "from agentdesk.cli import main; main()", "doctor")
    out, err = doctor.communicate(timeout=60)
    assert doctor.returncode == 0, out + err
    assert f"shared with group {team.group} only" in out

    # The outsider can read neither the store nor the config.
    outsider = _as(team.outsider, "cat", str(db))
    _, err = outsider.communicate(timeout=30)
    assert outsider.returncode != 0 and "Permission denied" in err
    outsider = _as(team.outsider, "cat", str(config))
    _, err = outsider.communicate(timeout=30)
    assert outsider.returncode != 0


def test_doctor_names_a_broken_mode_and_its_fix(team: Team, open_dir: Path) -> None:
    root, config = open_dir / "srv", open_dir / "etc" / "config.toml"
    runner = CliRunner()
    args = ["init", "--shared", "--group", team.group, "--path", str(root), "--system-config", str(config)]
    assert runner.invoke(app, args).exit_code == 0
    (root / "agentdesk.db").chmod(0o644)
    env = {"AGENTDESK_SYSTEM_CONFIG": str(config), "AGENTDESK_CONFIG": ""}
    result = runner.invoke(app, ["doctor"], env=env)
    assert result.exit_code == 1
    assert "other users can access it" in result.output
    assert f"agentdesk init --shared --group {team.group}" in result.output
    assert runner.invoke(app, args).exit_code == 0  # running init again repairs it
    assert runner.invoke(app, ["doctor"], env=env).exit_code == 0
