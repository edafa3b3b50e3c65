"""The server's secret key: configured, or generated once and kept in the database so every
instance sharing that database uses the same one."""

from __future__ import annotations

import secrets

from threadline.storage.base import Store


def server_secret(store: Store, configured: str) -> str:
    if configured:
        return configured
    with store.reading() as db:
        existing = db.server_value("secret_key")
    if existing:
        return existing
    candidate = secrets.token_urlsafe(48)
    return store.write(lambda db: db.ensure_server_value("secret_key", candidate))
