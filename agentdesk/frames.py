"""How many frames a second the console asks Textual for; imported before Textual.

Textual reads TEXTUAL_FPS once, when it is first imported, and draws a changed screen
on its next frame tick: at most 60 a second by default, so a key waits up to 16.7 ms
for the frame that shows it (a move's p95 was ~15 ms, nearly all of it that wait). At
120 the wait is at most 8.3 ms and a move shows in ~5 ms (bench/run). Frames are only
drawn when something changed, so an idle console draws nothing either way. A
TEXTUAL_FPS already in the environment wins.
"""

from __future__ import annotations

import os

FRAMES_PER_SECOND = 120

os.environ.setdefault("TEXTUAL_FPS", str(FRAMES_PER_SECOND))
