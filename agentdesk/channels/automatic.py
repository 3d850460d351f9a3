"""Recognising mail that no person wrote: auto-replies, bounces, bulk and receipts.

Such mail is marked (never answered automatically, kept out of the needs-reply
views). The checks follow RFC 3834 (Auto-Submitted), RFC 3464 (delivery status),
RFC 8098 (read receipts), RFC 5965 (abuse reports) and the de-facto headers of
common mailers (X-Autoreply, Precedence, List-Id).
"""

from __future__ import annotations

from email.message import Message as EmailMessage
from typing import Protocol

AUTO_REPLY = "auto-reply"
BOUNCE = "bounce"
BULK = "bulk"
RECEIPT = "read-receipt"
REPORT = "report"

_DAEMONS = ("mailer-daemon@", "postmaster@", "mail-daemon@", "mailerdaemon@")
_BOUNCE_SUBJECTS = (
    "undeliverable",
    "undelivered mail",
    "delivery status notification",
    "mail delivery failed",
    "delivery failure",
    "returned mail",
    "failure notice",
)
_AUTO_SUBJECTS = ("out of office", "auto reply", "autoreply", "automatic reply", "abwesenheit")


class _HeaderSource(Protocol):
    def get(self, name: str) -> object: ...


def _get(headers: _HeaderSource, name: str) -> str:
    try:
        value = headers.get(name)
    except Exception:
        return ""
    return str(value).strip().lower() if value is not None else ""


def automatic_kind(
    msg: EmailMessage, from_address: str, headers: _HeaderSource | None = None
) -> str | None:
    """Why `msg` is automatic mail (one of the constants above), or None for a person's mail.

    `headers`, when given, answers `get(name)` exactly as `msg.get` would (mime.py passes
    its first-value table: `msg.get` rescans every header for each of the ten names).
    """
    ctype = msg.get_content_type()
    report = ""
    if ctype == "multipart/report":
        try:
            report = str(msg.get_param("report-type") or "").lower()
        except Exception:
            report = ""
    return kind_from_headers(headers if headers is not None else msg, from_address, ctype, report)


def kind_from_headers(
    headers: _HeaderSource, from_address: str, content_type: str, report_type: str = ""
) -> str | None:
    """`automatic_kind` for a mail known only by its headers, content type and report type.

    For mime.py's fast path, which has no `Message`: `headers.get` must answer as
    `Message.get` would, `content_type` is `get_content_type()` and `report_type` the
    lower-cased report-type parameter of a multipart/report ("" otherwise).
    """
    if report_type == "delivery-status" or _get(headers, "X-Failed-Recipients"):
        return BOUNCE
    if report_type == "disposition-notification":
        return RECEIPT
    if report_type == "feedback-report":
        return REPORT
    subject = _get(headers, "Subject")
    if from_address.startswith(_DAEMONS):
        return BOUNCE
    auto_submitted = _get(headers, "Auto-Submitted")
    if auto_submitted and auto_submitted != "no":
        return AUTO_REPLY if auto_submitted.startswith("auto-replied") else BULK
    if any(_get(headers, h) for h in ("X-Autoreply", "X-Autorespond", "X-Autoresponder")):
        return AUTO_REPLY
    if _get(headers, "X-Auto-Response-Suppress") in ("all", "oof") and subject.startswith(
        _AUTO_SUBJECTS
    ):
        return AUTO_REPLY
    precedence = _get(headers, "Precedence")
    if precedence in ("auto_reply", "auto-reply"):
        return AUTO_REPLY
    if precedence in ("bulk", "list", "junk"):
        return BULK
    if _get(headers, "List-Id") or _get(headers, "List-Unsubscribe"):
        return BULK
    if subject.startswith(_BOUNCE_SUBJECTS) and (
        not from_address
        or from_address.startswith(_DAEMONS)
        or content_type.startswith("multipart/report")
    ):
        return BOUNCE
    if subject.startswith(_AUTO_SUBJECTS):
        return AUTO_REPLY
    return None
