"""A loopback stand-in for the Telegram Bot API: a protocol fake, not a mock.

Telegram's servers cannot be reached from here, so this HTTP server implements the
documented methods the adapter uses, with the documented JSON shapes and rules,
and the adapter's real HTTP code runs against it:

- every method at `/bot<token>/<method>`, parameters as query string, form or JSON;
  a wrong token answers 401 `Unauthorized`, an unknown method 404, both as
  `{"ok": false, "error_code": ..., "description": ...}`;
- `getUpdates(offset, limit, timeout, allowed_updates)`: updates with
  `update_id >= offset`, oldest first, at most `limit` (1-100); calling with an
  offset confirms (forgets) every update below it; with `timeout` it long-polls
  until an update arrives; a second getUpdates while one is waiting answers 409
  `Conflict: terminated by other getUpdates request`;
- `sendMessage(chat_id, text)`: 400 for an unknown chat, an empty text, or a text
  over 4096 characters (UTF-16 code units); returns the sent Message;
- `getFile(file_id)`: the File object with `file_path`; the bytes are served at
  `/file/bot<token>/<file_path>`; 400 `invalid file_id` otherwise.

Tests play the customer with `say`, `photo`, `document`, `edit`, `group_message`.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOKEN = "123456:TEST-token-abcdefghijklmnopqrstuvwxyz"
BOT = {"id": 123456, "is_bot": True, "first_name": "Shop", "username": "shop_bot"}


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass
class FakeBotAPI:
    """The server's state: pending updates, files, and what the bot sent."""

    token: str = TOKEN
    updates: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    fail_next_send: int = 0
    fail_send_after: int | None = None
    """Let this many more sendMessage calls through, then fail one (a split reply's later part)."""
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _messages: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _polling: bool = False
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # -- the customer's side -------------------------------------------------------

    def _user(self, user_id: int, first: str, last: str | None = None, username: str | None = None) -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first}
        if last:
            user["last_name"] = last
        if username:
            user["username"] = username
        return user

    def _push(self, kind: str, message: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            update = {"update_id": next(self._ids), kind: message}
            self.updates.append(update)
            self._cond.notify_all()
        return message

    def _message(self, user_id: int, first: str, **content: Any) -> dict[str, Any]:
        user = self._user(user_id, first, content.pop("last", None), content.pop("username", None))
        chat = {"id": user_id, "type": "private", "first_name": first}
        self.chats[user_id] = chat
        return {"message_id": next(self._messages), "from": user, "chat": chat, "date": int(time.time()), **content}

    def say(self, user_id: int, first: str, text: str, **extra: Any) -> dict[str, Any]:
        return self._push("message", self._message(user_id, first, text=text, **extra))

    def _file(self, data: bytes, path: str) -> dict[str, Any]:
        file_id = f"F{next(self._ids)}"
        self.files[file_id] = (path, data)
        return {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": len(data)}

    def photo(self, user_id: int, first: str, data: bytes, caption: str | None = None) -> dict[str, Any]:
        """A photo as Telegram sends it: several sizes, the biggest last."""
        small = {**self._file(data[: len(data) // 4] or b"x", "photos/small.jpg"), "width": 90, "height": 90}
        big = {**self._file(data, "photos/big.jpg"), "width": 800, "height": 800}
        extra = {"caption": caption} if caption else {}
        return self._push("message", self._message(user_id, first, photo=[small, big], **extra))

    def document(self, user_id: int, first: str, data: bytes, name: str, mime: str) -> dict[str, Any]:
        doc = {**self._file(data, f"documents/{name}"), "file_name": name, "mime_type": mime}
        return self._push("message", self._message(user_id, first, document=doc))

    def edit(self, original: dict[str, Any], text: str) -> dict[str, Any]:
        edited = {**original, "text": text, "edit_date": int(time.time()) + 1}
        return self._push("edited_message", edited)

    def group_message(self, user_id: int, first: str, text: str) -> dict[str, Any]:
        message = self._message(user_id, first, text=text)
        message["chat"] = {"id": -100777, "type": "supergroup", "title": "Fans"}
        return self._push("message", message)

    # -- the Bot API ----------------------------------------------------------------------

    def handle(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        self.calls.append((method, params))
        handler = getattr(self, f"api_{method}", None)
        if handler is None:
            return 404, {"ok": False, "error_code": 404, "description": "Not Found"}
        try:
            return 200, {"ok": True, "result": handler(params)}
        except ApiError as error:
            return error.code, {"ok": False, "error_code": error.code, "description": error.description}

    def api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return BOT

    def api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = float(params.get("timeout") or 0)
        allowed = params.get("allowed_updates")
        if isinstance(allowed, str):
            allowed = json.loads(allowed)
        if not 1 <= limit <= 100:
            raise ApiError(400, "Bad Request: limit must be 1-100")
        with self._cond:
            if self._polling:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")
            self._polling = True
            try:
                if offset:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed
                deadline = time.monotonic() + timeout
                while True:
                    ready = [u for u in self.updates if u["update_id"] >= offset]
                    if allowed:
                        ready = [u for u in ready if any(k in u for k in allowed)]
                    if ready or time.monotonic() >= deadline:
                        return ready[:limit]
                    self._cond.wait(max(deadline - time.monotonic(), 0.01))
            finally:
                self._polling = False

    def api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params.get("chat_id", 0))
        text = str(params.get("text") or "")
        if chat_id not in self.chats:
            raise ApiError(400, "Bad Request: chat not found")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        if self.fail_send_after == 0:
            self.fail_send_after = None
            raise ApiError(500, "Internal Server Error")
        if self.fail_send_after is not None:
            self.fail_send_after -= 1
        if self.fail_next_send:
            self.fail_next_send -= 1
            raise ApiError(500, "Internal Server Error")
        message = {"message_id": next(self._messages), "from": BOT, "chat": self.chats[chat_id],
                   "date": int(time.time()), "text": text}
        self.sent.append(message)
        return message

    def api_getFile(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = str(params.get("file_id", ""))
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        path, data = self.files[file_id]
        return {"file_id": file_id, "file_unique_id": f"U{file_id}", "file_size": len(data), "file_path": path}

    def file_bytes(self, path: str) -> bytes | None:
        for stored_path, data in self.files.values():
            if stored_path == path:
                return data
        return None


class ApiError(Exception):
    def __init__(self, code: int, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


def _handler(api: FakeBotAPI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            return None

        def _answer(self, status: int, body: bytes, content_type: str = "application/json") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _params(self) -> dict[str, Any]:
            url = urllib.parse.urlsplit(self.path)
            params: dict[str, Any] = dict(urllib.parse.parse_qsl(url.query))
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                raw = self.rfile.read(length)
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("application/json"):
                    params.update(json.loads(raw))
                else:
                    params.update(urllib.parse.parse_qsl(raw.decode()))
            return params

        def _route(self) -> None:
            path = urllib.parse.urlsplit(self.path).path
            file_prefix = f"/file/bot{api.token}/"
            if path.startswith(file_prefix):
                data = api.file_bytes(urllib.parse.unquote(path[len(file_prefix):]))
                if data is None:
                    self._answer(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
                else:
                    self._answer(200, data, "application/octet-stream")
                return
            parts = path.split("/")
            if len(parts) != 3 or not parts[1].startswith("bot"):
                self._answer(404, b'{"ok":false,"error_code":404,"description":"Not Found"}')
                return
            if parts[1][3:] != api.token:
                self._answer(401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}')
                return
            status, body = api.handle(parts[2], self._params())
            self._answer(status, json.dumps(body).encode())

        do_GET = _route
        do_POST = _route

    return Handler


def start(api: FakeBotAPI | None = None) -> FakeBotAPI:
    """Serve a FakeBotAPI on a free loopback port in a daemon thread."""
    api = api or FakeBotAPI()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    api.server = server
    threading.Thread(target=server.serve_forever, name="fake-telegram", daemon=True).start()
    return api


def stop(api: FakeBotAPI) -> None:
    if api.server is not None:
        api.server.shutdown()
        api.server.server_close()
