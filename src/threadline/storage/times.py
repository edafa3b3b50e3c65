"""Times as stored on both backends: UTC microseconds since the epoch, in BIGINT columns."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)


def to_us(moment: datetime) -> int:
    # Integer arithmetic: timestamp() * 1e6 is a microsecond off for many dates.
    return (moment - EPOCH) // _ONE_US


def from_us(value: int | None) -> datetime | None:
    if value is None:
        return None
    return EPOCH + timedelta(microseconds=value)
