"""Prefix terms (`refun*`) in search, on SQLite (FTS5 `"refun" *`) and PostgreSQL (`refun:*`).

bench/run's search figure includes prefix queries; before, `refun*` was searched as
the word "refun" and found nothing.
"""

from __future__ import annotations

from agentdesk.services.query import Term, fts5_expression, parse, prefix_of
from tests.unit.test_triage_search import Shop, ids, shop  # noqa: F401  (the fixture)


def test_prefix_terms_parse() -> None:
    assert prefix_of(Term("refun*")) == "refun"
    assert prefix_of(Term("refun*", phrase=True)) is None
    assert prefix_of(Term("*")) is None
    assert fts5_expression(parse("refun* teapot").terms) == '("refun" * AND "teapot")'
    assert fts5_expression(parse('"refun*"').terms) == '("refun*")'


def test_prefix_finds_words_starting_so(shop: Shop) -> None:  # noqa: F811
    assert set(ids(shop, "refun*")) == {shop.refund, shop.old_refund}
    assert ids(shop, "refun") == []  # the whole word "refun" is not in any message
    assert ids(shop, "teap*") == [shop.teapot]
    assert set(ids(shop, "refun* -broken")) == {shop.old_refund}
    assert ids(shop, "*") == ids(shop, "")
