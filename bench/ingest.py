"""Figure 5: fetching a mailbox from a local Dovecot, agentdesk against mbsync + notmuch.

A throwaway Dovecot (the one the email tests start) gets the bench mail written
straight into its Maildir, and indexes it once before anything is timed (see
`_warm_up`). Then, in the same run:

* `agentdesk sync --once --no-send` into an empty store, as a whole process: fetch,
  parse, thread and index every message (searchable when it ends);
* the terminal user's pipeline for the same result: `mbsync` into a tmpfs Maildir,
  then `notmuch new` on it (fetched, then searchable);
* a no-op re-sync: agentdesk's `poll_once` in-process with nothing new (median of
  five), against a second `mbsync` run with nothing new.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.figures import median
from bench.mail_data import mails
from bench.search_figs import notmuch_index

ROOT = Path(__file__).resolve().parent.parent
PASSWORD_ENV = "AGENTDESK_BENCH_IMAP_PASSWORD"


#: Each side's first sync is timed this many times (the median counts): a single run
#: of either side moves by 20% on a busy two-core machine.
RUNS = 3


@dataclass
class IngestResult:
    messages: int
    agentdesk_s: float
    """Median of the runs."""
    stored: int
    mbsync_s: float | None
    notmuch_s: float | None
    noop_ms: float
    mbsync_noop_ms: float | None
    agentdesk_runs: list[float]
    peer_runs: list[float]
    """mbsync + notmuch new, each run; `mbsync_s` and `notmuch_s` are of the median run."""


def _config(path: Path, port: int, user: str) -> Path:
    path.write_text(f"""[agent]
login = "demo"
name = "Demo Agent"

[[accounts]]
name = "bench"
address = "help@shop.test"

[accounts.imap]
host = "127.0.0.1"
port = {port}
security = "plain"
user = "{user}"
password_env = "{PASSWORD_ENV}"
""")
    return path


def _mbsync_config(path: Path, port: int, user: str, password: str, near: Path) -> Path:
    path.write_text(f"""IMAPAccount bench
Host 127.0.0.1
Port {port}
User {user}
Pass {password}
SSLType None
AuthMechs LOGIN

IMAPStore far
Account bench

MaildirStore near
Path {near}/
Inbox {near}/INBOX
SubFolders Verbatim

Channel bench
Far :far:
Near :near:
Patterns INBOX
Create Near
Sync Pull
SyncState *
""")
    return path


def _mbsync(config: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(["mbsync", "-c", str(config), "-q", "bench"], capture_output=True)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"mbsync failed: {done.stderr.decode(errors='replace')[-500:]}")
    return elapsed


def _warm_up(dovecot: object, user: str) -> None:
    """Let Dovecot index the freshly written Maildir before either side is timed.

    Dovecot builds its index (UIDs, sizes) on the first access to a Maildir: ~0.5 s
    for 20,000 files here. Whichever client came first paid it, and agentdesk ran
    first, so it paid for mbsync too.
    """
    client = dovecot.client(user)  # type: ignore[attr-defined]
    try:
        client.select_folder("INBOX", readonly=True)
        uids = client.search(["ALL"])
        for start in range(0, len(uids), 2000):
            client.fetch(uids[start : start + 2000], ["RFC822.SIZE", "INTERNALDATE"])
    finally:
        client.logout()


def run(source_db: Path, count: int, work: Path) -> IngestResult:
    """Load `count` of the store's messages into Dovecot and time both sides."""
    sys.path.insert(0, str(ROOT))
    from tests.integration.email.servers import PASSWORD, start_dovecot

    from agentdesk.channels.poller import poll_once
    from agentdesk.config import load_settings
    from agentdesk.store import Store

    work.mkdir(parents=True, exist_ok=True)
    # A short path: Dovecot's unix sockets must fit in 108 bytes.
    dovecot_root = Path(tempfile.mkdtemp(prefix="agentdesk-bench-dovecot-"))
    dovecot = start_dovecot(dovecot_root)
    try:
        user = dovecot.user()
        raw = list(mails(source_db, count))
        dovecot.fill(user, raw)
        _warm_up(dovecot, user)
        config = _config(work / "ingest.toml", dovecot.imap_port, user)
        db = work / "ingest.db"
        env = {**os.environ, PASSWORD_ENV: PASSWORD}
        env.pop("AGENTDESK_DB", None)
        agentdesk = str(Path(sys.executable).with_name("agentdesk"))
        # As installed: pip compiles the package; a stale __pycache__ would be compiled
        # again on every run (and never written when PYTHONDONTWRITEBYTECODE is set).
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "agentdesk")], check=False)
        agentdesk_runs = []
        for _ in range(RUNS):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            started = time.perf_counter()
            done = subprocess.run(
                [agentdesk, "--config", str(config), "--db", str(db), "sync", "--once", "--no-send"],
                env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            agentdesk_runs.append(time.perf_counter() - started)
            if done.returncode != 0:
                raise RuntimeError(f"agentdesk sync failed: {done.stderr.decode(errors='replace')[-300:]}")

        os.environ[PASSWORD_ENV] = PASSWORD
        store = Store.open(db)
        settings = load_settings(config)
        with store.engine.connect() as conn:
            stored = int(conn.exec_driver_sql("SELECT count(*) FROM message").scalar_one())
        poll_once(store, settings, send=False)
        noops = []
        for _ in range(5):
            t = time.perf_counter()
            poll_once(store, settings, send=False)
            noops.append((time.perf_counter() - t) * 1000)
        store.dispose()

        pairs: list[tuple[float, float]] = []
        mbsync_noop = None
        if shutil.which("mbsync") and shutil.which("notmuch"):
            for attempt in range(RUNS):
                shm = Path(tempfile.mkdtemp(prefix="agentdesk-bench-",
                                            dir="/dev/shm" if Path("/dev/shm").is_dir() else None))
                try:
                    near = shm / "mail"
                    near.mkdir()
                    mconf = _mbsync_config(shm / "mbsyncrc", dovecot.imap_port, user, PASSWORD, near)
                    pairs.append((_mbsync(mconf), notmuch_index(near)))
                    if attempt == RUNS - 1:
                        mbsync_noop = median([_mbsync(mconf) * 1000 for _ in range(5)])
                finally:
                    shutil.rmtree(shm, ignore_errors=True)
        middle = sorted(pairs, key=sum)[len(pairs) // 2] if pairs else (None, None)
        return IngestResult(len(raw), median(agentdesk_runs), stored, middle[0], middle[1],
                            median(noops), mbsync_noop, agentdesk_runs, [sum(p) for p in pairs])
    finally:
        dovecot.stop()
        shutil.rmtree(dovecot_root, ignore_errors=True)


def _source_store(work: Path, count: int) -> Path:
    """The bench's big store if it was built, else a demo store of about `count` messages."""
    big = ROOT / "tmp" / "bench-data" / "full" / "big.db"
    if big.exists():
        return big
    small = work / "source.db"
    if not small.exists():
        config = work / "config.toml"
        config.write_text('[agent]\nlogin = "demo"\nname = "Demo Agent"\n')
        agentdesk = str(Path(sys.executable).with_name("agentdesk"))
        subprocess.run([agentdesk, "--config", str(config), "demo", "--path", str(small), "--size",
                        str(max(count // 10, 1)), "--messages", str(count + count // 5), "--no-tui"],
                       check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return small


def main() -> None:
    """`python -m bench.ingest`: figure 5 alone, to iterate on the intake path."""
    import argparse

    parser = argparse.ArgumentParser(description="figure 5 alone: agentdesk sync vs mbsync + notmuch")
    parser.add_argument("--count", type=int, default=20_000, help="messages in the mailbox")
    parser.add_argument("--source", type=Path, help="store to take the mail from (default: the bench's)")
    parser.add_argument("--work", type=Path, default=ROOT / "tmp" / "bench-ingest")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    source = args.source or _source_store(args.work, args.count)
    result = run(source, args.count, args.work)
    print(f"agentdesk sync --once: {result.agentdesk_s:.2f} s for {result.messages:,} messages "
          f"({result.messages / result.agentdesk_s:,.0f} msg/s), {result.stored:,} stored; "
          f"runs {', '.join(f'{t:.2f}' for t in result.agentdesk_runs)}")
    if result.mbsync_s is not None and result.notmuch_s is not None:
        peer = result.mbsync_s + result.notmuch_s
        print(f"mbsync {result.mbsync_s:.2f} s + notmuch new {result.notmuch_s:.2f} s = {peer:.2f} s "
              f"(runs {', '.join(f'{t:.2f}' for t in result.peer_runs)}); "
              f"ratio {result.agentdesk_s / peer:.3f} (target <= 0.5)")
    print(f"no-op re-sync {result.noop_ms:.1f} ms (mbsync no-op {result.mbsync_noop_ms or 0:.1f} ms)")


if __name__ == "__main__":
    main()
