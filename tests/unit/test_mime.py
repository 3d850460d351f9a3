"""The MIME parser on the cases that matter to a shop: charsets, encoded headers,
HTML-only mail, attachment names, automatic mail, and input that is not mail."""

from __future__ import annotations

import base64
import tracemalloc

from agentdesk.channels.mime import parse


def test_rfc2047_headers_in_turkish_charsets() -> None:
    subject = base64.b64encode("Sipariş gelmedi".encode("cp1254")).decode()
    raw = (
        "From: =?iso-8859-9?q?=DE=FCkr=FC_=C7elik?= <SUKRU@Example.TEST>\r\n"
        f"Subject: =?windows-1254?b?{subject}?=\r\n"
        "Content-Type: text/plain; charset=iso-8859-9\r\n\r\n"
    ).encode() + "Kargom nerede? Teşekkürler".encode("iso-8859-9")
    mail = parse(raw)
    assert mail.from_name == "Şükrü Çelik"
    assert mail.from_address == "sukru@example.test"
    assert mail.subject == "Sipariş gelmedi"
    assert mail.text == "Kargom nerede? Teşekkürler"


def test_unknown_and_wrong_charsets_decode_with_replacement() -> None:
    raw = b"From: a@b.test\r\nSubject: =?x-klingon?q?caf=E9?=\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ncaf\xe9"
    mail = parse(raw)
    assert mail.subject.startswith("caf") and mail.text.startswith("caf")
    assert mail.parse_error is None


def test_rfc2231_attachment_name_and_path_traversal() -> None:
    raw = (
        b"From: a@b.test\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n"
        b"--X\r\nContent-Type: text/plain\r\n\r\nsee file\r\n"
        b"--X\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''..%2F..%2Frechnung%20%C3%BC.pdf\r\n\r\nPDF\r\n"
        b"--X\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="C:\\\\evil\\\\..\\\\\x1b[31mx.exe"\r\n\r\nMZ\r\n--X--\r\n'
    )
    mail = parse(raw)
    names = [a.filename for a in mail.attachments]
    assert names[0] == "rechnung ü.pdf"
    assert "\\" not in names[1] and "\x1b" not in names[1] and names[1].endswith("x.exe")
    assert mail.text == "see file"


def test_html_only_mail_becomes_readable_text() -> None:
    raw = (
        b"From: a@b.test\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
        b"<html><style>p{color:red}</style><body><p>Hello <b>there</b></p><ul><li>one</li><li>two</li></ul>"
        b"<script>alert(1)</script></body></html>"
    )
    mail = parse(raw)
    assert "Hello there" in mail.text and "one" in mail.text and "two" in mail.text
    assert "<" not in mail.text and "alert" not in mail.text and "color" not in mail.text


def test_markup_and_escape_sequences_in_headers_are_plain_text() -> None:
    raw = b'From: "[b]Boss[/b] \x1b[2J" <boss@x.test>\r\nSubject: [/] \x1b]8;;http://x\x07link\r\n\r\nhi'
    mail = parse(raw)
    assert "\x1b" not in mail.from_name and "\x1b" not in mail.subject
    assert mail.subject.startswith("[/]")  # kept as text; the UI shows it without markup


def test_automatic_mail_is_recognised() -> None:
    base = b"From: someone@x.test\r\nSubject: s\r\n"
    assert parse(base + b"Auto-Submitted: auto-replied\r\n\r\nx").auto_kind == "auto-reply"
    assert parse(base + b"Auto-Submitted: no\r\n\r\nx").auto_kind is None
    assert parse(base + b"X-Autoreply: yes\r\n\r\nx").auto_kind == "auto-reply"
    assert parse(base + b"Precedence: bulk\r\n\r\nx").auto_kind == "bulk"
    assert parse(base + b"List-Id: <l.x.test>\r\n\r\nx").auto_kind == "bulk"
    dsn = b"From: MAILER-DAEMON@x.test\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n--b--\r\n"
    assert parse(dsn).auto_kind == "bounce"
    mdn = b"From: a@x.test\r\nContent-Type: multipart/report; report-type=disposition-notification; boundary=b\r\n\r\n--b--\r\n"
    assert parse(mdn).auto_kind == "read-receipt"
    assert parse(base + b"\r\nHello, a person here").auto_kind is None


def test_not_a_mail_is_kept_with_a_reason() -> None:
    for raw in (b"", b"\x00\x01\x02 binary \xff", b"just a line of text without headers\n"):
        mail = parse(raw)
        assert mail.parse_error
        assert mail.sender_label == "unknown sender"
        assert mail.text


def test_deep_nesting_does_not_crash() -> None:
    depth = 3000
    head = b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (i, i)
        for i in range(depth)
    )
    mail = parse(b"From: a@x.test\r\n" + head + b"Content-Type: text/plain\r\n\r\ndeep\r\n")
    assert mail.text  # either the text or a note that it was cut


def test_threading_headers() -> None:
    raw = (
        b"From: a@x.test\r\nMessage-ID: <1@x>\r\nIn-Reply-To: <0@y> (comment)\r\n"
        b"References: <a@y>\r\n <b@y>   <0@y>\r\n\r\nx"
    )
    mail = parse(raw)
    assert mail.message_id == "<1@x>"
    assert mail.in_reply_to == "<0@y>"
    assert mail.references == ["<a@y>", "<b@y>", "<0@y>"]


def test_a_25_mb_message_does_not_hold_many_copies() -> None:
    lines = base64.encodebytes(bytes(range(256)) * (18 * 1024 * 1024 // 256)).replace(
        b"\n", b"\r\n"
    )
    raw = (
        b"From: big@x.test\r\nSubject: big\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=Z\r\n\r\n"
        b"--Z\r\nContent-Type: text/plain\r\n\r\nbig file attached\r\n"
        b"--Z\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
        b'Content-Disposition: attachment; filename="big.bin"\r\n\r\n' + lines + b"\r\n--Z--\r\n"
    )
    assert len(raw) > 24_000_000
    tracemalloc.start()
    try:
        mail = parse(raw)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert mail.attachments[0].filename == "big.bin"
    assert peak < 6 * len(raw), f"peak {peak} for a {len(raw)}-byte mail"
