"""The search box language: parsing cases and the FTS5 expression they become."""

from __future__ import annotations

import pytest

from agentdesk.services.query import Filter, Term, fts5_expression, parse


@pytest.mark.parametrize(
    ("text", "terms", "filters"),
    [
        ("refund", [Term("refund")], []),
        ("refund broken", [Term("refund"), Term("broken")], []),
        ('"not arrived" teapot', [Term("not arrived", phrase=True), Term("teapot")], []),
        ("from:ada@example.com", [Term("ada@example.com", True, False, "author")], []),
        ('subject:"late parcel"', [Term("late parcel", True, False, "subject")], []),
        ("tag:late -tag:vip", [], [Filter("tag", "late"), Filter("tag", "vip", True)]),
        ('tag:"late by carrier"', [], [Filter("tag", "late by carrier")]),
        ("status:Open channel:chat", [], [Filter("status", "open"), Filter("channel", "chat")]),
        ("assignee:me is:unassigned is:mine", [], [
            Filter("assignee", "me"), Filter("is", "unassigned"), Filter("is", "mine")]),
        ("has:attachment before:2026-11-01 after:7d", [], [
            Filter("has", "attachment"), Filter("before", "2026-11-01"), Filter("after", "7d")]),
        ("refund AND tag:x", [Term("refund")], [Filter("tag", "x")]),
        ("-broken mug", [Term("broken", negated=True), Term("mug")], []),
        ('-"so sorry"', [Term("so sorry", phrase=True, negated=True)], []),
        ("to:Shop", [], [Filter("to", "Shop")]),
        ("foo:bar", [Term("foo:bar", phrase=True)], []),
        ('"unterminated quote', [Term("unterminated quote", phrase=True)], []),
        ("- lonely dash", [Term("lonely"), Term("dash")], []),
        ("!!! ??", [], []),
        ("", [], []),
    ],
)
def test_parse(text: str, terms: list[Term], filters: list[Filter]) -> None:
    query = parse(text)
    assert list(query.terms) == terms
    assert list(query.filters) == filters


def test_sort_operator() -> None:
    assert parse("refund sort:urgency").sort == "urgency"
    assert parse("sort:bogus").sort is None


def test_fts5_expression_quotes_everything() -> None:
    query = parse('refund "not arrived" from:ada -broken')
    assert fts5_expression(query.terms) == '(("refund" AND "not arrived" AND author : "ada") NOT "broken")'
    # User text can never become FTS5 syntax: quotes are doubled, operators stay words.
    assert fts5_expression(parse('a"b OR NEAR(x').terms) == '("a""b" AND "OR" AND "NEAR(x")'
    assert fts5_expression(parse("-only").terms) is None
