"""Edit tokens and voter identities: only hashes are kept, comparisons are exact."""

from __future__ import annotations

from threadline.auth.tokens import hash_edit_token, new_edit_token, token_matches, voter_digest


def test_edit_tokens_are_random_and_url_safe() -> None:
    tokens = {new_edit_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        assert len(token) >= 43  # 32 random bytes
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_token_matches_only_its_own_hash() -> None:
    token = new_edit_token()
    stored = hash_edit_token(token)
    assert stored != token and len(stored) == 64
    assert token_matches(token, stored)
    assert not token_matches(new_edit_token(), stored)
    assert not token_matches(token[:-1], stored)
    assert not token_matches(token, None)
    assert not token_matches(token, "")
    assert not token_matches("", stored)


def test_voter_digest_depends_on_secret_site_and_voter() -> None:
    base = voter_digest("secret", "daily", "voter-1")
    assert base == voter_digest("secret", "daily", "voter-1")
    assert "voter-1" not in base
    assert base != voter_digest("other-secret", "daily", "voter-1")
    assert base != voter_digest("secret", "weekly", "voter-1")
    assert base != voter_digest("secret", "daily", "voter-2")
    # The separator keeps (site, voter) pairs from running into each other.
    assert voter_digest("s", "ab", "c") != voter_digest("s", "a", "bc")
