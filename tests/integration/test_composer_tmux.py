"""Acceptance in a real terminal (tmux): Alt+1 arrives as a quick slot, and Ctrl+E lends the
terminal to `$EDITOR` and takes it back cleanly (what happens over ssh too)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from tests.integration.test_tmux_smoke import AGENTDESK, Tmux, tmux  # noqa: F401 (fixture)

EDITOR = """\
import sys, time
path = sys.argv[1]
assert sys.stdin.isatty() and sys.stdout.isatty(), "the editor gets the terminal"
sys.stdout.write("\\x1b[2J\\x1b[HSCRIPTED EDITOR RUNNING\\n")
sys.stdout.flush()
time.sleep(1.0)
text = open(path).read()
open(path, "w").write(text.replace("draft", "edited-in-editor draft"))
"""


def test_alt_1_and_ctrl_e_in_a_real_terminal(tmux: Tmux, tmp_path: Path) -> None:  # noqa: F811
    db = tmp_path / "demo.db"
    subprocess.run([AGENTDESK, "demo", "--path", str(db), "--no-tui"], check=True, timeout=60,
                   env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "AGENTDESK_CONFIG": ""})
    config = tmp_path / "config.toml"
    config.write_text(f'[shop]\nname = "Tea"\n[composer]\nundo_seconds = 0\n'
                      f'[templates]\nteam = "{tmp_path}/team"\npersonal = "{tmp_path}/me"\n')
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR)
    command = (f"env -u COLUMNS -u LINES TERM=xterm-256color EDITOR='{sys.executable} {editor}' "
               f"{AGENTDESK} --config {config} --db {db}")
    tmux("-f", "/dev/null", "new-session", "-d", "-s", "smoke", "-x", "120", "-y", "40", command)
    tmux("set-option", "-t", "smoke", "window-size", "manual")
    tmux("resize-window", "-t", "smoke", "-x", "120", "-y", "40")
    tmux.wait_for("History:")
    tmux("send-keys", "-t", "smoke", "r")
    time.sleep(0.3)
    tmux("send-keys", "-t", "smoke", "-l", "my draft")
    time.sleep(0.3)
    tmux("send-keys", "-t", "smoke", "C-e")
    tmux.wait_for("SCRIPTED EDITOR RUNNING")
    screen = tmux.wait_for("my edited-in-editor draft")
    assert "─ Reply ─" in screen, "the app is back, whole"
    tmux("send-keys", "-t", "smoke", "End")
    tmux("send-keys", "-t", "smoke", "M-1")
    screen = tmux.wait_for("LATTE ✓L ✓A ✓T ✓T ✓E")  # the whole order-not-arrived reply went in
    assert "I've checked the tracking and «what the" in screen and "¡" not in screen
