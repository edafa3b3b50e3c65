"""Thread keys: a publisher's article id, or its canonical URL normalized."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

MAX_KEY_LENGTH = 512


def normalize_thread_key(key: str, keep_query: bool = False) -> str:
    """Normalize URL keys so one article gets one thread whatever link a reader came by.

    Scheme and host are lower-cased, the fragment (and the query, unless the site keeps it)
    dropped, a default port and an empty path made canonical. Other keys, and URLs too
    malformed to parse (a bad port, an unclosed IPv6 bracket), are only trimmed.
    """
    key = key.strip()
    lowered = key.lower()
    if not (lowered.startswith("http://") or lowered.startswith("https://")):
        return key
    try:
        parts = urlsplit(key)
        port = parts.port
    except ValueError:
        return key
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 literal: hostname dropped its brackets
        host = f"[{host}]"
    if port and not ((scheme == "http" and port == 80) or (scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    path = parts.path or "/"
    query = parts.query if keep_query else ""
    return urlunsplit((scheme, host, path, query, ""))


def article_page(key: str, url: str | None) -> str | None:
    """The article's address, for links to it and its comments: the thread's URL, else its
    key when the key is a URL, without a fragment; None when neither says it."""
    page = url or (key if key.startswith(("https://", "http://")) else "")
    return page.split("#", 1)[0] or None
