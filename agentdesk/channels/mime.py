"""Parsing a raw email into what the store keeps: hostile input in, plain fields out.

Every function here must return for any bytes at all: a mail we cannot understand
still becomes a `ParsedMail` with `parse_error` set (the caller stores it raw). We
parse with the stdlib's lenient `compat32` policy (the strict policy raises on
the malformed headers real mail is full of) and decode headers ourselves, with
replacement characters for unknown or wrong charsets instead of failing.

Most mail is one text part with plain headers, and the stdlib's parser costs most
of `parse`'s time on it (a first sync parses tens of thousands). So `parse` first
tries a fast path (`_parse_simple`): when `mime_fast.split_simple` sees a header
block and body the feed parser would split the same way (else it says no), and the
mail is one text/plain or text/html part without attachment hints, it builds the
`ParsedMail` from those fields with the same extraction functions the full path
(`_parse_full`) uses (`_sender`, `_date`, `decode_header`, `automatic_kind`'s rules,
`_mail`), asking the stdlib itself for what is not trivial (header values with 8-bit
bytes, Content-Type parameters, quoted-printable and base64 bodies). Both paths also
use `mime_fast`'s shortcuts for `parseaddr`, `getaddresses` and
`parsedate_to_datetime` on the common simple values.

Why that is safe: every shortcut either answers exactly what the stdlib call it
replaces would answer or declines (and the stdlib answers), the fast path declines
every shape it is not sure of, and an exception on it falls back to the full path
rather than becoming a parse error. tests/unit/test_mime_fast_path.py checks that
both paths return equal results, field by field, on the real-world corpus, the
benchmark's mails and thousands of generated variants, and each shortcut against
the stdlib.
"""

from __future__ import annotations

import codecs
import email
import email.header
import email.parser
import email.utils
import functools
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message as EmailMessage
from email.policy import compat32
from functools import cached_property


from agentdesk.channels import mime_fast
from agentdesk.channels.automatic import automatic_kind, kind_from_headers
from agentdesk.text import clean, one_line, safe_filename

#: Nesting deeper than this is not followed (the corpus has a mail nested thousands deep).
MAX_DEPTH = 40
#: At most this many parts are looked at; the rest of the mail stays in `raw`.
MAX_PARTS = 2000
#: Cut very long header values (a 200 KB header exists in the wild).
MAX_HEADER = 4000
#: The parser is fed this many bytes at a time.
FEED_CHUNK = 1 << 20
#: Characters of decoded body text we keep in `text` (the raw mail keeps everything).
MAX_TEXT = 1_000_000

_CHARSET_ALIASES = {
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "x-mac-cyrillic": "mac_cyrillic",
    "unicode-1-1-utf-7": "utf-7",
    "iso-8859-8-i": "iso-8859-8",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-sjis": "shift_jis",
    "windows-874": "cp874",
    "us-ascii": "ascii",
    "ascii": "ascii",
}


@dataclass(frozen=True)
class ParsedAttachment:
    """One attached file with a name that is safe to show and to save."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class ParsedMail:
    """The fields of one mail; `parse_error` says what could not be understood."""

    from_name: str
    from_address: str
    """Lower-cased address, or "" when the mail names no sender (shown as unknown sender)."""
    subject: str
    date: datetime | None
    message_id: str | None
    in_reply_to: str | None
    references: list[str]
    text: str
    html: str | None
    attachments: list[ParsedAttachment] = field(default_factory=list)
    auto_kind: str | None = None
    parse_error: str | None = None
    raw_sha256: str = ""
    recipient_headers: tuple[object, ...] = ()
    """To, Cc, Delivered-To and X-Original-To as found; `to` reads addresses from them."""

    @cached_property
    def to(self) -> list[str]:
        """Lower-cased recipient addresses (worked out on first use: nothing stores them)."""
        return _addresses(self.recipient_headers)

    @property
    def sender_label(self) -> str:
        """Who to show as the sender: name, address, or a clear "unknown sender"."""
        return self.from_name or self.from_address or "unknown sender"


def lookup_charset(name: str | None) -> str:
    """A Python codec name for a MIME charset; utf-8 when unknown (decoded with replacement)."""
    if not name:
        return "utf-8"
    name = str(name)
    # Every part and 8-bit header asks, mostly for the same few names (an unknown one,
    # such as compat32's "unknown-8bit", costs an exception): keep the answers, except
    # for the long names only hostile mail has.
    return _cached_codec_name(name) if len(name) <= 64 else _codec_name(name)


def _codec_name(name: str) -> str:
    key = name.strip().strip('"').lower()
    key = _CHARSET_ALIASES.get(key, key)
    try:
        return codecs.lookup(key).name
    except (LookupError, ValueError):
        return "utf-8"


_cached_codec_name = functools.lru_cache(maxsize=256)(_codec_name)


def decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in a declared charset as text; never raises (wrong charsets give U+FFFD)."""
    codec = lookup_charset(charset)
    try:
        return data.decode(codec, errors="replace")
    except Exception:  # some codecs (utf-7, stateful CJK) raise despite errors="replace"
        return data.decode("utf-8", errors="replace")


def decode_header(value: object) -> str:
    """An RFC 2047 header value as one clean line; raw 8-bit headers are read as UTF-8."""
    if value is None:
        return ""
    if isinstance(value, str) and "=?" not in value:
        # No encoded word: email.header.decode_header would hand it back unchanged.
        return one_line(value[:MAX_HEADER])
    source = value if isinstance(value, email.header.Header) else str(value)[:MAX_HEADER]
    try:
        chunks = email.header.decode_header(source)
    except Exception:
        return one_line(str(value)[:MAX_HEADER])
    parts = [
        decode_bytes(chunk, charset or "utf-8") if isinstance(chunk, bytes) else chunk
        for chunk, charset in chunks
    ]
    return one_line("".join(parts)[:MAX_HEADER])


class _Headers:
    """A mail's header fields by name, answering `get` and `get_all` as `Message` does.

    `get` gives the first occurrence, `get_all` every one in order, each value as the
    compat32 policy fetches it (a `Header` for a value with 8-bit bytes). `Message.get`
    scans every field for each name asked, and a mail asks for a dozen names.
    """

    def __init__(self, fields: list[tuple[str, object]]) -> None:
        """`fields` as (lower-cased name, value) pairs, in the mail's order."""
        self._fields = fields
        self._first = dict(reversed(fields))  # the first occurrence is written last

    @classmethod
    def of_message(cls, msg: EmailMessage) -> _Headers | EmailMessage:
        """The table for a parsed message, or the message itself if a field cannot be fetched."""
        try:
            return cls([(key.lower(), value) for key, value in msg.items()])
        except Exception:  # a header the policy cannot fetch: ask the message each time
            return msg

    @classmethod
    def of_fields(cls, fields: list[tuple[str, str]]) -> _Headers:
        """The table for fields as the parser stores them, fetched as `Message.get` would.

        compat32 hands back an ASCII value unchanged and wraps one with 8-bit bytes
        (surrogates, from the parser's surrogateescape decoding) in a `Header`.
        """
        fetch = compat32.header_fetch_parse
        return cls(
            [
                (key.lower(), value if value.isascii() else fetch(key, value))
                for key, value in fields
            ]
        )

    def get(self, name: str) -> object:
        return self._first.get(name.lower())

    def get_all(self, name: str) -> list[object] | None:
        name = name.lower()
        if name not in self._first:
            return None
        return [value for key, value in self._fields if key == name]


def _header(msg: EmailMessage | _Headers, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:
        return ""
    return decode_header(value) if value is not None else ""


def _msgid(value: str) -> str | None:
    value = one_line(value)
    if not value:
        return None
    ids = _msgids(value)
    return ids[0] if ids else value[:500]


def _msgids(value: str) -> list[str]:
    """The `<...>` ids in a References / In-Reply-To value, bounded in number."""
    found: list[str] = []
    start = value.find("<")
    while start != -1 and len(found) < 100:
        end = value.find(">", start)
        if end == -1:
            break
        token = value[start : end + 1]
        if 2 < len(token) < 500 and " " not in token:
            found.append(token)
        start = value.find("<", end)
    return found


def _date(msg: EmailMessage | _Headers) -> datetime | None:
    value = _header(msg, "Date")
    if not value:
        return None
    try:
        parsed = mime_fast.date(value)  # the common form without the stdlib's general parser
        if parsed is None:
            parsed = email.utils.parsedate_to_datetime(value)
    except Exception:
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError):
        return None


def _sender(msg: EmailMessage | _Headers) -> tuple[str, str]:
    for name in ("From", "Sender", "Reply-To", "Return-Path"):
        value = _header(msg, name)
        if not value:
            continue
        try:
            display, address = mime_fast.mailbox(value) or email.utils.parseaddr(value)
        except Exception:
            continue
        address = one_line(address, 320).lower()
        if "@" in address or display:
            return one_line(display, 200), address if "@" in address else ""
    return "", ""


def _recipient_headers(msg: EmailMessage | _Headers) -> tuple[object, ...]:
    values: list[object] = []
    for name in ("To", "Cc", "Delivered-To", "X-Original-To"):
        try:
            values.extend(msg.get_all(name) or [])
        except Exception:
            continue
    return tuple(values)


def _addresses(headers: tuple[object, ...]) -> list[str]:
    values = [decode_header(v) for v in headers]
    try:
        pairs = mime_fast.mailboxes(values)
        if pairs is None:
            pairs = email.utils.getaddresses(values)
    except Exception:
        return []
    return [one_line(addr, 320).lower() for _, addr in pairs if "@" in addr][:200]


def _walk(root: EmailMessage) -> tuple[list[EmailMessage], bool]:
    """Leaf parts in order (iterative, bounded), and whether the bounds cut the mail."""
    leaves: list[EmailMessage] = []
    stack: list[tuple[EmailMessage, int]] = [(root, 0)]
    cut = False
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > MAX_PARTS or depth > MAX_DEPTH:
            cut = True
            continue
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            if part.get_content_type() in ("message/rfc822", "message/delivery-status"):
                leaves.append(part)  # a forwarded mail (kept whole) or a bounce's status
                continue
            stack.extend((child, depth + 1) for child in reversed(payload))
        else:
            leaves.append(part)
    return leaves, cut


def _filename(part: EmailMessage) -> str | None:
    try:
        # Both places a name can be (Content-Disposition's filename, Content-Type's name,
        # RFC 2231 pieces included) are absent: skip parsing the parameters twice.
        if (
            part.get("content-disposition") is None
            and "name" not in str(part.get("content-type") or "").lower()
        ):
            return None
    except Exception:
        pass
    try:
        name = part.get_filename()
    except Exception:
        name = None
    if name is None:
        try:
            name = part.get_param("name")
            if isinstance(name, tuple):
                name = email.utils.collapse_rfc2231_value(name)
        except Exception:
            name = None
    if name is None:
        return None
    return decode_header(name)


def _payload_bytes(part: EmailMessage, ctype: str) -> bytes:
    """The part's decoded body; `ctype` is its `get_content_type()`, already known."""
    if ctype == "message/rfc822" or part.is_multipart():
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            try:
                return inner[0].as_bytes()
            except Exception:
                return str(inner[0]).encode("utf-8", "replace")
    try:
        data = part.get_payload(decode=True)
    except Exception:
        data = None
    if isinstance(data, bytes):
        return data
    raw = part.get_payload()
    return raw.encode("utf-8", "replace") if isinstance(raw, str) else b""


def _block_text(block: object) -> str:
    """A delivery-status block (parsed as headers) back as readable `Name: value` lines."""
    if isinstance(block, EmailMessage):
        return "\n".join(f"{k}: {decode_header(v)}" for k, v in block.items())
    return str(block)


def html_to_text(html: str) -> str:
    """Readable text for an HTML-only mail (inscriptis keeps lists and tables legible;
    imported here, as most mail has a text part: lxml costs every sync ~10 ms to load)."""
    from inscriptis import get_text

    html = html[:MAX_TEXT]
    try:
        return get_text(html)
    except Exception:  # inscriptis (lxml) gave up on this markup: strip the tags instead
        return re.sub(r"<[^>]*>", " ", html)


def parse(raw: bytes) -> ParsedMail:
    """Parse a raw mail; never raises, and says in `parse_error` what went wrong."""
    return _guarded(raw, _parse)


def _guarded(raw: bytes, parser: Callable[[bytes, str], ParsedMail]) -> ParsedMail:
    """`parser`'s result, or what the headers alone say when it fails (the tests run the
    full path alone through this, to compare it with `parse`)."""
    digest = hashlib.sha256(raw).hexdigest()
    try:
        return parser(raw, digest)
    except (RecursionError, MemoryError, Exception) as error:  # noqa: BLE001 (hostile input)
        reason = f"could not parse this mail ({type(error).__name__}: {one_line(str(error), 200)})"
        return _headers_only(raw, digest, reason)


def parse_all(raws: list[bytes]) -> list[ParsedMail]:
    """`parse` for a batch: what a parsing worker process runs (one round trip a batch)."""
    return [parse(raw) for raw in raws]


def _headers_only(raw: bytes, digest: str, reason: str) -> ParsedMail:
    """What the headers alone say, for a mail whose body defeated the parser."""
    try:
        msg = email.parser.BytesHeaderParser().parsebytes(raw[:1_000_000])
        from_name, from_address = _sender(msg)
        subject = _header(msg, "Subject")
        message_id = _msgid(_header(msg, "Message-ID"))
        in_reply_to = _msgid(_header(msg, "In-Reply-To"))
        references = _msgids(_header(msg, "References"))
        date = _date(msg)
    except Exception:  # not even the headers: everything is in the raw mail
        from_name = from_address = subject = ""
        message_id = in_reply_to = None
        references = []
        date = None
    return ParsedMail(
        from_name=from_name,
        from_address=from_address,
        subject=subject,
        date=date,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        text=f"({reason}; the raw mail is kept)",
        html=None,
        parse_error=reason,
        raw_sha256=digest,
    )


def _message_from(raw: bytes) -> EmailMessage:
    """The parsed message, fed in slices so a big mail is never decoded whole at once."""
    view = memoryview(raw)
    start = 3 if raw.startswith(b"\xef\xbb\xbf") else 0  # a byte-order mark hides every header
    while start < len(raw) and raw[start] in b"\r\n":  # so would leading blank lines
        start += 1
    parser = email.parser.BytesFeedParser()
    for offset in range(start, len(raw), FEED_CHUNK):
        parser.feed(bytes(view[offset : offset + FEED_CHUNK]))
    return parser.close()


def _parse(raw: bytes, digest: str) -> ParsedMail:
    """The fast path's answer for a simple mail, else the full parser's: always the same."""
    try:
        mail = _parse_simple(raw, digest)
    except Exception:  # noqa: BLE001 (a surprise on the fast path: the full parser decides)
        mail = None
    return mail if mail is not None else _parse_full(raw, digest)


def _parse_simple(raw: bytes, digest: str) -> ParsedMail | None:
    """`_parse_full`'s result for one text/plain or text/html part, without the stdlib parser.

    None for any other shape. The checks mirror what `_parse_full` does with such a
    mail: it is its own only leaf; with no Content-Disposition and no "name" in its
    Content-Type, `_filename` finds no name and the part counts as text; its body is
    what `get_payload(decode=True)` gives (`mime_fast.body_bytes`). Left to the full
    path: Content-Type values that are `Header`s (8-bit bytes), and an 8-bit body in a
    charset `_walk`'s `get_payload()` could fail on (that failure is the result).
    """
    split = mime_fast.split_simple(raw)
    if split is None:
        return None
    fields, body = split
    headers = _Headers.of_fields(fields)
    content_type = headers.get("content-type")
    if headers.get("content-disposition") is not None or not isinstance(content_type, str | None):
        return None
    if content_type is not None and "name" in content_type.lower():
        return None
    ctype, charset, decodes_8bit = mime_fast.content_type(content_type)
    if ctype not in ("text/plain", "text/html"):
        return None
    if not (decodes_8bit or body.isascii()):
        return None  # `_walk`'s get_payload() may raise on this body, making a parse error
    data = mime_fast.body_bytes(body, headers.get("content-transfer-encoding"))
    text = decode_bytes(data, charset)
    plain, html = ([text], []) if ctype == "text/plain" else ([], [text])
    from_name, from_address = _sender(headers)
    auto_kind = kind_from_headers(headers, from_address, ctype)
    return _mail(headers, (from_name, from_address), plain, html, [], [], auto_kind, digest)


def _parse_full(raw: bytes, digest: str) -> ParsedMail:
    """Any mail, through the stdlib's parser (compat32): the reference for the fast path."""
    msg = _message_from(raw)
    problems: list[str] = []
    if not raw.strip():
        problems.append("the message is empty")
    elif not msg.keys():
        problems.append("no mail headers found (not an RFC 822 message)")
    headers = _Headers.of_message(msg)
    from_name, from_address = _sender(headers)
    leaves, cut = _walk(msg)
    if cut:
        problems.append("nested too deeply or too many parts; the rest is only in the raw mail")
    plain: list[str] = []
    html: list[str] = []
    attachments: list[ParsedAttachment] = []
    for part in leaves:
        ctype = part.get_content_type()
        name = _filename(part)
        try:
            disposition = (part.get_content_disposition() or "").lower()
        except Exception:
            disposition = ""
        is_text = ctype in ("text/plain", "text/html") and disposition != "attachment" and not name
        if is_text:
            body = decode_bytes(_payload_bytes(part, ctype), part.get_content_charset())
            (plain if ctype == "text/plain" else html).append(body)
            continue
        if ctype == "message/delivery-status":
            status = part.get_payload()
            blocks = status if isinstance(status, list) else [status]
            plain.append("\n".join(_block_text(b) for b in blocks))
            continue
        if part is msg and ctype.startswith("text/") and not name:
            plain.append(decode_bytes(_payload_bytes(part, ctype), part.get_content_charset()))
            continue
        data = _payload_bytes(part, ctype)
        part.set_payload("")  # the decoded bytes are all we keep of a big attachment
        if not data and not name:
            continue
        fallback = "forwarded.eml" if ctype == "message/rfc822" else "attachment"
        attachments.append(
            ParsedAttachment(safe_filename(name, fallback), one_line(ctype, 100), data)
        )
    auto_kind = automatic_kind(msg, from_address, headers)
    return _mail(
        headers, (from_name, from_address), plain, html, attachments, problems, auto_kind, digest
    )


def _mail(
    headers: EmailMessage | _Headers,
    sender: tuple[str, str],
    plain: list[str],
    html: list[str],
    attachments: list[ParsedAttachment],
    problems: list[str],
    auto_kind: str | None,
    digest: str,
) -> ParsedMail:
    """The `ParsedMail` from what either path found: one place decides the text shown."""
    text = "\n\n".join(t.strip("\n") for t in plain if t.strip())
    html_text = "\n".join(html) if html else None
    if not text and html_text:
        text = html_to_text(html_text)
    text = clean(text[:MAX_TEXT]).strip("\n")
    if not text:
        if problems:
            text = "(no readable text: " + "; ".join(problems) + ")"
        elif attachments:
            text = f"(no text in this mail, only {len(attachments)} attachment(s))"
        else:
            text = "(this mail has no text)"
    return ParsedMail(
        from_name=sender[0],
        from_address=sender[1],
        subject=_header(headers, "Subject"),
        date=_date(headers),
        message_id=_msgid(_header(headers, "Message-ID")),
        in_reply_to=_msgid(_header(headers, "In-Reply-To")),
        references=_msgids(_header(headers, "References")),
        text=text,
        html=html_text,
        attachments=attachments,
        auto_kind=auto_kind,
        parse_error="; ".join(problems) or None,
        raw_sha256=digest,
        recipient_headers=_recipient_headers(headers),
    )
