"""Telegram through the Bot API: long polling with getUpdates, replies with sendMessage.

Each private chat with the bot is a conversation; the customer's handle is
`telegram:<user id>` (user ids never change, usernames do). The saved position is
the next update offset: Telegram forgets every update below the offset a
getUpdates call names, and we name it only after the batch is in the store, so a
crash in between repeats the batch (and the store's refs drop the repeat).

Plain `urllib`: one blocking request at a time is all a poller thread needs.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from datetime import UTC, datetime
from typing import Any

from agentdesk.channels.chat.base import AuthError, ChatBatch, ChatError, ChatEvent, ChatFile, EventKind

DEFAULT_API_URL = "https://api.telegram.org"
#: sendMessage refuses longer texts ("1-4096 characters"); counted in UTF-16 code units.
MESSAGE_LIMIT = 4096
#: getFile serves files up to 20 MB; larger ones are noted in the thread instead.
DOWNLOAD_LIMIT = 20 * 1024 * 1024
#: Media that arrive as a file object with a file_id, and the name used when none is given.
FILE_FIELDS = {
    "document": "document",
    "audio": "audio",
    "video": "video",
    "voice": "voice.ogg",
    "video_note": "video_note.mp4",
    "animation": "animation.mp4",
}


class RetryAfter(ChatError):
    """Telegram asked us to slow down (HTTP 429) for `seconds`."""

    def __init__(self, message: str, seconds: float) -> None:
        super().__init__(message)
        self.seconds = seconds


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """`text` cut into parts sendMessage accepts, at a paragraph, line or word break if any."""
    parts: list[str] = []
    rest = text
    while _utf16_len(rest) > limit:
        # The longest prefix within the limit (characters outside the BMP count twice).
        cut, used = 0, 0
        for index, char in enumerate(rest):
            used += 2 if ord(char) > 0xFFFF else 1
            if used > limit:
                break
            cut = index + 1
        window = rest[:cut]
        for separator in ("\n\n", "\n", " "):
            at = window.rfind(separator)
            if at > cut // 2:
                cut = at + len(separator)
                break
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip("\n")
    if rest.strip() or not parts:
        parts.append(rest)
    return parts


class TelegramAdapter:
    """A Telegram bot account (see `base.ChatAdapter`)."""

    kind = "telegram"

    def __init__(self, account: str, token: str, api_url: str = DEFAULT_API_URL, max_file_bytes: int = DOWNLOAD_LIMIT) -> None:
        self.account = account
        self._token = token
        self._api = api_url.rstrip("/")
        self._max_file = min(max_file_bytes, DOWNLOAD_LIMIT)
        self.me: dict[str, Any] | None = None
        self._parts_sent: dict[str, int] = {}
        """Per reply (txn_id) cut in parts: how many went out before a part failed, so
        the outbox's retry sends the rest instead of repeating the first ones."""

    # -- the interface -------------------------------------------------------------

    def connect(self) -> None:
        """Check the token with getMe (a wrong token fails here, not at the first poll)."""
        self.me = self._call("getMe", {}, timeout=30)

    def fetch(self, position: str | None, wait: float) -> ChatBatch:
        params: dict[str, Any] = {
            "timeout": max(int(wait), 0),
            "allowed_updates": ["message", "edited_message"],
        }
        if position is not None:
            params["offset"] = int(position)
        updates = self._call("getUpdates", params, timeout=wait + 30)
        events: list[ChatEvent] = []
        next_offset = int(position) if position is not None else None
        for update in updates:
            next_offset = max(next_offset or 0, int(update["update_id"]) + 1)
            try:
                event = self._event(update)
            except Exception as error:  # one odd update must not block the account
                event = self._unreadable(update, error)
            if event is not None:
                events.append(event)
        return ChatBatch(tuple(events), str(next_offset) if next_offset is not None else "0")

    def send(self, room: str, text: str, txn_id: str) -> None:
        parts = split_message(text)
        for index in range(self._parts_sent.get(txn_id, 0), len(parts)):
            self._call("sendMessage", {"chat_id": int(room), "text": parts[index]}, timeout=60)
            self._parts_sent[txn_id] = index + 1
        self._parts_sent.pop(txn_id, None)

    def close(self) -> None:
        return None

    # -- updates -> events ------------------------------------------------------------

    def _event(self, update: dict[str, Any]) -> ChatEvent | None:
        edited = "edited_message" in update
        message = update.get("edited_message") if edited else update.get("message")
        if not isinstance(message, dict):
            return None
        chat = message.get("chat") or {}
        sender = message.get("from") or {}
        if chat.get("type") != "private" or sender.get("is_bot"):
            return None  # groups and channels are not support conversations
        chat_id = str(chat["id"])
        message_key = f"{chat_id}:{message['message_id']}"
        name = " ".join(p for p in (sender.get("first_name"), sender.get("last_name")) if p)
        if sender.get("username"):
            name = f"{name} (@{sender['username']})" if name else f"@{sender['username']}"
        text, files, problem = self._content(message)
        when = message.get("edit_date") if edited else message.get("date")
        return ChatEvent(
            external_id=f"{message_key}:edit:{message.get('edit_date', 0)}" if edited else message_key,
            kind=EventKind.EDIT if edited else EventKind.MESSAGE,
            room=chat_id,
            sender=f"telegram:{sender.get('id', chat_id)}",
            sender_name=name,
            network="telegram",
            sent_at=datetime.fromtimestamp(int(when or 0), UTC),
            text=text,
            files=tuple(files),
            target=message_key if edited else None,
            problem=problem,
        )

    def _unreadable(self, update: dict[str, Any], error: Exception) -> ChatEvent | None:
        """A placeholder for an update we failed to read, so it is seen, not lost."""
        message: Any = update.get("message") or update.get("edited_message")
        try:
            chat_id = str(message["chat"]["id"])
            sender = f"telegram:{message['from']['id']}"
        except (TypeError, KeyError):
            return None
        if message.get("chat", {}).get("type") != "private":
            return None
        return ChatEvent(
            external_id=f"{chat_id}:update:{update.get('update_id')}",
            kind=EventKind.UNREADABLE,
            room=chat_id,
            sender=sender,
            sender_name=str(message["from"].get("first_name") or sender),
            network="telegram",
            sent_at=datetime.now(UTC),
            text="[a Telegram message agentdesk could not read]",
            problem=f"{type(error).__name__}: {error}"[:300],
        )

    def _content(self, message: dict[str, Any]) -> tuple[str, list[ChatFile], str | None]:
        text = message.get("text") or message.get("caption") or ""
        files: list[ChatFile] = []
        problems: list[str] = []
        photos = message.get("photo")
        if isinstance(photos, list) and photos:
            biggest = max(photos, key=lambda p: (p.get("file_size") or 0, p.get("width", 0)))
            name = f"photo_{message['message_id']}.jpg"
            files.append(self._download(biggest, name, "image/jpeg", problems))
        for field, default_name in FILE_FIELDS.items():
            media = message.get(field)
            if isinstance(media, dict) and media.get("file_id"):
                name = media.get("file_name") or f"{default_name}"
                mime = media.get("mime_type") or "application/octet-stream"
                files.append(self._download(media, name, mime, problems))
        if "sticker" in message:
            text = text or f"[sticker {message['sticker'].get('emoji', '')}]".replace(" ]", "]")
        if "location" in message:
            loc = message["location"]
            text = text or f"[location {loc.get('latitude')}, {loc.get('longitude')}]"
        if "contact" in message:
            contact = message["contact"]
            text = text or f"[contact {contact.get('first_name', '')} {contact.get('phone_number', '')}]"
        if not text and not files:
            kinds = sorted(k for k in message if k not in {"message_id", "from", "chat", "date", "edit_date"})
            text = f"[a Telegram message agentdesk cannot show: {', '.join(kinds)}]"
        return text, files, "; ".join(problems) or None

    def _download(self, media: dict[str, Any], name: str, mime: str, problems: list[str]) -> ChatFile:
        """The file's bytes via getFile; a file we cannot fetch stays as a named, empty entry."""
        size = int(media.get("file_size") or 0)
        if size > self._max_file:
            problems.append(f"{name}: {size} bytes is more than the bot may download")
            return ChatFile(name, mime, size, None)
        try:
            info = self._call("getFile", {"file_id": media["file_id"]}, timeout=60)
            path = info.get("file_path")
            if not path:
                raise ChatError("getFile returned no file_path")
            url = f"{self._api}/file/bot{self._token}/{urllib.parse.quote(path, safe='/')}"
            with urllib.request.urlopen(url, timeout=120) as response:
                data = response.read(self._max_file + 1)
            if len(data) > self._max_file:
                raise ChatError(f"more than {self._max_file} bytes")
        except (ChatError, OSError, ValueError) as error:
            problems.append(f"{name}: could not download ({self._redact(str(error))})")
            return ChatFile(name, mime, size, None)
        return ChatFile(name, mime, len(data), data)

    # -- HTTP -----------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        """Error text without the bot token (it is part of every URL)."""
        return text.replace(self._token, "<token>") if self._token else text

    def _call(self, method: str, params: dict[str, Any], timeout: float) -> Any:
        request = urllib.request.Request(
            f"{self._api}/bot{self._token}/{method}",
            data=json.dumps(params).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as error:  # the Bot API answers errors as JSON too
            body = error.read()
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise ChatError(f"telegram {method}: {self._redact(str(error))}") from None
        try:
            answer = json.loads(body)
        except ValueError:
            raise ChatError(f"telegram {method}: not a JSON answer") from None
        if answer.get("ok"):
            return answer.get("result")
        code = answer.get("error_code")
        description = self._redact(str(answer.get("description", "unknown error")))
        message = f"telegram {method}: {code} {description}"
        if code in (401, 404) and method in ("getMe", "getUpdates"):
            raise AuthError(message)
        if code == 429:
            retry = (answer.get("parameters") or {}).get("retry_after", 5)
            raise RetryAfter(message, float(retry))
        raise ChatError(message)
