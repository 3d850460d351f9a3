"""The cold-start floor: a bare Textual app that paints a 50-row DataTable, then exits.

Run as a whole process by bench/startup.py, exactly like agentdesk: it writes the
wall-clock time (time.time()) of its first painted frame to the file named by
AGENTDESK_EXIT_AFTER_PAINT (followed by its peak RSS in MB, the memory floor), then
exits.
"""

from __future__ import annotations

import os
import resource
import time
from pathlib import Path

from textual.app import App, ComposeResult
from textual.widgets import DataTable


class Bare(App[None]):
    """Fifty rows of five columns, the smallest table-shaped screen."""

    def compose(self) -> ComposeResult:
        yield DataTable()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("id", "channel", "customer", "subject", "status")
        table.add_rows([(str(n), "email", f"Customer {n}", f"Subject line {n}", "open") for n in range(50)])
        self.call_after_refresh(self._painted)

    def _painted(self) -> None:
        target = os.environ.get("AGENTDESK_EXIT_AFTER_PAINT")
        if target:  # the start-up probe; bench/keys_probe.py --bare keeps it running
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            Path(target).write_text(f"{time.time()!r} {peak_mb:.1f}")
            self.exit()


if __name__ == "__main__":
    Bare().run()
