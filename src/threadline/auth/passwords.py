"""Passwords of people who sign in: argon2id (argon2-cffi), verified in constant effort."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024  # hashing megabytes on request would be a cheap denial of service


class Passwords:
    """Hash and verify; `verify_unknown` spends the same effort when there is no such user,
    so response times do not tell which emails have accounts."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._dummy: str | None = None  # made on first use: hashing takes tens of ms

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(stored_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def verify_unknown(self, password: str) -> bool:
        if self._dummy is None:
            self._dummy = self._hasher.hash("threadline-no-such-user")
        self.verify(self._dummy, password)
        return False

    def needs_rehash(self, stored_hash: str) -> bool:
        return self._hasher.check_needs_rehash(stored_hash)


def fast_passwords() -> Passwords:
    """Cheap parameters, for tests only: the same code path at a fraction of the cost."""
    return Passwords(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
