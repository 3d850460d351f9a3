"""Making untrusted text (subjects, bodies, names, filenames) safe to show and store.

Nothing here interprets markup: callers still hand the result to Textual as plain
`Content`/`Segment` text. This only removes what a terminal would act on.
"""

from __future__ import annotations

import re
import unicodedata

# CSI (ESC [ ... final), OSC (ESC ] ... BEL or ESC \), other two-byte ESC sequences,
# and the 8-bit C1 forms of CSI / OSC.
_ESCAPES = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]        # CSI
  | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?   # OSC, terminated or not
  | \x1b[P^_X][^\x1b]*(?:\x1b\\)?  # DCS, PM, APC, SOS
  | \x1b[@-Z\\-_]                  # other Fe escapes
  | \x9b[0-?]*[ -/]*[@-~]          # 8-bit CSI
  | \x9d[^\x07\x9c]*[\x07\x9c]?    # 8-bit OSC
    """,
    re.VERBOSE,
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def clean(text: str | None, *, keep_newlines: bool = True) -> str:
    """`text` without terminal escape sequences, control characters or bidi overrides.

    Tabs become spaces; carriage returns are dropped (CRLF becomes LF). With
    `keep_newlines=False` (for one-line fields such as subjects) newlines become spaces.
    """
    if not text:
        return ""
    text = _ESCAPES.sub("", text)
    text = text.replace("\r\n", "\n").replace("\t", "    ")
    if not keep_newlines:
        text = text.replace("\n", " ")
    text = _CONTROL.sub("", text)
    text = _BIDI.sub("", text)
    return text


def one_line(text: str | None, limit: int | None = None) -> str:
    """A cleaned single line with runs of whitespace collapsed, cut to `limit` characters.

    Printable text (the usual case: a mail's header values come through here a dozen
    times a mail) skips `clean`'s regexes: `str.isprintable` is false for every
    control (C0, C1, so every escape sequence's first character, tabs and line
    breaks), every format character (the bidi overrides) and every separator but the
    ASCII space, so there is nothing for `clean` to remove.
    """
    if text and text.isprintable() and (limit is None or len(text) <= limit):
        return " ".join(text.split())
    line = " ".join(clean(text, keep_newlines=False).split())
    if limit is not None and len(line) > limit:
        return line[: max(limit - 1, 0)] + "…"
    return line


_UNSAFE_NAME = re.compile(r"[^\w.\- ()+,@]+", re.UNICODE)


def safe_filename(name: str | None, fallback: str = "attachment") -> str:
    """An attachment name that cannot escape a folder or hide its type.

    Drops any path, control characters and leading dots; keeps at most 120 characters.
    """
    name = unicodedata.normalize("NFC", clean(name or "", keep_newlines=False))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME.sub("_", name).strip(" .")
    if not name or set(name) <= {"_"}:
        return fallback
    if len(name) > 120:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 120 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:120]
    return name
