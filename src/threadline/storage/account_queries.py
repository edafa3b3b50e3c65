"""Queries about people who sign in: users, their roles, their sessions.

Mixed into `Gateway` (one connection, one dialect), so use cases reach them as `db.…` like
every other query. Written once for both backends with `:name` parameters.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from threadline.domain.errors import AlreadyExists
from threadline.domain.moderation import Grant, Role, Session, User
from threadline.storage.queries import Queries
from threadline.storage.times import from_us, to_us


def _user(row: Any) -> User:
    created = from_us(row["created_at"])
    assert created is not None
    return User(row["id"], row["email"], row["display_name"], created, bool(row["disabled"]))


class AccountQueries(Queries):
    """Mixed into Gateway (gateway.py), which runs the statements."""

    def _integrity_error(self) -> type[Exception]:
        raise NotImplementedError

    # -- users -------------------------------------------------------------------------

    def insert_user(self, email: str, display_name: str, password_hash: str, now: datetime) -> User:
        try:
            row = self._one(
                "INSERT INTO users (email, display_name, password_hash, created_at) "
                "VALUES (:email, :name, :hash, :now) RETURNING *",
                {"email": email, "name": display_name, "hash": password_hash, "now": to_us(now)},
            )
        except self._integrity_error() as exc:
            raise AlreadyExists(f"A user with the email {email!r} already exists.") from exc
        return _user(row)

    def get_user(self, user_id: int) -> User | None:
        row = self._one("SELECT * FROM users WHERE id = :id", {"id": user_id})
        return _user(row) if row else None

    def user_with_password(self, email: str) -> tuple[User, str] | None:
        row = self._one("SELECT * FROM users WHERE email = :email", {"email": email})
        return (_user(row), row["password_hash"]) if row else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self._exec(
            "UPDATE users SET password_hash = :hash WHERE id = :id",
            {"hash": password_hash, "id": user_id},
        )

    def grants(self, user_id: int) -> tuple[Grant, ...]:
        rows = self._all(
            "SELECT role, site_id FROM user_roles WHERE user_id = :id ORDER BY role, site_id",
            {"id": user_id},
        )
        return tuple(Grant(Role(r["role"]), r["site_id"]) for r in rows)

    def add_grant(self, user_id: int, role: Role, site_id: int | None) -> None:
        self._exec(
            "INSERT INTO user_roles (user_id, role, site_id) VALUES (:user, :role, :site) "
            "ON CONFLICT DO NOTHING",
            {"user": user_id, "role": role.value, "site": site_id},
        )

    def remove_grant(self, user_id: int, role: Role, site_id: int | None) -> None:
        self._exec(
            "DELETE FROM user_roles WHERE user_id = :user AND role = :role "
            "AND COALESCE(site_id, 0) = :site",
            {"user": user_id, "role": role.value, "site": site_id or 0},
        )

    # -- sessions ----------------------------------------------------------------------

    def insert_session(
        self,
        token_hash: str,
        user_id: int,
        now: datetime,
        expires_at: datetime,
        ip: str | None,
        user_agent: str | None,
    ) -> None:
        self._exec(
            "INSERT INTO sessions (token_hash, user_id, created_at, expires_at, ip, user_agent) "
            "VALUES (:hash, :user, :now, :expires, :ip, :ua)",
            {
                "hash": token_hash,
                "user": user_id,
                "now": to_us(now),
                "expires": to_us(expires_at),
                "ip": ip,
                "ua": user_agent,
            },
        )

    def live_session(self, token_hash: str, now: datetime) -> tuple[Session, User] | None:
        """The session and its user, when neither expired, revoked nor disabled."""
        row = self._one(
            "SELECT s.token_hash AS token_hash, s.created_at AS s_created, s.expires_at AS "
            "expires_at, u.* FROM sessions s JOIN users u ON u.id = s.user_id "
            "WHERE s.token_hash = :hash AND s.revoked_at IS NULL AND s.expires_at > :now "
            "AND u.disabled = 0",
            {"hash": token_hash, "now": to_us(now)},
        )
        if row is None:
            return None
        user = _user(row)
        created, expires = from_us(row["s_created"]), from_us(row["expires_at"])
        assert created is not None and expires is not None
        return Session(row["token_hash"], user.id, created, expires), user

    def revoke_session(self, token_hash: str, now: datetime) -> None:
        self._exec(
            "UPDATE sessions SET revoked_at = :now WHERE token_hash = :hash AND revoked_at IS NULL",
            {"hash": token_hash, "now": to_us(now)},
        )

    def revoke_user_sessions(self, user_id: int, now: datetime) -> int:
        """Logout everywhere: every open session of the user ends now."""
        rows = self._all(
            "UPDATE sessions SET revoked_at = :now WHERE user_id = :user "
            "AND revoked_at IS NULL RETURNING token_hash",
            {"user": user_id, "now": to_us(now)},
        )
        return len(rows)
