"""SLA targets: how long a customer may wait for an answer on each channel.

Targets (first response, next response) come per channel from the `[sla]` section
of the config, optionally counted in business hours only:

    [sla]
    warn_before = "30m"     # "breaching soon" window, and when to warn the agent
    bell = false            # ring the terminal bell with that warning
    [sla.email]
    first_response = "24h"
    next_response = "24h"
    [sla.chat]
    first_response = "5m"
    [sla.business_hours]
    timezone = "Europe/Istanbul"
    days = ["mon", "tue", "wed", "thu", "fri"]
    start = "09:00"
    end = "18:00"
    channels = ["email"]    # which channels wait for business hours (default: all)
    holidays = ["2026-12-25"]

The process-wide policy (`configure`) is what `due_after` uses, so every writer of
`Conversation.sla_due_at` (intake, the poller) agrees with the TUI's colours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from agentdesk.clock import utcnow
from agentdesk.config import ConfigError
from agentdesk.services.timeparse import TimeParseError, parse_duration

#: Default first/next response targets per channel.
DEFAULT_TARGETS: dict[str, timedelta] = {
    "email": timedelta(hours=24),
    "chat": timedelta(minutes=5),
}
#: Share of the target after which a row turns amber.
AMBER_AT = 0.75
DEFAULT_WARN_BEFORE = timedelta(minutes=30)
_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


class SlaState(StrEnum):
    """How a row's SLA countdown is coloured."""

    NONE = "none"  # nothing is due (answered, closed)
    OK = "ok"
    AMBER = "amber"  # 75% of the time is gone
    RED = "red"  # breached


@dataclass(frozen=True)
class BusinessHours:
    """Opening hours: the SLA clock only runs inside them."""

    tz: ZoneInfo
    days: frozenset[int] = frozenset(range(5))
    start: time = time(9, 0)
    end: time = time(17, 0)
    holidays: frozenset[date] = frozenset()

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        if day.weekday() not in self.days or day in self.holidays:
            return None
        return datetime.combine(day, self.start, self.tz), datetime.combine(day, self.end, self.tz)

    def add(self, since: datetime, amount: timedelta) -> datetime:
        """The moment `amount` of business time after `since`."""
        if not self.days or self.end <= self.start:
            return since + amount
        cursor = since.astimezone(self.tz)
        left = amount
        for _ in range(3660):  # ten years of days: a bound, never reached in practice
            window = self._window(cursor.date())
            if window is not None:
                opens, closes = window
                begin = max(cursor, opens)
                if begin < closes:
                    if begin + left <= closes:
                        return (begin + left).astimezone(UTC)
                    left -= closes - begin
            cursor = datetime.combine(cursor.date() + timedelta(days=1), time(0), self.tz)
        return since + amount

    def between(self, start: datetime, end: datetime) -> timedelta:
        """Business time from `start` to `end` (zero when `end` is not after `start`)."""
        if end <= start:
            return timedelta(0)
        if not self.days or self.end <= self.start:
            return end - start
        total = timedelta(0)
        cursor = start.astimezone(self.tz)
        stop = end.astimezone(self.tz)
        while cursor < stop:
            window = self._window(cursor.date())
            if window is not None:
                opens, closes = window
                begin, finish = max(cursor, opens), min(stop, closes)
                if finish > begin:
                    total += finish - begin
            cursor = datetime.combine(cursor.date() + timedelta(days=1), time(0), self.tz)
        return total


@dataclass(frozen=True)
class SlaPolicy:
    """Targets per channel, business hours, and when to warn."""

    first: dict[str, timedelta] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    next: dict[str, timedelta] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    hours: BusinessHours | None = None
    hours_channels: frozenset[str] | None = None
    """Channels whose clock waits for business hours; None means all."""
    warn_before: timedelta = DEFAULT_WARN_BEFORE
    bell: bool = False

    def target(self, channel: str, first: bool = True) -> timedelta:
        table = self.first if first else self.next
        return table.get(channel) or table.get("email") or DEFAULT_TARGETS["email"]

    def _hours_for(self, channel: str) -> BusinessHours | None:
        if self.hours is None:
            return None
        if self.hours_channels is not None and channel not in self.hours_channels:
            return None
        return self.hours

    def due(self, channel: str, since: datetime, first: bool = True) -> datetime:
        """When an answer to a message received at `since` is due."""
        hours = self._hours_for(channel)
        amount = self.target(channel, first)
        return hours.add(since, amount) if hours else since + amount

    def remaining(self, channel: str, due: datetime, now: datetime) -> timedelta:
        """Time left until `due` on the SLA clock (business time where it applies)."""
        hours = self._hours_for(channel)
        return hours.between(now, due) if hours else max(due - now, timedelta(0))

    def state(self, channel: str, due: datetime | None, now: datetime, first: bool = True) -> SlaState:
        """Red once breached, amber when 75% of the target is used up, else ok."""
        if due is None:
            return SlaState.NONE
        if due <= now:
            return SlaState.RED
        left = self.remaining(channel, due, now)
        if left <= self.target(channel, first) * (1 - AMBER_AT):
            return SlaState.AMBER
        return SlaState.OK

    @classmethod
    def from_config(cls, raw: dict[str, Any], file: Path | str | None = None) -> SlaPolicy:
        """The `[sla]` section of a parsed config file; ConfigError names the bad key."""
        table = raw.get("sla", {})
        if not isinstance(table, dict):
            raise ConfigError("sla", file, "expected a table [sla]")
        first, nxt = dict(DEFAULT_TARGETS), dict(DEFAULT_TARGETS)
        for channel, section in table.items():
            if channel in {"business_hours", "warn_before", "bell"} or not isinstance(section, dict):
                continue
            if "first_response" in section:
                first[channel] = _duration(section["first_response"], f"sla.{channel}.first_response", file)
                nxt.setdefault(channel, first[channel])
            if "next_response" in section:
                nxt[channel] = _duration(section["next_response"], f"sla.{channel}.next_response", file)
            elif "first_response" in section:
                nxt[channel] = first[channel]
        warn = table.get("warn_before")
        hours_table = table.get("business_hours")
        hours, channels = None, None
        if isinstance(hours_table, dict):
            hours = _business_hours(hours_table, file)
            if "channels" in hours_table:
                channels = frozenset(str(c) for c in hours_table["channels"])
        return cls(
            first=first,
            next=nxt,
            hours=hours,
            hours_channels=channels,
            warn_before=_duration(warn, "sla.warn_before", file) if warn else DEFAULT_WARN_BEFORE,
            bell=bool(table.get("bell", False)),
        )


def _duration(value: Any, key: str, file: Path | str | None) -> timedelta:
    try:
        return parse_duration(value if isinstance(value, int) else str(value))
    except TimeParseError as error:
        raise ConfigError(key, file, str(error)) from error


def _clock_of(value: Any, key: str, file: Path | str | None) -> time:
    try:
        hour, minute = str(value).split(":")
        return time(int(hour), int(minute))
    except ValueError as error:
        raise ConfigError(key, file, f"expected HH:MM, got {value!r}") from error


def _business_hours(table: dict[str, Any], file: Path | str | None) -> BusinessHours:
    name = str(table.get("timezone", "UTC"))
    try:
        tz = ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigError("sla.business_hours.timezone", file, f"unknown time zone {name!r}") from error
    days = table.get("days", _DAYS[:5])
    try:
        day_numbers = frozenset(_DAYS.index(str(d).lower()[:3]) for d in days)
    except ValueError as error:
        raise ConfigError("sla.business_hours.days", file, f"expected names like mon, got {days!r}") from error
    try:
        holidays = frozenset(date.fromisoformat(str(d)) for d in table.get("holidays", []))
    except ValueError as error:
        raise ConfigError("sla.business_hours.holidays", file, "expected dates like 2026-12-25") from error
    return BusinessHours(
        tz=tz,
        days=day_numbers,
        start=_clock_of(table.get("start", "09:00"), "sla.business_hours.start", file),
        end=_clock_of(table.get("end", "17:00"), "sla.business_hours.end", file),
        holidays=holidays,
    )


_policy = SlaPolicy()


def configure(policy: SlaPolicy) -> None:
    """Make `policy` the one this process uses (called once at start-up from config)."""
    global _policy
    _policy = policy


def policy() -> SlaPolicy:
    """The policy in force."""
    return _policy


def due_after(channel: str, since: datetime, first: bool = True) -> datetime:
    """When an answer to a customer message received at `since` is due."""
    return _policy.due(channel, since, first)


def state_of(channel: str, due: datetime | None, now: datetime | None = None) -> SlaState:
    """The colour of a row's countdown right now: none, ok, amber (75% used) or red."""
    return _policy.state(channel, due, now or utcnow())


def mark_answered(conv: Any, now: datetime) -> None:
    """The customer has their answer: stop the clock until they write again.

    Called when a reply enters the outbox (or, for a trainee's reply, when a lead
    approves it), inside the caller's transaction.
    """
    if conv.first_response_at is None:
        conv.first_response_at = now
    conv.sla_due_at = None
    if conv.status == "open":
        conv.sort_due = datetime(9999, 12, 31, tzinfo=UTC)
    conv.last_message_at = now


def countdown(due: datetime | None, now: datetime) -> str:
    """A row's SLA cell: time left ("45m", "3h", "2d"), "-10m" once breached, "" if none."""
    if due is None or due.year >= 9999:
        return ""
    seconds = int((due - now).total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds < 3600:
        text = f"{max(seconds // 60, 0)}m"
    elif seconds < 86_400 * 2:
        text = f"{seconds // 3600}h"
    else:
        text = f"{seconds // 86_400}d"
    return sign + text
