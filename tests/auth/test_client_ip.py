"""X-Forwarded-For is believed only from trusted proxies, and only as far as they vouch."""

from __future__ import annotations

import pytest

from threadline.auth.client_ip import ClientAddressResolver

PROXY = "10.0.0.5"


@pytest.fixture
def behind_proxy() -> ClientAddressResolver:
    return ClientAddressResolver(["10.0.0.0/8", "2001:db8:ffff::1"])


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    resolver = ClientAddressResolver([])
    assert resolver.resolve("198.51.100.7", "203.0.113.1") == "198.51.100.7"


def test_untrusted_peer_cannot_claim_another_address(behind_proxy: ClientAddressResolver) -> None:
    assert behind_proxy.resolve("198.51.100.7", "203.0.113.1") == "198.51.100.7"


def test_trusted_proxy_forwards_the_client(behind_proxy: ClientAddressResolver) -> None:
    assert behind_proxy.resolve(PROXY, "203.0.113.1") == "203.0.113.1"


def test_the_rightmost_untrusted_hop_is_the_client(behind_proxy: ClientAddressResolver) -> None:
    # The client put a fake address first; our proxies appended the real ones.
    assert behind_proxy.resolve(PROXY, "1.2.3.4, 203.0.113.1, 10.0.0.9") == "203.0.113.1"
    assert behind_proxy.resolve(PROXY, "1.2.3.4,203.0.113.1,10.1.2.3,10.0.0.9") == "203.0.113.1"


def test_only_trusted_hops_give_the_leftmost(behind_proxy: ClientAddressResolver) -> None:
    assert behind_proxy.resolve(PROXY, "10.9.9.9, 10.0.0.9") == "10.9.9.9"


@pytest.mark.parametrize("header", [None, "", " , ,"])
def test_missing_or_empty_header(behind_proxy: ClientAddressResolver, header: str | None) -> None:
    assert behind_proxy.resolve(PROXY, header) == PROXY


@pytest.mark.parametrize("hop", ["unknown", "not-an-ip", "203.0.113.1:5555", "_hidden"])
def test_a_malformed_hop_falls_back_to_the_peer(
    behind_proxy: ClientAddressResolver, hop: str
) -> None:
    assert behind_proxy.resolve(PROXY, f"198.51.100.1, {hop}") == PROXY


def test_ipv6(behind_proxy: ClientAddressResolver) -> None:
    assert behind_proxy.resolve("2001:db8:ffff::1", "2001:DB8:0:0::42") == "2001:db8::42"
    assert behind_proxy.resolve("2001:db8:ffff::2", "203.0.113.1") == "2001:db8:ffff::2"


def test_no_peer() -> None:
    assert ClientAddressResolver(["10.0.0.0/8"]).resolve(None, "203.0.113.1") is None


def test_non_ip_peer_is_not_trusted(behind_proxy: ClientAddressResolver) -> None:
    assert behind_proxy.resolve("testclient", "203.0.113.1") == "testclient"


def test_invalid_trusted_proxy_setting_fails_at_start() -> None:
    with pytest.raises(ValueError):
        ClientAddressResolver(["not-a-network"])
