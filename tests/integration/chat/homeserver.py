"""A throwaway Synapse homeserver for the Matrix tests, and a tiny client for the "customer".

Synapse comes from PyPI into its own virtual environment (`tmp/synapse-venv`, made
by scripts/install-test-deps, or here on first use under a file lock), never into
the project's venv. Each pytest worker starts one server: a generated config,
SQLite, loopback only on a free port, rate limits off, stdio to files, stopped by
its PID. Users are registered through the admin API with the shared secret (the
HMAC handshake `register_new_matrix_user` does).

The customer side talks plain client-server HTTP (urllib), independent of
matrix-nio, so the adapter under test is checked against what a real client sends.
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import hmac
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
VENV = Path(os.environ.get("AGENTDESK_SYNAPSE_VENV", ROOT / "tmp" / "synapse-venv"))
SYNAPSE_REQUIREMENT = "matrix-synapse==1.163.2"
SERVER_NAME = "localhost"
SECRET = "agentdesk-test-registration"
PASSWORD = "pw-agentdesk"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def ensure_venv() -> Path:
    """The Synapse venv's python, creating the venv once (workers wait on a lock)."""
    python = VENV / "bin" / "python"
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / ".synapse-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        probe = subprocess.run([str(python), "-c", "import synapse"], capture_output=True) if python.exists() else None
        if probe is None or probe.returncode != 0:
            subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", SYNAPSE_REQUIREMENT],
                check=True,
            )
    return python


CONFIG = """\
server_name: "{server_name}"
pid_file: {root}/homeserver.pid
listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: {root}/homeserver.db
media_store_path: {root}/media
signing_key_path: {root}/signing.key
registration_shared_secret: "{secret}"
macaroon_secret_key: "{macaroon}"
form_secret: "{form}"
report_stats: false
trusted_key_servers: []
suppress_key_server_warning: true
enable_metrics: false
url_preview_enabled: false
presence: {{enabled: false}}
rc_message: {{per_second: 10000, burst_count: 10000}}
rc_registration: {{per_second: 10000, burst_count: 10000}}
rc_login:
  address: {{per_second: 10000, burst_count: 10000}}
  account: {{per_second: 10000, burst_count: 10000}}
  failed_attempts: {{per_second: 10000, burst_count: 10000}}
rc_joins:
  local: {{per_second: 10000, burst_count: 10000}}
  remote: {{per_second: 10000, burst_count: 10000}}
rc_invites:
  per_room: {{per_second: 10000, burst_count: 10000}}
  per_user: {{per_second: 10000, burst_count: 10000}}
log_config: {root}/log.yaml
"""

LOG_CONFIG = """\
version: 1
formatters:
  plain: {format: '%(asctime)s %(name)s %(levelname)s %(message)s'}
handlers:
  file: {class: logging.FileHandler, filename: '%(root)s/homeserver.log', formatter: plain}
root: {level: WARNING, handlers: [file]}
disable_existing_loggers: false
"""


class MatrixHTTPError(RuntimeError):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.body = body


@dataclass
class Customer:
    """A Matrix user driven over plain HTTP (the customer, a bridge bot, a puppet)."""

    server: Homeserver
    user_id: str
    token: str
    _txn: itertools.count[int] = field(default_factory=itertools.count)

    def call(self, method: str, path: str, body: Any = None, raw: bytes | None = None, content_type: str = "application/json") -> dict[str, Any]:
        return self.server.call(method, path, body, token=self.token, raw=raw, content_type=content_type)

    def dm(self, other: str, *, state: list[dict[str, Any]] | None = None) -> str:
        """A new direct room inviting `other`; returns its id."""
        answer = self.call(
            "POST",
            "/_matrix/client/v3/createRoom",
            {"preset": "trusted_private_chat", "is_direct": True, "invite": [other], "initial_state": state or []},
        )
        return str(answer["room_id"])

    def send(self, room: str, content: dict[str, Any], event_type: str = "m.room.message") -> str:
        txn = f"t{next(self._txn)}-{time.monotonic_ns()}"
        path = f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/send/{event_type}/{txn}"
        return str(self.call("PUT", path, content)["event_id"])

    def say(self, room: str, text: str, msgtype: str = "m.text") -> str:
        return self.send(room, {"msgtype": msgtype, "body": text})

    def redact(self, room: str, event_id: str) -> str:
        txn = f"r{next(self._txn)}-{time.monotonic_ns()}"
        path = f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/redact/{urllib.parse.quote(event_id)}/{txn}"
        return str(self.call("PUT", path, {"reason": "typo"})["event_id"])

    def upload(self, data: bytes, name: str, content_type: str) -> str:
        path = "/_matrix/media/v3/upload?filename=" + urllib.parse.quote(name)
        return str(self.call("POST", path, raw=data, content_type=content_type)["content_uri"])

    def join(self, room: str) -> None:
        self.call("POST", f"/_matrix/client/v3/join/{urllib.parse.quote(room)}", {})

    def invite(self, room: str, user: str) -> None:
        self.call("POST", f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/invite", {"user_id": user})

    def set_state(self, room: str, event_type: str, content: dict[str, Any], state_key: str = "") -> None:
        path = f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/state/{event_type}/{urllib.parse.quote(state_key)}"
        self.call("PUT", path, content)

    def messages(self, room: str, limit: int = 50) -> list[dict[str, Any]]:
        """The room's message events, oldest first."""
        path = f"/_matrix/client/v3/rooms/{urllib.parse.quote(room)}/messages?dir=b&limit={limit}"
        chunk = self.call("GET", path)["chunk"]
        return [e for e in reversed(chunk) if e.get("type") == "m.room.message"]


@dataclass
class Homeserver:
    """A running Synapse."""

    root: Path
    port: int
    process: subprocess.Popen[bytes]
    _users: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def call(self, method: str, path: str, body: Any = None, *, token: str | None = None, raw: bytes | None = None, content_type: str = "application/json") -> dict[str, Any]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": content_type}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return dict(json.loads(response.read() or b"{}"))
        except urllib.error.HTTPError as error:
            raise MatrixHTTPError(error.code, json.loads(error.read() or b"{}")) from None

    def register(self, prefix: str = "user", displayname: str | None = None) -> Customer:
        """A new user (unique per call), logged in; returns its HTTP client."""
        localpart = f"{prefix}{next(self._users)}x{os.getpid()}"
        nonce = self.call("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(SECRET.encode(), digestmod=hashlib.sha1)
        mac.update(b"\x00".join([nonce.encode(), localpart.encode(), PASSWORD.encode(), b"notadmin"]))
        answer = self.call(
            "POST",
            "/_synapse/admin/v1/register",
            {"nonce": nonce, "username": localpart, "password": PASSWORD, "admin": False, "mac": mac.hexdigest()},
        )
        user = Customer(self, str(answer["user_id"]), str(answer["access_token"]))
        if displayname:
            user.call(
                "PUT",
                f"/_matrix/client/v3/profile/{urllib.parse.quote(user.user_id)}/displayname",
                {"displayname": displayname},
            )
        return user

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def start() -> Homeserver:
    """Generate a config and start Synapse; returns once it answers on the client API."""
    python = ensure_venv()
    root = Path(tempfile.mkdtemp(prefix="agentdesk-synapse-"))
    port = free_port()
    seed = base64.b64encode(os.urandom(32)).decode().rstrip("=")
    (root / "signing.key").write_text(f"ed25519 a_test {seed}\n")
    (root / "log.yaml").write_text(LOG_CONFIG.replace("%(root)s", str(root)))
    (root / "homeserver.yaml").write_text(
        CONFIG.format(
            server_name=SERVER_NAME, root=root, port=port, secret=SECRET,
            macaroon=os.urandom(16).hex(), form=os.urandom(16).hex(),
        )
    )
    out = open(root / "stdout.log", "wb")
    process = subprocess.Popen(
        [str(python), "-m", "synapse.app.homeserver", "-c", str(root / "homeserver.yaml")],
        stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, cwd=root,
    )
    out.close()
    server = Homeserver(root, port, process)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"synapse exited: {(root / 'stdout.log').read_text()[-3000:]}")
        try:
            server.call("GET", "/_matrix/client/versions")
            return server
        except (OSError, MatrixHTTPError):
            time.sleep(0.1)
    server.stop()
    raise RuntimeError("synapse did not start within 90 s")
