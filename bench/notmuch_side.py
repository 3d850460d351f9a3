"""The search peer: notmuch's Python bindings, run by the system python3 (python3-notmuch2).

    /usr/bin/python3 bench/notmuch_side.py MAILDIR QUERIES.json OUT.json [--page 50] [--repeat 3]

Opens the notmuch database at MAILDIR read-only and, for each query, times what a
mail UI does for a first screen: the newest `--page` threads with their subject and
authors (as agentdesk's search returns its first page of conversations). Each query
runs `--repeat` times after one warm-up; the median run counts, as for agentdesk.
Writes {query: ms} to OUT.json. Standard library and notmuch2 only (no venv here).
"""

from __future__ import annotations

import argparse
import json
import time

import notmuch2


def first_page(db: "notmuch2.Database", query: str, page: int) -> int:
    threads = db.threads(query, sort=notmuch2.Database.SORT.NEWEST_FIRST)
    n = 0
    for thread in threads:
        _ = (thread.subject, thread.authors, thread.matched)
        n += 1
        if n >= page:
            break
    return n


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("maildir")
    parser.add_argument("queries")
    parser.add_argument("out")
    parser.add_argument("--page", type=int, default=50)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with open(args.queries) as f:
        queries = json.load(f)
    db = notmuch2.Database(args.maildir, config=notmuch2.Database.CONFIG.EMPTY)
    results = {}
    counts = {}
    for query in queries:
        counts[query] = first_page(db, query, args.page)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            first_page(db, query, args.page)
            times.append((time.perf_counter() - started) * 1000)
        results[query] = sorted(times)[len(times) // 2]
    db.close()
    with open(args.out, "w") as f:
        json.dump({"ms": results, "threads": counts}, f)


if __name__ == "__main__":
    main()
