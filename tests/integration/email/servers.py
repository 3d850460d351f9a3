"""A throwaway Dovecot (IMAP + IMAPS with a self-signed certificate) for the email tests.

Started from its own config (see ../shared/TEST-SERVERS.md): loopback only, free
ports, a passwd-file with a pool of users (each test takes its own mailbox), maildir
in a temp dir, stdio redirected to files, stopped by its PID. Dovecot logs each
session's `fetch_body_count` at logout, which the incremental-sync test reads.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

USERS = 80
PASSWORD = "secret"
DOMAIN = "example.test"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def make_cert(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1 (the tests' private CA)."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "3650",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    key.chmod(0o644)
    return cert, key


def _open_up(path: Path) -> None:
    """Let the dovecot user traverse pytest's 0700 temp dirs down to `path`."""
    for parent in [path, *path.parents]:
        if parent == Path("/"):
            break
        try:
            mode = parent.stat().st_mode
            parent.chmod(mode | 0o011)
        except PermissionError:
            break


@dataclass
class Dovecot:
    """A running Dovecot; `user()` hands out a fresh mailbox per test."""

    root: Path
    cert: Path
    key: Path
    imap_port: int = field(default_factory=free_port)
    imaps_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    _users: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _base_dir: Path | None = None

    @property
    def config(self) -> Path:
        return self.root / "dovecot.conf"

    @property
    def log(self) -> Path:
        return self.root / "dovecot.log"

    @property
    def base_dir(self) -> Path:
        """Dovecot's socket dir: short (unix socket paths stop at 108 bytes), under /tmp."""
        if self._base_dir is None:
            self._base_dir = Path(tempfile.mkdtemp(prefix="adk-dovecot-"))
            self._base_dir.chmod(0o755)
        return self._base_dir

    def write_config(self) -> None:
        root = self.root
        for sub in ("state", "home"):
            (root / sub).mkdir(exist_ok=True)
        users = "".join(f"u{i}@{DOMAIN}:{{PLAIN}}{PASSWORD}::::::\n" for i in range(1, USERS + 1))
        (root / "users").write_text(users)
        (root / "users").chmod(0o644)
        if os.geteuid() == 0:
            identity = (
                "default_internal_user = dovecot\ndefault_login_user = dovenull\n"
                "mail_uid = dovecot\nmail_gid = dovecot\nfirst_valid_uid = 1\n"
            )
            owner = pwd.getpwnam("dovecot")
            os.chown(root / "home", owner.pw_uid, owner.pw_gid)
            _open_up(root)
        else:
            me = pwd.getpwuid(os.geteuid()).pw_name
            identity = (
                f"default_internal_user = {me}\ndefault_login_user = {me}\n"
                "service anvil {\n  chroot =\n}\n"
            )
        login_chroot = "" if os.geteuid() == 0 else "  chroot =\n"
        self.config.write_text(
            f"""
instance_name = agentdesk-test-{self.imap_port}
base_dir = {self.base_dir}/run
state_dir = {root}/state
log_path = {self.log}
info_log_path = {self.log}
listen = 127.0.0.1
protocols = imap
ssl = yes
ssl_cert = <{self.cert}
ssl_key = <{self.key}
disable_plaintext_auth = no
auth_mechanisms = plain login
{identity}
mail_location = maildir:~/Maildir
mail_fsync = never
imap_logout_format = in=%i out=%o fetch_hdr_count=%{{fetch_hdr_count}} fetch_body_count=%{{fetch_body_count}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
  default_fields = home={root}/home/%d/%n
}}
service imap-login {{
{login_chroot}  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
    ssl = yes
  }}
}}
protocol imap {{
  mail_max_userip_connections = 200
}}
"""
        )

    def start(self) -> None:
        self.write_config()
        out = open(self.root / "stdout.log", "ab")
        err = open(self.root / "stderr.log", "ab")
        self.process = subprocess.Popen(
            ["dovecot", "-F", "-c", str(self.config)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
        )
        out.close()
        err.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"dovecot exited: {(self.root / 'stderr.log').read_text()}{self._log_tail()}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.imap_port), timeout=1) as sock:
                    if sock.recv(100).startswith(b"* OK"):
                        return
            except OSError:
                time.sleep(0.02)
        raise RuntimeError(f"dovecot did not answer on {self.imap_port}{self._log_tail()}")

    def _log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""

    def _descendants(self) -> list[int]:
        """PIDs of every process below the master (imap, imap-login, auth, ...)."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_bytes()
            except OSError:
                continue
            ppid = int(stat.rsplit(b")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
        found: list[int] = []
        todo = [self.process.pid] if self.process else []
        while todo:
            pid = todo.pop()
            for child in children.get(pid, []):
                found.append(child)
                todo.append(child)
        return found

    def stop(self) -> None:
        """Stop the master and every session it started (a session left alive would
        keep serving an old connection, hiding a restart from the poller)."""
        if self.process is None:
            return
        sessions = self._descendants()
        self.process.terminate()
        for pid in sessions:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def remove(self) -> None:
        """Stop, and delete the socket dir outside the test's temp dir."""
        self.stop()
        if self._base_dir is not None:
            shutil.rmtree(self._base_dir, ignore_errors=True)
            self._base_dir = None

    def user(self) -> str:
        """A mailbox no other test uses."""
        number = next(self._users)
        if number > USERS:
            raise RuntimeError("the Dovecot fixture ran out of test users; raise USERS")
        return f"u{number}@{DOMAIN}"

    def client(self, user: str) -> IMAPClient:
        client = IMAPClient("127.0.0.1", port=self.imap_port, ssl=False, timeout=30)
        client.login(user, PASSWORD)
        return client

    def append(self, user: str, *messages: bytes, folder: str = "INBOX") -> None:
        """Deliver mail the real IMAP way (APPEND)."""
        client = self.client(user)
        try:
            for raw in messages:
                client.append(folder, raw)
        finally:
            client.logout()

    def fill(self, user: str, messages: list[bytes]) -> None:
        """Put mail straight into the user's Maildir (100x faster than APPEND for bulk)."""
        local, _, domain = user.partition("@")
        maildir = self.root / "home" / domain / local / "Maildir"
        owner = pwd.getpwnam("dovecot") if os.geteuid() == 0 else None
        made = [maildir.parent.parent, maildir.parent, maildir] + [
            maildir / s for s in ("cur", "new", "tmp")
        ]
        for directory in made:
            directory.mkdir(exist_ok=True)
            if owner:
                os.chown(directory, owner.pw_uid, owner.pw_gid)
        now = int(time.time())
        for n, raw in enumerate(messages):
            path = maildir / "cur" / f"{now}.M{n:06d}P{os.getpid()}.x,S={len(raw)}:2,"
            path.write_bytes(raw)
            if owner:
                os.chown(path, owner.pw_uid, owner.pw_gid)

    def doveadm(self, *args: str) -> str:
        done = subprocess.run(
            ["doveadm", "-c", str(self.config), *args],
            capture_output=True,
            check=True,
            stdin=subprocess.DEVNULL,
        )
        return done.stdout.decode()

    def set_uidvalidity(self, user: str, value: int, folder: str = "INBOX") -> None:
        self.doveadm("mailbox", "update", "-u", user, "--uid-validity", str(value), folder)

    def log_offset(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def logouts(self, user: str, since: int = 0) -> list[str]:
        """The `Logged out` lines of `user` written after byte offset `since`."""
        with open(self.log, "rb") as f:
            f.seek(since)
            text = f.read().decode(errors="replace")
        return [
            line
            for line in text.splitlines()
            if f"imap({user})" in line and "fetch_body_count=" in line
        ]


def start_dovecot(root: Path) -> Dovecot:
    root = root.resolve()
    root.mkdir(parents=True, exist_ok=True)
    cert, key = make_cert(root)
    server = Dovecot(root, cert, key)
    server.start()
    return server


def copy_cert(server: Dovecot, directory: Path) -> Path:
    target = directory / "ca.pem"
    shutil.copy(server.cert, target)
    return target
