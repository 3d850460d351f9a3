"""bench/team-load: a team of agents and one poller on one store, on SQLite then PostgreSQL.

    bench/team-load                  8 agents + 1 poller, 60 s on each database
    bench/team-load --seconds 10     shorter
    bench/team-load --db sqlite      one database only (sqlite | postgresql | both)
    bench/team-load --url URL        an existing PostgreSQL instead of a throwaway one

Each agent is its own process (its own connections, as on a shared server) doing a
realistic mix: open a conversation, write a note, reply, assign (to itself or a
colleague), close or reopen, search; with a short pause between actions. The poller
process stores a new customer mail every 50 ms through the same path IMAP sync uses.

At the end it prints actions per second, p50/p95/p99 latency per action, every error
an agent would have seen, and checks that every note, reply and mail is in the store
and in the audit log exactly once (each carries a unique token), and that no state
change was logged more often than it was attempted. Exits 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import shutil
import statistics
import sys
import tempfile
import time
import traceback
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The mix of an agent's actions (weights).
MIX = {"open": 35, "search": 15, "note": 12, "reply": 15, "assign": 10, "close": 8, "reopen": 5}
SEED_SIZE = 2000
MAIL_EVERY = 0.05


def _desk(url: str, login: str) -> Any:
    from agentdesk.config import AgentSettings
    from agentdesk.services import Desk
    from agentdesk.store import Store

    return Desk(Store.open(url, migrate=False), AgentSettings(login, login.title()))


def agent_main(url: str, login: str, others: list[str], seconds: float, out: str, seed: int) -> None:
    """One agent's process: act until time is up, log (action, ms, token, error) lines."""
    from agentdesk.services import compose, conversations, inbox, search
    from agentdesk.services.views import View
    from agentdesk.store.models import Status

    rng = random.Random(seed)
    desk = _desk(url, login)
    actions, weights = zip(*MIX.items())
    log: list[dict[str, Any]] = []
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        action = rng.choices(actions, weights)[0]
        n += 1
        token = f"tok-{login}-{n}"
        error = None
        started = time.perf_counter()
        try:
            view = rng.choice([View.OPEN, View.UNASSIGNED, View.MINE])
            rows = inbox.page(desk, view, limit=50).rows or inbox.page(desk, View.ALL, limit=50).rows
            cid = rng.choice(rows).id
            started = time.perf_counter()  # the action itself (the inbox page above is a refresh)
            if action == "open":
                conversations.open_detail(desk, cid)
            elif action == "search":
                search.search(desk, rng.choice(["order", "refund", "broken", "kettle", "tok"]), limit=50)
            elif action == "note":
                compose.queue(desk, cid, f"checked {token}", compose.Kind.NOTE)
            elif action == "reply":
                compose.queue(desk, cid, f"Hello, about your order {token}")
            elif action == "assign":
                who = rng.choice([login, *others])
                conversations.assign_to(desk, cid, who)
            elif action == "close":
                conversations.set_status(desk, cid, Status.CLOSED)
            elif action == "reopen":
                conversations.set_status(desk, cid, Status.OPEN)
        except Exception as exc:  # what an agent would see on screen
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        ms = (time.perf_counter() - started) * 1000
        log.append({"action": action, "ms": ms, "token": token, "error": error})
        time.sleep(rng.uniform(0.02, 0.12))  # an agent's fingers, not a tight loop
    desk.store.dispose()
    Path(out).write_text(json.dumps(log))


def poller_main(url: str, seconds: float, out: str) -> None:
    """The poller service: store a customer mail every MAIL_EVERY seconds."""
    from agentdesk.channels.ingest import store_mail
    from agentdesk.store import Store

    store = Store.open(url, migrate=False)
    log: list[dict[str, Any]] = []
    end = time.monotonic() + seconds
    uid = 0
    while time.monotonic() < end:
        uid += 1
        token = f"mail-{uid}"
        raw = (
            f"From: Customer {uid % 300} <c{uid % 300}@load.test>\r\nTo: help@shop.test\r\n"
            f"Subject: Order question {token}\r\nMessage-ID: <{token}@load.test>\r\n"
            "Date: Thu, 26 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain\r\n\r\n"
            f"Where is my order? {token}\r\n"
        ).encode()
        started = time.perf_counter()
        error = None
        try:
            with store.session() as session:
                store_mail(session, "load", f"imap:load/INBOX:1:{uid}", raw)
        except Exception as exc:
            error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
        log.append({"action": "mail", "ms": (time.perf_counter() - started) * 1000, "token": token, "error": error})
        time.sleep(MAIL_EVERY)
    store.dispose()
    Path(out).write_text(json.dumps(log))


def _seed(url: str, size: int) -> None:
    from agentdesk.demo import write_demo
    from agentdesk.services import agents
    from agentdesk.store import Store

    store = Store.open(url)
    write_demo(store, size, agent_login="agent1")
    for i in range(1, 9):
        agents.add(store, f"agent{i}", f"Agent {i}")
    store.dispose()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


def _check(url: str, logs: list[dict[str, Any]]) -> list[str]:
    """Every note, reply and mail once in the store and once in the audit log."""
    from sqlalchemy import text

    from agentdesk.store import Store

    problems = []
    store = Store.open(url, migrate=False)
    with store.engine.connect() as conn:
        bodies = Counter()
        for (body,) in conn.execute(text("SELECT text FROM message WHERE text LIKE '%tok-%' OR text LIKE '%mail-%'")):
            for word in body.split():
                if word.startswith(("tok-", "mail-")):
                    bodies[word] += 1
        events = Counter(
            (actor, action) for actor, action in conn.execute(text("SELECT actor, action FROM event"))
        )
        per_message = conn.execute(
            text("SELECT count(*) FROM (SELECT detail FROM event WHERE action IN ('note','reply') "
                 "GROUP BY detail HAVING count(*) > 1) AS doubled")
        ).scalar()
    store.dispose()
    attempted: Counter[tuple[str, str]] = Counter()
    for entry in logs:
        if entry["error"]:
            continue
        if entry["action"] in ("note", "reply", "mail") and bodies[entry["token"]] != 1:
            problems.append(f"{entry['action']} {entry['token']} stored {bodies[entry['token']]} times")
        login = entry["token"].split("-")[1] if entry["token"].startswith("tok-") else "poller"
        attempted[(login, entry["action"])] += 1
    for (login, action), count in attempted.items():
        if action in ("note", "reply") and events[(login, action)] != count:
            problems.append(f"{login} {action}: {count} done, {events[(login, action)]} in the audit log")
        if action == "assign" and events[(login, "assign")] > count:
            problems.append(f"{login} assign: {count} done, {events[(login, 'assign')]} logged")
    if per_message:
        problems.append(f"{per_message} messages have more than one audit line")
    return problems


def run_one(name: str, url: str, seconds: float, n_agents: int, size: int = SEED_SIZE) -> bool:
    print(f"\n== {name}: seeding {size} conversations", flush=True)
    _seed(url, size)
    work = Path(tempfile.mkdtemp(prefix="agentdesk-load-"))
    logins = [f"agent{i}" for i in range(1, n_agents + 1)]
    ctx = multiprocessing.get_context("spawn")
    procs = [
        ctx.Process(target=agent_main, args=(url, login, [o for o in logins if o != login], seconds,
                                             str(work / f"{login}.json"), i))
        for i, login in enumerate(logins)
    ]
    procs.append(ctx.Process(target=poller_main, args=(url, seconds, str(work / "poller.json"))))
    print(f"== {name}: {n_agents} agents and 1 poller for {seconds:g} s", flush=True)
    for p in procs:
        p.start()
    for p in procs:
        p.join(seconds + 120)
    logs = []
    for path in sorted(work.glob("*.json")):
        logs += json.loads(path.read_text())
    shutil.rmtree(work, ignore_errors=True)
    by_action: dict[str, list[float]] = defaultdict(list)
    errors = Counter()
    for entry in logs:
        by_action[entry["action"]].append(entry["ms"])
        if entry["error"]:
            errors[entry["error"]] += 1
    agent_ms = [e["ms"] for e in logs if e["action"] != "mail"]
    print(f"{'action':<8} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for action in [*MIX, "mail"]:
        values = by_action.get(action, [])
        print(f"{action:<8} {len(values):>6} {_percentile(values, .5):>8.1f} "
              f"{_percentile(values, .95):>8.1f} {_percentile(values, .99):>8.1f}")
    print(f"{'all':<8} {len(agent_ms):>6} {_percentile(agent_ms, .5):>8.1f} "
          f"{_percentile(agent_ms, .95):>8.1f} {_percentile(agent_ms, .99):>8.1f}   (agents)")
    print(f"actions per second: {len(agent_ms) / seconds:.1f} (agents), "
          f"{len(by_action.get('mail', [])) / seconds:.1f} mails/s stored")
    print(f"errors shown to agents: {sum(errors.values())}")
    for error, count in errors.most_common(5):
        print(f"  {count} × {error}")
    problems = _check(url, logs)
    print("exactly once: " + ("every note, reply and mail is in the store and the audit log once"
                              if not problems else f"{len(problems)} problem(s)"))
    for problem in problems[:10]:
        print(f"  {problem}")
    p95 = statistics.quantiles(agent_ms, n=20)[-1] if len(agent_ms) >= 20 else 0.0
    if name == "sqlite":
        print(f"target p95 < 50 ms on SQLite: {'met' if p95 < 50 else 'MISSED'} ({p95:.1f} ms)")
    return not errors and not problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--agents", type=int, default=8)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--url", help="an existing PostgreSQL database (else a throwaway server)")
    parser.add_argument("--size", type=int, default=SEED_SIZE, help="conversations to start with")
    args = parser.parse_args(argv)
    ok = True
    if args.db in ("sqlite", "both"):
        path = Path(tempfile.mkdtemp(prefix="agentdesk-load-")) / "store.db"
        try:
            ok &= run_one("sqlite", f"sqlite:///{path}", args.seconds, args.agents, args.size)
        finally:
            shutil.rmtree(path.parent, ignore_errors=True)
    if args.db in ("postgresql", "both"):
        server = None
        url = args.url
        try:
            if url is None:
                from tests.pg import start_server

                server = start_server()
                url = server.create_database()
            ok &= run_one("postgresql", url, args.seconds, args.agents, args.size)
        except Exception:
            traceback.print_exc()
            ok = False
        finally:
            if server is not None:
                server.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
