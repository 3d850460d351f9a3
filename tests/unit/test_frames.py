"""The console asks Textual for up to 120 frames a second (keys show within ~8 ms)."""

from __future__ import annotations

import os
import subprocess
import sys

from agentdesk.frames import FRAMES_PER_SECOND

_PROBE = "import agentdesk.app, textual.constants as c; print(c.MAX_FPS)"


def _max_fps(**env: str) -> int:
    clean = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    done = subprocess.run([sys.executable, "-c", _PROBE], env={**clean, **env},
                          capture_output=True, text=True, check=True)
    return int(done.stdout)


def test_the_console_sets_textuals_frame_rate_before_textual_loads() -> None:
    assert _max_fps() == FRAMES_PER_SECOND == 120


def test_a_frame_rate_in_the_environment_wins() -> None:
    assert _max_fps(TEXTUAL_FPS="30") == 30
