"""Templates: file format, the three folders, rendering in the sandbox, placeholders, LATTE."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agentdesk.config import AgentSettings, Settings
from agentdesk.services.views import ConversationDetail, CustomerRef, CustomerView
from agentdesk.templates import Step, coverage, load, render_for, template_settings
from agentdesk.templates.check import check, sample_detail
from agentdesk.templates.context import orders_in
from agentdesk.templates.latte import Part
from agentdesk.templates.model import Kind, parse
from agentdesk.templates.render import RenderError, fill, placeholders_in
from agentdesk.templates.settings import LIBRARY, Folder
from agentdesk.templates.suggest import search, suggest

AGENT = AgentSettings("sam", "Sam Support")
NOW = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
FULL = """<!-- latte: listen, acknowledge -->
You wrote about it, sorry.
<!-- latte: action -->
I've sent a new one.
<!-- latte: thank -->
Thanks!
<!-- latte: explain -->
It should arrive within 3 days.
"""


def write(folder: Path, name: str, header: str, body: str = FULL) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.md"
    path.write_text(f"---\nname: {name}\n{header}---\n{body}", encoding="utf-8")
    return path


def one(body: str, header: str = "kind: snippet\n", tmp: Path = Path("/nonexistent")):
    template, problems = parse(f"---\nname: t\n{header}---\n{body}", tmp / "t.md")
    assert template is not None, problems
    return template


def with_customer(name: str) -> ConversationDetail:
    detail = sample_detail()
    row = dataclasses.replace(detail.row, customer=CustomerRef(1, name, detail.row.customer.addresses))
    customer = CustomerView(1, name, False, detail.customer.addresses, [])
    return dataclasses.replace(detail, row=row, customer=customer)


def test_library_has_at_least_12_complete_latte_replies_and_snippets() -> None:
    templates = load([Folder("library", LIBRARY)])
    replies = [t for t in templates if t.kind is Kind.REPLY]
    snippets = [t for t in templates if t.kind is Kind.SNIPPET]
    assert len(replies) >= 12 and len(snippets) >= 5
    for t in replies:
        assert t.marked == frozenset(Step), t.name
    assert sorted(templates.by_slot) == list(range(1, 10))
    assert templates.problems == []
    assert check([Folder("library", LIBRARY)]) == []
    for t in templates:  # every one renders, with only explicit placeholders left
        rendered = render_for(t, sample_detail(), agent=AGENT, shop={"name": "Tea"}, now=NOW)
        assert not [p for p in rendered.placeholders if "." in p or p == "order"], (t.name, rendered.placeholders)


def test_header_fields_and_sections() -> None:
    template, problems = parse(
        "---\nname: late\ntitle: Late\nshortcut: ;lt\nslot: 3\ntags: Late, carrier\n---\n" + FULL,
        Path("late.md"),
    )
    assert problems == [] and template is not None
    assert (template.shortcut, template.slot, template.tags) == ("lt", 3, ("late", "carrier"))
    assert template.kind is Kind.REPLY and template.body_line == 8
    assert [s.line for s in template.sections] == [9, 11, 13, 15]
    assert template.sections[0].steps == {Step.LISTEN, Step.ACKNOWLEDGE}


def test_later_folders_override_earlier_by_name_and_take_slots(tmp_path: Path) -> None:
    team, me = tmp_path / "team", tmp_path / "me"
    write(team, "order-not-arrived", "title: Team version\nshortcut: nar\n")
    write(me, "mine", "slot: 2\nshortcut: m\n")
    templates = load([Folder("library", LIBRARY), Folder("team", team), Folder("personal", me)])
    assert templates.get("order-not-arrived").title == "Team version"  # type: ignore[union-attr]
    assert templates.get(";nar").origin == "team"  # type: ignore[union-attr]
    assert templates.by_slot[2].name == "mine"
    assert templates.slot_of(templates.get("order-late-carrier")) is None  # type: ignore[arg-type]
    assert 1 not in templates.by_slot  # the team's version of slot 1's template has no slot
    assert len(templates.overridden) == 1
    [note] = templates.problems  # taking a slot from an earlier folder is allowed, and said
    assert note.severity == "warning" and note.message.startswith("slot 2 takes over from ")


def test_folders_come_from_config_with_platform_defaults(tmp_path: Path) -> None:
    settings = Settings(AgentSettings("kim", "Kim"), file=tmp_path / "c.toml",
                        raw={"templates": {"team": "team"}, "shop": {"name": "Tea"},
                             "latte": {"block_agents": ["kim"]}})
    ts = template_settings(settings)
    assert [f.origin for f in ts.folders] == ["library", "team", "personal"]
    assert ts.folder("team").path == tmp_path / "team"
    assert ts.folder("personal").path.name == "templates"
    assert ts.shop == {"name": "Tea"} and ts.latte_blocks


def test_variables_are_filled_from_the_conversation() -> None:
    template = one("Hi {{ customer.first_name }} ({{ customer.name }}), #{{ ticket.id }} "
                   "{{ ticket.subject }} order {{ order }} from {{ agent.name }} at {{ shop.name }} "
                   "{{ today }} / {{ in_days(2) }}")
    text = render_for(template, sample_detail(), agent=AGENT, shop={"name": "Tea"}, now=NOW).text
    assert text == ("Hi Ada (Ada Lovelace), #1 Where is my order #10001? order 10001 from "
                    "Sam Support at Tea Friday 20 November / Sunday 22 November")


def test_a_missing_value_becomes_a_placeholder_not_an_empty_string() -> None:
    template = one("Hi {{ customer.first_name }}, {{ shop.name }} {{ nothing }} «your words»")
    rendered = render_for(template, with_customer("ada@example.com"), agent=AGENT, now=NOW)
    assert rendered.text == "Hi «customer.first_name», «shop.name» «nothing» «your words»"
    assert rendered.placeholders == ("customer.first_name", "shop.name", "nothing", "your words")
    filled = render_for(template, with_customer("ada@example.com"), agent=AGENT, now=NOW,
                        values={"customer.first_name": "Ada", "your words": "{{ 1 }}"})
    assert filled.text == "Hi Ada, «shop.name» «nothing» {{ 1 }}"


@pytest.mark.parametrize("name", ["{{ 7*7 }}", "{% for x in range(9) %}x{% endfor %}", "«shop.name»"])
def test_customer_text_is_only_a_value_never_a_template(name: str) -> None:
    template = one("Dear {{ customer.name }}!")
    text = render_for(template, with_customer(name), agent=AGENT, now=NOW).text
    assert text == f"Dear {name.replace('«', '').replace('»', '')}!"
    assert "49" not in text and "xxx" not in text


@pytest.mark.parametrize("body", [
    "{{ customer.__class__.__mro__ }}",
    "{{ customer._values }}",
    "{{ in_days.__globals__ }}",
    "{{ ''.__class__.__subclasses__() }}",
])
def test_the_sandbox_refuses_attribute_access(body: str) -> None:
    with pytest.raises(RenderError, match="not allowed|cannot render"):
        render_for(one(body), sample_detail(), agent=AGENT, now=NOW)


def test_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    template = one("line one\n{% if %}\n", tmp=tmp_path)
    with pytest.raises(RenderError) as error:
        render_for(template, sample_detail(), agent=AGENT, now=NOW)
    assert error.value.line == 6 and str(tmp_path / "t.md") in str(error.value)


def test_order_numbers_found_in_the_thread() -> None:
    detail = sample_detail()
    later = dataclasses.replace(detail.messages[0], id=2, text="also order 77123 and order no. 5521")
    detail = dataclasses.replace(detail, messages=[*detail.messages, later])
    assert orders_in(detail) == ["77123", "5521", "10001"]


def test_placeholders_and_fill() -> None:
    assert placeholders_in("a «x» b «y» «x»") == ("x", "y")
    assert fill("«x» and «y»", {"x": "1\x1b[2J«z»"}) == "1z and «y»"


def test_latte_coverage_from_template_parts_and_own_words() -> None:
    parts = [Part("Thank you for writing about «thing».", frozenset({Step.THANK}))]
    draft = "Thank you for writing about the teapot."
    assert Step.THANK in coverage(draft, parts).from_templates
    assert coverage("", parts).missing == list(Step)
    own = coverage("Sorry, I've refunded order 1. Thanks! It will show within 3 days. You wrote that it broke.")
    assert own.complete and own.line() == "LATTE ✓L ✓A ✓T ✓T ✓E"
    assert coverage("Hello").line().endswith("missing: Listen, Acknowledge, Take action, Thank, Explain")


def test_suggestions_and_fuzzy_search_put_the_best_fit_first() -> None:
    templates = list(load([Folder("library", LIBRARY)]))
    detail = sample_detail()
    damaged = dataclasses.replace(
        detail, row=dataclasses.replace(detail.row, subject="Plates"),
        messages=[dataclasses.replace(detail.messages[0], text="the box was crushed, plates cracked")],
    )
    assert suggest(templates, damaged)[0].name == "package-damaged"
    assert search(templates, "nar")[0].name == "order-not-arrived"
    assert search(templates, "refund")[0].name == "refund-status"
    assert search(templates, "closing fix")[0].name == "closing-after-fix"
    assert search(templates, "zzzz") == []


def test_check_reports_each_error_kind_with_file_and_line(tmp_path: Path) -> None:
    team = tmp_path / "team"
    syntax = write(team, "syntax", "kind: snippet\n", "ok\n{% if %}\n")
    unknown = write(team, "unknown", "kind: snippet\n", "Hi\n{{ customer.shoe_size }} {{ nope }}\n")
    dup1 = write(team, "dup-a", "shortcut: x\nslot: 2\n")
    dup2 = write(team, "dup-b", "shortcut: x\nslot: 2\n")
    partial = write(team, "partial", "latte: listen\n", "<!-- latte: listen, dance -->\nYou wrote.\n")
    header = write(team, "header", "slot: 12\ncolour: red\n")
    problems = check([Folder("library", LIBRARY), Folder("team", team)])
    found = {(p.file, p.line, p.message.split(" (")[0].split(":")[0]) for p in problems}
    assert (syntax, 6, "syntax error") in found
    assert (unknown, 6, "unknown variable 'customer.shoe_size'") in found
    assert (unknown, 6, "unknown variable 'nope'") in found
    assert (dup2, 3, "shortcut ;x is also used by " + str(dup1)) in found
    assert (dup2, 4, "slot 2 is also used by " + str(dup1)) in found
    assert (partial, 3, "missing LATTE steps") in found
    assert (partial, 5, "unknown LATTE step 'dance' in marker") in found
    assert (header, 3, "slot '12'") in found
    assert (header, 4, "unknown header key 'colour'") in found


def test_french_quotes_are_not_placeholders_and_set_values_may_span_lines() -> None:
    assert placeholders_in("« Bonjour », «\u202fOui\u202f» and «fill me»") == ("fill me",)
    assert fill("Steps:\n«steps»", {"steps": "1. Open it\n2. Rinse"}) == "Steps:\n1. Open it\n2. Rinse"
    part = Part("I checked «what» and sent it today.", frozenset({Step.ACTION}))
    assert Step.ACTION in coverage("I checked the tracking and sent it today.", [part]).from_templates


def test_insertion_stacks_and_tab_order() -> None:
    from agentdesk.templates.insert import next_span, shortcut_before, stack

    assert stack("Hello", "", None, "A\nB").text == "\n\nA\nB"  # a block under text: new paragraph
    assert stack("", "", "Hello", "A\nB").text == "\nA\nB"
    assert stack("", " tail", None, "A\nB").text == "A\nB\n\n"
    assert stack("Hi", "!", None, "Ada").text == " Ada "  # a one-line snippet goes inline
    assert shortcut_before("text ;nar") == "nar" and shortcut_before("a;nar") is None
    text = "«a» x «b» y «c»"
    assert next_span(text, (0, 0)) == (0, 3)
    assert next_span(text, (0, 3)) == (6, 9)  # from a selected placeholder to the next
    assert next_span(text, (12, 15)) == (0, 3)  # wraps around
    assert next_span(text, (6, 9), backwards=True) == (0, 3)
    assert next_span("none", (0, 0)) is None
