"""Acceptance: the installed `agentdesk` script in a real terminal (tmux), keys and screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

AGENTDESK = str(Path(sys.executable).with_name("agentdesk"))


class Tmux:
    """One tmux server on its own socket, so tests never touch anybody's sessions."""

    def __init__(self, socket: str) -> None:
        self.socket = socket

    def __call__(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=20)
        return done.stdout

    def screen(self) -> str:
        return self("capture-pane", "-p", "-t", "smoke")

    def wait_for(self, text: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen}")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    assert shutil.which("tmux"), "tmux is installed by scripts/install-test-deps"
    server = Tmux(f"agentdesk-smoke-{os.getpid()}-{tmp_path.name}")
    yield server
    server("kill-server")


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path / "cfg"), XDG_DATA_HOME=str(tmp_path / "data"))
    subprocess.run([AGENTDESK, "demo", "--path", str(db), "--no-tui"], check=True, env=env, timeout=60)
    return db


def _start(tmux: Tmux, db: Path, width: int, height: int) -> None:
    # COLUMNS/LINES from the test runner would override the real terminal size.
    command = f"env -u COLUMNS -u LINES TERM=xterm-256color AGENTDESK_CONFIG= {AGENTDESK} --db {db}"
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "smoke", "-x", str(width), "-y", str(height), command)
    tmux("set-option", "-t", "smoke", "window-size", "manual")
    tmux("resize-window", "-t", "smoke", "-x", str(width), "-y", str(height))


def test_three_panes_keys_and_send_at_120x40(tmux: Tmux, demo_db: Path) -> None:
    _start(tmux, demo_db, 120, 40)
    screen = tmux.wait_for("History:")
    for title in ("Inbox", "Customer", "Reply"):
        assert f"─ {title} ─" in screen, screen
    assert "All open" in screen
    tmux("send-keys", "-t", "smoke", "j", "Enter")
    time.sleep(0.3)
    tmux("send-keys", "-t", "smoke", "r")
    time.sleep(0.3)
    tmux("send-keys", "-t", "smoke", "-l", "Smoke test reply [b]literal")
    time.sleep(0.3)
    tmux("send-keys", "-t", "smoke", "C-s")
    screen = tmux.wait_for("[sent]")
    assert "Smoke test reply [b]literal" in screen
    tmux("send-keys", "-t", "smoke", "Escape")
    time.sleep(0.5)  # a key right after Esc would arrive as Alt+key
    tmux("send-keys", "-t", "smoke", "q")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and "smoke" in tmux("list-sessions"):
        time.sleep(0.1)
    assert "smoke" not in tmux("list-sessions"), "q quits the app"


def test_stacked_layout_at_80x24(tmux: Tmux, demo_db: Path) -> None:
    _start(tmux, demo_db, 80, 24)
    screen = tmux.wait_for("─ Inbox ─")
    assert "─ Customer ─" not in screen, "at 80x24 the inbox has the screen first"
    tmux("send-keys", "-t", "smoke", "Enter")
    screen = tmux.wait_for("─ Customer ─")
    assert "─ Reply ─" in screen and "─ Inbox ─" not in screen
    tmux("send-keys", "-t", "smoke", "Escape")
    tmux.wait_for("─ Inbox ─")


def test_a_store_that_cannot_be_opened_is_named_on_exit(tmux: Tmux, tmp_path: Path) -> None:
    """The first frame shows at once; then the app leaves the terminal clean and says why."""
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("a file where the store's folder should be")
    command = (f"env -u COLUMNS -u LINES TERM=xterm-256color AGENTDESK_CONFIG= {AGENTDESK}"
               f" --db {blocked}/store.db; echo exit=$?; sleep 30")
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "smoke", "-x", "100", "-y", "30", command)
    screen = tmux.wait_for("exit=")
    assert "exit=1" in screen and "agentdesk: " in screen and "file-not-dir" in screen, screen
    assert "Traceback" not in screen
