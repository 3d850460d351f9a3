"""bench/run: agentdesk at shop scale, every figure beside its floor or peer.

    bench/run            100,000 conversations, 1,000,000 messages (about 5 minutes)
    bench/run --quick    1,000 conversations, 10,000 messages (under a minute; CI)

Builds its own data under --work (tmp/bench-data by default), prints one table and
writes the same figures to bench/results.json. A figure that cannot be measured (a
missing tool) is shown as not measured. Exits 0 whatever the figures say: it is a
measurement, not a test.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.figures import Figure, table, write_json

ROOT = Path(__file__).resolve().parent.parent
APT_PACKAGES = {"mbsync": "isync", "notmuch": "notmuch", "dovecot": "dovecot-imapd"}


@dataclass(frozen=True)
class Scale:
    """How big each part of the run is."""

    conversations: int
    messages: int
    small_conversations: int
    startup_runs: int
    presses: int
    opens: int
    views: int
    searches: int
    notmuch_messages: int
    ingest_messages: int


FULL = Scale(100_000, 1_000_000, 1_000, 7, 220, 200, 200, 20, 100_000, 20_000)
QUICK = Scale(1_000, 10_000, 100, 3, 40, 20, 10, 5, 2_000, 1_000)


def say(text: str) -> None:
    print(f"· {text}", file=sys.stderr, flush=True)


def _missing() -> list[str]:
    missing = [pkg for tool, pkg in APT_PACKAGES.items() if shutil.which(tool) is None]
    if subprocess.run(["/usr/bin/python3", "-c", "import notmuch2"], capture_output=True).returncode:
        missing.append("python3-notmuch2")
    return missing


def ensure_packages() -> list[str]:
    """Install the peers' Debian packages when missing (as root); what is still missing."""
    missing = _missing()
    if missing and os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"installing {' '.join(missing)}")
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", *missing], env=env, **quiet).returncode:
            subprocess.run(["apt-get", "update"], env=env, **quiet)
            subprocess.run(["apt-get", "install", "-y", *missing], env=env, **quiet)
        missing = _missing()
    return missing


def build_store(path: Path, conversations: int, messages: int, config: Path) -> float:
    """`agentdesk demo` at size, as a process; seconds."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    agentdesk = str(Path(sys.executable).with_name("agentdesk"))
    started = time.perf_counter()
    subprocess.run(
        [agentdesk, "--config", str(config), "demo", "--path", str(path), "--size", str(conversations),
         "--messages", str(messages), "--no-tui"],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


class Run:
    """Collects figures; a part that fails adds its figures as not measured."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []

    def part(self, title: str, body: Callable[[], list[Figure]], fallback: list[str]) -> None:
        say(title)
        started = time.perf_counter()
        try:
            self.figures += body()
        except Exception as error:  # a measurement run reports, never stops
            traceback.print_exc(file=sys.stderr)
            reason = f"not measured: {type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
            self.figures += [Figure(name, None, "", note=reason[:200]) for name in fallback]
        say(f"{title}: {time.perf_counter() - started:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="the small version (10,000 messages)")
    parser.add_argument("--work", type=Path, default=ROOT / "tmp" / "bench-data", help="where the data goes")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args()
    scale = QUICK if args.quick else FULL
    work = args.work.resolve() / ("quick" if args.quick else "full")
    work.mkdir(parents=True, exist_ok=True)
    config = work / "config.toml"
    config.write_text('[agent]\nlogin = "demo"\nname = "Demo Agent"\n')
    big, small = work / "big.db", work / "small.db"
    missing = ensure_packages()
    run = Run()
    label = f"{scale.conversations // 1000}k conv / {scale.messages // 1000}k msg"
    state: dict[str, float] = {}

    from bench import figures_parts as parts

    run.part("building the stores", lambda: parts.build(big, small, scale, config, label, state, work),
             ["store build"])
    run.part("cold start", lambda: parts.startup(big, small, scale, config, label, state),
             ["cold start, big store", "cold start, small store", "start-up growth"])
    run.part("keys, searches and memory in the console",
             lambda: parts.keys(big, scale, config, state), parts.KEY_FIGURES)
    run.part("search vs notmuch", lambda: parts.search(big, scale, work, state), parts.SEARCH_FIGURES)
    run.part("ingest vs mbsync + notmuch", lambda: parts.ingest(big, scale, work), parts.INGEST_FIGURES)
    run.part("reports", lambda: parts.reports(big, scale),
             ["90-day report (in-process)", "`agentdesk report` 90 days, fresh process"])
    parts.build_rate_peer(run.figures, state)

    print(f"agentdesk bench{' --quick' if args.quick else ''}: {label}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    if missing:
        print(f"missing packages (peers not measured): {' '.join(missing)}")
    print(table(run.figures))
    meta = {"quick": args.quick, "conversations": scale.conversations, "messages": scale.messages,
            "cores": os.cpu_count(), "python": platform.python_version(),
            "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
    write_json(run.figures, args.out, meta)
    print(f"\nwritten: {args.out}")


if __name__ == "__main__":
    main()
