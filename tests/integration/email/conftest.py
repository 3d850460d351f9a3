"""Fixtures for the email tests: a real Dovecot per worker, a real aiosmtpd per test,
real SQLite store files, and a config file written the way a shop would write it."""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message as EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from agentdesk.config import Settings, load_settings
from agentdesk.store import Store
from tests.integration.email.servers import PASSWORD, Dovecot, free_port, start_dovecot


@pytest.fixture(scope="session")
def dovecot(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dovecot]:
    server = start_dovecot(tmp_path_factory.mktemp("dovecot"))
    try:
        yield server
    finally:
        server.remove()


@pytest.fixture
def mailbox(dovecot: Dovecot) -> str:
    """A Dovecot user (and so an INBOX) of this test alone."""
    return dovecot.user()


class Sink:
    """An aiosmtpd handler that keeps every mail, or refuses them while `refuse` is set."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse: str | None = None
        self.arrived = threading.Event()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse:
            return self.refuse
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content)))
        self.arrived.set()
        return "250 OK"

    def messages(self) -> list[EmailMessage]:
        return [message_from_bytes(raw) for _, _, raw in self.received]


@dataclass
class SmtpServer:
    port: int
    sink: Sink
    controller: Controller = field(repr=False)


def start_smtp(
    ssl_context: ssl.SSLContext | None = None, tls_context: ssl.SSLContext | None = None
) -> SmtpServer:
    sink = Sink()
    port = free_port()
    kwargs: dict[str, Any] = {}
    if tls_context is not None:
        kwargs.update(tls_context=tls_context, require_starttls=True)
    controller = Controller(
        sink, hostname="127.0.0.1", port=port, ssl_context=ssl_context, **kwargs
    )
    controller.start()
    return SmtpServer(port, sink, controller)


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp()
    try:
        yield server
    finally:
        server.controller.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    store = Store.open(tmp_path / "agentdesk.db")
    try:
        yield store
    finally:
        store.dispose()


def write_config(
    path: Path,
    dovecot: Dovecot,
    user: str,
    *,
    smtp_port: int | None = None,
    name: str = "shop",
    imap_security: str = "plain",
    smtp_security: str = "plain",
    ca_file: Path | None = None,
    extra_imap: str = "",
    batch_size: int = 50,
) -> Path:
    """A config file with one account on the test Dovecot (and aiosmtpd, if given)."""
    port = dovecot.imaps_port if imap_security == "tls" else dovecot.imap_port
    ca = f'ca_file = "{ca_file}"\n' if ca_file else ""
    text = f"""
[agent]
login = "tester"
name = "Tess Tester"

[[accounts]]
name = "{name}"
address = "help@shop.test"
display_name = "Shop Support"
batch_size = {batch_size}

[accounts.imap]
host = "{"localhost" if imap_security != "plain" else "127.0.0.1"}"
port = {port}
security = "{imap_security}"
user = "{user}"
password_env = "AGENTDESK_TEST_IMAP_PASSWORD"
{ca}{extra_imap}
"""
    if smtp_port is not None:
        text += f"""
[accounts.smtp]
host = "{"localhost" if smtp_security != "plain" else "127.0.0.1"}"
port = {smtp_port}
security = "{smtp_security}"
{ca}"""
    path.write_text(text)
    return path


@pytest.fixture(autouse=True)
def _imap_password(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENTDESK_TEST_IMAP_PASSWORD", PASSWORD)


@pytest.fixture
def settings_for(tmp_path: Path, dovecot: Dovecot, mailbox: str):  # type: ignore[no-untyped-def]
    """Settings for this test's mailbox; keyword arguments go to `write_config`."""

    def make(**kwargs: Any) -> Settings:
        path = write_config(tmp_path / "config.toml", dovecot, mailbox, **kwargs)
        return load_settings(path)

    return make


def mail(
    subject: str = "Where is my order?",
    *,
    sender: str = "Ada Customer <ada@customer.test>",
    message_id: str | None = "<m1@customer.test>",
    in_reply_to: str | None = None,
    references: str | None = None,
    body: str = "Hello, my order 1234 has not arrived.",
    extra: str = "",
) -> bytes:
    """A small RFC 822 mail as a customer's client would send it."""
    headers = [
        f"From: {sender}",
        "To: help@shop.test",
        f"Subject: {subject}",
        "Date: Thu, 26 Nov 2026 10:00:00 +0000",
    ]
    if message_id:
        headers.append(f"Message-ID: {message_id}")
    if in_reply_to:
        headers.append(f"In-Reply-To: {in_reply_to}")
    if references:
        headers.append(f"References: {references}")
    headers += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8"]
    if extra:
        headers.append(extra)
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()
