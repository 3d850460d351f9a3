"""How long reports take on a shop-scale store (issue: under a second for 90 days).

    .venv/bin/python bench/reports_bench.py [--path F] [--size 100000] [--messages 1000000]

Writes the demo store at F if it is missing (what `agentdesk demo --path F --size N
--messages M --no-tui` writes), then gives it the audit trail a real store would have
and the demo leaves out: a "reply" event per reply, a close event per closed
conversation, a reopen and second close on every 20th of those, and a CSAT rating on
every 5th. Without them the report would skip work it does in real life.

Then it times the report for 7, 30 and 90 days in-process (the Reports screen's cost)
and `agentdesk report` for 90 days as a fresh process (the CLI's cost, Python start-up
and store check included), and prints the figures. `run(path)` is what bench/run calls.

`--statements` prints instead what each of the report's statements costs for the last
90 days, run one after the other on one connection (CPU time of this process, so a busy
machine disturbs it less than the wall time): where to look next.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from agentdesk.config import AgentSettings  # noqa: E402
from agentdesk.demo import write_demo  # noqa: E402
from agentdesk.services import Desk  # noqa: E402
from agentdesk.services.reports import Period, build_report  # noqa: E402
from agentdesk.store import Store  # noqa: E402

#: The figure the issue asks for: a 90-day report in under this many milliseconds.
BUDGET_MS = 1000.0

_HISTORY = [
    # One "reply" event per reply, as compose.queue writes them.
    """INSERT INTO event (at, actor, action, conversation_id, detail)
       SELECT sent_at, author_address, 'reply', conversation_id, 'message ' || id
       FROM message WHERE direction = 'out'""",
    # Every 20th closed conversation was closed once before, then reopened by the customer.
    """INSERT INTO event (at, actor, action, conversation_id, detail)
       SELECT datetime(closed_at, '-2 days'), 'demo', 'status:closed', id, ''
       FROM conversation WHERE status = 'closed' AND id % 20 = 0""",
    """INSERT INTO event (at, actor, action, conversation_id, detail)
       SELECT datetime(closed_at, '-1 days'), 'customer', 'status:open', id, 'was closed'
       FROM conversation WHERE status = 'closed' AND id % 20 = 0""",
    """INSERT INTO event (at, actor, action, conversation_id, detail)
       SELECT closed_at, 'demo', 'status:closed', id, ''
       FROM conversation WHERE status = 'closed'""",
    # A rating on every 5th closed conversation, 1 to 5, an hour after the close.
    """INSERT INTO csat_rating (conversation_id, message_id, rating, comment, rated_at, agent_id)
       SELECT c.id, (SELECT max(m.id) FROM message m WHERE m.conversation_id = c.id),
              1 + ((c.id / 5) * 7) % 5, '', datetime(c.closed_at, '+1 hours'), c.assignee_id
       FROM conversation c WHERE c.status = 'closed' AND c.id % 5 = 0""",
]


def prepare(path: Path, size: int, messages: int) -> Store:
    """The bench store at `path`: written and given its history once, reused after."""
    if not path.exists():
        store = Store.open(path)
        started = time.perf_counter()
        write_demo(store, size, messages=messages)
        print(f"demo store written in {time.perf_counter() - started:.0f} s: {path}")
    store = Store.open(path)
    with store.engine.begin() as conn:
        done = conn.execute(text("SELECT value FROM meta WHERE key = 'bench_history'")).first()
        if done is None:
            for statement in _HISTORY:
                conn.execute(text(statement))
            conn.execute(text("INSERT INTO meta (key, value) VALUES ('bench_history', '1')"))
        counts = conn.execute(text(
            "SELECT (SELECT count(*) FROM conversation), (SELECT count(*) FROM message),"
            " (SELECT count(*) FROM event), (SELECT count(*) FROM csat_rating)")).one()
    print(f"store: {counts[0]:,} conversations, {counts[1]:,} messages, "
          f"{counts[2]:,} events, {counts[3]:,} ratings")
    return store


def time_report_cpu(store: Store, days: int, repeat: int = 5) -> list[tuple[float, float]]:
    """(wall ms, CPU ms of all threads) for `repeat` reports of the last `days` days.

    The first report warms the page cache and is not counted. CPU time is printed too:
    on a machine busy with other work the wall time says more about the neighbours.
    """
    desk = Desk(store, AgentSettings("bench", "Bench"))
    build_report(desk, Period.last(days))
    times = []
    for _ in range(repeat):
        cpu = time.process_time()
        wall = build_report(desk, Period.last(days)).elapsed_ms
        times.append((wall, (time.process_time() - cpu) * 1000))
    return times


def time_report(store: Store, days: int, repeat: int = 5) -> list[float]:
    """Wall milliseconds of `repeat` reports of the last `days` days (bench/run uses it)."""
    return [wall for wall, _ in time_report_cpu(store, days, repeat)]


def time_statements(store: Store, days: int = 90, repeat: int = 5) -> list[tuple[str, float]]:
    """(statement, median CPU ms) for each statement of a report of the last `days` days."""
    from agentdesk.services import report_sql as q
    from agentdesk.services.reports import BACKLOG_BUCKETS, first_targets

    period = Period.last(days)
    before, now = period.previous(), period.until
    d = q.Dialect(store.engine.dialect.name)
    targets = first_targets()
    since, until = period.since, period.until
    jobs: dict[str, Callable[[Connection], object]] = {
        "cells (the period)": lambda c: q.cells(c, d, since, until, now, *targets),
        "cells (the period before)": lambda c: q.cells(
            c, d, before.since, before.until, now, *targets, headline_only=True),
        "longest wait": lambda c: q.longest_wait(c, d, since, until, now),
        "tags": lambda c: q.tags(c, d, since, until),
        "tag sums": lambda c: q.tag_sums(c, d, since, until, now, *targets),
        "replies by author": lambda c: q.replies_by_author(c, d, since, until),
        "backlog": lambda c: q.backlog(c, now, [edge for _, edge in BACKLOG_BUCKETS[:-1]]),
        "ratings": lambda c: q.ratings(c, d, since, until),
        "ratings (the period before)": lambda c: q.rating_counts(c, before.since, before.until),
    }
    costs = []
    with store.engine.connect() as conn:
        q.prepare(conn)
        for name, job in jobs.items():
            job(conn)
            times = []
            for _ in range(repeat):
                cpu = time.process_time()
                job(conn)
                times.append((time.process_time() - cpu) * 1000)
            costs.append((name, statistics.median(times)))
    return costs


def time_cli_in_process(path: Path, days: int = 90) -> float:
    """Milliseconds for `agentdesk report --json` run in this process (store check,
    report and JSON included; interpreter start-up and imports not)."""
    from typer.testing import CliRunner

    from agentdesk.cli import app

    since = (Period.last(days).since).date().isoformat()
    args = ["--db", str(path), "report", "--since", since, "--json"]
    CliRunner().invoke(app, args)
    started = time.perf_counter()
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return (time.perf_counter() - started) * 1000


def time_cli(path: Path, days: int = 90, runs: int = 1) -> list[float]:
    """Milliseconds for `agentdesk report --json` over `days` days, as fresh processes
    (after one run not counted: the page cache and .pyc files, as on a machine in use)."""
    since = (Period.last(days).since).date().isoformat()
    argv = [sys.executable, "-c", "from agentdesk.cli import main; main()", "--db", str(path),
            "report", "--since", since, "--json"]
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
        times.append((time.perf_counter() - started) * 1000)
    return times


def run(path: Path, size: int = 100_000, messages: int = 1_000_000) -> bool:
    """Print the figures; True when the 90-day report is within budget."""
    store = prepare(path, size, messages)
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ok = True
    for days in (7, 30, 90):
        times = time_report_cpu(store, days)
        walls = [wall for wall, _ in times]
        cpu = statistics.median(c for _, c in times)
        print(f"report {days:>2} days: median {statistics.median(walls):6.0f} ms, "
              f"worst {max(walls):6.0f} ms (CPU {cpu:.0f} ms, all threads)")
        if days == 90:
            ok = statistics.median(walls) < BUDGET_MS
    store.dispose()
    print(f"agentdesk report --json (90 days, in-process): {time_cli_in_process(path):.0f} ms")
    cli = statistics.median(time_cli(path, runs=5))
    print(f"agentdesk report --json (90 days, fresh process, start-up included): median {cli:.0f} ms of 5")
    ok = ok and cli < BUDGET_MS
    print(f"reports: {'OK' if ok else 'TOO SLOW'} (budget {BUDGET_MS:.0f} ms median for 90 days, "
          "in-process and as a fresh process)")
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--path", type=Path, default=ROOT / "tmp" / "bench" / "reports.db")
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--statements", action="store_true",
                        help="print the CPU time of each report statement (90 days)")
    args = parser.parse_args()
    args.path.parent.mkdir(parents=True, exist_ok=True)
    if args.statements:
        store = prepare(args.path, args.size, args.messages)
        costs = time_statements(store)
        for name, ms in costs:
            print(f"{name:<28} {ms:6.1f} ms CPU")
        print(f"{'all, one after the other':<28} {sum(ms for _, ms in costs):6.1f} ms CPU")
        store.dispose()
        return
    sys.exit(0 if run(args.path, args.size, args.messages) else 1)


if __name__ == "__main__":
    main()
