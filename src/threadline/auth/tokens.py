"""Edit tokens and voter identities: secrets handed out once, only their hashes kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_edit_token() -> str:
    return secrets.token_urlsafe(32)


def hash_edit_token(token: str) -> str:
    # A 256-bit random token needs no slow hash: brute force is not the threat, theft of the
    # database is, and a SHA-256 digest of it gives nothing away.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_matches(token: str, stored_hash: str | None) -> bool:
    if not stored_hash:
        return False
    return hmac.compare_digest(hash_edit_token(token), stored_hash)


def voter_digest(secret_key: str, site_slug: str, voter: str) -> str:
    """A voter's stored identity: keyed, so the raw id sent by the browser is never kept."""
    message = f"{site_slug}\x00{voter}".encode()
    return hmac.new(secret_key.encode("utf-8"), message, hashlib.sha256).hexdigest()
