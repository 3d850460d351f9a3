"""Loading the three template folders into one set, later folders overriding earlier.

The built-in library comes first, then the team folder, then the personal folder. A
template in a later folder with the same name replaces the earlier one; a later
folder's claim on a shortcut or quick slot takes it from an earlier template (that
one stays reachable by name and in the picker). Two templates of the *same* folder
claiming one shortcut or slot is an error that `check` reports.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from agentdesk.templates.model import Problem, Severity, Template, parse
from agentdesk.templates.settings import Folder


def template_files(folder: Path) -> list[Path]:
    """The `.md` files under a folder (sorted, so loading order never depends on the disk)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.md") if p.is_file() and not p.name.startswith("."))


def load_folder(folder: Folder) -> tuple[list[Template], list[Problem]]:
    """Every template in one folder, and the problems found while parsing them."""
    templates: list[Template] = []
    problems: list[Problem] = []
    seen: dict[str, Template] = {}
    for path in template_files(folder.path):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            problems.append(Problem(path, 0, f"cannot read: {error}"))
            continue
        template, found = parse(text, path, folder.origin)
        problems.extend(found)
        if template is None:
            continue
        if template.name in seen:
            problems.append(
                Problem(path, template.line_of("name"),
                        f"name {template.name!r} is also used by {seen[template.name].path}")
            )
            continue
        seen[template.name] = template
        templates.append(template)
    return templates, problems


@dataclass
class TemplateSet:
    """The templates an agent can use, by name, shortcut and quick slot."""

    by_name: dict[str, Template] = field(default_factory=dict)
    by_shortcut: dict[str, Template] = field(default_factory=dict)
    by_slot: dict[int, Template] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    overridden: list[tuple[Template, Template]] = field(default_factory=list)
    """(earlier, later) pairs where a later folder replaced a template by name."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.by_name.values())

    def __len__(self) -> int:
        return len(self.by_name)

    def get(self, key: str) -> Template | None:
        """A template by name, or by shortcut (with or without the leading `;`)."""
        key = key.strip().lower()
        return self.by_name.get(key) or self.by_shortcut.get(key.lstrip(";"))

    def slot_of(self, template: Template) -> int | None:
        """The quick slot the template really holds (a later folder may have taken it)."""
        slot = template.slot
        return slot if slot is not None and self.by_slot.get(slot) is template else None

    def shortcut_of(self, template: Template) -> str | None:
        key = template.shortcut
        return key if key is not None and self.by_shortcut.get(key) is template else None


def merge(layers: Iterable[tuple[Folder, list[Template]]]) -> TemplateSet:
    """Stack the folders' templates; see the module docstring for who wins."""
    result = TemplateSet()
    for _folder, templates in layers:
        claims_short: dict[str, Template] = {}
        claims_slot: dict[int, Template] = {}
        for template in templates:
            earlier = result.by_name.get(template.name)
            if earlier is not None:
                result.overridden.append((earlier, template))
                for key in [k for k, t in result.by_shortcut.items() if t is earlier]:
                    del result.by_shortcut[key]
                for slot in [s for s, t in result.by_slot.items() if t is earlier]:
                    del result.by_slot[slot]
            result.by_name[template.name] = template
            if template.shortcut:
                other = claims_short.get(template.shortcut)
                if other is not None:
                    result.problems.append(Problem(
                        template.path, template.line_of("shortcut"),
                        f"shortcut ;{template.shortcut} is also used by {other.path}"))
                else:
                    _note_takeover(result, template, result.by_shortcut.get(template.shortcut),
                                   "shortcut", f";{template.shortcut}")
                    claims_short[template.shortcut] = template
                    result.by_shortcut[template.shortcut] = template
            if template.slot is not None:
                other = claims_slot.get(template.slot)
                if other is not None:
                    result.problems.append(Problem(
                        template.path, template.line_of("slot"),
                        f"slot {template.slot} is also used by {other.path}"))
                else:
                    _note_takeover(result, template, result.by_slot.get(template.slot),
                                   "slot", str(template.slot))
                    claims_slot[template.slot] = template
                    result.by_slot[template.slot] = template
    return result


def _note_takeover(
    result: TemplateSet, template: Template, earlier: Template | None, what: str, value: str
) -> None:
    """A later folder taking a key from an earlier template is allowed, but worth a word."""
    if earlier is not None and earlier.name != template.name:
        result.problems.append(Problem(
            template.path, template.line_of(what),
            f"{what} {value} takes over from {earlier.path} ({earlier.origin})", Severity.WARNING))


def load(folders: Iterable[Folder]) -> TemplateSet:
    """Load and stack every folder; parse problems are kept in `problems`, not raised."""
    layers: list[tuple[Folder, list[Template]]] = []
    problems: list[Problem] = []
    for folder in folders:
        templates, found = load_folder(folder)
        layers.append((folder, templates))
        problems.extend(found)
    result = merge(layers)
    result.problems[:0] = problems
    return result


def errors(problems: Iterable[Problem]) -> list[Problem]:
    return [p for p in problems if p.severity is Severity.ERROR]
