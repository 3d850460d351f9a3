"""The parts of bench/run, one function per figure group, each returning its Figures."""

from __future__ import annotations

import contextlib
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bench.figures import Figure, check, median, percentile

if TYPE_CHECKING:
    from bench.main import Scale

KEY_FIGURES = ["move p50", "move p95", "open p50", "open p95", "switch view p50", "switch view p95",
               "peak RSS"]
SEARCH_FIGURES = ["search p50", "search p95", "search max"]
INGEST_FIGURES = ["sync from empty", "no-op re-sync"]


def build(big: Path, small: Path, scale: Scale, config: Path, label: str, state: dict[str, float],
          work: Path) -> list[Figure]:
    """Figure 1: the demo generator at size, as `agentdesk demo` runs it."""
    from bench.main import build_store

    seconds = build_store(big, scale.conversations, scale.messages, config)
    build_store(small, scale.small_conversations, scale.small_conversations * 10, config)
    state["build_s"] = seconds
    return [Figure(f"store build ({label})", scale.messages / seconds, "msg/s",
                   note=f"{seconds:.1f} s for {scale.messages:,} messages; peer: notmuch's indexing rate, "
                        "measured in the search part")]


def startup(big: Path, small: Path, scale: Scale, config: Path, label: str,
            state: dict[str, float]) -> list[Figure]:
    """Figure 2: cold start to first painted inbox, whole processes, medians."""
    from bench import startup as probe

    times = probe.measure({"big": big, "small": small}, config, scale.startup_runs)
    m = probe.medians(times)
    state["bare_ms"] = m["bare"]
    state["bare_rss"] = probe.bare_rss_mb(config)
    floor = "bare Textual app, 50-row DataTable"
    return [
        check(Figure(f"cold start to inbox ({label})", m["big"], "ms", m["bare"], floor, "ratio <= 1.5"),
              lambda f: (f.ratio or 99) <= 1.5),
        check(Figure(f"cold start to inbox ({scale.small_conversations:,} conv)", m["small"], "ms", m["bare"],
                     floor, "ratio <= 1.5"), lambda f: (f.ratio or 99) <= 1.5),
        check(Figure("start-up growth (big vs small store)", m["big"], "ms", m["small"],
                     "same start on the small store", "ratio <= 1.10"), lambda f: (f.ratio or 99) <= 1.10),
        Figure(f"cold start to whole console ready ({label})", m.get("big ready", 0.0), "ms", m["bare"], floor,
               note="store layer imported, main screen on, keys all live; the inbox shows before this"),
    ]


def keys(big: Path, scale: Scale, config: Path, state: dict[str, float]) -> list[Figure]:
    """Figures 3 and 6: key to screen in the console, then its peak RSS."""
    from bench import keys as probe
    from bench.search_figs import QUERIES

    queries = [q for q, _ in QUERIES][: scale.searches]
    result = probe.run_probe(big, config, presses=scale.presses, opens=scale.opens, views=scale.views,
                             queries=queries)
    samples = result["samples"]
    note = "; ".join(result["errors"])
    # The floor: the same cursor moves in the bare Textual app's 50-row DataTable.
    floor = probe.run_probe(big, config, presses=scale.presses, opens=0, views=0, queries=[], bare=True)
    floor_moves = floor["samples"].get("move") or []
    floor_p = {"p50": median(floor_moves), "p95": percentile(floor_moves, 0.95)} if floor_moves else {}
    figures: list[Figure] = []
    for kind, name, limit in (("move", "j/k move", 16.0), ("open", "open conversation", 50.0),
                              ("view", "switch view", None)):
        values = samples.get(kind) or []
        n = len(values)
        peer = floor_p if kind == "move" else {}
        peer_name = "bare app, DataTable cursor move" if peer else ""
        figures.append(Figure(f"key to screen: {name} p50 (n={n})", median(values) if values else None, "ms",
                              peer.get("p50"), peer_name))
        p95 = Figure(f"key to screen: {name} p95 (n={n})", percentile(values, 0.95) if values else None, "ms",
                     peer.get("p95"), peer_name, target=f"<= {limit:.0f} ms" if limit else "")
        figures.append(check(p95, lambda f, limit=limit: f.value <= limit) if limit else p95)
    if note:
        figures[-1].note = note
    searches = samples.get("search") or []
    opened = len(samples.get("open") or [])
    figures.append(check(
        Figure(f"peak RSS after {opened} opens + {len(searches)} searches", result["peak_rss_mb"], "MB",
               state.get("bare_rss"), "bare Textual app", "<= 150 MB"),
        lambda f: f.value <= 150))
    if searches:
        figures.append(Figure(f"search in the console, key to results p95 (n={len(searches)})",
                              percentile(searches, 0.95), "ms"))
    return figures


def search(big: Path, scale: Scale, work: Path, state: dict[str, float]) -> list[Figure]:
    """Figure 4: the search queries on the big store, notmuch on a maildir of the same mail."""
    from bench import mail_data, search_figs

    ours = search_figs.agentdesk_times(big, "demo")
    mine = search_figs.summary(ours)
    peer: dict[str, float] = {}
    note = f"{len(ours)} queries, first page, median of 3 runs each"
    if search_figs.have_notmuch():
        maildir = work / "notmuch" / "mail"
        shutil.rmtree(maildir.parent, ignore_errors=True)
        count = mail_data.write_maildir(maildir, mail_data.mails(big, scale.notmuch_messages))
        index_s = search_figs.notmuch_index(maildir)
        from agentdesk.services.inbox import PAGE_SIZE

        peer = search_figs.summary(search_figs.notmuch_times(maildir, PAGE_SIZE))
        note += f"; notmuch on {count:,} messages (indexed at {count / index_s:,.0f} msg/s)"
        state["notmuch_rate"] = count / index_s
    else:
        note += "; notmuch missing"
    slowest = max(ours, key=lambda q: ours[q])
    note += f"; slowest: {slowest} ({ours[slowest]:.0f} ms)"
    figures = [
        check(Figure("search p50", mine["p50"], "ms", peer.get("p50"), "notmuch (python3-notmuch2)",
                     "<= notmuch's median", note=note),
              lambda f: peer.get("p50") is not None and f.value <= peer["p50"]),
        check(Figure("search p95", mine["p95"], "ms", peer.get("p95"), "notmuch", "<= 50 ms"),
              lambda f: f.value <= 50),
        check(Figure("search max", mine["max"], "ms", peer.get("max"), "notmuch", "<= 150 ms"),
              lambda f: f.value <= 150),
    ]
    return figures


def ingest(big: Path, scale: Scale, work: Path) -> list[Figure]:
    """Figure 5: `agentdesk sync --once` vs mbsync + notmuch new; no-op re-sync."""
    from bench import ingest as probe

    result = probe.run(big, scale.ingest_messages, work / "ingest")
    peer_s = None if result.mbsync_s is None or result.notmuch_s is None else result.mbsync_s + result.notmuch_s
    note = (f"{result.messages:,} messages, {result.stored:,} stored, "
            f"{result.messages / result.agentdesk_s:,.0f} msg/s (process start included); "
            f"median of {len(result.agentdesk_runs)} runs each: "
            f"{' '.join(f'{t:.2f}' for t in result.agentdesk_runs)} s")
    if peer_s is not None:
        note += (f"; peer {' '.join(f'{t:.2f}' for t in result.peer_runs)} s, its median run "
                 f"mbsync {result.mbsync_s:.2f} s + notmuch new {result.notmuch_s:.2f} s")
    return [
        check(Figure(f"sync from empty ({result.messages:,} msgs)", result.agentdesk_s, "s", peer_s,
                     "mbsync to tmpfs + notmuch new", "ratio <= 0.5", note=note),
              lambda f: f.ratio is not None and f.ratio <= 0.5),
        check(Figure("no-op re-sync (in-process)", result.noop_ms, "ms", result.mbsync_noop_ms,
                     "mbsync no-op (process)", "<= 50 ms"), lambda f: f.value <= 50),
    ]


def reports(big: Path, scale: Scale) -> list[Figure]:
    """Figure 7: the 90-day report on the big store (bench/reports_bench.py gives it history)."""
    path = Path(__file__).with_name("reports_bench.py")
    if not path.exists():
        return [Figure("90-day report", None, "ms", target="< 1000 ms", note="bench/reports_bench.py missing")]
    sys.path.insert(0, str(path.parent))
    import reports_bench  # type: ignore[import-not-found]

    with contextlib.redirect_stdout(sys.stderr):  # its progress lines are not the table
        store = reports_bench.prepare(big, scale.conversations, scale.messages)
    try:
        times = reports_bench.time_report(store, 90)
    finally:
        store.dispose()
    cli = reports_bench.time_cli(big, runs=5)
    return [
        check(Figure("90-day report (worst of 5, in-process: the Reports screen)", max(times), "ms",
                     target="< 1000 ms", note=f"median {median(times):.0f} ms"),
              lambda f: f.value < 1000),
        check(Figure("`agentdesk report` 90 days, fresh process (median of 5)", median(cli), "ms",
                     target="< 1000 ms", note=f"worst {max(cli):.0f} ms; Python start-up and imports included"),
              lambda f: f.value < 1000),
    ]


def build_rate_peer(figures: list[Figure], state: dict[str, float]) -> None:
    """Put notmuch's indexing rate (from the search part) beside the build rate."""
    rate = state.get("notmuch_rate")
    for figure in figures:
        if figure.name.startswith("store build") and rate:
            figure.peer, figure.peer_name = rate, "notmuch new (indexing)"
