"""TLS and STARTTLS with a self-signed certificate (trusted through `ca_file`), and
config errors that name the key and the file."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from sqlmodel import select

from agentdesk.channels.accounts import load_accounts
from agentdesk.channels.poller import poll_once
from agentdesk.config import AgentSettings, ConfigError, load_settings
from agentdesk.services import Desk, compose
from agentdesk.store import Store
from agentdesk.store.models import Conversation
from tests.integration.email.conftest import mail, start_smtp
from tests.integration.email.servers import Dovecot


def _server_context(dovecot: Dovecot) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(dovecot.cert), str(dovecot.key))
    return context


@pytest.mark.parametrize("security", ["tls", "starttls"])
def test_imap_and_smtp_over_tls_verify_against_ca_file(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for, security: str
) -> None:
    context = _server_context(dovecot)
    smtp = start_smtp(ssl_context=context) if security == "tls" else start_smtp(tls_context=context)
    try:
        dovecot.append(mailbox, mail("Secure", message_id="<t1@customer.test>"))
        settings = settings_for(
            imap_security=security,
            smtp_security=security,
            smtp_port=smtp.port,
            ca_file=dovecot.cert,
        )
        report = poll_once(store, settings)
        assert report.errors == [] and report.new == 1
        with store.session() as session:
            conv_id = session.exec(select(Conversation.id)).one()
        compose.queue(Desk(store, AgentSettings("tester", "Tess")), conv_id, "Over TLS.")
        assert poll_once(store, settings).sent == 1
        assert smtp.sink.messages()[0]["In-Reply-To"] == "<t1@customer.test>"
    finally:
        smtp.controller.stop()


def test_an_untrusted_certificate_is_refused(
    dovecot: Dovecot, mailbox: str, store: Store, settings_for
) -> None:
    dovecot.append(mailbox, mail("Secure", message_id="<t2@customer.test>"))
    report = poll_once(store, settings_for(imap_security="tls"))
    assert report.new == 0
    assert "CERTIFICATE_VERIFY_FAILED" in report.errors[0]


def _load(tmp_path: Path, text: str) -> ConfigError:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_accounts(load_settings(path))
    assert str(path) in str(caught.value)
    return caught.value


ACCOUNT = """
[[accounts]]
name = "shop"
address = "help@shop.test"
[accounts.imap]
host = "{host}"
security = "{security}"
{extra}
"""


@pytest.mark.parametrize(
    ("host", "security", "extra", "key"),
    [
        ("imap.shop.test", "plain", "", "accounts[0].imap.security"),
        ("imap.shop.test", "ssl", "", "accounts[0].imap.security"),
        ("imap.shop.test", "tls", "port = 99999", "accounts[0].imap.port"),
        ("imap.shop.test", "tls", 'password = "hunter2"', "accounts[0].imap.password"),
        ("imap.shop.test", "tls", 'ca_file = "missing.pem"', "accounts[0].imap.ca_file"),
        ("imap.shop.test", "tls", "folders = []", "accounts[0].imap.folders"),
        ("imap.shop.test", "tls", 'hots = "typo"', "accounts[0].imap.hots"),
        (
            "imap.shop.test",
            "tls",
            'password_env = "A"\npassword_command = "b"',
            "accounts[0].imap.password_command",
        ),
    ],
)
def test_config_errors_name_the_key_and_the_file(
    tmp_path: Path, host: str, security: str, extra: str, key: str
) -> None:
    error = _load(tmp_path, ACCOUNT.format(host=host, security=security, extra=extra))
    assert error.key == key


def test_missing_imap_table_and_bad_address(tmp_path: Path) -> None:
    assert (
        _load(tmp_path, '[[accounts]]\nname = "a"\naddress = "a@b.test"\n').key
        == "accounts[0].imap"
    )
    assert (
        _load(tmp_path, '[[accounts]]\nname = "a"\naddress = "nope"\n').key == "accounts[0].address"
    )


def test_password_from_command_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "ok.toml"
    path.write_text(
        ACCOUNT.format(
            host="127.0.0.1",
            security="plain",
            extra="password_command = \"printf 's3cret\\\\nrest'\"",
        )
        + '[accounts.smtp]\nhost = "localhost"\npassword_env = "SHOP_SMTP_PW"\n'
    )
    [account] = load_accounts(load_settings(path))
    assert account.imap.password() == "s3cret"
    assert account.smtp is not None
    with pytest.raises(ConfigError) as caught:
        account.smtp.password()
    assert caught.value.key == "accounts[0].smtp.password_env"
    monkeypatch.setenv("SHOP_SMTP_PW", "pw")
    assert account.smtp.password() == "pw"


def test_sync_cli_reports_a_config_error_with_key_and_file(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "bad.toml"
    path.write_text(ACCOUNT.format(host="mail.shop.test", security="plain", extra=""))
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from agentdesk.cli import main; main()",
            "--db",
            str(tmp_path / "s.db"),
            "--config",
            str(path),
            "sync",
            "--once",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert "accounts[0].imap.security" in done.stderr and str(path) in done.stderr
