"""Readers signed in with the publisher's own accounts (docs/sign-in.md).

The publisher's web server signs a short JWT for its logged-in reader with the site's secret
(HS256 only); the page hands it to the widget, which sends it as `Threadline-Reader`. Here it
is verified: the signature, the audience (the site's slug), the times (against the injected
clock, with a minute of leeway for clocks that drift) and the claims, cleaned like the
comment form's fields. Anything wrong is one answer, "sign in again": a reader cannot fix a
token, and the details would only help someone forging one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt

from threadline.domain.errors import AuthRequired, InvalidInput
from threadline.domain.models import Author
from threadline.text.checks import clean_email, clean_text

ALGORITHM = "HS256"
MAX_TOKEN_LENGTH = 4096
MAX_SUB_LENGTH = 128
MAX_NAME_LENGTH = 64  # as the comment form's name
LEEWAY = timedelta(seconds=60)
# A signed-in reader's identity wherever an anonymous author's email or name would be used:
# bans, author history, rate limits, votes and flags (see author_key).
AUTHOR_KEY_PREFIX = "reader:"

INVALID_MESSAGE = "Your sign-in could not be verified. Please sign in again."
EXPIRED_MESSAGE = "Your sign-in has expired. Please sign in again."


@dataclass(frozen=True, slots=True)
class Reader:
    """A reader as the publisher vouches for them: its account id, name and email."""

    sub: str
    name: str
    email: str | None

    @property
    def author_key(self) -> str:
        return account_key(self.sub)


def account_key(reader_id: str) -> str:
    """The author key of a signed-in reader's account (history, bans, rate limits)."""
    return AUTHOR_KEY_PREFIX + reader_id


def author_key(name: str, email: str | None, reader_id: str | None = None) -> str:
    """Who an author is, for history, bans and rate limits, live and imported alike: a
    signed-in reader's account, else the email given, else the name (case-folded)."""
    if reader_id is not None:
        return account_key(reader_id)
    key = (email or name).strip().casefold()
    # A name or email typed as "reader:…" must never stand for a signed-in account.
    return "typed:" + key if key.startswith(AUTHOR_KEY_PREFIX) else key


def key_of(author: Author, reader_id: str | None = None) -> str:
    """`author_key` of a comment's author, posted live or imported."""
    return author_key(author.name, author.email, reader_id)


def is_reader_id(value: str) -> bool:
    """An account id as a token's `sub` may be: 1–128 printable characters."""
    return 1 <= len(value) <= MAX_SUB_LENGTH and value.isprintable()


def invalid() -> AuthRequired:
    return AuthRequired(INVALID_MESSAGE, code="reader_token_invalid")


def expired() -> AuthRequired:
    return AuthRequired(EXPIRED_MESSAGE, code="reader_token_expired")


def verify_reader_token(token: str, secret: str | None, site_slug: str, now: datetime) -> Reader:
    """The reader a token names, or AuthRequired (reader_token_invalid / _expired)."""
    if not secret or not token or len(token) > MAX_TOKEN_LENGTH:
        raise invalid()
    try:
        # PyJWT refuses every algorithm but the one listed (`none` included) and checks the
        # audience; the times are checked below against our clock, not the machine's.
        claims: dict[str, Any] = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            audience=site_slug,
            options={
                "require": ["sub", "name", "aud", "exp"],
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        raise invalid() from None
    _check_times(claims, now)
    return _reader(claims)


def _timestamp(claims: dict[str, Any], name: str) -> float | None:
    value = claims.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise invalid()
    return float(value)


def _check_times(claims: dict[str, Any], now: datetime) -> None:
    at = now.timestamp()
    leeway = LEEWAY.total_seconds()
    expires = _timestamp(claims, "exp")
    not_before = _timestamp(claims, "nbf")
    issued = _timestamp(claims, "iat")
    if expires is None:
        raise invalid()
    # A token not valid yet (or issued in the future) is a clock or signing mistake, not an
    # expiry: the reader is asked to sign in again all the same.
    if (not_before is not None and not_before > at + leeway) or (
        issued is not None and issued > at + leeway
    ):
        raise invalid()
    if expires <= at - leeway:
        raise expired()


def _reader(claims: dict[str, Any]) -> Reader:
    sub, name, email = claims.get("sub"), claims.get("name"), claims.get("email")
    if not isinstance(sub, str) or not is_reader_id(sub):
        raise invalid()
    if not isinstance(name, str) or not (email is None or isinstance(email, str)):
        raise invalid()
    try:
        clean_name = clean_text(name, "name", max_length=MAX_NAME_LENGTH, multiline=False)
        clean_mail = clean_email(email)
    except InvalidInput:
        raise invalid() from None
    return Reader(sub, clean_name, clean_mail)


def sign_reader_token(
    secret: str,
    site_slug: str,
    sub: str,
    name: str,
    email: str | None,
    expires_at: datetime,
    issued_at: datetime,
) -> str:
    """A token as a publisher's server would sign it (for the CLI, the demo and tests)."""
    claims: dict[str, Any] = {
        "sub": sub,
        "name": name,
        "aud": site_slug,
        "iat": int(issued_at.timestamp()),
        "exp": int(expires_at.timestamp()),
    }
    if email:
        claims["email"] = email
    return jwt.encode(claims, secret, algorithm=ALGORITHM)
