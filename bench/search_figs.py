"""Figure 4: search on the big store against notmuch on a maildir of the same mail.

Each query is a pair: agentdesk's search language, and the closest notmuch query
(operators notmuch has no equivalent for, like status:, are dropped on its side, so
notmuch gets the easier query). Both sides time the first page of results, run three
times after a warm-up, median per query; the figures are p50 / p95 / max over queries.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from bench.figures import median, percentile

#: (agentdesk query, notmuch query): common words to rare, AND, phrases, prefixes, operators.
QUERIES: list[tuple[str, str]] = [
    ("order", "order"),
    ("about", "about"),
    ("follow", "follow"),
    ("teapot", "teapot"),
    ("refund", "refund"),
    ("damaged", "damaged"),
    ("kettle", "kettle"),
    ("descale", "descale"),
    ("chargeback", "chargeback"),
    ("gorgeous", "gorgeous"),
    ("order teapot", "order and teapot"),
    ("refund kettle", "refund and kettle"),
    ("broken mug refund", "broken and mug and refund"),
    ('"tracking page"', '"tracking page"'),
    ('"arrived damaged"', '"arrived damaged"'),
    ('"order 10074"', '"order 10074"'),
    ("tea*", "tea*"),
    ("refun*", "refun*"),
    ("from:lovelace", "from:lovelace"),
    ("subject:refund", "subject:refund"),
    ("refund status:closed", "refund"),
    ("order -status:closed", "order"),
    ("broken channel:email", "broken"),
    ("damaged is:unassigned", "damaged"),
    ("teapot -broken", "teapot and not broken"),
    ("zyxwvut", "zyxwvut"),
]


def agentdesk_times(db: Path, login: str, repeat: int = 3) -> dict[str, float]:
    """Milliseconds per query (median of `repeat` after a warm-up), in this process."""
    from agentdesk.config import AgentSettings
    from agentdesk.services import Desk
    from agentdesk.services.search import search
    from agentdesk.store import Store

    store = Store.open(db)
    desk = Desk(store, AgentSettings(login, login))
    results: dict[str, float] = {}
    try:
        for query, _ in QUERIES:
            search(desk, query)
            times = []
            for _ in range(repeat):
                started = time.perf_counter()
                search(desk, query)
                times.append((time.perf_counter() - started) * 1000)
            results[query] = median(times)
    finally:
        store.dispose()
    return results


def notmuch_index(maildir: Path) -> float:
    """`notmuch new` on `maildir` (a fresh database); seconds taken."""
    config = maildir.parent / "notmuch-config"
    config.write_text(f"[database]\npath={maildir}\n[new]\ntags=unread;inbox;\n[maildir]\nsynchronize_flags=false\n")
    started = time.perf_counter()
    subprocess.run(["notmuch", "--config", str(config), "new", "--quiet"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def notmuch_times(maildir: Path, page: int) -> dict[str, float]:
    """Milliseconds per notmuch query, by agentdesk query, from the system python3."""
    with tempfile.TemporaryDirectory() as tmp:
        queries = Path(tmp) / "queries.json"
        out = Path(tmp) / "out.json"
        queries.write_text(json.dumps([q for _, q in QUERIES]))
        subprocess.run(
            ["/usr/bin/python3", str(Path(__file__).with_name("notmuch_side.py")), str(maildir),
             str(queries), str(out), "--page", str(page)],
            check=True,
        )
        by_notmuch = json.loads(out.read_text())["ms"]
    return {a: by_notmuch[n] for a, n in QUERIES}


def summary(times: dict[str, float]) -> dict[str, float]:
    values = list(times.values())
    return {"p50": median(values), "p95": percentile(values, 0.95), "max": max(values)}


def have_notmuch() -> bool:
    return shutil.which("notmuch") is not None and Path("/usr/bin/python3").exists()
