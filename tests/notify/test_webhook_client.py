"""The outgoing webhook request on its own: the signature, which URLs and addresses are
refused, the request pinned to the address that was checked (DNS rebinding), and no
proxy, no redirects, the timeout."""

from __future__ import annotations

import hashlib
import hmac
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.webhook_receiver import Receiver
from threadline.app import webhook_client
from threadline.config import load_settings
from threadline.notify.webhook_client import (
    PostResult,
    WebhookAddressError,
    WebhookClient,
    check_url,
    is_public,
    resolve_checked,
    sign,
)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r


def test_the_signature_is_hmac_sha256_over_time_dot_body() -> None:
    body = b'{"event":"ping"}'
    expected = hmac.new(b"k3y", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("k3y", 1700000000, body) == f"t=1700000000,v1={expected}"
    assert sign("k3y", 1700000001, body) != sign("k3y", 1700000000, body)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/x",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "https://",
        "http://u:p@example.com/",
    ],
)
def test_only_plain_http_urls(url: str) -> None:
    with pytest.raises(WebhookAddressError):
        check_url(url)


def test_default_ports() -> None:
    assert check_url("https://hooks.example.com/a") == ("https", "hooks.example.com", 443)
    assert check_url("http://hooks.example.com:8080/a") == ("http", "hooks.example.com", 8080)


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),  # cloud metadata
        ("100.64.0.1", False),  # carrier-grade NAT
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00::1", False),
        ("::ffff:127.0.0.1", False),  # IPv4-mapped loopback
    ],
)
def test_public_addresses(address: str, public: bool) -> None:
    assert is_public(address) is public


def test_every_address_of_the_host_must_be_public() -> None:
    def resolver(host: str, port: int) -> list[str]:
        return ["93.184.216.34", "10.0.0.5"]

    with pytest.raises(WebhookAddressError, match=r"non-public address \(10\.0\.0\.5\)"):
        resolve_checked("https://hooks.example.com/", False, resolver)
    assert resolve_checked("https://hooks.example.com/", True, resolver) == "93.184.216.34"


def test_the_request_goes_to_the_checked_address(receiver: Receiver) -> None:
    """The name is resolved once, by our resolver; the connection goes to that address with
    the URL's host in the Host header (a second DNS answer is never asked for)."""
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    client = WebhookClient(2.0, allow_private=True, user_agent="t/1", resolver=resolver)
    url = f"http://hooks.example.test:{receiver.port}/in"
    try:
        result = client.post(url, b"{}", {"X-Test": "1"})
    finally:
        client.close()
    assert result.delivered and result.status == 200
    [got] = receiver.wait(1)
    assert got.path == "/in" and got.headers["Host"] == f"hooks.example.test:{receiver.port}"
    assert got.headers["X-Test"] == "1" and got.headers["User-Agent"] == "t/1"
    assert asked == ["hooks.example.test"]


def test_rebinding_to_a_private_address_is_refused_when_sending(receiver: Receiver) -> None:
    answers = iter([["93.184.216.34"], ["127.0.0.1"]])

    def resolver(host: str, port: int) -> list[str]:
        return next(answers)

    client = WebhookClient(2.0, allow_private=False, user_agent="t/1", resolver=resolver)
    url = f"http://hooks.example.test:{receiver.port}/in"
    try:
        assert resolve_checked(url, False, resolver) == "93.184.216.34"  # when it was added
        result = client.post(url, b"{}", {})  # the name now points inside
    finally:
        client.close()
    assert not result.delivered and (result.error or "").startswith("refused")
    assert receiver.received == []


def test_connection_refused_is_an_error_not_an_exception() -> None:
    client = WebhookClient(1.0, allow_private=True, user_agent="t/1")
    try:
        result = client.post("http://127.0.0.1:9/closed", b"{}", {})
    finally:
        client.close()
    assert result.status is None and "could not connect" in (result.error or "")


# HTTPS: the connection goes to the checked address, but the certificate must be valid for
# the URL's host name, signed by an authority the client trusts.


@pytest.fixture(scope="module")
def newsroom_ca() -> trustme.CA:
    return trustme.CA()


def https_receiver(ca: trustme.CA, *names: str) -> Receiver:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert(*names).configure_cert(context)
    return Receiver(tls=context)


def post_to(url: str, ca_file: str | None) -> PostResult:
    client = WebhookClient(
        2.0,
        allow_private=True,
        user_agent="t/1",
        resolver=lambda host, port: ["127.0.0.1"],
        ca_file=ca_file,
    )
    try:
        return client.post(url, b'{"ok": true}', {"X-Test": "tls"})
    finally:
        client.close()


def test_https_delivery_to_a_receiver_signed_by_a_trusted_ca(
    newsroom_ca: trustme.CA, tmp_path: Path
) -> None:
    ca_file = tmp_path / "newsroom-ca.pem"
    newsroom_ca.cert_pem.write_to_path(str(ca_file))
    with https_receiver(newsroom_ca, "hooks.example.test") as receiver:
        result = post_to(f"https://hooks.example.test:{receiver.port}/in", str(ca_file))
        [got] = receiver.wait(1)
    assert result.delivered and result.status == 200
    assert got.body == b'{"ok": true}' and got.headers["X-Test"] == "tls"
    assert got.headers["Host"] == f"hooks.example.test:{receiver.port}"


def test_https_certificate_for_another_name_is_refused(
    newsroom_ca: trustme.CA, tmp_path: Path
) -> None:
    """The request is pinned to an IP address, yet the certificate is checked against the
    URL's host name: a receiver with a valid certificate for another name gets nothing."""
    ca_file = tmp_path / "newsroom-ca.pem"
    newsroom_ca.cert_pem.write_to_path(str(ca_file))
    with https_receiver(newsroom_ca, "elsewhere.example.test") as receiver:
        result = post_to(f"https://hooks.example.test:{receiver.port}/in", str(ca_file))
        assert receiver.received == []
    assert not result.delivered and result.status is None
    assert "could not connect" in (result.error or "")
    assert "certificate" in (result.error or "").lower()


def test_https_receiver_of_an_untrusted_ca_is_refused(newsroom_ca: trustme.CA) -> None:
    """Without the newsroom's CA file, only the system's authorities are trusted."""
    with https_receiver(newsroom_ca, "hooks.example.test") as receiver:
        result = post_to(f"https://hooks.example.test:{receiver.port}/in", None)
        assert receiver.received == []
    assert not result.delivered and "certificate" in (result.error or "").lower()


def test_an_unusable_ca_file_is_refused_at_start(tmp_path: Path) -> None:
    bad = tmp_path / "not-a-ca.pem"
    bad.write_text("not a certificate\n")
    with pytest.raises(ValueError, match="cannot be used"):
        WebhookClient(2.0, allow_private=True, user_agent="t/1", ca_file=str(bad))


def test_the_app_client_trusts_the_configured_ca(newsroom_ca: trustme.CA, tmp_path: Path) -> None:
    """`webhook_ca_file` reaches the client every delivery goes through (app.webhook_client)."""
    ca_file = tmp_path / "newsroom-ca.pem"
    newsroom_ca.cert_pem.write_to_path(str(ca_file))
    settings = load_settings(
        environ={
            "THREADLINE_WEBHOOK_CA_FILE": str(ca_file),
            "THREADLINE_WEBHOOK_ALLOW_PRIVATE_ADDRESSES": "on",
        }
    )
    client = webhook_client(settings)
    with https_receiver(newsroom_ca, "127.0.0.1") as receiver:
        try:
            result = client.post(receiver.url("/in"), b"{}", {})
        finally:
            client.close()
        receiver.wait(1)
    assert result.delivered, result.error
