"""Replies out through the chat account they came in on (an outbox `Sender` for "chat").

The outbox hands over a reply; its conversation names the account and the room
(`Conversation.account`, `external_key`). The transaction id is derived from the
outbox row, so a retry of the same reply carries the same id: Matrix homeservers
drop a repeated transaction instead of posting it twice.
"""

from __future__ import annotations

from collections.abc import Mapping

from agentdesk.channels.chat.base import ChatAdapter, ChatError
from agentdesk.channels.chat.ingest import room_of
from agentdesk.channels.outbox import OutgoingReply


class ChatSender:
    """Sends each queued chat reply through the adapter of its conversation's account."""

    def __init__(self, adapters: Mapping[str, ChatAdapter]) -> None:
        self.adapters = adapters

    def send(self, reply: OutgoingReply) -> None:
        conv = reply.conversation
        adapter = self.adapters.get(conv.account or "")
        if adapter is None:
            raise ChatError(f"no chat account {conv.account!r} is configured in this poller")
        if not conv.external_key:
            raise ChatError(f"conversation #{conv.id} has no chat room")
        adapter.send(room_of(conv.external_key), reply.message.text, f"agentdesk-{reply.outbox_id}")
