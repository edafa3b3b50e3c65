"""Timestamps as export formats write them, read strictly: a bad one is an ImportFailed."""

from __future__ import annotations

from datetime import UTC, datetime

from threadline.transfer.errors import ImportFailed


def parse_iso(value: str | None, where: str, what: str = "date") -> datetime:
    """ISO 8601 / RFC 3339 ("2013-10-10T19:20:29Z", offsets, fractions; a time without a zone
    is UTC) → an aware UTC datetime."""
    text = (value or "").strip()
    try:
        if not text:
            raise ValueError("empty")
        moment = datetime.fromisoformat(text)
    except ValueError:
        moment = _nanoseconds(text, where, what)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _nanoseconds(text: str, where: str, what: str) -> datetime:
    # Go writes up to nine fractional digits; Python reads six.
    head, dot, rest = text.partition(".")
    digits = len(rest) - len(rest.lstrip("0123456789"))
    if dot and digits > 6:
        try:
            return datetime.fromisoformat(f"{head}.{rest[:6]}{rest[digits:]}")
        except ValueError:
            pass
    raise ImportFailed(f"{where}: invalid {what} {text!r}")


def parse_unix(value: object, where: str, what: str = "date") -> datetime:
    try:
        return datetime.fromtimestamp(float(value), UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError, OSError) as exc:
        raise ImportFailed(f"{where}: invalid {what} {value!r}") from exc
