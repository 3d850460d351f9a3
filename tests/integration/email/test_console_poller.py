"""The solo console polls by itself: mail that reaches Dovecot appears in the inbox,
and a reply typed in the composer reaches the SMTP server, without any key but the
agent's own (no `agentdesk poll` running)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import select

from agentdesk.app import make_app
from agentdesk.services import Desk
from agentdesk.store import Store
from agentdesk.store.models import Conversation, Message, OutboxItem
from agentdesk.widgets.poller_status import PollerStatus
from tests.integration.email.conftest import mail
from tests.tui.helpers import main_screen, until


async def test_console_fetches_mail_and_sends_the_reply(
    store: Store, settings_for, dovecot, mailbox: str, smtp, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    settings = settings_for(smtp_port=smtp.port)
    dovecot.append(mailbox, mail("Parcel never came", message_id="<c1@customer.test>"))
    app = make_app(Desk.for_settings(store, settings), settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(pilot, lambda: any(r.title == "Parcel never came" for r in main_screen(pilot).inbox_list.rows), timeout=20)
        screen = main_screen(pilot)
        status = screen.query_one(PollerStatus)
        assert status.workers, "the console runs the poller in a worker"
        # A second mail arrives while the console is open: it shows without a key press.
        dovecot.append(mailbox, mail("And a second question", message_id="<c2@customer.test>",
                                     sender="Bo Buyer <bo@customer.test>"))
        await until(pilot, lambda: any(r.title == "And a second question" for r in screen.inbox_list.rows), timeout=20)
        target = next(i for i, r in enumerate(screen.inbox_list.rows) if r.title == "Parcel never came")
        screen.inbox_list.cursor = target
        await pilot.press("enter", "r", *"It left our warehouse today.", "ctrl+s")

        def sent() -> bool:
            with store.session() as session:
                return any(i.status == "sent" for i in session.exec(select(OutboxItem)))

        await until(pilot, sent, timeout=30)
        with store.session() as session:
            ours = session.exec(select(Message).where(Message.direction == "out")).one()
        assert ours.message_id_header and ours.message_id_header.endswith("@shop.test>")
        # The customer answers our reply: it joins the same conversation.
        dovecot.append(mailbox, mail("Re: Parcel never came", message_id="<c3@customer.test>",
                                     in_reply_to=ours.message_id_header, body="Thanks, got it!"))

        def answered() -> bool:
            with store.session() as session:
                texts = session.exec(
                    select(Message.text).where(Message.conversation_id == ours.conversation_id)
                ).all()
            return any("Thanks, got it!" in t for t in texts)

        await until(pilot, answered, timeout=30)
    with store.session() as session:
        assert len(session.exec(select(Conversation)).all()) == 2, "the customer's answer started nothing new"
    delivered = smtp.sink.messages()
    assert len(delivered) == 1
    assert "It left our warehouse today." in delivered[0].get_payload(decode=True).decode()
    assert delivered[0]["In-Reply-To"] == "<c1@customer.test>"
    assert delivered[0]["Message-ID"] == ours.message_id_header, "made when queued, kept when sent"
    assert delivered[0]["Subject"] == "Re: Parcel never came"
    assert delivered[0]["To"].endswith("ada@customer.test>") or "ada@customer.test" in delivered[0]["To"]
