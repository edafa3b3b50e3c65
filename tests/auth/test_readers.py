"""Readers' sign-in tokens (auth/readers.py): what verifies, what is refused and how."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from threadline.auth.readers import (
    MAX_TOKEN_LENGTH,
    Reader,
    author_key,
    sign_reader_token,
    verify_reader_token,
)
from threadline.domain.errors import AuthRequired

SECRET = "s3cret-of-the-daily-news-" + "0123456789abcdef" * 3  # long enough for HS512 too
SITE = "daily"
NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _claims(**changes: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "sub": "account-42",
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "aud": SITE,
        "iat": int(NOW.timestamp()),
        "exp": int((NOW + HOUR).timestamp()),
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def _token(claims: dict[str, Any], secret: str = SECRET, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, secret, algorithm=algorithm)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hand_made(header: dict[str, Any], claims: dict[str, Any], secret: str | None) -> str:
    """A token built by hand: for algorithms PyJWT rightly refuses to make."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = (
        _b64(hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest())
        if secret is not None
        else ""
    )
    return f"{signing_input}.{signature}"


def _refused(token: str, code: str = "reader_token_invalid", at: datetime = NOW) -> None:
    with pytest.raises(AuthRequired) as caught:
        verify_reader_token(token, SECRET, SITE, at)
    assert caught.value.code == code
    assert caught.value.message.endswith("Please sign in again.")


def test_a_valid_token_names_the_reader() -> None:
    reader = verify_reader_token(_token(_claims()), SECRET, SITE, NOW)
    assert reader == Reader("account-42", "Ada Lovelace", "ada@example.com")
    assert reader.author_key == "reader:account-42"


def test_what_sign_reader_token_signs_verifies() -> None:
    token = sign_reader_token(SECRET, SITE, "7", "Bo", None, NOW + HOUR, NOW)
    assert verify_reader_token(token, SECRET, SITE, NOW) == Reader("7", "Bo", None)
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_expiry_is_checked_against_the_given_clock_with_a_minute_of_leeway() -> None:
    token = _token(_claims())
    assert verify_reader_token(token, SECRET, SITE, NOW + HOUR + timedelta(seconds=59))
    _refused(token, "reader_token_expired", at=NOW + HOUR + timedelta(seconds=61))
    _refused(token, "reader_token_expired", at=NOW + timedelta(days=3))


def test_a_token_not_valid_yet_is_refused_beyond_the_leeway() -> None:
    soon = int((NOW + timedelta(seconds=30)).timestamp())
    later = int((NOW + timedelta(minutes=5)).timestamp())
    assert verify_reader_token(_token(_claims(nbf=soon)), SECRET, SITE, NOW)
    _refused(_token(_claims(nbf=later)))
    _refused(_token(_claims(iat=later)))


def test_a_wrong_signature_or_audience_is_refused() -> None:
    _refused(_token(_claims(), secret="another-secret-entirely-0123456789"))
    _refused(_token(_claims(aud="other-site")))
    _refused(_token(_claims(aud=["other-site"])))
    with pytest.raises(AuthRequired) as caught:  # a site without a secret verifies nothing
        verify_reader_token(_token(_claims()), None, SITE, NOW)
    assert caught.value.code == "reader_token_invalid"


@pytest.mark.parametrize("missing", ["sub", "name", "exp", "aud"])
def test_each_required_claim_is_required(missing: str) -> None:
    claims = _claims()
    del claims[missing]
    _refused(_token(claims))


def test_claims_of_the_wrong_kind_are_refused() -> None:
    _refused(_token(_claims(sub=42)))
    _refused(_token(_claims(sub="")))
    _refused(_token(_claims(sub="x" * 129)))
    _refused(_token(_claims(sub="line\nbreak")))
    _refused(_token(_claims(name=["Ada"])))
    _refused(_token(_claims(name="   ")))
    _refused(_token(_claims(name="A" * 65)))
    _refused(_token(_claims(email="not an address")))
    _refused(_token(_claims(exp="tomorrow")))
    _refused(_token(_claims(exp=True)))


def test_only_hs256_is_accepted() -> None:
    claims = _claims()
    _refused(_hand_made({"alg": "none", "typ": "JWT"}, claims, None))
    _refused(_hand_made({"alg": "None", "typ": "JWT"}, claims, None))
    _refused(_token(claims, algorithm="HS512"))
    # An RS256 header over an HMAC signature (the classic algorithm confusion).
    _refused(_hand_made({"alg": "RS256", "typ": "JWT"}, claims, SECRET))
    # The same hand-made token with the right header is fine: the check is the algorithm.
    assert verify_reader_token(_hand_made({"alg": "HS256"}, claims, SECRET), SECRET, SITE, NOW)


def test_too_long_and_garbage_tokens_are_refused() -> None:
    padded = _token(_claims(name="Ada", pad="x" * MAX_TOKEN_LENGTH))
    assert len(padded) > MAX_TOKEN_LENGTH
    _refused(padded)
    for garbage in ("", "abc", "a.b.c", "....", "ünïcödé.x.y", "Bearer " + _token(_claims())):
        _refused(garbage)


def test_name_and_email_are_cleaned_like_the_comment_form() -> None:
    reader = verify_reader_token(
        _token(_claims(name="  Ade\u0301le  ", email=" ADA@Example.COM ")), SECRET, SITE, NOW
    )
    assert reader.name == "Adéle"  # NFC, stripped
    assert reader.email == "ada@example.com"
    assert verify_reader_token(_token(_claims(email="")), SECRET, SITE, NOW).email is None
    _refused(_token(_claims(name="Ada\u202eevil")))  # a bidirectional override
    _refused(_token(_claims(name="Ada\x07")))


def test_author_keys_of_accounts_never_clash_with_typed_names() -> None:
    assert author_key("Ada", None, "42") == "reader:42"
    assert author_key("Ada", "ADA@example.com") == "ada@example.com"
    assert author_key(" Ada ", None) == "ada"
    assert author_key("reader:42", None) == "typed:reader:42"
    assert author_key("X", "reader:42@example.com") == "typed:reader:42@example.com"
