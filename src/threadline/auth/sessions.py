"""Session tokens of signed-in people, and the CSRF token bound to each session.

The browser holds the session token in an HttpOnly cookie; only its SHA-256 is stored, so a
copy of the database opens no sessions. The CSRF token is a keyed hash of the session
(synchronizer token without server state): a page of ours receives it and sends it back in
the X-CSRF-Token header (or a form field); another site can neither read nor forge it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

SESSION_COOKIE = "threadline_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


def hash_session_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def csrf_token(secret_key: str, session_hash: str) -> str:
    message = f"csrf\x00{session_hash}".encode()
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def csrf_matches(secret_key: str, session_hash: str, given: str | None) -> bool:
    if not given:
        return False
    return hmac.compare_digest(csrf_token(secret_key, session_hash), given)
