"""The admin export download through the real ASGI app, on both backends: byte for byte the
CLI's export, streamed as an attachment; administrators only; audited."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from tests.api.support import assert_documented, assert_error
from tests.api.test_mod import PASSWORD, _ctx, _login, desk  # noqa: F401 (fixture)
from tests.transfer.conftest import EXPORTS, export_bytes, import_file

URL = "/api/v1/mod/sites/{}/export"
ARTICLE = "https://example.org/2014/test/"


def _import(client: TestClient) -> None:
    from threadline.transfer.rules import Rule

    rules = [Rule.parse("http://example.tld/=https://example.org/")]
    import_file(_ctx(client).store, "wordpress", EXPORTS / "isso--wordpress.xml", rules, "demo")


def test_admin_downloads_the_cli_export(client: TestClient, desk: dict[str, Any]) -> None:  # noqa: F811
    _import(client)
    _login(client, "boss@example.com")
    response = client.get(URL.format("demo"))
    assert response.status_code == 200, response.text
    assert_documented("GET", "/api/v1/mod/sites/{site}/export", response)
    assert response.headers["content-type"].startswith("application/jsonl")
    day = _ctx(client).clock().strftime("%Y%m%d")
    assert (
        response.headers["content-disposition"]
        == f'attachment; filename="threadline-demo-{day}.jsonl"'
    )
    assert response.headers["cache-control"] == "no-store"
    expected = export_bytes(_ctx(client).store, "demo")
    assert response.content == expected
    assert expected.count(b"\n") == 1 + 2 + 8  # header, threads, comments
    one = client.get(URL.format("demo"), params={"thread": ARTICLE})
    assert one.status_code == 200
    assert one.content == export_bytes(_ctx(client).store, "demo", ARTICLE)
    assert 'filename="threadline-demo-thread-' in one.headers["content-disposition"]
    # Who downloaded what is on record.
    with _ctx(client).store.reading() as db:
        entries = db.audit_entries(None, action="export_site")
    assert [(e.target_type, e.target_id) for e in reversed(entries)] == [
        ("site", "demo"),
        ("thread", ARTICLE),
    ]


def test_who_may_export(client: TestClient, desk: dict[str, Any]) -> None:  # noqa: F811
    _import(client)
    url = URL.format("demo")
    assert_documented("GET", "/api/v1/mod/sites/{site}/export", client.get(url))
    assert_error(client.get(url), 401, "auth_required")  # a reader: no session
    _login(client, "om@example.com")  # another site's moderator
    assert_error(client.get(url), 403, "not_an_admin")
    _login(client, "mod@example.com")  # this site's moderator: readers' data in bulk, no
    assert_error(client.get(url), 403, "not_an_admin")
    _login(client, "boss@example.com")
    assert_error(client.get(URL.format("nope")), 404, "site_not_found")
    missing = client.get(url, params={"thread": "https://example.org/none"})
    assert_error(missing, 404, "thread_not_found")
    assert_error(client.get(url, params={"thread": ""}), 400, "malformed_request")
    cross = client.get(url, headers={"Origin": "https://news.example"})
    assert_error(cross, 403, "origin_not_allowed")
    with _ctx(client).store.reading() as db:
        assert db.audit_entries(None, action="export_site") == []


def test_the_download_is_streamed_thread_by_thread(
    client: TestClient,
    desk: dict[str, Any],  # noqa: F811
) -> None:
    _import(client)
    _login(client, "boss@example.com")
    with client.stream("GET", URL.format("demo")) as response:
        assert response.status_code == 200
        chunks = [c for c in response.iter_raw() if c]
    assert b"".join(chunks) == export_bytes(_ctx(client).store, "demo")
    assert len(chunks) >= 3  # the header, then each thread with its comments
