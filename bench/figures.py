"""The figures bench/run collects: one row of the table and of bench/results.json each.

A figure is a measured value beside its floor or peer (measured in the same run),
their ratio, and the target the issue sets. `met` is None when a part could not run
(the reason goes in `note`), so a missing tool shows as missing, never as a pass.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Figure:
    """One measured figure and how it compares."""

    name: str
    value: float | None
    unit: str
    peer: float | None = None
    """The floor or peer measured in the same run (same unit), if there is one."""
    peer_name: str = ""
    target: str = ""
    """The target in words, e.g. "p95 <= 16 ms" or "ratio <= 1.5"."""
    met: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.peer:
            return None
        return self.value / self.peer

    def as_json(self) -> dict[str, object]:
        record = asdict(self)
        record["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        return record


def check(figure: Figure, test: Callable[[Figure], bool]) -> Figure:
    """Set `met` from `test` when the figure has a value (None otherwise)."""
    figure.met = None if figure.value is None else bool(test(figure))
    return figure


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` (0..1) percentile by nearest rank: p95 of 200 values is the 190th."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5 - 1e-9)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(figures: Sequence[Figure]) -> str:
    """The plain-text table bench/run prints."""
    header = ("figure", "value", "unit", "floor / peer", "peer", "ratio", "target", "met")
    rows = [header]
    for f in figures:
        met = "-" if f.met is None else ("yes" if f.met else "NO")
        rows.append((
            f.name, _num(f.value), f.unit, f.peer_name or "-", _num(f.peer),
            "-" if f.ratio is None else f"{f.ratio:.2f}", f.target or "-", met,
        ))
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    right = {1, 4, 5}
    lines = []
    for n, row in enumerate(rows):
        cells = [c.rjust(widths[i]) if i in right else c.ljust(widths[i]) for i, c in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    notes = [f"  {f.name}: {f.note}" for f in figures if f.note]
    if notes:
        lines += ["", "notes:", *notes]
    with_target = [f for f in figures if f.target]
    met = sum(1 for f in with_target if f.met)
    missed = [f.name for f in with_target if f.met is False]
    unknown = [f.name for f in with_target if f.met is None]
    lines += ["", f"targets met: {met} of {len(with_target)}"]
    if missed:
        lines.append("missed: " + "; ".join(missed))
    if unknown:
        lines.append("not measured: " + "; ".join(unknown))
    return "\n".join(lines)


def write_json(figures: Sequence[Figure], path: Path, meta: dict[str, object]) -> None:
    """bench/results.json: the run's settings and every figure."""
    payload = {"meta": meta, "figures": [f.as_json() for f in figures]}
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
