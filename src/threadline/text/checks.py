"""Checks on user-supplied text: Unicode that is valid, free of control characters, bounded."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

from threadline.domain.errors import InvalidInput

# C0/C1 controls except tab and newline; carriage returns are normalized away first.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Bidirectional overrides let a name or text display differently from what it is.
_BIDI_OVERRIDES = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_text(value: str, field: str, *, max_length: int, multiline: bool) -> str:
    """NFC-normalized, stripped text, or InvalidInput naming the field and the problem."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput(
            f"The {field} contains invalid Unicode (an unpaired surrogate).",
            code="invalid_unicode",
            field=field,
        ) from exc
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if not multiline and "\n" in value:
        raise InvalidInput(f"The {field} must be a single line.", code="invalid_text", field=field)
    if _CONTROL.search(value) or _BIDI_OVERRIDES.search(value):
        raise InvalidInput(
            f"The {field} contains control characters.", code="control_characters", field=field
        )
    value = unicodedata.normalize("NFC", value).strip()
    if not value:
        raise InvalidInput(f"The {field} must not be empty.", code="empty", field=field)
    if len(value) > max_length:
        raise InvalidInput(
            f"The {field} is {len(value):,} characters long; the limit is {max_length:,}.",
            code="too_long",
            field=field,
        )
    return value


def clean_email(value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = clean_text(value, "email", max_length=254, multiline=False)
    if not _EMAIL.match(value):
        raise InvalidInput("The email address is not valid.", code="invalid_email", field="email")
    return value.lower()


def clean_url(value: str | None, field: str) -> str | None:
    """An http(s) URL or None; other schemes (javascript:, data:) are refused."""
    if value is None or not value.strip():
        return None
    value = clean_text(value, field, max_length=2048, multiline=False)
    invalid = InvalidInput(
        f"The {field} must be an http:// or https:// address.", code="invalid_url", field=field
    )
    try:
        parts = urlsplit(value)
    except ValueError as exc:  # e.g. an unclosed IPv6 host: "http://[::1"
        raise invalid from exc
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise invalid
    return value
