"""Exact shortcuts for the stdlib `email` calls that `mime.parse` makes, on simple input.

Most mail a shop receives is one text part with a handful of one-line headers, yet
the stdlib's feed parser, `parseaddr`, `getaddresses` and `parsedate_to_datetime`
spend most of `parse`'s time on it. Each function here recognises one narrow,
common shape and answers exactly what the stdlib call it stands for would answer
(compat32 policy, the Python the project runs on); for anything else it returns
None, and the caller asks the stdlib. The shapes are kept narrow on purpose: a
shortcut only has to be right where it says yes, and tests/unit/test_mime_fast_path.py
compares every shortcut with the stdlib on the real-world corpus and on generated
variants around each shape's edges.
"""

from __future__ import annotations

import codecs
import datetime
import functools
import re
from email.message import Message
from typing import NamedTuple

#: Transfer encodings `Message.get_payload(decode=True)` decodes; any other value
#: (absent, 7bit, 8bit, binary, nonsense) leaves the body bytes as they are.
_DECODED_ENCODINGS = frozenset(
    ("quoted-printable", "base64", "x-uuencode", "uuencode", "uue", "x-uue")
)

# One header field as the feed parser reads it with nothing special to do: a first line
# that starts with a name of the characters its `headerRE` allows and a colon (a name
# holds no space, so an envelope "From " line never fits), then any continuation lines
# (leading space or tab); each line ends in "\n" or "\r\n" and holds no other "\r"
# (the parser would end a line there). Captured: the name, and the value as compat32's
# `header_source_parse` makes it, without the blanks after the colon, continuation
# lines kept with their line breaks, and without the final line break.
# Anchored at line starts and possessive throughout, so that hostile input (a long line
# without a colon, blanks before a lone "\r") costs linear time: re.split searches the
# whole block, and a field that fails must fail without trying each shorter reading.
_FIELD = re.compile(
    r"(?m)^([\x21-\x39\x3b-\x7e]++):[ \t]*+([^\r\n]*+(?:\r?\n[ \t][^\r\n]*+)*+)\r?\n"
)


def split_simple(raw: bytes) -> tuple[list[tuple[str, str]], bytes] | None:
    """(name, value) fields and body bytes of `raw` as `BytesFeedParser` stores them, or None.

    The feed parser splits lines at "\\r\\n", "\\n" and a lone "\\r", takes header lines
    up to the first line that is not one, throws that line away if it is blank and
    keeps the rest, unchanged, as the body. Said yes to only when that is plain to
    see: the text up to the first blank line ("\\n" or "\\r\\n") is nothing but
    `_FIELD`s, one after the other. A NUL anywhere, a byte-order mark or blank lines
    before the headers (which `mime._message_from` strips first), an envelope "From "
    line, a lone "\\r", a line that is neither field nor continuation, or no blank
    line at all: None.
    """
    if b"\x00" in raw:
        return None
    crlf = raw.find(b"\n\r\n")  # the usual blank line; a bare "\n" one may come first
    lf = raw.find(b"\n\n", 0, crlf + 1 if crlf != -1 else len(raw))
    if lf != -1:
        end, body_start = lf + 1, lf + 2
    elif crlf != -1:
        end, body_start = crlf + 1, crlf + 3
    else:
        return None
    text = raw[:end].decode("ascii", "surrogateescape")  # as BytesFeedParser decodes
    # re.split gives [gap, name, value, gap, name, value, ..., gap]: the text is all
    # fields, back to back from its start to its end, exactly when every gap is empty.
    parts = _FIELD.split(text)
    if any(parts[::3]):
        return None
    return list(zip(parts[1::3], parts[2::3], strict=True)), raw[body_start:]


class ContentType(NamedTuple):
    """What the stdlib makes of a single part's first Content-Type field."""

    type: str
    """`Message.get_content_type()`."""
    charset: str | None
    """`Message.get_content_charset()`."""
    decodes_8bit: bool
    """Whether `Message.get_payload()` turns any 8-bit body into text without raising.

    For a body with 8-bit bytes it decodes with the raw charset parameter and only
    catches LookupError: an RFC 2231 charset (a tuple) or a codec such as idna (which
    refuses errors="replace") makes it raise, and `mime.parse` then reports a
    parse error. True only for codecs known never to raise, or none at all."""


#: Codecs (by `codecs.lookup` name) whose decoding with errors="replace" never raises.
_NEVER_RAISE = frozenset(
    ("ascii", "utf-8", "iso8859-1", "iso8859-2", "iso8859-9", "iso8859-15")
    + tuple(f"cp125{n}" for n in range(9))
)


def content_type(value: object) -> ContentType:
    """The stdlib's reading of a message whose first Content-Type field is `value`
    (None: it has none), asked of the stdlib itself.

    `get_content_type`, `get_content_charset` and `get_param` read only the first
    Content-Type field, so a one-field message answers as the whole mail would. Most
    mail repeats a few values, so short string values are cached (a long one, which
    only hostile mail has, is not kept).
    """
    if isinstance(value, str) and len(value) <= 200:
        return _cached_content_type(value)
    return _content_type(value)


def _content_type(value: object) -> ContentType:
    msg = Message()
    if value is not None:
        msg.set_raw("Content-Type", value)  # type: ignore[arg-type]  # a Header is fine too
    payload_charset = msg.get_param("charset", "ascii")  # what get_payload() decodes with
    return ContentType(
        msg.get_content_type(), msg.get_content_charset(), _never_raises(payload_charset)
    )


_cached_content_type = functools.lru_cache(maxsize=512)(_content_type)


def _never_raises(charset: object) -> bool:
    if not isinstance(charset, str):
        return False
    try:
        return codecs.lookup(charset).name in _NEVER_RAISE
    except LookupError:  # get_payload() catches this one and decodes as ASCII
        return True
    except Exception:  # noqa: BLE001 (a name that breaks the lookup: not known to be safe)
        return False


def body_bytes(body: bytes, transfer_encoding: object) -> bytes:
    """What `Message.get_payload(decode=True)` gives for a single part with this body
    and this first Content-Transfer-Encoding value (None: no such field).

    For an encoding it does not decode it returns the body bytes unchanged (the feed
    parser keeps the body as text decoded with surrogateescape, and get_payload
    encodes it back the same way); the others are decoded by the stdlib itself.
    """
    encoding = str(transfer_encoding if transfer_encoding is not None else "").lower()
    if encoding not in _DECODED_ENCODINGS:
        return body
    msg = Message()
    msg.set_raw("Content-Transfer-Encoding", transfer_encoding)  # type: ignore[arg-type]
    msg.set_payload(body.decode("ascii", "surrogateescape"))
    data = msg.get_payload(decode=True)
    if not isinstance(data, bytes):  # never for a single part: the caller's full path decides
        raise TypeError(f"get_payload(decode=True) gave {type(data).__name__}")
    return data


# `parseaddr` reads a display name as words ending at any of ()<>@,:;"[] or white
# space; these words are narrower still (no backslash, no white space of any kind).
_WORD = r'[^\s()<>@,:;"\[\]\\]++'  # possessive, as below: fail fast
# A dot-atom of atext (RFC 5322's, with RFC 6532's non-ASCII characters, as in
# `zoë@example.com`): every character one `parseaddr` keeps as it is.
# Written as its complement (printable ASCII but the specials, and every non-ASCII
# character): the same set, but a range up to U+10FFFF costs re 1.7 ms to compile, and
# _MAILBOX holds ten of them (17 ms of every sync's start).
_ATEXT = r'[^\x00-\x20"(),.:;<>@\[\\\]\x7f]++'
_DOT_ATOM = rf"{_ATEXT}(?:\.{_ATEXT})*+"
_ADDR_SPEC = rf"{_DOT_ATOM}@{_DOT_ATOM}"
_MAILBOX = re.compile(
    rf'(?:(?P<name>{_WORD}(?: {_WORD})*+) ?|"(?P<quoted>[^"\\\r\n]*+)" ?)?'
    rf"<(?:(?P<angle>{_ADDR_SPEC})|@(?P<route>{_DOT_ATOM}))>"
    rf"|(?P<bare>{_ADDR_SPEC})"
)


def mailbox(value: str) -> tuple[str, str] | None:
    """`email.utils.parseaddr(value)` for one simple mailbox, else None.

    The shapes: `local@domain`, `<local@domain>`, `Name Words <local@domain>` (words
    separated by single spaces, as `mime.decode_header` leaves them) and
    `"Quoted, Name" <local@domain>` without backslashes. For these parseaddr returns
    the name (the words joined by one space, or the quoted text) and the address as
    written; no comment, group or escape is involved. One more: a route with no
    address, `Name <@domain>` (how chat handles come out), for which parseaddr skips
    the route and gives "" as the address.
    """
    match = _MAILBOX.fullmatch(value)
    if match is None:
        return None
    name, quoted, angle, bare = match.group("name", "quoted", "angle", "bare")
    if bare is not None:
        return "", bare
    return (name if name is not None else quoted or ""), angle or ""


def mailboxes(values: list[str]) -> list[tuple[str, str]] | None:
    """`email.utils.getaddresses(values)` when each value is a list of simple mailboxes.

    getaddresses joins the values with ", " and reads one mailbox after another, each
    ending at a comma; a value without double quotes can therefore be split at its
    commas, and one with quotes must be a single mailbox. An empty value or an
    empty item between commas is not simple (getaddresses gives ("", "") for it).
    """
    pairs: list[tuple[str, str]] = []
    for value in values:
        items = [value] if '"' in value else [item.strip(" ") for item in value.split(",")]
        for item in items:
            pair = mailbox(item)
            if pair is None:
                return None
            pairs.append(pair)
    return pairs


_MONTHS = {
    name: number
    for number, name in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
# RFC 5322's own date format, as mail programs write it: optional day name, day,
# month, four-digit year (no two-digit year rules apply), hh:mm:ss, numeric zone.
_DATE = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d{1,2})"
    r" (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
    r" ([1-9]\d{3}) (\d\d):(\d\d):(\d\d) ([+-]\d{4})",
    re.ASCII,  # int() would read other scripts' digits too; keep to the common case
)


def date(value: str) -> datetime.datetime | None:
    """`email.utils.parsedate_to_datetime(value)` for a date in RFC 5322's form, else None.

    Built from the same numbers with the same constructors, so an impossible date
    (day 31 of February, hour 24, a zone beyond a day) raises as the stdlib does.
    """
    match = _DATE.fullmatch(value)
    if match is None:
        return None
    day, month, year, hour, minute, second, zone = match.groups()
    return datetime.datetime(
        int(year),
        _MONTHS[month],
        int(day),
        int(hour),
        int(minute),
        int(second),
        tzinfo=_zone(zone),
    )


@functools.lru_cache(maxsize=256)
def _zone(zone: str) -> datetime.timezone | None:
    """The tzinfo `parsedate_to_datetime` gives for "+hhmm" or "-hhmm" (hh hours and mm
    minutes, even past 59); None for "-0000", "zone unknown", which it leaves naive."""
    offset = int(zone[1:3]) * 3600 + int(zone[3:5]) * 60
    if zone[0] == "-":
        if offset == 0:
            return None
        offset = -offset
    return datetime.timezone(datetime.timedelta(seconds=offset))
