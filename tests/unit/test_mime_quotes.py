"""Quoted history and signatures are split off a reply (folded in the thread view)."""

from __future__ import annotations

import time
from pathlib import Path

from agentdesk.channels.mime import parse
from agentdesk.channels.quotes import split_reply

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "email"


def test_common_clients() -> None:
    for name in (
        "gmail.eml",
        "outlook.eml",
        "aol.eml",
        "yahoo.eml",
        "apple_mail.eml",
        "hotmail.eml",
        "iphone.eml",
    ):
        split = split_reply(parse((CORPUS / "mailgun-talon" / name).read_bytes()).text)
        assert split.fresh == "Hello", name
        assert split.folded


def test_signatures_and_no_false_cuts() -> None:
    assert split_reply("Thanks!\n\n-- \nAda\nShop Ltd").fresh == "Thanks!"
    assert split_reply("Here it is\n\nSent from my iPhone").fresh == "Here it is"
    text = "And here is a fix -- this is not a signature.\nOn my side all is well."
    assert split_reply(text).fresh == text and split_reply(text).folded == ""
    assert split_reply("> only a quote").fresh == "> only a quote"


def test_long_quote_is_fast() -> None:
    text = (CORPUS / "github-email_reply_parser" / "email_long_quote.txt").read_text(
        errors="replace"
    )
    started = time.monotonic()
    split_reply(text)
    assert time.monotonic() - started < 1.0
