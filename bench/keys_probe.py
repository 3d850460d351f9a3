"""Figures 3 and 6, inside the console: key to screen, then peak memory.

    python -m bench.keys_probe DB CONFIG OUT.json [--presses N] [--opens N] [--views N]
                               [--queries JSON] [--bare]

bench/keys.py runs this on a pseudo-terminal, so the console has its real terminal
driver and writes every frame as a terminal would get it. The probe builds the app
with `make_app` on the opened store (the main screen the console shows once its first
frame has handed over, agentdesk/app.py) and wraps the app's display step: each key
is posted as the driver posts it, and its latency runs from that moment to the end of
the first frame written after the key's effect is in place (the cursor on the next
row; the opened conversation's customer, history and thread in their pane; the new
view's first page in the inbox). No Pilot idle waits are involved.

Between presses the probe waits a random 10-120 ms, like a person: sometimes shorter
than the preview delay (the highlighted conversation then loads later), sometimes
longer (a preview load then runs in a worker while the next key arrives).

The opens come before the searches, which run through the screen's own search
worker; the process's peak RSS after all of them is the memory figure. With `--bare`
the same probe presses up/down in bench/bare_app.py's DataTable: the floor.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import events

from agentdesk.app import make_app
from agentdesk.config import load_settings
from agentdesk.services import Desk
from agentdesk.store import Store

#: Keys and the character the terminal driver would give with them.
CHARS = {"enter": "\r", "escape": "\x1b"}


@dataclass
class Pending:
    kind: str
    started: float
    done: Callable[[], bool]


class Probe:
    """Presses keys one at a time and times each to the frame that shows its effect."""

    def __init__(self, app: Any, args: argparse.Namespace, queries: list[str]) -> None:
        self.app = app
        self.args = args
        self.queries = queries
        self.rng = random.Random(9)
        self.pending: Pending | None = None
        self.samples: dict[str, list[float]] = {"move": [], "open": [], "view": [], "search": []}
        self.steps: list[Callable[[], None]] = []
        self.errors: list[str] = []
        original = app._display  # the one place a frame goes to the terminal

        def display(screen: Any, renderable: Any) -> None:
            original(screen, renderable)
            if renderable is not None:
                self.frame()

        app._display = display

    # -- plumbing -------------------------------------------------------------

    @property
    def screen(self) -> Any:
        return self.app.screen

    def frame(self) -> None:
        pending = self.pending
        if pending is None or not pending.done():
            return
        self.samples[pending.kind].append((time.perf_counter() - pending.started) * 1000)
        self.pending = None
        self.app.set_timer(self.rng.uniform(0.010, float(os.environ.get("BENCH_GAP_MAX", "0.120"))), self.next_step)

    def press(self, key: str, kind: str, done: Callable[[], bool]) -> None:
        self.pending = Pending(kind, time.perf_counter(), done)
        char = CHARS.get(key, key if len(key) == 1 else None)
        self.app.post_message(events.Key(key, char))

    def next_step(self) -> None:
        if not self.steps:
            self.finish()
            return
        step = self.steps.pop(0)
        step()

    def watchdog(self) -> None:
        """A key whose effect never shows (a lost page): record it and go on."""
        pending = self.pending
        if pending is not None and time.perf_counter() - pending.started > 10:
            self.errors.append(f"{pending.kind}: no frame within 10 s")
            self.pending = None
            self.next_step()

    # -- the script -------------------------------------------------------------

    def start_bare(self) -> None:
        """The floor: the same presses on bench/bare_app.py's 50-row DataTable."""
        from textual.widgets import DataTable

        table = self.app.query_one(DataTable)
        self.app.set_interval(1.0, self.watchdog)
        for i in range(self.args.presses):
            down = (i // 20) % 2 == 0
            self.steps.append(self.table_move(table, "down" if down else "up"))
        self.next_step()

    def table_move(self, table: Any, key: str) -> Callable[[], None]:
        def step() -> None:
            target = max(0, min(table.cursor_row + (1 if key == "down" else -1), table.row_count - 1))
            self.press(key, "move", lambda: table.cursor_row == target)

        return step

    def start(self) -> None:
        inbox = self.screen.inbox_list
        if not inbox.rows:
            self.app.set_timer(0.05, self.start)
            return
        self.app.set_interval(1.0, self.watchdog)
        n = self.args.presses
        for i in range(n):
            self.steps.append(self.move("j" if (i // 40) % 4 != 3 else "k"))
        for _ in range(self.args.opens):
            self.steps.append(self.move("j"))
            self.steps.append(self.open())
        for _ in range(self.args.views):
            self.steps.append(self.switch_view())
        for query in self.queries:
            self.steps.append(self.search(query))
        self.next_step()

    def move(self, key: str) -> Callable[[], None]:
        def step() -> None:
            inbox = self.screen.inbox_list
            target = max(0, min(inbox.cursor + (1 if key == "j" else -1), len(inbox.rows) - 1))
            self.press(key, "move", lambda: inbox.cursor == target)

        return step

    def open(self) -> Callable[[], None]:
        def step() -> None:
            screen = self.screen
            row = screen.inbox_list.current
            target = row.id if row is not None else -1

            def shown() -> bool:
                detail = screen.customer.detail
                return detail is not None and detail.row.id == target

            self.press("enter", "open", shown)

        return step

    def switch_view(self) -> Callable[[], None]:
        def step() -> None:
            screen = self.screen
            before = screen.view

            def shown() -> bool:
                inbox = screen.inbox_list
                return screen.view is not before and (bool(inbox.rows) or inbox.empty_text != "Loading…")

            self.press("v", "view", shown)

        return step

    def search(self, query: str) -> Callable[[], None]:
        def step() -> None:
            screen = self.screen
            run = getattr(screen, "run_search", None)
            if run is None:
                self.errors.append("the screen has no run_search: searches not run in the TUI")
                self.steps = [s for s in self.steps if False]
                self.next_step()
                return
            self.pending = Pending("search", time.perf_counter(),
                                   lambda: getattr(screen, "search_query", None) == query)
            run(query)

        return step

    def finish(self) -> None:
        peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        inbox = getattr(self.screen, "inbox_list", None)
        result = {"samples": self.samples, "peak_rss_mb": peak_kb / 1024, "errors": self.errors,
                  "rows_loaded": len(inbox.rows) if inbox is not None else 0}
        Path(self.args.out).write_text(json.dumps(result))
        self.app.exit()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("config")
    parser.add_argument("out")
    parser.add_argument("--presses", type=int, default=220)
    parser.add_argument("--opens", type=int, default=200)
    parser.add_argument("--views", type=int, default=200)
    parser.add_argument("--queries", default="", help="a JSON list of search queries")
    parser.add_argument("--bare", action="store_true", help="the floor: bench/bare_app.py instead")
    args = parser.parse_args()
    queries = json.loads(args.queries) if args.queries else []
    if args.bare:
        from bench.bare_app import Bare

        app: Any = Bare()
        ready: Callable[[], bool] = lambda: bool(app.query("DataTable")) and app.query_one("DataTable").row_count > 0
    else:
        settings = load_settings(args.config)
        desk = Desk(Store.open(args.db), settings.agent)
        app = make_app(desk, settings)
        ready = lambda: bool(app.screen_stack) and hasattr(app.screen, "inbox_list")
    probe = Probe(app, args, queries)

    async def run() -> None:
        task = asyncio.create_task(app.run_async())
        while not app.is_running or not ready():
            if task.done():
                break
            await asyncio.sleep(0.02)
        else:
            app.call_later(probe.start_bare if args.bare else probe.start)
        await task

    profile = os.environ.get("BENCH_PROFILE")  # a pyinstrument text report of the whole probe
    if profile:
        from pyinstrument import Profiler

        with Profiler(interval=0.0005, async_mode="disabled") as profiler:
            asyncio.run(run())
        Path(profile).write_text(profiler.output_text(show_all=bool(os.environ.get("BENCH_PROFILE_ALL"))))
    else:
        asyncio.run(run())
    if not Path(args.out).exists():
        sys.exit("the probe ended before finishing")


if __name__ == "__main__":
    try:
        main()
    except Exception:  # stderr is the terminal: leave the reason where bench/keys.py looks
        import traceback

        Path(sys.argv[3]).with_suffix(".crash").write_text(traceback.format_exc())
        raise
