"""The email channel's way out: the outbox's Sender for SMTP.

A reply gets its Message-ID saved in the store *before* it is handed to the SMTP
server, so a retry sends the very same Message-ID and a customer's answer threads
even if we crash right after the server accepted the mail. In-Reply-To and
References come from the message the reply answers, the subject gets one `Re: `,
From is the account's address with its display name. Every header value passes
through `one_line` (no CR/LF, no control characters), so nothing a customer
wrote can add a header.
"""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from sqlalchemy import update
from sqlmodel import col, select

from agentdesk.channels.accounts import Account, ServerSettings
from agentdesk.channels.outbox import OutgoingReply, PermanentFailure
from agentdesk.services.compose import reply_subject
from agentdesk.store import Store
from agentdesk.store.models import ContactPoint, Conversation, Direction, Message
from agentdesk.text import one_line

log = logging.getLogger(__name__)

#: References keeps the thread's root and its most recent ancestors, no more.
MAX_REFERENCES = 20
TIMEOUT = 60


class SendError(RuntimeError):
    """A reply cannot be sent (no account, no recipient); kept in the outbox with this text."""


def _refusal(error: smtplib.SMTPException) -> Exception:
    """The server's refusal in its own words. A 5xx one is permanent (RFC 5321): the
    reply fails at once for the agent to see; a 4xx one is retried later."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        answers = [(code, f"{address}: {code} {_text(reply)}") for address, (code, reply) in error.recipients.items()]
    elif isinstance(error, smtplib.SMTPResponseException):
        answers = [(error.smtp_code, f"{error.smtp_code} {_text(error.smtp_error)}")]
    else:
        return error
    words = "refused by the SMTP server: " + "; ".join(text for _, text in answers)
    if all(500 <= code < 600 for code, _ in answers):
        return PermanentFailure(words)
    return SendError(words)


def _text(reply: bytes | str) -> str:
    return one_line(reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply, 200)


def open_smtp(server: ServerSettings, timeout: float = TIMEOUT) -> smtplib.SMTP:
    """A connected (TLS verified) and logged-in SMTP client."""
    context = server.ssl_context() if server.security != "plain" else None
    client: smtplib.SMTP
    if server.security == "tls":
        client = smtplib.SMTP_SSL(server.host, server.port, context=context, timeout=timeout)
    else:
        client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        if server.security == "starttls":
            client.starttls(context=context)
    try:
        if server.user:
            client.login(server.user, server.password() or "")
    except BaseException:
        client.close()
        raise
    return client


def account_for(accounts: list[Account], name: str | None) -> Account:
    """The account a conversation came in on (the first one for conversations without)."""
    for account in accounts:
        if account.name == name:
            return account
    if name is None and accounts:
        return accounts[0]
    raise SendError(f"no mail account named {name!r} in the config")


def _ensure_message_id(store: Store, message_id: int, domain: str) -> str:
    """The reply's Message-ID, created and saved once (a retry reuses it)."""
    with store.session() as session:
        session.execute(
            update(Message)
            .where(col(Message.id) == message_id, col(Message.message_id_header).is_(None))
            .values(message_id_header=make_msgid(domain=domain))
        )
        mid = session.exec(select(Message.message_id_header).where(Message.id == message_id)).one()
        assert mid is not None
        return mid


def build_reply(store: Store, account: Account, reply: OutgoingReply) -> tuple[EmailMessage, str]:
    """The MIME message for `reply` and its recipient, threaded onto the conversation."""
    assert reply.message.id is not None and reply.conversation.id is not None
    domain = account.address.rpartition("@")[2] or "localhost"
    mid = _ensure_message_id(store, reply.message.id, domain)
    with store.session() as session:
        earlier = session.exec(
            select(Message)
            .where(
                Message.conversation_id == reply.conversation.id,
                col(Message.id) < reply.message.id,
                col(Message.direction).in_([Direction.IN, Direction.OUT]),
            )
            .order_by(col(Message.id).desc())
            .limit(50)
        ).all()
        parent = next(
            (m for m in earlier if m.direction == Direction.IN and m.message_id_header), None
        )
        parent = parent or next((m for m in earlier if m.message_id_header), None)
        recipient = next(
            (
                m.author_address
                for m in earlier
                if m.direction == Direction.IN and "@" in m.author_address
            ),
            "",
        )
        if not recipient:
            conv = session.get(Conversation, reply.conversation.id)
            point = session.exec(
                select(ContactPoint).where(
                    ContactPoint.customer_id == (conv.customer_id if conv else -1),
                    ContactPoint.channel == "email",
                )
            ).first()
            recipient = point.address if point else ""
    recipient = one_line(recipient, 320)
    if "@" not in recipient:
        raise SendError("the customer has no email address to send to")
    msg = EmailMessage()
    msg["From"] = formataddr((one_line(account.display_name, 200), account.address))
    msg["To"] = recipient
    msg["Subject"] = one_line(
        reply_subject(one_line(reply.conversation.subject)) or reply.message.subject, 500
    )
    msg["Date"] = format_datetime(reply.message.sent_at)
    msg["Message-ID"] = one_line(mid, 500)
    if parent is not None and parent.message_id_header:
        parent_id = one_line(parent.message_id_header, 500)
        chain = [one_line(r, 500) for r in (parent.references or "").split() if r.startswith("<")]
        chain.append(parent_id)
        if len(chain) > MAX_REFERENCES:
            chain = chain[:1] + chain[-(MAX_REFERENCES - 1) :]
        msg["In-Reply-To"] = parent_id
        msg["References"] = " ".join(dict.fromkeys(chain))
    msg.set_content(reply.message.text.replace("\r\n", "\n"), charset="utf-8")
    return msg, recipient


class EmailSender:
    """Sends outbox replies of the email channel through each account's SMTP server."""

    def __init__(self, store: Store, accounts: list[Account]) -> None:
        self.store = store
        self.accounts = accounts

    def send(self, reply: OutgoingReply) -> None:
        account = account_for(self.accounts, reply.conversation.account)
        if account.smtp is None:
            raise SendError(f"account {account.name!r} has no [accounts.smtp] table")
        msg, recipient = build_reply(self.store, account, reply)
        try:
            with open_smtp(account.smtp) as client:
                refused = client.send_message(msg, from_addr=account.address, to_addrs=[recipient])
        except (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError) as error:
            raise _refusal(error) from error
        if refused:
            raise SendError(f"refused by the SMTP server: {refused}")
        if account.imap.sent_folder:
            self._save_sent_copy(account, msg)

    def _save_sent_copy(self, account: Account, msg: EmailMessage) -> None:
        """IMAP APPEND to the Sent folder; a failure here never un-sends the reply."""
        from agentdesk.channels.imap import connect

        try:
            client = connect(account.imap)
            try:
                client.append(account.imap.sent_folder, msg.as_bytes(), flags=[b"\\Seen"])
            finally:
                client.logout()
        except Exception as error:  # logged: the reply itself has gone out
            log.warning("could not save a copy in %s: %s", account.imap.sent_folder, error)
