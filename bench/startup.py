"""Figure 2: cold start to the first painted inbox, as whole processes in a terminal.

Each run spawns a fresh process on a pseudo-terminal (a real Textual driver, as a
user's terminal would have it) with AGENTDESK_EXIT_AFTER_PAINT naming a file; the app
writes the wall-clock time of its first painted inbox there, then that of the whole
console being ready (store layer loaded, main screen on), and exits (see
agentdesk/app.py). Start-up is that time minus the time just before the spawn. The
floor is bench/bare_app.py, a bare Textual app painting a 50-row DataTable, measured
the same way in alternation with agentdesk so that machine noise hits both alike.
"""

from __future__ import annotations

import fcntl
import os
import pty
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from pathlib import Path

from bench.figures import median

ROOT = Path(__file__).resolve().parent.parent
COLUMNS, LINES = 120, 40


def _drain(fd: int) -> None:
    """Read the child's screen output until it closes, so it never blocks on writing."""
    while True:
        try:
            if not os.read(fd, 65536):
                return
        except OSError:
            return


def timed_process(argv: list[str], env: dict[str, str], timeout: float = 60.0) -> list[float]:
    """Milliseconds from spawn to each moment the child reports, one per line: its first
    painted inbox, then (agentdesk) the whole console ready."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
    with tempfile.TemporaryDirectory() as tmp:
        mark = Path(tmp) / "painted"
        env = {**env, "AGENTDESK_EXIT_AFTER_PAINT": str(mark), "TERM": "xterm-256color",
               "COLUMNS": str(COLUMNS), "LINES": str(LINES)}
        started = time.time()
        process = subprocess.Popen(argv, stdin=slave, stdout=slave, stderr=slave, env=env,
                                   cwd=ROOT, start_new_session=True)
        os.close(slave)
        reader = threading.Thread(target=_drain, args=(master,), daemon=True)
        reader.start()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise RuntimeError(f"{argv[0]} did not paint within {timeout} s")
        finally:
            os.close(master)
        if not mark.exists():
            raise RuntimeError(f"{' '.join(argv)} exited ({process.returncode}) without painting")
        lines = [line.split() for line in mark.read_text().splitlines() if line.strip()]
        return [(float(fields[0]) - started) * 1000 for fields in lines]


def bare_rss_mb(config: Path) -> float:
    """Peak RSS of the bare app (the memory floor), from one more run."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTDESK_")}
    with tempfile.TemporaryDirectory() as tmp:
        mark = Path(tmp) / "rss"
        master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", LINES, COLUMNS, 0, 0))
        process = subprocess.Popen(bare_argv(), stdin=slave, stdout=slave, stderr=slave,
                                   env={**env, "AGENTDESK_EXIT_AFTER_PAINT": str(mark), "TERM": "xterm-256color"},
                                   cwd=ROOT, start_new_session=True)
        os.close(slave)
        threading.Thread(target=_drain, args=(master,), daemon=True).start()
        process.wait(timeout=60)
        os.close(master)
        return float(mark.read_text().split()[1])


def agentdesk_argv(db: Path) -> list[str]:
    """`agentdesk --db DB`, the console's own entry point."""
    return [str(Path(sys.executable).with_name("agentdesk")), "--db", str(db)]


def bare_argv() -> list[str]:
    return [sys.executable, str(ROOT / "bench" / "bare_app.py")]


def measure(stores: dict[str, Path], config: Path, runs: int) -> dict[str, list[float]]:
    """Start-up times in ms, runs interleaved: "bare", and per store its first painted
    inbox (under the store's name) and the whole console ready ("<name> ready")."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AGENTDESK_")}
    env["AGENTDESK_CONFIG"] = str(config)
    # As installed: an installed package has its bytecode (pip compiles it), whatever
    # PYTHONDONTWRITEBYTECODE this shell has; compiling at every start is not start-up.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "agentdesk")],
                   check=True, stdout=subprocess.DEVNULL)
    times: dict[str, list[float]] = {"bare": []}
    for name in stores:
        times[name], times[f"{name} ready"] = [], []
    # One warm-up of each (page cache, .pyc files), not counted.
    timed_process(bare_argv(), env)
    for db in stores.values():
        timed_process(agentdesk_argv(db), env)
    for _ in range(runs):
        times["bare"].append(timed_process(bare_argv(), env)[0])
        for name, db in stores.items():
            painted, *ready = timed_process(agentdesk_argv(db), env)
            times[name].append(painted)
            times[f"{name} ready"].extend(ready)
    return times


def medians(times: dict[str, list[float]]) -> dict[str, float]:
    return {name: median(values) for name, values in times.items() if values}
