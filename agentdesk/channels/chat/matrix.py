"""Matrix through matrix-nio: the shop's support account syncs the rooms it is in.

Every room the account is invited to is joined (customers open a direct room with
it; bridges such as mautrix-whatsapp/-telegram/-signal/-meta open one per contact);
each customer in a room is one conversation. The saved position is the sync
`next_batch` token. A room whose state carries an `m.bridge` (or the older
`uk.half-shot.bridge`) event is labelled with the network the bridge reports
(`protocol.id`: whatsapp, telegram, signal, ...), and the bridge bot's own notices
are left out. End-to-end encrypted messages cannot be read here (no olm keys): each
one is stored as an "encrypted message" line, so the customer is never lost.

nio is asyncio; the pollers are threads. The adapter owns a private event loop
and runs each call to completion on it, so callers see plain blocking methods.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinError,
    LoginError,
    MessageDirection,
    RoomGetStateError,
    RoomMessagesError,
    RoomSendError,
    SyncError,
    WhoamiError,
)

from agentdesk.channels.chat.base import AuthError, ChatBatch, ChatError, ChatEvent, ChatFile, EventKind
from agentdesk.text import one_line

T = TypeVar("T")

BRIDGE_STATE_TYPES = ("m.bridge", "uk.half-shot.bridge")
#: Events per room per sync; a busier room is filled in from history (see `_backfill`).
TIMELINE_LIMIT = 50
#: How many history pages of TIMELINE_LIMIT events a gap is filled with at most.
BACKFILL_PAGES = 4
SYNC_FILTER: dict[str, Any] = {
    "presence": {"types": []},
    "account_data": {"types": []},
    "room": {
        "timeline": {"limit": TIMELINE_LIMIT},
        "state": {"lazy_load_members": True},
        "ephemeral": {"types": []},
        "account_data": {"types": []},
    },
}
ENCRYPTED_TEXT = "[encrypted message: agentdesk cannot read end-to-end encrypted chats]"
FILE_MSGTYPES = {"m.image", "m.file", "m.video", "m.audio"}


@dataclass
class RoomInfo:
    """What we know of a room's state: its network, its bridge bot, its members' names."""

    network: str = "matrix"
    bridge_bot: str | None = None
    encrypted: bool = False
    names: dict[str, str] = field(default_factory=dict)


def bridge_network(content: dict[str, Any]) -> str | None:
    """The network a bridge state event reports (`protocol.id`), as a short label."""
    protocol = content.get("protocol")
    if isinstance(protocol, dict):
        label = protocol.get("id") or protocol.get("displayname")
        if isinstance(label, str) and label.strip():
            return one_line(label, 30).lower()
    return None


class _Loop:
    """A private asyncio loop that runs one coroutine at a time to completion."""

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = threading.Lock()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        with self._lock:
            if self._loop is None or self._loop.is_closed():
                self._loop = asyncio.new_event_loop()
            return self._loop.run_until_complete(coro)

    def close(self) -> None:
        with self._lock:
            if self._loop is not None and not self._loop.is_closed():
                self._loop.close()
            self._loop = None


class MatrixAdapter:
    """A Matrix support account (see `base.ChatAdapter`)."""

    kind = "matrix"

    def __init__(
        self,
        account: str,
        homeserver: str,
        user: str,
        *,
        access_token: str | None = None,
        password: str | None = None,
        device_id: str | None = None,
        ignore_rooms: tuple[str, ...] = (),
        max_file_bytes: int = 25 * 1024 * 1024,
        request_timeout: float = 60,
    ) -> None:
        if not access_token and not password:
            raise ValueError("a Matrix account needs an access token or a password")
        self.account = account
        self.homeserver = homeserver.rstrip("/")
        self.user = user
        self._access_token = access_token
        self._password = password
        self._device_id = device_id or ""
        self.ignore_rooms = set(ignore_rooms)
        self.max_file_bytes = max_file_bytes
        self._timeout = request_timeout
        self._sync = _Loop()
        self._out = _Loop()
        self._client: AsyncClient | None = None
        self._send_client: AsyncClient | None = None
        self._rooms: dict[str, RoomInfo] = {}

    @property
    def client(self) -> AsyncClient:
        if self._client is None:
            raise ChatError(f"matrix account {self.account!r} is not connected")
        return self._client

    # -- the interface -------------------------------------------------------------

    def connect(self) -> None:
        self._sync.run(self._connect())

    def fetch(self, position: str | None, wait: float) -> ChatBatch:
        return self._sync.run(self._fetch(position, wait))

    def send(self, room: str, text: str, txn_id: str) -> None:
        """Post a reply; runs on a second client so it never waits behind a long sync."""
        self._out.run(self._send(room, text, txn_id))

    def close(self) -> None:
        if self._send_client is not None:
            client, self._send_client = self._send_client, None
            self._out.run(client.close())
        if self._client is not None:
            client, self._client = self._client, None
            self._sync.run(client.close())
        self._out.close()
        self._sync.close()

    # -- async implementation -----------------------------------------------------------

    def _new_client(self) -> AsyncClient:
        config = AsyncClientConfig(
            max_limit_exceeded=3,
            max_timeouts=2,
            request_timeout=self._timeout,
            encryption_enabled=False,
            store_sync_tokens=False,
        )
        return AsyncClient(self.homeserver, self.user, device_id=self._device_id, config=config)

    async def _connect(self) -> None:
        client = self._new_client()
        try:
            if self._access_token:
                client.access_token = self._access_token
                who = await client.whoami()
                if isinstance(who, WhoamiError):
                    raise AuthError(f"matrix {self.homeserver}: token refused: {who.message}")
                client.user_id = who.user_id
                client.device_id = who.device_id or self._device_id
            else:
                login = await client.login(self._password, device_name="agentdesk")
                if isinstance(login, LoginError):
                    raise AuthError(f"matrix {self.homeserver}: login refused: {login.message}")
        except AuthError:
            await client.close()
            raise
        except Exception as error:
            await client.close()
            raise ChatError(f"matrix {self.homeserver}: {error}") from error
        self._client = client

    async def _fetch(self, position: str | None, wait: float) -> ChatBatch:
        client = self.client
        response = await client.sync(
            timeout=int(wait * 1000), since=position, sync_filter=SYNC_FILTER, full_state=False
        )
        if isinstance(response, SyncError):
            if response.status_code in ("M_UNKNOWN_TOKEN", "M_MISSING_TOKEN"):
                raise AuthError(f"matrix sync: {response.message}")
            raise ChatError(f"matrix sync: {response.message}")
        for room_id in response.rooms.invite:
            if room_id in self.ignore_rooms:
                continue
            joined = await client.join(room_id)
            if isinstance(joined, JoinError):
                raise ChatError(f"matrix join {room_id}: {joined.message}")
        events: list[ChatEvent] = []
        for room_id, info in response.rooms.join.items():
            if room_id in self.ignore_rooms:
                continue
            room = await self._room(room_id)
            for state in info.state:
                self._learn(room, state.source)
            raw = [event.source for event in info.timeline.events]
            if info.timeline.limited and info.timeline.prev_batch and position is not None:
                raw = await self._backfill(room_id, info.timeline.prev_batch) + raw
            seen: set[str] = set()
            for source in raw:
                if source.get("event_id") in seen:
                    continue  # history pages and the timeline can overlap
                seen.add(str(source.get("event_id")))
                self._learn(room, source)
                try:
                    event = await self._event(room_id, room, source)
                except Exception as error:  # one odd event must not block the account
                    event = self._unreadable(room_id, room, source, error)
                if event is not None:
                    events.append(event)
        return ChatBatch(tuple(events), response.next_batch)

    async def _backfill(self, room_id: str, prev_batch: str) -> list[dict[str, Any]]:
        """Events a limited timeline skipped, oldest first (the store drops ones it has)."""
        older: list[dict[str, Any]] = []
        token: str | None = prev_batch
        for _ in range(BACKFILL_PAGES):
            page = await self.client.room_messages(
                room_id, start=token, direction=MessageDirection.back, limit=TIMELINE_LIMIT
            )
            if isinstance(page, RoomMessagesError):
                raise ChatError(f"matrix history of {room_id}: {page.message}")
            older.extend(event.source for event in page.chunk)
            if not page.chunk or not page.end:
                break
            token = page.end
        older.reverse()
        return older

    async def _room(self, room_id: str) -> RoomInfo:
        """The room's state, read once per process (a restarted sync carries none)."""
        room = self._rooms.get(room_id)
        if room is None:
            room = RoomInfo()
            state = await self.client.room_get_state(room_id)
            if isinstance(state, RoomGetStateError):
                raise ChatError(f"matrix state of {room_id}: {state.message}")
            for source in state.events:
                self._learn(room, source)
            self._rooms[room_id] = room
        return room

    def _learn(self, room: RoomInfo, source: dict[str, Any]) -> None:
        kind = source.get("type")
        content = source.get("content") or {}
        if not isinstance(source.get("state_key"), str) or not isinstance(content, dict):
            return
        if kind in BRIDGE_STATE_TYPES:
            network = bridge_network(content)
            if network:
                room.network = network
            bot = content.get("bridgebot")
            if isinstance(bot, str):
                room.bridge_bot = bot
        elif kind == "m.room.encryption":
            room.encrypted = True
        elif kind == "m.room.member":
            name = content.get("displayname")
            if isinstance(name, str) and name.strip():
                room.names[source["state_key"]] = name

    async def _event(self, room_id: str, room: RoomInfo, source: dict[str, Any]) -> ChatEvent | None:
        """One timeline event as a ChatEvent; None for what is not a customer's message."""
        kind = source.get("type")
        sender = source.get("sender")
        event_id = source.get("event_id")
        if not isinstance(sender, str) or not isinstance(event_id, str) or "state_key" in source:
            return None
        if sender == self.client.user_id or sender == room.bridge_bot:
            return None
        content = source.get("content") or {}
        common: dict[str, Any] = {
            "external_id": event_id,
            "room": room_id,
            "sender": sender,
            "sender_name": room.names.get(sender) or sender,
            "network": room.network,
            "sent_at": datetime.fromtimestamp(int(source.get("origin_server_ts", 0)) / 1000, UTC),
        }
        if kind == "m.room.redaction":
            target = source.get("redacts") or content.get("redacts")
            if not isinstance(target, str):
                return None
            return ChatEvent(kind=EventKind.REDACTION, target=target, **common)
        if kind == "m.room.encrypted":
            return ChatEvent(
                kind=EventKind.UNREADABLE, text=ENCRYPTED_TEXT, problem="end-to-end encrypted", **common
            )
        if kind != "m.room.message":
            return None
        if not content:  # redacted before we saw it
            return ChatEvent(kind=EventKind.MESSAGE, text="[the customer deleted this message]", **common)
        relates = content.get("m.relates_to") or {}
        if relates.get("rel_type") == "m.replace" and isinstance(relates.get("event_id"), str):
            new = content.get("m.new_content") or {}
            text = new.get("body") if isinstance(new.get("body"), str) else content.get("body", "")
            return ChatEvent(kind=EventKind.EDIT, target=relates["event_id"], text=str(text), **common)
        msgtype = content.get("msgtype")
        body: str = content["body"] if isinstance(content.get("body"), str) else ""
        if msgtype in FILE_MSGTYPES:
            file, problem = await self._file(content)
            caption = body if content.get("filename") and body != content.get("filename") else ""
            return ChatEvent(
                kind=EventKind.MESSAGE, text=caption, files=(file,), problem=problem, **common
            )
        if msgtype == "m.emote":
            body = f"* {common['sender_name']} {body}"
        elif msgtype == "m.location":
            body = f"[location] {body} {content.get('geo_uri', '')}".strip()
        elif msgtype not in ("m.text", "m.notice"):
            body = body or f"[a Matrix message agentdesk cannot show: {msgtype}]"
        return ChatEvent(kind=EventKind.MESSAGE, text=body, **common)

    def _unreadable(
        self, room_id: str, room: RoomInfo, source: dict[str, Any], error: Exception
    ) -> ChatEvent | None:
        """A placeholder for an event we failed to read, so it is seen, not lost."""
        sender, event_id = source.get("sender"), source.get("event_id")
        if not isinstance(sender, str) or not isinstance(event_id, str) or sender == self.client.user_id:
            return None
        return ChatEvent(
            external_id=event_id,
            kind=EventKind.UNREADABLE,
            room=room_id,
            sender=sender,
            sender_name=room.names.get(sender) or sender,
            network=room.network,
            sent_at=datetime.now(UTC),
            text=f"[a Matrix event agentdesk could not read: {one_line(str(source.get('type')), 60)}]",
            problem=one_line(f"{type(error).__name__}: {error}", 300),
        )

    async def _file(self, content: dict[str, Any]) -> tuple[ChatFile, str | None]:
        """The file of an image/file/video/audio message; kept as a named entry on failure."""
        info: dict[str, Any] = content["info"] if isinstance(content.get("info"), dict) else {}
        name = str(content.get("filename") or content.get("body") or "attachment")
        mime = str(info.get("mimetype") or "application/octet-stream")
        size = int(info.get("size") or 0) if str(info.get("size", "0")).isdigit() else 0
        url = content.get("url")
        if not isinstance(url, str):
            if "file" in content:  # an encrypted attachment
                return ChatFile(name, mime, size, None), f"{name}: encrypted file, cannot be read"
            return ChatFile(name, mime, size, None), f"{name}: no file URL"
        if size > self.max_file_bytes:
            return ChatFile(name, mime, size, None), f"{name}: larger than the download limit"
        try:
            got = await asyncio.wait_for(self.client.download(mxc=url), timeout=self._timeout * 2)
        except TimeoutError:
            return ChatFile(name, mime, size, None), f"{name}: download timed out"
        except Exception as error:  # a broken file must not hold up the account's messages
            return ChatFile(name, mime, size, None), f"{name}: could not download ({error})"
        body = getattr(got, "body", None)
        if not isinstance(body, bytes):
            return ChatFile(name, mime, size, None), f"{name}: could not download ({getattr(got, 'message', got)})"
        if len(body) > self.max_file_bytes:
            return ChatFile(name, mime, len(body), None), f"{name}: larger than the download limit"
        return ChatFile(name, getattr(got, "content_type", None) or mime, len(body), body), None

    async def _send(self, room: str, text: str, txn_id: str) -> None:
        if self._send_client is None:
            main = self.client  # the sending client shares the login (and so the device)
            sender = self._new_client()
            sender.access_token = main.access_token
            sender.user_id = main.user_id
            sender.device_id = main.device_id
            self._send_client = sender
        sent = await self._send_client.room_send(
            room, "m.room.message", {"msgtype": "m.text", "body": text}, tx_id=txn_id
        )
        if isinstance(sent, RoomSendError):
            raise ChatError(f"matrix send to {room}: {sent.message}")
