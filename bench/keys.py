"""Figures 3 and 6: run bench/keys_probe.py in the console on a pseudo-terminal."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from agentdesk.frames import FRAMES_PER_SECOND
from bench.startup import COLUMNS, LINES, ROOT, _drain

import fcntl
import pty
import struct
import subprocess
import termios


def run_probe(db: Path, config: Path, *, presses: int, opens: int, views: int,
              queries: list[str], timeout: float = 900, bare: bool = False) -> dict[str, Any]:
    """The probe's samples (ms per kind), peak RSS (MB) and errors."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTDESK_")}
    env.update(TERM="xterm-256color", COLUMNS=str(COLUMNS), LINES=str(LINES))
    if bare:  # the floor: Textual as it comes
        env.pop("TEXTUAL_FPS", None)
    else:  # the probe imports Textual before agentdesk.app could set this, as the console does
        env.setdefault("TEXTUAL_FPS", str(FRAMES_PER_SECOND))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "keys.json"
        argv = [sys.executable, "-m", "bench.keys_probe", str(db), str(config), str(out),
                "--presses", str(presses), "--opens", str(opens), "--views", str(views),
                "--queries", json.dumps(queries)] + (["--bare"] if bare else [])
        # Textual's driver writes the screen to stderr: that too goes to the terminal.
        process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave,
                                   env=env, cwd=ROOT, start_new_session=True)
        os.close(slave)
        threading.Thread(target=_drain, args=(master,), daemon=True).start()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        finally:
            os.close(master)
        crash = out.with_suffix(".crash")
        if crash.exists():
            raise RuntimeError(f"key probe crashed: {crash.read_text()[-1500:]}")
        if not out.exists():
            raise RuntimeError(f"key probe failed (exit {process.returncode}); run it by hand: "
                               f"{' '.join(argv[1:3])} …")
        return json.loads(out.read_text())
