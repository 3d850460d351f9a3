"""Every file of ../shared/corpus/email goes through the parser (hostile input).

No exception, a sender or a clear "unknown sender", and a readable body or a
clear note why not. The corpus must be there: a missing corpus fails, never skips.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentdesk.channels.mime import parse

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "email"
FILES = (
    sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md")
    if CORPUS.is_dir()
    else []
)


def test_the_corpus_is_there() -> None:
    assert CORPUS.is_dir(), f"missing test corpus {CORPUS}"
    assert len(FILES) == 393


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CORPUS)) for p in FILES])
def test_corpus_file_parses(path: Path) -> None:
    raw = path.read_bytes()
    mail = parse(raw)
    assert mail.sender_label
    assert (
        mail.from_address
        or mail.sender_label == mail.from_name
        or mail.sender_label == "unknown sender"
    )
    assert mail.text.strip(), "no body and no note"
    assert "\x1b" not in mail.text and "\x1b" not in mail.subject
    assert "\n" not in mail.subject and "\r" not in mail.subject
    assert len(mail.raw_sha256) == 64
    for attachment in mail.attachments:
        assert "/" not in attachment.filename and "\\" not in attachment.filename
        assert not attachment.filename.startswith(".")
        assert 0 < len(attachment.filename) <= 120
    if mail.parse_error:
        assert mail.parse_error.strip()
