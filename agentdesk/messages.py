"""Messages that workers post to the UI with their results (post_message is thread-safe)."""

from __future__ import annotations

from textual.message import Message

from agentdesk.services.views import ConversationDetail, Cursor, Page, View


class PageLoaded(Message):
    """A keyset page of `view` arrived; `after` is None for the first page (a reload)."""

    def __init__(self, view: View, page: Page, after: Cursor | None, keep_id: int | None, total: int | None) -> None:
        super().__init__()
        self.view = view
        self.page = page
        self.after = after
        self.keep_id = keep_id
        self.total = total


class DetailLoaded(Message):
    """An opened conversation's customer, history and thread arrived."""

    def __init__(self, detail: ConversationDetail, focus: bool) -> None:
        super().__init__()
        self.detail = detail
        self.focus = focus


class ActionDone(Message):
    """A change (assign, close, reopen, send) was stored; `notice` says so to the user."""

    def __init__(self, conversation_id: int, notice: str) -> None:
        super().__init__()
        self.conversation_id = conversation_id
        self.notice = notice
