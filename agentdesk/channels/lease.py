"""The poller lease: one row per account saying who polls it, until when.

A holder renews its lease well before it expires; another process takes over an
expired lease, or at once when the holder is a process on this machine that no
longer runs (a poller killed with SIGKILL must not block the next sync for the
whole lease time). Taking and renewing are single conditional statements, so of
two processes racing for a lease exactly one wins.
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import timedelta

from sqlalchemy import delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from agentdesk.clock import utcnow
from agentdesk.store import Store
from agentdesk.store.models import PollerLease

DEFAULT_TTL = timedelta(seconds=90)


def new_holder() -> str:
    """A holder id naming this host and process, unique per poller."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _holder_is_dead(holder: str) -> bool:
    """True when `holder` is a process of this host that has exited (or is a zombie)."""
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[-1].split()[0]
        return state in (b"Z", b"X")
    except FileNotFoundError:
        return True
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except PermissionError:
            return False
        return False


def acquire(store: Store, account: str, holder: str, ttl: timedelta = DEFAULT_TTL) -> bool:
    """Take or renew the lease on `account`; False while someone else holds it."""
    now = utcnow()
    expires = now + ttl
    with store.session() as session:
        taken = session.execute(
            update(PollerLease)
            .where(
                col(PollerLease.account) == account,
                (col(PollerLease.holder) == holder) | (col(PollerLease.expires_at) < now),
            )
            .values(holder=holder, expires_at=expires)
        )
        if taken.rowcount == 1:  # type: ignore[attr-defined]
            return True
        current = session.get(PollerLease, account)
        if current is not None:
            if not _holder_is_dead(current.holder):
                return False
            stolen = session.execute(
                update(PollerLease)
                .where(
                    col(PollerLease.account) == account, col(PollerLease.holder) == current.holder
                )
                .values(holder=holder, expires_at=expires)
            )
            return stolen.rowcount == 1  # type: ignore[attr-defined]
    try:
        with store.session() as session:
            session.execute(
                insert(PollerLease).values(account=account, holder=holder, expires_at=expires)
            )
        return True
    except IntegrityError:  # another process inserted it first
        return False


def holds(store: Store, account: str, holder: str) -> bool:
    """Whether `holder` still holds an unexpired lease on `account`."""
    with store.session() as session:
        lease = session.get(PollerLease, account)
        return lease is not None and lease.holder == holder and lease.expires_at > utcnow()


def release(store: Store, account: str, holder: str) -> None:
    """Give the lease up (only if we still hold it)."""
    with store.session() as session:
        session.execute(
            delete(PollerLease).where(
                col(PollerLease.account) == account, col(PollerLease.holder) == holder
            )
        )
