"""Reading times the way agents type them: durations (`2h`, `1h30m`, `3d`) and moments
for the snooze prompt (`tomorrow 9:00`, `mon`, `2026-12-01 14:00`, `17:30`).

Moments are read in the agent's time zone and returned as aware UTC datetimes; a
moment in the past is refused, so a typo never snoozes something into yesterday.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, tzinfo

#: When a day is named without a time ("tomorrow", "mon"), the conversation comes back then.
DEFAULT_HOUR = time(9, 0)

_UNITS = {
    "m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60,
    "h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600,
    "d": 86400, "day": 86400, "days": 86400,
    "w": 604800, "wk": 604800, "week": 604800, "weeks": 604800,
    # Turkish: dakika, saat, gün, hafta
    "dk": 60, "dakika": 60, "sa": 3600, "saat": 3600, "g": 86400, "gün": 86400, "gun": 86400,
    "hafta": 604800,
}
_PART = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-zçğıöşü]+)")
_WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4,
    "sat": 5, "saturday": 5, "sun": 6, "sunday": 6,
    # Turkish: pazartesi, salı, çarşamba, perşembe, cuma, cumartesi, pazar
    "pzt": 0, "pazartesi": 0, "sal": 1, "salı": 1, "çar": 2, "çarşamba": 2, "per": 3,
    "perşembe": 3, "cum": 4, "cuma": 4, "cmt": 5, "cumartesi": 5, "paz": 6, "pazar": 6,
}
_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$")


class TimeParseError(ValueError):
    """The text is not a duration or moment we understand; the message says what is."""


def parse_duration(text: str | int) -> timedelta:
    """`2h`, `90m`, `1h30m`, `3 days`, `1w`; a bare number is minutes."""
    if isinstance(text, int):
        return timedelta(minutes=text)
    value = text.strip().lower()
    if re.fullmatch(r"\d+", value):
        return timedelta(minutes=int(value))
    parts = _PART.findall(value)
    if not parts or _PART.sub("", value).strip():
        raise TimeParseError(f"not a duration: {text!r} (try 30m, 2h, 3d, 1w)")
    seconds = 0.0
    for amount, unit in parts:
        if unit not in _UNITS:
            raise TimeParseError(f"unknown unit {unit!r} in {text!r} (m, h, d, w)")
        seconds += float(amount.replace(",", ".")) * _UNITS[unit]
    return timedelta(seconds=seconds)


def _clock(text: str) -> time:
    match = _TIME.match(text.strip())
    if not match:
        raise TimeParseError(f"not a time of day: {text!r} (try 9:00 or 2pm)")
    hour, minute, half = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    if half == "pm" and hour < 12:
        hour += 12
    elif half == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise TimeParseError(f"not a time of day: {text!r}")
    return time(hour, minute)


def _try_clock(text: str) -> time | None:
    try:
        return _clock(text)
    except TimeParseError:
        return None


def _date(text: str, today: date) -> date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.?", text)
    if match:  # 24.12: this year, or next year when it has passed
        day = date(today.year, int(match.group(2)), int(match.group(1)))
        return day if day >= today else day.replace(year=today.year + 1)
    return None


def parse_when(text: str, now: datetime, tz: tzinfo = UTC) -> datetime:
    """The moment `text` names, as aware UTC; raises TimeParseError if unknown or past.

    Understood: a duration from now (`2h`, `3d`); `tomorrow [time]`, `today time`,
    `tonight`, `next week`; a weekday (`mon`, `friday 14:00`: the next one, never today);
    a time (`17:30`: today, or tomorrow once past); a date (`2026-12-01 [time]`,
    `24.12.2026`, `24.12`). A day without a time means DEFAULT_HOUR.
    """
    value = " ".join(text.strip().lower().split())
    if not value:
        raise TimeParseError("say when: e.g. 2h, tomorrow 9:00, mon, 2026-12-01")
    local = now.astimezone(tz)
    today = local.date()
    if re.fullmatch(r"\d+", value):
        raise TimeParseError(f"{value!r} is ambiguous: say {value}:00, {value}h or {value}d")
    try:
        delta = parse_duration(value)
    except TimeParseError:
        return _moment(value, local, today, tz)
    if delta <= timedelta(0):
        raise TimeParseError(f"{value!r} is not in the future")
    return now + delta


def _day_name(day: date) -> str:
    return day.isoformat()


def _moment(value: str, local: datetime, today: date, tz: tzinfo) -> datetime:
    words = value.replace(" at ", " ").split(" ")
    head, rest = words[0], " ".join(words[1:])
    if head == "next" and rest in {"week", "hafta"}:
        return _moment(f"{_day_name(today + timedelta(days=7 - today.weekday()))}", local, today, tz)
    if head in {"next", "on"} and rest:
        return _moment(rest, local, today, tz)
    day: date | None = None
    explicit_time: time | None = _clock(rest) if rest else None
    if head in {"tomorrow", "tmrw", "yarın", "yarin"}:
        day = today + timedelta(days=1)
    elif head in {"today", "bugün", "bugun"}:
        day = today
        if explicit_time is None:
            raise TimeParseError("today needs a time, e.g. today 17:00")
    elif head == "tonight":
        day, explicit_time = today, explicit_time or time(19, 0)
    elif head in _WEEKDAYS:
        ahead = (_WEEKDAYS[head] - today.weekday()) % 7 or 7
        day = today + timedelta(days=ahead)
    elif not rest and (at := _try_clock(head)) is not None:
        day = today if datetime.combine(today, at, tz) > local else today + timedelta(days=1)
        explicit_time = at
    else:
        day = _date(head, today)
        if day is None:
            raise TimeParseError(
                f"not a time: {value!r} (try 2h, 3d, tomorrow 9:00, mon, 2026-12-01)"
            )
    moment = datetime.combine(day, explicit_time or DEFAULT_HOUR, tz).astimezone(UTC)
    if moment <= local:
        raise TimeParseError(f"{value!r} is in the past")
    return moment


def duration_label(delta: timedelta) -> str:
    """A duration the way agents type it: "3d", "12h", "1d 6h", "45m"."""
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    parts = [f"{days}d" if days else "", f"{hours}h" if hours else "", f"{minutes}m" if minutes else ""]
    return " ".join(p for p in parts if p) or "0m"
