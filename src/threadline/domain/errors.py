"""Errors with stable codes. The API maps each class to an HTTP status in one table."""

from __future__ import annotations


class ThreadlineError(Exception):
    """Base of every error a user can be told about; `code` is stable and documented."""

    code = "error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ThreadlineError):
    """The request was understood but a field's value is not acceptable."""

    code = "invalid_input"

    def __init__(self, message: str, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        if code:
            self.code = code
        self.field = field


class MalformedRequest(ThreadlineError):
    code = "malformed_request"


class NotFound(ThreadlineError):
    code = "not_found"

    def __init__(self, message: str, code: str = "not_found") -> None:
        super().__init__(message)
        self.code = code


class AuthRequired(ThreadlineError):
    code = "auth_required"

    def __init__(self, message: str, code: str = "auth_required") -> None:
        super().__init__(message)
        self.code = code


class Forbidden(ThreadlineError):
    code = "forbidden"

    def __init__(self, message: str, code: str = "forbidden") -> None:
        super().__init__(message)
        self.code = code


class Conflict(ThreadlineError):
    code = "conflict"

    def __init__(self, message: str, code: str = "conflict") -> None:
        super().__init__(message)
        self.code = code


class PayloadTooLarge(ThreadlineError):
    code = "payload_too_large"


class UnsupportedMediaType(ThreadlineError):
    code = "unsupported_media_type"


class RateLimited(ThreadlineError):
    code = "rate_limited"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Unavailable(ThreadlineError):
    """The store cannot take the request now (another program holds the database for longer
    than the store waits); nothing was written, the request may be sent again."""

    code = "database_busy"

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AlreadyExists(Conflict):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="already_exists")
