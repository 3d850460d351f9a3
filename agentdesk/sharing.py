"""One store for a team on one server: the folders, modes and the system config.

Every member of one unix group must read and write the store (the SQLite file and
its -wal and -shm companions, which any member's process may create), and the team
template folder; nobody else may read them. Folders are setgid so new files take the
group; SQLite gives -wal and -shm the database file's own mode, so a 0660 database
stays shareable whatever an agent's umask is.
"""

from __future__ import annotations

import grp
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from agentdesk.store import Store

DEFAULT_SHARED_DIR = Path("/srv/agentdesk")
DB_NAME = "agentdesk.db"
DIR_MODE = 0o2770
FILE_MODE = 0o660
SQLITE_SUFFIXES = ("", "-wal", "-shm")


class SharingError(Exception):
    """The shared set-up cannot be made; the message says what to do."""


@dataclass(frozen=True)
class SharedLayout:
    """Where a shared set-up keeps things."""

    root: Path
    group: str

    @property
    def db(self) -> Path:
        return self.root / DB_NAME

    @property
    def templates(self) -> Path:
        return self.root / "templates"


def group_id(group: str) -> int:
    try:
        return grp.getgrnam(group).gr_gid
    except KeyError:
        raise SharingError(f"no unix group {group!r}: create it first (groupadd {group})") from None


def _share(path: Path, gid: int, mode: int) -> None:
    try:
        os.chown(path, -1, gid)
        os.chmod(path, mode)
    except PermissionError as error:
        raise SharingError(
            f"cannot give {path} to the group: {error.strerror} (run this as root or as its owner)"
        ) from error


def system_config_text(layout: SharedLayout) -> str:
    """The system-wide config a shared server starts with."""
    return (
        "# agentdesk settings for every agent on this server (written by `agentdesk init --shared`).\n"
        "# Each agent's own ~/.config/agentdesk/config.toml is read on top of this file.\n"
        "# Secrets never go here: use environment variables or a password command.\n\n"
        "[store]\n"
        f'path = "{layout.db}"\n\n'
        "[templates]\n"
        f'team = "{layout.templates}"\n\n'
        "[shared]\n"
        f'group = "{layout.group}"\n'
    )


def init_shared(layout: SharedLayout, system_config: Path | None) -> list[str]:
    """Create (or repair) the shared folders, store and system config; returns what was done.

    Safe to run again: it only fixes groups and modes and migrates the store.
    """
    gid = group_id(layout.group)
    done: list[str] = []
    previous = os.umask(0o007)
    try:
        for folder in (layout.root, layout.templates):
            folder.mkdir(parents=True, exist_ok=True)
            _share(folder, gid, DIR_MODE)
            done.append(f"{folder}: group {layout.group}, mode 2770 (setgid)")
        store = Store.open(layout.db)
        try:
            for suffix in SQLITE_SUFFIXES:
                path = Path(f"{layout.db}{suffix}")
                if path.exists():
                    _share(path, gid, FILE_MODE)
            done.append(f"{layout.db}: store migrated, group {layout.group}, mode 660")
        finally:
            store.dispose()
        if system_config is not None:
            done.append(_write_system_config(layout, system_config, gid))
    finally:
        os.umask(previous)
    return done


def _write_system_config(layout: SharedLayout, path: Path, gid: int) -> str:
    if path.exists():
        return f"{path} exists, left as it is: check [store] path = \"{layout.db}\" in it"
    try:
        if not path.parent.exists():
            path.parent.mkdir(parents=True)
            path.parent.chmod(0o755)  # like /etc itself; the file inside is for the group only
        path.write_text(system_config_text(layout), encoding="utf-8")
    except OSError as error:
        raise SharingError(
            f"cannot write {path}: {error.strerror}; write it as root with:\n"
            + system_config_text(layout)
        ) from error
    _share(path, gid, 0o640)
    return f"{path}: system config written (group {layout.group}, mode 640)"


@dataclass(frozen=True)
class ModeProblem:
    path: Path
    problem: str


def mode_problems(folder: Path, files: list[Path], group: str | None = None) -> list[ModeProblem]:
    """What keeps `folder` and `files` from being shared by one group and hidden from others."""
    problems: list[ModeProblem] = []
    if not folder.is_dir():
        return [ModeProblem(folder, "missing")]
    info = folder.stat()
    gid = group_id(group) if group else info.st_gid
    name = grp.getgrgid(gid).gr_name
    checks = [(folder, True)] + [(f, False) for f in files if f.exists()]
    for path, is_dir in checks:
        st = path.stat()
        mode = stat.S_IMODE(st.st_mode)
        if st.st_gid != gid:
            problems.append(ModeProblem(path, f"group is {grp.getgrgid(st.st_gid).gr_name}, not {name}"))
        needed = 0o070 if is_dir else 0o060
        if mode & needed != needed:
            problems.append(ModeProblem(path, f"mode {mode:04o}: the group cannot {'use' if is_dir else 'read and write'} it"))
        if mode & 0o007:
            problems.append(ModeProblem(path, f"mode {mode:04o}: other users can access it"))
        if is_dir and not mode & stat.S_ISGID:
            problems.append(ModeProblem(path, "not setgid: new files would not take the group"))
    return problems
