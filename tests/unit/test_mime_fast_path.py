"""The parser's fast path gives exactly what the full stdlib path gives, and is taken.

`mime.parse` reads a simple single-part text mail without the stdlib's parser
(`mime._parse_simple`, helped by `mime_fast`); anything else goes through the
full path (`mime._parse_full`). Here both paths parse the same input and every
field of the two results must be equal: the real-world corpus, the benchmark's
mails, and a few thousand seeded variants around the fast path's edges (line
endings, folding, case, duplicates, encoded words, 8-bit bytes, charsets,
transfer encodings, odd addresses and dates, automatic-mail headers, and shapes
that must fall back). The exact shortcuts for `parseaddr`, `getaddresses`,
`parsedate_to_datetime`, `one_line` and header lookups, which both paths share,
are compared with the stdlib directly.
"""

from __future__ import annotations

import base64
import dataclasses
import email.header
import email.parser
import email.utils
import hashlib
import quopri
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from agentdesk.channels import mime, mime_fast
from agentdesk.channels.automatic import automatic_kind
from agentdesk.text import clean, one_line
from tests.unit.test_mime_corpus import FILES as CORPUS_FILES

# --- comparing the two paths -------------------------------------------------------


def _view(mail: mime.ParsedMail) -> dict[str, object]:
    """Every field, plus what readers derive: `to`, the recipient values as the code
    reads them (type, str, decode_header), and the date's tzinfo (== ignores it)."""
    fields = {f.name: getattr(mail, f.name) for f in dataclasses.fields(mail)}
    fields["recipient_headers"] = [
        (type(v), str(v), mime.decode_header(v)) for v in mail.recipient_headers
    ]
    fields["to"] = mail.to
    fields["date"] = (mail.date, mail.date.tzinfo) if mail.date else None
    return fields


def _full(raw: bytes) -> mime.ParsedMail:
    """What `parse` returns with no fast path (failures handled the same way)."""
    return mime._guarded(raw, mime._parse_full)


def _check(raw: bytes) -> bool:
    """Assert both paths agree on `raw` (and `parse` with them); True if the fast path took it."""
    digest = hashlib.sha256(raw).hexdigest()
    fast = mime._parse_simple(raw, digest)  # must not raise: its shapes are all understood
    full = _view(_full(raw))
    if fast is not None:
        got = _view(fast)
        assert got == full, {k: (got[k], full[k]) for k in full if got[k] != full[k]}
    assert _view(mime.parse(raw)) == full
    return fast is not None


# --- the corpus and the benchmark's mails -------------------------------------------


def test_corpus_both_paths_agree() -> None:
    assert len(CORPUS_FILES) == 393
    taken = sum(_check(path.read_bytes()) for path in CORPUS_FILES)
    assert taken >= 50, f"the fast path took only {taken} corpus mails"


def _split_is_the_feed_parsers(raw: bytes) -> bool:
    """Where `split_simple` says yes, assert its fields and body are the feed parser's."""
    split = mime_fast.split_simple(raw)
    if split is None:
        return False
    fields, body = split
    msg = mime._message_from(raw)
    assert fields == list(msg.raw_items())
    if msg.get_content_maintype() not in ("multipart", "message"):  # the rest is the body
        cte = msg.get("content-transfer-encoding")
        assert mime_fast.body_bytes(body, cte) == msg.get_payload(decode=True)
    return True


def test_corpus_split_matches_the_feed_parser() -> None:
    said_yes = 0
    for path in CORPUS_FILES:
        try:
            said_yes += _split_is_the_feed_parsers(path.read_bytes())
        except AssertionError:
            raise AssertionError(path) from None
    assert said_yes >= 100


def test_header_table_answers_as_the_message_does() -> None:
    names = ("from", "To", "CC", "subject", "Date", "message-id", "Received", "X-Nope")
    for path in CORPUS_FILES:
        msg = mime._message_from(path.read_bytes())
        table = mime._Headers.of_message(msg)
        for name in (*names, *msg.keys()):
            assert _same_value(table.get(name), msg.get(name)), (path, name)
            got, want = table.get_all(name), msg.get_all(name)
            assert (got is None) == (want is None), (path, name)
            assert all(map(_same_value, got or [], want or [])), (path, name)
        from_address = mime._sender(table)[1]
        assert automatic_kind(msg, from_address, table) == automatic_kind(msg, from_address)


def _same_value(a: object, b: object) -> bool:
    return type(a) is type(b) and str(a) == str(b)


def _bench_mails(tmp_path: Path) -> list[bytes]:
    """The benchmark's mails (`bench.mail_data.mails`) from a small demo store."""
    from agentdesk.demo import write_demo
    from agentdesk.store import Store
    from bench.mail_data import mails

    store = Store.open(tmp_path / "demo.db")
    write_demo(store, 80)
    return list(mails(tmp_path / "demo.db", 10_000))


def _bench_like(rng: random.Random, n: int) -> Iterator[bytes]:
    """Mails shaped as `bench.mail_data.mails` writes them, with names of every kind."""
    names = ["Ada Lovelace", "José Núñez", "Zoë Wei", "Xenia Yılmaz", "O'Brien", "Dr. Who"]
    locals_ = ["ada", "jose.nunez", "zoë", "x+tag", "o'brien"]
    for i in range(n):
        name, local = rng.choice(names), rng.choice(locals_)
        sender = rng.choice(
            [f"{name} <{local}@example.com>", "Shop Support <help@shop.test>", f"{name} <@{local}>"]
        )
        headers = [
            f"From: {sender}",
            f"To: {rng.choice(['Shop Support <help@shop.test>', 'customer@example.com'])}",
            f"Subject: {rng.choice(['Where is my order #1000?', 'Rückgabe', 'Re: hi'])}",
            f"Date: {email.utils.format_datetime(_random_moment(rng))}",
            f"Message-ID: <m{i}.c{i // 3}@bench.test>",
        ]
        if i % 3:
            headers.append(f"In-Reply-To: <m{i - 1}.c{i // 3}@bench.test>")
            headers.append(f"References: <m{i - 1}.c{i // 3}@bench.test>")
        headers += [
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
        ]
        body = rng.choice(["Hi,\n\nthanks!\n", "Grüße,\nJosé", "", "€ 12,50\n\n-- \nSig"])
        body = body.replace("\n", "\r\n")
        yield ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode()


def _random_moment(rng: random.Random) -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(10**8))


def test_benchmark_mails_take_the_fast_path(tmp_path: Path) -> None:
    raws = _bench_mails(tmp_path) + list(_bench_like(random.Random(5), 300))
    assert len(raws) > 350
    for raw in raws:
        assert _check(raw), raw[:300]


# --- generated variants around the fast path's edges -----------------------------------

_NAMES = [
    "Ada Lovelace",
    '"Lovelace, Ada"',
    '"Ada \\"the\\" Countess"',
    "Ada (Countess) Lovelace",
    "=?utf-8?q?Jos=C3=A9_N=C3=BA=C3=B1ez?=",
    "=?iso-8859-1?q?J=F6rg?=",
    "José Núñez",  # raw UTF-8
    '""',
    "Dr. Who",
    "A  B",
    "Name\twith tab",
    "MAILER-DAEMON",
    "",
]
_ADDRESSES = [
    "ada@example.com",
    "Ada.Lovelace+tag@Example.COM",
    "zoë@example.com",
    "@handle",
    "mailer-daemon@x.test",
    "postmaster@x.test",
    "a..b@c.d",
    "a@b",
    "a@",
    "@",
    "a@b.",
    "a@[127.0.0.1]",
    '"quoted local"@x.test',
    "a@b@c",
    "",
]


def _mailbox_text(rng: random.Random) -> str:
    name, address = rng.choice(_NAMES), rng.choice(_ADDRESSES)
    shape = rng.randrange(8)
    if shape == 0:
        return address
    if shape == 1:
        return f"<{address}>"
    if shape == 2:
        return f"{address} (Comment, here)"
    if shape == 3:
        return f"{name}<{address}>"
    if shape == 4:
        return "undisclosed-recipients:;"
    return f"{name} <{address}>"


def _address_list(rng: random.Random) -> str:
    return rng.choice([", ", ",", " , ", ",, "]).join(
        _mailbox_text(rng) for _ in range(rng.choice([1, 1, 1, 2, 3]))
    )


_SUBJECTS = [
    "Where is my order #10000?",
    "=?utf-8?q?R=C3=BCckgabe_bitte?=",
    "=?utf-8?b?" + base64.b64encode("Grüße aus Köln".encode()).decode() + "?=",
    "=?x-klingon?q?caf=E9?=",
    "Re: =?iso-8859-1?q?caf=E9?= and more",
    "Undeliverable: your order",
    "Out of Office: back Monday",
    "Automatic reply: hi",
    "Delivery Status Notification (Failure)",
    "Returned mail: see transcript",
    "  leading and trailing spaces   ",
    "tab\there",
    "escape \x1b[31mred",
    "Grüße",  # raw UTF-8
    "x" * 5000,  # longer than MAX_HEADER
    "",
    "=?",
    "a=?b",
]
_DATES = [
    "Thu, 26 Nov 2026 16:06:36 +0000",
    "26 Nov 2026 16:06:36 +0000",
    "Thu, 6 Nov 2026 16:06:36 -0000",
    "Thu, 06 Nov 2026 16:06:36 +0530",
    "Mon, 01 Jan 2001 00:00:00 -0800",
    "Thu, 26 Nov 2026 16:06:36 +9999",
    "Thu, 26 Nov 2026 16:06:36 +0099",
    "Fri, 31 Dec 9999 23:59:59 -1200",
    "Sat, 30 Feb 2026 10:00:00 +0000",
    "Sat, 28 Feb 2026 24:00:00 +0000",
    "Sat, 28 Feb 2026 23:59:60 +0000",
    "Thu, 26 nov 2026 16:06:36 +0000",
    "Thu, 26 Nov 26 16:06:36 +0000",
    "Thu, 26 Nov 0026 16:06:36 +0000",
    "Thu, 26 Nov 2099 16:06:36 GMT",
    "Thu, 26 Nov 2026 16:06 +0000",
    "Thu, 26 Nov 2026 16:06:36 +0000 (UTC)",
    "Thu,26 Nov 2026 16:06:36 +0000",
    "Thursday, 26-Nov-26 16:06:36 EST",
    "yesterday",
    "",
]
_CONTENT_TYPES = [
    None,
    "text/plain",
    "text/plain; charset=utf-8",
    'text/plain; charset="UTF-8"',
    "text/plain; charset=iso-8859-1",
    "text/plain; charset=us-ascii",
    "text/plain; charset=windows-1252",
    "text/plain; charset=x-unknown",
    "text/plain; charset=idna",
    "text/plain; charset*=utf-8''utf-8",
    "text/plain; charset=utf-8; format=flowed; delsp=yes",
    "text/plain;\r\n\tcharset=utf-8",
    "TEXT/PLAIN; CHARSET=UTF-8",
    "text/html; charset=utf-8",
    "text",
    "text/plain/extra",
    "text/calendar; method=REQUEST",
    "text/plain; name=notes.txt",
    "application/octet-stream",
    "multipart/alternative; boundary=XX",
    "multipart/mixed",
    "message/rfc822",
    "text/plain; charset=Grüße",
    "",
    "text/plain; charset=",
    "text/plain; charset=base64",
    "text/plain; charset=utf-8 (a comment)",
    "text/plain; charset*0=utf; charset*1=-8",
]
_ENCODINGS = [None, None, "7bit", "8bit", "8BIT", "quoted-printable", "base64", "Base64 ",
              "binary", "x-uuencode", "garbage", ""]  # fmt: skip
_AUTOMATIC = [
    "Auto-Submitted: auto-replied",
    "Auto-Submitted: auto-generated",
    "Auto-Submitted: no",
    "Precedence: bulk",
    "Precedence: auto_reply",
    "Precedence: junk",
    "List-Id: <list.x.test>",
    "List-Unsubscribe: <mailto:x@x.test>",
    "X-Autoreply: yes",
    "X-Autorespond: yes",
    "X-Auto-Response-Suppress: OOF",
    "X-Failed-Recipients: a@b.test",
    "Content-Disposition: inline",
    "Content-Disposition: attachment; filename=x.txt",
]
_BODIES = [
    "",
    "Hi,\n\nwhere is my order?\n\nThanks,\nAda\n",
    "  starts with blanks\n",
    "\n\nstarts with blank lines",
    "trailing spaces   \n\n\n",
    "Grüße, José — € 12,50\n",
    "<html><body><p>Hello <b>there</b></p></body></html>",
    "=?utf-8?q?not_a_header?=\n",
    "line with =3D quoted =\nsoft break\n",
    "From the start of a line\n",
    "x" * 3000,
]


def _header_name(rng: random.Random, name: str) -> str:
    if rng.random() < 0.15:
        return rng.choice([name.upper(), name.lower(), name.swapcase()])
    return name


def _after_colon(rng: random.Random, line: str) -> str:
    """The blanks after a field's colon, as mailers write them (none, a tab, several)."""
    if rng.random() < 0.8:
        return line
    name, _, value = line.partition(": ")
    return name + ":" + rng.choice(["", "\t", "  ", " \t ", "\t\t"]) + value


def _fold(rng: random.Random, value: str, eol: str) -> str:
    """Fold a value at a space as a mailer would (keeps the line break in the value)."""
    if " " not in value or rng.random() < 0.8:
        return value
    head, _, tail = value.partition(" ")
    return head + eol + rng.choice([" ", "\t", "  "]) + tail


def _encode_body(rng: random.Random, text: str, cte: str | None, charset: str) -> bytes:
    data = text.encode(charset, "replace")
    name = (cte or "").strip().lower()
    if name == "quoted-printable":
        return quopri.encodestring(data) if rng.random() < 0.8 else data
    if name == "base64":
        if rng.random() < 0.8:
            return base64.encodebytes(data)
        return b"bm90IGJhc2U2N=\n!!"
    return data


def _variant(rng: random.Random) -> bytes:
    """One mail built from random pieces; mostly near the fast path, some well outside."""
    eol = rng.choice(["\r\n", "\r\n", "\n", "mixed"])

    def end() -> str:
        return rng.choice(["\r\n", "\n"]) if eol == "mixed" else eol

    headers: list[str] = []
    if rng.random() < 0.85:
        headers.append(f"{_header_name(rng, 'From')}: {_mailbox_text(rng)}")
    for name in ("Sender", "Reply-To", "Return-Path"):
        if rng.random() < 0.1:
            headers.append(f"{name}: {_mailbox_text(rng)}")
    if rng.random() < 0.9:
        headers.append(f"{_header_name(rng, 'To')}: {_address_list(rng)}")
    for name in ("Cc", "Delivered-To", "X-Original-To", "To"):
        if rng.random() < 0.12:
            headers.append(f"{name}: {_address_list(rng)}")
    headers.append(f"{_header_name(rng, 'Subject')}: {rng.choice(_SUBJECTS)}")
    if rng.random() < 0.08:
        headers.append(f"Subject: {rng.choice(_SUBJECTS)}")  # a duplicate: the first counts
    if rng.random() < 0.9:
        headers.append(f"Date: {rng.choice(_DATES)}")
    if rng.random() < 0.05:
        headers.append(f"Date: {rng.choice(_DATES)}")
    if rng.random() < 0.9:
        headers.append(f"Message-ID: {rng.choice(['<a.1@x.test>', 'a.1@x.test', '', '<a b>'])}")
    if rng.random() < 0.5:
        refs = " ".join(f"<r{i}@x.test>" for i in range(rng.randrange(4)))
        headers.append(f"In-Reply-To: {refs.split(' ')[0]}")
        headers.append(f"References: {refs}")
    if rng.random() < 0.7:
        headers.append("MIME-Version: 1.0")
    content_type = rng.choice(_CONTENT_TYPES)
    if content_type is not None:
        headers.append(f"{_header_name(rng, 'Content-Type')}: {content_type}")
    if rng.random() < 0.05:
        headers.append(f"Content-Type: {rng.choice(_CONTENT_TYPES[1:])}")
    cte = rng.choice(_ENCODINGS)
    if cte is not None:
        headers.append(f"Content-Transfer-Encoding: {cte}")
    if rng.random() < 0.25:
        headers.append(rng.choice(_AUTOMATIC))
    if rng.random() < 0.05:
        headers.append(rng.choice(["X-Empty:", "X-Blank:    ", "X-Odd-Name!#: v"]))
    if rng.random() < 0.2:
        rng.shuffle(headers)
    charset = rng.choice(["utf-8", "utf-8", "latin-1"])
    lines = [_fold(rng, _after_colon(rng, h), end()) for h in headers]
    head = "".join(line + end() for line in lines).encode(charset, "replace")
    body_text = rng.choice(_BODIES)
    body = _encode_body(rng, body_text, cte, charset)
    if eol != "\n":
        body = body.replace(b"\n", b"\r\n")
    raw = head + end().encode() + body
    return _damage(rng, raw)


def _damage(rng: random.Random, raw: bytes) -> bytes:
    """Now and then, one of the shapes the fast path must leave to the full parser."""
    roll = rng.random()
    if roll > 0.2:
        return raw
    damage = rng.choice(
        [
            lambda r: b"\xef\xbb\xbf" + r,  # byte-order mark
            lambda r: b"\r\n" + r,  # blank line first
            lambda r: b"From someone@x.test Thu Nov 26 16:06:36 2026\n" + r,  # mbox envelope
            lambda r: r.replace(b"Subject", b"Subject\x00", 1),  # NUL in a header
            lambda r: r + b"\x00",  # NUL in the body
            lambda r: r.replace(b"\n", b"\nno colon on this line\n", 1),
            lambda r: r.replace(b"\n", b"\n: empty name\n", 1),
            lambda r: r.replace(b"\n", b"\nX-Space : before colon\n", 1),
            lambda r: r.replace(b"\n", b"\n continuation after the first line\n", 1),
            lambda r: b" starts with a continuation\n" + r,
            lambda r: r.replace(b"\r\n", b"\r", 1),  # a lone CR
            lambda r: r.replace(b"\r\n\r\n", b"\r\n", 1).replace(b"\n\n", b"\n", 1),  # no blank
            lambda r: r.split(b"\n\n")[0].split(b"\r\n\r\n")[0],  # headers only
            lambda r: r.replace(b"\n", b"\n\r\n", 1),  # blank line early
            lambda r: r.replace(b"\r\n", b"\n\r", 1),
            lambda r: r[: rng.randrange(len(r) + 1)],  # cut anywhere
            lambda r: r.replace(b"a", b"\xe9"),  # Latin-1 bytes everywhere
            lambda r: r.replace(b"@", b"\xff@", 1),
            lambda r: b"",
            lambda r: b"   \r\n",
        ]
    )
    return damage(raw)


_SIMPLE = [
    b"From: Ada <ada@x.test>\r\nSubject: hi\r\n\r\nbody\r\n",
    b"From: Ada <ada@x.test>\nSubject: hi\n\nbody\n",
    b"From: Ada <ada@x.test>\r\nSubject: hi\n\r\nbody\r\n",  # mixed line ends
    b"From: Ada <ada@x.test>\r\nSubject: a long\r\n folded\r\n\tsubject\r\n\r\nbody",
    b"from: ada@x.test\r\nSUBJECT: =?utf-8?q?R=C3=BCckgabe?=\r\n\r\nbody",
    b"From: =?utf-8?q?Jos=C3=A9?= <jose@x.test>\r\nSubject:\r\n\r\n",
    "From: José <zoë@x.test>\r\nSubject: Grüße\r\n\r\nGrüße".encode(),
    b"From: J\xf6rg <j@x.test>\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\nJ\xf6rg",
    b"From: a@x.test\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nJ\xf6rg (wrong charset)",
    b"From: a@x.test\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\nabc",
    b'From: a@x.test\r\nContent-Type: text/plain; charset="UTF-8"; format=flowed\r\n\r\nabc',
    b"From: a@x.test\r\nContent-Type: text/html\r\n\r\n<p>Hello <b>there</b></p>",
    b"From: a@x.test\r\nContent-Type: text/plain\r\nContent-Type: multipart/mixed\r\n\r\nx",
    b"From: a@x.test\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nJ=C3=B6rg =\r\nx",
    b"From: a@x.test\r\nContent-Transfer-Encoding: base64\r\n\r\nSm9zw6k=\r\n",
    b"From: a@x.test\r\nSubject: hi\r\n\r\n",  # empty body
    b"From: a@x.test\r\n\r\n   \r\n  starts with blanks  \r\n\r\n",
    b"Subject: no sender\r\nReply-To: r@x.test\r\n\r\nbody",
    b"From: MAILER-DAEMON@x.test\r\nSubject: Undeliverable: x\r\n\r\nbody",
    b"From: a@x.test\r\nAuto-Submitted: auto-replied\r\n\r\nbody",
    b"From: a@x.test\r\nPrecedence: bulk\r\nList-Id: <l.x.test>\r\n\r\nbody",
    b'From: "Lovelace, Ada" <ada@x.test>\r\nTo: a@x.test, "B, C" <b@x.test>\r\n\r\nx',
    b"From: Ada (the countess) <ada@x.test>\r\nTo: a@x.test (A)\r\n\r\nx",
    b"From: a@x.test\r\nDate: Sat, 30 Feb 2026 10:00:00 +0000\r\n\r\nbad date",
    b"From: a@x.test\r\nDate: Thu, 26 Nov 2099 16:06:36 -0000\r\n\r\nfuture",
    b"From: a@x.test\r\nSubject: " + b"x" * 5000 + b"\r\n\r\nlong subject",
    b"From: Name <@handle>\r\nTo: Shop <help@shop.test>\r\n\r\nchat",
    b"From: a@x.test\r\nX-Empty:\r\nX-Blank:   \r\n\r\nx",
    b"From: a@x.test\r\nSubject: hi\n\nbody\r\n\r\nmore",  # "\n" blank line, then "\r\n" ones
    b"From:a@x.test\r\nSubject:\thi\r\nTo: \t b@x.test\r\n\r\nblanks after colons",
]
_FALL_BACK = [
    b"\xef\xbb\xbfFrom: a@x.test\r\n\r\nbom",
    b"\r\nFrom: a@x.test\r\n\r\nblank first",
    b"From a@x.test Thu Nov 26 16:06:36 2026\r\nFrom: a@x.test\r\n\r\nmbox",
    b"From: a@x.test\r\nSubject: a\x00b\r\n\r\nNUL",
    b"From: a@x.test\r\nno colon\r\n\r\nbody",
    b"From: a@x.test\r\nSubject: hi\r\nbody without blank line",
    b"From: a@x.test\rSubject: lone CR\r\n\r\nx",
    b"From: a@x.test\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nx\r\n--b--",
    b"From: a@x.test\r\nContent-Type: text/plain; name=a.txt\r\n\r\nx",
    b"From: a@x.test\r\nContent-Disposition: inline\r\n\r\nx",
    b"From: a@x.test\r\nContent-Type: text/plain; charset*=utf-8''utf-8\r\n\r\nJ\xc3\xb6rg",
    b"From: a@x.test\r\nContent-Type: text/plain; charset=idna\r\n\r\nJ\xc3\xb6rg",
    b"From: a@x.test\r\nContent-Type: message/rfc822\r\n\r\nFrom: b@x.test\r\n\r\nx",
    b"",
    b"just some text",
]


@pytest.mark.parametrize("raw", _SIMPLE, ids=range(len(_SIMPLE)))
def test_simple_shapes_take_the_fast_path(raw: bytes) -> None:
    assert _check(raw)


@pytest.mark.parametrize("raw", _FALL_BACK, ids=range(len(_FALL_BACK)))
def test_other_shapes_fall_back(raw: bytes) -> None:
    assert not _check(raw)


def test_hostile_header_blocks_are_declined_without_backtracking() -> None:
    """Each of these is turned down after a linear scan (milliseconds); a pattern that
    backtracks would take minutes on them (the suite's timeout would stop it)."""
    hostile = [
        b"X-A" + b"x" * 1_000_000 + b"\r\n\r\nbody",  # one long line without a colon
        b"X-A:" + b" " * 500_000 + b"\rz\r\n\r\nbody",  # blanks, then a lone CR
        (b"abcdefghij" * 30 + b"\n") * 3000 + b"\n",  # many lines without colons
        b"X-A: a\n" + b" b\r\n" * 100_000 + b"\rx\n\n",  # many continuations, then a lone CR
        b":" * 1_000_000 + b"\n\n",
    ]
    for raw in hostile:
        assert mime_fast.split_simple(raw) is None
    for value in ("a " * 2000 + "<x", "a." * 2000 + "@", '"' + "a" * 4000, "a@" + "b." * 1999):
        assert mime_fast.mailbox(value) is None


def test_generated_variants_agree() -> None:
    rng = random.Random(20261127)
    taken = 0
    count = 3000
    for _ in range(count):
        raw = _variant(rng)
        try:
            _split_is_the_feed_parsers(raw)
            taken += _check(raw)
        except AssertionError as error:
            raise AssertionError(f"{raw!r}\n{error}") from None
    assert taken > count // 3, f"the fast path took only {taken} of {count}"


# --- the shortcuts both paths share, against the stdlib ------------------------------


def _address_values(rng: random.Random, n: int) -> Iterator[str]:
    """Header values as `decode_header` hands them to the address functions, and raw ones."""
    for _ in range(n):
        value = _address_list(rng) if rng.random() < 0.5 else _mailbox_text(rng)
        yield mime.decode_header(value) if rng.random() < 0.8 else value


def test_mailbox_is_parseaddr() -> None:
    rng = random.Random(1)
    taken = 0
    for value in _address_values(rng, 5000):
        got = mime_fast.mailbox(value)
        if got is not None:
            taken += 1
            assert got == email.utils.parseaddr(value), value
    assert taken > 1000


def test_mailboxes_is_getaddresses() -> None:
    rng = random.Random(2)
    taken = 0
    for _ in range(3000):
        values = list(_address_values(rng, rng.choice([1, 1, 2, 3])))
        got = mime_fast.mailboxes(values)
        if got is not None:
            taken += 1
            assert got == email.utils.getaddresses(values), values
    assert taken > 300
    quoted = ['"Lovelace, Ada" <ada@x.test>', "b@x.test, Zoë <zoë@x.test>"]
    assert mime_fast.mailboxes(quoted) == email.utils.getaddresses(quoted)


def test_date_is_parsedate_to_datetime() -> None:
    rng = random.Random(3)
    values = list(_DATES)
    for _ in range(3000):
        moment = _random_moment(rng)
        text = email.utils.format_datetime(moment)
        zone = rng.choice(["+0000", "-0000", "+0530", "-1130", "+2359", "-9999", "+0160"])
        text = text[:-5] + zone
        if rng.random() < 0.3:
            text = text[5:]  # no day name
        if rng.random() < 0.1:
            text = text.replace(" 0", " ", 1)  # a one-digit day
        values.append(text)
    taken = 0
    for value in values:
        try:
            want: object = email.utils.parsedate_to_datetime(value)
        except Exception as error:  # noqa: BLE001 (the error class is what must agree)
            want = type(error)
        try:
            got: object = mime_fast.date(value)
        except Exception as error:  # noqa: BLE001
            got = type(error)
        if got is None:
            continue
        taken += 1
        assert got == want, value
        if isinstance(got, type):
            continue
        assert got.tzinfo == want.tzinfo, value  # type: ignore[attr-defined]
    assert taken > 2500


def test_one_line_shortcut_is_one_line() -> None:
    rng = random.Random(4)
    alphabet = (
        "ab c\t\n\r\x0b\x0c\x1b[31m\x00\x7f\x85\x9b\x9d\xa0\u2028\u3000\u200b\ufeff\u202e\u2066"
        "é€Zoë😀\udcc3 " + "".join(map(chr, range(32, 127)))
    )
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(30)))
        limit = rng.choice([None, 0, 1, 5, 10, 40])
        line = " ".join(clean(text, keep_newlines=False).split())  # one_line without its shortcut
        if limit is not None and len(line) > limit:
            line = line[: max(limit - 1, 0)] + "…"
        assert one_line(text, limit) == line, (text, limit)


def test_decode_header_shortcut_premise() -> None:
    """Without "=?" the stdlib hands a value back whole, so `decode_header` may skip it."""
    for value in ("plain", "a = ? b", "?=", "=", "x" * 5000, "Grüße", "tab\there", ""):
        assert email.header.decode_header(value) == [(value, None)]
        assert mime.decode_header(value) == one_line(value[: mime.MAX_HEADER])


def test_header_table_of_fields_is_the_message() -> None:
    """The fast path's table answers as the parsed message would, 8-bit values included."""
    rng = random.Random(6)
    for _ in range(500):
        raw = _variant(rng)
        split = mime_fast.split_simple(raw)
        if split is None:
            continue
        msg = email.parser.BytesParser().parsebytes(raw)
        table = mime._Headers.of_fields(split[0])
        for name in {*msg.keys(), "x-absent"}:
            assert _same_value(table.get(name), msg.get(name)), name
            assert [str(v) for v in table.get_all(name) or []] == [
                str(v) for v in msg.get_all(name) or []
            ], name
