"""Recognising mail that no person wrote: auto-replies, bounces, bulk and receipts.

Such mail is marked (never answered automatically, kept out of the needs-reply
views). The checks follow RFC 3834 (Auto-Submitted), RFC 3464 (delivery status),
RFC 8098 (read receipts), RFC 5965 (abuse reports) and the de-facto headers of
common mailers (X-Autoreply, Precedence, List-Id).
"""

from __future__ import annotations

from email.message import Message as EmailMessage

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


def _get(msg: EmailMessage, name: str) -> str:
    try:
        value = msg.get(name)
    except Exception:
        return ""
    return str(value).strip().lower() if value is not None else ""


def automatic_kind(msg: EmailMessage, from_address: str) -> str | None:
    """Why `msg` is automatic mail (one of the constants above), or None for a person's mail."""
    ctype = msg.get_content_type()
    report = ""
    if ctype == "multipart/report":
        try:
            report = str(msg.get_param("report-type") or "").lower()
        except Exception:
            report = ""
    if report == "delivery-status" or _get(msg, "X-Failed-Recipients"):
        return BOUNCE
    if report == "disposition-notification":
        return RECEIPT
    if report == "feedback-report":
        return REPORT
    subject = _get(msg, "Subject")
    if from_address.startswith(_DAEMONS):
        return BOUNCE
    auto_submitted = _get(msg, "Auto-Submitted")
    if auto_submitted and auto_submitted != "no":
        return AUTO_REPLY if auto_submitted.startswith("auto-replied") else BULK
    if any(_get(msg, h) for h in ("X-Autoreply", "X-Autorespond", "X-Autoresponder")):
        return AUTO_REPLY
    if _get(msg, "X-Auto-Response-Suppress") in ("all", "oof") and subject.startswith(
        _AUTO_SUBJECTS
    ):
        return AUTO_REPLY
    precedence = _get(msg, "Precedence")
    if precedence in ("auto_reply", "auto-reply"):
        return AUTO_REPLY
    if precedence in ("bulk", "list", "junk"):
        return BULK
    if _get(msg, "List-Id") or _get(msg, "List-Unsubscribe"):
        return BULK
    if subject.startswith(_BOUNCE_SUBJECTS) and (
        not from_address
        or from_address.startswith(_DAEMONS)
        or ctype.startswith("multipart/report")
    ):
        return BOUNCE
    if subject.startswith(_AUTO_SUBJECTS):
        return AUTO_REPLY
    return None
