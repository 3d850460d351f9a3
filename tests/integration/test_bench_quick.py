"""bench/run --quick works end to end: it builds its data, prints the table and
writes results.json with every field, in the time CI can afford.

It is a smoke test of the script, not of the figures: a missed target is not a
failure (bench/run exits 0 either way), a figure that could not be measured is.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"name", "value", "unit", "peer", "peer_name", "ratio", "target", "met", "note"}


def test_bench_quick(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    started = time.monotonic()
    done = subprocess.run(
        [str(ROOT / "bench" / "run"), "--quick", "--work", str(tmp_path / "data"), "--out", str(out)],
        capture_output=True, text=True, timeout=240, cwd=ROOT,
    )
    elapsed = time.monotonic() - started
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert any(line.startswith("figure") and "floor / peer" in line and "ratio" in line for line in lines)
    assert any(line.startswith("targets met:") for line in lines)
    payload = json.loads(out.read_text())
    assert payload["meta"]["quick"] is True and payload["meta"]["messages"] == 10_000
    figures = payload["figures"]
    names = " | ".join(f["name"] for f in figures)
    for expected in ("store build", "cold start to inbox", "key to screen: j/k move p95",
                     "key to screen: open conversation p95", "search p95", "sync from empty",
                     "no-op re-sync", "peak RSS", "90-day report"):
        assert expected in names, names
    for figure in figures:
        assert FIELDS <= figure.keys()
        assert figure["value"] is not None, f"{figure['name']}: {figure['note']}"
        assert figure["name"] in done.stdout
    assert elapsed < 180
