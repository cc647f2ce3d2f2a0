"""Timestamp parsing, the common ISO shape as the README states it: ``YYYY-MM-DD``, ``T`` or a
space, ``HH:MM:SS``, up to six decimals of a second, then ``Z``, an offset ``±HH:MM`` or nothing
(local time in the export's time zone). A date that does not exist, a local time the clocks skip
or pass twice (daylight saving), and an instant outside 1678-01-01..2261-12-31 (UTC, the
README's ``time_out_of_range``) give no value."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

SHAPE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})[T ]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,6}))?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})?"
)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIRST = datetime(1678, 1, 1, tzinfo=UTC)
LAST = datetime(2261, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)


def instant_ns(text: str | None, zone: ZoneInfo) -> int | None:
    """Nanoseconds since the epoch (UTC) that ``text`` stands for, or None."""
    m = SHAPE.fullmatch(text or "")
    if not m:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    micro = int((m.group(7) or "").ljust(6, "0"))
    try:
        local = datetime(year, month, day, hour, minute, second, micro)
    except ValueError:
        return None
    offset = m.group(8)
    if offset is None:
        early, late = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
        if early.utcoffset() != late.utcoffset():
            return None  # skipped or passed twice
        utc_offset = early.utcoffset()
    elif offset == "Z":
        utc_offset = timedelta(0)
    else:
        hours, minutes = int(offset[1:3]), int(offset[4:6])
        if hours > 23 or minutes > 59:
            return None
        utc_offset = (1 if offset[0] == "+" else -1) * timedelta(hours=hours, minutes=minutes)
    try:
        instant = local.replace(tzinfo=UTC) - utc_offset
    except OverflowError:  # beyond year 9999 or before year 1
        return None
    if not FIRST <= instant <= LAST:
        return None
    return (instant - EPOCH) // timedelta(microseconds=1) * 1000
